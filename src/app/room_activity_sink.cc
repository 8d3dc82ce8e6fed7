#include "app/room_activity_sink.h"

#include <algorithm>
#include <charconv>
#include <map>

#include "base/log.h"

namespace atrium::app {
namespace {

int roleCode(room::Role r) { return r == room::Role::kAnchor ? store::kRoleCodeAnchor : store::kRoleCodeAudience; }

// Callback Reason of EXIT_ROOM (trtc-compat §6): 1 normal, 2 timeout, 3 removed from the room.
int exitReasonCode(room::ExitReason r) {
  switch (r) {
    case room::ExitReason::kTimeout: return 2;
    case room::ExitReason::kKicked: return 3;
    default: return 1;
  }
}

// DescribeUserEvent ParamOne of an exit (TRTC's event 7001): 0 normal, 1 timed out, 2 kicked.
int64_t exitParam(room::ExitReason r) {
  switch (r) {
    case room::ExitReason::kTimeout: return store::kExitParamTimeout;
    case room::ExitReason::kKicked: return store::kExitParamKicked;
    default: return store::kExitParamNormal;
  }
}

// DescribeUserEvent ids of stream changes, from TRTC's Event ID Mapping Table: 3001 microphone
// (0 started capturing, 2 capturing disabled) and 4006 video upstream (0 enabled, 1 disabled).
// The table has no screen-share event; 9002 is Atrium's own (0 started, 1 stopped).
std::pair<int, int64_t> streamEvent(const std::string& stream, bool start) {
  if (stream == "audio") return {3001, start ? 0 : 2};
  if (stream == "sub") return {9002, start ? 0 : 1};
  return {4006, start ? 0 : 1};
}

std::string roomText(const base::RoomKey& key) { return key.room.isString() ? key.room.str : std::to_string(key.room.numeric); }

}  // namespace

void RoomActivitySink::publish(std::vector<store::ControlWrite>& out, int eventType, const signal::RoomActivity& a,
                               std::optional<int> role, std::optional<int> reason) {
  // Whether the app wants it (active, with a callback URL) is decided as the batch is written,
  // against the database: a URL set by the CLI a moment ago already gets this event.
  callback::RoomEventInput e;
  e.eventType = eventType;
  e.sdkAppId = a.room.sdkAppId;
  e.numericRoom = a.room.room.numeric;
  e.strRoom = a.room.room.str;
  e.userId = a.userId;
  e.eventMs = a.timeMs;
  e.role = role;
  e.reason = reason;
  if (eventType == 103) {
    e.terminalType = 100;  // "other": the client does not report its platform yet
    e.userType = 1;        // WebRTC
  }
  out.push_back(callback::callbackJob(e, clock_.wallMs()));
}

std::string RoomActivitySink::newCommId(const signal::RoomActivity& a, int64_t& createdAtMs) {
  int64_t sec = a.timeMs / 1000;
  if (auto it = lastCreatedSec_.find(a.room); it != lastCreatedSec_.end()) sec = std::max(sec, it->second + 1);
  // A second more than a minute old cannot collide with a new creation: forget it.
  if (lastCreatedSec_.size() > 4096)
    std::erase_if(lastCreatedSec_, [now = a.timeMs / 1000](const auto& e) { return e.second < now - 60; });
  lastCreatedSec_[a.room] = sec;
  createdAtMs = std::max(a.timeMs, sec * 1000);
  return std::to_string(a.room.sdkAppId) + "_" + roomText(a.room) + "_" + std::to_string(sec);
}

void RoomActivitySink::onRoomActivity(const signal::RoomActivity& a) {
  using Kind = signal::RoomActivity::Kind;
  // Everything one activity writes, queued together and in order.
  std::vector<store::ControlWrite> out;
  switch (a.kind) {
    case Kind::kRoomCreated: {
      // CommId = SdkAppId_Room_CreateTime must be unique per room lifetime; CreateTime and the
      // CommId always agree (a re-creation within the same second is dated at the next free one).
      int64_t createdAt = a.timeMs;
      std::string commId = newCommId(a, createdAt);
      out.push_back(store::RoomRecord{commId, a.room.sdkAppId, roomText(a.room), a.room.room.isString(), a.userId,
                                      createdAt, 0});
      live_[a.room] = LiveRoom{commId, {}};
      publish(out, 101, a, std::nullopt, std::nullopt);
      break;
    }
    case Kind::kRoomDestroyed: {
      auto it = live_.find(a.room);
      if (it == live_.end()) break;
      out.push_back(store::RoomEnd{it->second.commId, a.room.sdkAppId, a.timeMs});
      live_.erase(it);
      publish(out, 102, a, std::nullopt, std::nullopt);
      break;
    }
    case Kind::kUserEntered: {
      auto it = live_.find(a.room);
      if (it == live_.end()) break;
      it->second.joinedAtMs[a.userId] = a.timeMs;
      out.push_back(store::UserSessionRecord{it->second.commId, a.room.sdkAppId, roomText(a.room), a.userId, a.timeMs,
                                             0, a.maskedIp, "atrium-web", "WebRTC", 0, roleCode(a.role)});
      out.push_back(store::UserEventRecord{it->second.commId, a.room.sdkAppId, a.userId, a.timeMs,
                                           store::kUserEventEnterRoom, 0, 0});
      publish(out, 103, a, roleCode(a.role), 1);
      break;
    }
    case Kind::kUserExited: {
      auto it = live_.find(a.room);
      if (it == live_.end()) break;
      auto joined = it->second.joinedAtMs.find(a.userId);
      int64_t joinedAt = joined == it->second.joinedAtMs.end() ? a.timeMs : joined->second;
      if (joined != it->second.joinedAtMs.end()) it->second.joinedAtMs.erase(joined);
      out.push_back(store::SessionEnd{it->second.commId, a.room.sdkAppId, a.userId, joinedAt, a.timeMs,
                                      exitReasonCode(a.exitReason)});
      out.push_back(store::UserEventRecord{it->second.commId, a.room.sdkAppId, a.userId, a.timeMs,
                                           store::kUserEventExitRoom, exitParam(a.exitReason), 0});
      publish(out, 104, a, roleCode(a.role), exitReasonCode(a.exitReason));
      break;
    }
    case Kind::kStreamStarted:
    case Kind::kStreamStopped: {
      bool start = a.kind == Kind::kStreamStarted;
      int type = a.stream == "audio" ? (start ? 203 : 204) : a.stream == "sub" ? (start ? 205 : 206) : (start ? 201 : 202);
      publish(out, type, a, std::nullopt, std::nullopt);
      if (auto it = live_.find(a.room); it != live_.end()) {
        auto [eventId, param] = streamEvent(a.stream, start);
        out.push_back(store::UserEventRecord{it->second.commId, a.room.sdkAppId, a.userId, a.timeMs, eventId, param, -1});
      }
      break;
    }
    case Kind::kRoleChanged: {
      auto it = live_.find(a.room);
      if (it == live_.end()) break;
      out.push_back(store::UserEventRecord{it->second.commId, a.room.sdkAppId, a.userId, a.timeMs,
                                           store::kUserEventRoleChange, roleCode(a.role), 0});
      out.push_back(store::RoleChange{it->second.commId, a.room.sdkAppId, a.userId, roleCode(a.role)});
      publish(out, 105, a, roleCode(a.role), std::nullopt);
      break;
    }
  }
  writer_.enqueue(std::move(out));  // a full backlog drops and counts them
}

size_t publishCrashLeftovers(callback::CallbackDispatcher& callbacks, const store::RoomEventLog::ClosedRecords& closed,
                             int64_t atMs) {
  std::map<std::string, const store::RoomRecord*> rooms;  // by CommId: whether RoomId is a string
  for (const auto& r : closed.rooms) rooms[r.commId] = &r;
  auto event = [&](int type, uint32_t app, const std::string& room, bool str) {
    callback::RoomEventInput e;
    e.eventType = type;
    e.sdkAppId = app;
    uint32_t numeric = 0;
    auto [end, ec] = std::from_chars(room.data(), room.data() + room.size(), numeric);
    if (str || ec != std::errc() || end != room.data() + room.size()) e.strRoom = room;
    else e.numericRoom = numeric;
    e.eventMs = atMs;
    return e;
  };
  size_t queued = 0;
  auto queue = [&](const callback::RoomEventInput& e) {
    if (auto st = callbacks.publish(e); st.ok()) ++queued;
    else base::log::error("callback event {} for a crash leftover not queued: {}", e.eventType, st.error().message);
  };
  for (const auto& s : closed.sessions) {
    auto room = rooms.find(s.commId);
    auto e = event(104, s.sdkAppId, s.room, room != rooms.end() && room->second->strRoom);
    e.userId = s.userId;
    e.role = s.role;
    e.reason = store::kExitReasonTimeout;
    queue(e);
  }
  for (const auto& r : closed.rooms) queue(event(102, r.sdkAppId, r.room, r.strRoom));
  if (!closed.sessions.empty() || !closed.rooms.empty())
    base::log::warn("start-up: {} sessions and {} rooms were left open by a crash; their exits and ends are reported now",
                    closed.sessions.size(), closed.rooms.size());
  return queued;
}

}  // namespace atrium::app
