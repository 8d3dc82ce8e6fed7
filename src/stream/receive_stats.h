// ReceiveStats: per-SSRC reception statistics of a publisher's stream, following RFC 3550
// appendix A.1 (sequence validation, cycles), A.3 (expected, lost, fraction lost) and A.8
// (interarrival jitter), producing the numbers of one RTCP receiver report block (§6.4.1):
//
//  +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//  |                 SSRC_1 (SSRC of first source)                 |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  | fraction lost |       cumulative number of packets lost       |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |           extended highest sequence number received           |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                      interarrival jitter                      |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                         last SR (LSR)                         |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                   delay since last SR (DLSR)                  |
//  +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//
// Works on plain values (no packet parsing), O(1) per packet, no allocation.
#pragma once

#include <cstddef>
#include <cstdint>

namespace atrium::stream {

// The values of one report block, ready for an RTCP writer.
struct ReportBlock {
  uint32_t ssrc = 0;
  uint8_t fractionLost = 0;         // lost/expected since the previous report, ×256
  int32_t cumulativeLost = 0;       // 24-bit signed on the wire: clamped to its range
  uint32_t extendedHighestSeq = 0;  // cycles << 16 | highest seq
  uint32_t jitter = 0;              // RTP timestamp units
  uint32_t lastSr = 0;              // LSR: compact NTP of the last SR received, 0 if none
  uint32_t delaySinceLastSr = 0;    // DLSR: 1/65536 s since that SR arrived, 0 if none
};

class ReceiveStats {
 public:
  // RFC 3550 A.1 constants. MAX_MISORDER counts how far back a packet may be and still be
  // taken as reordered rather than as a restarted sender.
  static constexpr uint32_t kMaxDropout = 3000;
  static constexpr uint32_t kMaxMisorder = 100;
  static constexpr int32_t kMaxCumulativeLost = 0x7fffff;
  static constexpr int32_t kMinCumulativeLost = -0x800000;

  // minSequential: packets in sequence needed before a source is valid (RFC's probation).
  // 1 accepts the first packet: over SRTP a packet is already authenticated, so probation
  // would only lose the first packets of every stream (libwebrtc does the same).
  ReceiveStats(uint32_t ssrc, uint32_t clockRate, int minSequential = 1);

  // One received RTP packet. Returns false when A.1 does not count it (still on probation,
  // or the first packet after a very large jump, which may be a stray). arrivalMs is the
  // steady-clock arrival time.
  bool onPacket(uint16_t seq, uint32_t timestamp, int64_t arrivalMs, size_t payloadBytes = 0);

  // An SR from this source arrived: remember its NTP time for the LSR/DLSR fields.
  void onSenderReport(uint64_t ntpTimestamp, int64_t arrivalMs);

  // The report block for now; also starts the next fraction-lost interval (A.3), so call it
  // once per RTCP report sent.
  ReportBlock report(int64_t nowMs);

  uint32_t ssrc() const { return ssrc_; }
  uint32_t clockRate() const { return clockRate_; }
  bool valid() const { return probation_ == 0 && received_ > 0; }
  uint32_t extendedHighestSeq() const { return cycles_ + maxSeq_; }
  uint32_t expected() const { return valid() ? extendedHighestSeq() - baseSeq_ + 1 : 0; }
  // Packets counted by A.1, including duplicates (so cumulativeLost can go negative).
  uint32_t received() const { return received_; }
  int32_t cumulativeLost() const;
  // Interarrival jitter in RTP timestamp units.
  uint32_t jitter() const { return static_cast<uint32_t>(jitterQ4_ >> 4); }
  double jitterMs() const { return jitter() * 1000.0 / clockRate_; }
  uint64_t bytes() const { return bytes_; }
  uint64_t packets() const { return packets_; }

 private:
  void initSeq(uint16_t seq);
  void updateJitter(uint32_t timestamp, int64_t arrivalMs);

  uint32_t ssrc_;
  uint32_t clockRate_;
  int minSequential_;

  // A.1 state (names follow the RFC's source_t).
  uint16_t maxSeq_ = 0;
  uint32_t cycles_ = 0;  // shifted count of seq cycles (multiples of 65536)
  uint32_t baseSeq_ = 0;
  uint32_t badSeq_ = 0;
  int probation_ = 0;
  uint32_t received_ = 0;
  uint32_t expectedPrior_ = 0;
  uint32_t receivedPrior_ = 0;
  bool started_ = false;

  // A.8 state. jitterQ4_ is the RFC's integer form: jitter scaled by 16.
  int64_t jitterQ4_ = 0;
  int64_t lastTransit_ = 0;
  uint32_t lastJitterTimestamp_ = 0;
  bool haveTransit_ = false;

  uint32_t lastSr_ = 0;
  int64_t lastSrArrivalMs_ = 0;
  bool haveSr_ = false;

  uint64_t bytes_ = 0;
  uint64_t packets_ = 0;
};

}  // namespace atrium::stream
