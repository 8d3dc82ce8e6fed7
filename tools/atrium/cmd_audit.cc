#include "tools/atrium/cmd_audit.h"

#include "tools/atrium/cli_common.h"

#include <time.h>

#include <cstdint>
#include <iostream>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace atrium::cli {
namespace {

using Json = nlohmann::ordered_json;



// SecretIds and request ids come from whoever sent the request: no terminal escapes on screen.
std::string printable(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  return out.empty() ? "-" : out;
}

}  // namespace

void addAuditCommands(CLI::App& root, OpenStore openStore) {
  struct Options {
    std::optional<uint32_t> app;
    int64_t fromMs = 0;
    int64_t toMs = std::numeric_limits<int64_t>::max();
    size_t limit = 100;
    bool json = false;
  };
  auto* audit = root.add_subcommand("audit", "Inspect the server-API audit log (R19)");
  audit->require_subcommand(1);
  auto opts = std::make_shared<Options>();
  auto* cmd = audit->add_subcommand("list", "List API requests, newest first");
  cmd->add_option("--app", opts->app, "Only requests naming this SdkAppId");
  cmd->add_option("--from-ms", opts->fromMs, "First time (Unix ms, inclusive)");
  cmd->add_option("--to-ms", opts->toMs, "Last time (Unix ms, exclusive)");
  cmd->add_option("--limit", opts->limit, "At most this many records (default 100)");
  cmd->add_flag("--json", opts->json, "Print a JSON array");
  cmd->callback([opts, openStore] {
    auto store = orFail(openStore());
    auto records = orFail(store->listAudit(opts->fromMs, opts->toMs, opts->app, opts->limit));
    if (opts->json) {
      Json list = Json::array();
      for (const auto& r : records)
        list.push_back({{"timeMs", r.timeMs},
                        {"secretId", r.secretId},
                        {"action", r.action},
                        {"sdkAppId", r.sdkAppId},
                        {"resultCode", r.resultCode.empty() ? "Ok" : r.resultCode},
                        {"requestId", r.requestId},
                        {"ip", r.maskedIp}});
      // Stored text is whatever the request carried: invalid UTF-8 is replaced, not fatal.
      std::cout << list.dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
      return;
    }
    std::cout << fmt::format("{:<24}  {:<10}  {:<36}  {:<26}  {:<28}  {:<36}  {}\n", "TIME", "APP", "SECRETID",
                             "ACTION", "RESULT", "REQUEST ID", "IP");
    for (const auto& r : records)
      std::cout << fmt::format("{:<24}  {:<10}  {:<36}  {:<26}  {:<28}  {:<36}  {}\n", isoTime(r.timeMs, true, false),
                               r.sdkAppId == 0 ? "-" : std::to_string(r.sdkAppId), printable(r.secretId),
                               printable(r.action), r.resultCode.empty() ? "Ok" : printable(r.resultCode),
                               printable(r.requestId), printable(r.maskedIp));
  });
}

}  // namespace atrium::cli
