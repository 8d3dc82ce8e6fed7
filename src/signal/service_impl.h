// Internals of SignalingService shared by its implementation files (not a public header).
#pragma once

#include <deque>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "auth/ticket.h"
#include "base/log.h"
#include "base/mask.h"
#include "crypto/crypto.h"
#include "signal/errors.h"
#include "signal/signaling_service.h"

namespace atrium::signal {

using base::makeError;

namespace detail {
using room::SessionId;

struct Connection {
  ConnId id = 0;
  std::string ip;
  std::optional<SessionId> session;
  int64_t unauthSinceMs = 0;  // when it last became "not in a room"
  int64_t lastActivityMs = 0;
  base::TokenBucket rate;
  int bad = 0;
  bool closing = false;
  bool resumePending = false;  // a resume waits for the shared session store's answer
};

struct Session {
  SessionId id = 0;
  std::string publicId;
  std::string resumeToken;
  base::RoomKey key;
  std::string userId;
  room::Role role = room::Role::kAnchor;
  room::Scene scene = room::Scene::kRtc;
  AppInfo app;
  uint32_t privileges = auth::kPrivAll;
  std::optional<ConnId> conn;
  int64_t disconnectedAtMs = 0;
  uint64_t lastSeq = 0;
  std::deque<std::pair<uint64_t, std::string>> buffer;  // recent events, for resume
  base::TokenBucket customCount;
  base::TokenBucket customBytes;
  std::set<std::string> published;  // streams this session publishes: "audio", "main", "sub"
  // Quality reports come every 2 s; a little slack for a timer that fired late, no more.
  base::TokenBucket qualityReports{1.0, 3.0};
};

struct IpState {
  size_t connections = 0;
  base::TokenBucket entries;
};

}  // namespace detail

using namespace detail;

struct SignalingService::Impl {
  SignalingLimits limits;
  base::Clock& clock;
  ConnectionSink& sink;
  AppSource& apps;
  EntryRecorder& entries;
  room::RoomDirectory rooms;
  SignalingStats stats;
  std::unordered_map<ConnId, Connection> conns;
  std::unordered_map<SessionId, Session> sessions;
  std::unordered_map<std::string, SessionId> sessionsByPublicId;
  std::unordered_map<std::string, IpState> ips;
  SessionId nextSession = 1;
  RoomObserver* observer = nullptr;
  MediaControl* media = nullptr;
  QualitySink* quality = nullptr;
  SessionStore* shared = nullptr;
  int64_t lastKeepAliveMs = 0;

  MediaSessionRef mediaRef(const Session& s) const {
    const room::Room* r = rooms.find(s.key);
    return MediaSessionRef{s.id, s.key, s.userId, r ? r->worker : 0};
  }
  // Tells every other member of the session's room that its streams came or went.
  void announceStreams(const Session& s, const std::set<std::string>& streams, bool available) {
    const room::Room* r = rooms.find(s.key);
    if (!r || streams.empty()) return;
    room::Deliveries out;
    for (const auto& [id, m] : r->members)
      if (m.session != s.id)
        for (const auto& stream : streams) out.push_back({m.session, room::StreamChanged{s.userId, stream, available}});
    deliver(out);
  }
  // The streams others already publish, for a member that just entered or resumed.
  void tellExistingStreams(Session& newcomer) {
    const room::Room* r = rooms.find(newcomer.key);
    if (!r) return;
    for (const auto& [id, m] : r->members) {
      auto other = sessions.find(m.session);
      if (m.session == newcomer.id || other == sessions.end()) continue;
      for (const auto& stream : other->second.published)
        pushEvent(newcomer, room::StreamChanged{other->second.userId, stream, true});
    }
  }
  void publish(Connection& c, std::optional<int64_t> id, const PublishReq& req);
  void unpublish(Connection& c, std::optional<int64_t> id);
  void subscribe(Connection& c, std::optional<int64_t> id, const SubscribeReq& req);
  void subscribeAnswer(Connection& c, std::optional<int64_t> id, const SubscribeAnswerReq& req);
  void mediaFailed(SessionId session, MediaConnection connection, const std::string& reason);
#ifdef ATRIUM_TEST_HOOKS
  bool testRequests = false;
  void failMediaForTest(Connection& c, std::optional<int64_t> id, const FailMediaForTestReq& req);
#endif

  void notify(RoomActivity::Kind kind, const base::RoomKey& key, std::string userId = {},
              room::Role role = room::Role::kAnchor, room::ExitReason reason = room::ExitReason::kNormal,
              std::string maskedIp = {}, std::string stream = {}) {
    if (!observer) return;
    observer->onRoomActivity(
        RoomActivity{kind, clock.wallMs(), key, std::move(userId), role, reason, std::move(maskedIp), std::move(stream)});
  }
  void notifyStreams(const Session& s, const std::set<std::string>& streams, bool started) {
    for (const auto& stream : streams)
      notify(started ? RoomActivity::Kind::kStreamStarted : RoomActivity::Kind::kStreamStopped, s.key, s.userId, s.role,
             room::ExitReason::kNormal, {}, stream);
  }
  // After a member left: reports the exit and, when the room went with it, its destruction.
  void notifyExit(const base::RoomKey& key, const std::string& userId, room::Role role, room::ExitReason reason) {
    notify(RoomActivity::Kind::kUserExited, key, userId, role, reason);
    if (!rooms.roomExists(key)) notify(RoomActivity::Kind::kRoomDestroyed, key, userId);
  }

  Impl(SignalingLimits l, base::Clock& c, ConnectionSink& s, AppSource& a, EntryRecorder& e, uint32_t workers)
      : limits(l), clock(c), sink(s), apps(a), entries(e), rooms(workers) {}

  int64_t now() const { return clock.steadyMs(); }

  void reply(Connection& c, std::optional<int64_t> id, const std::string& data = {}) { sink.send(c.id, encodeOk(id, data)); }

  void replyError(Connection& c, std::optional<int64_t> id, const base::Error& error) {
    sink.send(c.id, encodeError(id, error));
    if (error.code == "RATE_LIMITED") ++stats.rateLimited;
    if (isBadInput(error.code)) countBad(c);
  }

  void countBad(Connection& c) {
    ++stats.badMessages;
    if (++c.bad >= limits.maxBadMessages) closeConn(c, kClosePolicy, "too many bad messages");
  }

  void closeConn(Connection& c, uint16_t code, std::string_view reason) {
    if (c.closing) return;
    c.closing = true;
    sink.close(c.id, code, reason);
  }

  // --- sessions and deliveries -------------------------------------------------------------

  void pushEvent(Session& s, const room::RoomEvent& event) {
    uint64_t seq = ++s.lastSeq;
    std::string text = encodeEvent(event, seq);
    if (s.conn) sink.send(*s.conn, text);
    s.buffer.emplace_back(seq, std::move(text));
    while (s.buffer.size() > limits.eventBufferSize) s.buffer.pop_front();
  }

  void deliver(const room::Deliveries& deliveries) {
    for (const auto& d : deliveries) {
      auto it = sessions.find(d.to);
      if (it == sessions.end()) continue;
      pushEvent(it->second, d.event);
      if (std::holds_alternative<room::KickedOut>(d.event)) {
        announceStreams(it->second, it->second.published, false);
        endSession(d.to);
      }
    }
  }

  // Forgets a session whose member has already left the room; its connection may enter again.
  void endSession(SessionId id) {
    auto it = sessions.find(id);
    if (it == sessions.end()) return;
    if (media) media->sessionEnded(mediaRef(it->second));
    if (it->second.conn) {
      auto c = conns.find(*it->second.conn);
      if (c != conns.end()) {
        c->second.session.reset();
        c->second.unauthSinceMs = now();
      }
    }
    if (shared) shared->remove(it->second.publicId);
    sessionsByPublicId.erase(it->second.publicId);
    sessions.erase(it);
  }

  // What another process needs to take this session over (saved again when it changes).
  void share(const Session& s) {
    if (!shared) return;
    shared->save({s.publicId, crypto::toHex(crypto::sha256(crypto::asBytes(s.resumeToken))), s.key, s.userId, s.role,
                  s.scene, s.privileges, s.lastSeq});
  }

  void leaveAndEnd(SessionId id, room::ExitReason reason) {
    auto it = sessions.find(id);
    if (it == sessions.end()) return;
    Session& s = it->second;
    base::log::info("session {} left room {} of app {} (reason {})", base::MaskedUser{s.userId}, s.key.room.display(),
                    s.key.sdkAppId, static_cast<int>(reason));
    base::RoomKey key = s.key;
    std::string userId = s.userId;
    room::Role role = s.role;
    announceStreams(s, s.published, false);
    deliver(rooms.leave(s.key, s.userId, s.id, reason));
    endSession(id);
    notifyExit(key, userId, role, reason);
  }

  room::RoomLimits limitsFor(const AppInfo& app, room::Scene scene) const {
    room::RoomLimits l;
    l.maxUsers = scene == room::Scene::kRtc ? std::min<uint32_t>(app.maxRtcUsers, 300)
                                            : std::min<uint32_t>(app.maxLiveUsers, 100000);
    l.maxAnchors = std::min<uint32_t>(app.maxPublishers, 50);
    l.maxRoomsPerApp = app.maxRooms;
    return l;
  }

  std::string enteredData(const Session& s, std::vector<room::UserEntered> users, bool eventsLost = false,
                          bool mediaLost = false) const {
    return encodeEnteredData({s.publicId, s.resumeToken, s.key.room, s.scene, s.role, std::move(users),
                              limits.heartbeatIntervalMs, limits.sessionGraceMs, clock.wallMs(), eventsLost, mediaLost});
  }

  // --- requests ----------------------------------------------------------------------------

  void handle(Connection& c, Request& req) {
    std::visit(
        [&](auto& body) {
          using T = std::decay_t<decltype(body)>;
          if constexpr (std::is_same_v<T, EnterRoomReq>) enterRoom(c, req.id, body);
          else if constexpr (std::is_same_v<T, ResumeReq>) resume(c, req.id, body);
          else if constexpr (std::is_same_v<T, ExitRoomReq>) exitRoom(c, req.id);
          else if constexpr (std::is_same_v<T, SwitchRoleReq>) switchRole(c, req.id, body);
          else if constexpr (std::is_same_v<T, SendCustomMessageReq>) customMessage(c, req.id, body);
          else if constexpr (std::is_same_v<T, PublishReq>) publish(c, req.id, body);
          else if constexpr (std::is_same_v<T, UnpublishReq>) unpublish(c, req.id);
          else if constexpr (std::is_same_v<T, SubscribeReq>) subscribe(c, req.id, body);
          else if constexpr (std::is_same_v<T, SubscribeAnswerReq>) subscribeAnswer(c, req.id, body);
          else if constexpr (std::is_same_v<T, QualityReq>) qualityReport(c, req.id, body);
#ifdef ATRIUM_TEST_HOOKS
          else if constexpr (std::is_same_v<T, FailMediaForTestReq>) failMediaForTest(c, req.id, body);
#endif
          else reply(c, req.id, nlohmann::json{{"serverTime", clock.wallMs()}}.dump());
        },
        req.body);
  }

  // rechecked: the app source has been read afresh for this request (AppSource::recheck).
  void enterRoom(Connection& c, std::optional<int64_t> id, const EnterRoomReq& req, bool rechecked = false);
  // A new session of connection c in a room (an entry, or a session taken over from another
  // process): joins the room, replies with the entered data and tells the others.
  struct NewSession {
    base::RoomKey key;
    std::string userId;
    room::Role role = room::Role::kAnchor;
    room::Scene scene = room::Scene::kRtc;
    AppInfo app;
    uint32_t privileges = 0;
    std::string publicId;     // empty: a new one
    std::string resumeToken;  // empty: a new one
    uint64_t lastSeq = 0;
    bool takenOver = false;
  };
  base::Status startSession(Connection& c, std::optional<int64_t> id, NewSession n);
  void takeOver(ConnId conn, std::optional<int64_t> id, const ResumeReq& req, std::optional<SharedSession> found);
  // The app as it is now: INTERNAL when the lookup failed, APP_NOT_FOUND, APP_DISABLED.
  base::Result<AppInfo> activeApp(uint32_t sdkAppId);
  base::Result<std::pair<AppInfo, uint32_t>> admit(const EnterRoomReq& req, const base::RoomKey& key);
  void recordEntry(const Connection& c, const EnterRoomReq& req, const std::string& room, const base::Error* error);

  void resume(Connection& c, std::optional<int64_t> id, const ResumeReq& req) {
    if (c.session) return replyError(c, id, makeError("INVALID_STATE", "this connection is already in a room"));
    if (!ips.at(c.ip).entries.tryTake(now())) return replyError(c, id, makeError("RATE_LIMITED", "too many entry attempts from this address"));
    if (c.resumePending) return replyError(c, id, makeError("INVALID_STATE", "a resume is already under way"));
    auto found = sessionsByPublicId.find(req.sessionId);
    if (found == sessionsByPublicId.end()) {
      if (!shared) return replyError(c, id, makeError("SESSION_NOT_FOUND", "no resumable session with this id"));
      // Perhaps another process held it (a restart, another node): ask the shared store.
      c.resumePending = true;
      shared->find(req.sessionId, [this, conn = c.id, id, req](std::optional<SharedSession> s) {
        takeOver(conn, id, req, std::move(s));
      });
      return;
    }
    Session& s = sessions.at(found->second);
    if (!crypto::constantTimeEqual(crypto::asBytes(s.resumeToken), crypto::asBytes(req.resumeToken)))
      return replyError(c, id, makeError("RESUME_DENIED", "wrong resume token"));
    if (s.conn) {
      auto old = conns.find(*s.conn);
      if (old != conns.end()) {
        old->second.session.reset();
        old->second.unauthSinceMs = now();
        closeConn(old->second, kCloseResumedElsewhere, "resumed elsewhere");
      }
    }
    s.conn = c.id;
    c.session = s.id;
    sink.authenticated(c.id);
    bool lost = !s.buffer.empty() ? s.buffer.front().first > req.lastSeq + 1 : s.lastSeq > req.lastSeq;
    const room::Room* r = rooms.find(s.key);
    reply(c, id, enteredData(s, r ? rooms.visibleTo(*r, s.userId) : std::vector<room::UserEntered>{}, lost));
    for (const auto& [seq, text] : s.buffer)
      if (seq > req.lastSeq) sink.send(c.id, text);
    base::log::info("session {} resumed from {}", base::MaskedUser{s.userId}, base::MaskedIp{c.ip});
  }

  Session* sessionOf(Connection& c) {
    if (!c.session) return nullptr;
    auto it = sessions.find(*c.session);
    return it == sessions.end() ? nullptr : &it->second;
  }

  void exitRoom(Connection& c, std::optional<int64_t> id) {
    Session* s = sessionOf(c);
    if (!s) return replyError(c, id, makeError("INVALID_STATE", "not in a room"));
    leaveAndEnd(s->id, room::ExitReason::kNormal);
    reply(c, id);
  }

  void switchRole(Connection& c, std::optional<int64_t> id, const SwitchRoleReq& req) {
    Session* s = sessionOf(c);
    if (!s) return replyError(c, id, makeError("INVALID_STATE", "not in a room"));
    uint32_t privileges = s->privileges;
    if (s->app.advancedPermission && !req.privateMapKey.empty()) {
      auto grant = auth::verifyPrivateMapKey(req.privateMapKey, s->key.sdkAppId, s->app.secretKey, s->userId,
                                             s->key.room, auth::kPrivEnterRoom, clock.unixSeconds(),
                                             limits.clockSkewSeconds);
      if (!grant.ok()) return replyError(c, id, grant.error());
      privileges = grant->privileges;
    }
    auto result = rooms.switchRole(s->key, s->userId, s->id, req.role, limitsFor(s->app, s->scene));
    if (!result.ok()) return replyError(c, id, result.error());
    s->privileges = privileges;
    bool changed = s->scene == room::Scene::kLive && s->role != req.role;
    if (s->scene == room::Scene::kLive) s->role = req.role;
    reply(c, id);
    deliver(*result);
    share(*s);
    if (changed) notify(RoomActivity::Kind::kRoleChanged, s->key, s->userId, s->role);
  }

  void customMessage(Connection& c, std::optional<int64_t> id, const SendCustomMessageReq& req) {
    Session* s = sessionOf(c);
    if (!s) return replyError(c, id, makeError("INVALID_STATE", "not in a room"));
    auto decoded = crypto::base64Decode(req.data);
    if (!decoded) return replyError(c, id, makeError("INVALID_PARAMETER", "data must be standard base64"));
    if (decoded->size() > limits.customMessageMaxBytes)
      return replyError(c, id, makeError("INVALID_PARAMETER", "data must decode to at most 1000 bytes"));
    if (s->role != room::Role::kAnchor)
      return replyError(c, id, makeError("PERMISSION_DENIED", "only anchors may send custom messages"));
    int64_t t = now();
    // Check both budgets before taking from either, so a refused message costs nothing.
    if (s->customCount.available(t) < 1 || s->customBytes.available(t) < static_cast<double>(decoded->size()))
      return replyError(c, id, makeError("RATE_LIMITED", "custom message limit: 30 messages and 8 KB per second"));
    s->customCount.tryTake(t);
    s->customBytes.tryTake(t, static_cast<double>(decoded->size()));
    auto result = rooms.customMessage(s->key, s->userId, s->id, req.cmdId, req.data);
    if (!result.ok()) return replyError(c, id, result.error());
    reply(c, id, nlohmann::json{{"seq", result->first}}.dump());
    deliver(result->second);
  }

  void qualityReport(Connection& c, std::optional<int64_t> id, QualityReq& req) {
    Session* s = sessionOf(c);
    if (!s) return replyError(c, id, makeError("INVALID_STATE", "not in a room"));
    // Too frequent: dropped and counted, not an error the client must handle (its timer slipped).
    if (!s->qualityReports.tryTake(now())) {
      ++stats.qualityDropped;
      return reply(c, id);
    }
    reply(c, id);
    if (quality) quality->onQuality({s->key, s->userId, clock.wallMs(), std::move(req.entries)});
  }
};


}  // namespace atrium::signal
