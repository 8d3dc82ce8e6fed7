#include "callback/retry_policy.h"

#include <gtest/gtest.h>

#include <vector>

#include "base/clock.h"

namespace atrium::callback {
namespace {

// Runs a job whose every attempt fails after `attemptMs`, and returns when each attempt started,
// relative to the first. Time moves only through the ManualClock.
std::vector<int64_t> attemptStarts(const RetryPolicy& policy, int64_t attemptMs,
                                   int64_t firstAttemptDelayMs = 0) {
  base::ManualClock clock;
  const int64_t created = clock.wallMs();
  clock.advanceMs(firstAttemptDelayMs);
  std::vector<int64_t> starts;
  for (int attempts = 1; attempts < 100; ++attempts) {
    starts.push_back(clock.wallMs() - created);
    clock.advanceMs(attemptMs);
    std::optional<int64_t> next = nextAttemptAfterFailure(policy, created, attempts, clock.wallMs());
    if (!next) return starts;
    EXPECT_GE(*next, clock.wallMs());
    clock.advanceMs(*next - clock.wallMs());
  }
  ADD_FAILURE() << "never gave up";
  return starts;
}

TEST(RetryPolicy, DefaultsAreTheTrtcSchedule) {
  RetryPolicy p;
  EXPECT_EQ(p.timeoutMs, 5000);
  EXPECT_EQ(p.retryIntervalMs, 10000);
  EXPECT_EQ(p.giveUpAfterMs, 60000);
  // Instant failures: immediately, then every 10 s, the last one starting at the 1-minute mark.
  EXPECT_EQ(attemptStarts(p, 0),
            (std::vector<int64_t>{0, 0, 10000, 20000, 30000, 40000, 50000, 60000}));
}

TEST(RetryPolicy, SlowFailuresKeepAFullIntervalBetweenAttempts) {
  // Every attempt times out after 5 s: the next one starts 10 s after that failure; the last one
  // when the minute is over, so the job is given up only after it (at 65 s), never before.
  EXPECT_EQ(attemptStarts(RetryPolicy{}, 5000),
            (std::vector<int64_t>{0, 5000, 20000, 35000, 50000, 60000}));
}

TEST(RetryPolicy, LateFirstAttemptStillGetsTheImmediateRetry) {
  // The job waited two minutes in the queue (process down): one try, one immediate retry, done.
  EXPECT_EQ(attemptStarts(RetryPolicy{}, 0, 120000), (std::vector<int64_t>{120000, 120000}));
}

TEST(RetryPolicy, IsConfigurable) {
  RetryPolicy p{.timeoutMs = 100, .retryIntervalMs = 30, .giveUpAfterMs = 100};
  EXPECT_EQ(attemptStarts(p, 0), (std::vector<int64_t>{0, 0, 30, 60, 90, 100}));
  RetryPolicy none{.timeoutMs = 100, .retryIntervalMs = 1000, .giveUpAfterMs = 0};
  EXPECT_EQ(attemptStarts(none, 0), (std::vector<int64_t>{0, 0}));
}

TEST(RetryPolicy, DecisionAtTheEdgeOfTheWindow) {
  RetryPolicy p;
  EXPECT_EQ(nextAttemptAfterFailure(p, 0, 1, 70000), 70000);  // immediate retry, always
  EXPECT_EQ(nextAttemptAfterFailure(p, 0, 2, 50000), 60000);  // starts exactly at the limit
  EXPECT_EQ(nextAttemptAfterFailure(p, 0, 2, 50001), 60000);  // a last one when the window ends
  EXPECT_EQ(nextAttemptAfterFailure(p, 0, 2, 59999), 60000);
  EXPECT_EQ(nextAttemptAfterFailure(p, 0, 2, 60000), std::nullopt);
}

}  // namespace
}  // namespace atrium::callback
