// Non-blocking TCP for the media plane (ICE-TCP passive candidates, RFC 6544): a listener and
// an accepted connection with a bounded send queue. Framing is the caller's business; this
// layer moves bytes.
//
// Why a bounded queue that drops: media over TCP must not turn a slow reader into unbounded
// memory on the server (or into seconds of latency that no one wants to watch). A UDP socket
// with a full send buffer drops the datagram; a TcpConnection with a full queue does the same,
// but whole messages only — a message is either queued entirely or not at all, so the byte
// stream's framing never breaks. Messages are written at flush() (once per read cycle / timer),
// so many packets share one writev.
#pragma once

#include <sys/uio.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "base/result.h"
#include "net/udp_socket.h"

namespace atrium::net {

// A fixed-capacity byte ring. Storage is allocated on the first push (a connection that never
// gets an answer never costs its queue), never again.
class ByteRing {
 public:
  explicit ByteRing(size_t capacity) : capacity_(capacity) {}
  size_t capacity() const { return capacity_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // All of `parts` in order, or nothing when they do not fit together.
  bool push(std::span<const std::span<const uint8_t>> parts);
  // The queued bytes as at most two runs (the ring may wrap).
  size_t peek(std::array<iovec, 2>& out) const;
  void consume(size_t bytes);

 private:
  size_t capacity_;
  std::unique_ptr<uint8_t[]> data_;
  size_t head_ = 0;  // first queued byte
  size_t size_ = 0;
};

struct TcpConnectionCounters {
  uint64_t bytesIn = 0;
  uint64_t bytesOut = 0;
  uint64_t messagesQueued = 0;
  uint64_t messagesDropped = 0;  // the send queue was full
};

class TcpConnection {
 public:
  TcpConnection(int fd, SocketAddress peer, size_t sendQueueBytes);
  ~TcpConnection();
  TcpConnection(const TcpConnection&) = delete;
  TcpConnection& operator=(const TcpConnection&) = delete;

  int fd() const { return fd_; }
  const SocketAddress& peer() const { return peer_; }

  struct ReadResult {
    size_t bytes = 0;
    bool closed = false;  // EOF or an error: the caller closes the connection
  };
  // One recv() into `buffer`; bytes == 0 && !closed means nothing is waiting.
  ReadResult read(std::span<uint8_t> buffer);

  // Queues the concatenation of `parts` as one message, or drops it (counted) when the queue
  // lacks room for all of it. Nothing is written until flush().
  bool queue(std::span<const std::span<const uint8_t>> parts);
  struct FlushResult {
    bool pending = false;  // bytes remain: wait for writability and flush again
    bool failed = false;   // the peer is gone: close the connection
  };
  FlushResult flush();
  size_t queuedBytes() const { return sendQueue_.size(); }
  const TcpConnectionCounters& counters() const { return counters_; }

 private:
  int fd_;
  SocketAddress peer_;
  ByteRing sendQueue_;
  TcpConnectionCounters counters_;
};

class TcpListener {
 public:
  TcpListener() = default;
  ~TcpListener();
  TcpListener(TcpListener&& other) noexcept;
  TcpListener& operator=(TcpListener&& other) noexcept;

  static base::Result<TcpListener> listen(const std::string& ip, uint16_t port, int backlog = 128);
  int fd() const { return fd_; }
  uint16_t localPort() const;

  // One accept4(); nullopt when none is waiting (or on an error, counted). The connection is
  // non-blocking, with TCP_NODELAY (media must not wait for Nagle) and `sendBufferBytes` as its
  // kernel send buffer when > 0.
  std::optional<std::unique_ptr<TcpConnection>> accept(size_t sendQueueBytes, int sendBufferBytes = 0);
  uint64_t errors() const { return errors_; }

 private:
  int fd_ = -1;
  uint64_t errors_ = 0;
};

}  // namespace atrium::net
