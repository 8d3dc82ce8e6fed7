// Test helpers: minimal RTP and RTCP packets with room for the SRTP trailer.
#pragma once

#include <cstdint>
#include <vector>

#include "srtp/srtp_session.h"

namespace atrium::srtp::testing {

using Bytes = std::vector<uint8_t>;

// RTP (RFC 3550 §5.1): V=2, PT 96, the given sequence number and SSRC, `payload` bytes of a
// pattern. The vector has kMaxTrailerBytes of spare room after the packet.
inline Bytes rtpPacket(uint16_t seq, uint32_t ssrc, size_t payload, uint8_t fill = 0xAB) {
  Bytes p = {0x80, 96, static_cast<uint8_t>(seq >> 8), static_cast<uint8_t>(seq), 0, 0, 0x10, 0x00,
             static_cast<uint8_t>(ssrc >> 24), static_cast<uint8_t>(ssrc >> 16), static_cast<uint8_t>(ssrc >> 8),
             static_cast<uint8_t>(ssrc)};
  for (size_t i = 0; i < payload; ++i) p.push_back(static_cast<uint8_t>(fill + i));
  p.resize(p.size() + kMaxTrailerBytes);
  return p;
}
inline size_t rtpLength(size_t payload) { return 12 + payload; }

// RTCP receiver report (RFC 3550 §6.4.2) with one report block: 32 bytes.
inline Bytes rtcpPacket(uint32_t ssrc, uint8_t fill = 0x11) {
  Bytes p = {0x81, 201, 0, 7, static_cast<uint8_t>(ssrc >> 24), static_cast<uint8_t>(ssrc >> 16),
             static_cast<uint8_t>(ssrc >> 8), static_cast<uint8_t>(ssrc)};
  for (int i = 0; i < 24; ++i) p.push_back(static_cast<uint8_t>(fill + i));
  p.resize(p.size() + kMaxTrailerBytes);
  return p;
}
inline constexpr size_t kRtcpLength = 32;

}  // namespace atrium::srtp::testing
