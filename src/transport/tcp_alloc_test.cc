// The ICE-TCP packet path allocates nothing once a connection is bound: global operator new is
// counted for this test binary, and reading framed checks (deframing, the bound session, the
// ICE agent, the framed answer queued and flushed) and sending media-sized packets through
// TcpMediaPort::sendDatagram + flush over real loopback TCP must not move the counter. SRTP is
// left out on purpose: Debian's libsrtp2 allocates inside the library (src/srtp/README.md).
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <vector>

#include "base/testing/counting_new.h"
#include "base/clock.h"
#include "ice/ice_test_peer.h"
#include "transport/tcp_media_port.h"

namespace atrium::transport {
namespace {

struct NullSender : DatagramSender {
  void sendDatagram(const ice::Endpoint&, std::span<const uint8_t>) override {}
};
struct NullListener : TransportListener {
  void onRtp(WebRtcTransport&, std::span<uint8_t>, int64_t) override {}
  void onRtcp(WebRtcTransport&, std::span<uint8_t>, int64_t) override {}
  void onStateChanged(WebRtcTransport&) override {}
};

TEST(IceTcpAllocations, BoundConnectionPathDoesNotAllocate) {
  base::ManualClock clock;
  net::EventLoop loop(clock);
  auto listener = net::TcpListener::listen("127.0.0.1", 0);
  ASSERT_TRUE(listener.ok());
  TcpMediaPort port(std::move(*listener), loop, clock);
  port.start();
  auto ctx = std::move(crypto::DtlsContext::create("sfu")).value();
  NullSender udp;
  NullListener up;
  WebRtcTransport t(1, ice::IceLiteAgent(), std::move(dtls::DtlsTransport::create(*ctx)).value(), up, udp);
  t.setTcpSender(&port);
  ASSERT_TRUE(t.setRemoteIce("brwsr", "browserpassword0123456789xy").ok());
  port.attach(t);

  int client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port.port());
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(client, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  const auto check = ice::testing::buildCheck({t.localIce().ufrag + ":brwsr", t.localIce().pwd, true});
  std::vector<uint8_t> framed(check.size() + 2);
  ASSERT_TRUE(ice::writeIceTcpFrame(framed, check));
  std::vector<uint8_t> sink(1 << 16);
  auto drainClient = [&] {
    pollfd p{client, POLLIN, 0};
    while (::poll(&p, 1, 0) == 1 && ::recv(client, sink.data(), sink.size(), MSG_DONTWAIT) > 0) {
    }
  };
  auto round = [&](int checks) {
    for (int i = 0; i < checks; ++i) ASSERT_EQ(::send(client, framed.data(), framed.size(), 0), static_cast<ssize_t>(framed.size()));
    const uint64_t want = port.counters().frames.framesIn + static_cast<uint64_t>(checks);
    for (int i = 0; i < 200 && port.counters().frames.framesIn < want; ++i) {
      loop.runOnce(5);
      port.flush();
    }
    ASSERT_EQ(port.counters().frames.framesIn, want);
    drainClient();
  };
  // Warm-up: accept, bind (the ufrag lookup builds a string), the send queue's first use.
  round(3);
  ASSERT_EQ(port.counters().frames.bound, 1u);
  const auto to = t.ice().selectedPair()->remote;
  std::vector<uint8_t> media(1200, 0x80);

  const long before = atrium::testing::allocationCount();
  round(50);
  for (int i = 0; i < 200; ++i) {
    port.sendDatagram(to, media);
    if (i % 20 == 0) port.flush();
    drainClient();
  }
  port.flush();
  EXPECT_EQ(atrium::testing::allocationCount() - before, 0);
  EXPECT_EQ(port.counters().sendDropped, 0u);
  ::close(client);
}

}  // namespace
}  // namespace atrium::transport
