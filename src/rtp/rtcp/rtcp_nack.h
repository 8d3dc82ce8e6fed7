// Generic NACK (RFC 4585 §6.2.1): RTPFB (PT 205), FMT 1. Each FCI item names a lost packet
// (PID) and a bitmask of the 16 packets after it (BLP bit i set => PID+i+1 lost).
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |V=2|P|  FMT=1  |    PT=205     |          length               |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                  SSRC of packet sender                        |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                  SSRC of media source                         |
//   +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//   |            PID                |             BLP               |  x N >= 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "rtp/rtcp/rtcp_feedback.h"

namespace atrium::rtp {

struct NackItem {
  uint16_t pid = 0;
  uint16_t blp = 0;
  bool operator==(const NackItem&) const = default;
};

class RtcpNack {
 public:
  static constexpr size_t kItemSize = 4;

  // Requires at least one whole item and no partial one.
  static std::optional<RtcpNack> parse(std::span<const uint8_t> data);

  uint32_t senderSsrc() const { return fb_.senderSsrc(); }
  uint32_t mediaSsrc() const { return fb_.mediaSsrc(); }
  size_t itemCount() const { return fb_.fci().size() / kItemSize; }
  NackItem item(size_t index) const;  // index < itemCount()

  // Calls f(uint16_t seq) for every lost packet, item by item, PID first then BLP bits
  // in ascending order. Items are not deduplicated against each other.
  template <typename F>
  void forEachLost(F&& f) const {
    for (size_t i = 0; i < itemCount(); ++i) {
      const NackItem it = item(i);
      f(it.pid);
      for (int bit = 0; bit < 16; ++bit) {
        if (it.blp & (1u << bit)) f(static_cast<uint16_t>(it.pid + bit + 1));
      }
    }
  }
  size_t lostCount() const;
  // Writes up to out.size() lost sequence numbers (forEachLost order); returns how many.
  size_t lostSequenceNumbers(std::span<uint16_t> out) const;

  // Items needed for `seqs`. Any order is encoded correctly; ascending runs pack best.
  static size_t itemCountFor(std::span<const uint16_t> seqs);
  static size_t sizeFor(std::span<const uint16_t> seqs) {
    return RtcpFeedback::kHeaderSize + kItemSize * itemCountFor(seqs);
  }
  // Returns the length written, 0 if seqs is empty or out is too small.
  static size_t build(std::span<uint8_t> out, uint32_t senderSsrc, uint32_t mediaSsrc,
                      std::span<const uint16_t> seqs);

 private:
  explicit RtcpNack(RtcpFeedback fb) : fb_(fb) {}
  RtcpFeedback fb_;
};

}  // namespace atrium::rtp
