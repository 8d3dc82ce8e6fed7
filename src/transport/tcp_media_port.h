// TcpMediaPort: a media worker's ICE-TCP listening port (RFC 6544 passive candidate), for
// browsers on networks that block UDP. Each accepted connection carries RFC 4571 frames; an
// IceTcpSession decodes them and binds the connection to a WebRtcTransport on its first valid
// STUN check (see ice_tcp_session.h); the transport answers through sendDatagram(), which
// frames each packet onto the connection of that remote endpoint.
//
// Caps, because every connection costs a socket and buffers and UDP's "the kernel drops it"
// does not come for free on TCP (issue 15: 256 idle connections from one address used to lock
// every TCP-only browser out):
//   - maxPendingPerAddress: connections of one address (IPv6: /64) that are not bound yet; more
//     are accepted and closed at once, counted `refusedPerAddress`;
//   - maxConnections per port: when full, the oldest connection that is not bound yet is
//     closed (`evicted`) to admit the newcomer, so a flood of idle connections only delays a
//     browser by its own check's round trip; bound connections are never evicted. With every
//     slot bound, further connections are closed at once (so they do not sit in the backlog),
//     counted `refused`;
//   - handshakeTimeoutMs: a connection not bound by then is closed, counted `timedOut` (a
//     browser sends its check at once; 2.5 s by default);
//   - frames over 65535 bytes cannot exist (RFC 4571's 16-bit length); a stream that breaks the
//     decoder (a length over maxFrameBytes) is closed, counted `malformed`;
//   - sendQueueBytes per connection: a slow reader's packets are dropped whole, counted
//     `sendDropped`, as a full UDP socket buffer would drop datagrams;
//   - out of descriptors, accept() fails while the connection stays queued: listening pauses
//     until the next tick() instead of spinning the worker on a readable listener.
//
// Sends are queued and written at flush() (the worker calls it after each read cycle and on its
// 20 ms timer), so many packets share one sendmsg; a connection whose kernel buffer is full
// asks the loop for writability and continues there.
//
// Lifetime: a closed connection tells its transport (onPathClosed: the ICE pair is forgotten)
// and is freed on the next tick(), never inside a callback that may still be using it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

#include "base/admission.h"
#include "base/clock.h"
#include "base/warn_limiter.h"
#include "ice/endpoint.h"
#include "net/event_loop.h"
#include "net/tcp_socket.h"
#include "transport/ice_tcp_session.h"
#include "transport/webrtc_transport.h"

namespace atrium::transport {

struct TcpMediaPortOptions {
  size_t maxConnections = 256;
  size_t maxPendingPerAddress = 8;
  int64_t handshakeTimeoutMs = 2'500;
  size_t sendQueueBytes = 256 * 1024;  // at least one maximal frame (65537 bytes)
  size_t maxFrameBytes = ice::kIceTcpMaxFrameBytes;
};

struct TcpMediaPortCounters {
  uint64_t accepted = 0;
  uint64_t refused = 0;    // over maxConnections, every connection bound
  uint64_t refusedPerAddress = 0;  // over maxPendingPerAddress
  uint64_t evicted = 0;    // oldest unbound connection closed to admit a new one
  uint64_t timedOut = 0;   // never bound within handshakeTimeoutMs
  uint64_t malformed = 0;  // broken framing
  uint64_t closedByPeer = 0;
  uint64_t framesOut = 0;
  uint64_t sendDropped = 0;  // queue full, no such connection, or not frameable
  uint64_t acceptPauses = 0;  // accept() failed (out of descriptors): listening paused until tick()
  IceTcpCounters frames;
};

class TcpMediaPort final : public DatagramSender {
 public:
  TcpMediaPort(net::TcpListener listener, net::EventLoop& loop, base::Clock& clock, TcpMediaPortOptions options = {});
  ~TcpMediaPort() override;
  TcpMediaPort(const TcpMediaPort&) = delete;
  TcpMediaPort& operator=(const TcpMediaPort&) = delete;

  uint16_t port() const { return listener_.localPort(); }
  // Registers the listener with the loop (on the loop thread, or before it runs).
  void start();
  // Called after each read event of a connection, once its frames were handled: the worker
  // flushes both ports there, so what a TCP packet caused leaves at once, as after a UDP read.
  void setAfterRead(std::function<void()> fn) { afterRead_ = std::move(fn); }

  // Which transport owns which local ufrag (worker thread). detach() closes the transport's
  // connections: the peer connection they belonged to is gone.
  void attach(WebRtcTransport& transport);
  void detach(WebRtcTransport& transport);

  // Frames `bytes` and queues it on the connection from `to`.
  void sendDatagram(const ice::Endpoint& to, std::span<const uint8_t> bytes) override;
  // Writes what the connections have queued.
  void flush();
  // Closes connections whose handshake timed out and frees closed ones. Call every ~20-100 ms.
  void tick(int64_t nowMs);

  size_t connectionCount() const { return connections_.size(); }
  const TcpMediaPortCounters& counters() const { return counters_; }

 private:
  struct Connection {
    std::unique_ptr<net::TcpConnection> socket;
    IceTcpSession session;
    bool dirty = false;     // in dirty_: has bytes queued since the last flush
    bool writable = false;  // waiting for EPOLLOUT
    bool open = true;       // false once close() ran (the object lives on until tick())
    uint64_t admissionId = 0;
    bool bound = false;     // promoted in admission_ (its first valid check arrived)
  };
  enum class CloseReason { kPeer, kMalformed, kTimeout, kDetached, kEvicted };

  void onAcceptable();
  void pauseAccepting();
  void onEvent(Connection& c, uint32_t events);
  void readSome(Connection& c);
  void flushOne(Connection& c);
  void close(Connection& c, CloseReason reason);
  // Refuse or admit a new connection from `remote`; false: close it.
  bool admit(const ice::Endpoint& remote, uint64_t id);
  void warn(const ice::Endpoint& remote, std::string_view what);

  net::TcpListener listener_;
  net::EventLoop& loop_;
  base::Clock& clock_;
  TcpMediaPortOptions options_;
  UfragTable byUfrag_;
  std::unordered_map<ice::Endpoint, std::unique_ptr<Connection>, ice::EndpointHash> connections_;
  std::vector<Connection*> dirty_;                   // reserved for maxConnections: no allocation per packet
  std::vector<std::unique_ptr<Connection>> closed_;  // freed on tick()
  std::unique_ptr<uint8_t[]> readBuffer_;            // shared by all connections (one thread)
  TcpMediaPortCounters counters_;
  base::Admission admission_;
  std::unordered_map<uint64_t, Connection*> byAdmissionId_;  // for eviction
  uint64_t nextAdmissionId_ = 1;
  base::WarnLimiter warnings_;
  std::function<void()> afterRead_;
  bool acceptPaused_ = false;
};

}  // namespace atrium::transport
