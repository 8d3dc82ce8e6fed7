// MediaPort: a media worker's single UDP port shared by all of its WebRTC transports. A datagram
// from a new endpoint is routed by the local ufrag in its STUN USERNAME ("<local>:<remote>");
// once ICE accepted that endpoint it is routed by address (a flat hash map, no allocation on the
// hit path). Sends are batched and flushed with one sendmmsg per read cycle.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

#include "ice/endpoint.h"
#include "net/udp_socket.h"
#include "transport/webrtc_transport.h"

namespace atrium::transport {

struct MediaPortCounters {
  uint64_t datagramsIn = 0;
  uint64_t unroutable = 0;  // no transport claims the ufrag or the endpoint
  uint64_t datagramsOut = 0;
  uint64_t sendDropped = 0;  // socket buffer full
};

class MediaPort final : public DatagramSender {
 public:
  explicit MediaPort(net::UdpSocket socket) : socket_(std::move(socket)) {}

  int fd() const { return socket_.fd(); }
  uint16_t port() const { return socket_.localPort(); }

  // Control of which transport owns which local ufrag (on the worker thread).
  void attach(WebRtcTransport& transport);
  void detach(WebRtcTransport& transport);

  // Reads and dispatches everything waiting on the socket, then flushes queued sends.
  void onReadable(int64_t nowMs);
  void sendDatagram(const ice::Endpoint& to, std::span<const uint8_t> bytes) override;
  void flush();
  const MediaPortCounters& counters() const { return counters_; }

 private:
  WebRtcTransport* route(std::span<const uint8_t> datagram, const ice::Endpoint& from);

  net::UdpSocket socket_;
  net::PacketBatch in_;
  net::PacketBatch out_;
  std::unordered_map<std::string, WebRtcTransport*> byUfrag_;
  std::unordered_map<ice::Endpoint, WebRtcTransport*, ice::EndpointHash> byEndpoint_;
  MediaPortCounters counters_;
};

}  // namespace atrium::transport
