#include "srtp/srtp_session.h"

#include <gtest/gtest.h>

#include <memory>

#include "srtp/srtp_test_util.h"

namespace atrium::srtp {
namespace {

using testing::Bytes;
using testing::kRtcpLength;
using testing::rtcpPacket;
using testing::rtpLength;
using testing::rtpPacket;

Bytes pattern(size_t n, uint8_t start) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(start + 7 * i);
  return b;
}

// Two ends of one SRTP association: a's local keys are b's remote keys and vice versa.
struct Ends {
  explicit Ends(SrtpProfile profile) {
    const Bytes keyA = pattern(masterKeyLength(profile), 1), saltA = pattern(masterSaltLength(profile), 2);
    const Bytes keyB = pattern(masterKeyLength(profile), 3), saltB = pattern(masterSaltLength(profile), 4);
    auto sa = SrtpSession::create(profile, keyA, saltA, keyB, saltB);
    auto sb = SrtpSession::create(profile, keyB, saltB, keyA, saltA);
    EXPECT_TRUE(sa.ok() && sb.ok());
    a = std::move(*sa);
    b = std::move(*sb);
  }
  std::unique_ptr<SrtpSession> a, b;
};

class EachProfile : public ::testing::TestWithParam<SrtpProfile> {};

INSTANTIATE_TEST_SUITE_P(Srtp, EachProfile,
                         ::testing::Values(SrtpProfile::kAes128CmHmacSha1_80, SrtpProfile::kAeadAes128Gcm,
                                           SrtpProfile::kAeadAes256Gcm),
                         [](const auto& info) {
                           switch (info.param) {
                             case SrtpProfile::kAes128CmHmacSha1_80: return "AesCm128HmacSha1_80";
                             case SrtpProfile::kAeadAes128Gcm: return "AeadAes128Gcm";
                             case SrtpProfile::kAeadAes256Gcm: return "AeadAes256Gcm";
                           }
                           return "unknown";
                         });

TEST_P(EachProfile, RtpRoundTripInPlace) {
  Ends ends(GetParam());
  for (uint16_t seq = 100; seq < 110; ++seq) {
    const Bytes clear = rtpPacket(seq, 0x11223344, 160);
    Bytes wire = clear;
    size_t len = rtpLength(160);
    ASSERT_EQ(ends.a->protectRtp(wire, len), SrtpStatus::kOk);
    EXPECT_EQ(len, rtpLength(160) + rtpTrailerBytes(GetParam()));
    EXPECT_TRUE(std::equal(wire.begin(), wire.begin() + 12, clear.begin()));  // header in clear
    EXPECT_FALSE(std::equal(wire.begin() + 12, wire.begin() + 172, clear.begin() + 12));
    ASSERT_EQ(ends.b->unprotectRtp(wire, len), SrtpStatus::kOk);
    ASSERT_EQ(len, rtpLength(160));
    EXPECT_TRUE(std::equal(wire.begin(), wire.begin() + static_cast<ptrdiff_t>(len), clear.begin()));
  }
  EXPECT_EQ(ends.a->counters().protectedRtp, 10u);
  EXPECT_EQ(ends.b->counters().unprotectedRtp, 10u);
}

TEST_P(EachProfile, RtcpRoundTripInPlace) {
  Ends ends(GetParam());
  for (int i = 0; i < 3; ++i) {
    const Bytes clear = rtcpPacket(0x55667788, static_cast<uint8_t>(i));
    Bytes wire = clear;
    size_t len = kRtcpLength;
    ASSERT_EQ(ends.b->protectRtcp(wire, len), SrtpStatus::kOk);
    EXPECT_EQ(len, kRtcpLength + rtcpTrailerBytes(GetParam()));
    ASSERT_EQ(ends.a->unprotectRtcp(wire, len), SrtpStatus::kOk);
    ASSERT_EQ(len, kRtcpLength);
    EXPECT_TRUE(std::equal(wire.begin(), wire.begin() + kRtcpLength, clear.begin()));
  }
}

TEST_P(EachProfile, ReplayIsRejected) {
  Ends ends(GetParam());
  Bytes wire = rtpPacket(7, 1, 50);
  size_t len = rtpLength(50);
  ASSERT_EQ(ends.a->protectRtp(wire, len), SrtpStatus::kOk);
  const Bytes sent(wire.begin(), wire.begin() + static_cast<ptrdiff_t>(len));
  Bytes copy = wire;
  size_t l1 = len, l2 = len;
  ASSERT_EQ(ends.b->unprotectRtp(wire, l1), SrtpStatus::kOk);
  EXPECT_EQ(ends.b->unprotectRtp(copy, l2), SrtpStatus::kReplayed);
  EXPECT_EQ(l2, len);  // unchanged on failure
  EXPECT_EQ(ends.b->counters().replayed, 1u);

  Bytes rtcp = rtcpPacket(1);
  size_t rl = kRtcpLength;
  ASSERT_EQ(ends.a->protectRtcp(rtcp, rl), SrtpStatus::kOk);
  Bytes rtcpCopy = rtcp;
  size_t rl1 = rl, rl2 = rl;
  ASSERT_EQ(ends.b->unprotectRtcp(rtcp, rl1), SrtpStatus::kOk);
  EXPECT_EQ(ends.b->unprotectRtcp(rtcpCopy, rl2), SrtpStatus::kReplayed);
}

TEST_P(EachProfile, ReplayWindowAcceptsReorderingButNotAncientPackets) {
  Ends ends(GetParam());
  std::vector<std::pair<Bytes, size_t>> sent;
  for (uint16_t seq = 1000; seq < 1300; ++seq) {
    Bytes wire = rtpPacket(seq, 9, 20);
    size_t len = rtpLength(20);
    ASSERT_EQ(ends.a->protectRtp(wire, len), SrtpStatus::kOk);
    sent.emplace_back(std::move(wire), len);
  }
  // Deliver 1100..1299, then 1099 (201 behind: outside the 128 window) and 1250 reordered.
  for (size_t i = 100; i < 300; ++i) {
    if (i == 250) continue;
    ASSERT_EQ(ends.b->unprotectRtp(sent[i].first, sent[i].second), SrtpStatus::kOk) << i;
  }
  EXPECT_EQ(ends.b->unprotectRtp(sent[250].first, sent[250].second), SrtpStatus::kOk);
  EXPECT_EQ(ends.b->unprotectRtp(sent[99].first, sent[99].second), SrtpStatus::kReplayed);
}

TEST_P(EachProfile, TamperingIsRejected) {
  Ends ends(GetParam());
  Bytes wire = rtpPacket(1, 2, 100);
  size_t len = rtpLength(100);
  ASSERT_EQ(ends.a->protectRtp(wire, len), SrtpStatus::kOk);
  // Header (timestamp), payload and tag, one bit each.
  for (size_t at : {size_t{5}, size_t{40}, len - 1}) {
    Bytes bad = wire;
    bad[at] ^= 0x01;
    size_t l = len;
    EXPECT_EQ(ends.b->unprotectRtp(bad, l), SrtpStatus::kAuthFailed) << at;
  }
  Bytes truncated = wire;
  size_t shorter = len - 1;
  EXPECT_EQ(ends.b->unprotectRtp(truncated, shorter), SrtpStatus::kAuthFailed);
  EXPECT_EQ(ends.b->counters().authFailed, 4u);
  // The untouched packet still authenticates: failures do not advance the replay window.
  EXPECT_EQ(ends.b->unprotectRtp(wire, len), SrtpStatus::kOk);

  Bytes rtcp = rtcpPacket(3);
  size_t rl = kRtcpLength;
  ASSERT_EQ(ends.a->protectRtcp(rtcp, rl), SrtpStatus::kOk);
  rtcp[10] ^= 0x80;
  EXPECT_EQ(ends.b->unprotectRtcp(rtcp, rl), SrtpStatus::kAuthFailed);
}

TEST_P(EachProfile, WrongKeyFailsAuthentication) {
  Ends ends(GetParam());
  Bytes wire = rtpPacket(1, 2, 100);
  size_t len = rtpLength(100);
  ASSERT_EQ(ends.a->protectRtp(wire, len), SrtpStatus::kOk);
  // a cannot unprotect its own packet: its inbound context has b's key.
  EXPECT_EQ(ends.a->unprotectRtp(wire, len), SrtpStatus::kAuthFailed);
}

TEST_P(EachProfile, TrailerFitsExactlyInTheReservedRoom) {
  // Heap buffers of exactly len + trailer: ASan proves libsrtp writes nothing beyond the tag.
  Ends ends(GetParam());
  const size_t len0 = rtpLength(33);
  const Bytes packet = rtpPacket(1, 2, 33);
  auto exact = std::make_unique<uint8_t[]>(len0 + rtpTrailerBytes(GetParam()));
  std::copy(packet.begin(), packet.begin() + static_cast<ptrdiff_t>(len0), exact.get());
  size_t len = len0;
  ASSERT_EQ(ends.a->protectRtp({exact.get(), len0 + rtpTrailerBytes(GetParam())}, len), SrtpStatus::kOk);
  EXPECT_EQ(ends.b->unprotectRtp({exact.get(), len}, len), SrtpStatus::kOk);

  auto tooSmall = std::make_unique<uint8_t[]>(len0 + rtpTrailerBytes(GetParam()) - 1);
  std::copy(packet.begin(), packet.begin() + static_cast<ptrdiff_t>(len0), tooSmall.get());
  len = len0;
  EXPECT_EQ(ends.a->protectRtp({tooSmall.get(), len0 + rtpTrailerBytes(GetParam()) - 1}, len), SrtpStatus::kNoSpace);
  EXPECT_EQ(len, len0);

  const Bytes rtcp = rtcpPacket(5);
  auto rtcpExact = std::make_unique<uint8_t[]>(kRtcpLength + rtcpTrailerBytes(GetParam()));
  std::copy(rtcp.begin(), rtcp.begin() + kRtcpLength, rtcpExact.get());
  len = kRtcpLength;
  ASSERT_EQ(ends.a->protectRtcp({rtcpExact.get(), kRtcpLength + rtcpTrailerBytes(GetParam())}, len), SrtpStatus::kOk);
  EXPECT_EQ(len, kRtcpLength + rtcpTrailerBytes(GetParam()));
  EXPECT_EQ(ends.b->unprotectRtcp({rtcpExact.get(), len}, len), SrtpStatus::kOk);
}

TEST_P(EachProfile, MalformedInputIsRejectedAndCounted) {
  Ends ends(GetParam());
  Bytes buffer(64, 0x80);
  size_t len = 11;  // shorter than an RTP header
  EXPECT_EQ(ends.a->protectRtp(buffer, len), SrtpStatus::kMalformed);
  len = 65;  // longer than the buffer
  EXPECT_EQ(ends.a->protectRtp(buffer, len), SrtpStatus::kMalformed);
  EXPECT_EQ(ends.b->unprotectRtp(buffer, len), SrtpStatus::kMalformed);
  buffer[0] = 0x40;  // version 1
  len = 40;
  EXPECT_EQ(ends.a->protectRtp(buffer, len), SrtpStatus::kMalformed);
  EXPECT_EQ(ends.b->unprotectRtcp(buffer, len), SrtpStatus::kMalformed);
  len = 0;
  EXPECT_EQ(ends.b->unprotectRtp(std::span<uint8_t>(), len), SrtpStatus::kMalformed);
  EXPECT_EQ(ends.b->unprotectRtcp(std::span<uint8_t>(), len), SrtpStatus::kMalformed);
  // A CSRC count that runs past the end.
  Bytes csrc = rtpPacket(1, 2, 4);
  csrc[0] = 0x8F;
  len = rtpLength(4);
  EXPECT_NE(ends.a->protectRtp(csrc, len), SrtpStatus::kOk);
  EXPECT_GE(ends.a->counters().malformed + ends.b->counters().malformed, 7u);
}

TEST_P(EachProfile, OutboundRepeatIsAllowedForRetransmission) {
  Ends ends(GetParam());
  const Bytes clear = rtpPacket(42, 3, 80);
  Bytes first = clear, second = clear;
  size_t l1 = rtpLength(80), l2 = rtpLength(80);
  ASSERT_EQ(ends.a->protectRtp(first, l1), SrtpStatus::kOk);
  ASSERT_EQ(ends.a->protectRtp(second, l2), SrtpStatus::kOk);
  EXPECT_EQ(first, second);  // same index, same bytes: no keystream reuse on different data
  ASSERT_EQ(ends.b->unprotectRtp(first, l1), SrtpStatus::kOk);
  EXPECT_EQ(ends.b->unprotectRtp(second, l2), SrtpStatus::kReplayed);
}

TEST_P(EachProfile, RemovedStreamStartsFresh) {
  Ends ends(GetParam());
  Bytes wire = rtpPacket(5, 0xCAFEBABE, 10);
  size_t len = rtpLength(10);
  ASSERT_EQ(ends.a->protectRtp(wire, len), SrtpStatus::kOk);
  Bytes copy = wire;
  size_t l1 = len, l2 = len;
  ASSERT_EQ(ends.b->unprotectRtp(wire, l1), SrtpStatus::kOk);
  ends.b->removeStream(0xCAFEBABE);
  ends.b->removeStream(0x12345678);  // unknown: ignored
  EXPECT_EQ(ends.b->unprotectRtp(copy, l2), SrtpStatus::kOk);  // replay state went with it
}

TEST(SrtpSession, RejectsWrongKeyLengths) {
  const Bytes k16(16, 1), k32(32, 1), s12(12, 2), s14(14, 2);
  EXPECT_TRUE(SrtpSession::create(SrtpProfile::kAes128CmHmacSha1_80, k16, s14, k16, s14).ok());
  EXPECT_FALSE(SrtpSession::create(SrtpProfile::kAes128CmHmacSha1_80, k16, s12, k16, s14).ok());
  EXPECT_FALSE(SrtpSession::create(SrtpProfile::kAeadAes128Gcm, k32, s12, k16, s12).ok());
  EXPECT_TRUE(SrtpSession::create(SrtpProfile::kAeadAes256Gcm, k32, s12, k32, s12).ok());
  EXPECT_FALSE(SrtpSession::create(SrtpProfile::kAeadAes256Gcm, k16, s12, k16, s12).ok());
  EXPECT_FALSE(SrtpSession::create(static_cast<SrtpProfile>(2), k16, s14, k16, s14).ok());
}

TEST(SrtpSession, ProfileSizes) {
  EXPECT_EQ(rtpTrailerBytes(SrtpProfile::kAes128CmHmacSha1_80), 10u);
  EXPECT_EQ(rtcpTrailerBytes(SrtpProfile::kAes128CmHmacSha1_80), 14u);
  EXPECT_EQ(rtpTrailerBytes(SrtpProfile::kAeadAes256Gcm), 16u);
  EXPECT_EQ(rtcpTrailerBytes(SrtpProfile::kAeadAes128Gcm), 20u);
  EXPECT_EQ(kMaxTrailerBytes, 20u);
}

}  // namespace
}  // namespace atrium::srtp
