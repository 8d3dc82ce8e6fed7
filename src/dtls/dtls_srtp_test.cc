// Cross-module: the keys a DTLS handshake exports drive SrtpSessions that interoperate, for each
// profile, RTP and RTCP, in both directions.
#include <gtest/gtest.h>

#include "dtls/dtls_test_util.h"
#include "srtp/srtp_session.h"
#include "srtp/srtp_test_util.h"

namespace atrium::dtls {
namespace {

// The enums share the IANA values, so the transport layer converts with a cast.
static_assert(static_cast<uint16_t>(SrtpProfile::kAes128CmHmacSha1_80) ==
              static_cast<uint16_t>(srtp::SrtpProfile::kAes128CmHmacSha1_80));
static_assert(static_cast<uint16_t>(SrtpProfile::kAeadAes128Gcm) ==
              static_cast<uint16_t>(srtp::SrtpProfile::kAeadAes128Gcm));
static_assert(static_cast<uint16_t>(SrtpProfile::kAeadAes256Gcm) ==
              static_cast<uint16_t>(srtp::SrtpProfile::kAeadAes256Gcm));

std::unique_ptr<srtp::SrtpSession> sessionFor(const DtlsTransport& t) {
  const SrtpKeyMaterial& k = *t.srtpKeys();
  auto s = srtp::SrtpSession::create(static_cast<srtp::SrtpProfile>(k.profile), k.localKey(t.role()),
                                     k.localSalt(t.role()), k.remoteKey(t.role()), k.remoteSalt(t.role()));
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
  return std::move(*s);
}

void expectRtpFlows(srtp::SrtpSession& from, srtp::SrtpSession& to, uint16_t seq) {
  const auto clear = srtp::testing::rtpPacket(seq, 0xDEADBEEF, 1000);
  auto wire = clear;
  size_t len = srtp::testing::rtpLength(1000);
  ASSERT_EQ(from.protectRtp(wire, len), srtp::SrtpStatus::kOk);
  auto replay = wire;
  size_t replayLen = len;
  auto tampered = wire;
  tampered[100] ^= 0x20;
  size_t tamperedLen = len;
  EXPECT_EQ(to.unprotectRtp(tampered, tamperedLen), srtp::SrtpStatus::kAuthFailed);
  ASSERT_EQ(to.unprotectRtp(wire, len), srtp::SrtpStatus::kOk);
  EXPECT_EQ(len, srtp::testing::rtpLength(1000));
  EXPECT_TRUE(std::equal(wire.begin(), wire.begin() + static_cast<ptrdiff_t>(len), clear.begin()));
  EXPECT_EQ(to.unprotectRtp(replay, replayLen), srtp::SrtpStatus::kReplayed);
}

void expectRtcpFlows(srtp::SrtpSession& from, srtp::SrtpSession& to) {
  const auto clear = srtp::testing::rtcpPacket(0xDEADBEEF);
  auto wire = clear;
  size_t len = srtp::testing::kRtcpLength;
  ASSERT_EQ(from.protectRtcp(wire, len), srtp::SrtpStatus::kOk);
  auto replay = wire;
  size_t replayLen = len;
  auto tampered = wire;
  tampered[12] ^= 0x01;
  size_t tamperedLen = len;
  EXPECT_EQ(to.unprotectRtcp(tampered, tamperedLen), srtp::SrtpStatus::kAuthFailed);
  ASSERT_EQ(to.unprotectRtcp(wire, len), srtp::SrtpStatus::kOk);
  EXPECT_TRUE(std::equal(wire.begin(), wire.begin() + static_cast<ptrdiff_t>(len), clear.begin()));
  EXPECT_EQ(to.unprotectRtcp(replay, replayLen), srtp::SrtpStatus::kReplayed);
}

class DtlsSrtp : public ::testing::TestWithParam<SrtpProfile> {};

TEST_P(DtlsSrtp, ExportedKeysProtectBothWays) {
  DtlsTransportOptions options;
  options.srtpProfiles = {GetParam()};
  testing::Pair pair(options, options);
  pair.handshake();
  ASSERT_TRUE(pair.connected());
  auto client = sessionFor(*pair.client);
  auto server = sessionFor(*pair.server);
  for (uint16_t seq = 1; seq <= 3; ++seq) {
    expectRtpFlows(*client, *server, seq);
    expectRtpFlows(*server, *client, seq);
  }
  expectRtcpFlows(*client, *server);
  expectRtcpFlows(*server, *client);
}

TEST_P(DtlsSrtp, KeysDifferPerHandshake) {
  DtlsTransportOptions options;
  options.srtpProfiles = {GetParam()};
  testing::Pair first(options, options), second(options, options);
  first.handshake();
  second.handshake();
  ASSERT_TRUE(first.connected() && second.connected());
  EXPECT_NE(first.client->srtpKeys()->clientKey, second.client->srtpKeys()->clientKey);
  // A packet from one association does not authenticate in another.
  auto sender = sessionFor(*first.client);
  auto stranger = sessionFor(*second.server);
  auto wire = srtp::testing::rtpPacket(1, 1, 100);
  size_t len = srtp::testing::rtpLength(100);
  ASSERT_EQ(sender->protectRtp(wire, len), srtp::SrtpStatus::kOk);
  EXPECT_EQ(stranger->unprotectRtp(wire, len), srtp::SrtpStatus::kAuthFailed);
}

INSTANTIATE_TEST_SUITE_P(Dtls, DtlsSrtp,
                         ::testing::Values(SrtpProfile::kAes128CmHmacSha1_80, SrtpProfile::kAeadAes128Gcm,
                                           SrtpProfile::kAeadAes256Gcm),
                         [](const auto& info) { return std::string(toString(info.param)).substr(5); });

}  // namespace
}  // namespace atrium::dtls
