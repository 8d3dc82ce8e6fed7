// NACK, PLI, FIR and REMB.
#include <gtest/gtest.h>

#include <vector>

#include "rtp/rtcp/rtcp_fir.h"
#include "rtp/rtcp/rtcp_header.h"
#include "rtp/rtcp/rtcp_nack.h"
#include "rtp/rtcp/rtcp_pli.h"
#include "rtp/rtcp/rtcp_remb.h"
#include "rtp/rtp_test_vectors.h"

namespace atrium::rtp {
namespace {

using testing::Bytes;

std::vector<uint16_t> lost(const RtcpNack& n) {
  std::vector<uint16_t> v;
  n.forEachLost([&](uint16_t s) { v.push_back(s); });
  return v;
}

TEST(RtcpNack, ExpandsPidAndBlpAcrossTheWrap) {
  auto n = RtcpNack::parse(testing::kNack);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->senderSsrc(), 1u);
  EXPECT_EQ(n->mediaSsrc(), 0x3ad8f1c2u);
  ASSERT_EQ(n->itemCount(), 2u);
  EXPECT_EQ(n->item(0), (NackItem{65535, 0x8001}));
  EXPECT_EQ(lost(*n), (std::vector<uint16_t>{65535, 0, 15, 100}));
  EXPECT_EQ(n->lostCount(), 4u);
  uint16_t buf[3];
  EXPECT_EQ(n->lostSequenceNumbers(buf), 3u);  // truncated to the caller's buffer
  EXPECT_EQ(buf[2], 15);
}

TEST(RtcpNack, FullBlpAndEmptyBlp) {
  Bytes out(64);
  std::vector<uint16_t> seqs;
  for (int i = 0; i <= 16; ++i) seqs.push_back(static_cast<uint16_t>(1000 + i));
  const size_t n = RtcpNack::build(out, 1, 2, seqs);
  ASSERT_EQ(n, 16u);  // one item: PID 1000, BLP 0xffff
  auto p = RtcpNack::parse(std::span(out).first(n));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->item(0), (NackItem{1000, 0xffff}));
  EXPECT_EQ(lost(*p), seqs);
  const uint16_t one[] = {5};
  ASSERT_EQ(RtcpNack::build(out, 1, 2, one), 16u);
  EXPECT_EQ(RtcpNack::parse(out)->item(0), (NackItem{5, 0}));
}

TEST(RtcpNack, BuilderGroupsAnyOrder) {
  Bytes out(128);
  // Ascending across the wrap, a jump of 20 (new item), then unordered input and duplicates:
  // a seq before the current PID cannot join its BLP, so it opens an item of its own.
  const std::vector<uint16_t> seqs = {65534, 65535, 0, 1, 18, 18, 17, 40, 39, 39};
  EXPECT_EQ(RtcpNack::itemCountFor(seqs), 5u);
  const size_t n = RtcpNack::build(out, 1, 2, seqs);
  ASSERT_EQ(n, RtcpNack::sizeFor(seqs));
  auto p = RtcpNack::parse(std::span(out).first(n));
  ASSERT_TRUE(p);
  ASSERT_EQ(p->itemCount(), 5u);
  EXPECT_EQ(p->item(0), (NackItem{65534, 0x0007}));
  EXPECT_EQ(p->item(1), (NackItem{18, 0}));
  EXPECT_EQ(p->item(2), (NackItem{17, 0}));
  EXPECT_EQ(p->item(3), (NackItem{40, 0}));
  EXPECT_EQ(p->item(4), (NackItem{39, 0}));
  EXPECT_EQ(lost(*p), (std::vector<uint16_t>{65534, 65535, 0, 1, 18, 17, 40, 39}));
}

TEST(RtcpNack, BuilderRoundTripsLongAscendingLists) {
  // Every third seq lost over a wrap: expansion gives back exactly the input.
  std::vector<uint16_t> seqs;
  for (uint32_t s = 65000; s < 65000 + 2000; s += 3) seqs.push_back(static_cast<uint16_t>(s));
  Bytes out(RtcpNack::sizeFor(seqs));
  ASSERT_EQ(RtcpNack::build(out, 1, 2, seqs), out.size());
  auto p = RtcpNack::parse(out);
  ASSERT_TRUE(p);
  EXPECT_EQ(lost(*p), seqs);
  EXPECT_EQ(p->itemCount(), (seqs.size() + 5) / 6);  // 6 seqs (span 16) per item
}

TEST(RtcpNack, RejectsMalformed) {
  Bytes b = testing::kNack;
  b[3] = 0x02;  // no FCI
  b.resize(12);
  EXPECT_FALSE(RtcpNack::parse(b));
  b = testing::kNack;
  b[0] = 0x8f;  // FMT 15 is transport-cc
  EXPECT_FALSE(RtcpNack::parse(b));
  b = testing::kNack;
  b[1] = kRtcpPsfb;
  EXPECT_FALSE(RtcpNack::parse(b));
  Bytes out(64);
  EXPECT_EQ(RtcpNack::build(out, 1, 2, {}), 0u);
  const uint16_t seqs[] = {1, 100};
  EXPECT_EQ(RtcpNack::build(std::span(out).first(19), 1, 2, seqs), 0u);
}

TEST(RtcpPli, ParseAndBuild) {
  auto p = RtcpPli::parse(testing::kPli);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->senderSsrc(), 1u);
  EXPECT_EQ(p->mediaSsrc(), 0x3ad8f1c2u);
  Bytes out(12);
  ASSERT_EQ(RtcpPli::build(out, 1, 0x3ad8f1c2), 12u);
  EXPECT_EQ(out, testing::kPli);
  EXPECT_EQ(RtcpPli::build(std::span(out).first(11), 1, 2), 0u);
  // Reduced-size RTCP: a lone PLI is a valid "compound".
  auto c = RtcpCompound::parse(testing::kPli);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->packetCount(), 1u);
  EXPECT_FALSE(RtcpPli::parse(testing::kFir));
  EXPECT_FALSE(RtcpPli::parse(std::span(testing::kPli).first(11)));
}

TEST(RtcpFir, ParseAndBuild) {
  auto f = RtcpFir::parse(testing::kFir);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->senderSsrc(), 1u);
  ASSERT_EQ(f->entryCount(), 1u);
  EXPECT_EQ(f->entry(0), (FirEntry{0x3ad8f1c2, 7}));
  Bytes out(64);
  ASSERT_EQ(RtcpFir::build(std::span(out).first(20), 1, std::vector<FirEntry>{{0x3ad8f1c2, 7}}),
            20u);
  EXPECT_EQ(Bytes(out.begin(), out.begin() + 20), testing::kFir);
  const FirEntry two[] = {{1, 255}, {2, 0}};
  const size_t n = RtcpFir::build(out, 9, two);
  ASSERT_EQ(n, 28u);
  auto g = RtcpFir::parse(std::span(out).first(n));
  ASSERT_TRUE(g);
  EXPECT_EQ(g->entry(0), two[0]);
  EXPECT_EQ(g->entry(1), two[1]);
  Bytes bad = testing::kFir;
  bad[3] = 0x03;  // FCI of 4 bytes: half an entry
  bad.resize(16);
  EXPECT_FALSE(RtcpFir::parse(bad));
}

TEST(RtcpRemb, ParsesMantissaAndExponent) {
  auto c = RtcpCompound::parse(testing::kRrRemb);
  ASSERT_TRUE(c);
  auto it = c->begin();
  ++it;
  auto r = RtcpRemb::parse((*it).packet());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->exponent(), 2);
  EXPECT_EQ(r->mantissa(), 250000u);
  EXPECT_EQ(r->bitrateBps(), 1'000'000u);
  ASSERT_EQ(r->ssrcCount(), 2u);
  EXPECT_EQ(r->ssrc(0), 0x3ad8f1c2u);
  EXPECT_EQ(r->ssrc(1), 0x11223344u);
}

TEST(RtcpRemb, EncodeRoundsDownAndRoundTrips) {
  EXPECT_EQ(RtcpRemb::encode(0).mantissa, 0u);
  EXPECT_EQ(RtcpRemb::encode(262143).exponent, 0);
  EXPECT_EQ(RtcpRemb::encode(262144).exponent, 1);
  EXPECT_EQ(RtcpRemb::encode(262145).mantissa, 131072u);  // rounded down
  const auto big = RtcpRemb::encode(UINT64_MAX);
  EXPECT_EQ(big.exponent, 46);
  EXPECT_EQ(big.mantissa, RtcpRemb::kMaxMantissa);
  Bytes out(64);
  const uint32_t ssrcs[] = {5, 6, 7};
  for (uint64_t bps : {uint64_t{0}, uint64_t{30'000}, uint64_t{2'500'000}, uint64_t{1} << 40}) {
    const size_t n = RtcpRemb::build(out, 1, bps, ssrcs);
    ASSERT_EQ(n, RtcpRemb::sizeFor(3));
    auto r = RtcpRemb::parse(std::span(out).first(n));
    ASSERT_TRUE(r);
    EXPECT_LE(r->bitrateBps(), bps);
    EXPECT_GE(r->bitrateBps(), bps - (bps >> 17));  // within the 18-bit mantissa's precision
    EXPECT_EQ(r->ssrc(2), 7u);
  }
}

TEST(RtcpRemb, RejectsMalformed) {
  Bytes remb(testing::kRrRemb.begin() + 32, testing::kRrRemb.end());
  ASSERT_TRUE(RtcpRemb::parse(remb));
  Bytes b = remb;
  b[12] = 'X';  // another application-layer message
  EXPECT_FALSE(RtcpRemb::parse(b));
  b = remb;
  b[16] = 3;  // three SSRCs announced, two present
  EXPECT_FALSE(RtcpRemb::parse(b));
  b = remb;
  b[17] = 0xff;  // exp 63 with a non-zero mantissa overflows 64 bits
  EXPECT_FALSE(RtcpRemb::parse(b));
  b = remb;
  b[17] = 0xb8;  // exp 46, mantissa 0 high bits: (0xd090) << 46 still fits
  EXPECT_TRUE(RtcpRemb::parse(b));
}

}  // namespace
}  // namespace atrium::rtp
