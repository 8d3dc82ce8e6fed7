#include "signal/signaling_service.h"

#include "signal/service_impl.h"

namespace atrium::signal {
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

base::Result<AppInfo> SignalingService::Impl::activeApp(uint32_t sdkAppId) {
  auto app = apps.findApp(sdkAppId);
  if (!app.ok()) {
    base::log::error("app lookup failed: {}", app.error().message);
    return makeError("INTERNAL", "application lookup failed");
  }
  if (!app->has_value()) return makeError("APP_NOT_FOUND", "no application with this sdkAppId");
  if (!(*app)->active) return makeError("APP_DISABLED", "the application is disabled");
  return **app;
}

base::Result<std::pair<AppInfo, uint32_t>> SignalingService::Impl::admit(const EnterRoomReq& req,
                                                                        const base::RoomKey& key) {
  if (req.sdkAppId == 0 || req.sdkAppId > UINT32_MAX)
    return makeError("INVALID_PARAMETER", "sdkAppId must be 1..4294967295");
  if (!base::isValidUserId(req.userId))
    return makeError("INVALID_USER_ID", "userId must be 1..32 bytes of A-Z a-z 0-9 _ -");
  auto app = activeApp(key.sdkAppId);
  if (!app.ok()) return app.error();
  const AppInfo& info = *app;
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

// Refusals a change made a moment ago by another process explains (a new app, an app enabled
// again, a rotated key): worth a fresh read of the app before they are final.
static bool mayBeStale(const std::string& code) {
  return code == "APP_NOT_FOUND" || code == "APP_DISABLED" || code == "USERSIG_BAD_SIGNATURE" ||
         code == "PRIVMAPKEY_BAD_SIGNATURE";
}

void SignalingService::Impl::enterRoom(Connection& c, std::optional<int64_t> id, const EnterRoomReq& req,
                                       bool rechecked) {
  auto fail = [&](const base::Error& e, const std::string& room) {
    recordEntry(c, req, room, &e);
    replyError(c, id, e);
  };
  if (c.session) return fail(makeError("INVALID_STATE", "already in a room; call exitRoom first"), "");
  if (!rechecked && !ips.at(c.ip).entries.tryTake(now()))
    return fail(makeError("RATE_LIMITED", "too many entry attempts from this address"), "");
  auto roomId = base::makeRoomId(req.roomId, req.strRoomId);
  if (!roomId.ok()) return fail(roomId.error(), "");
  base::RoomKey key{static_cast<uint32_t>(req.sdkAppId), *roomId};
  std::string roomName = roomId->display();
  if (sessions.size() >= limits.maxSessions) return fail(makeError("OVERLOADED", "server is at capacity"), roomName);
  auto admitted = admit(req, key);
  if (!admitted.ok()) {
    // Answered later, after the source read the app again; by then the client may be gone.
    if (!rechecked && mayBeStale(admitted.error().code) &&
        apps.recheck(key.sdkAppId, [this, conn = c.id, id, req] {
          auto again = conns.find(conn);
          if (again != conns.end() && !again->second.closing) enterRoom(again->second, id, req, /*rechecked=*/true);
        }))
      return;
    return fail(admitted.error(), roomName);
  }
  auto& [app, privileges] = *admitted;
  if (observer && !observer->acceptsActivity(app))
    return fail(makeError("OVERLOADED", "room events cannot be recorded right now; try again later"), roomName);
  auto started = startSession(c, id, {key, req.userId, req.role, req.scene, app, privileges, {}, {}, 0, false});
  recordEntry(c, req, roomName, started.ok() ? nullptr : &started.error());
  if (!started.ok()) replyError(c, id, started.error());
}

base::Status SignalingService::Impl::startSession(Connection& c, std::optional<int64_t> id, NewSession n) {
  SessionId sid = nextSession++;
  std::optional<room::Role> replacedRole;
  if (const room::Room* before = rooms.find(n.key))
    if (auto m = before->members.find(n.userId); m != before->members.end()) replacedRole = m->second.role;
  auto entered = rooms.enter({n.key, n.userId, n.role, n.scene, sid}, limitsFor(n.app, n.scene));
  if (!entered.ok()) return entered.error();
  if (entered->createdRoom) notify(RoomActivity::Kind::kRoomCreated, n.key, n.userId);
  if (replacedRole) notify(RoomActivity::Kind::kUserExited, n.key, n.userId, *replacedRole, room::ExitReason::kKicked);

  const room::Room* r = rooms.find(n.key);
  room::Role role = r->members.at(n.userId).role;
  Session s{sid,
            n.publicId.empty() ? crypto::randomHex(16) : n.publicId,
            n.resumeToken.empty() ? crypto::randomHex(32) : n.resumeToken,
            n.key,
            n.userId,
            role,
            n.scene,
            n.app,
            n.privileges,
            c.id,
            0,
            n.lastSeq,
            {},
            base::TokenBucket(limits.customMessagesPerSecond, limits.customMessagesPerSecond),
            base::TokenBucket(limits.customBytesPerSecond, limits.customBytesPerSecond),
            {}};
  c.session = sid;
  sink.authenticated(c.id);
  sessionsByPublicId[s.publicId] = sid;
  // A session taken over lost its event buffer and its media connections with the old process.
  std::string data = enteredData(s, std::move(entered->visible), n.takenOver, n.takenOver);
  share(s);
  sessions.emplace(sid, std::move(s));
  base::log::info("user {} {} room {} of app {} from {}", base::MaskedUser{n.userId},
                  n.takenOver ? "resumed (session taken over) in" : "entered", n.key.room.display(), n.key.sdkAppId,
                  base::MaskedIp{c.ip});
  reply(c, id, data);
  deliver(entered->deliveries);
  tellExistingStreams(sessions.at(sid));
  notify(RoomActivity::Kind::kUserEntered, n.key, n.userId, role, room::ExitReason::kNormal, base::maskIp(c.ip));
  return base::Ok{};
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
  if (impl_->shared && t - impl_->lastKeepAliveMs >= kSharedKeepAliveMs) {
    impl_->lastKeepAliveMs = t;
    std::vector<std::string> live;
    live.reserve(impl_->sessions.size());
    for (const auto& [id, s] : impl_->sessions) live.push_back(s.publicId);
    if (!live.empty()) impl_->shared->keepAlive(std::move(live));
  }
  // Forget idle per-IP state whose bucket has refilled, so the map stays bounded.
  std::erase_if(impl_->ips, [&](auto& kv) {
    return kv.second.connections == 0 && kv.second.entries.available(t) >= l.entryBurstPerIp;
  });
}

void SignalingService::setObserver(RoomObserver* observer) { impl_->observer = observer; }
void SignalingService::setMedia(MediaControl* media) { impl_->media = media; }
void SignalingService::setSessionStore(SessionStore* store) { impl_->shared = store; }
void SignalingService::announceActiveSpeaker(const base::RoomKey& key, const std::string& userId) {
  const room::Room* r = impl_->rooms.find(key);
  if (!r || !r->members.count(userId)) return;  // left meanwhile
  std::string text = encodeActiveSpeaker(userId);
  for (const auto& [id, member] : r->members) {
    auto s = impl_->sessions.find(member.session);
    if (s != impl_->sessions.end() && s->second.conn) impl_->sink.send(*s->second.conn, text);
  }
}

void SignalingService::setQualitySink(QualitySink* sink) { impl_->quality = sink; }

void SignalingService::mediaConnectionFailed(room::SessionId session, MediaConnection connection, const std::string& reason) {
  impl_->mediaFailed(session, connection, reason);
}

#ifdef ATRIUM_TEST_HOOKS
void SignalingService::allowTestRequestsForTest(bool allow) { impl_->testRequests = allow; }
#endif

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
