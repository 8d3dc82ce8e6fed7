// WebRtcTransport: one browser peer connection's transport on a media worker: ICE-lite +
// DTLS-SRTP over the worker's shared UDP port (BUNDLE, rtcp-mux). Incoming datagrams are
// demultiplexed (RFC 7983), STUN goes to the ICE agent, DTLS to the handshake, SRTP/SRTCP is
// decrypted in place and handed to the listener; outgoing RTP/RTCP is encrypted in place and
// sent to the ICE-selected endpoint only. No allocation or exceptions on the media path (the
// DTLS handshake allocates; it is not media).
//
// Paths: a transport may be reached over UDP and over ICE-TCP (RFC 6544, the worker's TCP
// port) at once. Every packet arrives with its protocol; a pair is (endpoint, protocol), and
// everything we send goes to the ICE-selected pair through the sender of that pair's protocol —
// so the answer follows the path the browser nominated.
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
  uint64_t dtlsDropped = 0;      // DTLS malformed, after the session ended, or refused records (DtlsStats)
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
  // ICE restart (RFC 8445 §9): new local credentials and the peer's new ones (empty: from the
  // answer later, through setRemoteIce). Checks with the old credentials keep working until the
  // first one with the new credentials arrives, so media does not stop while it happens.
  base::Result<ice::IceCredentials> restartIce(std::string_view ufrag, std::string_view pwd, ice::IceCredentials local) {
    return ice_.restart(ufrag, pwd, std::move(local));
  }
  base::Status setRemoteFingerprint(std::string_view algorithm, std::string_view hex, int64_t nowMs);

  // The worker's ICE-TCP port, when it has one (set before any packet arrives).
  void setTcpSender(DatagramSender* tcp) { tcpSender_ = tcp; }

  // Media path. `protocol` is the path the packet came on (kTcp: one RFC 4571 frame).
  void onDatagram(std::span<uint8_t> datagram, const ice::Endpoint& from, int64_t nowMs,
                  ice::IceProtocol protocol = ice::IceProtocol::kUdp);
  // An ICE-TCP connection from `from` closed: its pair is gone (media stops if it was selected).
  void onPathClosed(const ice::Endpoint& from, ice::IceProtocol protocol);
  // Encrypts packet[0..len) in place (buffer must have kMaxTrailerBytes spare) and sends it.
  bool sendRtp(std::span<uint8_t> buffer, size_t len);
  bool sendRtcp(std::span<uint8_t> buffer, size_t len);

  // Timers: DTLS retransmissions and ICE consent. Call every ~50-100 ms.
  void tick(int64_t nowMs);
  void close();
#ifdef ATRIUM_TEST_HOOKS
  // Its DTLS session fails as a fatal error would (the listener hears kFailed).
  void failForTest(std::string reason) {
    dtls_->failForTest(std::move(reason));
    updateState();
  }
#endif

  TransportState state() const { return state_; }
  TransportCounters counters() const {
    TransportCounters c = counters_;
    c.dtlsDropped = dtls_->stats().dropped();
    return c;
  }
  const ice::IceLiteAgent& ice() const { return ice_; }
  const dtls::DtlsTransport& dtls() const { return *dtls_; }
  std::optional<srtp::SrtpProfile> srtpProfile() const;

 private:
  void onStun(std::span<const uint8_t> datagram, const ice::Endpoint& from, int64_t nowMs, ice::IceProtocol protocol);
  void onDtls(std::span<const uint8_t> datagram, const ice::Endpoint& from, int64_t nowMs, ice::IceProtocol protocol);
  // nullptr when the protocol has no sender (TCP on a worker without a TCP port).
  DatagramSender* senderFor(ice::IceProtocol protocol) {
    return protocol == ice::IceProtocol::kTcp ? tcpSender_ : &sender_;
  }
  bool sendToSelected(std::span<const uint8_t> bytes);
  void flushDtls();
  void startSrtpIfReady();
  void updateState();

  uint64_t id_;
  ice::IceLiteAgent ice_;
  std::unique_ptr<dtls::DtlsTransport> dtls_;
  std::unique_ptr<srtp::SrtpSession> srtp_;
  TransportListener& listener_;
  DatagramSender& sender_;
  DatagramSender* tcpSender_ = nullptr;
  TransportState state_ = TransportState::kNew;
  TransportCounters counters_;
  std::array<uint8_t, ice::kMaxStunResponseBytes> stunResponse_{};
};

}  // namespace atrium::transport
