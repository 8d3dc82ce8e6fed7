// NackGenerator: the receive side of RFC 4585 §6.2.1 Generic NACK for one publisher SSRC.
// It watches sequence numbers as they arrive, keeps the holes, and says which holes to NACK
// at a given time; an RTCP writer packs them into PID/BLP pairs:
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |            PID                |             BLP               |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Policy (numbers in NackOptions, defaults from mediasoup/libwebrtc practice):
// - a hole is first NACKed after reorderDelayMs, because small reordering is common and a
//   NACK for a packet already on its way wastes the sender's bandwidth;
// - then again every max(RTT, minRetryIntervalMs) — sooner cannot be answered yet;
// - at most maxRetries times, and never once the hole is older than maxAgeMs (a video
//   frame that late is useless and the sender's buffer has moved on);
// - at most maxOutstanding holes: beyond that the oldest are given up — first those before
//   the latest keyframe, which the decoder no longer needs; if holes it does need go too,
//   the update asks for a keyframe;
// - a jump too large to track resets the state and asks for a keyframe.
//
// No allocation after construction; onPacket is O(1) in order and O(log n) for a late packet.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace atrium::stream {

struct NackOptions {
  size_t maxOutstanding = 500;
  int64_t reorderDelayMs = 10;
  int64_t minRetryIntervalMs = 20;
  int maxRetries = 10;
  int64_t maxAgeMs = 1000;
  int64_t initialRttMs = 100;
};

// What one received packet meant.
struct NackUpdate {
  bool recovered = false;       // it filled a hole we had NACKed (a retransmission worked)
  bool filledHole = false;      // it filled a hole, NACKed or not (late/reordered arrival)
  bool duplicate = false;       // seen before, or too old to matter
  bool keyframeNeeded = false;  // holes were dropped unrepaired: ask the sender for a keyframe
};

struct NackStats {
  uint64_t nacksSent = 0;      // sequence numbers emitted by collect(), retries included
  uint64_t packetsNacked = 0;  // distinct holes NACKed at least once
  uint64_t recovered = 0;      // NACKed holes that were later filled
  uint64_t reordered = 0;      // holes filled before their first NACK
  uint64_t givenUp = 0;        // holes dropped after maxRetries or maxAgeMs
  uint64_t evicted = 0;        // holes dropped for lack of room
  uint64_t resets = 0;         // jumps too large to track
};

class NackGenerator {
 public:
  explicit NackGenerator(const NackOptions& options = {});

  // A packet with this sequence number arrived at nowMs. keyframe: it is the first packet
  // of a keyframe (holes before it are no longer needed to decode what follows).
  NackUpdate onPacket(uint16_t seq, int64_t nowMs, bool keyframe = false);

  // The sequence numbers to NACK now (ascending, by extended sequence number), marking each
  // as sent; expired holes are dropped (stats().givenUp rises: those frames will not decode,
  // so the caller may ask for a keyframe). The span stays valid until the next call.
  std::span<const uint16_t> collect(int64_t nowMs);

  // When collect() would next return something, for timer scheduling; nullopt when idle.
  std::optional<int64_t> nextDueMs() const;

  void setRttMs(int64_t rttMs) { rttMs_ = rttMs > 0 ? rttMs : 0; }
  int64_t retryIntervalMs() const;
  size_t outstanding() const { return missing_.size(); }
  const NackStats& stats() const { return stats_; }
  void reset();

 private:
  struct Missing {
    int64_t ext;          // extended (unwrapped) sequence number
    int64_t detectedMs;   // when the hole was seen
    int64_t lastSentMs;   // -1 until first NACKed
    int retries;
  };

  NackUpdate onOlder(int64_t ext, uint16_t seq);
  bool makeRoom(size_t needed);
  int64_t dueMs(const Missing& m) const;

  NackOptions options_;
  int64_t rttMs_;
  bool started_ = false;
  uint16_t highestSeq_ = 0;
  int64_t highest_ = 0;
  int64_t lastKeyframe_ = -1;
  // Sorted by ext ascending; capacity reserved once so push/erase never allocate.
  std::vector<Missing> missing_;
  std::vector<uint16_t> batch_;
  // RFC 3550 A.1's bad_seq idea: a far-older packet is a restart only if its successor follows.
  int64_t badSeq_ = -1;
  NackStats stats_;
};

}  // namespace atrium::stream
