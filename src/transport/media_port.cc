#include "transport/media_port.h"

#include <sys/socket.h>

#include <algorithm>
#include <cstring>

#include "ice/stun_message.h"

namespace atrium::transport {

void MediaPort::attach(WebRtcTransport& t) { byUfrag_[t.localIce().ufrag] = &t; }

void MediaPort::detach(WebRtcTransport& t) {
  std::erase_if(byUfrag_, [&](const auto& kv) { return kv.second == &t; });
  std::erase_if(byEndpoint_, [&](const auto& kv) { return kv.second == &t; });
}

WebRtcTransport* MediaPort::route(std::span<const uint8_t> datagram, const ice::Endpoint& from) {
  if (auto it = byEndpoint_.find(from); it != byEndpoint_.end()) return it->second;
  // Unknown endpoint: only a STUN check naming one of our local ufrags may introduce it.
  if (classify(datagram) != PacketKind::kStun) return nullptr;
  auto stun = ice::StunMessage::parse(datagram);
  if (!stun) return nullptr;
  auto username = stun->username();
  if (!username) return nullptr;
  auto local = username->substr(0, username->find(':'));
  auto it = byUfrag_.find(std::string(local));
  return it == byUfrag_.end() ? nullptr : it->second;
}

void MediaPort::onReadable(int64_t nowMs) {
  while (size_t n = socket_.receive(in_)) {
    for (size_t i = 0; i < n; ++i) {
      ++counters_.datagramsIn;
      net::Datagram& d = in_[i];
      auto from = ice::Endpoint::fromSockaddr(reinterpret_cast<const sockaddr*>(&d.peer.storage), d.peer.length);
      if (!from) {
        ++counters_.unroutable;
        continue;
      }
      WebRtcTransport* t = route(d.bytes(), *from);
      if (!t) {
        ++counters_.unroutable;
        continue;
      }
      bool stun = classify(d.bytes()) == PacketKind::kStun;
      t->onDatagram(d.bytes(), *from, nowMs);
      // An endpoint ICE accepted is routed by address from now on (pairs only appear on STUN).
      if (stun)
        for (const auto& pair : t->ice().pairs())
          if (pair.remote == *from) byEndpoint_[*from] = t;
    }
    if (n < net::kBatch) break;
  }
  flush();
}

void MediaPort::sendDatagram(const ice::Endpoint& to, std::span<const uint8_t> bytes) {
  if (bytes.size() > net::kMaxDatagram) {
    ++counters_.sendDropped;
    return;
  }
  net::Datagram* d = out_.add();
  if (!d) {
    flush();
    d = out_.add();
  }
  std::memcpy(d->data.data(), bytes.data(), bytes.size());
  d->length = bytes.size();
  d->peer.length = static_cast<socklen_t>(to.toSockaddr(d->peer.storage));
}

void MediaPort::flush() {
  if (out_.size() == 0) return;
  size_t sent = socket_.send(out_);
  counters_.datagramsOut += sent;
  counters_.sendDropped += out_.size() - sent;
  out_.clear();
}

}  // namespace atrium::transport
