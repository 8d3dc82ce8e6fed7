// IceTcpSession: what one ICE-TCP connection (RFC 6544 passive candidate) knows, without the
// socket — the RFC 4571 frame decoder and which WebRtcTransport the connection is bound to.
// TcpMediaPort owns the sockets; this class makes the decisions, so they are unit-tested and
// fuzzed without sockets.
//
// Binding rule (the same as MediaPort's for a new UDP endpoint): until bound, the only frame
// that goes anywhere is a STUN message whose USERNAME names a local ufrag of an attached
// transport; that transport's ICE agent checks it. The connection is bound only when the agent
// accepted it (MESSAGE-INTEGRITY verified: it recorded the pair (remote, TCP)). Anything else
// before that — DTLS, RTP, STUN for nobody — is dropped and counted. Once bound, every frame
// goes to that transport, which demultiplexes it like a UDP datagram (STUN / DTLS / SRTP).
//
// Packet path: onBytes allocates nothing once bound (the decoder's buffer is allocated at
// construction); before binding, the ufrag lookup builds one short string per STUN frame.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>

#include "ice/endpoint.h"
#include "ice/ice_tcp_framing.h"
#include "transport/webrtc_transport.h"

namespace atrium::transport {

// Local ufrag → transport, as the ports keep it.
using UfragTable = std::unordered_map<std::string, WebRtcTransport*>;

struct IceTcpCounters {
  uint64_t framesIn = 0;
  uint64_t unbound = 0;  // frames dropped because the connection is not (yet) bound
  uint64_t bound = 0;    // connections bound to a transport
};

class IceTcpSession {
 public:
  IceTcpSession(ice::Endpoint remote, int64_t openedMs, size_t maxFrameBytes = ice::kIceTcpMaxFrameBytes)
      : remote_(remote), openedMs_(openedMs), decoder_(maxFrameBytes) {}

  const ice::Endpoint& remote() const { return remote_; }
  WebRtcTransport* transport() const { return transport_; }
  // The transport is going away: the connection stays open but unbound (the port closes it).
  void unbind() { transport_ = nullptr; }
  // A connection that never bound within `timeoutMs` of opening is closed by the port: a TCP
  // connection costs a socket and buffers, so one that never proves it belongs to a peer
  // connection must not hold them.
  bool handshakeExpired(int64_t nowMs, int64_t timeoutMs) const {
    return transport_ == nullptr && nowMs - openedMs_ >= timeoutMs;
  }

  // Bytes read from the connection, in order. `chunk` must be writable: frames are decrypted in
  // place. Returns false once the framing is broken (a frame over the limit): close the
  // connection — a byte stream cannot be resynchronised.
  bool onBytes(std::span<uint8_t> chunk, const UfragTable& ufrags, int64_t nowMs, IceTcpCounters& counters);

  bool broken() const { return decoder_.failed(); }

 private:
  void onFrame(std::span<uint8_t> frame, const UfragTable& ufrags, int64_t nowMs, IceTcpCounters& counters);

  ice::Endpoint remote_;
  int64_t openedMs_;
  ice::IceTcpFrameDecoder decoder_;
  WebRtcTransport* transport_ = nullptr;
};

}  // namespace atrium::transport
