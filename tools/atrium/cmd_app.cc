#include "tools/atrium/cmd_app.h"

#include "tools/atrium/cli_common.h"

#include <time.h>

#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace atrium::cli {
namespace {

using Json = nlohmann::ordered_json;


// Enough of a key to tell two apart on screen (R11), too little to use: "5bd2****3b5e".
std::string maskSecret(std::string_view key) {
  if (key.empty()) return "";
  if (key.size() <= 12) return "****";
  return std::string(key.substr(0, 4)) + "****" + std::string(key.substr(key.size() - 4));
}

std::string isoTime(int64_t ms) {
  time_t seconds = static_cast<time_t>(ms / 1000);
  struct tm utc {};
  gmtime_r(&seconds, &utc);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buf;
}

std::string limitText(uint32_t v) { return v == 0 ? "unlimited" : std::to_string(v); }
const char* onOff(bool v) { return v ? "on" : "off"; }

// Settings shared by `create` and `update`; an option left out keeps the current value.
struct SettingOptions {
  std::optional<std::string> name, region, callbackUrl;
  std::optional<uint32_t> maxRooms, maxRtcUsers, maxLiveUsers, maxPublishers;
  bool advancedPermission = false, recording = false, relay = false;
  CLI::Option* advancedPermissionOpt = nullptr;
  CLI::Option* recordingOpt = nullptr;
  CLI::Option* relayOpt = nullptr;
};

void addSettingOptions(CLI::App& cmd, SettingOptions& s) {
  cmd.add_option("--region", s.region, "Region the app's data lives in (R15)");
  cmd.add_option("--callback-url", s.callbackUrl, "Event callback URL; \"\" removes it (and its key)");
  cmd.add_option("--max-rooms", s.maxRooms, "Concurrent rooms (0 = unlimited)");
  cmd.add_option("--max-rtc-users", s.maxRtcUsers, "Users per rtc-scene room (0 = unlimited)");
  cmd.add_option("--max-live-users", s.maxLiveUsers, "Users per live-scene room (0 = unlimited)");
  cmd.add_option("--max-publishers", s.maxPublishers, "Publishing anchors per room (0 = unlimited)");
  s.advancedPermissionOpt = cmd.add_flag("--advanced-permission,!--no-advanced-permission", s.advancedPermission,
                                         "Require a PrivateMapKey to enter rooms");
  s.recordingOpt = cmd.add_flag("--recording,!--no-recording", s.recording, "Cloud recording");
  s.relayOpt = cmd.add_flag("--relay,!--no-relay", s.relay, "Relay to CDN");
}

void applySettings(const SettingOptions& s, store::App& app) {
  if (s.name) app.name = *s.name;
  if (s.region) app.region = *s.region;
  if (s.callbackUrl) {
    if (*s.callbackUrl != app.callbackUrl) app.callbackKey.clear();  // a new endpoint gets a new key
    app.callbackUrl = *s.callbackUrl;
  }
  if (s.maxRooms) app.limits.maxRooms = *s.maxRooms;
  if (s.maxRtcUsers) app.limits.maxRtcUsers = *s.maxRtcUsers;
  if (s.maxLiveUsers) app.limits.maxLiveUsers = *s.maxLiveUsers;
  if (s.maxPublishers) app.limits.maxPublishers = *s.maxPublishers;
  if (s.advancedPermissionOpt->count() > 0) app.features.advancedPermission = s.advancedPermission;
  if (s.recordingOpt->count() > 0) app.features.recording = s.recording;
  if (s.relayOpt->count() > 0) app.features.relay = s.relay;
}

Json appJson(const store::App& app, bool reveal) {
  auto secret = [&](const std::string& key) -> Json {
    if (key.empty()) return nullptr;
    return reveal ? key : maskSecret(key);
  };
  Json j;
  j["sdkAppId"] = app.sdkAppId;
  j["name"] = app.name;
  j["status"] = std::string(store::toString(app.status));
  j["region"] = app.region;
  j["secretKey"] = secret(app.secretKey);
  j["callbackUrl"] = app.callbackUrl.empty() ? Json(nullptr) : Json(app.callbackUrl);
  j["callbackKey"] = secret(app.callbackKey);
  j["limits"] = {{"maxRtcUsers", app.limits.maxRtcUsers},
                 {"maxLiveUsers", app.limits.maxLiveUsers},
                 {"maxPublishers", app.limits.maxPublishers},
                 {"maxRooms", app.limits.maxRooms}};
  j["features"] = {{"advancedPermission", app.features.advancedPermission},
                   {"recording", app.features.recording},
                   {"relay", app.features.relay}};
  j["createdAtMs"] = app.createdAtMs;
  j["updatedAtMs"] = app.updatedAtMs;
  if (app.deletedAtMs != 0) j["deletedAtMs"] = app.deletedAtMs;
  return j;
}

void printApp(const store::App& app, bool reveal, bool json) {
  if (json) {
    std::cout << appJson(app, reveal).dump(2) << "\n";
    return;
  }
  auto secret = [&](const std::string& key) { return key.empty() ? "-" : reveal ? key : maskSecret(key); };
  auto row = [](std::string_view label, const std::string& value) {
    std::cout << fmt::format("{:<20}{}\n", label, value);
  };
  row("SdkAppId", std::to_string(app.sdkAppId));
  row("Name", app.name);
  row("Status", std::string(store::toString(app.status)));
  row("Region", app.region);
  row("SecretKey", secret(app.secretKey));
  row("CallbackUrl", app.callbackUrl.empty() ? "-" : app.callbackUrl);
  row("CallbackKey", secret(app.callbackKey));
  row("MaxRtcUsers", limitText(app.limits.maxRtcUsers));
  row("MaxLiveUsers", limitText(app.limits.maxLiveUsers));
  row("MaxPublishers", limitText(app.limits.maxPublishers));
  row("MaxRooms", limitText(app.limits.maxRooms));
  row("AdvancedPermission", onOff(app.features.advancedPermission));
  row("Recording", onOff(app.features.recording));
  row("Relay", onOff(app.features.relay));
  row("Created", isoTime(app.createdAtMs));
  row("Updated", isoTime(app.updatedAtMs));
  if (app.deletedAtMs != 0) row("Deleted", isoTime(app.deletedAtMs));
}

void printList(const std::vector<store::App>& apps, bool json) {
  if (json) {
    Json list = Json::array();
    for (const auto& app : apps)
      list.push_back({{"sdkAppId", app.sdkAppId},
                      {"name", app.name},
                      {"status", std::string(store::toString(app.status))},
                      {"region", app.region}});
    std::cout << list.dump(2) << "\n";
    return;
  }
  size_t nameWidth = 4;
  for (const auto& app : apps) nameWidth = std::max(nameWidth, app.name.size());
  std::cout << fmt::format("{:<12}  {:<{}}  {:<8}  {}\n", "SDKAPPID", "NAME", nameWidth, "STATUS", "REGION");
  for (const auto& app : apps)
    std::cout << fmt::format("{:<12}  {:<{}}  {:<8}  {}\n", app.sdkAppId, app.name, nameWidth,
                             store::toString(app.status), app.region);
}

store::App mustGet(store::Store& store, uint32_t id) {
  auto app = orFail(store.getApp(id));
  if (!app) fail(base::makeError(store::kErrAppNotFound, "no app " + std::to_string(id)));
  return std::move(*app);
}

// A subcommand taking one SdkAppId argument; returns where the id lands after parsing.
std::shared_ptr<uint32_t> addIdArgument(CLI::App& cmd) {
  auto id = std::make_shared<uint32_t>(0);
  cmd.add_option("id", *id, "SdkAppId")->required();
  return id;
}

void addCreate(CLI::App& app, const OpenStore& openStore) {
  auto* cmd = app.add_subcommand("create", "Create an app; prints its secret key in full this once");
  auto opts = std::make_shared<SettingOptions>();
  auto id = std::make_shared<uint32_t>(0);
  auto json = std::make_shared<bool>(false);
  cmd->add_option("--name", opts->name, "Display name")->required();
  cmd->add_option("--sdkappid", *id, "SdkAppId to use (default: a random unused one)");
  addSettingOptions(*cmd, *opts);
  cmd->add_flag("--json", *json, "Print JSON");
  cmd->callback([=] {
    auto store = orFail(openStore());
    store::App request;
    request.sdkAppId = *id;
    applySettings(*opts, request);
    store::App created = orFail(store->createApp(request));
    printApp(created, /*reveal=*/true, *json);
    if (!*json)
      std::cout << "\nThe secret key is shown in full only now; `app show " << created.sdkAppId
                << "` masks it (--reveal shows it).\n";
  });
}

void addList(CLI::App& app, const OpenStore& openStore) {
  auto* cmd = app.add_subcommand("list", "List apps (no secrets)");
  auto all = std::make_shared<bool>(false);
  auto json = std::make_shared<bool>(false);
  cmd->add_flag("--all", *all, "Include deleted apps");
  cmd->add_flag("--json", *json, "Print JSON");
  cmd->callback([=] {
    auto store = orFail(openStore());
    printList(orFail(store->listApps(*all)), *json);
  });
}

void addShow(CLI::App& app, const OpenStore& openStore) {
  auto* cmd = app.add_subcommand("show", "Show one app; keys are masked unless --reveal");
  auto id = addIdArgument(*cmd);
  auto reveal = std::make_shared<bool>(false);
  auto json = std::make_shared<bool>(false);
  cmd->add_flag("--reveal", *reveal, "Show the secret key and callback key in full");
  cmd->add_flag("--json", *json, "Print JSON");
  cmd->callback([=] {
    auto store = orFail(openStore());
    printApp(mustGet(*store, *id), *reveal, *json);
  });
}

void addUpdate(CLI::App& app, const OpenStore& openStore) {
  auto* cmd = app.add_subcommand("update", "Change an app's settings (options left out stay as they are)");
  auto id = addIdArgument(*cmd);
  auto opts = std::make_shared<SettingOptions>();
  auto json = std::make_shared<bool>(false);
  cmd->add_option("--name", opts->name, "Display name");
  addSettingOptions(*cmd, *opts);
  cmd->add_flag("--json", *json, "Print JSON");
  cmd->callback([=] {
    auto store = orFail(openStore());
    store::App current = mustGet(*store, *id);
    store::App changed = current;
    applySettings(*opts, changed);
    store::App updated = orFail(store->updateApp(changed));
    printApp(updated, /*reveal=*/false, *json);
    if (!*json && !updated.callbackKey.empty() && updated.callbackKey != current.callbackKey)
      std::cout << "\nNew callback key (shown in full only now): " << updated.callbackKey << "\n";
  });
}

void addRotateKey(CLI::App& app, const OpenStore& openStore) {
  auto* cmd = app.add_subcommand("rotate-key", "Replace the secret key; prints the new one");
  auto id = addIdArgument(*cmd);
  cmd->callback([=] {
    auto store = orFail(openStore());
    std::cout << orFail(store->rotateSecretKey(*id)) << "\n";
  });
}

void addStatusCommand(CLI::App& app, const OpenStore& openStore, const char* name, const char* help,
                      store::AppStatus status) {
  auto* cmd = app.add_subcommand(name, help);
  auto id = addIdArgument(*cmd);
  cmd->callback([=] {
    auto store = orFail(openStore());
    orFail(status == store::AppStatus::kDeleted ? store->deleteApp(*id) : store->setStatus(*id, status));
    std::cout << "app " << *id << " " << store::toString(status) << "\n";
    if (status == store::AppStatus::kDeleted)
      std::cout << "its data (rooms, sessions, events, quality, entry log, callbacks, notices, API-key scope) is purged "
                   "by atriumd's purge job once retention.deleted_app_grace_days have passed (default 0: within the "
                   "hour; at most 6 days, so always within 7 days, R13); `atrium app purge "
                << *id << "` purges it now\n";
  });
}

void addPurge(CLI::App& app, const OpenStore& openStore) {
  auto* cmd = app.add_subcommand("purge", "Delete every row of a deleted app now, in every region's store (R13)");
  auto id = addIdArgument(*cmd);
  cmd->callback([=] {
    auto store = orFail(openStore());
    const store::PurgeReport report = orFail(store->purgeApp(*id));
    for (const auto& [table, n] : report.rowsByTable) std::cout << fmt::format("{:<20} {}\n", table, n);
    std::cout << "app " << *id << " purged: " << report.total() << " rows (audit and erasure records are kept)\n";
  });
}

}  // namespace

void addAppCommands(CLI::App& root, OpenStore openStore) {
  auto* app = root.add_subcommand("app", "Manage applications (SdkAppIds)");
  app->require_subcommand(1);
  addCreate(*app, openStore);
  addList(*app, openStore);
  addShow(*app, openStore);
  addUpdate(*app, openStore);
  addRotateKey(*app, openStore);
  addStatusCommand(*app, openStore, "disable", "Refuse new room entries and API calls for the app",
                   store::AppStatus::kDisabled);
  addStatusCommand(*app, openStore, "enable", "Serve the app again", store::AppStatus::kActive);
  addStatusCommand(*app, openStore, "delete", "Delete the app; its data is purged within 7 days (R13)",
                   store::AppStatus::kDeleted);
  addPurge(*app, openStore);
}

}  // namespace atrium::cli
