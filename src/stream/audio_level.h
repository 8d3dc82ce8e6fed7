// Audio level → volume and active speaker, from the RFC 6464 ssrc-audio-level header extension
// publishers put on every audio packet (level = -dBov, 0 loudest, 127 silence). The SFU never
// decodes audio; the sender already measured it.
//
// AudioLevelMeter: one stream's volume on TRTC's 0..100 scale. -dBov is mapped linearly from
// kSilenceDbov (0) to 0 dBov (100): speech sits around -20..-40 dBov, background noise below
// -55. Smoothed per packet (an exponential average over ~10 packets = 200 ms of Opus) so one
// loud packet does not make a speaker; a stream without packets for kStaleMs reads 0.
//
// ActiveSpeakerDetector: the room's dominant speaker. The loudest stream above kMinVolume takes
// over only when it has been loudest for kHoldSamples consecutive samples — hysteresis, so a
// cough or cross-talk does not flip the speaker view back and forth. Silence keeps the last
// speaker (people pause between sentences). Pure: no clocks, the caller samples it.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace atrium::stream {

class AudioLevelMeter {
 public:
  static constexpr int kSilenceDbov = 60;
  static constexpr int64_t kStaleMs = 1000;

  void onPacket(uint8_t levelDbov, int64_t nowMs);
  int volume(int64_t nowMs) const;  // 0..100, now
  // The loudest the stream was since the previous call (0..100), then starts over: a sampler
  // that looks every 500 ms must not miss a syllable that fell between two looks.
  int takePeak(int64_t nowMs);

 private:
  double smoothed_ = 0;
  double peak_ = 0;
  int64_t lastMs_ = -1;
};

struct SpeakerSample {
  std::string userId;
  int volume = 0;  // 0..100
};

class ActiveSpeakerDetector {
 public:
  static constexpr int kMinVolume = 15;
  static constexpr int kHoldSamples = 2;

  // One sample of every stream in the room. Returns the new active speaker when it changed.
  std::optional<std::string> update(std::span<const SpeakerSample> samples);
  const std::string& current() const { return current_; }

 private:
  std::string current_;
  std::string candidate_;
  int candidateCount_ = 0;
};

}  // namespace atrium::stream
