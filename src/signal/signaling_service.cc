#include "signal/signaling_service.h"

#include <nlohmann/json.hpp>

#include "auth/ticket.h"
#include "base/log.h"
#include "base/mask.h"
#include "crypto/crypto.h"
#include "signal/errors.h"

namespace atrium::signal {
namespace {

using base::makeError;
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
};

struct IpState {
  size_t connections = 0;
  base::TokenBucket entries;
};

}  // namespace

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

  void notify(RoomActivity::Kind kind, const base::RoomKey& key, std::string userId = {},
              room::Role role = room::Role::kAnchor, room::ExitReason reason = room::ExitReason::kNormal,
              std::string maskedIp = {}) {
    if (!observer) return;
    observer->onRoomActivity(RoomActivity{kind, clock.wallMs(), key, std::move(userId), role, reason, std::move(maskedIp)});
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
      if (std::holds_alternative<room::KickedOut>(d.event)) endSession(d.to);
    }
  }

  // Forgets a session whose member has already left the room; its connection may enter again.
  void endSession(SessionId id) {
    auto it = sessions.find(id);
    if (it == sessions.end()) return;
    if (it->second.conn) {
      auto c = conns.find(*it->second.conn);
      if (c != conns.end()) {
        c->second.session.reset();
        c->second.unauthSinceMs = now();
      }
    }
    sessionsByPublicId.erase(it->second.publicId);
    sessions.erase(it);
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

  std::string enteredData(const Session& s, std::vector<room::UserEntered> users, bool eventsLost = false) const {
    return encodeEnteredData({s.publicId, s.resumeToken, s.key.room, s.scene, s.role, std::move(users),
                              limits.heartbeatIntervalMs, limits.sessionGraceMs, clock.wallMs(), eventsLost});
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
          else reply(c, req.id, nlohmann::json{{"serverTime", clock.wallMs()}}.dump());
        },
        req.body);
  }

  void enterRoom(Connection& c, std::optional<int64_t> id, const EnterRoomReq& req);
  base::Result<std::pair<AppInfo, uint32_t>> admit(const EnterRoomReq& req, const base::RoomKey& key);
  void recordEntry(const Connection& c, const EnterRoomReq& req, const std::string& room, const base::Error* error);

  void resume(Connection& c, std::optional<int64_t> id, const ResumeReq& req) {
    if (c.session) return replyError(c, id, makeError("INVALID_STATE", "this connection is already in a room"));
    if (!ips.at(c.ip).entries.tryTake(now())) return replyError(c, id, makeError("RATE_LIMITED", "too many entry attempts from this address"));
    auto found = sessionsByPublicId.find(req.sessionId);
    if (found == sessionsByPublicId.end())
      return replyError(c, id, makeError("SESSION_NOT_FOUND", "no resumable session with this id"));
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
};

void SignalingService::Impl::recordEntry(const Connection& c, const EnterRoomReq& req, const std::string& room,
                                         const base::Error* error) {
  EntryRecord rec;
  rec.timeMs = clock.wallMs();
  rec.sdkAppId = req.sdkAppId <= UINT32_MAX ? static_cast<uint32_t>(req.sdkAppId) : 0;
  rec.room = room;
  rec.maskedUserId = base::maskUserId(req.userId);
  rec.maskedIp = base::maskIp(c.ip);
  rec.success = error == nullptr;
  rec.cause = error ? causeName(protocolError(error->code).cause) : "none";
  rec.errorCode = error ? error->code : "";
  if (error) ++stats.entriesFailed;
  else ++stats.entriesOk;
  entries.recordEntry(rec);
}

base::Result<std::pair<AppInfo, uint32_t>> SignalingService::Impl::admit(const EnterRoomReq& req,
                                                                        const base::RoomKey& key) {
  if (req.sdkAppId == 0 || req.sdkAppId > UINT32_MAX)
    return makeError("INVALID_PARAMETER", "sdkAppId must be 1..4294967295");
  if (!base::isValidUserId(req.userId))
    return makeError("INVALID_USER_ID", "userId must be 1..32 bytes of A-Z a-z 0-9 _ -");
  auto app = apps.findApp(key.sdkAppId);
  if (!app.ok()) {
    base::log::error("app lookup failed: {}", app.error().message);
    return makeError("INTERNAL", "application lookup failed");
  }
  if (!app->has_value()) return makeError("APP_NOT_FOUND", "no application with this sdkAppId");
  const AppInfo& info = **app;
  if (!info.active) return makeError("APP_DISABLED", "the application is disabled");
  int64_t nowSec = clock.unixSeconds();
  auto sig = auth::verifyUserSig(req.userSig, key.sdkAppId, info.secretKey, req.userId, nowSec, limits.clockSkewSeconds);
  if (!sig.ok()) return sig.error();
  uint32_t privileges = auth::kPrivAll;
  if (info.advancedPermission) {
    if (req.privateMapKey.empty()) return makeError(std::string(auth::kPmkMissing), "this application requires a privateMapKey");
    uint32_t required = auth::kPrivEnterRoom | (rooms.roomExists(key) ? 0u : static_cast<uint32_t>(auth::kPrivCreateRoom));
    auto grant = auth::verifyPrivateMapKey(req.privateMapKey, key.sdkAppId, info.secretKey, req.userId, key.room,
                                           required, nowSec, limits.clockSkewSeconds);
    if (!grant.ok()) return grant.error();
    privileges = grant->privileges;
  }
  return std::pair{info, privileges};
}

void SignalingService::Impl::enterRoom(Connection& c, std::optional<int64_t> id, const EnterRoomReq& req) {
  auto fail = [&](const base::Error& e, const std::string& room) {
    recordEntry(c, req, room, &e);
    replyError(c, id, e);
  };
  if (c.session) return fail(makeError("INVALID_STATE", "already in a room; call exitRoom first"), "");
  if (!ips.at(c.ip).entries.tryTake(now()))
    return fail(makeError("RATE_LIMITED", "too many entry attempts from this address"), "");
  auto roomId = base::makeRoomId(req.roomId, req.strRoomId);
  if (!roomId.ok()) return fail(roomId.error(), "");
  base::RoomKey key{static_cast<uint32_t>(req.sdkAppId), *roomId};
  std::string roomName = roomId->display();
  if (sessions.size() >= limits.maxSessions) return fail(makeError("OVERLOADED", "server is at capacity"), roomName);
  auto admitted = admit(req, key);
  if (!admitted.ok()) return fail(admitted.error(), roomName);
  auto& [app, privileges] = *admitted;

  SessionId sid = nextSession++;
  std::optional<room::Role> replacedRole;
  if (const room::Room* before = rooms.find(key))
    if (auto m = before->members.find(req.userId); m != before->members.end()) replacedRole = m->second.role;
  auto entered = rooms.enter({key, req.userId, req.role, req.scene, sid}, limitsFor(app, req.scene));
  if (!entered.ok()) return fail(entered.error(), roomName);
  if (entered->createdRoom) notify(RoomActivity::Kind::kRoomCreated, key, req.userId);
  if (replacedRole) notify(RoomActivity::Kind::kUserExited, key, req.userId, *replacedRole, room::ExitReason::kKicked);

  const room::Room* r = rooms.find(key);
  Session s{sid,
            crypto::randomHex(16),
            crypto::randomHex(32),
            key,
            req.userId,
            r->members.at(req.userId).role,
            req.scene,
            app,
            privileges,
            c.id,
            0,
            0,
            {},
            base::TokenBucket(limits.customMessagesPerSecond, limits.customMessagesPerSecond),
            base::TokenBucket(limits.customBytesPerSecond, limits.customBytesPerSecond)};
  c.session = sid;
  sessionsByPublicId[s.publicId] = sid;
  std::string data = enteredData(s, std::move(entered->visible));
  sessions.emplace(sid, std::move(s));
  recordEntry(c, req, roomName, nullptr);
  base::log::info("user {} entered room {} of app {} from {}", base::MaskedUser{req.userId}, roomName, key.sdkAppId,
                  base::MaskedIp{c.ip});
  reply(c, id, data);
  deliver(entered->deliveries);
  notify(RoomActivity::Kind::kUserEntered, key, req.userId, r->members.at(req.userId).role, room::ExitReason::kNormal,
         base::maskIp(c.ip));
}

SignalingService::SignalingService(SignalingLimits limits, base::Clock& clock, ConnectionSink& sink, AppSource& apps,
                                   EntryRecorder& entries, uint32_t mediaWorkers)
    : impl_(std::make_unique<Impl>(limits, clock, sink, apps, entries, mediaWorkers)) {}

SignalingService::~SignalingService() = default;

bool SignalingService::onOpen(ConnId conn, std::string ip) {
  auto& state = impl_->ips.try_emplace(ip, IpState{0, base::TokenBucket(impl_->limits.entriesPerIpPerSecond,
                                                                         impl_->limits.entryBurstPerIp)})
                    .first->second;
  if (state.connections >= impl_->limits.maxConnectionsPerIp) {
    ++impl_->stats.connectionsRefused;
    return false;
  }
  ++state.connections;
  int64_t t = impl_->now();
  impl_->conns.emplace(conn, Connection{conn, std::move(ip), std::nullopt, t, t,
                                        base::TokenBucket(impl_->limits.messagesPerSecond, impl_->limits.messageBurst), 0,
                                        false});
  return true;
}

void SignalingService::onText(ConnId conn, std::string_view text) {
  auto it = impl_->conns.find(conn);
  if (it == impl_->conns.end() || it->second.closing) return;
  Connection& c = it->second;
  c.lastActivityMs = impl_->now();
  if (text.size() > impl_->limits.maxMessageBytes)
    return impl_->replyError(c, std::nullopt, makeError("MESSAGE_TOO_LARGE", "message exceeds max_message_bytes"));
  auto parsed = parseRequest(text);
  if (auto* failure = std::get_if<ParseFailure>(&parsed)) return impl_->replyError(c, failure->id, failure->error);
  Request& req = std::get<Request>(parsed);
  if (!c.rate.tryTake(impl_->now()))
    return impl_->replyError(c, req.id, makeError("RATE_LIMITED", "too many messages on this connection"));
  impl_->handle(c, req);
}

void SignalingService::onBinary(ConnId conn) {
  auto it = impl_->conns.find(conn);
  if (it == impl_->conns.end() || it->second.closing) return;
  Connection& c = it->second;
  c.lastActivityMs = impl_->now();
  impl_->sink.send(c.id, encodeErrorEvent(makeError("BINARY_NOT_SUPPORTED", "binary frames are not part of the protocol")));
  impl_->countBad(c);
}

void SignalingService::onActivity(ConnId conn) {
  auto it = impl_->conns.find(conn);
  if (it != impl_->conns.end()) it->second.lastActivityMs = impl_->now();
}

void SignalingService::onClose(ConnId conn) {
  auto it = impl_->conns.find(conn);
  if (it == impl_->conns.end()) return;
  if (auto s = impl_->sessions.find(it->second.session.value_or(0)); s != impl_->sessions.end()) {
    // Keep the session for the grace period so a reconnect can resume it.
    s->second.conn.reset();
    s->second.disconnectedAtMs = impl_->now();
  }
  auto ip = impl_->ips.find(it->second.ip);
  if (ip != impl_->ips.end() && --ip->second.connections == 0 &&
      ip->second.entries.available(impl_->now()) >= impl_->limits.entryBurstPerIp)
    impl_->ips.erase(ip);
  impl_->conns.erase(it);
}

void SignalingService::tick() {
  int64_t t = impl_->now();
  const auto& l = impl_->limits;
  for (auto& [id, c] : impl_->conns) {
    if (c.closing) continue;
    if (!c.session && t - c.unauthSinceMs > l.authTimeoutMs) impl_->closeConn(c, kCloseAuthTimeout, "authentication timeout");
    else if (t - c.lastActivityMs > 3 * l.heartbeatIntervalMs) impl_->closeConn(c, kCloseHeartbeatTimeout, "heartbeat timeout");
  }
  std::vector<SessionId> expired;
  for (const auto& [id, s] : impl_->sessions)
    if (!s.conn && t - s.disconnectedAtMs > l.sessionGraceMs) expired.push_back(id);
  for (SessionId id : expired) impl_->leaveAndEnd(id, room::ExitReason::kTimeout);
  // Forget idle per-IP state whose bucket has refilled, so the map stays bounded.
  std::erase_if(impl_->ips, [&](auto& kv) {
    return kv.second.connections == 0 && kv.second.entries.available(t) >= l.entryBurstPerIp;
  });
}

void SignalingService::setObserver(RoomObserver* observer) { impl_->observer = observer; }

size_t SignalingService::dismissRoom(const base::RoomKey& key) {
  const room::Room* r = impl_->rooms.find(key);
  if (!r) return 0;
  std::vector<std::pair<std::string, room::Role>> members;
  for (const auto& [id, m] : r->members) members.emplace_back(id, m.role);
  impl_->deliver(impl_->rooms.dismiss(key));
  for (const auto& [userId, role] : members)
    impl_->notify(RoomActivity::Kind::kUserExited, key, userId, role, room::ExitReason::kKicked);
  impl_->notify(RoomActivity::Kind::kRoomDestroyed, key, members.empty() ? "" : members.back().first);
  base::log::info("room {} of app {} dismissed by the server ({} users)", key.room.display(), key.sdkAppId, members.size());
  return members.size();
}

bool SignalingService::removeUser(const base::RoomKey& key, const std::string& userId) {
  const room::Room* r = impl_->rooms.find(key);
  if (!r) return false;
  auto m = r->members.find(userId);
  if (m == r->members.end()) return false;
  room::Role role = m->second.role;
  impl_->deliver(impl_->rooms.removeUser(key, userId));
  impl_->notifyExit(key, userId, role, room::ExitReason::kKicked);
  base::log::info("user {} removed from room {} of app {} by the server", base::MaskedUser{userId}, key.room.display(),
                  key.sdkAppId);
  return true;
}

const room::RoomDirectory& SignalingService::rooms() const { return impl_->rooms; }
const SignalingStats& SignalingService::stats() const { return impl_->stats; }
size_t SignalingService::connectionCount() const { return impl_->conns.size(); }
size_t SignalingService::sessionCount() const { return impl_->sessions.size(); }

}  // namespace atrium::signal
