// H.264 RTP payload (RFC 6184 §5), packetization-mode 0/1 as WebRTC uses it: single NAL unit
// packets (§5.6), STAP-A aggregation (§5.7.1) and FU-A fragmentation (§5.8). STAP-B, MTAP and
// FU-B (interleaved mode) are rejected.
//
// NAL unit header (§5.3):      STAP-A (type 24):                 FU-A (type 28):
//   +---------------+            | NAL hdr | size(16) | NALU 1 |   | FU indicator | FU header |
//   |F|NRI|  Type   |            | size(16) | NALU 2 | ...          (F|NRI|28)     |S|E|R|Type|
//   +---------------+
// A keyframe packet carries an IDR slice (5), SPS (7) or PPS (8) — for FU-A only the fragment
// with S=1 counts, since the NAL type is known from the first fragment on.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

namespace atrium::rtp {

inline constexpr uint8_t kH264NalIdr = 5;
inline constexpr uint8_t kH264NalSps = 7;
inline constexpr uint8_t kH264NalPps = 8;
inline constexpr uint8_t kH264StapA = 24;
inline constexpr uint8_t kH264FuA = 28;

struct H264PayloadInfo {
  uint8_t packetType = 0;     // outer NAL type: 1..23, 24 (STAP-A) or 28 (FU-A)
  uint8_t nalType = 0;        // the (first) carried NAL unit's type
  uint8_t nalCount = 1;       // NAL units in a STAP-A
  bool startOfNal = true;     // FU-A S bit; true for single NAL and STAP-A
  bool endOfNal = true;       // FU-A E bit; true for single NAL and STAP-A
  bool hasIdr = false;
  bool hasSps = false;
  bool hasPps = false;
  bool keyframe = false;

  // nullopt for empty payloads, unsupported packet types, and STAP-A units that do not
  // exactly fill the payload.
  static std::optional<H264PayloadInfo> parse(std::span<const uint8_t> payload);
};

}  // namespace atrium::rtp
