#include "transport/webrtc_transport.h"

#include <gtest/gtest.h>

#include <deque>

#include "ice/ice_test_peer.h"

namespace atrium::transport {
namespace {

// Records what the transport sends; the test plays the browser with these bytes.
struct Wire : DatagramSender {
  std::deque<std::pair<ice::Endpoint, std::vector<uint8_t>>> sent;
  void sendDatagram(const ice::Endpoint& to, std::span<const uint8_t> bytes) override {
    sent.emplace_back(to, std::vector<uint8_t>(bytes.begin(), bytes.end()));
  }
};

struct Upstairs : TransportListener {
  std::vector<std::vector<uint8_t>> rtp, rtcp;
  int stateChanges = 0;
  void onRtp(WebRtcTransport&, std::span<uint8_t> p, int64_t) override { rtp.emplace_back(p.begin(), p.end()); }
  void onRtcp(WebRtcTransport&, std::span<uint8_t> p, int64_t) override { rtcp.emplace_back(p.begin(), p.end()); }
  void onStateChanged(WebRtcTransport&) override { ++stateChanges; }
};

std::vector<uint8_t> rtpPacket(uint16_t seq, uint32_t ssrc, size_t payload) {
  std::vector<uint8_t> p(12 + payload + srtp::kMaxTrailerBytes, 0xAB);
  p[0] = 0x80;
  p[1] = 96;
  p[2] = static_cast<uint8_t>(seq >> 8);
  p[3] = static_cast<uint8_t>(seq);
  for (int i = 0; i < 4; ++i) p[4 + i] = 0;
  for (int i = 0; i < 4; ++i) p[8 + i] = static_cast<uint8_t>(ssrc >> (24 - 8 * i));
  return p;
}

class TransportTest : public ::testing::TestWithParam<dtls::SrtpProfile> {
 protected:
  void SetUp() override {
    auto ctx = crypto::DtlsContext::create("atrium-test");
    ASSERT_TRUE(ctx.ok());
    serverCtx = std::move(*ctx);
    auto browserCtx = crypto::DtlsContext::create("browser");
    ASSERT_TRUE(browserCtx.ok());
    clientCtx = std::move(*browserCtx);
    auto serverDtls = dtls::DtlsTransport::create(*serverCtx, {dtls::DtlsRole::kServer, {GetParam()}});
    auto clientDtls = dtls::DtlsTransport::create(*clientCtx, {dtls::DtlsRole::kClient, {GetParam()}});
    ASSERT_TRUE(serverDtls.ok() && clientDtls.ok());
    client = std::move(*clientDtls);
    transport = std::make_unique<WebRtcTransport>(1, ice::IceLiteAgent(), std::move(*serverDtls), up, wire);
    ASSERT_TRUE(transport->setRemoteIce("brwsr", "browserpassword0123456789xy").ok());
    ASSERT_TRUE(transport->setRemoteFingerprint("sha-256", clientCtx->fingerprintSha256(), now).ok());
    ASSERT_TRUE(client->setRemoteFingerprint("sha-256", serverCtx->fingerprintSha256(), now).ok());
    browser = *ice::Endpoint::parse("127.0.0.1:50000");
  }

  void check(bool nominate) {
    auto req = ice::testing::buildCheck({transport->localIce().ufrag + ":brwsr", transport->localIce().pwd, nominate});
    transport->onDatagram(req, browser, now);
  }

  // Moves datagrams both ways until both DTLS sides settle.
  void handshake() {
    client->start(now);
    for (int round = 0; round < 20; ++round) {
      while (auto out = client->pollOutgoing()) transport->onDatagram(*out, browser, now);
      while (!wire.sent.empty()) {
        auto [to, bytes] = wire.sent.front();
        wire.sent.pop_front();
        EXPECT_EQ(to, browser);
        if (classify(bytes) == PacketKind::kDtls) client->feed(bytes, now);
      }
      if (client->state() == dtls::DtlsState::kConnected && transport->state() == TransportState::kConnected) break;
    }
  }

  int64_t now = 1000;
  std::unique_ptr<crypto::DtlsContext> serverCtx, clientCtx;
  std::unique_ptr<dtls::DtlsTransport> client;
  Wire wire;
  Upstairs up;
  std::unique_ptr<WebRtcTransport> transport;
  ice::Endpoint browser;
};

TEST_P(TransportTest, IceDtlsSrtpBothWays) {
  check(true);
  ASSERT_FALSE(wire.sent.empty()) << "binding success response";
  wire.sent.clear();
  EXPECT_EQ(transport->state(), TransportState::kConnecting);
  handshake();
  ASSERT_EQ(client->state(), dtls::DtlsState::kConnected);
  ASSERT_EQ(transport->state(), TransportState::kConnected);
  ASSERT_TRUE(transport->srtpProfile().has_value());
  EXPECT_EQ(static_cast<uint16_t>(*transport->srtpProfile()), static_cast<uint16_t>(GetParam()));

  const auto& k = *client->srtpKeys();
  auto browserSrtp = srtp::SrtpSession::create(static_cast<srtp::SrtpProfile>(k.profile), k.localKey(dtls::DtlsRole::kClient),
                                               k.localSalt(dtls::DtlsRole::kClient), k.remoteKey(dtls::DtlsRole::kClient),
                                               k.remoteSalt(dtls::DtlsRole::kClient));
  ASSERT_TRUE(browserSrtp.ok());

  // Browser -> SFU.
  auto pkt = rtpPacket(7, 0x11223344, 200);
  size_t len = 12 + 200;
  ASSERT_EQ((*browserSrtp)->protectRtp(pkt, len), srtp::SrtpStatus::kOk);
  transport->onDatagram(std::span(pkt).first(len), browser, now);
  ASSERT_EQ(up.rtp.size(), 1u);
  EXPECT_EQ(up.rtp[0].size(), 212u);
  EXPECT_EQ(up.rtp[0][3], 7);

  // Replay, garbage and a foreign endpoint are dropped.
  transport->onDatagram(std::span(pkt).first(len), browser, now);  // now plaintext: fails authentication
  EXPECT_EQ(up.rtp.size(), 1u);
  auto other = rtpPacket(8, 0x11223344, 200);
  size_t len2 = 212;
  ASSERT_EQ((*browserSrtp)->protectRtp(other, len2), srtp::SrtpStatus::kOk);
  auto copy = other;
  transport->onDatagram(std::span(other).first(len2), *ice::Endpoint::parse("127.0.0.1:50001"), now);
  EXPECT_EQ(up.rtp.size(), 1u);
  EXPECT_GE(transport->counters().notSelectedDropped, 1u);
  transport->onDatagram(std::span(copy).first(len2), browser, now);
  EXPECT_EQ(up.rtp.size(), 2u);
  transport->onDatagram(std::span(copy).first(len2), browser, now);  // decrypted in place: garbage now
  EXPECT_EQ(up.rtp.size(), 2u);
  EXPECT_GE(transport->counters().srtpDropped, 2u);

  // SFU -> browser.
  auto out = rtpPacket(9, 0x55667788, 300);
  wire.sent.clear();
  ASSERT_TRUE(transport->sendRtp(out, 12 + 300));
  ASSERT_EQ(wire.sent.size(), 1u);
  auto& [to, bytes] = wire.sent.front();
  EXPECT_EQ(to, browser);
  size_t n = bytes.size();
  bytes.resize(n + srtp::kMaxTrailerBytes);
  ASSERT_EQ((*browserSrtp)->unprotectRtp(bytes, n), srtp::SrtpStatus::kOk);
  EXPECT_EQ(n, 312u);
}

TEST_P(TransportTest, MediaBeforeNominationAndGarbageAreDropped) {
  auto pkt = rtpPacket(1, 1, 10);
  transport->onDatagram(std::span(pkt).first(22), browser, now);
  EXPECT_EQ(transport->counters().notSelectedDropped, 1u);
  std::vector<uint8_t> junk{0x42, 1, 2, 3};
  transport->onDatagram(junk, browser, now);
  EXPECT_EQ(transport->counters().unknownDropped, 1u);
  std::vector<uint8_t> dtlsish(40, 22);  // DTLS first byte from an endpoint that passed no check
  transport->onDatagram(dtlsish, browser, now);
  EXPECT_EQ(transport->counters().notSelectedDropped, 2u);
  EXPECT_TRUE(up.rtp.empty());
}

TEST_P(TransportTest, ConsentExpiryDisconnects) {
  check(true);
  handshake();
  ASSERT_EQ(transport->state(), TransportState::kConnected);
  transport->tick(now + 29'000);
  EXPECT_EQ(transport->state(), TransportState::kConnected);
  transport->tick(now + 31'000);
  EXPECT_EQ(transport->state(), TransportState::kDisconnected);
}

INSTANTIATE_TEST_SUITE_P(Profiles, TransportTest,
                         ::testing::Values(dtls::SrtpProfile::kAeadAes128Gcm, dtls::SrtpProfile::kAeadAes256Gcm,
                                           dtls::SrtpProfile::kAes128CmHmacSha1_80));

}  // namespace
}  // namespace atrium::transport
