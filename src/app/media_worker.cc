#include "app/media_worker.h"

#include "base/log.h"

namespace atrium::app {

base::Result<std::unique_ptr<MediaWorker>> MediaWorker::create(const std::string& bindAddress, uint16_t port,
                                                               base::Clock& clock) {
  auto socket = net::UdpSocket::bind(bindAddress, port);
  if (!socket.ok()) return socket.error();
  return std::make_unique<MediaWorker>(std::move(*socket), clock);
}

MediaWorker::MediaWorker(net::UdpSocket socket, base::Clock& clock)
    : clock_(clock), loop_(clock), port_(std::move(socket)) {}

MediaWorker::~MediaWorker() { stop(); }

void MediaWorker::start() {
  loop_.addReadable(port_.fd(), [this] { port_.onReadable(clock_.steadyMs()); });
  loop_.every(20, [this] {
    int64_t now = clock_.steadyMs();
    for (auto& [id, t] : transports_) t->tick(now);
    router_.tick(now);
    port_.flush();
  });
  thread_ = std::thread([this] { loop_.run(); });
}

void MediaWorker::stop() {
  if (!thread_.joinable()) return;
  loop_.stop();
  thread_.join();
}

void MediaWorker::post(std::function<void(MediaWorker&)> fn) {
  loop_.post([this, fn = std::move(fn)] { fn(*this); });
}

void MediaWorker::addTransport(std::unique_ptr<transport::WebRtcTransport> t) {
  port_.attach(*t);
  transports_[t->id()] = std::move(t);
}

void MediaWorker::removeTransport(uint64_t id) {
  auto it = transports_.find(id);
  if (it == transports_.end()) return;
  router_.removePeer(id);
  port_.detach(*it->second);
  it->second->close();
  port_.flush();
  transports_.erase(it);
}

transport::WebRtcTransport* MediaWorker::transport(uint64_t id) {
  auto it = transports_.find(id);
  return it == transports_.end() ? nullptr : it->second.get();
}

void MediaWorker::onRtp(transport::WebRtcTransport& t, std::span<uint8_t> packet, int64_t nowMs) {
  router_.onRtp(t.id(), packet, nowMs);
}

void MediaWorker::onRtcp(transport::WebRtcTransport& t, std::span<uint8_t> packet, int64_t nowMs) {
  router_.onRtcp(t.id(), packet, nowMs);
}

void MediaWorker::onStateChanged(transport::WebRtcTransport& t) {
  base::log::debug("media transport {} is {}", t.id(), transport::toString(t.state()));
}

bool MediaWorker::sendRtp(sfu::PeerId peer, std::span<uint8_t> buffer, size_t len) {
  auto* t = transport(peer);
  return t && t->sendRtp(buffer, len);
}

bool MediaWorker::sendRtcp(sfu::PeerId peer, std::span<uint8_t> buffer, size_t len) {
  auto* t = transport(peer);
  return t && t->sendRtcp(buffer, len);
}

}  // namespace atrium::app
