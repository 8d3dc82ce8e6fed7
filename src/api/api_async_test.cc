// The API as atriumd wires it (issue 10): keys and apps from a cache, store work on an Offload
// whose tasks the test runs by hand (first the work, as a pool thread would, then `done`, as the
// loop would), audit records of requests that change nothing to a queue, and the audit record of
// a change written before the change.
#include <gtest/gtest.h>

#include <deque>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "api/api_service.h"
#include "auth/tc3.h"
#include "crypto/crypto.h"

namespace atrium::api {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

struct FakeRooms : RoomControl {
  std::set<base::RoomKey> live;
  bool roomExists(const base::RoomKey& k) override { return live.count(k) != 0; }
  size_t dismissRoom(const base::RoomKey& k) override { return live.erase(k); }
  size_t removeUsers(const base::RoomKey&, const std::vector<std::string>& users) override { return users.size(); }
};

struct ManualOffload : Offload {
  struct Task {
    std::function<void()> work, done;
  };
  std::deque<Task> tasks;
  size_t capacity = 100;
  bool run(std::function<void()> work, std::function<void()> done) override {
    if (tasks.size() >= capacity) return false;
    tasks.push_back({std::move(work), std::move(done)});
    return true;
  }
  // The pool thread's part, then the loop's.
  void runAll() {
    while (!tasks.empty()) {
      Task t = std::move(tasks.front());
      tasks.pop_front();
      t.work();
      t.done();
    }
  }
};

struct MapCredentials : CredentialSource {
  std::map<std::string, store::ApiKey> keys;
  std::map<uint32_t, store::App> apps;
  std::vector<std::function<void()>> rechecks;  // run by the test "after a fresh poll"
  std::optional<store::ApiKey> findApiKey(std::string_view id) override {
    auto it = keys.find(std::string(id));
    return it == keys.end() ? std::nullopt : std::optional<store::ApiKey>(it->second);
  }
  std::optional<store::App> findAppRecord(uint32_t id) override {
    auto it = apps.find(id);
    return it == apps.end() ? std::nullopt : std::optional<store::App>(it->second);
  }
  bool recheck(std::function<void()> again) override {
    rechecks.push_back(std::move(again));
    return true;
  }
};

struct QueuedWrites : ApiWriteQueue {
  std::vector<store::AuditRecord> audits;
  std::vector<std::string> keysUsed;
  void audit(store::AuditRecord r) override { audits.push_back(std::move(r)); }
  void keyUsed(std::string id, int64_t) override { keysUsed.push_back(std::move(id)); }
};

// The audit log that fails while `failing`, as a full disk would.
struct SwitchableAudit : store::AuditLog {
  store::AuditLog& inner;
  bool failing = false;
  explicit SwitchableAudit(store::AuditLog& a) : inner(a) {}
  base::Status appendAudit(const store::AuditRecord& r) override {
    if (failing) return base::makeError(store::kErrIo, "disk full");
    return inner.appendAudit(r);
  }
  base::Result<std::vector<store::AuditRecord>> listAudit(int64_t from, int64_t to, std::optional<uint32_t> app,
                                                          size_t limit) override {
    return inner.listAudit(from, to, app, limit);
  }
};

class ApiAsyncTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() / ("atrium-api-async-" + std::to_string(::getpid()) + "-" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
    auto s = store::openSqliteStore((dir / "db").string(), crypto::randomBytes(32), clock);
    ASSERT_TRUE(s.ok()) << s.error().message;
    db = std::move(*s);
    store::App a;
    a.name = "one";
    app = *db->createApp(a);
    key = *db->createApiKey({app.sdkAppId}, "test");
    credentials.apps[app.sdkAppId] = app;
    credentials.keys[key.secretId] = key;
    audit = std::make_unique<SwitchableAudit>(*db);
    ApiDeps deps{*db, *db, *db, *audit, *db, *db, rooms, clock, *db, *db};
    deps.credentials = &credentials;
    deps.offload = &offload;
    deps.writes = &writes;
    service = std::make_unique<ApiService>(deps, ApiOptions{});
  }
  void TearDown() override {
    service.reset();
    db.reset();
    fs::remove_all(dir);
  }

  ApiRequest signedRequest(const std::string& action, const json& body) {
    ApiRequest r{"POST", "/", {{"content-type", "application/json"}, {"host", "trtc.localhost:4444"},
                                {"x-tc-action", action}, {"x-tc-version", kApiVersion},
                                {"x-tc-timestamp", std::to_string(clock.unixSeconds())}},
                 body.dump(), "203.0.113.9"};
    auth::Tc3Request t{r.method, "/", "", r.headers, r.body};
    r.headers.emplace_back("authorization", auth::signTc3(key.secretId, key.secretKey, "trtc", t, clock.unixSeconds(),
                                                          "trtc.localhost"));
    return r;
  }
  // Sends the request; the reply lands in `replies` whenever it comes.
  void send(const std::string& action, const json& body) {
    service->handleAsync(signedRequest(action, body), [this](ApiResponse r) { replies.push_back(std::move(r)); });
  }
  static std::string code(const ApiResponse& r) { return r.errorCode.empty() ? "Ok" : r.errorCode; }

  fs::path dir;
  base::ManualClock clock{1'800'000'000'000};
  std::unique_ptr<store::Store> db;
  std::unique_ptr<SwitchableAudit> audit;
  FakeRooms rooms;
  ManualOffload offload;
  MapCredentials credentials;
  QueuedWrites writes;
  store::App app;
  store::ApiKey key;
  std::unique_ptr<ApiService> service;
  std::vector<ApiResponse> replies;
};

TEST_F(ApiAsyncTest, AQueryIsAnsweredAfterItsWorkCameBack) {
  send("DescribeScaleInfo", {{"SdkAppId", app.sdkAppId}, {"StartTime", clock.unixSeconds() - 3600},
                             {"EndTime", clock.unixSeconds()}});
  // Authenticated from the cache, nothing asked of the store yet, no reply yet.
  EXPECT_TRUE(replies.empty());
  ASSERT_EQ(offload.tasks.size(), 1u);
  offload.runAll();
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(code(replies[0]), "Ok") << replies[0].body;
  // A query's audit record goes to the writer's queue, as does the key's first use.
  ASSERT_EQ(writes.audits.size(), 1u);
  EXPECT_EQ(writes.audits[0].action, "DescribeScaleInfo");
  EXPECT_EQ(writes.keysUsed, std::vector<std::string>{key.secretId});
  EXPECT_TRUE(db->listAudit(0, INT64_MAX, std::nullopt, 10)->empty());
}

TEST_F(ApiAsyncTest, AChangeIsAuditedBeforeItTakesEffect) {
  base::RoomKey room{app.sdkAppId, base::RoomId{77, {}}};
  rooms.live.insert(room);
  send("DismissRoom", {{"SdkAppId", app.sdkAppId}, {"RoomId", 77}});
  // The audit record is being written off the loop; the room is untouched until it is.
  EXPECT_TRUE(rooms.roomExists(room));
  ASSERT_EQ(offload.tasks.size(), 1u);
  offload.runAll();
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(code(replies[0]), "Ok") << replies[0].body;
  EXPECT_FALSE(rooms.roomExists(room));
  auto stored = db->listAudit(0, INT64_MAX, std::nullopt, 10);
  ASSERT_EQ(stored->size(), 1u);
  EXPECT_EQ((*stored)[0].action, "DismissRoom");
  EXPECT_EQ((*stored)[0].resultCode, "");
  EXPECT_TRUE(writes.audits.empty()) << "a successful change is recorded once";
}

TEST_F(ApiAsyncTest, AChangeWhoseAuditCannotBeWrittenDoesNothing) {
  base::RoomKey room{app.sdkAppId, base::RoomId{77, {}}};
  rooms.live.insert(room);
  audit->failing = true;
  send("DismissRoom", {{"SdkAppId", app.sdkAppId}, {"RoomId", 77}});
  offload.runAll();
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(code(replies[0]), "InternalError");
  EXPECT_TRUE(rooms.roomExists(room)) << "nothing half done";
  // The refusal itself is queued for the audit log (written when storage returns).
  ASSERT_EQ(writes.audits.size(), 1u);
  EXPECT_EQ(writes.audits[0].resultCode, "InternalError");

  // An erasure likewise: no audit record, no erasure.
  send("EraseUserData", {{"SdkAppId", app.sdkAppId}, {"UserId", "alice"}});
  offload.runAll();
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(code(replies[1]), "InternalError");
  EXPECT_TRUE(db->listErasures(0, INT64_MAX, std::nullopt, 10)->empty());
  audit->failing = false;
  send("EraseUserData", {{"SdkAppId", app.sdkAppId}, {"UserId", "alice"}});
  offload.runAll();
  EXPECT_EQ(code(replies[2]), "Ok") << replies[2].body;
  EXPECT_EQ(db->listErasures(0, INT64_MAX, std::nullopt, 10)->size(), 1u);
}

TEST_F(ApiAsyncTest, AChangeThatFailsValidationNeedsNoAuditFirst) {
  send("DismissRoom", {{"SdkAppId", app.sdkAppId}, {"RoomId", 78}});  // no such room
  EXPECT_TRUE(offload.tasks.empty());
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(code(replies[0]), "FailedOperation.RoomNotExist");
  ASSERT_EQ(writes.audits.size(), 1u);
  EXPECT_EQ(writes.audits[0].resultCode, "FailedOperation.RoomNotExist");
}

TEST_F(ApiAsyncTest, AnUnknownKeyIsCheckedAgainstAFreshReadBeforeItIsRefused) {
  store::ApiKey newKey = *db->createApiKey({app.sdkAppId}, "made by the CLI a moment ago");
  std::swap(key, newKey);  // sign with the key the cache has not seen
  send("DescribeScaleInfo", {{"SdkAppId", app.sdkAppId}, {"StartTime", clock.unixSeconds() - 60},
                             {"EndTime", clock.unixSeconds()}});
  EXPECT_TRUE(replies.empty());
  ASSERT_EQ(credentials.rechecks.size(), 1u);
  credentials.keys[key.secretId] = key;  // the poll brought it
  credentials.rechecks[0]();
  offload.runAll();
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(code(replies[0]), "Ok") << replies[0].body;

  // A SecretId nobody created is refused after one recheck, not looped on.
  key.secretId = "AKIDnotakeyatallnotakeyatallnotakey";
  send("DescribeScaleInfo", {{"SdkAppId", app.sdkAppId}, {"StartTime", clock.unixSeconds() - 60},
                             {"EndTime", clock.unixSeconds()}});
  ASSERT_EQ(credentials.rechecks.size(), 2u);
  credentials.rechecks[1]();
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(code(replies[1]), "AuthFailure.SecretIdNotFound");
  EXPECT_EQ(credentials.rechecks.size(), 2u);
}

TEST_F(ApiAsyncTest, AFullOffloadQueueAnswersAtOnce) {
  offload.capacity = 0;
  send("DescribeScaleInfo", {{"SdkAppId", app.sdkAppId}, {"StartTime", clock.unixSeconds() - 60},
                             {"EndTime", clock.unixSeconds()}});
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(code(replies[0]), "RequestLimitExceeded");
}

}  // namespace
}  // namespace atrium::api
