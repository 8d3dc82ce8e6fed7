// RFC 7983 §7 demultiplexing of one UDP port shared by STUN, DTLS and SRTP/SRTCP, and RFC 5761
// §4 RTP/RTCP separation on a muxed port.
//
//                  +----------------+
//      [0..3] -+-->|      STUN      |     [20..63] -> DTLS
//                  +----------------+    [128..191] -> RTP/RTCP
//   anything else (TURN channels 64..79, ZRTP 16..19, garbage) is dropped and counted.
#pragma once

#include <cstdint>
#include <span>

namespace atrium::transport {

enum class PacketKind : uint8_t { kStun, kDtls, kRtp, kRtcp, kUnknown };

inline PacketKind classify(std::span<const uint8_t> p) {
  if (p.empty()) return PacketKind::kUnknown;
  uint8_t b = p[0];
  if (b <= 3) return p.size() >= 20 ? PacketKind::kStun : PacketKind::kUnknown;
  if (b >= 20 && b <= 63) return PacketKind::kDtls;
  if (b >= 128 && b <= 191) {
    if (p.size() < 12) return PacketKind::kUnknown;
    // RTCP packet types 192..223 occupy the marker+payload-type byte (RFC 5761 §4).
    return p[1] >= 192 && p[1] <= 223 ? PacketKind::kRtcp : PacketKind::kRtp;
  }
  return PacketKind::kUnknown;
}

}  // namespace atrium::transport
