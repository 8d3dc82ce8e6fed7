#include "rtp/header_extensions.h"

#include <gtest/gtest.h>

#include "rtp/rtp_test_vectors.h"

namespace atrium::rtp {
namespace {

using testing::Bytes;

constexpr ExtensionIds kChromeIds{.mid = 4, .rid = 10, .repairedRid = 11, .absSendTime = 2,
                                  .transportSeq = 3, .audioLevel = 1};

TEST(HeaderExtensions, ReadsChromeVideo) {
  Bytes b = testing::kChromeVp8Keyframe;
  auto p = RtpPacket::parse(b);
  ASSERT_TRUE(p);
  EXPECT_EQ(readMid(*p, kChromeIds.mid), "1");
  EXPECT_EQ(readRid(*p, kChromeIds.rid), std::nullopt);
  EXPECT_EQ(readAbsSendTime(*p, kChromeIds.absSendTime), 0xa1b2c3u);
  EXPECT_EQ(readTransportSeq(*p, kChromeIds.transportSeq), 1234);
  EXPECT_EQ(readAudioLevel(*p, kChromeIds.audioLevel), std::nullopt);
  // Id 0 means "not negotiated".
  EXPECT_EQ(readMid(*p, 0), std::nullopt);
}

TEST(HeaderExtensions, ReadsChromeAudio) {
  Bytes b = testing::kChromeOpus;
  auto p = RtpPacket::parse(b);
  ASSERT_TRUE(p);
  EXPECT_EQ(readAudioLevel(*p, 1), (AudioLevel{true, 30}));
  EXPECT_EQ(readMid(*p, 4), "0");
  EXPECT_EQ(readTransportSeq(*p, 3), 1235);
  EXPECT_EQ(readAbsSendTime(*p, 2), 0x123456u);
}

TEST(HeaderExtensions, WritesInPlace) {
  Bytes b = testing::kChromeOpus;
  auto p = RtpPacket::parse(b);
  ASSERT_TRUE(p);
  EXPECT_TRUE(writeAbsSendTime(*p, 2, 0x1fedcba));  // masked to 24 bits
  EXPECT_EQ(readAbsSendTime(*p, 2), 0xfedcbau);
  EXPECT_TRUE(writeTransportSeq(*p, 3, 65535));
  EXPECT_EQ(readTransportSeq(*p, 3), 65535);
  EXPECT_TRUE(writeAudioLevel(*p, 1, AudioLevel{false, 127}));
  EXPECT_EQ(readAudioLevel(*p, 1), (AudioLevel{false, 127}));
  EXPECT_FALSE(writeAbsSendTime(*p, 9, 1));
  EXPECT_FALSE(writeTransportSeq(*p, 2, 1));  // wrong size element
  // The payload and the other elements are untouched.
  Bytes orig = testing::kChromeOpus;
  EXPECT_TRUE(std::equal(b.begin() + 28, b.end(), orig.begin() + 28));
  EXPECT_EQ(readMid(*p, 4), "0");
}

TEST(HeaderExtensions, StringValuesStripTrailingNulsAndPadShorterWrites) {
  Bytes b = testing::kTwoByteExtensionPadded;
  auto p = RtpPacket::parse(b);
  ASSERT_TRUE(p);
  EXPECT_EQ(readRid(*p, 32), "abcd");
  EXPECT_TRUE(writeStringExtension(*p, 32, "hi"));
  EXPECT_EQ(readRid(*p, 32), "hi");
  EXPECT_EQ(p->extension(32)[3], 0);
  EXPECT_FALSE(writeStringExtension(*p, 32, "toolong"));
  EXPECT_FALSE(writeStringExtension(*p, 32, ""));
  EXPECT_EQ(readRepairedRid(*p, 5), std::nullopt);  // empty element
  EXPECT_TRUE(writeStringExtension(*p, 32, "wxyz"));
  EXPECT_EQ(readRid(*p, 32), "wxyz");
  p->extension(32)[0] = 0;  // NUL-led value reads as absent
  EXPECT_EQ(readRid(*p, 32), std::nullopt);
}

TEST(HeaderExtensions, TransportSeqAcceptsTheFeedbackRequestForm) {
  // -02 form: seq + 2-byte feedback request, one-byte element L=3.
  Bytes b = {0x90, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1,
             0xbe, 0xde, 0x00, 0x02, 0x33, 0x12, 0x34, 0x80, 0x05, 0x00, 0x00, 0x00};
  auto p = RtpPacket::parse(b);
  ASSERT_TRUE(p);
  EXPECT_EQ(readTransportSeq(*p, 3), 0x1234);
  EXPECT_TRUE(writeTransportSeq(*p, 3, 7));
  EXPECT_EQ(b[19], 0x80);  // feedback request preserved
}

TEST(HeaderExtensions, AbsSendTimeFromMicroseconds) {
  EXPECT_EQ(absSendTimeFromUs(0), 0u);
  EXPECT_EQ(absSendTimeFromUs(1'000'000), 1u << 18);
  EXPECT_EQ(absSendTimeFromUs(500'000), 1u << 17);
  EXPECT_EQ(absSendTimeFromUs(64'000'000), 0u);          // wraps every 64 s
  EXPECT_EQ(absSendTimeFromUs(65'000'000), 1u << 18);
  EXPECT_EQ(absSendTimeFromUs(63'999'999), 0xffffffu);
  // Years of uptime must not overflow the shift.
  EXPECT_EQ(absSendTimeFromUs(int64_t{100'000} * 365 * 86'400 * 1'000'000 + 1'000'000),
            absSendTimeFromUs(int64_t{100'000} * 365 * 86'400 * 1'000'000) + (1u << 18));
  EXPECT_EQ(absSendTimeFromUs(-1'000'000), 63u << 18);
}

}  // namespace
}  // namespace atrium::rtp
