#include "rtp/codecs/opus.h"

namespace atrium::rtp {

std::optional<OpusToc> OpusToc::parse(std::span<const uint8_t> payload) {
  if (payload.empty()) return std::nullopt;
  OpusToc t;
  const uint8_t toc = payload[0];
  t.config = toc >> 3;
  t.stereo = (toc & 0x04) != 0;
  t.frameCountCode = toc & 0x03;
  // RFC 6716 Table 2.
  static constexpr uint32_t kSilkUs[4] = {10000, 20000, 40000, 60000};
  static constexpr uint32_t kHybridUs[2] = {10000, 20000};
  static constexpr uint32_t kCeltUs[4] = {2500, 5000, 10000, 20000};
  if (t.config < 12) {
    t.mode = OpusMode::kSilk;
    t.frameDurationUs = kSilkUs[t.config % 4];
  } else if (t.config < 16) {
    t.mode = OpusMode::kHybrid;
    t.frameDurationUs = kHybridUs[t.config % 2];
  } else {
    t.mode = OpusMode::kCelt;
    t.frameDurationUs = kCeltUs[t.config % 4];
  }
  switch (t.frameCountCode) {
    case 0: t.frameCount = 1; break;
    case 1:
    case 2: t.frameCount = 2; break;
    default:
      if (payload.size() < 2) return std::nullopt;
      t.frameCount = payload[1] & 0x3f;
      if (t.frameCount == 0) return std::nullopt;
  }
  t.packetDurationUs = t.frameCount * t.frameDurationUs;
  if (t.packetDurationUs > 120000) return std::nullopt;  // RFC 6716 §3.2.5
  return t;
}

}  // namespace atrium::rtp
