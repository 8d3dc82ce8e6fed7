#include "app/active_speakers.h"

namespace atrium::app {

void ActiveSpeakers::onSamples(size_t worker, const std::vector<RoomVolume>& samples) {
  std::map<base::RoomKey, std::vector<stream::SpeakerSample>> byRoom;
  for (const auto& s : samples) byRoom[s.room].push_back({s.userId, s.volume});
  std::erase_if(rooms_, [&](const auto& r) { return r.second.worker == worker && !byRoom.count(r.first); });
  for (const auto& [room, volumes] : byRoom) {
    auto& state = rooms_[room];
    state.worker = worker;
    if (auto speaker = state.detector.update(volumes)) announce_(room, *speaker);
  }
}

}  // namespace atrium::app
