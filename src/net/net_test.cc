#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "net/event_loop.h"
#include "net/udp_socket.h"

namespace atrium::net {
namespace {

TEST(SocketAddress, ParsesAndCompares) {
  auto a = SocketAddress::parse("127.0.0.1", 5000);
  auto b = SocketAddress::parse("127.0.0.1", 5000);
  auto c = SocketAddress::parse("::1", 5000);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_TRUE(*a == *b);
  EXPECT_FALSE(*a == *c);
  EXPECT_EQ(a->ip(), "127.0.0.1");
  EXPECT_EQ(c->ip(), "::1");
  EXPECT_EQ(a->port(), 5000);
  EXPECT_FALSE(SocketAddress::parse("localhost", 1).ok());
}

TEST(UdpSocket, BatchedSendAndReceiveOnLoopback) {
  auto rx = UdpSocket::bind("127.0.0.1", 0);
  auto tx = UdpSocket::bind("127.0.0.1", 0);
  ASSERT_TRUE(rx.ok() && tx.ok());
  auto to = SocketAddress::parse("127.0.0.1", rx->localPort());
  PacketBatch out;
  for (int i = 0; i < 10; ++i) {
    Datagram* d = out.add();
    d->data[0] = static_cast<uint8_t>(i);
    d->length = 100 + i;
    d->peer = *to;
  }
  EXPECT_EQ(tx->send(out), 10u);
  PacketBatch in;
  size_t got = 0;
  for (int tries = 0; tries < 100 && got < 10; ++tries) {
    size_t n = rx->receive(in);
    for (size_t i = 0; i < n; ++i) {
      EXPECT_EQ(in[i].length, 100 + in[i].data[0]);
      EXPECT_EQ(in[i].peer.port(), tx->localPort());
    }
    got += n;
    if (n == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(got, 10u);
  EXPECT_EQ(rx->receive(in), 0u) << "nothing more waiting";
}

TEST(EventLoop, ReadablePostedAndTimers) {
  EventLoop loop;
  auto rx = UdpSocket::bind("127.0.0.1", 0);
  auto tx = UdpSocket::bind("127.0.0.1", 0);
  ASSERT_TRUE(rx.ok() && tx.ok());
  std::atomic<int> received{0}, ticks{0}, posted{0};
  PacketBatch in;
  loop.addReadable(rx->fd(), [&] { received += static_cast<int>(rx->receive(in)); });
  loop.every(5, [&] {
    // Bounded: stops after 2 s even if something never arrives, so the test cannot hang.
    if ((++ticks >= 3 && received > 0 && posted > 0) || ticks > 400) loop.stop();
  });
  std::thread t([&] { loop.run(); });
  loop.post([&] { ++posted; });
  PacketBatch out;
  Datagram* d = out.add();
  d->length = 10;
  d->peer = *SocketAddress::parse("127.0.0.1", rx->localPort());
  tx->send(out);
  t.join();
  EXPECT_GE(ticks.load(), 3);
  EXPECT_EQ(received.load(), 1);
  EXPECT_EQ(posted.load(), 1);
}

}  // namespace
}  // namespace atrium::net
