#include "stream/retransmission_buffer.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "base/clock.h"

namespace atrium::stream {
namespace {

// A recognisable packet: every byte derived from the seq.
std::vector<uint8_t> packetFor(uint16_t seq, size_t size = 1000) {
  std::vector<uint8_t> p(size);
  for (size_t i = 0; i < size; ++i) p[i] = static_cast<uint8_t>(seq * 31 + i);
  return p;
}

bool holds(const RetransmissionBuffer& buffer, uint16_t seq, int64_t nowMs, size_t size = 1000) {
  const auto found = buffer.find(seq, nowMs);
  const auto expected = packetFor(seq, size);
  return std::vector<uint8_t>(found.begin(), found.end()) == expected;
}

RetransmissionBufferOptions withCapacity(size_t capacity) {
  RetransmissionBufferOptions o;
  o.capacity = capacity;
  return o;
}

TEST(RetransmissionBuffer, StoresACopy) {
  base::ManualClock clock;
  RetransmissionBuffer buffer;
  auto packet = packetFor(7);
  ASSERT_TRUE(buffer.store(7, packet, clock.steadyMs()));
  packet.assign(packet.size(), 0);  // the caller reuses its buffer
  EXPECT_TRUE(holds(buffer, 7, clock.steadyMs()));
  EXPECT_TRUE(buffer.find(8, clock.steadyMs()).empty());
  EXPECT_EQ(buffer.stats().stored, 1u);
}

TEST(RetransmissionBuffer, CapacityIsAPowerOfTwo) {
  EXPECT_EQ(RetransmissionBuffer(withCapacity(1000)).capacity(), 1024u);
  EXPECT_EQ(RetransmissionBuffer(withCapacity(1)).capacity(), 1u);
  EXPECT_EQ(RetransmissionBuffer(withCapacity(100'000)).capacity(), 32768u);
}

TEST(RetransmissionBuffer, ExpiresAfterMaxAge) {
  base::ManualClock clock;
  RetransmissionBuffer buffer;
  buffer.store(1, packetFor(1), clock.steadyMs());
  clock.advanceMs(1000);
  EXPECT_TRUE(holds(buffer, 1, clock.steadyMs()));
  clock.advanceMs(1);
  EXPECT_TRUE(buffer.find(1, clock.steadyMs()).empty());
  EXPECT_EQ(buffer.fetchForResend(1, clock.steadyMs()).status, ResendStatus::kTooOld);
}

TEST(RetransmissionBuffer, EvictsTheOldestWhenTheRingTurns) {
  base::ManualClock clock;
  RetransmissionBuffer buffer(withCapacity(8));
  for (uint16_t s = 0; s < 16; ++s) buffer.store(s, packetFor(s), clock.steadyMs());
  for (uint16_t s = 0; s < 8; ++s) EXPECT_TRUE(buffer.find(s, clock.steadyMs()).empty()) << s;
  for (uint16_t s = 8; s < 16; ++s) EXPECT_TRUE(holds(buffer, s, clock.steadyMs())) << s;
}

TEST(RetransmissionBuffer, WrapsAroundSeq65535) {
  base::ManualClock clock;
  RetransmissionBuffer buffer(withCapacity(16));
  uint16_t seq = 65530;
  for (int i = 0; i < 12; ++i, ++seq) buffer.store(seq, packetFor(seq), clock.steadyMs());
  seq = 65530;
  for (int i = 0; i < 12; ++i, ++seq) EXPECT_TRUE(holds(buffer, seq, clock.steadyMs())) << seq;
  EXPECT_TRUE(buffer.find(65529, clock.steadyMs()).empty());
  EXPECT_TRUE(buffer.find(6, clock.steadyMs()).empty()) << "newer than anything stored";
}

TEST(RetransmissionBuffer, GapsLeaveNoStalePackets) {
  base::ManualClock clock;
  RetransmissionBuffer buffer(withCapacity(8));
  buffer.store(1, packetFor(1), clock.steadyMs());
  buffer.store(9, packetFor(9), clock.steadyMs());  // same slot as 1
  EXPECT_TRUE(buffer.find(1, clock.steadyMs()).empty());
  EXPECT_TRUE(holds(buffer, 9, clock.steadyMs()));
  buffer.store(100, packetFor(100), clock.steadyMs());
  EXPECT_TRUE(buffer.find(9, clock.steadyMs()).empty()) << "out of the window after the jump";
}

TEST(RetransmissionBuffer, AcceptsReorderedPacketsInsideTheWindowOnly) {
  base::ManualClock clock;
  RetransmissionBuffer buffer(withCapacity(8));
  buffer.store(20, packetFor(20), clock.steadyMs());
  EXPECT_TRUE(buffer.store(15, packetFor(15), clock.steadyMs()));
  EXPECT_TRUE(holds(buffer, 15, clock.steadyMs()));
  EXPECT_FALSE(buffer.store(12, packetFor(12), clock.steadyMs())) << "its slot belongs to 20";
  EXPECT_TRUE(holds(buffer, 20, clock.steadyMs()));
  EXPECT_EQ(buffer.stats().rejected, 1u);
}

TEST(RetransmissionBuffer, RejectsOversizedPacketsAndKeepsEmptyOnes) {
  base::ManualClock clock;
  RetransmissionBufferOptions o;
  o.maxPacketSize = 1200;
  RetransmissionBuffer buffer(o);
  EXPECT_FALSE(buffer.store(1, packetFor(1, 1201), clock.steadyMs()));
  EXPECT_TRUE(buffer.store(2, packetFor(2, 1200), clock.steadyMs()));
  EXPECT_TRUE(holds(buffer, 2, clock.steadyMs(), 1200));
  EXPECT_TRUE(buffer.store(3, {}, clock.steadyMs()));
  EXPECT_EQ(buffer.fetchForResend(3, clock.steadyMs()).status, ResendStatus::kOk);
}

TEST(RetransmissionBuffer, ResendIsRateLimitedPerPacket) {
  base::ManualClock clock;
  RetransmissionBuffer buffer;
  buffer.store(5, packetFor(5), clock.steadyMs());
  buffer.store(6, packetFor(6), clock.steadyMs());
  ResendResult r = buffer.fetchForResend(5, clock.steadyMs());
  ASSERT_EQ(r.status, ResendStatus::kOk);
  EXPECT_EQ(std::vector<uint8_t>(r.packet.begin(), r.packet.end()), packetFor(5));
  clock.advanceMs(9);
  EXPECT_EQ(buffer.fetchForResend(5, clock.steadyMs()).status, ResendStatus::kRateLimited);
  EXPECT_EQ(buffer.fetchForResend(6, clock.steadyMs()).status, ResendStatus::kOk) << "per packet";
  clock.advanceMs(1);
  EXPECT_EQ(buffer.fetchForResend(5, clock.steadyMs()).status, ResendStatus::kOk);

  buffer.setRttMs(100);
  clock.advanceMs(99);
  EXPECT_EQ(buffer.fetchForResend(5, clock.steadyMs()).status, ResendStatus::kRateLimited)
      << "within one RTT it is a duplicate NACK";
  clock.advanceMs(1);
  EXPECT_EQ(buffer.fetchForResend(5, clock.steadyMs()).status, ResendStatus::kOk);
  EXPECT_EQ(buffer.fetchForResend(77, clock.steadyMs()).status, ResendStatus::kMissing);
  EXPECT_EQ(buffer.stats().resent, 4u);
  EXPECT_EQ(buffer.stats().rateLimited, 2u);
  EXPECT_EQ(buffer.stats().missing, 1u);
}

TEST(RetransmissionBuffer, StoringAgainResetsTheRateLimit) {
  base::ManualClock clock;
  RetransmissionBuffer buffer;
  buffer.store(5, packetFor(5), clock.steadyMs());
  ASSERT_EQ(buffer.fetchForResend(5, clock.steadyMs()).status, ResendStatus::kOk);
  buffer.store(5, packetFor(5), clock.steadyMs());
  EXPECT_EQ(buffer.fetchForResend(5, clock.steadyMs()).status, ResendStatus::kOk);
}

TEST(RetransmissionBuffer, ClearEmptiesEverything) {
  base::ManualClock clock;
  RetransmissionBuffer buffer(withCapacity(8));
  for (uint16_t s = 0; s < 8; ++s) buffer.store(s, packetFor(s), clock.steadyMs());
  buffer.clear();
  for (uint16_t s = 0; s < 8; ++s) EXPECT_TRUE(buffer.find(s, clock.steadyMs()).empty());
  EXPECT_TRUE(buffer.store(3, packetFor(3), clock.steadyMs())) << "any seq is welcome again";
}

TEST(RetransmissionBuffer, LongRunAcrossManyWraps) {
  base::ManualClock clock;
  RetransmissionBuffer buffer(withCapacity(1024));
  uint16_t seq = 60000;
  for (int i = 0; i < 200'000; ++i, ++seq) {
    buffer.store(seq, packetFor(seq, 100), clock.steadyMs());
    if (i % 4 == 0) clock.advanceMs(1);
    if (i > 1024 && i % 997 == 0) {
      ASSERT_TRUE(holds(buffer, static_cast<uint16_t>(seq - 1023), clock.steadyMs(), 100));
      ASSERT_TRUE(buffer.find(static_cast<uint16_t>(seq - 1024), clock.steadyMs()).empty());
    }
  }
}

}  // namespace
}  // namespace atrium::stream
