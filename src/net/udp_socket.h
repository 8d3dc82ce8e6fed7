// A non-blocking UDP socket with batched I/O (recvmmsg/sendmmsg): one system call moves up to
// kBatch datagrams. Buffers belong to the caller's PacketBatch, allocated once; nothing here
// allocates per packet.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <span>
#include <string>

#include "base/result.h"

namespace atrium::net {

inline constexpr size_t kMaxDatagram = 1500;
inline constexpr size_t kBatch = 32;

// An IPv4/IPv6 address and port, comparable and hashable without allocation.
struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;
  static base::Result<SocketAddress> parse(const std::string& ip, uint16_t port);
  uint16_t port() const;
  std::string ip() const;  // for logs (mask before logging) and SDP candidates
  bool operator==(const SocketAddress& other) const;
};

struct Datagram {
  std::array<uint8_t, kMaxDatagram> data;
  size_t length = 0;
  SocketAddress peer;
  std::span<uint8_t> bytes() { return {data.data(), length}; }
};

// kBatch datagram slots plus the iovec/mmsghdr arrays that point at them.
class PacketBatch {
 public:
  PacketBatch();
  PacketBatch(const PacketBatch&) = delete;
  PacketBatch& operator=(const PacketBatch&) = delete;
  Datagram& operator[](size_t i) { return slots_[i]; }
  size_t size() const { return count_; }
  void clear() { count_ = 0; }
  // Appends a slot to fill (for sending); nullptr when full.
  Datagram* add();

 private:
  friend class UdpSocket;
  std::array<Datagram, kBatch> slots_;
  std::array<iovec, kBatch> iov_{};
  std::array<mmsghdr, kBatch> headers_{};
  size_t count_ = 0;
};

class UdpSocket {
 public:
  UdpSocket() = default;
  ~UdpSocket();
  UdpSocket(UdpSocket&& other) noexcept;
  UdpSocket& operator=(UdpSocket&& other) noexcept;

  static base::Result<UdpSocket> bind(const std::string& ip, uint16_t port);
  int fd() const { return fd_; }
  uint16_t localPort() const;

  // Receives up to kBatch datagrams into `batch` (cleared first). Returns how many; 0 when none
  // is waiting. Errors other than EAGAIN are counted and reported as 0.
  size_t receive(PacketBatch& batch);
  // Sends batch[0..size) to each datagram's peer; returns how many the kernel took.
  size_t send(PacketBatch& batch);
  uint64_t errors() const { return errors_; }

 private:
  int fd_ = -1;
  uint64_t errors_ = 0;
};

}  // namespace atrium::net
