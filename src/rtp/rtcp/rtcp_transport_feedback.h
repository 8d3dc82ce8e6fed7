// Transport-wide congestion control feedback
// (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1): RTPFB (PT 205), FMT 15. Reports,
// for a run of transport-wide sequence numbers, whether each packet arrived and when.
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |V=2|P|  FMT=15 |    PT=205     |           length              |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                     SSRC of packet sender                     |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                      SSRC of media source                     |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |      base sequence number     |      packet status count      |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                 reference time                | fb pkt. count |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |          packet chunk         |         packet chunk          |
//   .                               .                               .
//   |         packet chunk          |  recv delta   |  recv delta   |
//   .                               .                               .
//   |           recv delta          |  recv delta   | zero padding  |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// Reference time: signed 24 bits, 64 ms units. Status symbols (§3.1.1): 00 not received,
// 01 received with a small delta (1 byte, unsigned, 250 us units), 10 received with a large or
// negative delta (2 bytes, signed), 11 reserved (rejected). Chunks (§3.1.3, §3.1.4):
//   run length:     |0| S |      run length (13)    |
//   status vector:  |1|0|  14 one-bit symbols (0 = not received, 1 = small delta)
//                   |1|1|  7 two-bit symbols
// The first delta is relative to the reference time, each next one to the previous arrival.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "rtp/rtcp/rtcp_feedback.h"

namespace atrium::rtp {

enum class TwccStatus : uint8_t { kNotReceived = 0, kSmallDelta = 1, kLargeDelta = 2 };

struct TwccPacket {
  uint16_t seq = 0;
  TwccStatus status = TwccStatus::kNotReceived;
  int32_t deltaTicks = 0;  // 250 us units; 0 when not received
  int64_t arrivalUs = 0;   // reference time + all deltas so far; 0 when not received
  bool received() const { return status != TwccStatus::kNotReceived; }
  int64_t deltaUs() const { return int64_t{deltaTicks} * 250; }
};

// One received packet, as the builder takes it.
struct TwccArrival {
  uint16_t seq = 0;
  int64_t arrivalUs = 0;  // any monotonic clock
};

class RtcpTransportFeedback {
 public:
  static constexpr int64_t kDeltaTickUs = 250;
  static constexpr int64_t kReferenceTickUs = 64'000;
  static constexpr size_t kFciFixedSize = 8;
  static constexpr size_t kMinSize = RtcpFeedback::kHeaderSize + kFciFixedSize;

  // Walks every chunk: the statuses must cover the packet status count (>= 1), reserved
  // symbols are rejected, the deltas must fit, and at most 3 padding bytes may follow.
  static std::optional<RtcpTransportFeedback> parse(std::span<const uint8_t> data);

  uint32_t senderSsrc() const { return fb_.senderSsrc(); }
  uint32_t mediaSsrc() const { return fb_.mediaSsrc(); }
  uint16_t baseSequenceNumber() const;
  uint16_t packetStatusCount() const;
  int32_t referenceTime() const;  // signed, 64 ms units
  int64_t referenceTimeUs() const { return int64_t{referenceTime()} * kReferenceTickUs; }
  uint8_t feedbackPacketCount() const { return fb_.fci()[7]; }
  size_t receivedCount() const { return receivedCount_; }

  // Yields one TwccPacket per reported sequence number, in order.
  class PacketIterator {
   public:
    bool next(TwccPacket& out);

   private:
    friend class RtcpTransportFeedback;
    std::span<const uint8_t> fci_;
    size_t chunkOff_ = 0;
    size_t deltaOff_ = 0;
    uint32_t remaining_ = 0;
    uint16_t seq_ = 0;
    uint16_t chunk_ = 0;
    uint16_t chunkLeft_ = 0;
    uint16_t chunkPos_ = 0;
    int64_t timeUs_ = 0;
  };
  PacketIterator packets() const;
  template <typename F>
  void forEachPacket(F&& f) const {
    auto it = packets();
    TwccPacket p;
    while (it.next(p)) f(p);
  }
  // Writes up to out.size() packets; returns how many.
  size_t packets(std::span<TwccPacket> out) const;

  // Builds feedback for `arrivals`, which must be in strictly ascending (wrapping) seq order;
  // seqs missing between them are reported as not received. Arrival times are encoded on a
  // 250 us grid anchored at the reference time, so rounding never accumulates.
  // Returns the length written; 0 when arrivals is empty or out of order, the span exceeds
  // 65535 seqs, a delta exceeds the 16-bit range (split the feedback), or out is too small.
  static size_t build(std::span<uint8_t> out, uint32_t senderSsrc, uint32_t mediaSsrc,
                      uint8_t feedbackPacketCount, std::span<const TwccArrival> arrivals);

 private:
  RtcpTransportFeedback(RtcpFeedback fb, size_t deltaOffset, size_t receivedCount)
      : fb_(fb), deltaOffset_(deltaOffset), receivedCount_(receivedCount) {}
  RtcpFeedback fb_;
  size_t deltaOffset_ = 0;  // into the FCI: where the recv deltas start
  size_t receivedCount_ = 0;
};

namespace twcc_detail {
// Symbol i of a packet chunk; the caller knows i is within the chunk's capacity.
inline uint8_t chunkSymbol(uint16_t chunk, unsigned i) {
  if ((chunk & 0x8000) == 0) return (chunk >> 13) & 0x3;
  if ((chunk & 0x4000) == 0) return (chunk >> (13 - i)) & 0x1;
  return (chunk >> (2 * (6 - i))) & 0x3;
}
// How many symbols the chunk describes, before clamping to the remaining count.
inline uint16_t chunkCapacity(uint16_t chunk) {
  if ((chunk & 0x8000) == 0) return chunk & 0x1fff;
  return (chunk & 0x4000) == 0 ? 14 : 7;
}
}  // namespace twcc_detail

}  // namespace atrium::rtp
