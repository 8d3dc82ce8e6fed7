#include "net/tcp_socket.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace atrium::net {

bool ByteRing::push(std::span<const std::span<const uint8_t>> parts) {
  size_t total = 0;
  for (const auto& p : parts) total += p.size();
  if (total > capacity_ - size_) return false;
  if (!data_) data_ = std::make_unique<uint8_t[]>(capacity_);
  size_t tail = (head_ + size_) % capacity_;
  for (const auto& p : parts) {
    size_t first = std::min(p.size(), capacity_ - tail);
    std::memcpy(data_.get() + tail, p.data(), first);
    std::memcpy(data_.get(), p.data() + first, p.size() - first);
    tail = (tail + p.size()) % capacity_;
  }
  size_ += total;
  return true;
}

size_t ByteRing::peek(std::array<iovec, 2>& out) const {
  if (size_ == 0) return 0;
  size_t first = std::min(size_, capacity_ - head_);
  out[0] = {data_.get() + head_, first};
  if (first == size_) return 1;
  out[1] = {data_.get(), size_ - first};
  return 2;
}

void ByteRing::consume(size_t bytes) {
  bytes = std::min(bytes, size_);
  head_ = (head_ + bytes) % capacity_;
  size_ -= bytes;
  if (size_ == 0) head_ = 0;  // keeps the next burst in one run
}

TcpConnection::TcpConnection(int fd, SocketAddress peer, size_t sendQueueBytes)
    : fd_(fd), peer_(peer), sendQueue_(std::max<size_t>(sendQueueBytes, 1)) {}

TcpConnection::~TcpConnection() {
  if (fd_ >= 0) ::close(fd_);
}

TcpConnection::ReadResult TcpConnection::read(std::span<uint8_t> buffer) {
  for (;;) {
    ssize_t n = ::recv(fd_, buffer.data(), buffer.size(), MSG_DONTWAIT);
    if (n > 0) {
      counters_.bytesIn += static_cast<uint64_t>(n);
      return {static_cast<size_t>(n), false};
    }
    if (n == 0) return {0, true};
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return {0, false};
    return {0, true};
  }
}

bool TcpConnection::queue(std::span<const std::span<const uint8_t>> parts) {
  if (!sendQueue_.push(parts)) {
    ++counters_.messagesDropped;
    return false;
  }
  ++counters_.messagesQueued;
  return true;
}

TcpConnection::FlushResult TcpConnection::flush() {
  while (!sendQueue_.empty()) {
    std::array<iovec, 2> iov{};
    size_t runs = sendQueue_.peek(iov);
    msghdr msg{};
    msg.msg_iov = iov.data();
    msg.msg_iovlen = runs;
    // MSG_NOSIGNAL: a peer that reset the connection must not kill the process with SIGPIPE.
    ssize_t n = ::sendmsg(fd_, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) {
      sendQueue_.consume(static_cast<size_t>(n));
      counters_.bytesOut += static_cast<uint64_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return {true, false};
    return {!sendQueue_.empty(), true};
  }
  return {};
}

TcpListener::~TcpListener() {
  if (fd_ >= 0) ::close(fd_);
}

TcpListener::TcpListener(TcpListener&& other) noexcept : fd_(other.fd_), errors_(other.errors_) { other.fd_ = -1; }

TcpListener& TcpListener::operator=(TcpListener&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    errors_ = other.errors_;
    other.fd_ = -1;
  }
  return *this;
}

base::Result<TcpListener> TcpListener::listen(const std::string& ip, uint16_t port, int backlog) {
  auto addr = SocketAddress::parse(ip, port);
  if (!addr.ok()) return addr.error();
  TcpListener l;
  l.fd_ = ::socket(addr->storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (l.fd_ < 0) return base::makeError("SOCKET", std::string("socket: ") + std::strerror(errno));
  int one = 1;
  // A restarted server must get its port back while old connections sit in TIME_WAIT.
  ::setsockopt(l.fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(l.fd_, reinterpret_cast<const sockaddr*>(&addr->storage), addr->length) != 0)
    return base::makeError("SOCKET", "bind tcp " + ip + ":" + std::to_string(port) + ": " + std::strerror(errno));
  if (::listen(l.fd_, backlog) != 0) return base::makeError("SOCKET", std::string("listen: ") + std::strerror(errno));
  return l;
}

uint16_t TcpListener::localPort() const {
  SocketAddress a;
  a.length = sizeof a.storage;
  if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&a.storage), &a.length) != 0) return 0;
  return a.port();
}

std::optional<std::unique_ptr<TcpConnection>> TcpListener::accept(size_t sendQueueBytes, int sendBufferBytes) {
  SocketAddress peer;
  peer.length = sizeof peer.storage;
  for (;;) {
    int fd = ::accept4(fd_, reinterpret_cast<sockaddr*>(&peer.storage), &peer.length, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      if (sendBufferBytes > 0) ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sendBufferBytes, sizeof sendBufferBytes);
      return std::make_unique<TcpConnection>(fd, peer, sendQueueBytes);
    }
    if (errno == EINTR || errno == ECONNABORTED) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) ++errors_;  // EMFILE and friends: counted, retried next time
    return std::nullopt;
  }
}

}  // namespace atrium::net
