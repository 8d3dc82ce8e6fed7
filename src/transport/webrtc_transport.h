// WebRtcTransport: one browser peer connection's transport on a media worker: ICE-lite +
// DTLS-SRTP over the worker's shared UDP port (BUNDLE, rtcp-mux). Incoming datagrams are
// demultiplexed (RFC 7983), STUN goes to the ICE agent, DTLS to the handshake, SRTP/SRTCP is
// decrypted in place and handed to the listener; outgoing RTP/RTCP is encrypted in place and
// sent to the ICE-selected endpoint only. No allocation or exceptions on the media path (the
// DTLS handshake allocates; it is not media).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "dtls/dtls_transport.h"
#include "ice/ice_lite_agent.h"
#include "srtp/srtp_session.h"
#include "transport/demux.h"

namespace atrium::transport {

class WebRtcTransport;

// Where encrypted datagrams go: the worker's socket (batched).
class DatagramSender {
 public:
  virtual ~DatagramSender() = default;
  virtual void sendDatagram(const ice::Endpoint& to, std::span<const uint8_t> bytes) = 0;
};

// What the transport reports upward (the SFU side). Packets are decrypted and writable in place;
// they are valid only during the call.
class TransportListener {
 public:
  virtual ~TransportListener() = default;
  virtual void onRtp(WebRtcTransport& transport, std::span<uint8_t> packet, int64_t nowMs) = 0;
  virtual void onRtcp(WebRtcTransport& transport, std::span<uint8_t> packet, int64_t nowMs) = 0;
  virtual void onStateChanged(WebRtcTransport& transport) = 0;
};

enum class TransportState : uint8_t { kNew, kConnecting, kConnected, kDisconnected, kFailed, kClosed };
const char* toString(TransportState state);

struct TransportCounters {
  uint64_t unknownDropped = 0;   // not STUN/DTLS/RTP/RTCP
  uint64_t srtpDropped = 0;      // auth failure, replay, malformed, or before keys exist
  uint64_t notSelectedDropped = 0;  // media from an endpoint ICE did not select
  uint64_t rtpIn = 0, rtcpIn = 0, rtpOut = 0, rtcpOut = 0;
  uint64_t bytesIn = 0, bytesOut = 0;
};

class WebRtcTransport {
 public:
  WebRtcTransport(uint64_t id, ice::IceLiteAgent ice, std::unique_ptr<dtls::DtlsTransport> dtls,
                  TransportListener& listener, DatagramSender& sender);

  uint64_t id() const { return id_; }
  const ice::IceCredentials& localIce() const { return ice_.localCredentials(); }
  base::Status setRemoteIce(std::string_view ufrag, std::string_view pwd) { return ice_.setRemoteCredentials(ufrag, pwd); }
  base::Status setRemoteFingerprint(std::string_view algorithm, std::string_view hex, int64_t nowMs);

  // Media path.
  void onDatagram(std::span<uint8_t> datagram, const ice::Endpoint& from, int64_t nowMs);
  // Encrypts packet[0..len) in place (buffer must have kMaxTrailerBytes spare) and sends it.
  bool sendRtp(std::span<uint8_t> buffer, size_t len);
  bool sendRtcp(std::span<uint8_t> buffer, size_t len);

  // Timers: DTLS retransmissions and ICE consent. Call every ~50-100 ms.
  void tick(int64_t nowMs);
  void close();

  TransportState state() const { return state_; }
  const TransportCounters& counters() const { return counters_; }
  const ice::IceLiteAgent& ice() const { return ice_; }
  const dtls::DtlsTransport& dtls() const { return *dtls_; }
  std::optional<srtp::SrtpProfile> srtpProfile() const;

 private:
  void onStun(std::span<const uint8_t> datagram, const ice::Endpoint& from, int64_t nowMs);
  void onDtls(std::span<const uint8_t> datagram, const ice::Endpoint& from, int64_t nowMs);
  void flushDtls();
  void startSrtpIfReady();
  void updateState();

  uint64_t id_;
  ice::IceLiteAgent ice_;
  std::unique_ptr<dtls::DtlsTransport> dtls_;
  std::unique_ptr<srtp::SrtpSession> srtp_;
  TransportListener& listener_;
  DatagramSender& sender_;
  TransportState state_ = TransportState::kNew;
  TransportCounters counters_;
  std::array<uint8_t, ice::kMaxStunResponseBytes> stunResponse_{};
};

}  // namespace atrium::transport
