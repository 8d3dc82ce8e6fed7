// Opus TOC byte (RFC 6716 §3.1) as carried first in every Opus RTP payload (RFC 7587 §4.2).
// Opus has no keyframes; the TOC gives the frame duration, which is useful for stats and
// for deciding how much audio a packet covers.
//
//    0 1 2 3 4 5 6 7
//   +-+-+-+-+-+-+-+-+
//   | config  |s| c |   config: mode/bandwidth/frame size; s: stereo; c: frame count code
//   +-+-+-+-+-+-+-+-+   (c=3: a second byte |v|p|  M  | holds the count M)
#pragma once

#include <cstdint>
#include <optional>
#include <span>

namespace atrium::rtp {

enum class OpusMode : uint8_t { kSilk, kHybrid, kCelt };

struct OpusToc {
  uint8_t config = 0;
  OpusMode mode = OpusMode::kSilk;
  bool stereo = false;
  uint8_t frameCountCode = 0;
  uint8_t frameCount = 1;
  uint32_t frameDurationUs = 0;   // 2500 .. 60000
  uint32_t packetDurationUs = 0;  // frameCount * frameDurationUs, at most 120 ms

  // nullopt for an empty payload, code 3 without its count byte, M=0, or over 120 ms.
  static std::optional<OpusToc> parse(std::span<const uint8_t> payload);
};

}  // namespace atrium::rtp
