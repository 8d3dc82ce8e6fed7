// Sender Report (RFC 3550 §6.4.1), PT 200.
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |V=2|P|    RC   |   PT=SR=200   |             length            |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                         SSRC of sender                        |
//   +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//   |              NTP timestamp, most significant word             |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |             NTP timestamp, least significant word             |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                         RTP timestamp                         |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                     sender's packet count                     |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                      sender's octet count                     |
//   +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//   |                 report blocks (RC x 24 bytes)                 |
//   +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//   |                  profile-specific extensions                  |
// Extensions after the report blocks are allowed by the RFC and ignored here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "rtp/rtcp/rtcp_header.h"
#include "rtp/rtcp/rtcp_report_block.h"

namespace atrium::rtp {

struct RtcpSenderInfo {
  uint64_t ntpTime = 0;  // 32.32 fixed-point seconds since 1900
  uint32_t rtpTimestamp = 0;
  uint32_t packetCount = 0;
  uint32_t octetCount = 0;
  bool operator==(const RtcpSenderInfo&) const = default;
  // The middle 32 bits, which receivers echo as LSR.
  uint32_t compactNtp() const { return static_cast<uint32_t>(ntpTime >> 16); }
};

class RtcpSenderReport {
 public:
  static constexpr size_t kFixedBodySize = 24;  // SSRC + sender info

  static std::optional<RtcpSenderReport> parse(std::span<const uint8_t> data);

  uint32_t senderSsrc() const;
  RtcpSenderInfo senderInfo() const;
  size_t reportCount() const { return header_.count(); }
  RtcpReportBlock reportBlock(size_t index) const;  // index < reportCount()

  static size_t sizeFor(size_t reportCount) {
    return RtcpHeader::kSize + kFixedBodySize + reportCount * RtcpReportBlock::kSize;
  }
  // Returns the length written, 0 if out is too small or there are more than 31 blocks.
  static size_t build(std::span<uint8_t> out, uint32_t senderSsrc, const RtcpSenderInfo& info,
                      std::span<const RtcpReportBlock> blocks = {});

 private:
  explicit RtcpSenderReport(RtcpHeader h) : header_(h) {}
  RtcpHeader header_;
};

}  // namespace atrium::rtp
