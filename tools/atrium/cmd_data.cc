#include "tools/atrium/cmd_data.h"

#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include "base/clock.h"
#include "base/ids.h"
#include "base/mask.h"
#include "tools/atrium/cli_common.h"

namespace atrium::cli {
namespace {

void printReport(const store::PurgeReport& report) {
  for (const auto& [table, n] : report.rowsByTable) std::cout << fmt::format("{:<20} {}\n", table, n);
}

struct EraseFlags {
  uint32_t app = 0;
  std::string user;
  std::string requestedBy;
};

void runErase(const EraseFlags& flags, const OpenStore& openStore) {
  if (!base::isValidUserId(flags.user))
    fail(base::makeError(store::kErrInvalidArgument, "--user must be a valid TRTC userId"));
  // Who asked goes into the erasure log (the user id does not): default to the operator's login.
  std::string requestedBy = flags.requestedBy;
  if (requestedBy.empty()) {
    const char* login = std::getenv("USER");
    requestedBy = std::string("atrium CLI (") + (login && *login ? login : "unknown operator") + ")";
  }
  auto store = orFail(openStore());
  // Erasure of a deleted app's user is allowed (its data may still be waiting for the purge);
  // an unknown app is a typo, not an empty erasure.
  if (!orFail(store->getApp(flags.app)))
    fail(base::makeError(store::kErrAppNotFound, "no app " + std::to_string(flags.app)));
  const store::PurgeReport report =
      orFail(store->eraseUser(flags.app, flags.user, requestedBy, base::SystemClock::instance().wallMs()));
  printReport(report);
  // The id is masked even here: terminal scrollback and shared screens are where people look (R11).
  std::cout << "erased " << report.total() << " rows of user " << base::maskUserId(flags.user) << " in app "
            << flags.app << " (recorded in the erasure log without the user id)\n";
}

}  // namespace

void addDataProtectionCommands(CLI::App& root, OpenStore openStore, ReadRetention readRetention) {
  auto* purge = root.add_subcommand(
      "purge", "Delete expired data and deleted apps' data now, by the retention.* settings (what atriumd does hourly)");
  purge->callback([openStore, readRetention] {
    const app::RetentionSettings retention = orFail(readRetention());
    auto store = orFail(openStore());
    const store::PurgeReport report =
        orFail(store->purgeExpired(retention.policy, base::SystemClock::instance().wallMs()));
    printReport(report);
    std::cout << "purged " << report.total() << " rows\n";
  });

  auto flags = std::make_shared<EraseFlags>();
  auto* erase = root.add_subcommand(
      "erase", "Erase one user's data in one app (data-subject request, R13): sessions, events, quality, callbacks");
  erase->add_option("--app", flags->app, "SdkAppId")->required();
  erase->add_option("--user", flags->user, "the user's userId")->required();
  erase->add_option("--requested-by", flags->requestedBy,
                    "who asked, e.g. a ticket reference (stored in the erasure log; default: your login)");
  erase->callback([flags, openStore] { runErase(*flags, openStore); });

#ifdef ATRIUM_TEST_HOOKS
  // Tests only (hidden): a CLI in a long transaction, which must not stall atriumd's signaling.
  auto holdMs = std::make_shared<int64_t>(3000);
  auto* hold = root.add_subcommand("hold-write-lock", "test hook: hold the store's write lock")->group("");
  hold->add_option("--ms", *holdMs, "how long")->check(CLI::Range(int64_t{0}, int64_t{600'000}));
  hold->callback([holdMs, openStore] {
    auto store = orFail(openStore());
    std::cout << "holding\n" << std::flush;
    orFail(store->holdWriteLockForTest(*holdMs));
  });
#endif
}

}  // namespace atrium::cli
