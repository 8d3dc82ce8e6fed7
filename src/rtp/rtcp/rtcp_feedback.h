// Common packet format for RTCP feedback messages (RFC 4585 §6.1), shared by NACK, PLI, FIR,
// REMB and transport-cc. The FMT field (in the header's count position) selects the message.
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |V=2|P|   FMT   |       PT      |          length               |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                  SSRC of packet sender                        |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                  SSRC of media source                         |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   :            Feedback Control Information (FCI)                 :
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "rtp/rtcp/rtcp_header.h"

namespace atrium::rtp {

// RTPFB (PT 205) FMT values.
inline constexpr uint8_t kRtpfbNack = 1;             // RFC 4585 §6.2.1
inline constexpr uint8_t kRtpfbTransportCc = 15;     // draft-holmer-...-transport-wide-cc
// PSFB (PT 206) FMT values.
inline constexpr uint8_t kPsfbPli = 1;               // RFC 4585 §6.3.1
inline constexpr uint8_t kPsfbFir = 4;               // RFC 5104 §4.3.1
inline constexpr uint8_t kPsfbApplicationLayer = 15; // RFC 4585 §6.4 (REMB rides here)

class RtcpFeedback {
 public:
  static constexpr size_t kCommonSize = 8;  // the two SSRCs
  static constexpr size_t kHeaderSize = RtcpHeader::kSize + kCommonSize;

  // The first packet in `data`, if it is PT 205/206 with room for both SSRCs.
  static std::optional<RtcpFeedback> parse(std::span<const uint8_t> data);
  // Same, additionally requiring this packet type and FMT.
  static std::optional<RtcpFeedback> parse(std::span<const uint8_t> data, uint8_t packetType,
                                           uint8_t fmt);

  const RtcpHeader& header() const { return header_; }
  uint8_t packetType() const { return header_.packetType(); }
  uint8_t fmt() const { return header_.fmt(); }
  uint32_t senderSsrc() const;
  uint32_t mediaSsrc() const;
  std::span<const uint8_t> fci() const { return header_.body().subspan(kCommonSize); }

 private:
  explicit RtcpFeedback(RtcpHeader h) : header_(h) {}
  RtcpHeader header_;
};

// Writes the 12-byte header of a feedback packet of totalSize bytes; false if it cannot.
bool writeFeedbackHeader(std::span<uint8_t> out, uint8_t packetType, uint8_t fmt,
                         size_t totalSize, uint32_t senderSsrc, uint32_t mediaSsrc);

}  // namespace atrium::rtp
