#include "stream/receive_stats.h"

#include <gtest/gtest.h>

#include <cstdint>

#include "base/clock.h"
#include "stream/rtcp_timing.h"

namespace atrium::stream {
namespace {

constexpr uint32_t kSsrc = 0x1234;
constexpr uint32_t kVideoRate = 90000;

// Feeds seq/timestamp pairs 20 ms apart, video-like (3000 ticks per 33 ms frame is not needed
// for loss tests: one packet per timestamp keeps them simple).
void feed(ReceiveStats& stats, base::ManualClock& clock, uint16_t seq) {
  stats.onPacket(seq, static_cast<uint32_t>(seq) * 1800, clock.steadyMs(), 1000);
  clock.advanceMs(20);
}

TEST(ReceiveStats, InOrderStreamHasNoLoss) {
  base::ManualClock clock;
  ReceiveStats stats(kSsrc, kVideoRate);
  for (uint16_t s = 1000; s < 1100; ++s) feed(stats, clock, s);
  EXPECT_TRUE(stats.valid());
  EXPECT_EQ(stats.expected(), 100u);
  EXPECT_EQ(stats.received(), 100u);
  EXPECT_EQ(stats.packets(), 100u);
  EXPECT_EQ(stats.bytes(), 100'000u);
  const ReportBlock block = stats.report(clock.steadyMs());
  EXPECT_EQ(block.ssrc, kSsrc);
  EXPECT_EQ(block.extendedHighestSeq, 1099u);
  EXPECT_EQ(block.cumulativeLost, 0);
  EXPECT_EQ(block.fractionLost, 0);
  EXPECT_EQ(block.lastSr, 0u);
  EXPECT_EQ(block.delaySinceLastSr, 0u);
}

TEST(ReceiveStats, WrapAroundCountsACycle) {
  base::ManualClock clock;
  ReceiveStats stats(kSsrc, kVideoRate);
  uint16_t seq = 65530;
  for (int i = 0; i < 20; ++i) feed(stats, clock, seq++);
  EXPECT_EQ(seq, 14);
  EXPECT_EQ(stats.extendedHighestSeq(), (1u << 16) + 13u);
  EXPECT_EQ(stats.expected(), 20u);
  EXPECT_EQ(stats.cumulativeLost(), 0);
}

TEST(ReceiveStats, ReorderingAcrossWrapIsNotLoss) {
  base::ManualClock clock;
  ReceiveStats stats(kSsrc, kVideoRate);
  feed(stats, clock, 65534);
  feed(stats, clock, 0);
  EXPECT_EQ(stats.cumulativeLost(), 1);
  feed(stats, clock, 65535);  // late, from the previous cycle
  EXPECT_EQ(stats.extendedHighestSeq(), 1u << 16);
  EXPECT_EQ(stats.cumulativeLost(), 0);
}

TEST(ReceiveStats, FractionLostIsPerReportInterval) {
  base::ManualClock clock;
  ReceiveStats stats(kSsrc, kVideoRate);
  for (uint16_t s = 0; s < 100; ++s) {
    if (s % 10 == 5) continue;  // lose 10 of 100
    feed(stats, clock, s);
  }
  ReportBlock block = stats.report(clock.steadyMs());
  EXPECT_EQ(block.cumulativeLost, 10);
  EXPECT_EQ(block.fractionLost, (10 << 8) / 100);  // 25, i.e. ~10 %
  for (uint16_t s = 100; s < 200; ++s) feed(stats, clock, s);
  block = stats.report(clock.steadyMs());
  EXPECT_EQ(block.cumulativeLost, 10) << "cumulative keeps the old loss";
  EXPECT_EQ(block.fractionLost, 0) << "but this interval lost nothing";
}

TEST(ReceiveStats, BurstLossAndLateArrivals) {
  base::ManualClock clock;
  ReceiveStats stats(kSsrc, kVideoRate);
  for (uint16_t s = 0; s < 10; ++s) feed(stats, clock, s);
  feed(stats, clock, 30);  // 20 lost in a burst
  EXPECT_EQ(stats.cumulativeLost(), 20);
  for (uint16_t s = 25; s < 30; ++s) feed(stats, clock, s);  // five turn up late
  EXPECT_EQ(stats.cumulativeLost(), 15);
  const ReportBlock block = stats.report(clock.steadyMs());
  EXPECT_EQ(block.extendedHighestSeq, 30u);
  EXPECT_EQ(block.fractionLost, (15 << 8) / 31);
}

TEST(ReceiveStats, DuplicatesMakeLossNegativeAsTheRfcSays) {
  base::ManualClock clock;
  ReceiveStats stats(kSsrc, kVideoRate);
  for (uint16_t s = 0; s < 10; ++s) feed(stats, clock, s);
  feed(stats, clock, 5);
  feed(stats, clock, 9);
  EXPECT_EQ(stats.received(), 12u);
  const ReportBlock block = stats.report(clock.steadyMs());
  EXPECT_EQ(block.cumulativeLost, -2);
  EXPECT_EQ(block.fractionLost, 0) << "negative interval loss reports as 0";
}

TEST(ReceiveStats, CumulativeLostClampsTo24Bits) {
  base::ManualClock clock;
  ReceiveStats stats(kSsrc, kVideoRate);
  feed(stats, clock, 0);
  // Duplicates beyond 2^23 would overflow the field: build them cheaply with one seq.
  for (int i = 0; i < 0x800010; ++i) stats.onPacket(0, 0, clock.steadyMs());
  EXPECT_EQ(stats.report(clock.steadyMs()).cumulativeLost, ReceiveStats::kMinCumulativeLost);
}

TEST(ReceiveStats, ProbationNeedsSequentialPackets) {
  base::ManualClock clock;
  ReceiveStats stats(kSsrc, kVideoRate, 2);
  EXPECT_FALSE(stats.onPacket(100, 0, clock.steadyMs()));
  EXPECT_FALSE(stats.valid());
  EXPECT_FALSE(stats.onPacket(200, 0, clock.steadyMs())) << "not in sequence: probation restarts";
  EXPECT_TRUE(stats.onPacket(201, 0, clock.steadyMs()));
  EXPECT_TRUE(stats.valid());
  EXPECT_EQ(stats.expected(), 1u);
  EXPECT_EQ(stats.report(clock.steadyMs()).extendedHighestSeq, 201u);
}

TEST(ReceiveStats, LargeJumpIsARestartOnlyWhenConfirmed) {
  base::ManualClock clock;
  ReceiveStats stats(kSsrc, kVideoRate);
  for (uint16_t s = 0; s < 10; ++s) feed(stats, clock, s);
  EXPECT_FALSE(stats.onPacket(30000, 0, clock.steadyMs())) << "a stray is not counted";
  EXPECT_EQ(stats.extendedHighestSeq(), 9u);
  EXPECT_TRUE(stats.onPacket(30001, 0, clock.steadyMs())) << "its successor confirms a restart";
  EXPECT_EQ(stats.extendedHighestSeq(), 30001u);
  EXPECT_EQ(stats.expected(), 1u);
  EXPECT_EQ(stats.received(), 1u);
}

// Hand-computed A.8 example at 8 kHz (8 ticks per ms), one packet per 20 ms / 160 ticks,
// packet 2 arriving 5 ms late:
//   transit = arrival*8 - ts:   0, 0, 40, 0, 0
//   D = |transit - previous|:      0, 40, 40, 0
//   J (RFC integer form, ×16):     0, 40, 40+40-3=77, 77-5=72   → reported 72 >> 4 = 4
//   J (float form):                0, 2.5, 4.84375, 4.541       → 4
TEST(ReceiveStats, JitterMatchesHandComputedValue) {
  base::ManualClock clock(0, 0);
  ReceiveStats stats(kSsrc, 8000);
  const int64_t lateMs[] = {0, 0, 5, 0, 0};
  for (uint16_t i = 0; i < 5; ++i) {
    stats.onPacket(i, 160u * i, clock.steadyMs() + 20 * i + lateMs[i]);
  }
  EXPECT_EQ(stats.jitter(), 4u);
  EXPECT_DOUBLE_EQ(stats.jitterMs(), 0.5);
  EXPECT_EQ(stats.report(clock.steadyMs()).jitter, 4u);
}

TEST(ReceiveStats, JitterConvergesToConstantDelayVariation) {
  // Every packet alternates 0 / +10 ms of delay: |D| is always 10 ms = 900 ticks at 90 kHz,
  // so J converges to 900.
  base::ManualClock clock;
  ReceiveStats stats(kSsrc, kVideoRate);
  for (uint16_t i = 0; i < 400; ++i) {
    stats.onPacket(i, 3000u * i, clock.steadyMs() + 33 * i + (i % 2) * 10);
  }
  EXPECT_NEAR(static_cast<double>(stats.jitter()), 900.0, 8.0);
}

TEST(ReceiveStats, JitterIgnoresPacketsOfTheSameFrameAndTimestampWrap) {
  base::ManualClock clock;
  ReceiveStats stats(kSsrc, kVideoRate);
  uint32_t ts = 0xffffffffu - 6000;  // wraps during the run
  uint16_t seq = 0;
  for (int frame = 0; frame < 50; ++frame) {
    const int64_t t = clock.steadyMs() + 33 * frame;
    // Three packets per frame, paced 4 ms apart: not network jitter.
    for (int p = 0; p < 3; ++p) stats.onPacket(seq++, ts, t + 4 * p);
    ts += 2970;  // exactly 33 ms at 90 kHz
  }
  EXPECT_EQ(stats.jitter(), 0u);
}

TEST(ReceiveStats, LastSrAndDelaySinceIt) {
  base::ManualClock clock;
  ReceiveStats stats(kSsrc, kVideoRate);
  feed(stats, clock, 1);
  const uint64_t ntp = ntpFromUnixMs(clock.wallMs());
  stats.onSenderReport(ntp, clock.steadyMs());
  clock.advanceMs(500);
  const ReportBlock block = stats.report(clock.steadyMs());
  EXPECT_EQ(block.lastSr, compactNtp(ntp));
  EXPECT_EQ(block.lastSr, static_cast<uint32_t>(ntp >> 16));
  EXPECT_EQ(block.delaySinceLastSr, 32768u) << "0.5 s in 1/65536 s";
}

TEST(ReceiveStats, ReportBeforeAnyPacketIsEmpty) {
  ReceiveStats stats(kSsrc, kVideoRate);
  const ReportBlock block = stats.report(0);
  EXPECT_EQ(block.ssrc, kSsrc);
  EXPECT_EQ(block.extendedHighestSeq, 0u);
  EXPECT_EQ(block.cumulativeLost, 0);
  EXPECT_EQ(block.fractionLost, 0);
}

}  // namespace
}  // namespace atrium::stream
