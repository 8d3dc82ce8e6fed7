#include "rtp/rtp_packet.h"

#include <gtest/gtest.h>

#include <string_view>
#include <vector>

#include "rtp/rtp_test_vectors.h"

namespace atrium::rtp {
namespace {

using testing::Bytes;

std::string_view asString(std::span<const uint8_t> s) {
  return {reinterpret_cast<const char*>(s.data()), s.size()};
}

TEST(RtpPacket, ParsesChromeVideoPacket) {
  Bytes b = testing::kChromeVp8Keyframe;
  auto p = RtpPacket::parse(b);
  ASSERT_TRUE(p);
  EXPECT_FALSE(p->hasPadding());
  EXPECT_TRUE(p->hasExtension());
  EXPECT_EQ(p->csrcCount(), 0);
  EXPECT_FALSE(p->marker());
  EXPECT_EQ(p->payloadType(), 96);
  EXPECT_EQ(p->sequenceNumber(), 0x1a2b);
  EXPECT_EQ(p->timestamp(), 0x5b3c7d10u);
  EXPECT_EQ(p->ssrc(), 0x3ad8f1c2u);
  EXPECT_EQ(p->headerSize(), 28u);
  EXPECT_EQ(p->paddingSize(), 0u);
  EXPECT_EQ(p->payloadSize(), b.size() - 28);
  EXPECT_EQ(p->payload()[0], 0x90);
  EXPECT_EQ(p->extensionProfile(), ExtensionProfile::kOneByte);
  EXPECT_EQ(p->extensionProfileId(), 0xbede);
  EXPECT_EQ(p->extensionBlock().size(), 12u);
  EXPECT_EQ(p->extension(2).size(), 3u);
  EXPECT_EQ(p->extension(3).size(), 2u);
  EXPECT_EQ(asString(p->extension(4)), "1");
  EXPECT_TRUE(p->extension(1).empty());
  EXPECT_FALSE(p->hasExtension(1));
  EXPECT_FALSE(p->hasExtension(0));
  EXPECT_FALSE(p->hasExtension(15));
}

TEST(RtpPacket, ForEachExtensionInWireOrder) {
  Bytes b = testing::kChromeOpus;
  auto p = RtpPacket::parse(b);
  ASSERT_TRUE(p);
  std::vector<std::pair<int, size_t>> seen;
  p->forEachExtension([&](uint8_t id, std::span<const uint8_t> v) { seen.emplace_back(id, v.size()); });
  EXPECT_EQ(seen, (std::vector<std::pair<int, size_t>>{{1, 1}, {2, 3}, {3, 2}, {4, 1}}));
}

TEST(RtpPacket, TwoByteFormCsrcAndPadding) {
  Bytes b = testing::kTwoByteExtensionPadded;
  auto p = RtpPacket::parse(b);
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->hasPadding());
  EXPECT_TRUE(p->marker());
  EXPECT_EQ(p->csrcCount(), 1);
  EXPECT_EQ(p->csrc(0), 0x01020304u);
  EXPECT_EQ(p->csrc(1), 0u);
  EXPECT_EQ(p->extensionProfile(), ExtensionProfile::kTwoByte);
  EXPECT_EQ(p->headerSize(), 36u);
  EXPECT_EQ(p->paddingSize(), 3u);
  ASSERT_EQ(p->payloadSize(), 2u);
  EXPECT_EQ(p->payload()[0], 0xde);
  EXPECT_TRUE(p->hasExtension(5));
  EXPECT_TRUE(p->extension(5).empty());
  EXPECT_EQ(asString(p->extension(32)), "abcd");
  EXPECT_EQ(p->extension(3).size(), 2u);
  EXPECT_FALSE(p->hasExtension(4));
}

TEST(RtpPacket, TwoByteAppBitsAndOtherProfiles) {
  Bytes b = testing::kTwoByteExtensionPadded;
  b[17] = 0x0f;  // 0x100f: appbits are still the two-byte form
  auto p = RtpPacket::parse(b);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->extensionProfile(), ExtensionProfile::kTwoByte);
  b[16] = 0x12;  // 0x120f: unknown profile, kept but opaque
  p = RtpPacket::parse(b);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->extensionProfile(), ExtensionProfile::kOther);
  EXPECT_FALSE(p->hasExtension(32));
  EXPECT_EQ(p->headerSize(), 36u);
}

TEST(RtpPacket, MinimalPacketAndPaddingOnly) {
  Bytes b = {0x80, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 1};
  auto p = RtpPacket::parse(b);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->payloadSize(), 0u);
  EXPECT_EQ(p->extensionProfile(), ExtensionProfile::kNone);
  // Padding-only probe: 4 bytes of padding, no payload.
  Bytes probe = {0xa0, 0x60, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 4};
  p = RtpPacket::parse(probe);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->paddingSize(), 4u);
  EXPECT_EQ(p->payloadSize(), 0u);
}

TEST(RtpPacket, OneByteIdFifteenStopsParsing) {
  Bytes b = {0x90, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1,
             0xbe, 0xde, 0x00, 0x02,
             0x10, 0xaa,        // id 1
             0xf3, 0xff,        // id 15: stop; what follows is not parsed (and may be junk)
             0x2f, 0, 0, 0,     // would overrun if parsed
             0x55};
  auto p = RtpPacket::parse(b);
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->hasExtension(1));
  EXPECT_FALSE(p->hasExtension(2));
}

TEST(RtpPacket, OneByteIdZeroIsAlwaysASinglePaddingByte) {
  // 0x03 has id 0 but a non-zero length nibble; it must not be read as a 4-byte element 0
  // (found by fuzz_rtp).
  Bytes b = {0x90, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1,
             0xbe, 0xde, 0x00, 0x01, 0x03, 0x10, 0xaa, 0x00};
  auto p = RtpPacket::parse(b);
  ASSERT_TRUE(p);
  EXPECT_FALSE(p->hasExtension(0));
  ASSERT_TRUE(p->hasExtension(1));
  EXPECT_EQ(p->extension(1)[0], 0xaa);
  int count = 0;
  p->forEachExtension([&](uint8_t id, std::span<const uint8_t>) {
    EXPECT_EQ(id, 1);
    ++count;
  });
  EXPECT_EQ(count, 1);
}

TEST(RtpPacket, SettersRewriteInPlace) {
  Bytes b = testing::kChromeVp8Keyframe;
  auto p = RtpPacket::parse(b);
  ASSERT_TRUE(p);
  p->setSsrc(0xdeadbeef);
  p->setSequenceNumber(65535);
  p->setTimestamp(0x01020304);
  p->setPayloadType(0xff);  // only 7 bits land
  p->setMarker(true);
  EXPECT_EQ(p->ssrc(), 0xdeadbeefu);
  EXPECT_EQ(p->sequenceNumber(), 65535);
  EXPECT_EQ(p->timestamp(), 0x01020304u);
  EXPECT_EQ(p->payloadType(), 127);
  EXPECT_TRUE(p->marker());
  p->setPayloadType(96);
  p->setMarker(false);
  EXPECT_EQ(b[1], 0x60);
  EXPECT_EQ(b[0], 0x90);  // flags untouched
  auto again = RtpPacket::parse(b);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->ssrc(), 0xdeadbeefu);
  // Nothing outside the header fields moved.
  Bytes orig = testing::kChromeVp8Keyframe;
  EXPECT_TRUE(std::equal(b.begin() + 12, b.end(), orig.begin() + 12));
}

TEST(RtpPacket, SetExtensionSameLengthOnly) {
  Bytes b = testing::kChromeVp8Keyframe;
  auto p = RtpPacket::parse(b);
  ASSERT_TRUE(p);
  const uint8_t ast[3] = {1, 2, 3};
  EXPECT_TRUE(p->setExtension(2, ast));
  EXPECT_EQ(b[17], 1);
  EXPECT_EQ(b[19], 3);
  const uint8_t two[2] = {9, 9};
  EXPECT_FALSE(p->setExtension(2, two));  // length differs
  EXPECT_FALSE(p->setExtension(9, two));  // absent
  EXPECT_EQ(b[17], 1);
  auto mutableView = p->extension(3);
  mutableView[1] = 0x77;
  EXPECT_EQ(b[22], 0x77);
}

TEST(RtpPacket, LooksLikeRtp) {
  EXPECT_TRUE(RtpPacket::looksLikeRtp(testing::kChromeOpus));
  EXPECT_FALSE(RtpPacket::looksLikeRtp(testing::kChromeSrSdes));  // PT 200
  Bytes b = testing::kChromeOpus;
  b[0] = 0x40;
  EXPECT_FALSE(RtpPacket::looksLikeRtp(b));
  EXPECT_FALSE(RtpPacket::looksLikeRtp(std::span(b).first(11)));
}

TEST(RtpPacket, RejectsMalformed) {
  auto rejects = [](Bytes b) { return !RtpPacket::parse(b).has_value(); };
  Bytes good = testing::kChromeVp8Keyframe;
  {
    Bytes b = good;
    b[0] = 0x50;  // version 1
    EXPECT_TRUE(rejects(b));
  }
  {
    Bytes b = good;
    b[0] = 0x9f;  // 15 CSRCs do not fit
    EXPECT_TRUE(rejects(b));
  }
  {
    Bytes b = good;
    b[15] = 0x20;  // extension length 32 words
    EXPECT_TRUE(rejects(b));
  }
  {
    Bytes b = good;
    b[23] = 0x4f;  // mid element claims 16 bytes: runs past the block
    EXPECT_TRUE(rejects(b));
  }
  {
    Bytes b = testing::kTwoByteExtensionPadded;
    b[24] = 0x20;  // two-byte element length 32
    EXPECT_TRUE(rejects(b));
  }
  {
    Bytes b = testing::kTwoByteExtensionPadded;
    uint8_t& padCount = b.at(b.size() - 1);  // at(): GCC 12 -O2 cannot otherwise see b is non-empty
    padCount = 0;  // padding count 0
    EXPECT_TRUE(rejects(b));
    padCount = 6;  // padding eats into the header
    EXPECT_TRUE(rejects(b));
    padCount = 5;  // padding covers the payload exactly: fine
    EXPECT_FALSE(rejects(b));
  }
  {
    // Two-byte element whose length byte is missing.
    Bytes b = {0x90, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0x10, 0x00, 0x00, 0x01, 0, 0, 0, 7};
    EXPECT_TRUE(rejects(b));
  }
}

TEST(RtpPacket, TruncationInsideTheHeaderAlwaysRejects) {
  for (const Bytes* v : {&testing::kChromeVp8Keyframe, &testing::kChromeOpus,
                         &testing::kTwoByteExtensionPadded}) {
    Bytes full = *v;
    const size_t header = RtpPacket::parse(full)->headerSize();
    for (size_t n = 0; n < header; ++n) {
      Bytes cut(v->begin(), v->begin() + static_cast<long>(n));
      EXPECT_FALSE(RtpPacket::parse(cut)) << "prefix " << n;
    }
  }
  // Without padding, any prefix that keeps the header is a (shorter) valid packet.
  Bytes full = testing::kChromeOpus;
  for (size_t n = 28; n <= full.size(); ++n) {
    Bytes cut(full.begin(), full.begin() + static_cast<long>(n));
    auto p = RtpPacket::parse(cut);
    ASSERT_TRUE(p) << n;
    EXPECT_EQ(p->payloadSize(), n - 28);
  }
}

}  // namespace
}  // namespace atrium::rtp
