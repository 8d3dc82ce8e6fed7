#include "signal/signaling_service.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "auth/ticket.h"
#include "crypto/crypto.h"
#include "signal/service_test_fakes.h"

namespace atrium::signal {
namespace {

using nlohmann::json;

constexpr uint32_t kApp = 1400000001;
constexpr const char* kKey = "unit-test-secret-key";

class ServiceTest : public ::testing::Test {
 protected:
  ServiceTest() {
    apps.apps[kApp] = AppInfo{kApp, kKey, true, false, 300, 100000, 50, 0};
    limits.sessionGraceMs = 2000;
    limits.authTimeoutMs = 1000;
    limits.heartbeatIntervalMs = 1000;
  }
  SignalingService& svc() {
    if (!service) service = std::make_unique<SignalingService>(limits, clock, sink, apps, recorder);
    return *service;
  }
  ConnId open(const std::string& ip = "10.0.0.1") {
    ConnId c = nextConn++;
    EXPECT_TRUE(svc().onOpen(c, ip));
    return c;
  }
  json request(ConnId c, const std::string& type, json data) {
    json msg{{"v", 1}, {"id", nextId++}, {"type", type}, {"data", std::move(data)}};
    svc().onText(c, msg.dump());
    for (auto it = sink.sent[c].rbegin(); it != sink.sent[c].rend(); ++it)
      if ((*it)["type"] == "response" && (*it)["id"] == msg["id"]) return *it;
    ADD_FAILURE() << "no response";
    return {};
  }
  std::string sig(const std::string& user, uint32_t app = kApp, const char* key = kKey, int64_t expire = 3600) {
    return auth::generateUserSig(app, key, user, expire, clock.unixSeconds());
  }
  json enter(ConnId c, const std::string& user, json extra = json::object()) {
    json data{{"sdkAppId", kApp}, {"userId", user}, {"userSig", sig(user)}, {"roomId", 100}};
    data.update(extra);
    return request(c, "enterRoom", data);
  }
  std::vector<json> events(ConnId c, const std::string& name) {
    std::vector<json> out;
    for (const auto& m : sink.sent[c])
      if (m["type"] == "event" && m["event"] == name) out.push_back(m);
    return out;
  }
  static std::string errorName(const json& r) { return r.contains("error") ? r["error"]["name"].get<std::string>() : "OK"; }

  SignalingLimits limits;
  base::ManualClock clock{1'700'000'000'000};
  FakeSink sink;
  FakeApps apps;
  FakeRecorder recorder;
  std::unique_ptr<SignalingService> service;
  ConnId nextConn = 1;
  int64_t nextId = 1;
};

TEST_F(ServiceTest, EnterAnnouncesAndRecords) {
  ConnId a = open(), b = open();
  auto ra = enter(a, "alice");
  ASSERT_EQ(ra["ok"], true) << ra.dump();
  EXPECT_EQ(ra["data"]["users"].size(), 0u);
  EXPECT_EQ(ra["data"]["sessionId"].get<std::string>().size(), 32u);
  auto rb = enter(b, "bob");
  ASSERT_EQ(rb["ok"], true);
  ASSERT_EQ(rb["data"]["users"].size(), 1u);
  auto ev = events(a, "remote-user-enter");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0]["data"]["userId"], "bob");
  EXPECT_EQ(ev[0]["seq"], 1);
  ASSERT_EQ(recorder.records.size(), 2u);
  EXPECT_TRUE(recorder.records[0].success);
  EXPECT_EQ(recorder.records[0].maskedUserId, "a****e");
  EXPECT_EQ(recorder.records[0].maskedIp, "10.0.0.*");
  EXPECT_EQ(recorder.records[0].room, "100");
}

TEST_F(ServiceTest, TicketFailuresAreClientCausedAndDistinct) {
  ConnId a = open();
  auto bad = request(a, "enterRoom", {{"sdkAppId", kApp}, {"userId", "alice"}, {"userSig", sig("alice", kApp, "other")}, {"roomId", 1}});
  EXPECT_EQ(errorName(bad), "USERSIG_BAD_SIGNATURE");
  auto user = request(a, "enterRoom", {{"sdkAppId", kApp}, {"userId", "alice"}, {"userSig", sig("bob")}, {"roomId", 1}});
  EXPECT_EQ(errorName(user), "USERSIG_WRONG_USER");
  auto empty = request(a, "enterRoom", {{"sdkAppId", kApp}, {"userId", "alice"}, {"userSig", ""}, {"roomId", 1}});
  EXPECT_EQ(errorName(empty), "USERSIG_EMPTY");
  auto expired = sig("alice", kApp, kKey, 10);
  clock.advanceMs((10 + limits.clockSkewSeconds + 1) * 1000);
  auto late = request(a, "enterRoom", {{"sdkAppId", kApp}, {"userId", "alice"}, {"userSig", expired}, {"roomId", 1}});
  EXPECT_EQ(errorName(late), "USERSIG_EXPIRED");
  EXPECT_EQ(late["error"]["code"], 70001);
  ASSERT_EQ(recorder.records.size(), 4u);
  for (const auto& r : recorder.records) {
    EXPECT_FALSE(r.success);
    EXPECT_EQ(r.cause, "client");
  }
  EXPECT_EQ(recorder.records[3].errorCode, "USERSIG_EXPIRED");
}

TEST_F(ServiceTest, AppStatesAndServiceFailure) {
  ConnId a = open();
  auto unknown = request(a, "enterRoom", {{"sdkAppId", 99}, {"userId", "alice"}, {"userSig", sig("alice", 99)}, {"roomId", 1}});
  EXPECT_EQ(errorName(unknown), "APP_NOT_FOUND");
  apps.apps[kApp].active = false;
  EXPECT_EQ(errorName(enter(a, "alice")), "APP_DISABLED");
  apps.failing = true;
  EXPECT_EQ(errorName(enter(a, "alice")), "INTERNAL");
  EXPECT_EQ(recorder.records.back().cause, "service");
}

TEST_F(ServiceTest, InvalidIdsRejected) {
  ConnId a = open();
  EXPECT_EQ(errorName(request(a, "enterRoom", {{"sdkAppId", kApp}, {"userId", "a b"}, {"userSig", "x"}, {"roomId", 1}})), "INVALID_USER_ID");
  EXPECT_EQ(errorName(request(a, "enterRoom", {{"sdkAppId", kApp}, {"userId", "ab"}, {"userSig", "x"}, {"roomId", 4294967295u}})), "INVALID_ROOM_ID");
  EXPECT_EQ(errorName(request(a, "enterRoom", {{"sdkAppId", kApp}, {"userId", "ab"}, {"userSig", "x"}, {"strRoomId", "bad/"}})), "INVALID_ROOM_ID");
  EXPECT_EQ(errorName(request(a, "enterRoom", {{"sdkAppId", 0}, {"userId", "ab"}, {"userSig", "x"}, {"roomId", 1}})), "INVALID_PARAMETER");
}

TEST_F(ServiceTest, AuthTimeoutClosesIdleConnections) {
  ConnId a = open(), b = open();
  ASSERT_EQ(enter(b, "bob")["ok"], true);
  clock.advanceMs(limits.authTimeoutMs);
  svc().onActivity(b);
  svc().tick();
  EXPECT_EQ(sink.closed.count(a), 0u);
  clock.advanceMs(1);
  svc().tick();
  EXPECT_EQ(sink.closed[a], kCloseAuthTimeout);
  EXPECT_EQ(sink.closed.count(b), 0u) << "a connection in a room is authenticated";
}

TEST_F(ServiceTest, HeartbeatTimeoutClosesSilentConnections) {
  ConnId a = open();
  ASSERT_EQ(enter(a, "alice")["ok"], true);
  clock.advanceMs(3 * limits.heartbeatIntervalMs + 1);
  svc().tick();
  EXPECT_EQ(sink.closed[a], kCloseHeartbeatTimeout);
}

TEST_F(ServiceTest, ResumeWithinGraceReplaysMissedEvents) {
  ConnId a = open(), b = open();
  auto ra = enter(a, "alice");
  ASSERT_EQ(enter(b, "bob")["ok"], true);
  svc().onClose(a);
  ConnId c = open();
  ASSERT_EQ(enter(c, "carol")["ok"], true);  // alice misses this event (seq 2)
  clock.advanceMs(limits.sessionGraceMs - 1);
  svc().tick();
  EXPECT_TRUE(events(b, "remote-user-exit").empty());
  ConnId a2 = open();
  auto r = request(a2, "resume", {{"sessionId", ra["data"]["sessionId"]}, {"resumeToken", ra["data"]["resumeToken"]}, {"lastSeq", 1}});
  ASSERT_EQ(r["ok"], true) << r.dump();
  // Entering and resuming tell the listener the connection authenticated (issue 15).
  EXPECT_EQ(sink.authenticatedConns, (std::vector<ConnId>{a, b, c, a2}));
  EXPECT_EQ(r["data"]["users"].size(), 2u);
  EXPECT_FALSE(r["data"].contains("eventsLost"));
  auto replay = events(a2, "remote-user-enter");
  ASSERT_EQ(replay.size(), 1u);
  EXPECT_EQ(replay[0]["data"]["userId"], "carol");
  EXPECT_EQ(replay[0]["seq"], 2);
  // The resumed session is live again: grace no longer applies.
  clock.advanceMs(limits.sessionGraceMs * 2);
  svc().onActivity(a2);
  svc().tick();
  EXPECT_EQ(svc().rooms().find({kApp, base::RoomId{100, {}}})->members.count("alice"), 1u);
}

TEST_F(ServiceTest, GraceExpiryLeavesWithTimeout) {
  ConnId a = open(), b = open();
  auto ra = enter(a, "alice");
  ASSERT_EQ(enter(b, "bob")["ok"], true);
  svc().onClose(a);
  clock.advanceMs(limits.sessionGraceMs + 1);
  svc().onActivity(b);
  svc().tick();
  auto exits = events(b, "remote-user-exit");
  ASSERT_EQ(exits.size(), 1u);
  EXPECT_EQ(exits[0]["data"]["reason"], 1);
  ConnId a2 = open();
  auto r = request(a2, "resume", {{"sessionId", ra["data"]["sessionId"]}, {"resumeToken", ra["data"]["resumeToken"]}});
  EXPECT_EQ(errorName(r), "SESSION_NOT_FOUND");
}

TEST_F(ServiceTest, ResumeWithWrongTokenDeniedAndTakeoverClosesOld) {
  ConnId a = open();
  auto ra = enter(a, "alice");
  ConnId x = open();
  EXPECT_EQ(errorName(request(x, "resume", {{"sessionId", ra["data"]["sessionId"]}, {"resumeToken", "nope"}})), "RESUME_DENIED");
  auto ok = request(x, "resume", {{"sessionId", ra["data"]["sessionId"]}, {"resumeToken", ra["data"]["resumeToken"]}});
  EXPECT_EQ(ok["ok"], true);
  EXPECT_EQ(sink.closed[a], kCloseResumedElsewhere);
}

TEST_F(ServiceTest, BadInputClosesAfterLimit) {
  ConnId a = open();
  for (int i = 0; i < limits.maxBadMessages - 1; ++i) svc().onText(a, "garbage");
  EXPECT_EQ(sink.closed.count(a), 0u);
  EXPECT_EQ(sink.sent[a].back()["error"]["code"], 4000);
  EXPECT_TRUE(sink.sent[a].back()["id"].is_null());
  svc().onBinary(a);
  EXPECT_EQ(sink.sent[a].back()["event"], "error");
  EXPECT_EQ(sink.closed[a], kClosePolicy);
}

TEST_F(ServiceTest, OversizedMessageRejected) {
  ConnId a = open();
  svc().onText(a, std::string(limits.maxMessageBytes + 1, ' '));
  EXPECT_EQ(sink.sent[a].back()["error"]["name"], "MESSAGE_TOO_LARGE");
}

TEST_F(ServiceTest, PerIpConnectionCapAndEntryRate) {
  limits.maxConnectionsPerIp = 2;
  limits.entryBurstPerIp = 3;
  limits.entriesPerIpPerSecond = 1;
  ConnId a = open("1.2.3.4");
  open("1.2.3.4");
  EXPECT_FALSE(svc().onOpen(99, "1.2.3.4"));
  EXPECT_TRUE(svc().onOpen(100, "1.2.3.5"));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(errorName(enter(a, "a b")), "INVALID_USER_ID");
  EXPECT_EQ(errorName(enter(a, "alice")), "RATE_LIMITED");
  clock.advanceMs(1000);
  EXPECT_EQ(enter(a, "alice")["ok"], true);
}

TEST_F(ServiceTest, PerConnectionMessageRate) {
  limits.messageBurst = 5;
  limits.messagesPerSecond = 1;
  ConnId a = open();
  int limited = 0;
  for (int i = 0; i < 8; ++i) limited += errorName(request(a, "heartbeat", json::object())) == "RATE_LIMITED";
  EXPECT_EQ(limited, 3);
}

TEST_F(ServiceTest, CustomMessageRulesAndBudgets) {
  ConnId a = open(), b = open();
  ASSERT_EQ(enter(a, "alice")["ok"], true);
  ASSERT_EQ(enter(b, "bob")["ok"], true);
  std::string kb = crypto::base64Encode(std::vector<uint8_t>(1000, 7));
  for (int i = 1; i <= 8; ++i) {
    auto r = request(a, "sendCustomMessage", {{"cmdId", 1}, {"data", kb}});
    ASSERT_EQ(r["ok"], true) << i;
    EXPECT_EQ(r["data"]["seq"], i);
  }
  EXPECT_EQ(errorName(request(a, "sendCustomMessage", {{"cmdId", 1}, {"data", kb}})), "RATE_LIMITED");
  clock.advanceMs(1000);
  EXPECT_EQ(request(a, "sendCustomMessage", {{"cmdId", 1}, {"data", kb}})["data"]["seq"], 9) << "refused message took no seq";
  EXPECT_EQ(events(b, "custom-message").size(), 9u);
  std::string big = crypto::base64Encode(std::vector<uint8_t>(1001, 7));
  EXPECT_EQ(errorName(request(a, "sendCustomMessage", {{"cmdId", 1}, {"data", big}})), "INVALID_PARAMETER");
  EXPECT_EQ(errorName(request(a, "sendCustomMessage", {{"cmdId", 1}, {"data", "***"}})), "INVALID_PARAMETER");
  clock.advanceMs(1000);
  int limited = 0;
  for (int i = 0; i < 40; ++i) limited += errorName(request(a, "sendCustomMessage", {{"cmdId", 2}, {"data", "aGk="}})) == "RATE_LIMITED";
  EXPECT_EQ(limited, 10);
}

struct FakeQuality : QualitySink {
  std::vector<QualityReport> reports;
  void onQuality(QualityReport r) override { reports.push_back(std::move(r)); }
};

TEST_F(ServiceTest, QualityReportsReachTheSinkAtMostOncePerSecondOnAverage) {
  FakeQuality quality;
  svc().setQualitySink(&quality);
  ConnId a = open();
  EXPECT_EQ(errorName(request(a, "quality", {{"up", {{"rtt", 20}}}})), "INVALID_STATE") << "only in a room";
  ASSERT_EQ(enter(a, "alice")["ok"], true);
  json report{{"up", {{"rtt", 20}, {"aBit", 32000}}}, {"down", json::array({{{"userId", "bob"}, {"metrics", {{"bigvDecFps", 30}}}}})}};
  for (int i = 0; i < 10; ++i) EXPECT_EQ(request(a, "quality", report)["ok"], true);
  ASSERT_EQ(quality.reports.size(), 3u) << "a burst of 3, the rest dropped and counted";
  EXPECT_EQ(svc().stats().qualityDropped, 7u);
  const auto& r = quality.reports[0];
  EXPECT_EQ(r.userId, "alice");
  EXPECT_EQ(r.room.sdkAppId, kApp);
  EXPECT_EQ(r.timeMs, clock.wallMs());
  ASSERT_EQ(r.entries.size(), 2u);
  EXPECT_EQ(r.entries[1].peerId, "bob");
  clock.advanceMs(2000);
  EXPECT_EQ(request(a, "quality", report)["ok"], true);
  EXPECT_EQ(quality.reports.size(), 4u);
}

TEST_F(ServiceTest, ActiveSpeakerGoesToEveryoneInTheRoomOnly) {
  ConnId a = open(), b = open(), other = open();
  ASSERT_EQ(enter(a, "alice")["ok"], true);
  ASSERT_EQ(enter(b, "bob")["ok"], true);
  ASSERT_EQ(enter(other, "carol", {{"roomId", 101}})["ok"], true);
  base::RoomKey room{kApp, base::RoomId{100, {}}};
  svc().announceActiveSpeaker(room, "alice");
  for (ConnId c : {a, b}) {
    auto ev = events(c, "active-speaker");
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0]["data"]["userId"], "alice");
    EXPECT_FALSE(ev[0].contains("seq")) << "ephemeral: not replayed on resume";
  }
  EXPECT_TRUE(events(other, "active-speaker").empty());
  svc().announceActiveSpeaker(room, "nobody");
  EXPECT_EQ(events(a, "active-speaker").size(), 1u) << "only members can be the speaker";
}

TEST_F(ServiceTest, AudienceCannotSendAndIsInvisible) {
  ConnId h = open(), v = open();
  ASSERT_EQ(enter(h, "host", {{"scene", "live"}})["ok"], true);
  auto rv = enter(v, "viewer", {{"scene", "live"}, {"role", "audience"}});
  ASSERT_EQ(rv["ok"], true);
  EXPECT_EQ(rv["data"]["role"], "audience");
  EXPECT_TRUE(events(h, "remote-user-enter").empty());
  EXPECT_EQ(errorName(request(v, "sendCustomMessage", {{"cmdId", 1}, {"data", ""}})), "PERMISSION_DENIED");
  ASSERT_EQ(request(v, "switchRole", {{"role", "anchor"}})["ok"], true);
  EXPECT_EQ(events(h, "remote-user-enter").size(), 1u);
  EXPECT_EQ(request(v, "sendCustomMessage", {{"cmdId", 1}, {"data", ""}})["ok"], true);
}

TEST_F(ServiceTest, DuplicateUserKicksEarlierConnection) {
  ConnId a = open(), b = open();
  ASSERT_EQ(enter(a, "alice")["ok"], true);
  ASSERT_EQ(enter(b, "alice")["ok"], true);
  auto kicked = events(a, "kicked-out");
  ASSERT_EQ(kicked.size(), 1u);
  EXPECT_EQ(kicked[0]["data"]["reason"], "kick");
  EXPECT_EQ(errorName(request(a, "exitRoom", json::object())), "INVALID_STATE");
  EXPECT_EQ(svc().sessionCount(), 1u);
}

TEST_F(ServiceTest, AdvancedPermissionNeedsPrivateMapKey) {
  apps.apps[kApp].advancedPermission = true;
  ConnId a = open(), b = open();
  EXPECT_EQ(errorName(enter(a, "alice")), "PRIVMAPKEY_MISSING");
  base::RoomId room{100, {}};
  int64_t now = clock.unixSeconds();
  auto enterOnly = auth::generatePrivateMapKey(kApp, kKey, "alice", room, auth::kPrivEnterRoom, 600, now);
  EXPECT_EQ(errorName(enter(a, "alice", {{"privateMapKey", enterOnly}})), "PRIVMAPKEY_NO_PRIVILEGE") << "creating needs bit 1";
  auto all = auth::generatePrivateMapKey(kApp, kKey, "alice", room, auth::kPrivAll, 600, now);
  EXPECT_EQ(enter(a, "alice", {{"privateMapKey", all}})["ok"], true);
  auto bobEnter = auth::generatePrivateMapKey(kApp, kKey, "bob", room, auth::kPrivEnterRoom, 600, now);
  EXPECT_EQ(enter(b, "bob", {{"privateMapKey", bobEnter}})["ok"], true) << "existing room needs only bit 2";
  auto other = auth::generatePrivateMapKey(kApp, kKey, "carol", base::RoomId{101, {}}, auth::kPrivAll, 600, now);
  ConnId c = open();
  EXPECT_EQ(errorName(enter(c, "carol", {{"privateMapKey", other}})), "PRIVMAPKEY_WRONG_ROOM");
}

TEST_F(ServiceTest, DismissAndRemoveUserKickWithReasons) {
  ConnId a = open(), b = open();
  ASSERT_EQ(enter(a, "alice")["ok"], true);
  ASSERT_EQ(enter(b, "bob")["ok"], true);
  base::RoomKey key{kApp, base::RoomId{100, {}}};
  EXPECT_TRUE(svc().removeUser(key, "bob"));
  EXPECT_EQ(events(b, "kicked-out")[0]["data"]["reason"], "banned");
  EXPECT_EQ(svc().dismissRoom(key), 1u);
  EXPECT_EQ(events(a, "kicked-out")[0]["data"]["reason"], "room_disband");
  EXPECT_EQ(svc().sessionCount(), 0u);
  EXPECT_FALSE(svc().rooms().roomExists(key));
  EXPECT_EQ(enter(a, "alice")["ok"], true) << "the connection may enter again";
}

TEST_F(ServiceTest, RequestsOutsideRoomAreInvalidState) {
  ConnId a = open();
  EXPECT_EQ(errorName(request(a, "sendCustomMessage", {{"cmdId", 1}, {"data", ""}})), "INVALID_STATE");
  EXPECT_EQ(errorName(request(a, "switchRole", {{"role", "anchor"}})), "INVALID_STATE");
  ASSERT_EQ(enter(a, "alice")["ok"], true);
  EXPECT_EQ(errorName(enter(a, "alice")), "INVALID_STATE");
}

struct RecordingObserver : RoomObserver {
  std::vector<std::string> seen;
  void onRoomActivity(const RoomActivity& a) override {
    static const char* kNames[] = {"created", "destroyed", "entered", "exited", "role", "started", "stopped"};
    seen.push_back(std::string(kNames[static_cast<int>(a.kind)]) + ":" + a.userId + ":" +
                   (a.stream.empty() ? std::to_string(static_cast<int>(a.exitReason)) : a.stream));
  }
};

// A media plane that accepts any offer and reports the streams it was told about.
struct FakeMedia : MediaControl {
  int ended = 0;
  room::SessionId lastSession = 0;
  bool subscribeReconnect = false;
  std::vector<std::string> failedForTest;
  base::Result<PublishResult> publish(const MediaSessionRef& ref, const std::string& sdp,
                                      const std::map<std::string, std::string>& streams, bool reconnect) override {
    if (sdp == "bad") return base::makeError("INVALID_SDP", "not an offer");
    lastSession = ref.session;
    PublishResult r{"answer", {}, reconnect};
    for (const auto& [mid, stream] : streams) r.activeStreams.push_back(stream);
    return r;
  }
  void unpublish(const MediaSessionRef&) override {}
  base::Result<std::string> subscribe(const MediaSessionRef&, const std::vector<StreamWant>&, bool, bool reconnect) override {
    subscribeReconnect = reconnect;
    return std::string("offer");
  }
  base::Status subscribeAnswer(const MediaSessionRef&, const std::string&) override { return base::Ok{}; }
  void sessionEnded(const MediaSessionRef&) override { ++ended; }
#ifdef ATRIUM_TEST_HOOKS
  void failConnectionForTest(const MediaSessionRef& ref, MediaConnection c) override {
    failedForTest.push_back(ref.userId + ":" + toString(c));
  }
#endif
};

TEST_F(ServiceTest, ARenewedPublishingConnectionRestartsEveryStreamForOthers) {
  FakeMedia media;
  svc().setMedia(&media);
  ConnId a = open(), b = open();
  ASSERT_EQ(enter(a, "alice")["ok"], true);
  ASSERT_EQ(enter(b, "bob")["ok"], true);
  const json streams = {{"0", "audio"}, {"1", "main"}};
  ASSERT_EQ(request(a, "publish", {{"sdp", "offer"}, {"streams", streams}})["ok"], true);
  ASSERT_EQ(request(a, "publish", {{"sdp", "offer"}, {"streams", streams}})["ok"], true);  // same set: nothing new
  EXPECT_EQ(events(b, "remote-video-available").size(), 1u);
  EXPECT_TRUE(events(b, "remote-video-unavailable").empty());
  // From a new peer connection the tracks are new: bob drops the old ones and takes the new.
  ASSERT_EQ(request(a, "publish", {{"sdp", "offer"}, {"streams", streams}, {"reconnect", true}})["ok"], true);
  EXPECT_EQ(events(b, "remote-video-unavailable").size(), 1u);
  EXPECT_EQ(events(b, "remote-audio-unavailable").size(), 1u);
  EXPECT_EQ(events(b, "remote-video-available").size(), 2u);
  EXPECT_EQ(events(b, "remote-audio-available").size(), 2u);
  EXPECT_EQ(errorName(request(a, "publish", {{"sdp", "offer"}, {"streams", streams}, {"reconnect", 1}})), "BAD_REQUEST");
  ASSERT_EQ(request(b, "subscribe", {{"streams", {{{"userId", "alice"}, {"stream", "main"}}}}, {"reconnect", true}})["ok"], true);
  EXPECT_TRUE(media.subscribeReconnect);
}

TEST_F(ServiceTest, ALostMediaConnectionIsToldToItsClientAndItsStreamsStop) {
  FakeMedia media;
  RecordingObserver obs;
  svc().setMedia(&media);
  ConnId a = open(), b = open();
  ASSERT_EQ(enter(a, "alice")["ok"], true);
  ASSERT_EQ(enter(b, "bob")["ok"], true);
  ASSERT_EQ(request(a, "publish", {{"sdp", "offer"}, {"streams", {{"1", "main"}}}})["ok"], true);
  svc().setObserver(&obs);
  svc().mediaConnectionFailed(media.lastSession, MediaConnection::kPublish, "DTLS: bad record mac");
  auto failed = events(a, "media-failed");
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0]["data"]["connection"], "publish");
  EXPECT_EQ(failed[0]["data"]["reason"], "DTLS: bad record mac");
  EXPECT_TRUE(failed[0].contains("seq"));  // sequenced: a client that resumes still hears it
  EXPECT_EQ(events(b, "remote-video-unavailable").size(), 1u);
  EXPECT_TRUE(events(b, "media-failed").empty());
  EXPECT_EQ(obs.seen, (std::vector<std::string>{"stopped:alice:main"}));
  // Its new connection publishes the stream again.
  ASSERT_EQ(request(a, "publish", {{"sdp", "offer"}, {"streams", {{"1", "main"}}}, {"reconnect", true}})["ok"], true);
  EXPECT_EQ(events(b, "remote-video-available").size(), 2u);
  svc().mediaConnectionFailed(media.lastSession, MediaConnection::kSubscribe, "gone");
  EXPECT_EQ(events(a, "media-failed").back()["data"]["connection"], "subscribe");
  EXPECT_EQ(events(b, "remote-video-unavailable").size(), 1u);  // subscribing stops nobody's stream
  svc().mediaConnectionFailed(987654, MediaConnection::kSubscribe, "no such session");  // ignored
}

#ifdef ATRIUM_TEST_HOOKS
TEST_F(ServiceTest, TheMediaFailureTestRequestNeedsToBeAllowed) {
  FakeMedia media;
  svc().setMedia(&media);
  ConnId a = open();
  ASSERT_EQ(enter(a, "alice")["ok"], true);
  EXPECT_EQ(errorName(request(a, "failMediaForTest", {{"connection", "publish"}})), "BAD_REQUEST");
  svc().allowTestRequestsForTest(true);
  EXPECT_EQ(errorName(request(a, "failMediaForTest", {{"connection", "both"}})), "INVALID_PARAMETER");
  ASSERT_EQ(request(a, "failMediaForTest", {{"connection", "subscribe"}})["ok"], true);
  EXPECT_EQ(media.failedForTest, (std::vector<std::string>{"alice:subscribe"}));
}
#endif

TEST_F(ServiceTest, PublishAnnouncesStreamsAndReportsMediaEvents) {
  FakeMedia media;
  RecordingObserver obs;
  svc().setMedia(&media);
  ConnId a = open(), b = open();
  ASSERT_EQ(enter(a, "alice")["ok"], true);
  ASSERT_EQ(enter(b, "bob")["ok"], true);
  svc().setObserver(&obs);
  auto r = request(a, "publish", {{"sdp", "offer"}, {"streams", {{"0", "audio"}, {"1", "main"}}}});
  ASSERT_EQ(r["ok"], true) << r.dump();
  EXPECT_EQ(r["data"]["sdp"], "answer");
  EXPECT_EQ(events(b, "remote-audio-available").size(), 1u);
  auto video = events(b, "remote-video-available");
  ASSERT_EQ(video.size(), 1u);
  EXPECT_EQ(video[0]["data"]["streamType"], "main");
  EXPECT_EQ(errorName(request(a, "publish", {{"sdp", "bad"}, {"streams", json::object()}})), "INVALID_SDP");
  // A newcomer learns about streams already published.
  ConnId c = open();
  ASSERT_EQ(enter(c, "carol")["ok"], true);
  EXPECT_EQ(events(c, "remote-video-available").size(), 1u);
  EXPECT_EQ(request(c, "subscribe", {{"streams", {{{"userId", "alice"}, {"stream", "main"}}}}})["data"]["sdp"], "offer");
  EXPECT_EQ(errorName(request(c, "subscribe", {{"streams", {{{"userId", "alice"}, {"stream", "sub"}}}}})), "STREAM_NOT_FOUND");
  // Republishing without video stops it; leaving then ends audio for the others but is not a media event.
  ASSERT_EQ(request(a, "publish", {{"sdp", "offer"}, {"streams", {{"0", "audio"}}}})["ok"], true);
  EXPECT_EQ(events(b, "remote-video-unavailable").size(), 1u);
  ASSERT_EQ(request(a, "exitRoom", json::object())["ok"], true);
  EXPECT_EQ(events(b, "remote-audio-unavailable").size(), 1u);
  EXPECT_EQ(media.ended, 1);
  EXPECT_EQ(obs.seen, (std::vector<std::string>{"started:alice:audio", "started:alice:main", "entered:carol:0",
                                                "stopped:alice:main", "exited:alice:0"}));
}

TEST_F(ServiceTest, AudienceMayNotPublish) {
  FakeMedia media;
  svc().setMedia(&media);
  ConnId h = open(), v = open();
  ASSERT_EQ(enter(h, "host", {{"scene", "live"}})["ok"], true);
  ASSERT_EQ(enter(v, "viewer", {{"scene", "live"}, {"role", "audience"}})["ok"], true);
  EXPECT_EQ(errorName(request(v, "publish", {{"sdp", "offer"}, {"streams", {{"0", "main"}}}})), "PERMISSION_DENIED");
}

TEST_F(ServiceTest, ObserverSeesRoomLifecycle) {
  RecordingObserver obs;
  svc().setObserver(&obs);
  ConnId a = open(), b = open(), c = open();
  ASSERT_EQ(enter(a, "alice")["ok"], true);
  ASSERT_EQ(enter(b, "bob")["ok"], true);
  ASSERT_EQ(enter(c, "bob")["ok"], true);  // duplicate: bob's first session is kicked
  ASSERT_EQ(request(a, "exitRoom", json::object())["ok"], true);
  svc().onClose(c);
  clock.advanceMs(limits.sessionGraceMs + 1);
  svc().tick();
  EXPECT_EQ(obs.seen, (std::vector<std::string>{"created:alice:0", "entered:alice:0", "entered:bob:0", "exited:bob:2",
                                                "entered:bob:0", "exited:alice:0", "exited:bob:1", "destroyed:bob:0"}));
  obs.seen.clear();
  ConnId d = open(), e = open();
  ASSERT_EQ(enter(d, "dan")["ok"], true);
  ASSERT_EQ(enter(e, "eve")["ok"], true);
  EXPECT_EQ(svc().dismissRoom({kApp, base::RoomId{100, {}}}), 2u);
  EXPECT_EQ(obs.seen, (std::vector<std::string>{"created:dan:0", "entered:dan:0", "entered:eve:0", "exited:dan:2",
                                                "exited:eve:2", "destroyed:eve:0"}));
}

}  // namespace
}  // namespace atrium::signal
