#include "transport/webrtc_transport.h"

namespace atrium::transport {

const char* toString(TransportState s) {
  switch (s) {
    case TransportState::kNew: return "new";
    case TransportState::kConnecting: return "connecting";
    case TransportState::kConnected: return "connected";
    case TransportState::kDisconnected: return "disconnected";
    case TransportState::kFailed: return "failed";
    case TransportState::kClosed: return "closed";
  }
  return "?";
}

WebRtcTransport::WebRtcTransport(uint64_t id, ice::IceLiteAgent ice, std::unique_ptr<dtls::DtlsTransport> dtls,
                                 TransportListener& listener, DatagramSender& sender)
    : id_(id), ice_(std::move(ice)), dtls_(std::move(dtls)), listener_(listener), sender_(sender) {}

base::Status WebRtcTransport::setRemoteFingerprint(std::string_view algorithm, std::string_view hex, int64_t nowMs) {
  auto st = dtls_->setRemoteFingerprint(algorithm, hex, nowMs);
  // A handshake that finished before the fingerprint arrived completes now.
  startSrtpIfReady();
  updateState();
  return st;
}

void WebRtcTransport::startSrtpIfReady() {
  if (srtp_ || dtls_->state() != dtls::DtlsState::kConnected || !dtls_->srtpKeys()) return;
  const auto& k = *dtls_->srtpKeys();
  auto role = dtls_->role();
  auto session = srtp::SrtpSession::create(static_cast<srtp::SrtpProfile>(k.profile), k.localKey(role), k.localSalt(role),
                                           k.remoteKey(role), k.remoteSalt(role));
  if (session.ok()) srtp_ = std::move(*session);
}

std::optional<srtp::SrtpProfile> WebRtcTransport::srtpProfile() const {
  if (!srtp_) return std::nullopt;
  return srtp_->profile();
}

void WebRtcTransport::onDatagram(std::span<uint8_t> datagram, const ice::Endpoint& from, int64_t nowMs,
                                 ice::IceProtocol protocol) {
  if (state_ == TransportState::kClosed || state_ == TransportState::kFailed) return;
  counters_.bytesIn += datagram.size();
  switch (classify(datagram)) {
    case PacketKind::kStun: return onStun(datagram, from, nowMs, protocol);
    case PacketKind::kDtls: return onDtls(datagram, from, nowMs, protocol);
    case PacketKind::kRtp:
    case PacketKind::kRtcp: {
      // Media is accepted only from the pair ICE selected, after the keys exist.
      const ice::IcePair* selected = ice_.selectedPair();
      if (!selected || !(selected->remote == from) || selected->protocol != protocol) {
        ++counters_.notSelectedDropped;
        return;
      }
      if (!srtp_) {
        ++counters_.srtpDropped;
        return;
      }
      size_t len = datagram.size();
      bool rtcp = classify(datagram) == PacketKind::kRtcp;
      auto status = rtcp ? srtp_->unprotectRtcp(datagram, len) : srtp_->unprotectRtp(datagram, len);
      if (status != srtp::SrtpStatus::kOk) {
        ++counters_.srtpDropped;
        return;
      }
      if (rtcp) {
        ++counters_.rtcpIn;
        listener_.onRtcp(*this, datagram.first(len), nowMs);
      } else {
        ++counters_.rtpIn;
        listener_.onRtp(*this, datagram.first(len), nowMs);
      }
      return;
    }
    case PacketKind::kUnknown: ++counters_.unknownDropped; return;
  }
}

void WebRtcTransport::onStun(std::span<const uint8_t> datagram, const ice::Endpoint& from, int64_t nowMs,
                             ice::IceProtocol protocol) {
  auto decision = ice_.onStunDatagram(datagram, from, nowMs, stunResponse_, protocol);
  // The answer goes back the way the check came (RFC 6544 §7.1: on the same connection).
  if (decision.responseBytes > 0)
    if (DatagramSender* via = senderFor(protocol)) via->sendDatagram(from, std::span(stunResponse_).first(decision.responseBytes));
  if (decision.stateChanged || decision.selectedChanged) {
    if (dtls_->state() == dtls::DtlsState::kNew && ice_.state() == ice::IceState::kConnected) dtls_->start(nowMs);
    flushDtls();
    updateState();
  }
}

void WebRtcTransport::onDtls(std::span<const uint8_t> datagram, const ice::Endpoint& from, int64_t nowMs,
                             ice::IceProtocol protocol) {
  // DTLS may race ahead of our view of the nomination by one check; any pair that passed an
  // ICE check is acceptable, nothing else is (the selected pair is one of them).
  bool known = false;
  for (const auto& pair : ice_.pairs()) known = known || (pair.remote == from && pair.protocol == protocol);
  if (!known) {
    ++counters_.notSelectedDropped;
    return;
  }
  if (dtls_->state() == dtls::DtlsState::kNew) dtls_->start(nowMs);
  dtls_->feed(datagram, nowMs);
  flushDtls();
  startSrtpIfReady();
  updateState();
}

void WebRtcTransport::flushDtls() {
  const ice::IcePair* to = ice_.selectedPair();
  if (!to && !ice_.pairs().empty()) to = &ice_.pairs().back();
  DatagramSender* via = to ? senderFor(to->protocol) : nullptr;
  while (auto out = dtls_->pollOutgoing()) {
    if (via) via->sendDatagram(to->remote, *out);
  }
}

bool WebRtcTransport::sendToSelected(std::span<const uint8_t> bytes) {
  const ice::IcePair* to = ice_.selectedPair();
  DatagramSender* via = to ? senderFor(to->protocol) : nullptr;
  if (!via) return false;
  via->sendDatagram(to->remote, bytes);
  return true;
}

bool WebRtcTransport::sendRtp(std::span<uint8_t> buffer, size_t len) {
  if (!srtp_ || !ice_.selectedPair()) return false;
  if (srtp_->protectRtp(buffer, len) != srtp::SrtpStatus::kOk) return false;
  if (!sendToSelected(buffer.first(len))) return false;
  ++counters_.rtpOut;
  counters_.bytesOut += len;
  return true;
}

bool WebRtcTransport::sendRtcp(std::span<uint8_t> buffer, size_t len) {
  if (!srtp_ || !ice_.selectedPair()) return false;
  if (srtp_->protectRtcp(buffer, len) != srtp::SrtpStatus::kOk) return false;
  if (!sendToSelected(buffer.first(len))) return false;
  ++counters_.rtcpOut;
  counters_.bytesOut += len;
  return true;
}

void WebRtcTransport::onPathClosed(const ice::Endpoint& from, ice::IceProtocol protocol) {
  if (state_ == TransportState::kClosed) return;
  if (ice_.forgetPair(from, protocol)) updateState();
}

void WebRtcTransport::tick(int64_t nowMs) {
  if (state_ == TransportState::kClosed) return;
  bool changed = ice_.tick(nowMs);
  if (auto t = dtls_->nextTimeoutMs(); t && *t <= nowMs) {
    dtls_->handleTimeout(nowMs);
    flushDtls();
    changed = true;
  }
  if (changed) updateState();
}

void WebRtcTransport::close() {
  if (state_ == TransportState::kClosed) return;
  dtls_->close();
  flushDtls();
  state_ = TransportState::kClosed;
  listener_.onStateChanged(*this);
}

void WebRtcTransport::updateState() {
  TransportState next = state_;
  auto d = dtls_->state();
  auto i = ice_.state();
  if (d == dtls::DtlsState::kFailed) next = TransportState::kFailed;
  else if (d == dtls::DtlsState::kClosed) next = TransportState::kClosed;
  else if (i == ice::IceState::kDisconnected) next = TransportState::kDisconnected;
  else if (i == ice::IceState::kConnected && d == dtls::DtlsState::kConnected && srtp_) next = TransportState::kConnected;
  else if (i != ice::IceState::kNew) next = TransportState::kConnecting;
  if (next != state_) {
    state_ = next;
    listener_.onStateChanged(*this);
  }
}

}  // namespace atrium::transport
