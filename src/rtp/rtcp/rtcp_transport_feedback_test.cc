#include "rtp/rtcp/rtcp_transport_feedback.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "rtp/byte_io.h"
#include "rtp/rtp_test_vectors.h"

namespace atrium::rtp {
namespace {

using testing::Bytes;

std::vector<TwccPacket> all(const RtcpTransportFeedback& f) {
  std::vector<TwccPacket> v;
  f.forEachPacket([&](const TwccPacket& p) { v.push_back(p); });
  return v;
}

TEST(RtcpTransportFeedback, ParsesAllChunkKindsAndDeltaSizes) {
  auto f = RtcpTransportFeedback::parse(testing::kTwcc);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->senderSsrc(), 1u);
  EXPECT_EQ(f->mediaSsrc(), 0x3ad8f1c2u);
  EXPECT_EQ(f->baseSequenceNumber(), 256);
  EXPECT_EQ(f->packetStatusCount(), 24);
  EXPECT_EQ(f->referenceTime(), 16);
  EXPECT_EQ(f->referenceTimeUs(), 1'024'000);
  EXPECT_EQ(f->feedbackPacketCount(), 5);
  EXPECT_EQ(f->receivedCount(), 12u);

  const auto v = all(*f);
  ASSERT_EQ(v.size(), 24u);
  struct Want {
    uint16_t seq;
    TwccStatus status;
    int32_t ticks;
    int64_t arrivalUs;
  };
  using S = TwccStatus;
  const Want want[] = {
      {256, S::kSmallDelta, 4, 1'025'000},  {257, S::kSmallDelta, 4, 1'026'000},
      {258, S::kSmallDelta, 4, 1'027'000},  {259, S::kNotReceived, 0, 0},
      {260, S::kLargeDelta, -8, 1'025'000}, {261, S::kSmallDelta, 0, 1'025'000},
      {262, S::kSmallDelta, 255, 1'088'750}, {263, S::kNotReceived, 0, 0},
      {264, S::kLargeDelta, 300, 1'163'750}, {265, S::kSmallDelta, 1, 1'164'000},
      {266, S::kSmallDelta, 2, 1'164'500},  {267, S::kNotReceived, 0, 0},
      {268, S::kSmallDelta, 2, 1'165'000},  {269, S::kSmallDelta, 2, 1'165'500},
  };
  for (size_t i = 0; i < std::size(want); ++i) {
    EXPECT_EQ(v[i].seq, want[i].seq) << i;
    EXPECT_EQ(v[i].status, want[i].status) << i;
    EXPECT_EQ(v[i].deltaTicks, want[i].ticks) << i;
    EXPECT_EQ(v[i].arrivalUs, want[i].arrivalUs) << i;
  }
  for (size_t i = 14; i < 23; ++i) EXPECT_FALSE(v[i].received()) << i;
  EXPECT_EQ(v[23].seq, 279);
  EXPECT_EQ(v[23].arrivalUs, 1'166'000);
  EXPECT_EQ(v[4].deltaUs(), -2000);

  TwccPacket buf[5];
  EXPECT_EQ(f->packets(buf), 5u);
  EXPECT_EQ(buf[4].seq, 260);
}

TEST(RtcpTransportFeedback, RejectsMalformed) {
  for (size_t n = 0; n < testing::kTwcc.size(); ++n) {
    EXPECT_FALSE(RtcpTransportFeedback::parse(std::span(testing::kTwcc).first(n))) << n;
  }
  auto mutate = [](size_t at, uint8_t v) {
    Bytes b = testing::kTwcc;
    b[at] = v;
    return RtcpTransportFeedback::parse(b).has_value();
  };
  EXPECT_FALSE(mutate(15, 0));     // status count 0
  EXPECT_FALSE(mutate(15, 25));    // one status more than the chunks hold, deltas shift
  EXPECT_FALSE(mutate(20, 0x60));  // run-length chunk with the reserved symbol 11
  EXPECT_FALSE(mutate(22, 0xf9));  // two-bit vector whose first symbol is reserved
  EXPECT_FALSE(mutate(15, 0xff));  // 255 statuses: a delta pair is read as a chunk, and the
                                   // deltas then no longer fit
  // 23 statuses: the one-bit vector is partly unused and one delta byte is left over, which
  // is within the 3 bytes of zero padding a packet may end with.
  EXPECT_TRUE(mutate(15, 23));
  Bytes b = testing::kTwcc;
  b[3] = 0x0a;  // a whole extra word after the deltas
  b.insert(b.end(), {0, 0, 0, 0});
  EXPECT_FALSE(RtcpTransportFeedback::parse(b));
}

TEST(RtcpTransportFeedback, LastRunMayExceedTheCount) {
  // Run-length chunk of 8191 small deltas reporting only 2 packets.
  Bytes b = {0x8f, 0xcd, 0x00, 0x05, 0, 0, 0, 1, 0, 0, 0, 2,
             0x00, 0x10, 0x00, 0x02, 0xff, 0xff, 0xff, 0x00,  // reference -1 (-64 ms)
             0x3f, 0xff, 0x01, 0x02};
  auto f = RtcpTransportFeedback::parse(b);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->referenceTime(), -1);
  const auto v = all(*f);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].arrivalUs, -64'000 + 250);
  EXPECT_EQ(v[1].arrivalUs, -64'000 + 750);
}

void expectRoundTrip(const std::vector<TwccArrival>& in) {
  Bytes out(16 + in.size() * 4 + 2 * 65536 / 7 + 64);
  const size_t n = RtcpTransportFeedback::build(out, 11, 22, 9, in);
  ASSERT_GT(n, 0u);
  ASSERT_EQ(n % 4, 0u);
  EXPECT_EQ(readU16(&out[2]), n / 4 - 1);
  auto f = RtcpTransportFeedback::parse(std::span(out).first(n));
  ASSERT_TRUE(f);
  EXPECT_EQ(f->feedbackPacketCount(), 9);
  EXPECT_EQ(f->baseSequenceNumber(), in.front().seq);
  ASSERT_EQ(f->receivedCount(), in.size());
  // Arrival times come back floored to the 250 us grid (no 24-bit reference wrap here).
  size_t i = 0;
  f->forEachPacket([&](const TwccPacket& p) {
    if (!p.received()) {
      ASSERT_TRUE(i >= in.size() || p.seq != in[i].seq);
      return;
    }
    ASSERT_LT(i, in.size());
    EXPECT_EQ(p.seq, in[i].seq);
    EXPECT_LE(p.arrivalUs, in[i].arrivalUs);
    EXPECT_GT(p.arrivalUs, in[i].arrivalUs - 250);
    ++i;
  });
  EXPECT_EQ(i, in.size());
}

TEST(RtcpTransportFeedback, BuilderRoundTripsHandPickedShapes) {
  // Small deltas only, contiguous: one run-length chunk.
  std::vector<TwccArrival> a;
  for (int i = 0; i < 100; ++i) a.push_back({uint16_t(65500 + i), 5'000'000 + i * 1000});
  expectRoundTrip(a);
  Bytes out(512);
  const size_t n = RtcpTransportFeedback::build(out, 1, 2, 0, a);
  EXPECT_EQ(n, 20u + 2 + 100 + 2);  // header, one chunk, 100 deltas, padding
  // Mixed with losses, negative and large deltas.
  a = {{10, 1'000'000}, {11, 999'000}, {13, 1'100'000}, {14, 1'100'100}, {30, 1'100'000},
       {31, 9'000'000}};
  expectRoundTrip(a);
  // A long loss run between two packets.
  a = {{0, 0}, {9000, 1000}};
  expectRoundTrip(a);
  // Single packet.
  a = {{7, 123'456'789}};
  expectRoundTrip(a);
  // Negative clock values.
  a = {{1, -100'000}, {2, -99'000}, {4, -50'000}};
  expectRoundTrip(a);
}

TEST(RtcpTransportFeedback, BuilderRoundTripsRandomInput) {
  std::mt19937 rng(1234);
  for (int iter = 0; iter < 300; ++iter) {
    std::vector<TwccArrival> a;
    uint16_t seq = static_cast<uint16_t>(rng());
    int64_t t = static_cast<int64_t>(rng() % 1'000'000'000);
    const int count = 1 + static_cast<int>(rng() % 200);
    for (int i = 0; i < count; ++i) {
      a.push_back({seq, t});
      seq = static_cast<uint16_t>(seq + 1 + (rng() % 4 == 0 ? rng() % 20 : 0));
      const int r = static_cast<int>(rng() % 10);
      t += r < 6 ? int64_t(rng() % 20'000) : r < 8 ? int64_t(rng() % 2'000'000) : -int64_t(rng() % 5000);
    }
    SCOPED_TRACE(iter);
    expectRoundTrip(a);
  }
}

TEST(RtcpTransportFeedback, BuilderRefusesWhatItCannotEncode) {
  Bytes out(256);
  EXPECT_EQ(RtcpTransportFeedback::build(out, 1, 2, 0, {}), 0u);
  std::vector<TwccArrival> unordered = {{5, 0}, {4, 0}};
  EXPECT_EQ(RtcpTransportFeedback::build(out, 1, 2, 0, unordered), 0u);
  std::vector<TwccArrival> dup = {{5, 0}, {5, 0}};
  EXPECT_EQ(RtcpTransportFeedback::build(out, 1, 2, 0, dup), 0u);
  std::vector<TwccArrival> tooFar = {{0, 0}, {1, 8'200'000}};  // > 32767 ticks
  EXPECT_EQ(RtcpTransportFeedback::build(out, 1, 2, 0, tooFar), 0u);
  std::vector<TwccArrival> wraps = {{0, 0}, {30000, 0}, {60000, 0}, {24464, 0}};
  EXPECT_EQ(RtcpTransportFeedback::build(out, 1, 2, 0, wraps), 0u);  // 90000 seqs in total
  std::vector<TwccArrival> ok = {{0, 0}, {1, 1000}};
  EXPECT_EQ(RtcpTransportFeedback::build(std::span(out).first(23), 1, 2, 0, ok), 0u);
  EXPECT_EQ(RtcpTransportFeedback::build(std::span(out).first(24), 1, 2, 0, ok), 24u);
}

}  // namespace
}  // namespace atrium::rtp
