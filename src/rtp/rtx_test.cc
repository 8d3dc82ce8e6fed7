#include "rtp/rtx.h"

#include <gtest/gtest.h>

#include "rtp/header_extensions.h"
#include "rtp/rtp_test_vectors.h"

namespace atrium::rtp {
namespace {

using testing::Bytes;

TEST(Rtx, BuildThenDecodeRoundTrips) {
  Bytes orig = testing::kChromeVp8Keyframe;
  auto p = RtpPacket::parse(orig);
  ASSERT_TRUE(p);
  Bytes out(rtxPacketSize(*p));
  ASSERT_EQ(out.size(), orig.size() + 2);
  ASSERT_EQ(buildRtxPacket(*p, out, 97, 0x55667788, 9), out.size());
  auto rtx = RtpPacket::parse(out);
  ASSERT_TRUE(rtx);
  EXPECT_EQ(rtx->payloadType(), 97);
  EXPECT_EQ(rtx->ssrc(), 0x55667788u);
  EXPECT_EQ(rtx->sequenceNumber(), 9);
  EXPECT_EQ(rtx->timestamp(), p->timestamp());
  EXPECT_EQ(rtxOriginalSequenceNumber(*rtx), 0x1a2b);
  EXPECT_EQ(readTransportSeq(*rtx, 3), 1234);  // extensions travel along
  EXPECT_EQ(rtx->payloadSize(), p->payloadSize() + 2);

  auto back = decodeRtxInPlace(*rtx, 96, 0x3ad8f1c2);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->size(), orig.size());
  EXPECT_TRUE(std::equal(orig.begin(), orig.end(), out.begin()));
}

TEST(Rtx, PaddingIsDroppedOnBuildAndKeptOnDecode) {
  Bytes orig = testing::kTwoByteExtensionPadded;
  auto p = RtpPacket::parse(orig);
  ASSERT_TRUE(p);
  Bytes out(64);
  const size_t n = buildRtxPacket(*p, out, 97, 2, 3);
  ASSERT_EQ(n, p->headerSize() + 2 + p->payloadSize());
  out.resize(n);
  auto rtx = RtpPacket::parse(out);
  ASSERT_TRUE(rtx);
  EXPECT_FALSE(rtx->hasPadding());
  EXPECT_TRUE(rtx->marker());
  EXPECT_EQ(rtx->csrc(0), 0x01020304u);

  // A padded RTX packet (as a sender may produce) decodes with its padding intact.
  Bytes padded = out;
  padded[0] |= 0x20;
  padded.insert(padded.end(), {0, 0, 3});
  auto prtx = RtpPacket::parse(padded);
  ASSERT_TRUE(prtx);
  auto back = decodeRtxInPlace(*prtx, 96, 0xcafebabe);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->sequenceNumber(), 7);
  EXPECT_EQ(back->paddingSize(), 3u);
  EXPECT_EQ(back->payloadSize(), 2u);
  EXPECT_EQ(back->payload()[0], 0xde);
}

TEST(Rtx, RefusesTooSmallOutputAndOsnLessPackets) {
  Bytes orig = testing::kChromeOpus;
  auto p = RtpPacket::parse(orig);
  ASSERT_TRUE(p);
  Bytes out(rtxPacketSize(*p) - 1);
  EXPECT_EQ(buildRtxPacket(*p, out, 97, 1, 1), 0u);
  // Padding-only RTX probe: no OSN.
  Bytes probe = {0xa0, 0x61, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 4};
  auto pp = RtpPacket::parse(probe);
  ASSERT_TRUE(pp);
  EXPECT_EQ(rtxOriginalSequenceNumber(*pp), std::nullopt);
  EXPECT_FALSE(decodeRtxInPlace(*pp, 96, 1));
}

}  // namespace
}  // namespace atrium::rtp
