#include "stream/nack_generator.h"

#include <gtest/gtest.h>

#include <vector>

#include "base/clock.h"

namespace atrium::stream {
namespace {

std::vector<uint16_t> seqs(std::span<const uint16_t> s) { return {s.begin(), s.end()}; }

class NackGeneratorTest : public ::testing::Test {
 protected:
  NackUpdate receive(uint16_t seq, bool keyframe = false) {
    return nack.onPacket(seq, clock.steadyMs(), keyframe);
  }
  std::vector<uint16_t> collect() { return seqs(nack.collect(clock.steadyMs())); }

  base::ManualClock clock;
  NackOptions options;
  NackGenerator nack{options};
};

TEST_F(NackGeneratorTest, NoLossNoNacks) {
  for (uint16_t s = 0; s < 100; ++s) receive(s);
  clock.advanceMs(100);
  EXPECT_TRUE(collect().empty());
  EXPECT_EQ(nack.outstanding(), 0u);
  EXPECT_EQ(nack.nextDueMs(), std::nullopt);
}

TEST_F(NackGeneratorTest, FirstNackAfterReorderDelayThenEveryRtt) {
  nack.setRttMs(100);
  receive(0);
  receive(1);
  receive(3);
  EXPECT_TRUE(collect().empty()) << "could still be reordering";
  EXPECT_EQ(nack.nextDueMs(), clock.steadyMs() + 10);
  clock.advanceMs(10);
  EXPECT_EQ(collect(), std::vector<uint16_t>{2});
  EXPECT_TRUE(collect().empty()) << "just sent";
  clock.advanceMs(99);
  EXPECT_TRUE(collect().empty()) << "an answer cannot be back before one RTT";
  clock.advanceMs(1);
  EXPECT_EQ(collect(), std::vector<uint16_t>{2});
  EXPECT_EQ(nack.stats().nacksSent, 2u);
  EXPECT_EQ(nack.stats().packetsNacked, 1u);
}

TEST_F(NackGeneratorTest, RetryIntervalHasAFloor) {
  nack.setRttMs(5);
  EXPECT_EQ(nack.retryIntervalMs(), 20);
  nack.setRttMs(250);
  EXPECT_EQ(nack.retryIntervalMs(), 250);
}

TEST_F(NackGeneratorTest, ReorderedPacketIsNeverNacked) {
  receive(0);
  receive(2);
  clock.advanceMs(5);
  const NackUpdate late = receive(1);
  EXPECT_TRUE(late.filledHole);
  EXPECT_FALSE(late.recovered);
  clock.advanceMs(50);
  EXPECT_TRUE(collect().empty());
  EXPECT_EQ(nack.stats().reordered, 1u);
  EXPECT_EQ(nack.stats().nacksSent, 0u);
}

TEST_F(NackGeneratorTest, RetransmissionCountsAsRecovered) {
  receive(0);
  receive(2);
  clock.advanceMs(10);
  ASSERT_EQ(collect(), std::vector<uint16_t>{1});
  clock.advanceMs(30);
  const NackUpdate update = receive(1);
  EXPECT_TRUE(update.recovered);
  EXPECT_EQ(nack.stats().recovered, 1u);
  EXPECT_EQ(nack.outstanding(), 0u);
  EXPECT_TRUE(receive(1).duplicate) << "a second copy is a duplicate";
}

TEST_F(NackGeneratorTest, GivesUpAfterMaxRetries) {
  NackOptions o;
  o.maxRetries = 3;
  NackGenerator limited(o);
  limited.setRttMs(20);
  limited.onPacket(0, clock.steadyMs());
  limited.onPacket(2, clock.steadyMs());
  int sent = 0;
  for (int i = 0; i < 20; ++i) {
    clock.advanceMs(10);
    sent += static_cast<int>(limited.collect(clock.steadyMs()).size());
  }
  EXPECT_EQ(sent, 3);
  EXPECT_EQ(limited.outstanding(), 0u);
  EXPECT_EQ(limited.stats().givenUp, 1u);
  EXPECT_EQ(limited.stats().nacksSent, 3u);
}

TEST_F(NackGeneratorTest, LateAnswerToTheLastRetryStillCounts) {
  NackOptions o;
  o.maxRetries = 1;
  NackGenerator once(o);
  once.setRttMs(100);
  once.onPacket(0, clock.steadyMs());
  once.onPacket(2, clock.steadyMs());
  clock.advanceMs(10);
  ASSERT_EQ(once.collect(clock.steadyMs()).size(), 1u);
  clock.advanceMs(50);
  EXPECT_TRUE(once.collect(clock.steadyMs()).empty());
  EXPECT_EQ(once.outstanding(), 1u) << "kept for one more RTT";
  EXPECT_TRUE(once.onPacket(1, clock.steadyMs()).recovered);
}

TEST_F(NackGeneratorTest, ForgetsHolesOlderThanMaxAge) {
  nack.setRttMs(400);  // 10 retries would take 4 s; the age limit of 1 s comes first
  receive(0);
  receive(2);
  int sent = 0;
  for (int i = 0; i < 150; ++i) {
    clock.advanceMs(10);
    sent += static_cast<int>(collect().size());
  }
  EXPECT_EQ(sent, 3) << "at 10, 410 and 810 ms";
  EXPECT_EQ(nack.outstanding(), 0u);
  EXPECT_EQ(nack.stats().givenUp, 1u);
}

TEST_F(NackGeneratorTest, WrapAroundKeepsOrder) {
  receive(65533);
  receive(65534);
  receive(1);
  clock.advanceMs(10);
  EXPECT_EQ(collect(), (std::vector<uint16_t>{65535, 0}));
  EXPECT_TRUE(receive(0).recovered);
  EXPECT_TRUE(receive(65535).recovered);
  EXPECT_EQ(nack.outstanding(), 0u);
}

TEST_F(NackGeneratorTest, BurstLossIsNackedInOneBatch) {
  receive(1000);
  receive(1101);
  clock.advanceMs(10);
  const auto batch = collect();
  ASSERT_EQ(batch.size(), 100u);
  EXPECT_EQ(batch.front(), 1001);
  EXPECT_EQ(batch.back(), 1100);
}

TEST_F(NackGeneratorTest, DuplicatesAreReported) {
  receive(0);
  receive(1);
  EXPECT_TRUE(receive(1).duplicate);
  EXPECT_TRUE(receive(0).duplicate);
  EXPECT_EQ(nack.outstanding(), 0u);
}

TEST_F(NackGeneratorTest, HugeJumpResetsAndAsksForKeyframe) {
  receive(0);
  receive(2);
  const NackUpdate update = receive(1000);
  EXPECT_TRUE(update.keyframeNeeded);
  EXPECT_EQ(nack.outstanding(), 0u);
  EXPECT_EQ(nack.stats().resets, 1u);
  receive(1002);
  clock.advanceMs(10);
  EXPECT_EQ(collect(), std::vector<uint16_t>{1001}) << "tracking continues from the new point";
}

TEST_F(NackGeneratorTest, SenderRestartingLowerIsFollowed) {
  receive(10000);
  EXPECT_TRUE(receive(100).duplicate) << "one far-back packet may be a stray";
  const NackUpdate update = receive(101);
  EXPECT_TRUE(update.keyframeNeeded) << "two in sequence: a restart";
  receive(103);
  clock.advanceMs(10);
  EXPECT_EQ(collect(), std::vector<uint16_t>{102});
}

TEST_F(NackGeneratorTest, OverflowEvictsOldestAndAsksForKeyframe) {
  NackOptions o;
  o.maxOutstanding = 10;
  NackGenerator small(o);
  small.onPacket(0, clock.steadyMs());
  small.onPacket(6, clock.steadyMs());   // holes 1..5
  small.onPacket(12, clock.steadyMs());  // holes 7..11: full
  EXPECT_EQ(small.outstanding(), 10u);
  const NackUpdate update = small.onPacket(18, clock.steadyMs());  // 13..17 need room
  EXPECT_TRUE(update.keyframeNeeded);
  EXPECT_EQ(small.outstanding(), 10u);
  EXPECT_EQ(small.stats().evicted, 5u);
  clock.advanceMs(10);
  const auto batch = seqs(small.collect(clock.steadyMs()));
  EXPECT_EQ(batch.front(), 7) << "the oldest holes went first";
}

TEST_F(NackGeneratorTest, OverflowDropsHolesBeforeAKeyframeWithoutAskingForAnother) {
  NackOptions o;
  o.maxOutstanding = 10;
  NackGenerator small(o);
  small.onPacket(0, clock.steadyMs());
  small.onPacket(6, clock.steadyMs());
  small.onPacket(12, clock.steadyMs(), true);  // a keyframe starts at 12
  const NackUpdate update = small.onPacket(18, clock.steadyMs());
  EXPECT_FALSE(update.keyframeNeeded) << "holes before the keyframe are not needed";
  EXPECT_EQ(small.outstanding(), 10u);
}

TEST_F(NackGeneratorTest, ResetForgetsEverything) {
  receive(0);
  receive(5);
  nack.reset();
  EXPECT_EQ(nack.outstanding(), 0u);
  receive(100);
  receive(101);
  clock.advanceMs(10);
  EXPECT_TRUE(collect().empty());
}

TEST_F(NackGeneratorTest, NextDueTracksTheEarliestHole) {
  nack.setRttMs(100);
  receive(0);
  receive(2);
  const int64_t t0 = clock.steadyMs();
  EXPECT_EQ(nack.nextDueMs(), t0 + 10);
  clock.advanceMs(10);
  collect();
  EXPECT_EQ(nack.nextDueMs(), t0 + 110);
}

}  // namespace
}  // namespace atrium::stream
