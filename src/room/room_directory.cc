#include "room/room_directory.h"

namespace atrium::room {
namespace {

// In live only anchors are announced; in rtc everybody is.
bool isAnnounced(Scene scene, Role role) { return scene == Scene::kRtc || role == Role::kAnchor; }

}  // namespace

const char* roleName(Role r) { return r == Role::kAnchor ? "anchor" : "audience"; }
const char* sceneName(Scene s) { return s == Scene::kRtc ? "rtc" : "live"; }
const char* kickReasonName(KickReason r) {
  switch (r) {
    case KickReason::kKick: return "kick";
    case KickReason::kBanned: return "banned";
    case KickReason::kRoomDisband: return "room_disband";
  }
  return "kick";
}

uint32_t Room::anchorCount() const {
  uint32_t n = 0;
  for (const auto& [id, m] : members) n += m.role == Role::kAnchor ? 1 : 0;
  return n;
}

const Room* RoomDirectory::find(const base::RoomKey& key) const {
  auto it = rooms_.find(key);
  return it == rooms_.end() ? nullptr : &it->second;
}

size_t RoomDirectory::roomCount(uint32_t sdkAppId) const {
  auto it = roomsPerApp_.find(sdkAppId);
  return it == roomsPerApp_.end() ? 0 : it->second;
}

std::vector<UserEntered> RoomDirectory::visibleTo(const Room& room, const std::string& viewer) const {
  std::vector<UserEntered> out;
  for (const auto& [id, m] : room.members)
    if (id != viewer && isAnnounced(room.scene, m.role)) out.push_back({id, m.role});
  return out;
}

Deliveries RoomDirectory::announceEnter(const Room& room, const Member& newcomer) const {
  Deliveries out;
  if (!isAnnounced(room.scene, newcomer.role)) return out;
  for (const auto& [id, m] : room.members)
    if (m.session != newcomer.session) out.push_back({m.session, UserEntered{newcomer.userId, newcomer.role}});
  return out;
}

Deliveries RoomDirectory::announceExit(const Room& room, const Member& leaver, ExitReason reason) const {
  Deliveries out;
  if (!isAnnounced(room.scene, leaver.role)) return out;
  for (const auto& [id, m] : room.members)
    if (m.session != leaver.session) out.push_back({m.session, UserExited{leaver.userId, reason}});
  return out;
}

void RoomDirectory::eraseIfEmpty(std::map<base::RoomKey, Room>::iterator it) {
  if (!it->second.members.empty()) return;
  auto app = roomsPerApp_.find(it->first.sdkAppId);
  if (app != roomsPerApp_.end() && --app->second == 0) roomsPerApp_.erase(app);
  rooms_.erase(it);
}

base::Result<EnterResult> RoomDirectory::enter(const EnterRequest& req, const RoomLimits& limits) {
  // In rtc every participant may publish: the role is always anchor (TRTC semantics).
  Role role = req.scene == Scene::kRtc ? Role::kAnchor : req.role;
  auto it = rooms_.find(req.key);
  EnterResult result;
  if (it == rooms_.end()) {
    if (limits.maxRoomsPerApp != 0 && roomCount(req.key.sdkAppId) >= limits.maxRoomsPerApp)
      return base::makeError(kErrRoomLimit, "the application has reached its maximum number of concurrent rooms");
    Room room{req.key, req.scene, nextWorker_++ % workerCount_, {}};
    it = rooms_.emplace(req.key, std::move(room)).first;
    ++roomsPerApp_[req.key.sdkAppId];
    result.createdRoom = true;
  } else if (it->second.scene != req.scene) {
    return base::makeError(kErrSceneMismatch, std::string("the room exists with scene ") + sceneName(it->second.scene));
  }
  Room& room = it->second;
  auto existing = room.members.find(req.userId);
  bool replacing = existing != room.members.end();
  size_t othersCount = room.members.size() - (replacing ? 1 : 0);
  if (othersCount >= limits.maxUsers) {
    if (result.createdRoom) eraseIfEmpty(it);
    return base::makeError(kErrRoomFull, "the room is full");
  }
  if (role == Role::kAnchor && req.scene == Scene::kLive) {
    uint32_t anchors = room.anchorCount() - (replacing && existing->second.role == Role::kAnchor ? 1 : 0);
    if (anchors >= limits.maxAnchors) {
      if (result.createdRoom) eraseIfEmpty(it);
      return base::makeError(kErrPublisherLimit, "the room already has the maximum number of anchors");
    }
  }
  if (replacing) {
    Member old = existing->second;
    result.kicked = old.session;
    result.deliveries.push_back({old.session, KickedOut{KickReason::kKick}});
    room.members.erase(existing);
    auto exits = announceExit(room, old, ExitReason::kKicked);
    result.deliveries.insert(result.deliveries.end(), exits.begin(), exits.end());
  }
  Member member{req.session, req.userId, role, 0};
  room.members.emplace(req.userId, member);
  auto enters = announceEnter(room, member);
  result.deliveries.insert(result.deliveries.end(), enters.begin(), enters.end());
  result.visible = visibleTo(room, req.userId);
  return result;
}

Deliveries RoomDirectory::leave(const base::RoomKey& key, const std::string& userId, SessionId session,
                                ExitReason reason) {
  auto it = rooms_.find(key);
  if (it == rooms_.end()) return {};
  auto m = it->second.members.find(userId);
  if (m == it->second.members.end() || m->second.session != session) return {};
  Member leaver = m->second;
  it->second.members.erase(m);
  Deliveries out = announceExit(it->second, leaver, reason);
  eraseIfEmpty(it);
  return out;
}

base::Result<Deliveries> RoomDirectory::switchRole(const base::RoomKey& key, const std::string& userId,
                                                   SessionId session, Role role, const RoomLimits& limits) {
  auto it = rooms_.find(key);
  if (it == rooms_.end()) return base::makeError(kErrNotMember, "not in a room");
  Room& room = it->second;
  auto m = room.members.find(userId);
  if (m == room.members.end() || m->second.session != session) return base::makeError(kErrNotMember, "not in a room");
  if (room.scene == Scene::kRtc) {
    if (role == Role::kAudience) return base::makeError(kErrInvalidRole, "the audience role exists only in the live scene");
    return Deliveries{};
  }
  Member& member = m->second;
  if (member.role == role) return Deliveries{};
  if (role == Role::kAnchor && room.anchorCount() >= limits.maxAnchors)
    return base::makeError(kErrPublisherLimit, "the room already has the maximum number of anchors");
  if (role == Role::kAnchor) {
    member.role = role;
    return announceEnter(room, member);
  }
  Deliveries out = announceExit(room, member, ExitReason::kRoleChange);
  member.role = role;
  return out;
}

base::Result<std::pair<uint64_t, Deliveries>> RoomDirectory::customMessage(const base::RoomKey& key,
                                                                          const std::string& userId, SessionId session,
                                                                          uint32_t cmdId, std::string data) {
  auto it = rooms_.find(key);
  if (it == rooms_.end()) return base::makeError(kErrNotMember, "not in a room");
  auto m = it->second.members.find(userId);
  if (m == it->second.members.end() || m->second.session != session) return base::makeError(kErrNotMember, "not in a room");
  if (m->second.role != Role::kAnchor) return base::makeError(kErrNotAnchor, "only anchors may send custom messages");
  uint64_t seq = ++m->second.customSeq;
  Deliveries out;
  for (const auto& [id, other] : it->second.members)
    if (other.session != session) out.push_back({other.session, CustomMessage{userId, cmdId, seq, data}});
  return std::pair{seq, std::move(out)};
}

Deliveries RoomDirectory::dismiss(const base::RoomKey& key) {
  auto it = rooms_.find(key);
  if (it == rooms_.end()) return {};
  Deliveries out;
  for (const auto& [id, m] : it->second.members) out.push_back({m.session, KickedOut{KickReason::kRoomDisband}});
  it->second.members.clear();
  eraseIfEmpty(it);
  return out;
}

Deliveries RoomDirectory::removeUser(const base::RoomKey& key, const std::string& userId) {
  auto it = rooms_.find(key);
  if (it == rooms_.end()) return {};
  auto m = it->second.members.find(userId);
  if (m == it->second.members.end()) return {};
  Member leaver = m->second;
  it->second.members.erase(m);
  Deliveries out{{leaver.session, KickedOut{KickReason::kBanned}}};
  auto exits = announceExit(it->second, leaver, ExitReason::kKicked);
  out.insert(out.end(), exits.begin(), exits.end());
  eraseIfEmpty(it);
  return out;
}

}  // namespace atrium::room
