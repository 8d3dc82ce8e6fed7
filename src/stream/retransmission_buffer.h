// RetransmissionBuffer: the packets we sent (or received) recently, kept so that a NACK
// (RFC 4585 §6.2.1) can be answered by sending the same bytes again (RFC 4588 RTX wraps them).
//
// A fixed ring of `capacity` slots indexed by seq mod capacity (capacity is a power of two,
// so it divides 2^16 and the mapping survives sequence wrap-around), each slot holding a copy
// of up to maxPacketSize bytes in one block allocated at construction: store() never
// allocates. Memory is capacity × maxPacketSize (1.5 MB with the defaults), so one buffer
// per *publisher* stream, with the down-track's RtpRewriter translating a subscriber's NACKed
// sequence numbers back (toIncomingSeq), is far cheaper than one per subscriber; a per-
// subscriber buffer of rewritten packets works too but should be sized down.
//
// A resend of the same seq is refused within max(minResendIntervalMs, RTT): the receiver
// re-NACKs only after about an RTT, so anything sooner is a duplicate NACK (several NACK
// packets naming the same loss) and resending would only add to the congestion that lost it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace atrium::stream {

struct RetransmissionBufferOptions {
  size_t capacity = 1024;      // rounded up to a power of two, at most 32768
  size_t maxPacketSize = 1500;
  int64_t maxAgeMs = 1000;
  int64_t minResendIntervalMs = 10;
};

enum class ResendStatus : uint8_t { kOk, kMissing, kTooOld, kRateLimited };

struct ResendResult {
  ResendStatus status = ResendStatus::kMissing;
  std::span<const uint8_t> packet;  // set only with kOk
};

struct RetransmissionStats {
  uint64_t stored = 0;
  uint64_t rejected = 0;     // too large, or older than the window
  uint64_t resent = 0;
  uint64_t missing = 0;
  uint64_t tooOld = 0;
  uint64_t rateLimited = 0;
};

class RetransmissionBuffer {
 public:
  explicit RetransmissionBuffer(const RetransmissionBufferOptions& options = {});

  // Copies the packet into the slot for seq. False (and nothing stored) when the packet is
  // larger than maxPacketSize or seq is older than the ring reaches.
  bool store(uint16_t seq, std::span<const uint8_t> packet, int64_t nowMs);

  // The stored bytes for seq if present and not older than maxAgeMs; empty otherwise.
  std::span<const uint8_t> find(uint16_t seq, int64_t nowMs) const;

  // find() for answering a NACK: also applies the per-packet resend rate limit and records
  // the resend.
  ResendResult fetchForResend(uint16_t seq, int64_t nowMs);

  void setRttMs(int64_t rttMs) { rttMs_ = rttMs > 0 ? rttMs : 0; }
  void clear();
  size_t capacity() const { return slots_.size(); }
  size_t maxPacketSize() const { return maxPacketSize_; }
  const RetransmissionStats& stats() const { return stats_; }

 private:
  struct Slot {
    int64_t storedMs = 0;
    int64_t resentMs = -1;
    uint16_t seq = 0;
    uint16_t size = 0;
    bool used = false;
  };

  const Slot* lookup(uint16_t seq) const;
  std::span<const uint8_t> bytes(size_t index) const;

  std::vector<Slot> slots_;
  std::vector<uint8_t> storage_;
  size_t maxPacketSize_;
  size_t mask_;
  int64_t maxAgeMs_;
  int64_t minResendIntervalMs_;
  int64_t rttMs_ = 0;
  uint16_t highest_ = 0;
  bool haveHighest_ = false;
  RetransmissionStats stats_;
};

}  // namespace atrium::stream
