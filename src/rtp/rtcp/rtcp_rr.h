// Receiver Report (RFC 3550 §6.4.2), PT 201.
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |V=2|P|    RC   |   PT=RR=201   |             length            |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                     SSRC of packet sender                     |
//   +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//   |                 report blocks (RC x 24 bytes)                 |
//   +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//   |                  profile-specific extensions                  |
// An RR with RC=0 is how a receiver-only endpoint starts every compound packet.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "rtp/rtcp/rtcp_header.h"
#include "rtp/rtcp/rtcp_report_block.h"

namespace atrium::rtp {

class RtcpReceiverReport {
 public:
  static constexpr size_t kFixedBodySize = 4;

  static std::optional<RtcpReceiverReport> parse(std::span<const uint8_t> data);

  uint32_t senderSsrc() const;
  size_t reportCount() const { return header_.count(); }
  RtcpReportBlock reportBlock(size_t index) const;  // index < reportCount()

  static size_t sizeFor(size_t reportCount) {
    return RtcpHeader::kSize + kFixedBodySize + reportCount * RtcpReportBlock::kSize;
  }
  // Returns the length written, 0 if out is too small or there are more than 31 blocks.
  static size_t build(std::span<uint8_t> out, uint32_t senderSsrc,
                      std::span<const RtcpReportBlock> blocks = {});

 private:
  explicit RtcpReceiverReport(RtcpHeader h) : header_(h) {}
  RtcpHeader header_;
};

}  // namespace atrium::rtp
