// When to try a failed callback again (spec trtc-compat.md §6): retry immediately after the first
// failure, then every 10 s, and stop 1 minute after the first attempt. Pure: time comes in as
// arguments, so the schedule is tested without a thread or a socket.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>

namespace atrium::callback {

struct RetryPolicy {
  int64_t timeoutMs = 5000;         // one POST, connect included
  int64_t retryIntervalMs = 10000;  // between retries after the immediate one
  int64_t giveUpAfterMs = 60000;    // no attempt starts later than this after the first one
};

// Called after attempt number `attempts` (1-based) failed at nowMs. Returns when the next attempt
// is due, or nullopt to give up. firstAttemptMs is the job's creation time: the first attempt is
// made as soon as the event is queued, so the queue need not store a separate first-attempt time.
//
// The immediate retry is granted even outside the window: a job whose first attempt came late (it
// sat in the queue while the process was down) still gets two tries before it is given up.
// Later retries are spaced from the failure, not from the first attempt, so a receiver that
// times out (5 s) still gets a full interval of rest between attempts — except the last one: when
// the next interval would end past the window, one more attempt starts when the window ends, so a
// job is given up only once the documented minute has passed (not ~10 s before it).
inline std::optional<int64_t> nextAttemptAfterFailure(const RetryPolicy& policy,
                                                      int64_t firstAttemptMs, int attempts,
                                                      int64_t nowMs) {
  if (attempts <= 1) return nowMs;
  const int64_t windowEnd = firstAttemptMs + policy.giveUpAfterMs;
  if (nowMs >= windowEnd) return std::nullopt;
  return std::min(nowMs + policy.retryIntervalMs, windowEnd);
}

}  // namespace atrium::callback
