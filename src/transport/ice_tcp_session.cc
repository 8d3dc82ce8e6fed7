#include "transport/ice_tcp_session.h"

#include "ice/stun_message.h"
#include "transport/demux.h"

namespace atrium::transport {

bool IceTcpSession::onBytes(std::span<uint8_t> chunk, const UfragTable& ufrags, int64_t nowMs,
                            IceTcpCounters& counters) {
  return decoder_.feed(chunk, [&](std::span<const uint8_t> frame) {
    // The decoder hands out views of either `chunk` or its own heap buffer; both are writable
    // memory, and SRTP decrypts in place, so the constness it adds is taken back here.
    onFrame(std::span<uint8_t>(const_cast<uint8_t*>(frame.data()), frame.size()), ufrags, nowMs, counters);
  });
}

void IceTcpSession::onFrame(std::span<uint8_t> frame, const UfragTable& ufrags, int64_t nowMs,
                            IceTcpCounters& counters) {
  ++counters.framesIn;
  if (transport_) {
    transport_->onDatagram(frame, remote_, nowMs, ice::IceProtocol::kTcp);
    return;
  }
  if (classify(frame) != PacketKind::kStun) {
    ++counters.unbound;
    return;
  }
  auto stun = ice::StunMessage::parse(frame);
  auto username = stun ? stun->username() : std::nullopt;
  if (!username) {
    ++counters.unbound;
    return;
  }
  auto it = ufrags.find(std::string(username->substr(0, username->find(':'))));
  if (it == ufrags.end()) {
    ++counters.unbound;
    return;
  }
  WebRtcTransport* t = it->second;
  t->onDatagram(frame, remote_, nowMs, ice::IceProtocol::kTcp);
  // Bound only if the agent accepted the check (a refused one got its error answer and no pair).
  for (const auto& pair : t->ice().pairs()) {
    if (pair.remote == remote_ && pair.protocol == ice::IceProtocol::kTcp) {
      transport_ = t;
      ++counters.bound;
      return;
    }
  }
  ++counters.unbound;
}

}  // namespace atrium::transport
