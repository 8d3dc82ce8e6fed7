// Compound walker, SR, RR, SDES and BYE.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "rtp/rtcp/rtcp_bye.h"
#include "rtp/rtcp/rtcp_header.h"
#include "rtp/rtcp/rtcp_rr.h"
#include "rtp/rtcp/rtcp_sdes.h"
#include "rtp/rtcp/rtcp_sr.h"
#include "rtp/rtp_test_vectors.h"

namespace atrium::rtp {
namespace {

using testing::Bytes;

TEST(RtcpCompound, WalksChromeSrSdes) {
  const Bytes& b = testing::kChromeSrSdes;
  EXPECT_TRUE(RtcpHeader::looksLikeRtcp(b));
  auto c = RtcpCompound::parse(b);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->packetCount(), 2u);
  std::vector<uint8_t> types;
  for (RtcpHeader h : *c) types.push_back(h.packetType());
  EXPECT_EQ(types, (std::vector<uint8_t>{kRtcpSr, kRtcpSdes}));

  auto it = c->begin();
  auto sr = RtcpSenderReport::parse((*it).packet());
  ASSERT_TRUE(sr);
  EXPECT_EQ(sr->senderSsrc(), 0x3ad8f1c2u);
  EXPECT_EQ(sr->senderInfo().ntpTime, 0xe93f2a118f5c28f5ull);
  EXPECT_EQ(sr->senderInfo().compactNtp(), 0x2a118f5cu);
  EXPECT_EQ(sr->senderInfo().rtpTimestamp, 0x5b3c7d10u);
  EXPECT_EQ(sr->senderInfo().packetCount, 300u);
  EXPECT_EQ(sr->senderInfo().octetCount, 300000u);
  EXPECT_EQ(sr->reportCount(), 0u);
  ++it;
  auto sdes = RtcpSdes::parse((*it).packet());
  ASSERT_TRUE(sdes);
  auto chunk = sdes->firstChunk();
  ASSERT_TRUE(chunk);
  EXPECT_EQ(chunk->ssrc, 0x3ad8f1c2u);
  EXPECT_EQ(chunk->cname, "vBGnJLxkU1Z3i3cP");
  ++it;
  EXPECT_TRUE(it == c->end());
  // A message parser given the whole compound reads its first packet.
  EXPECT_TRUE(RtcpSenderReport::parse(b));
  EXPECT_FALSE(RtcpSdes::parse(b));
}

TEST(RtcpCompound, RejectsEveryTruncationAndBadHeaders) {
  for (const Bytes* v : {&testing::kChromeSrSdes, &testing::kRrRemb, &testing::kTwcc,
                         &testing::kNack, &testing::kFir}) {
    auto whole = RtcpCompound::parse(*v);
    ASSERT_TRUE(whole);
    std::vector<size_t> boundaries;
    size_t off = 0;
    for (RtcpHeader h : *whole) boundaries.push_back(off += h.size());
    for (size_t n = 0; n < v->size(); ++n) {
      std::span<const uint8_t> cut(v->data(), n);
      // A cut between two packets leaves a shorter, valid compound; any other cut breaks one.
      const bool atBoundary = std::find(boundaries.begin(), boundaries.end(), n) != boundaries.end();
      EXPECT_EQ(RtcpCompound::parse(cut).has_value(), atBoundary) << n;
    }
  }
  Bytes b = testing::kChromeSrSdes;
  b[0] = 0x40;  // version 1
  EXPECT_FALSE(RtcpCompound::parse(b));
  b = testing::kChromeSrSdes;
  b.push_back(0);  // a trailing byte is not a packet
  EXPECT_FALSE(RtcpCompound::parse(b));
}

TEST(RtcpCompound, PaddingValidation) {
  // RR with P=1 and 4 bytes padding (count in the last byte).
  Bytes b = {0xa0, 0xc9, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 4};
  auto h = RtcpHeader::parse(b);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->paddingSize(), 4u);
  EXPECT_EQ(h->body().size(), 4u);
  b.back() = 0;
  EXPECT_FALSE(RtcpHeader::parse(b));
  b.back() = 9;  // more than the body
  EXPECT_FALSE(RtcpHeader::parse(b));
  Bytes empty = {0xa0, 0xc9, 0x00, 0x00};  // P=1 but no body to hold the count
  EXPECT_FALSE(RtcpHeader::parse(empty));
}

TEST(RtcpReceiverReport, ParsesBlockIncludingNegativeLoss) {
  auto rr = RtcpReceiverReport::parse(testing::kRrRemb);
  ASSERT_TRUE(rr);
  EXPECT_EQ(rr->senderSsrc(), 1u);
  ASSERT_EQ(rr->reportCount(), 1u);
  const RtcpReportBlock b = rr->reportBlock(0);
  EXPECT_EQ(b.ssrc, 0x3ad8f1c2u);
  EXPECT_EQ(b.fractionLost, 25);
  EXPECT_EQ(b.cumulativeLost, -2);
  EXPECT_EQ(b.extendedHighestSeq, 0x11a2bu);
  EXPECT_EQ(b.jitter, 42u);
  EXPECT_EQ(b.lastSr, 0x2a118f5cu);
  EXPECT_EQ(b.delaySinceLastSr, 0x18000u);
}

TEST(RtcpReports, BuildersRoundTrip) {
  std::vector<RtcpReportBlock> blocks;
  for (uint32_t i = 0; i < 3; ++i) {
    blocks.push_back(RtcpReportBlock{0x1000 + i, uint8_t(i * 40), int32_t(i) * 1000 - 1500,
                                     70000 + i, 10 * i, 0xabcd0000 + i, 65536 * i});
  }
  blocks[2].cumulativeLost = 0x7fffff;
  Bytes out(256);
  RtcpSenderInfo info{0x0102030405060708ull, 90000, 12, 3400};
  const size_t n = RtcpSenderReport::build(out, 0xaabbccdd, info, blocks);
  ASSERT_EQ(n, RtcpSenderReport::sizeFor(3));
  auto sr = RtcpSenderReport::parse(std::span(out).first(n));
  ASSERT_TRUE(sr);
  EXPECT_EQ(sr->senderSsrc(), 0xaabbccddu);
  EXPECT_EQ(sr->senderInfo(), info);
  ASSERT_EQ(sr->reportCount(), 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(sr->reportBlock(i), blocks[i]);

  const size_t m = RtcpReceiverReport::build(out, 7, blocks);
  ASSERT_EQ(m, RtcpReceiverReport::sizeFor(3));
  auto rr = RtcpReceiverReport::parse(std::span(out).first(m));
  ASSERT_TRUE(rr);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(rr->reportBlock(i), blocks[i]);
  // Empty RR: the 8-byte packet receive-only endpoints lead with.
  EXPECT_EQ(RtcpReceiverReport::build(out, 7), 8u);
  EXPECT_EQ(RtcpReceiverReport::build(std::span(out).first(7), 7), 0u);
  EXPECT_EQ(RtcpSenderReport::build(std::span(out).first(27), 1, info), 0u);

  // Out-of-range loss is clamped to the 24-bit field.
  blocks[0].cumulativeLost = -10'000'000;
  ASSERT_GT(RtcpReceiverReport::build(out, 7, blocks), 0u);
  EXPECT_EQ(RtcpReceiverReport::parse(out)->reportBlock(0).cumulativeLost, -0x800000);
}

TEST(RtcpReports, RejectsBlocksBeyondTheLength) {
  Bytes b = testing::kRrRemb;
  b[0] = 0x82;  // RC=2 but only one block
  EXPECT_FALSE(RtcpReceiverReport::parse(b));
  Bytes sr = testing::kChromeSrSdes;
  sr[0] = 0x81;
  EXPECT_FALSE(RtcpSenderReport::parse(sr));
  EXPECT_FALSE(RtcpReceiverReport::parse(testing::kChromeSrSdes));  // wrong type
}

TEST(RtcpSdes, BuildRoundTripsSeveralChunks) {
  const std::string longName(255, 'x');
  const SdesChunk chunks[] = {{1, "a"}, {2, "abc"}, {3, "abcd"}, {4, ""}, {5, longName}};
  Bytes out(1024);
  const size_t n = RtcpSdes::build(out, chunks);
  ASSERT_EQ(n, RtcpSdes::sizeFor(chunks));
  EXPECT_EQ(n % 4, 0u);
  auto s = RtcpSdes::parse(std::span(out).first(n));
  ASSERT_TRUE(s);
  std::vector<std::pair<uint32_t, std::string>> got;
  s->forEachChunk([&](const SdesChunk& c) { got.emplace_back(c.ssrc, std::string(c.cname)); });
  ASSERT_EQ(got.size(), 5u);
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(got[i].first, chunks[i].ssrc);
    EXPECT_EQ(got[i].second, chunks[i].cname);
  }
  EXPECT_EQ(RtcpSdes::build(std::span(out).first(n - 1), chunks), 0u);
  const std::string tooLong(256, 'y');
  const SdesChunk bad[] = {{1, tooLong}};
  EXPECT_EQ(RtcpSdes::build(out, bad), 0u);
}

TEST(RtcpSdes, SkipsOtherItemsAndRejectsBrokenChunks) {
  // One chunk: NAME "n", CNAME "c", END + pad.
  Bytes b = {0x81, 0xca, 0x00, 0x03, 0, 0, 0, 9, 0x02, 0x01, 'n', 0x01, 0x01, 'c', 0x00, 0x00};
  auto s = RtcpSdes::parse(b);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->firstChunk()->cname, "c");
  Bytes noEnd = b;
  noEnd[14] = 0x05;  // an item where END should be, running off the end
  EXPECT_FALSE(RtcpSdes::parse(noEnd));
  Bytes moreChunks = b;
  moreChunks[0] = 0x82;  // SC=2, only one present
  EXPECT_FALSE(RtcpSdes::parse(moreChunks));
  Bytes extra = {0x81, 0xca, 0x00, 0x03, 0, 0, 0, 9, 0x01, 0x01, 'c', 0x00, 0, 0, 0, 0};
  EXPECT_FALSE(RtcpSdes::parse(extra));  // a stray word after the only chunk
}

TEST(RtcpBye, RoundTripWithAndWithoutReason) {
  const uint32_t ssrcs[] = {0x11111111, 0x22222222};
  Bytes out(64);
  size_t n = RtcpBye::build(out, ssrcs, "bye now");
  ASSERT_EQ(n, 4u + 8 + 8);
  auto bye = RtcpBye::parse(std::span(out).first(n));
  ASSERT_TRUE(bye);
  ASSERT_EQ(bye->ssrcCount(), 2u);
  EXPECT_EQ(bye->ssrc(1), 0x22222222u);
  EXPECT_EQ(bye->reason(), "bye now");
  n = RtcpBye::build(out, ssrcs);
  ASSERT_EQ(n, 12u);
  bye = RtcpBye::parse(std::span(out).first(n));
  ASSERT_TRUE(bye);
  EXPECT_EQ(bye->reason(), "");
  // Reason length past the packet.
  Bytes bad = {0x81, 0xcb, 0x00, 0x02, 0, 0, 0, 1, 0x09, 'a', 'b', 'c'};
  EXPECT_FALSE(RtcpBye::parse(bad));
  EXPECT_EQ(RtcpBye::build(std::span(out).first(11), ssrcs), 0u);
}

}  // namespace
}  // namespace atrium::rtp
