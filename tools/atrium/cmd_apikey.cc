#include "tools/atrium/cmd_apikey.h"

#include "tools/atrium/cli_common.h"

#include <time.h>

#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

namespace atrium::cli {
namespace {

using Json = nlohmann::ordered_json;



std::string appList(const std::vector<uint32_t>& ids) {
  return ids.empty() ? "-" : fmt::format("{}", fmt::join(ids, ","));
}

const char* statusOf(const store::ApiKey& key) { return key.revokedAtMs == 0 ? "active" : "revoked"; }

Json keyJson(const store::ApiKey& key) {
  auto optionalTime = [](int64_t ms) { return ms == 0 ? Json(nullptr) : Json(ms); };
  Json j;
  j["secretId"] = key.secretId;
  if (!key.secretKey.empty()) j["secretKey"] = key.secretKey;
  j["sdkAppIds"] = key.sdkAppIds;
  j["description"] = key.description;
  j["status"] = statusOf(key);
  j["createdAtMs"] = key.createdAtMs;
  j["revokedAtMs"] = optionalTime(key.revokedAtMs);
  j["lastUsedAtMs"] = optionalTime(key.lastUsedAtMs);
  return j;
}

// A description typed on the command line need not be UTF-8: replace, do not throw.
std::string dumpJson(const Json& j) { return j.dump(2, ' ', false, Json::error_handler_t::replace); }

void addCreate(CLI::App& parent, const OpenStore& openStore) {
  struct Options {
    std::vector<uint32_t> apps;
    std::string description;
    bool json = false;
  };
  auto opts = std::make_shared<Options>();
  auto* cmd = parent.add_subcommand("create", "Create a SecretId/SecretKey pair; prints the SecretKey this once");
  cmd->add_option("--app", opts->apps, "SdkAppId the key may act on (repeat for several)")->required();
  cmd->add_option("--description", opts->description, "What the key is for (at most 256 bytes)");
  cmd->add_flag("--json", opts->json, "Print JSON");
  cmd->callback([opts, openStore] {
    auto store = orFail(openStore());
    store::ApiKey key = orFail(store->createApiKey(opts->apps, opts->description));
    if (opts->json) {
      std::cout << dumpJson(keyJson(key)) << "\n";
      return;
    }
    auto row = [](std::string_view label, const std::string& value) {
      std::cout << fmt::format("{:<13}{}\n", label, value);
    };
    row("SecretId", key.secretId);
    row("SecretKey", key.secretKey);
    row("Apps", appList(key.sdkAppIds));
    row("Description", key.description.empty() ? "-" : key.description);
    row("Created", isoTime(key.createdAtMs));
    std::cout << "\nThe SecretKey is shown only now; `apikey list` never shows it. Store it with the API caller's "
                 "secrets.\n";
  });
}

void addList(CLI::App& parent, const OpenStore& openStore) {
  auto json = std::make_shared<bool>(false);
  auto* cmd = parent.add_subcommand("list", "List API keys, revoked ones included (no secret keys)");
  cmd->add_flag("--json", *json, "Print JSON");
  cmd->callback([json, openStore] {
    auto store = orFail(openStore());
    auto keys = orFail(store->listApiKeys());
    if (*json) {
      Json list = Json::array();
      for (const auto& key : keys) list.push_back(keyJson(key));
      std::cout << dumpJson(list) << "\n";
      return;
    }
    std::cout << fmt::format("{:<36}  {:<7}  {:<22}  {:<20}  {:<20}  {}\n", "SECRETID", "STATUS", "APPS", "CREATED",
                             "LAST USED", "DESCRIPTION");
    for (const auto& key : keys)
      std::cout << fmt::format("{:<36}  {:<7}  {:<22}  {:<20}  {:<20}  {}\n", key.secretId, statusOf(key),
                               appList(key.sdkAppIds), isoTime(key.createdAtMs), isoTime(key.lastUsedAtMs),
                               key.description.empty() ? "-" : key.description);
  });
}

void addRevoke(CLI::App& parent, const OpenStore& openStore) {
  auto secretId = std::make_shared<std::string>();
  auto* cmd = parent.add_subcommand("revoke", "Revoke an API key: requests signed with it fail from now on");
  cmd->add_option("secret_id", *secretId, "SecretId")->required();
  cmd->callback([secretId, openStore] {
    auto store = orFail(openStore());
    orFail(store->revokeApiKey(*secretId));
    std::cout << "API key " << *secretId << " revoked\n";
  });
}

}  // namespace

void addApiKeyCommands(CLI::App& root, OpenStore openStore) {
  auto* apikey = root.add_subcommand("apikey", "Manage server-API credentials (SecretId/SecretKey)");
  apikey->require_subcommand(1);
  addCreate(*apikey, openStore);
  addList(*apikey, openStore);
  addRevoke(*apikey, openStore);
}

}  // namespace atrium::cli
