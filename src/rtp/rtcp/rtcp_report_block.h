// Reception report block (RFC 3550 §6.4.1), carried by SR and RR.
//
//   +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//   |                 SSRC_1 (SSRC of first source)                 |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   | fraction lost |       cumulative number of packets lost       |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |           extended highest sequence number received           |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                      interarrival jitter                      |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                         last SR (LSR)                         |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                   delay since last SR (DLSR)                  |
//   +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace atrium::rtp {

struct RtcpReportBlock {
  static constexpr size_t kSize = 24;

  uint32_t ssrc = 0;
  uint8_t fractionLost = 0;     // loss since the last report, in 1/256
  int32_t cumulativeLost = 0;   // signed 24-bit: duplicates can make it negative
  uint32_t extendedHighestSeq = 0;
  uint32_t jitter = 0;          // RTP timestamp units
  uint32_t lastSr = 0;          // middle 32 bits of the last SR's NTP time
  uint32_t delaySinceLastSr = 0;  // 1/65536 s

  bool operator==(const RtcpReportBlock&) const = default;

  // in.size() >= kSize is the caller's check.
  static RtcpReportBlock read(std::span<const uint8_t> in);
  // out.size() >= kSize; cumulativeLost is clamped to the 24-bit signed range.
  void write(std::span<uint8_t> out) const;
};

// SR and RR end with the same list of report blocks after their fixed part: one reader, one
// writer for both. `body` is the packet body (after the 4-byte header).
inline RtcpReportBlock readReportBlock(std::span<const uint8_t> body, size_t fixedBodySize, size_t index) {
  return RtcpReportBlock::read(body.subspan(fixedBodySize + index * RtcpReportBlock::kSize));
}
inline void writeReportBlocks(std::span<uint8_t> out, size_t offset, std::span<const RtcpReportBlock> blocks) {
  for (const auto& b : blocks) {
    b.write(out.subspan(offset));
    offset += RtcpReportBlock::kSize;
  }
}

}  // namespace atrium::rtp
