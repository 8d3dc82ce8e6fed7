// Sessions that outlive a process (issue 10): two services stand for two processes sharing one
// session store; the second takes over what the first held.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "auth/ticket.h"
#include "crypto/crypto.h"
#include "signal/service_test_fakes.h"
#include "signal/signaling_service.h"

namespace atrium::signal {
namespace {

using nlohmann::json;

constexpr uint32_t kApp = 1400000001;
constexpr const char* kKey = "unit-test-secret-key";

struct Process {
  FakeSink sink;
  FakeRecorder recorder;
  std::unique_ptr<SignalingService> service;
};

class TakeoverTest : public ::testing::Test {
 protected:
  TakeoverTest() {
    apps.apps[kApp] = AppInfo{kApp, kKey, true, false, 300, 100000, 50, 0};
    limits.sessionGraceMs = 2000;
  }
  Process& process(int n) {
    Process& p = procs[n];
    if (!p.service) {
      p.service = std::make_unique<SignalingService>(limits, clock, p.sink, apps, p.recorder);
      p.service->setSessionStore(&shared);
    }
    return p;
  }
  ConnId open(int n) {
    ConnId c = nextConn++;
    EXPECT_TRUE(process(n).service->onOpen(c, "10.0.0.1"));
    return c;
  }
  void send(int n, ConnId c, const std::string& type, json data, int64_t id) {
    process(n).service->onText(c, json{{"v", 1}, {"id", id}, {"type", type}, {"data", std::move(data)}}.dump());
  }
  std::optional<json> response(int n, ConnId c, int64_t id) {
    for (const auto& m : process(n).sink.sent[c])
      if (m["type"] == "response" && m["id"] == id) return m;
    return std::nullopt;
  }
  json request(int n, ConnId c, const std::string& type, json data) {
    int64_t id = nextId++;
    send(n, c, type, std::move(data), id);
    shared.answerAll();
    auto r = response(n, c, id);
    if (!r) ADD_FAILURE() << "no response to " << type;
    return r.value_or(json{});
  }
  json enter(int n, ConnId c, const std::string& user, json extra = json::object()) {
    json data{{"sdkAppId", kApp}, {"userId", user}, {"userSig", auth::generateUserSig(kApp, kKey, user, 3600, clock.unixSeconds())},
              {"roomId", 100}};
    data.update(extra);
    return request(n, c, "enterRoom", data);
  }
  json resume(int n, ConnId c, const json& entered, uint64_t lastSeq = 0) {
    return request(n, c, "resume", {{"sessionId", entered["data"]["sessionId"]},
                                    {"resumeToken", entered["data"]["resumeToken"]}, {"lastSeq", lastSeq}});
  }
  std::vector<json> events(int n, ConnId c, const std::string& name) {
    std::vector<json> out;
    for (const auto& m : process(n).sink.sent[c])
      if (m["type"] == "event" && m["event"] == name) out.push_back(m);
    return out;
  }
  static std::string errorName(const json& r) { return r.contains("error") ? r["error"]["name"].get<std::string>() : "OK"; }

  SignalingLimits limits;
  base::ManualClock clock{1'700'000'000'000};
  FakeApps apps;
  FakeSessionStore shared;
  std::map<int, Process> procs;
  ConnId nextConn = 1;
  int64_t nextId = 1;
};

TEST_F(TakeoverTest, ASessionIsSharedWithoutItsTokenAndForgottenWhenItEnds) {
  ConnId a = open(0);
  auto entered = enter(0, a, "alice", {{"scene", "live"}, {"role", "audience"}});
  ASSERT_EQ(entered["ok"], true) << entered.dump();
  std::string id = entered["data"]["sessionId"];
  ASSERT_EQ(shared.records.count(id), 1u);
  const SharedSession& s = shared.records[id];
  EXPECT_EQ(s.userId, "alice");
  EXPECT_EQ(s.room.sdkAppId, kApp);
  EXPECT_EQ(s.room.room.numeric, 100u);
  EXPECT_EQ(s.role, room::Role::kAudience);
  EXPECT_EQ(s.scene, room::Scene::kLive);
  std::string token = entered["data"]["resumeToken"];
  EXPECT_NE(s.resumeTokenHash, token);
  EXPECT_EQ(s.resumeTokenHash, crypto::toHex(crypto::sha256(crypto::asBytes(token))));

  ASSERT_EQ(request(0, a, "switchRole", {{"role", "anchor"}})["ok"], true);
  EXPECT_EQ(shared.records[id].role, room::Role::kAnchor) << "a role change is saved again";

  ASSERT_EQ(request(0, a, "exitRoom", json::object())["ok"], true);
  EXPECT_EQ(shared.records.count(id), 0u);
}

TEST_F(TakeoverTest, AnotherProcessTakesTheSessionsOverAndTheRoomFormsAgain) {
  ConnId a = open(0), b = open(0);
  auto alice = enter(0, a, "alice");
  auto bob = enter(0, b, "bob");
  ASSERT_EQ(bob["ok"], true);
  procs.erase(0);  // process 0 is gone (kill -9): its memory with it, the shared records stay

  ConnId a2 = open(1);
  auto r = resume(1, a2, alice, 1);
  ASSERT_EQ(r["ok"], true) << r.dump();
  EXPECT_EQ(r["data"]["sessionId"], alice["data"]["sessionId"]);
  EXPECT_EQ(r["data"]["resumeToken"], alice["data"]["resumeToken"]);
  EXPECT_EQ(r["data"]["eventsLost"], true);
  EXPECT_EQ(r["data"]["mediaLost"], true);
  EXPECT_EQ(r["data"]["users"].size(), 0u) << "bob has not come back yet";
  EXPECT_EQ(process(1).service->stats().sessionsTakenOver, 1u);

  ConnId b2 = open(1);
  auto rb = resume(1, b2, bob);
  ASSERT_EQ(rb["ok"], true) << rb.dump();
  ASSERT_EQ(rb["data"]["users"].size(), 1u);
  EXPECT_EQ(rb["data"]["users"][0]["userId"], "alice");
  auto entered = events(1, a2, "remote-user-enter");
  ASSERT_EQ(entered.size(), 1u);
  EXPECT_EQ(entered[0]["data"]["userId"], "bob");
  EXPECT_EQ(entered[0]["seq"], 2) << "alice's sequence numbers go on after the last she saw";
  EXPECT_TRUE(process(1).service->rooms().roomExists({kApp, base::RoomId{100, ""}}));

  // An ordinary resume of a taken-over session on its new process.
  process(1).service->onClose(a2);
  ConnId a3 = open(1);
  auto again = resume(1, a3, alice, 2);
  ASSERT_EQ(again["ok"], true);
  EXPECT_FALSE(again["data"].contains("mediaLost"));
}

TEST_F(TakeoverTest, RefusalsAreTheSameAsForAResumeHere) {
  ConnId a = open(0);
  auto alice = enter(0, a, "alice");
  procs.erase(0);

  ConnId c = open(1);
  auto wrong = request(1, c, "resume", {{"sessionId", alice["data"]["sessionId"]}, {"resumeToken", std::string(64, 'a')}, {"lastSeq", 0}});
  EXPECT_EQ(errorName(wrong), "RESUME_DENIED");
  auto unknown = request(1, c, "resume", {{"sessionId", std::string(32, 'f')}, {"resumeToken", std::string(64, 'a')}, {"lastSeq", 0}});
  EXPECT_EQ(errorName(unknown), "SESSION_NOT_FOUND");
  apps.apps[kApp].active = false;
  EXPECT_EQ(errorName(resume(1, c, alice)), "APP_DISABLED");
  EXPECT_EQ(process(1).service->stats().takeoversRefused, 3u);
  EXPECT_EQ(process(1).service->sessionCount(), 0u);
}

TEST_F(TakeoverTest, AClientThatLeftBeforeTheAnswerGetsNothing) {
  ConnId a = open(0);
  auto alice = enter(0, a, "alice");
  procs.erase(0);
  ConnId c = open(1);
  send(1, c, "resume", {{"sessionId", alice["data"]["sessionId"]}, {"resumeToken", alice["data"]["resumeToken"]}, {"lastSeq", 0}}, 77);
  // A second resume on the same connection while the first is under way is refused.
  send(1, c, "resume", {{"sessionId", alice["data"]["sessionId"]}, {"resumeToken", alice["data"]["resumeToken"]}, {"lastSeq", 0}}, 78);
  EXPECT_EQ(errorName(response(1, c, 78).value_or(json{})), "INVALID_STATE");
  process(1).service->onClose(c);
  shared.answerAll();
  EXPECT_FALSE(response(1, c, 77).has_value());
  EXPECT_EQ(process(1).service->sessionCount(), 0u);
}

TEST_F(TakeoverTest, LiveSessionsAreKeptAliveInTheSharedStore) {
  ConnId a = open(0), b = open(0);
  auto alice = enter(0, a, "alice");
  enter(0, b, "bob");
  clock.advanceMs(kSharedKeepAliveMs);
  process(0).service->tick();
  ASSERT_EQ(shared.keptAlive.size(), 1u);
  EXPECT_EQ(shared.keptAlive[0].size(), 2u);
  process(0).service->tick();
  EXPECT_EQ(shared.keptAlive.size(), 1u) << "not more often than every kSharedKeepAliveMs";
  // A session whose grace period ran out is gone from the shared store too.
  process(0).service->onClose(a);
  clock.advanceMs(limits.sessionGraceMs + 1);
  process(0).service->tick();
  EXPECT_EQ(shared.records.count(alice["data"]["sessionId"]), 0u);
}

}  // namespace
}  // namespace atrium::signal
