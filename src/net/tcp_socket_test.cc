#include "net/tcp_socket.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "net/event_loop.h"

namespace atrium::net {
namespace {

std::span<const uint8_t> bytesOf(const std::vector<uint8_t>& v) { return {v.data(), v.size()}; }

// A plain blocking client socket connected to 127.0.0.1:port.
int connectTo(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

std::unique_ptr<TcpConnection> acceptOne(TcpListener& l, size_t queueBytes, int sndbuf = 0) {
  for (int i = 0; i < 200; ++i) {
    if (auto c = l.accept(queueBytes, sndbuf)) return std::move(*c);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return nullptr;
}

TEST(ByteRing, AllOrNothingAndWraps) {
  ByteRing r(10);
  std::vector<uint8_t> a{1, 2, 3, 4, 5, 6}, b{7, 8, 9, 10, 11};
  std::span<const uint8_t> pa[] = {bytesOf(a)};
  std::span<const uint8_t> pb[] = {bytesOf(b)};
  EXPECT_TRUE(r.push(pa));
  EXPECT_FALSE(r.push(pb)) << "5 bytes do not fit in the 4 left: nothing is queued";
  EXPECT_EQ(r.size(), 6u);
  r.consume(4);  // head at 4, 2 queued
  EXPECT_TRUE(r.push(pb));  // 7 queued, wrapping past the end
  std::array<iovec, 2> iov{};
  ASSERT_EQ(r.peek(iov), 2u);
  std::vector<uint8_t> got;
  for (auto& v : iov) got.insert(got.end(), static_cast<uint8_t*>(v.iov_base), static_cast<uint8_t*>(v.iov_base) + v.iov_len);
  EXPECT_EQ(got, (std::vector<uint8_t>{5, 6, 7, 8, 9, 10, 11}));
  r.consume(7);
  EXPECT_TRUE(r.empty());
}

TEST(TcpConnection, EchoesOverLoopbackAndReportsEof) {
  auto l = TcpListener::listen("127.0.0.1", 0);
  ASSERT_TRUE(l.ok()) << l.error().message;
  int client = connectTo(l->localPort());
  ASSERT_GE(client, 0);
  auto conn = acceptOne(*l, 4096);
  ASSERT_TRUE(conn);
  EXPECT_EQ(conn->peer().ip(), "127.0.0.1");

  std::array<uint8_t, 64> buf{};
  EXPECT_EQ(conn->read(buf).bytes, 0u) << "nothing sent yet";
  EXPECT_FALSE(conn->read(buf).closed);
  ASSERT_EQ(::send(client, "hello", 5, 0), 5);
  TcpConnection::ReadResult r;
  for (int i = 0; i < 200 && r.bytes == 0; ++i) {
    r = conn->read(buf);
    if (r.bytes == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_EQ(r.bytes, 5u);

  std::vector<uint8_t> head{0, 3}, body{'a', 'b', 'c'};
  std::span<const uint8_t> parts[] = {bytesOf(head), bytesOf(body)};
  EXPECT_TRUE(conn->queue(parts));
  EXPECT_EQ(conn->queuedBytes(), 5u);
  auto f = conn->flush();
  EXPECT_FALSE(f.pending);
  EXPECT_FALSE(f.failed);
  char echo[5];
  ASSERT_EQ(::recv(client, echo, 5, MSG_WAITALL), 5);
  EXPECT_EQ(std::string(echo + 2, 3), "abc");

  ::close(client);
  for (int i = 0; i < 200 && !r.closed; ++i) {
    r = conn->read(buf);
    if (!r.closed) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_TRUE(r.closed);
}

// A reader that never reads: the kernel buffers fill, then the queue, then messages are dropped
// and counted — memory stays at the queue's capacity.
TEST(TcpConnection, SlowReaderDropsWholeMessagesAtTheQueueBound) {
  auto l = TcpListener::listen("127.0.0.1", 0);
  ASSERT_TRUE(l.ok());
  int client = connectTo(l->localPort());
  ASSERT_GE(client, 0);
  int small = 4096;
  ::setsockopt(client, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  constexpr size_t kQueue = 16 * 1024;
  auto conn = acceptOne(*l, kQueue, 4096);
  ASSERT_TRUE(conn);
  std::vector<uint8_t> packet(1000, 0xab);
  std::span<const uint8_t> parts[] = {bytesOf(packet)};
  bool sawPending = false;
  for (int i = 0; i < 2000; ++i) {
    conn->queue(parts);
    auto f = conn->flush();
    ASSERT_FALSE(f.failed);
    sawPending = sawPending || f.pending;
    ASSERT_LE(conn->queuedBytes(), kQueue);
  }
  EXPECT_TRUE(sawPending);
  EXPECT_GT(conn->counters().messagesDropped, 0u);
  EXPECT_EQ(conn->counters().messagesQueued + conn->counters().messagesDropped, 2000u);
  EXPECT_EQ(conn->queuedBytes() % 1000, 0u) << "only whole messages are queued";
  ::close(client);
}

TEST(TcpConnection, FlushToAResetPeerFails) {
  auto l = TcpListener::listen("127.0.0.1", 0);
  ASSERT_TRUE(l.ok());
  int client = connectTo(l->localPort());
  auto conn = acceptOne(*l, 4096);
  ASSERT_TRUE(conn);
  linger lg{1, 0};  // close with RST
  ::setsockopt(client, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  ::close(client);
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  std::vector<uint8_t> packet(100, 1);
  std::span<const uint8_t> parts[] = {bytesOf(packet)};
  bool failed = false;
  for (int i = 0; i < 3 && !failed; ++i) {
    conn->queue(parts);
    failed = conn->flush().failed;  // no SIGPIPE either (MSG_NOSIGNAL)
  }
  EXPECT_TRUE(failed);
}

// A handler that removes itself and another fd's handler in the same batch must not call into
// freed memory (ASan checks this in the sanitizer build).
TEST(EventLoop, HandlersMayRemoveRegistrationsDuringDispatch) {
  EventLoop loop;
  int a[2], b[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, a), 0);
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, b), 0);
  std::atomic<int> calls{0}, writable{0};
  auto onEither = [&](uint32_t) {
    ++calls;
    loop.remove(a[0]);
    loop.remove(b[0]);
  };
  loop.watch(a[0], onEither);
  loop.watch(b[0], onEither);
  ASSERT_EQ(::write(a[1], "x", 1), 1);
  ASSERT_EQ(::write(b[1], "x", 1), 1);
  int sp[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sp), 0);
  loop.watch(sp[0], [&](uint32_t events) {
    if (events & EPOLLOUT) {
      ++writable;
      loop.setWritable(sp[0], false);
    }
  });
  loop.setWritable(sp[0], true);
  int ticks = 0;
  loop.every(2, [&] {
    if (++ticks > 10) loop.stop();
  });
  loop.run();
  EXPECT_EQ(calls.load(), 1) << "the second handler was removed by the first";
  EXPECT_EQ(writable.load(), 1) << "writability is reported once, then no longer asked for";
  for (int fd : {a[0], a[1], b[0], b[1], sp[0], sp[1]}) ::close(fd);
}

}  // namespace
}  // namespace atrium::net
