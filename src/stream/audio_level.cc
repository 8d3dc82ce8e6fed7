#include "stream/audio_level.h"

#include <algorithm>

namespace atrium::stream {

void AudioLevelMeter::onPacket(uint8_t levelDbov, int64_t nowMs) {
  int level = std::min<int>(levelDbov & 0x7f, kSilenceDbov);
  double v = 100.0 * (kSilenceDbov - level) / kSilenceDbov;
  // After a gap the old value says nothing about now: start from this packet.
  smoothed_ = lastMs_ < 0 || nowMs - lastMs_ > kStaleMs ? v : 0.9 * smoothed_ + 0.1 * v;
  peak_ = std::max(peak_, smoothed_);
  lastMs_ = nowMs;
}

int AudioLevelMeter::takePeak(int64_t nowMs) {
  int out = lastMs_ < 0 || nowMs - lastMs_ > kStaleMs ? 0 : static_cast<int>(peak_ + 0.5);
  peak_ = 0;
  return out;
}

int AudioLevelMeter::volume(int64_t nowMs) const {
  if (lastMs_ < 0 || nowMs - lastMs_ > kStaleMs) return 0;
  return static_cast<int>(smoothed_ + 0.5);
}

std::optional<std::string> ActiveSpeakerDetector::update(std::span<const SpeakerSample> samples) {
  const SpeakerSample* loudest = nullptr;
  for (const auto& s : samples)
    if (s.volume >= kMinVolume && (!loudest || s.volume > loudest->volume)) loudest = &s;
  if (!loudest || loudest->userId == current_) {
    candidate_.clear();
    candidateCount_ = 0;
    return std::nullopt;
  }
  if (loudest->userId != candidate_) {
    candidate_ = loudest->userId;
    candidateCount_ = 0;
  }
  if (++candidateCount_ < kHoldSamples) return std::nullopt;
  current_ = candidate_;
  candidate_.clear();
  candidateCount_ = 0;
  return current_;
}

}  // namespace atrium::stream
