#include "api/api_service.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "auth/tc3.h"
#include "crypto/crypto.h"

namespace atrium::api {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

struct FakeRooms : RoomControl {
  std::set<base::RoomKey> live;
  std::vector<std::string> removed;
  bool roomExists(const base::RoomKey& k) override { return live.count(k) != 0; }
  size_t dismissRoom(const base::RoomKey& k) override { return live.erase(k); }
  size_t removeUsers(const base::RoomKey&, const std::vector<std::string>& users) override {
    removed.insert(removed.end(), users.begin(), users.end());
    return users.size();
  }
};

class ApiServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() / ("atrium-api-" + std::to_string(::getpid()) + "-" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
    auto s = store::openSqliteStore((dir / "db").string(), crypto::randomBytes(32), clock);
    ASSERT_TRUE(s.ok()) << s.error().message;
    db = std::move(*s);
    store::App a;
    a.name = "one";
    app = db->createApp(a)->sdkAppId;
    a.name = "two";
    otherApp = db->createApp(a)->sdkAppId;
    auto k = db->createApiKey({app}, "test");
    ASSERT_TRUE(k.ok()) << k.error().message;
    key = *k;
    service = std::make_unique<ApiService>(ApiDeps{*db, *db, *db, *db, *db, *db, rooms, clock, *db, *db}, ApiOptions{});
  }
  void TearDown() override {
    service.reset();
    db.reset();
    fs::remove_all(dir);
  }

  ApiRequest signedRequest(const std::string& action, const json& body, int64_t skewSeconds = 0,
                           const std::string& secretKey = "") {
    ApiRequest r{"POST", "/", {{"content-type", "application/json"}, {"host", "trtc.localhost:4444"},
                                {"x-tc-action", action}, {"x-tc-version", kApiVersion},
                                {"x-tc-timestamp", std::to_string(clock.unixSeconds() + skewSeconds)}},
                 body.dump(), "203.0.113.9"};
    auth::Tc3Request t{r.method, "/", "", r.headers, r.body};
    r.headers.emplace_back("authorization", auth::signTc3(key.secretId, secretKey.empty() ? key.secretKey : secretKey,
                                                          "trtc", t, clock.unixSeconds() + skewSeconds, "trtc.localhost"));
    return r;
  }
  json call(const std::string& action, const json& body) {
    return json::parse(service->handle(signedRequest(action, body)).body)["Response"];
  }
  static std::string code(const json& response) {
    return response.contains("Error") ? response["Error"]["Code"].get<std::string>() : "Ok";
  }

  fs::path dir;
  base::ManualClock clock{1'800'000'000'000};
  std::unique_ptr<store::Store> db;
  FakeRooms rooms;
  uint32_t app = 0, otherApp = 0;
  store::ApiKey key;
  std::unique_ptr<ApiService> service;
};

TEST_F(ApiServiceTest, DismissRoomAndEnvelope) {
  base::RoomKey k{app, base::RoomId{1234, {}}};
  rooms.live.insert(k);
  auto r = call("DismissRoom", {{"SdkAppId", app}, {"RoomId", 1234}});
  EXPECT_EQ(code(r), "Ok") << r.dump();
  EXPECT_EQ(r["RequestId"].get<std::string>().size(), 36u);
  EXPECT_FALSE(rooms.roomExists(k));
  EXPECT_EQ(code(call("DismissRoom", {{"SdkAppId", app}, {"RoomId", 1234}})), "FailedOperation.RoomNotExist");
}

TEST_F(ApiServiceTest, RemoveUserValidatesUserIds) {
  rooms.live.insert({app, base::RoomId{0, "room-a"}});
  EXPECT_EQ(code(call("RemoveUserByStrRoomId", {{"SdkAppId", app}, {"RoomId", "room-a"}, {"UserIds", {"bob", "eve"}}})), "Ok");
  EXPECT_EQ(rooms.removed, (std::vector<std::string>{"bob", "eve"}));
  json eleven = json::array();
  for (int i = 0; i < 11; ++i) eleven.push_back("u" + std::to_string(i));
  EXPECT_EQ(code(call("RemoveUserByStrRoomId", {{"SdkAppId", app}, {"RoomId", "room-a"}, {"UserIds", eleven}})), "InvalidParameterValue");
  EXPECT_EQ(code(call("RemoveUserByStrRoomId", {{"SdkAppId", app}, {"RoomId", "room-a"}, {"UserIds", {"bad id"}}})), "InvalidParameter.UserIds");
  EXPECT_EQ(code(call("RemoveUser", {{"SdkAppId", app}, {"RoomId", 1}})), "MissingParameter.UserIds");
}

TEST_F(ApiServiceTest, ParameterErrors) {
  EXPECT_EQ(code(call("DismissRoom", {{"RoomId", 1}})), "MissingParameter.SdkAppId");
  EXPECT_EQ(code(call("DismissRoom", {{"SdkAppId", app}})), "MissingParameter.RoomId");
  EXPECT_EQ(code(call("DismissRoom", {{"SdkAppId", app}, {"RoomId", "1"}})), "InvalidParameter.RoomId");
  EXPECT_EQ(code(call("DismissRoom", {{"SdkAppId", app}, {"RoomId", 4294967295u}})), "InvalidParameterValue.RoomId");
  EXPECT_EQ(code(call("DismissRoom", {{"SdkAppId", app}, {"RoomId", 1}, {"Color", "red"}})), "UnknownParameter");
  EXPECT_EQ(code(call("DismissRoomByStrRoomId", {{"SdkAppId", app}, {"RoomId", "bad/room"}})), "InvalidParameterValue.RoomId");
  EXPECT_EQ(code(call("NoSuchAction", {{"SdkAppId", app}})), "InvalidAction");
}

TEST_F(ApiServiceTest, AuthenticationFailures) {
  auto wrongKey = signedRequest("DismissRoom", {{"SdkAppId", app}, {"RoomId", 1}}, 0, "not-the-key");
  EXPECT_EQ(service->handle(wrongKey).errorCode, "AuthFailure.SignatureFailure");
  EXPECT_EQ(service->handle(signedRequest("DismissRoom", {{"SdkAppId", app}, {"RoomId", 1}}, -301)).errorCode,
            "AuthFailure.SignatureExpire");
  auto tampered = signedRequest("DismissRoom", {{"SdkAppId", app}, {"RoomId", 1}});
  tampered.body = json{{"SdkAppId", app}, {"RoomId", 2}}.dump();
  EXPECT_EQ(service->handle(tampered).errorCode, "AuthFailure.SignatureFailure");
  auto noAuth = signedRequest("DismissRoom", {{"SdkAppId", app}, {"RoomId", 1}});
  noAuth.headers.pop_back();
  EXPECT_EQ(service->handle(noAuth).errorCode, "AuthFailure.InvalidAuthorization");
  ASSERT_TRUE(db->revokeApiKey(key.secretId).ok());
  EXPECT_EQ(service->handle(signedRequest("DismissRoom", {{"SdkAppId", app}, {"RoomId", 1}})).errorCode,
            "AuthFailure.SecretIdNotFound");
}

TEST_F(ApiServiceTest, ScopeVersionMethodAndSize) {
  EXPECT_EQ(code(call("DismissRoom", {{"SdkAppId", otherApp}, {"RoomId", 1}})), "UnauthorizedOperation.SdkAppId");
  auto v = signedRequest("DismissRoom", {{"SdkAppId", app}, {"RoomId", 1}});
  for (auto& [k, val] : v.headers)
    if (k == "x-tc-version") val = "2017-03-12";
  EXPECT_EQ(service->handle(v).errorCode, "NoSuchVersion");
  auto get = signedRequest("DismissRoom", {{"SdkAppId", app}, {"RoomId", 1}});
  get.method = "GET";
  EXPECT_EQ(service->handle(get).errorCode, "InvalidRequest");
  json big{{"SdkAppId", app}, {"RoomId", 1}, {"Pad", std::string(70000, 'x')}};
  EXPECT_EQ(service->handle(signedRequest("DismissRoom", big)).errorCode, "InvalidRequest");
  // A body the listener did not read (over the limit, whatever its size) gets the same answer.
  auto unread = signedRequest("DismissRoom", {{"SdkAppId", app}, {"RoomId", 1}});
  unread.body.clear();
  unread.bodyTooLarge = true;
  EXPECT_EQ(service->handle(unread).errorCode, "InvalidRequest");
  EXPECT_EQ(service->handle(signedRequest("DismissRoom", json::array({1}))).errorCode, "InvalidParameter");
}

TEST_F(ApiServiceTest, RateLimitPerSecretIdAndAction) {
  int limited = 0;
  for (int i = 0; i < 25; ++i) limited += code(call("DismissRoom", {{"SdkAppId", app}, {"RoomId", 1}})) == "RequestLimitExceeded";
  EXPECT_EQ(limited, 5);
  EXPECT_NE(code(call("RemoveUser", {{"SdkAppId", app}, {"RoomId", 1}, {"UserIds", {"a"}}})), "RequestLimitExceeded");
  clock.advanceMs(1000);
  EXPECT_NE(code(call("DismissRoom", {{"SdkAppId", app}, {"RoomId", 1}})), "RequestLimitExceeded");
}

TEST_F(ApiServiceTest, EveryCallIsAudited) {
  call("DismissRoom", {{"SdkAppId", app}, {"RoomId", 1}});
  service->handle(signedRequest("DismissRoom", {{"SdkAppId", app}, {"RoomId", 1}}, 0, "wrong"));
  auto audit = db->listAudit(0, INT64_MAX, std::nullopt, 10);
  ASSERT_TRUE(audit.ok());
  ASSERT_EQ(audit->size(), 2u);
  EXPECT_EQ((*audit)[0].resultCode, "AuthFailure.SignatureFailure");
  EXPECT_EQ((*audit)[0].secretId, key.secretId) << "the claimed SecretId is recorded";
  EXPECT_EQ((*audit)[1].resultCode, "FailedOperation.RoomNotExist");
  EXPECT_EQ((*audit)[1].action, "DismissRoom");
  EXPECT_EQ((*audit)[1].sdkAppId, app);
  EXPECT_EQ((*audit)[1].maskedIp, "203.0.113.*");
}

TEST_F(ApiServiceTest, DescribeRoomAndUserInfoFromTheRoomLog) {
  int64_t t0 = clock.wallMs() - 3'600'000;
  std::string comm = std::to_string(app) + "_77_" + std::to_string(t0 / 1000);
  ASSERT_TRUE(db->roomCreated({comm, app, "77", false, "alice", t0, 0}).ok());
  ASSERT_TRUE(db->userJoined({comm, app, "77", "alice", t0, 0, "10.0.0.*", "atrium-web", "WebRTC", 0}).ok());
  ASSERT_TRUE(db->userLeft(comm, "alice", t0, t0 + 60'000, 1).ok());
  ASSERT_TRUE(db->roomDestroyed(comm, t0 + 60'000).ok());
  int64_t start = t0 / 1000 - 10, end = clock.unixSeconds();
  auto rooms = call("DescribeRoomInfo", {{"SdkAppId", app}, {"StartTime", start}, {"EndTime", end}});
  ASSERT_EQ(code(rooms), "Ok") << rooms.dump();
  ASSERT_EQ(rooms["Total"], 1);
  EXPECT_EQ(rooms["RoomList"][0]["CommId"], comm);
  EXPECT_EQ(rooms["RoomList"][0]["IsFinished"], true);
  auto users = call("DescribeUserInfo", {{"SdkAppId", app}, {"CommId", comm}, {"StartTime", start}, {"EndTime", end}});
  ASSERT_EQ(code(users), "Ok") << users.dump();
  ASSERT_EQ(users["UserList"].size(), 1u);
  EXPECT_EQ(users["UserList"][0]["UserId"], "alice");
  EXPECT_EQ(users["UserList"][0]["LeaveTs"], (t0 + 60'000) / 1000);
  EXPECT_EQ(code(call("DescribeUserInfo", {{"SdkAppId", app}, {"CommId", "1_2_3"}, {"StartTime", start}, {"EndTime", end}})),
            "InvalidParameter");
  EXPECT_EQ(code(call("DescribeRoomInfo", {{"SdkAppId", app}, {"StartTime", start}, {"EndTime", start + 90000}})),
            "InvalidParameter.QueryScaleOversize");
  EXPECT_EQ(code(call("DescribeRoomInfo", {{"SdkAppId", app}, {"StartTime", end - 15 * 86400}, {"EndTime", end}})),
            "InvalidParameter.StartTimeExpire");
  EXPECT_EQ(code(call("DescribeRoomInfo", {{"SdkAppId", app}, {"StartTime", end}, {"EndTime", start}})), "InvalidParameter.EndTs");
  EXPECT_EQ(code(call("DescribeRoomInfo", {{"SdkAppId", app}, {"StartTime", start}, {"EndTime", end}, {"PageSize", 101}})),
            "InvalidParameter.PageSizeOversize");
  auto scale = call("DescribeScaleInfo", {{"SdkAppId", app}, {"StartTime", start}, {"EndTime", end}});
  ASSERT_EQ(code(scale), "Ok") << scale.dump();
  EXPECT_GE(scale["Total"], 1);
}

TEST_F(ApiServiceTest, DescribeSlaReportCountsOnlyServiceFailures) {
  // 2025-03-05 10:00-10:30 UTC: 98 % success with service failures, plus client failures that
  // must not count; the rest of the month has no requests.
  int64_t t0 = 1741168800000;  // 2025-03-05T10:00:00Z
  for (int unit = 0; unit < 6; ++unit)
    for (int i = 0; i < 100; ++i) {
      bool fail = i < 2;
      store::EntryEvent e{t0 + unit * 300'000 + i, app, "1", "us****01", "10.0.0.*", !fail, fail ? "service" : "none",
                          fail ? "INTERNAL" : ""};
      ASSERT_TRUE(db->appendEntry(e).ok());
    }
  store::EntryEvent client{t0 + 3'600'000, app, "1", "us****01", "10.0.0.*", false, "client", "USERSIG_EXPIRED"};
  ASSERT_TRUE(db->appendEntry(client).ok());
  auto r = call("DescribeSlaReport", {{"SdkAppId", app}, {"Month", "2025-03"}, {"MonthlyFee", "1000.00"}});
  ASSERT_EQ(code(r), "Ok") << r.dump();
  EXPECT_EQ(r["DowntimeMinutes"], 30);
  EXPECT_DOUBLE_EQ(r["Availability"].get<double>(), 99.93);
  EXPECT_EQ(r["UnavailableUnits"], 6);
  EXPECT_EQ(r["CompensationPercent"], 0);
  EXPECT_EQ(r["CompensationCents"], 0);
  EXPECT_EQ(r["UnavailableUnitList"].size(), 6u);
  EXPECT_EQ(code(call("DescribeSlaReport", {{"SdkAppId", app}, {"Month", "March"}})), "InvalidParameterValue");
  EXPECT_EQ(code(call("DescribeSlaReport", {{"SdkAppId", app}})), "MissingParameter");
}

TEST_F(ApiServiceTest, EraseUserDataErasesOneUserOfAnAppInScope) {
  const int64_t t = clock.wallMs() - 60'000;
  const std::string comm = std::to_string(app) + "_7_" + std::to_string(t / 1000);
  ASSERT_TRUE(db->roomCreated({comm, app, "7", false, "alice", t, 0}).ok());
  for (const char* user : {"alice", "bob"}) {
    ASSERT_TRUE(db->userJoined({comm, app, "7", user, t, 0, "10.0.0.*", "5.0", "Chrome", 0}).ok());
    ASSERT_TRUE(db->appendUserEvent({comm, app, user, t, store::kUserEventEnterRoom, 0, -1}).ok());
  }
  auto r = call("EraseUserData", {{"SdkAppId", app}, {"UserId", "alice"}});
  ASSERT_EQ(code(r), "Ok") << r.dump();
  EXPECT_EQ(r["RowsRemoved"], 3);  // a session, an event, the room's creator blanked
  ASSERT_TRUE(r["RowsByTable"].is_array());
  std::map<std::string, int> byTable;
  for (const auto& row : r["RowsByTable"]) byTable[row["Table"].get<std::string>()] = row["Rows"].get<int>();
  EXPECT_EQ(byTable["user_sessions"], 1);
  EXPECT_EQ(byTable["user_events"], 1);
  EXPECT_EQ(byTable["rooms"], 1);
  EXPECT_TRUE(db->listUserEvents(app, comm, "alice", 0, clock.wallMs())->empty());
  EXPECT_EQ(db->listUserEvents(app, comm, "bob", 0, clock.wallMs())->size(), 1u);
  // Who asked is the SecretId; the user id is in neither the erasure log nor the audit log.
  auto erasures = db->listErasures(0, clock.wallMs() + 1, app, 10);
  ASSERT_EQ(erasures->size(), 1u);
  EXPECT_EQ((*erasures)[0].requestedBy, "API " + key.secretId);
  auto audit = db->listAudit(0, clock.wallMs() + 1, app, 10);
  ASSERT_FALSE(audit->empty());
  EXPECT_EQ((*audit)[0].action, "EraseUserData");

  EXPECT_EQ(code(call("EraseUserData", {{"SdkAppId", otherApp}, {"UserId", "alice"}})), "UnauthorizedOperation.SdkAppId");
  EXPECT_EQ(code(call("EraseUserData", {{"SdkAppId", app}, {"UserId", "not valid!"}})), "InvalidParameter.UserId");
  EXPECT_EQ(code(call("EraseUserData", {{"SdkAppId", app}})), "MissingParameter.UserId");
  EXPECT_TRUE(db->listErasures(0, clock.wallMs() + 1, otherApp, 10)->empty());
}

}  // namespace
}  // namespace atrium::api
