// RTX retransmission payload format (RFC 4588 §4): the retransmitted packet travels on its own
// SSRC/payload type/sequence space with the original sequence number (OSN) prepended to the
// original payload. Header fields other than SSRC/PT/seq (timestamp, marker, CSRCs, header
// extensions) are copied from the original.
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                         RTP Header                            |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |            OSN                |                               |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               |
//   |                  Original RTP Packet Payload                  |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "rtp/rtp_packet.h"

namespace atrium::rtp {

inline constexpr size_t kRtxOsnSize = 2;

// The OSN, or nullopt when the payload is shorter than 2 bytes (an RTX padding-only probe).
std::optional<uint16_t> rtxOriginalSequenceNumber(const RtpPacket& rtx);

// Size buildRtxPacket needs for this original (its padding is dropped).
inline size_t rtxPacketSize(const RtpPacket& original) {
  return original.headerSize() + kRtxOsnSize + original.payloadSize();
}

// Writes the RTX form of `original` into `out` (header copied, SSRC/PT/seq replaced, P bit
// cleared, OSN + payload appended). Returns the length written, 0 if out is too small.
// `out` must not overlap the original.
size_t buildRtxPacket(const RtpPacket& original, std::span<uint8_t> out, uint8_t rtxPayloadType,
                      uint32_t rtxSsrc, uint16_t rtxSequenceNumber);

// Turns a received RTX packet back into the original in place: the payload (and padding)
// slide over the OSN, and seq/PT/SSRC are restored. Returns the view of the shortened packet
// (2 bytes shorter, same buffer start), or nullopt when there is no OSN.
std::optional<RtpPacket> decodeRtxInPlace(RtpPacket rtx, uint8_t originalPayloadType,
                                          uint32_t originalSsrc);

}  // namespace atrium::rtp
