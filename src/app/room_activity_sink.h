// Turns the signaling service's room activity into rows of the room event log (DescribeRoomInfo,
// DescribeUserInfo, DescribeUserEvent, DescribeScaleInfo) and into signed callbacks (R9).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>

#include "callback/dispatcher.h"
#include "signal/ports.h"
#include "store/store.h"
#include "store/write_health.h"

namespace atrium::app {

class RoomActivitySink final : public signal::RoomObserver {
 public:
  RoomActivitySink(store::RoomEventLog& log, callback::CallbackDispatcher* callbacks, store::WriteHealth& health)
      : log_(log), callbacks_(callbacks), health_(health) {}
  void onRoomActivity(const signal::RoomActivity& activity) override;
  // The CommId of a live room; nullopt when it is not live (or its creation was not recorded).
  std::optional<std::string> commIdOf(const base::RoomKey& room) const {
    auto it = live_.find(room);
    return it == live_.end() ? std::nullopt : std::optional<std::string>(it->second.commId);
  }

 private:
  struct LiveRoom {
    std::string commId;
    std::map<std::string, int64_t> joinedAtMs;  // by userId
  };
  void publish(int eventType, const signal::RoomActivity& a, std::optional<int> role, std::optional<int> reason);
  void check(const base::Status& st, const char* what);

  store::RoomEventLog& log_;
  callback::CallbackDispatcher* callbacks_;
  store::WriteHealth& health_;
  std::map<base::RoomKey, LiveRoom> live_;
};

// At start-up, after store::RoomEventLog::closeOpenRecords: the exits and room ends that a crash
// kept from being reported — a 104 (Reason 2, timeout, with the session's last role) for every
// session, then a 102 for every room, dated atMs. Returns how many were queued.
size_t publishCrashLeftovers(callback::CallbackDispatcher& callbacks, const store::RoomEventLog::ClosedRecords& closed,
                             int64_t atMs);

}  // namespace atrium::app
