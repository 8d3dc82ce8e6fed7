#include "stream/keyframe_request_throttle.h"

#include <gtest/gtest.h>

#include "base/clock.h"

namespace atrium::stream {
namespace {

TEST(KeyframeRequestThrottle, ThousandSubscribersCauseOneRequest) {
  base::ManualClock clock;
  KeyframeRequestThrottle throttle;
  int sent = 0;
  for (int subscriber = 0; subscriber < 1000; ++subscriber) {
    const KeyframeDecision d = throttle.request(clock.steadyMs());
    if (d.send) {
      ++sent;
      EXPECT_EQ(d.firSeqNr, 0);
    }
  }
  EXPECT_EQ(sent, 1);
  EXPECT_EQ(throttle.stats().requests, 1000u);
  EXPECT_EQ(throttle.stats().suppressed, 999u);
  EXPECT_TRUE(throttle.pending()) << "the later requests are remembered";
}

TEST(KeyframeRequestThrottle, HeldBackRequestGoesOutAfterTheInterval) {
  base::ManualClock clock;
  KeyframeRequestThrottle throttle;
  ASSERT_TRUE(throttle.request(clock.steadyMs()).send);
  clock.advanceMs(100);
  EXPECT_FALSE(throttle.request(clock.steadyMs()).send);
  EXPECT_EQ(throttle.nextAllowedMs(), clock.steadyMs() + 400);
  clock.advanceMs(399);
  EXPECT_FALSE(throttle.poll(clock.steadyMs()).send);
  clock.advanceMs(1);
  const KeyframeDecision d = throttle.poll(clock.steadyMs());
  EXPECT_TRUE(d.send);
  EXPECT_EQ(d.firSeqNr, 1) << "a new FIR command gets the next number";
  EXPECT_FALSE(throttle.pending());
  EXPECT_FALSE(throttle.poll(clock.steadyMs() + 1000).send) << "nothing left to send";
}

TEST(KeyframeRequestThrottle, AKeyframeSatisfiesPendingRequests) {
  base::ManualClock clock;
  KeyframeRequestThrottle throttle;
  ASSERT_TRUE(throttle.request(clock.steadyMs()).send);
  clock.advanceMs(50);
  throttle.request(clock.steadyMs());
  clock.advanceMs(50);
  throttle.onKeyframe(clock.steadyMs());
  EXPECT_FALSE(throttle.pending());
  clock.advanceMs(1000);
  EXPECT_FALSE(throttle.poll(clock.steadyMs()).send);
  EXPECT_TRUE(throttle.request(clock.steadyMs()).send) << "a new need after the interval goes out";
}

TEST(KeyframeRequestThrottle, SustainedRequestsAreCappedByTheInterval) {
  base::ManualClock clock;
  KeyframeThrottleOptions options;
  options.intervalMs = 250;
  KeyframeRequestThrottle throttle(options);
  int sent = 0;
  // 1000 subscribers, each asking every 100 ms for 10 s (one asks every 0.1 ms), with a 10 ms
  // timer polling: at most one upstream request per 250 ms.
  for (int tick = 0; tick < 100'000; ++tick) {
    sent += throttle.request(clock.steadyMs()).send;
    if (tick % 100 == 0) sent += throttle.poll(clock.steadyMs()).send;
    if (tick % 10 == 9) clock.advanceMs(1);
  }
  EXPECT_EQ(sent, 10'000 / 250);
  EXPECT_EQ(throttle.stats().sent, 40u);
}

TEST(KeyframeRequestThrottle, FirSequenceNumberWrapsModulo256) {
  base::ManualClock clock;
  KeyframeRequestThrottle throttle;
  uint8_t last = 0;
  for (int i = 0; i < 258; ++i) {
    const KeyframeDecision d = throttle.request(clock.steadyMs());
    ASSERT_TRUE(d.send);
    last = d.firSeqNr;
    clock.advanceMs(500);
  }
  EXPECT_EQ(last, 1) << "257 mod 256";
}

}  // namespace
}  // namespace atrium::stream
