// Fuzzes the server API pipeline: HTTP request -> TC3 check -> JSON -> parameters -> action.
// Input layout: first line = X-TC-Action, rest = body. Even inputs are signed correctly (so the
// fuzzer reaches parameter validation and the actions); odd inputs keep a random Authorization
// line taken from the body's first line. Every answer must be a well-formed envelope.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "api/api_service.h"
#include "auth/tc3.h"
#include "crypto/crypto.h"

namespace {

using namespace atrium;

struct Rooms : api::RoomControl {
  bool roomExists(const base::RoomKey& k) override { return k.room.numeric % 2 == 1 || k.room.str.size() % 2 == 1; }
  size_t dismissRoom(const base::RoomKey&) override { return 1; }
  size_t removeUsers(const base::RoomKey&, const std::vector<std::string>& u) override { return u.size(); }
};

struct World {
  base::ManualClock clock{1'800'000'000'000};
  std::unique_ptr<store::Store> db;
  Rooms rooms;
  store::ApiKey key;
  std::unique_ptr<api::ApiService> service;
  uint32_t app = 0;

  World() {
    auto dir = std::filesystem::temp_directory_path() / ("atrium-api-fuzz-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    auto opened = store::openSqliteStore((dir / "db").string(), crypto::randomBytes(32), clock);
    if (!opened.ok()) std::abort();
    db = std::move(opened).value();
    store::App a;
    a.name = "fuzz";
    a.sdkAppId = 1400000000;
    app = db->createApp(a)->sdkAppId;
    key = *db->createApiKey({app}, "fuzz");
    api::ApiOptions options;
    options.requestsPerSecond = options.burst = 1e12;
    service = std::make_unique<api::ApiService>(api::ApiDeps{*db, *db, *db, *db, *db, *db, rooms, clock, *db, *db}, options);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World world;
  std::string input(reinterpret_cast<const char*>(data), size);
  auto nl = input.find('\n');
  std::string action = input.substr(0, nl);
  std::string body = nl == std::string::npos ? "" : input.substr(nl + 1);
  api::ApiRequest req{"POST", "/", {{"content-type", "application/json"}, {"host", "trtc.localhost"},
                                    {"x-tc-action", action}, {"x-tc-version", api::kApiVersion},
                                    {"x-tc-timestamp", std::to_string(world.clock.unixSeconds())}},
                      body, "127.0.0.1"};
  if (size % 2 == 0) {
    auth::Tc3Request t{req.method, "/", "", req.headers, req.body};
    req.headers.emplace_back("authorization", auth::signTc3(world.key.secretId, world.key.secretKey, "trtc", t,
                                                            world.clock.unixSeconds(), "trtc.localhost"));
  } else {
    req.headers.emplace_back("authorization", body.substr(0, body.find('\n')));
  }
  auto res = world.service->handle(req);
  auto doc = nlohmann::json::parse(res.body, nullptr, false);
  if (doc.is_discarded() || !doc.contains("Response") || !doc["Response"].contains("RequestId")) std::abort();
  return 0;
}
