#include "net/udp_socket.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace atrium::net {

base::Result<SocketAddress> SocketAddress::parse(const std::string& ip, uint16_t port) {
  SocketAddress a;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&a.storage);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&a.storage);
  if (inet_pton(AF_INET, ip.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    a.length = sizeof(sockaddr_in);
    return a;
  }
  if (inet_pton(AF_INET6, ip.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    a.length = sizeof(sockaddr_in6);
    return a;
  }
  return base::makeError("ADDRESS", "not an IP address: " + ip);
}

uint16_t SocketAddress::port() const {
  if (storage.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&storage)->sin_port);
  if (storage.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_port);
  return 0;
}

std::string SocketAddress::ip() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (storage.ss_family == AF_INET)
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&storage)->sin_addr, buf, sizeof buf);
  else if (storage.ss_family == AF_INET6)
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_addr, buf, sizeof buf);
  return buf;
}

bool SocketAddress::operator==(const SocketAddress& o) const {
  if (storage.ss_family != o.storage.ss_family) return false;
  if (storage.ss_family == AF_INET) {
    auto* a = reinterpret_cast<const sockaddr_in*>(&storage);
    auto* b = reinterpret_cast<const sockaddr_in*>(&o.storage);
    return a->sin_port == b->sin_port && a->sin_addr.s_addr == b->sin_addr.s_addr;
  }
  if (storage.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<const sockaddr_in6*>(&storage);
    auto* b = reinterpret_cast<const sockaddr_in6*>(&o.storage);
    return a->sin6_port == b->sin6_port && std::memcmp(&a->sin6_addr, &b->sin6_addr, sizeof a->sin6_addr) == 0;
  }
  return false;
}

PacketBatch::PacketBatch() {
  for (size_t i = 0; i < kBatch; ++i) {
    iov_[i] = {slots_[i].data.data(), slots_[i].data.size()};
    headers_[i].msg_hdr.msg_iov = &iov_[i];
    headers_[i].msg_hdr.msg_iovlen = 1;
  }
}

Datagram* PacketBatch::add() {
  if (count_ == kBatch) return nullptr;
  Datagram& d = slots_[count_++];
  d.length = 0;
  return &d;
}

UdpSocket::~UdpSocket() {
  if (fd_ >= 0) ::close(fd_);
}

UdpSocket::UdpSocket(UdpSocket&& other) noexcept : fd_(other.fd_), errors_(other.errors_) { other.fd_ = -1; }

UdpSocket& UdpSocket::operator=(UdpSocket&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    errors_ = other.errors_;
    other.fd_ = -1;
  }
  return *this;
}

base::Result<UdpSocket> UdpSocket::bind(const std::string& ip, uint16_t port) {
  auto addr = SocketAddress::parse(ip, port);
  if (!addr.ok()) return addr.error();
  UdpSocket s;
  s.fd_ = ::socket(addr->storage.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (s.fd_ < 0) return base::makeError("SOCKET", std::string("socket: ") + std::strerror(errno));
  int size = 4 << 20;  // room for bursts while the worker is busy
  ::setsockopt(s.fd_, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  ::setsockopt(s.fd_, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  if (::bind(s.fd_, reinterpret_cast<const sockaddr*>(&addr->storage), addr->length) != 0)
    return base::makeError("SOCKET", "bind " + ip + ":" + std::to_string(port) + ": " + std::strerror(errno));
  return s;
}

uint16_t UdpSocket::localPort() const {
  SocketAddress a;
  a.length = sizeof a.storage;
  if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&a.storage), &a.length) != 0) return 0;
  return a.port();
}

size_t UdpSocket::receive(PacketBatch& batch) {
  batch.count_ = 0;
  for (size_t i = 0; i < kBatch; ++i) {
    auto& h = batch.headers_[i].msg_hdr;
    h.msg_name = &batch.slots_[i].peer.storage;
    h.msg_namelen = sizeof(sockaddr_storage);
  }
  int n = ::recvmmsg(fd_, batch.headers_.data(), kBatch, MSG_DONTWAIT, nullptr);
  if (n < 0) {
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) ++errors_;
    return 0;
  }
  for (int i = 0; i < n; ++i) {
    batch.slots_[i].length = batch.headers_[i].msg_len;
    batch.slots_[i].peer.length = batch.headers_[i].msg_hdr.msg_namelen;
  }
  batch.count_ = static_cast<size_t>(n);
  return batch.count_;
}

size_t UdpSocket::send(PacketBatch& batch) {
  size_t sent = 0;
  for (size_t i = 0; i < batch.count_; ++i) {
    auto& h = batch.headers_[i].msg_hdr;
    h.msg_name = &batch.slots_[i].peer.storage;
    h.msg_namelen = batch.slots_[i].peer.length;
    batch.iov_[i].iov_len = batch.slots_[i].length;
  }
  while (sent < batch.count_) {
    int n = ::sendmmsg(fd_, batch.headers_.data() + sent, static_cast<unsigned>(batch.count_ - sent), MSG_DONTWAIT);
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      ++errors_;  // a full send buffer drops the rest of the batch: media is loss-tolerant
      break;
    }
    sent += static_cast<size_t>(n);
  }
  for (size_t i = 0; i < kBatch; ++i) batch.iov_[i].iov_len = batch.slots_[i].data.size();
  return sent;
}

}  // namespace atrium::net
