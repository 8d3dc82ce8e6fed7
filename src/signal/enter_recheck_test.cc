// enterRoom with a caching app source and a writer that may refuse activity (issue 10): a refusal a
// cache could be behind on is checked again after a fresh read, answered later; an entry whose
// callbacks could not be kept is refused with OVERLOADED before anything happens.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "auth/ticket.h"
#include "signal/signaling_service.h"

namespace atrium::signal {
namespace {

using nlohmann::json;

constexpr uint32_t kApp = 1400000001;
constexpr const char* kKey = "unit-test-secret-key";

struct Sink : ConnectionSink {
  std::map<ConnId, std::vector<json>> sent;
  void send(ConnId c, std::string text) override { sent[c].push_back(json::parse(text)); }
  void close(ConnId, uint16_t, std::string_view) override {}
};

// A cache: answers from `apps`; a recheck is parked until the test "polls".
struct CachingApps : AppSource {
  std::map<uint32_t, AppInfo> apps;
  std::vector<std::function<void()>> parked;
  base::Result<std::optional<AppInfo>> findApp(uint32_t id) override {
    auto it = apps.find(id);
    if (it == apps.end()) return std::optional<AppInfo>{};
    return std::optional<AppInfo>{it->second};
  }
  bool recheck(uint32_t, std::function<void()> again) override {
    parked.push_back(std::move(again));
    return true;
  }
  void poll() {
    auto now = std::move(parked);
    parked.clear();
    for (auto& fn : now) fn();
  }
};

struct Recorder : EntryRecorder {
  std::vector<EntryRecord> records;
  void recordEntry(const EntryRecord& r) override { records.push_back(r); }
};

struct Observer : RoomObserver {
  bool accepting = true;
  std::vector<RoomActivity::Kind> seen;
  void onRoomActivity(const RoomActivity& a) override { seen.push_back(a.kind); }
  bool acceptsActivity(const AppInfo& app) override { return accepting || !app.callbacks; }
};

class EnterRecheckTest : public ::testing::Test {
 protected:
  EnterRecheckTest() : service(SignalingLimits{}, clock, sink, apps, recorder) { service.setObserver(&observer); }
  json enterMessage(const std::string& user, const char* key = kKey) {
    return json{{"v", 1}, {"id", nextId++}, {"type", "enterRoom"},
                {"data", {{"sdkAppId", kApp}, {"userId", user},
                          {"userSig", auth::generateUserSig(kApp, key, user, 3600, clock.unixSeconds())}, {"roomId", 7}}}};
  }
  std::vector<json> responses(ConnId c) {
    std::vector<json> out;
    for (const auto& m : sink.sent[c])
      if (m["type"] == "response") out.push_back(m);
    return out;
  }
  static AppInfo app(const char* key = kKey) { return AppInfo{kApp, key, true, false, 300, 100000, 50, 0}; }

  base::ManualClock clock{1'700'000'000'000};
  Sink sink;
  CachingApps apps;
  Recorder recorder;
  Observer observer;
  SignalingService service;
  int64_t nextId = 1;
};

TEST_F(EnterRecheckTest, AnAppCreatedAMomentAgoIsFoundAfterAFreshRead) {
  ASSERT_TRUE(service.onOpen(1, "10.0.0.1"));
  service.onText(1, enterMessage("alice").dump());
  // Not in the cache yet: no answer until the source has read again.
  EXPECT_TRUE(responses(1).empty());
  ASSERT_EQ(apps.parked.size(), 1u);
  apps.apps[kApp] = app();  // what the fresh poll brought
  apps.poll();
  auto r = responses(1);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0]["ok"], true) << r[0].dump();
  ASSERT_EQ(recorder.records.size(), 1u);
  EXPECT_TRUE(recorder.records[0].success);
}

TEST_F(EnterRecheckTest, AMissConfirmedByTheFreshReadIsRefusedOnce) {
  ASSERT_TRUE(service.onOpen(1, "10.0.0.1"));
  service.onText(1, enterMessage("alice").dump());
  apps.poll();  // still no such app
  auto r = responses(1);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0]["error"]["name"], "APP_NOT_FOUND");
  EXPECT_TRUE(apps.parked.empty()) << "one recheck per request";
  EXPECT_EQ(recorder.records.size(), 1u);
}

TEST_F(EnterRecheckTest, ARotatedKeyIsSeenAfterAFreshRead) {
  apps.apps[kApp] = app("the-old-key");
  ASSERT_TRUE(service.onOpen(1, "10.0.0.1"));
  service.onText(1, enterMessage("alice", "the-new-key").dump());
  EXPECT_TRUE(responses(1).empty());
  apps.apps[kApp] = app("the-new-key");
  apps.poll();
  auto r = responses(1);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0]["ok"], true) << r[0].dump();
}

TEST_F(EnterRecheckTest, AClientGoneBeforeTheFreshReadGetsNothing) {
  ASSERT_TRUE(service.onOpen(1, "10.0.0.1"));
  service.onText(1, enterMessage("alice").dump());
  service.onClose(1);
  apps.apps[kApp] = app();
  apps.poll();
  EXPECT_TRUE(responses(1).empty());
  EXPECT_TRUE(observer.seen.empty());
}

TEST_F(EnterRecheckTest, AnEntryWhoseCallbacksCouldNotBeKeptIsRefusedBeforeAnythingHappens) {
  AppInfo withCallbacks = app();
  withCallbacks.callbacks = true;
  apps.apps[kApp] = withCallbacks;
  observer.accepting = false;
  ASSERT_TRUE(service.onOpen(1, "10.0.0.1"));
  service.onText(1, enterMessage("alice").dump());
  auto r = responses(1);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0]["error"]["name"], "OVERLOADED");
  EXPECT_TRUE(observer.seen.empty()) << "no room, no activity";
  EXPECT_FALSE(service.rooms().roomExists(base::RoomKey{kApp, base::RoomId{7, {}}}));
  ASSERT_EQ(recorder.records.size(), 1u);
  EXPECT_EQ(recorder.records[0].cause, "service");
  // An app without callbacks loses nothing that matters and still enters.
  apps.apps[kApp] = app();
  service.onText(1, enterMessage("alice").dump());
  r = responses(1);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[1]["ok"], true) << r[1].dump();
}

}  // namespace
}  // namespace atrium::signal
