// Turns the signaling service's room activity into rows of the room event log (DescribeRoomInfo,
// DescribeUserInfo, DescribeUserEvent, DescribeScaleInfo) and into signed callbacks (R9). Runs on
// the control loop and writes nothing itself (issue 10): the rows and callback jobs of one activity
// go to the batching writer together, in the order they happened.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "app/control_writer.h"
#include "callback/dispatcher.h"
#include "signal/ports.h"
#include "store/store.h"

namespace atrium::app {

class RoomActivitySink final : public signal::RoomObserver {
 public:
  // Writes an entry can cause at most (room, session, events, two callbacks): an entry of an app
  // with callbacks is admitted only while the writer can keep that many.
  static constexpr size_t kRowsPerEntry = 8;

  RoomActivitySink(ControlWriter& writer, base::Clock& clock) : writer_(writer), clock_(clock) {}
  void onRoomActivity(const signal::RoomActivity& activity) override;
  // Callbacks must not be lost: while the store refuses writes (or the backlog is full), entries
  // of apps with a callback URL are refused instead of producing callbacks nobody could keep.
  bool acceptsActivity(const signal::AppInfo& app) override { return !app.callbacks || writer_.accepting(kRowsPerEntry); }
  // The CommId of a live room; nullopt when it is not live.
  std::optional<std::string> commIdOf(const base::RoomKey& room) const {
    auto it = live_.find(room);
    return it == live_.end() ? std::nullopt : std::optional<std::string>(it->second.commId);
  }

 private:
  struct LiveRoom {
    std::string commId;
    std::map<std::string, int64_t> joinedAtMs;  // by userId
  };
  // Appends the callback job of an event (queued if the app is active with a callback URL).
  void publish(std::vector<store::ControlWrite>& out, int eventType, const signal::RoomActivity& a,
               std::optional<int> role, std::optional<int> reason);
  // A CommId this process has not handed out: a room re-created within the same second gets the
  // next free second (the store skips, and logs, a CommId another process took).
  std::string newCommId(const signal::RoomActivity& a, int64_t& createdAtMs);

  ControlWriter& writer_;
  base::Clock& clock_;
  std::map<base::RoomKey, LiveRoom> live_;
  std::map<base::RoomKey, int64_t> lastCreatedSec_;  // recent creations, pruned
};

// At start-up, after store::RoomEventLog::closeOpenRecords: the exits and room ends that a crash
// kept from being reported — a 104 (Reason 2, timeout, with the session's last role) for every
// session, then a 102 for every room, dated atMs. Returns how many were queued.
size_t publishCrashLeftovers(callback::CallbackDispatcher& callbacks, const store::RoomEventLog::ClosedRecords& closed,
                             int64_t atMs);

}  // namespace atrium::app
