#include "tools/atrium/cmd_entries.h"

#include "tools/atrium/cli_common.h"

#include <cstdio>
#include <nlohmann/json.hpp>

namespace atrium::cli {


void addCallbacksCommand(CLI::App& root, OpenStore openStore) {
  auto app = std::make_shared<uint32_t>(0);
  auto json = std::make_shared<bool>(false);
  auto* cmd = root.add_subcommand("callbacks", "show event callbacks waiting for delivery and those given up");
  cmd->add_option("--app", *app, "count given-up callbacks of this SdkAppId only");
  cmd->add_flag("--json", *json, "print JSON");
  cmd->callback([app, json, openStore] {
    auto store = orFail(openStore());
    size_t pending = orFail(store->pendingCallbacks());
    size_t failed = orFail(store->failedCallbacks(*app ? std::optional<uint32_t>(*app) : std::nullopt));
    if (*json) std::printf("{\"pending\": %zu, \"failed\": %zu}\n", pending, failed);
    else std::printf("pending  %zu\nfailed   %zu\n", pending, failed);
  });
}

void addEntriesCommand(CLI::App& root, OpenStore openStore) {
  struct Options {
    uint32_t app = 0;
    int64_t fromMs = 0;
    int64_t toMs = INT64_MAX;
    size_t limit = 1000;
    bool json = false;
  };
  auto opts = std::make_shared<Options>();
  auto* cmd = root.add_subcommand("entries", "list room-entry events of an app (user ids and IPs are stored masked)");
  cmd->add_option("--app", opts->app, "SdkAppId")->required();
  cmd->add_option("--from-ms", opts->fromMs, "first time (Unix ms, inclusive)");
  cmd->add_option("--to-ms", opts->toMs, "last time (Unix ms, exclusive)");
  cmd->add_option("--limit", opts->limit, "at most this many events");
  cmd->add_flag("--json", opts->json, "print a JSON array");
  cmd->callback([opts, openStore] {
    auto store = orFail(openStore());
    auto events = orFail(store->listEntries(opts->app, opts->fromMs, opts->toMs, opts->limit));
    if (opts->json) {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& e : events)
        out.push_back({{"timeMs", e.timeMs}, {"sdkAppId", e.sdkAppId}, {"room", e.room}, {"user", e.maskedUserId},
                       {"ip", e.maskedIp}, {"success", e.success}, {"cause", e.cause}, {"errorCode", e.errorCode}});
      std::printf("%s\n", out.dump(2).c_str());
      return;
    }
    std::printf("%-14s %-10s %-20s %-12s %-16s %-8s %s\n", "TIME_MS", "APP", "ROOM", "USER", "IP", "CAUSE", "RESULT");
    for (const auto& e : events)
      std::printf("%-14lld %-10u %-20s %-12s %-16s %-8s %s\n", static_cast<long long>(e.timeMs), e.sdkAppId,
                  e.room.c_str(), e.maskedUserId.c_str(), e.maskedIp.c_str(), e.cause.c_str(),
                  e.success ? "ok" : e.errorCode.c_str());
  });
}

}  // namespace atrium::cli
