// RoomDirectory: the control plane's record of which sessions are in which room, and the
// rules for entering, leaving, role changes and messages. Pure: no sockets, no clock, no I/O.
// Every operation returns the deliveries (who must be told what) as values; the signaling layer
// turns them into wire events. A later issue pins each room's media to a worker: `Room::worker`.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "base/ids.h"
#include "base/result.h"

namespace atrium::room {

using SessionId = uint64_t;

enum class Role { kAnchor, kAudience };
enum class Scene { kRtc, kLive };
enum class ExitReason { kNormal = 0, kTimeout = 1, kKicked = 2, kRoleChange = 3 };
enum class KickReason { kKick, kBanned, kRoomDisband };

const char* roleName(Role r);
const char* sceneName(Scene s);
const char* kickReasonName(KickReason r);

// Events a session is told about.
struct UserEntered { std::string userId; Role role; };
struct UserExited { std::string userId; ExitReason reason; };
struct KickedOut { KickReason reason; };
struct CustomMessage { std::string userId; uint32_t cmdId; uint64_t seq; std::string data; };
// A publisher's stream ("audio", "main" camera, "sub" screen share) became (un)available.
struct StreamChanged { std::string userId; std::string stream; bool available; };
// One of the session's own media connections ("publish" | "subscribe") died on the server (its
// DTLS session failed): the client must build it anew (new ICE and DTLS).
struct MediaFailed { std::string connection; std::string reason; };
using RoomEvent = std::variant<UserEntered, UserExited, KickedOut, CustomMessage, StreamChanged, MediaFailed>;

struct Delivery {
  SessionId to;
  RoomEvent event;
};
using Deliveries = std::vector<Delivery>;

// Limits that apply to one entry, already merged from scene maxima and the app's quotas.
struct RoomLimits {
  uint32_t maxUsers = 300;       // per room, scene cap or app's lower cap
  uint32_t maxAnchors = 50;      // anchors (publishers) per room in live
  uint32_t maxRoomsPerApp = 0;   // concurrent rooms of the app; 0 = unlimited
};

struct Member {
  SessionId session;
  std::string userId;
  Role role;
  uint64_t customSeq = 0;  // last custom-message seq this member sent in this room
};

struct Room {
  base::RoomKey key;
  Scene scene;
  uint32_t worker = 0;   // media worker this room is pinned to (assigned at creation)
  std::map<std::string, Member> members;  // by userId
  uint32_t anchorCount() const;
};

struct EnterRequest {
  base::RoomKey key;
  std::string userId;
  Role role;
  Scene scene;
  SessionId session;
};

struct EnterResult {
  std::optional<SessionId> kicked;   // earlier session of the same userId, now removed
  std::vector<UserEntered> visible;  // users the new member may see
  Deliveries deliveries;             // what others must be told
  bool createdRoom = false;
};

// Error codes (base::Error::code): the signaling layer maps them to protocol errors.
inline constexpr const char* kErrSceneMismatch = "SCENE_MISMATCH";
inline constexpr const char* kErrRoomFull = "ROOM_FULL";
inline constexpr const char* kErrRoomLimit = "ROOM_LIMIT";
inline constexpr const char* kErrPublisherLimit = "PUBLISHER_LIMIT";
inline constexpr const char* kErrNotAnchor = "PERMISSION_DENIED";
inline constexpr const char* kErrInvalidRole = "INVALID_PARAMETER";
inline constexpr const char* kErrNotMember = "INVALID_STATE";

class RoomDirectory {
 public:
  explicit RoomDirectory(uint32_t workerCount = 1) : workerCount_(workerCount ? workerCount : 1) {}

  bool roomExists(const base::RoomKey& key) const { return rooms_.count(key) != 0; }
  base::Result<EnterResult> enter(const EnterRequest& request, const RoomLimits& limits);
  // Removes the session's member (if it is still the member for userId). Destroys empty rooms.
  Deliveries leave(const base::RoomKey& key, const std::string& userId, SessionId session, ExitReason reason);
  base::Result<Deliveries> switchRole(const base::RoomKey& key, const std::string& userId, SessionId session,
                                      Role role, const RoomLimits& limits);
  // Returns the message's per-sender seq and the deliveries to every other member.
  base::Result<std::pair<uint64_t, Deliveries>> customMessage(const base::RoomKey& key, const std::string& userId,
                                                              SessionId session, uint32_t cmdId, std::string data);
  // Dismisses a room: every member is kicked with kRoomDisband; returns their deliveries.
  Deliveries dismiss(const base::RoomKey& key);
  // Removes one user with kBanned (server API RemoveUser).
  Deliveries removeUser(const base::RoomKey& key, const std::string& userId);
  // Users of a room as `viewer` may see them (visibility rules of the scene).
  std::vector<UserEntered> visibleTo(const Room& room, const std::string& viewer) const;

  const Room* find(const base::RoomKey& key) const;
  size_t roomCount() const { return rooms_.size(); }
  size_t roomCount(uint32_t sdkAppId) const;
  const std::map<base::RoomKey, Room>& rooms() const { return rooms_; }

 private:
  Deliveries announceExit(const Room& room, const Member& leaver, ExitReason reason) const;
  Deliveries announceEnter(const Room& room, const Member& newcomer) const;
  void eraseIfEmpty(std::map<base::RoomKey, Room>::iterator it);

  std::map<base::RoomKey, Room> rooms_;
  std::map<uint32_t, size_t> roomsPerApp_;
  uint32_t workerCount_;
  uint32_t nextWorker_ = 0;
};

}  // namespace atrium::room
