// IceTcpSession without sockets: framing edge cases, binding only after a valid STUN check,
// ICE + DTLS + SRTP over RFC 4571 frames, and a transport with UDP and TCP paths answering on
// the nominated one.
#include "transport/ice_tcp_session.h"

#include <gtest/gtest.h>

#include <deque>

#include "ice/ice_test_peer.h"

namespace atrium::transport {
namespace {

struct Wire : DatagramSender {
  std::deque<std::pair<ice::Endpoint, std::vector<uint8_t>>> sent;
  void sendDatagram(const ice::Endpoint& to, std::span<const uint8_t> bytes) override {
    sent.emplace_back(to, std::vector<uint8_t>(bytes.begin(), bytes.end()));
  }
};

struct Upstairs : TransportListener {
  std::vector<std::vector<uint8_t>> rtp;
  void onRtp(WebRtcTransport&, std::span<uint8_t> p, int64_t) override { rtp.emplace_back(p.begin(), p.end()); }
  void onRtcp(WebRtcTransport&, std::span<uint8_t>, int64_t) override {}
  void onStateChanged(WebRtcTransport&) override {}
};

std::vector<uint8_t> frame(std::span<const uint8_t> payload) {
  std::vector<uint8_t> out(payload.size() + 2);
  EXPECT_TRUE(ice::writeIceTcpFrame(out, payload).has_value());
  return out;
}

class IceTcpSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    serverCtx = std::move(crypto::DtlsContext::create("sfu")).value();
    clientCtx = std::move(crypto::DtlsContext::create("browser")).value();
    transport = std::make_unique<WebRtcTransport>(7, ice::IceLiteAgent(),
                                                  std::move(dtls::DtlsTransport::create(*serverCtx)).value(), up, udp);
    transport->setTcpSender(&tcp);
    ASSERT_TRUE(transport->setRemoteIce("brwsr", "browserpassword0123456789xy").ok());
    ASSERT_TRUE(transport->setRemoteFingerprint("sha-256", clientCtx->fingerprintSha256(), now).ok());
    ufrags[transport->localIce().ufrag] = transport.get();
  }

  std::vector<uint8_t> check(bool nominate, std::string password = "") {
    return ice::testing::buildCheck({transport->localIce().ufrag + ":brwsr",
                                     password.empty() ? transport->localIce().pwd : password, nominate});
  }
  bool feed(IceTcpSession& s, std::vector<uint8_t> bytes) { return s.onBytes(bytes, ufrags, now, counters); }

  int64_t now = 1000;
  std::unique_ptr<crypto::DtlsContext> serverCtx, clientCtx;
  Wire udp, tcp;
  Upstairs up;
  std::unique_ptr<WebRtcTransport> transport;
  UfragTable ufrags;
  IceTcpCounters counters;
  const ice::Endpoint browser = *ice::Endpoint::parse("127.0.0.1:50000");
};

TEST_F(IceTcpSessionTest, BindsOnlyAfterAValidCheck) {
  IceTcpSession s(browser, now);
  // DTLS and RTP before any check go nowhere.
  std::vector<uint8_t> dtlsish(40, 22), rtpish(40, 0x80);
  EXPECT_TRUE(feed(s, frame(dtlsish)));
  EXPECT_TRUE(feed(s, frame(rtpish)));
  // A check for a ufrag nobody owns: dropped, no answer.
  auto nobody = ice::testing::buildCheck({"nobody:brwsr", "browserpassword0123456789xy", true});
  EXPECT_TRUE(feed(s, frame(nobody)));
  EXPECT_TRUE(tcp.sent.empty());
  // Right ufrag, wrong password: the agent answers 401 on this connection, but it stays unbound.
  EXPECT_TRUE(feed(s, frame(check(true, "wrongpassword0123456789abcdef"))));
  EXPECT_EQ(s.transport(), nullptr);
  ASSERT_EQ(tcp.sent.size(), 1u);
  EXPECT_EQ(tcp.sent[0].first, browser);
  EXPECT_EQ(counters.unbound, 4u);
  EXPECT_EQ(counters.bound, 0u);
  EXPECT_TRUE(s.handshakeExpired(now + 10'000, 10'000));

  EXPECT_TRUE(feed(s, frame(check(true))));
  EXPECT_EQ(s.transport(), transport.get());
  EXPECT_EQ(counters.bound, 1u);
  EXPECT_FALSE(s.handshakeExpired(now + 100'000, 10'000)) << "a bound connection is not a pending handshake";
  ASSERT_NE(transport->ice().selectedPair(), nullptr);
  EXPECT_EQ(transport->ice().selectedPair()->protocol, ice::IceProtocol::kTcp);
  EXPECT_TRUE(udp.sent.empty()) << "nothing ever goes out over UDP for a TCP check";
}

TEST_F(IceTcpSessionTest, FramingEdgeCases) {
  // A check split at every byte boundary (the length prefix included) binds all the same.
  const auto whole = frame(check(true));
  for (size_t cut = 1; cut < whole.size(); ++cut) {
    IceTcpSession s(*ice::Endpoint::parse("127.0.0.1:" + std::to_string(40000 + cut)), now);
    EXPECT_TRUE(feed(s, std::vector<uint8_t>(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(cut))));
    EXPECT_EQ(s.transport(), nullptr);
    EXPECT_TRUE(feed(s, std::vector<uint8_t>(whole.begin() + static_cast<std::ptrdiff_t>(cut), whole.end())));
    EXPECT_EQ(s.transport(), transport.get()) << "cut at " << cut;
  }
  // Empty frames are skipped; two checks in one read are two frames.
  IceTcpSession s(browser, now);
  std::vector<uint8_t> chunk{0, 0};
  for (int i = 0; i < 2; ++i) chunk.insert(chunk.end(), whole.begin(), whole.end());
  size_t before = tcp.sent.size();
  EXPECT_TRUE(feed(s, chunk));
  EXPECT_EQ(tcp.sent.size(), before + 2) << "each check is answered";
  // A length over the limit breaks the stream for good.
  IceTcpSession small(browser, now, 1500);
  EXPECT_FALSE(feed(small, {0x05, 0xDD}));  // 1501
  EXPECT_TRUE(small.broken());
  EXPECT_FALSE(feed(small, frame(check(true))));
}

// The browser's whole session over TCP frames: ICE, DTLS, then SRTP both ways; the transport
// sends on the TCP path because that is the nominated pair, and moves to UDP when the browser
// nominates a UDP pair (and back).
TEST_F(IceTcpSessionTest, DtlsAndSrtpOverFramesFollowTheNominatedPath) {
  IceTcpSession s(browser, now);
  EXPECT_TRUE(feed(s, frame(check(true))));
  tcp.sent.clear();
  auto client = std::move(dtls::DtlsTransport::create(*clientCtx, {dtls::DtlsRole::kClient})).value();
  ASSERT_TRUE(client->setRemoteFingerprint("sha-256", serverCtx->fingerprintSha256(), now).ok());
  client->start(now);
  for (int round = 0; round < 20 && transport->state() != TransportState::kConnected; ++round) {
    while (auto out = client->pollOutgoing()) EXPECT_TRUE(feed(s, frame(*out)));
    while (!tcp.sent.empty()) {
      client->feed(tcp.sent.front().second, now);
      tcp.sent.pop_front();
    }
  }
  ASSERT_EQ(transport->state(), TransportState::kConnected);
  ASSERT_EQ(client->state(), dtls::DtlsState::kConnected);
  EXPECT_TRUE(udp.sent.empty());

  const auto& k = *client->srtpKeys();
  auto srtp = std::move(srtp::SrtpSession::create(static_cast<srtp::SrtpProfile>(k.profile), k.localKey(dtls::DtlsRole::kClient),
                                                  k.localSalt(dtls::DtlsRole::kClient), k.remoteKey(dtls::DtlsRole::kClient),
                                                  k.remoteSalt(dtls::DtlsRole::kClient)))
                  .value();
  std::vector<uint8_t> pkt(12 + 100 + srtp::kMaxTrailerBytes, 0x5A);
  pkt[0] = 0x80;
  pkt[1] = 111;
  size_t len = 112;
  ASSERT_EQ(srtp->protectRtp(pkt, len), srtp::SrtpStatus::kOk);
  EXPECT_TRUE(feed(s, frame(std::span(pkt).first(len))));
  ASSERT_EQ(up.rtp.size(), 1u);
  // The same packet over UDP from the same address is another path, not selected: dropped.
  transport->onDatagram(std::span(pkt).first(len), browser, now);
  EXPECT_EQ(up.rtp.size(), 1u);

  std::vector<uint8_t> out(12 + 50 + srtp::kMaxTrailerBytes, 0x11);
  out[0] = 0x80;
  out[1] = 96;
  ASSERT_TRUE(transport->sendRtp(out, 62));
  ASSERT_EQ(tcp.sent.size(), 1u);
  EXPECT_TRUE(udp.sent.empty());

  // The browser nominates a UDP pair: answers move there.
  const auto udpBrowser = *ice::Endpoint::parse("127.0.0.1:50002");
  auto udpCheck = check(true);
  transport->onDatagram(udpCheck, udpBrowser, now);
  udp.sent.clear();
  tcp.sent.clear();
  std::vector<uint8_t> out2(12 + 50 + srtp::kMaxTrailerBytes, 0x22);
  out2[0] = 0x80;
  out2[1] = 96;
  ASSERT_TRUE(transport->sendRtp(out2, 62));
  EXPECT_EQ(udp.sent.size(), 1u);
  EXPECT_TRUE(tcp.sent.empty());
  // And back to TCP on a new nomination over the connection.
  EXPECT_TRUE(feed(s, frame(check(true))));
  tcp.sent.clear();
  udp.sent.clear();
  std::vector<uint8_t> out3(12 + 50 + srtp::kMaxTrailerBytes, 0x33);
  out3[0] = 0x80;
  out3[1] = 96;
  ASSERT_TRUE(transport->sendRtp(out3, 62));
  EXPECT_EQ(tcp.sent.size(), 1u);
  EXPECT_TRUE(udp.sent.empty());

  // The connection closes: its pair is gone, media stops (no send into a dead path).
  transport->onPathClosed(browser, ice::IceProtocol::kTcp);
  EXPECT_EQ(transport->state(), TransportState::kDisconnected);
  std::vector<uint8_t> out4(12 + 50 + srtp::kMaxTrailerBytes, 0x44);
  out4[0] = 0x80;
  out4[1] = 96;
  EXPECT_FALSE(transport->sendRtp(out4, 62));
}

// A transport on a worker without a TCP port never answers over TCP (and never crashes).
TEST_F(IceTcpSessionTest, NoTcpSenderNoAnswer) {
  transport->setTcpSender(nullptr);
  IceTcpSession s(browser, now);
  EXPECT_TRUE(feed(s, frame(check(true))));
  EXPECT_TRUE(tcp.sent.empty());
  EXPECT_TRUE(udp.sent.empty());
}

}  // namespace
}  // namespace atrium::transport
