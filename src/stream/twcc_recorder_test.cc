#include "stream/twcc_recorder.h"

#include <gtest/gtest.h>

#include <array>

namespace atrium::stream {
namespace {

std::vector<uint16_t> seqs(std::span<const rtp::TwccArrival> a) {
  std::vector<uint16_t> out;
  for (auto x : a) out.push_back(x.seq);
  return out;
}

TEST(TwccRecorder, ReportsArrivalsSinceLastFeedbackInOrder) {
  TwccRecorder r;
  r.onPacket(10, 1000);
  r.onPacket(12, 3000);
  r.onPacket(11, 2500);  // reordered, still before the feedback
  auto a = r.collect();
  EXPECT_EQ(seqs(a), (std::vector<uint16_t>{10, 11, 12}));
  EXPECT_EQ(a[1].arrivalUs, 2500);
  EXPECT_TRUE(r.collect().empty());
  r.onPacket(14, 5000);
  EXPECT_EQ(seqs(r.collect()), (std::vector<uint16_t>{14}));
}

TEST(TwccRecorder, PacketLateForItsFeedbackIsDroppedAndCounted) {
  TwccRecorder r;
  r.onPacket(100, 1);
  r.onPacket(102, 3);
  (void)r.collect();
  r.onPacket(101, 4);
  EXPECT_TRUE(r.collect().empty());
  EXPECT_EQ(r.lateDropped(), 1u);
}

TEST(TwccRecorder, WrapsAroundTheSequenceSpace) {
  TwccRecorder r;
  r.onPacket(65534, 1);
  r.onPacket(65535, 2);
  r.onPacket(0, 3);
  r.onPacket(1, 4);
  EXPECT_EQ(seqs(r.collect()), (std::vector<uint16_t>{65534, 65535, 0, 1}));
}

TEST(TwccRecorder, WindowSlidesWhenTooManyWaitWithoutFeedback) {
  TwccRecorder r;
  for (int i = 0; i < 1500; ++i) r.onPacket(static_cast<uint16_t>(i), i);
  auto a = r.collect();
  ASSERT_EQ(a.size(), TwccRecorder::kWindow);
  EXPECT_EQ(a.front().seq, 1500 - TwccRecorder::kWindow);
  EXPECT_EQ(a.back().seq, 1499);
}

TEST(TwccRecorder, OutputBuildsAValidFeedbackPacket) {
  TwccRecorder r;
  r.onPacket(7, 1'000'000);
  r.onPacket(9, 1'020'000);
  std::array<uint8_t, 256> buf{};
  size_t n = rtp::RtcpTransportFeedback::build(buf, 1, 0x1234, r.nextFeedbackCount(), r.collect());
  ASSERT_GT(n, 0u);
  auto fb = rtp::RtcpTransportFeedback::parse(std::span(buf).first(n));
  ASSERT_TRUE(fb);
  EXPECT_EQ(fb->baseSequenceNumber(), 7);
  EXPECT_EQ(fb->packetStatusCount(), 3);
  EXPECT_EQ(fb->receivedCount(), 2u);
}

}  // namespace
}  // namespace atrium::stream
