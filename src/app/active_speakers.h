// Active-speaker detection per room (issue 3: "audio-level → volume events and an active-speaker
// signal"). Every 500 ms the media workers report each audio publisher's volume (from the
// audio-level extension, sfu::Router::audioVolume); this keeps one detector per room on the
// control thread and announces a change through signaling. Rooms a worker no longer reports
// (nobody publishes audio any more) are forgotten, so detectors do not pile up.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "base/ids.h"
#include "stream/audio_level.h"

namespace atrium::app {

struct RoomVolume {
  base::RoomKey room;
  std::string userId;
  int volume = 0;
};

class ActiveSpeakers {
 public:
  using Announce = std::function<void(const base::RoomKey&, const std::string& userId)>;
  explicit ActiveSpeakers(Announce announce) : announce_(std::move(announce)) {}

  // One round of one worker: every audio publisher of the rooms pinned to it.
  void onSamples(size_t worker, const std::vector<RoomVolume>& samples);
  size_t roomCount() const { return rooms_.size(); }

 private:
  struct RoomState {
    size_t worker = 0;
    stream::ActiveSpeakerDetector detector;
  };
  Announce announce_;
  std::map<base::RoomKey, RoomState> rooms_;
};

}  // namespace atrium::app
