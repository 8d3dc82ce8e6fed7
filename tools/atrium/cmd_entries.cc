#include "tools/atrium/cmd_entries.h"

#include "tools/atrium/cli_common.h"

#include "base/clock.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace atrium::cli {


namespace {

// What a given-up callback was about, from its body (trtc-compat §6); the body itself holds user
// ids, so the table shows only the event and the room.
std::string describeEvent(const std::string& body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return "?";
  auto info = j.value("EventInfo", nlohmann::json::object());
  std::string room = info.contains("RoomId") ? (info["RoomId"].is_string() ? "s:" + info["RoomId"].get<std::string>()
                                                                             : info["RoomId"].dump())
                                             : "-";
  return std::to_string(j.value("EventType", 0)) + " room " + room;
}

}  // namespace

void addCallbacksCommand(CLI::App& root, OpenStore openStore) {
  auto app = std::make_shared<uint32_t>(0);
  auto json = std::make_shared<bool>(false);
  auto* cmd = root.add_subcommand("callbacks", "event callbacks: counts (no subcommand), given-up ones, resending them");
  cmd->add_option("--app", *app, "count given-up callbacks of this SdkAppId only");
  cmd->add_flag("--json", *json, "print JSON");
  cmd->require_subcommand(0, 1);
  cmd->callback([cmd, app, json, openStore] {
    if (!cmd->get_subcommands().empty()) return;
    auto store = orFail(openStore());
    size_t pending = orFail(store->pendingCallbacks());
    size_t failed = orFail(store->failedCallbacks(*app ? std::optional<uint32_t>(*app) : std::nullopt));
    if (*json) std::printf("{\"pending\": %zu, \"failed\": %zu}\n", pending, failed);
    else std::printf("pending  %zu\nfailed   %zu\n", pending, failed);
  });

  struct ListOptions {
    uint32_t app = 0;
    size_t limit = 100;
    bool json = false;
  };
  auto list = std::make_shared<ListOptions>();
  auto* listCmd = cmd->add_subcommand("list", "callbacks given up on (after callback.give_up_after_ms), newest first");
  listCmd->add_option("--app", list->app, "of this SdkAppId only");
  listCmd->add_option("--limit", list->limit, "at most this many (default 100)");
  listCmd->add_flag("--json", list->json, "print a JSON array, with each body");
  listCmd->callback([list, openStore] {
    auto store = orFail(openStore());
    auto failed = orFail(store->listFailedCallbacks(list->app ? std::optional<uint32_t>(list->app) : std::nullopt,
                                                    list->limit));
    if (list->json) {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& f : failed)
        out.push_back({{"id", f.id}, {"sdkAppId", f.sdkAppId}, {"createdAtMs", f.createdAtMs}, {"attempts", f.attempts},
                       {"failedAtMs", f.failedAtMs}, {"reason", f.reason},
                       {"body", nlohmann::json::parse(f.body, nullptr, false).is_discarded()
                                    ? nlohmann::json(f.body)
                                    : nlohmann::json::parse(f.body)}});
      std::printf("%s\n", out.dump(2).c_str());
      return;
    }
    std::printf("%-18s %-10s %-24s %-24s %-8s %-24s %s\n", "ID", "APP", "CREATED", "GIVEN_UP", "ATTEMPTS", "EVENT",
                "REASON");
    for (const auto& f : failed)
      std::printf("%-18lld %-10u %-24s %-24s %-8d %-24s %s\n", static_cast<long long>(f.id), f.sdkAppId,
                  isoTime(f.createdAtMs, true).c_str(), isoTime(f.failedAtMs, true).c_str(), f.attempts,
                  describeEvent(f.body).c_str(), f.reason.c_str());
  });

  struct ResendOptions {
    std::vector<int64_t> ids;
    bool all = false;
    uint32_t app = 0;
  };
  auto resend = std::make_shared<ResendOptions>();
  auto* resendCmd = cmd->add_subcommand(
      "resend", "queue given-up callbacks again (same body and Sign; a running atriumd delivers them within a second)");
  resendCmd->add_option("ids", resend->ids, "ids from `atrium callbacks list`");
  resendCmd->add_flag("--all", resend->all, "every given-up callback (of --app, when given)");
  resendCmd->add_option("--app", resend->app, "with --all: of this SdkAppId only");
  resendCmd->callback([resend, openStore] {
    if (resend->ids.empty() == !resend->all)
      fail(base::makeError("INVALID_ARGUMENT", "give the ids to resend, or --all (not both)"));
    auto store = orFail(openStore());
    std::vector<int64_t> ids = resend->ids;
    if (resend->all)
      for (const auto& f : orFail(store->listFailedCallbacks(resend->app ? std::optional<uint32_t>(resend->app) : std::nullopt,
                                                             SIZE_MAX)))
        ids.push_back(f.id);
    // Oldest first, so a room's events are queued again in the order they happened.
    std::sort(ids.begin(), ids.end());
    int64_t now = base::SystemClock::instance().wallMs();
    for (int64_t id : ids) std::printf("resent %lld as job %lld\n", static_cast<long long>(id),
                                       static_cast<long long>(orFail(store->resendFailedCallback(id, now))));
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
