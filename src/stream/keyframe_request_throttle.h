// KeyframeRequestThrottle: coalesces keyframe requests (PLI, RFC 4585 §6.3.1, or FIR,
// RFC 5104 §4.3.1) from many subscribers of one publisher track into at most one upstream
// request per interval. A keyframe costs the publisher several times a normal frame's bits:
// a room where 1000 viewers join or lose a packet at once must not make it send 1000.
//
// A request arriving inside the interval is not lost: it stays pending and poll() sends it
// once the interval has passed — unless a keyframe arrived in the meantime, which satisfies
// every request made before it.
//
// FIR carries a command sequence number that the sender uses to tell a new request from a
// repeated one (RFC 5104 §4.3.1.1: "incremented by 1 modulo 2^8 for each new command"); each
// upstream request here is a new command, so it gets the next number.
#pragma once

#include <cstdint>

namespace atrium::stream {

struct KeyframeThrottleOptions {
  int64_t intervalMs = 500;
};

struct KeyframeDecision {
  bool send = false;      // send one PLI/FIR upstream now
  uint8_t firSeqNr = 0;   // the FIR command sequence number to use (if FIR is the message)
};

struct KeyframeThrottleStats {
  uint64_t requests = 0;    // downstream requests seen
  uint64_t sent = 0;        // upstream requests decided
  uint64_t suppressed = 0;  // requests folded into another one
};

class KeyframeRequestThrottle {
 public:
  explicit KeyframeRequestThrottle(const KeyframeThrottleOptions& options = {})
      : intervalMs_(options.intervalMs) {}

  // A subscriber (or our own NACK generator) wants a keyframe.
  KeyframeDecision request(int64_t nowMs);
  // Timer tick: sends a request held back by the interval once the interval has passed.
  KeyframeDecision poll(int64_t nowMs);
  // The publisher sent a keyframe: pending requests are satisfied.
  void onKeyframe(int64_t nowMs);

  bool pending() const { return pending_; }
  // When poll() would send the pending request; meaningless unless pending().
  int64_t nextAllowedMs() const { return lastSentMs_ + intervalMs_; }
  const KeyframeThrottleStats& stats() const { return stats_; }

 private:
  KeyframeDecision sendNow(int64_t nowMs);
  bool allowed(int64_t nowMs) const { return !sentOnce_ || nowMs - lastSentMs_ >= intervalMs_; }

  int64_t intervalMs_;
  int64_t lastSentMs_ = 0;
  bool sentOnce_ = false;
  bool pending_ = false;
  uint8_t nextFirSeqNr_ = 0;
  KeyframeThrottleStats stats_;
};

}  // namespace atrium::stream
