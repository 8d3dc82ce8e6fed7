#include "transport/media_port.h"

#include <gtest/gtest.h>

#include <sys/socket.h>

#include <chrono>
#include <cstring>
#include <thread>

#include "ice/ice_test_peer.h"

namespace atrium::transport {
namespace {

struct Collect : TransportListener {
  std::vector<std::vector<uint8_t>> rtp;
  void onRtp(WebRtcTransport&, std::span<uint8_t> p, int64_t) override { rtp.emplace_back(p.begin(), p.end()); }
  void onRtcp(WebRtcTransport&, std::span<uint8_t>, int64_t) override {}
  void onStateChanged(WebRtcTransport&) override {}
};

// The browser side over a real loopback socket: sends datagrams to the port, reads replies.
struct Browser {
  net::UdpSocket socket = std::move(net::UdpSocket::bind("127.0.0.1", 0)).value();
  net::SocketAddress server;
  net::PacketBatch in, out;
  void send(std::span<const uint8_t> bytes) {
    out.clear();
    auto* d = out.add();
    std::memcpy(d->data.data(), bytes.data(), bytes.size());
    d->length = bytes.size();
    d->peer = server;
    socket.send(out);
  }
  std::vector<std::vector<uint8_t>> receive() {
    std::vector<std::vector<uint8_t>> got;
    for (int tries = 0; tries < 50 && got.empty(); ++tries) {
      size_t n = socket.receive(in);
      for (size_t i = 0; i < n; ++i) got.emplace_back(in[i].bytes().begin(), in[i].bytes().end());
      if (got.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return got;
  }
};

TEST(MediaPort, RoutesByUfragThenEndpointOverRealUdp) {
  auto socket = net::UdpSocket::bind("127.0.0.1", 0);
  ASSERT_TRUE(socket.ok());
  MediaPort port(std::move(*socket));
  auto serverCtx = crypto::DtlsContext::create("sfu");
  auto clientCtx = crypto::DtlsContext::create("browser");
  ASSERT_TRUE(serverCtx.ok() && clientCtx.ok());
  Collect up;
  WebRtcTransport t(1, ice::IceLiteAgent(), std::move(dtls::DtlsTransport::create(**serverCtx)).value(), up, port);
  ASSERT_TRUE(t.setRemoteIce("brwsr", "browserpassword0123456789xy").ok());
  ASSERT_TRUE(t.setRemoteFingerprint("sha-256", (*clientCtx)->fingerprintSha256(), 0).ok());
  port.attach(t);

  Browser b;
  b.server = *net::SocketAddress::parse("127.0.0.1", port.port());
  // A check with a ufrag nobody owns is not routed.
  b.send(ice::testing::buildCheck({"nobody:brwsr", "browserpassword0123456789xy", true}));
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  port.onReadable(0);
  EXPECT_EQ(port.counters().unroutable, 1u);

  b.send(ice::testing::buildCheck({t.localIce().ufrag + ":brwsr", t.localIce().pwd, true}));
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  port.onReadable(0);
  auto replies = b.receive();
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(classify(replies[0]), PacketKind::kStun);

  auto client = std::move(dtls::DtlsTransport::create(**clientCtx, {dtls::DtlsRole::kClient})).value();
  ASSERT_TRUE(client->setRemoteFingerprint("sha-256", (*serverCtx)->fingerprintSha256(), 0).ok());
  client->start(0);
  for (int round = 0; round < 10 && t.state() != TransportState::kConnected; ++round) {
    while (auto o = client->pollOutgoing()) b.send(*o);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    port.onReadable(0);
    for (auto& r : b.receive()) client->feed(r, 0);
  }
  ASSERT_EQ(t.state(), TransportState::kConnected);
  ASSERT_EQ(client->state(), dtls::DtlsState::kConnected);

  const auto& k = *client->srtpKeys();
  auto srtp = srtp::SrtpSession::create(static_cast<srtp::SrtpProfile>(k.profile), k.clientKey, k.clientSalt, k.serverKey,
                                        k.serverSalt);
  ASSERT_TRUE(srtp.ok());
  std::vector<uint8_t> pkt(12 + 100 + srtp::kMaxTrailerBytes, 0x5A);
  pkt[0] = 0x80;
  pkt[1] = 111;
  size_t len = 112;
  ASSERT_EQ((*srtp)->protectRtp(pkt, len), srtp::SrtpStatus::kOk);
  b.send(std::span(pkt).first(len));
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  port.onReadable(0);
  ASSERT_EQ(up.rtp.size(), 1u) << "routed by endpoint, decrypted";
  EXPECT_EQ(up.rtp[0].size(), 112u);

  port.detach(t);
  b.send(std::span(pkt).first(len));
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  port.onReadable(0);
  EXPECT_EQ(up.rtp.size(), 1u);
  EXPECT_EQ(port.counters().unroutable, 2u) << "a detached transport gets nothing";
}

}  // namespace
}  // namespace atrium::transport
