#include "transport/tcp_media_port.h"

#include <sys/epoll.h>
#include <sys/socket.h>

#include <algorithm>

#include "base/log.h"
#include "base/mask.h"

namespace atrium::transport {
namespace {

// One read is up to this much; a connection gets a few reads per wake-up so that one busy peer
// cannot starve the others on the worker.
constexpr size_t kReadBufferBytes = 64 * 1024;
constexpr int kReadsPerEvent = 8;
// The kernel's own send buffer per connection: small, because bytes sitting there are latency
// that our bounded queue can no longer drop.
constexpr int kKernelSendBufferBytes = 64 * 1024;

}  // namespace

TcpMediaPort::TcpMediaPort(net::TcpListener listener, net::EventLoop& loop, base::Clock& clock,
                           TcpMediaPortOptions options)
    : listener_(std::move(listener)),
      loop_(loop),
      clock_(clock),
      options_(options),
      readBuffer_(std::make_unique<uint8_t[]>(kReadBufferBytes)),
      // One cap (maxConnections) covers both budgets; admit() makes room for a newcomer itself.
      admission_(base::AdmissionLimits{std::max<size_t>(options.maxConnections, 1), std::max<size_t>(options.maxPendingPerAddress, 1),
                                       std::max<size_t>(options.maxConnections, 1), std::max<size_t>(options.maxConnections, 1)}) {
  options_.sendQueueBytes = std::max(options_.sendQueueBytes, ice::kIceTcpMaxFrameBytes + ice::kIceTcpLengthBytes);
  options_.maxConnections = std::max<size_t>(options_.maxConnections, 1);
  dirty_.reserve(options_.maxConnections);
}

TcpMediaPort::~TcpMediaPort() {
  for (auto& [endpoint, c] : connections_) loop_.remove(c->socket->fd());
  loop_.remove(listener_.fd());
}

void TcpMediaPort::start() {
  loop_.addReadable(listener_.fd(), [this] { onAcceptable(); });
}

void TcpMediaPort::pauseAccepting() {
  // Out of descriptors (EMFILE/ENFILE): the pending connection stays in the backlog and the
  // level-triggered listener would wake the loop again at once, spinning the worker. Stop
  // watching it until the next tick(), which has usually closed something by then.
  if (acceptPaused_) return;
  acceptPaused_ = true;
  ++counters_.acceptPauses;
  loop_.remove(listener_.fd());
}

void TcpMediaPort::attach(WebRtcTransport& t) { byUfrag_[t.localIce().ufrag] = &t; }

void TcpMediaPort::detach(WebRtcTransport& t) {
  std::erase_if(byUfrag_, [&](const auto& kv) { return kv.second == &t; });
  std::vector<Connection*> doomed;
  for (auto& [endpoint, c] : connections_)
    if (c->session.transport() == &t) doomed.push_back(c.get());
  for (Connection* c : doomed) {
    c->session.unbind();  // the transport is being destroyed: do not call back into it
    close(*c, CloseReason::kDetached);
  }
}

void TcpMediaPort::onAcceptable() {
  const uint64_t errorsBefore = listener_.errors();
  while (auto accepted = listener_.accept(options_.sendQueueBytes, kKernelSendBufferBytes)) {
    std::unique_ptr<net::TcpConnection> socket = std::move(*accepted);
    const auto& peer = socket->peer();
    auto remote = ice::Endpoint::fromSockaddr(reinterpret_cast<const sockaddr*>(&peer.storage), peer.length);
    if (!remote || connections_.contains(*remote)) {
      ++counters_.refused;
      continue;  // closed here, as `socket` goes
    }
    const uint64_t id = nextAdmissionId_++;
    if (!admit(*remote, id)) continue;
    ++counters_.accepted;
    auto c = std::make_unique<Connection>(
        Connection{std::move(socket), IceTcpSession(*remote, clock_.steadyMs(), options_.maxFrameBytes)});
    Connection* raw = c.get();
    raw->admissionId = id;
    byAdmissionId_.emplace(id, raw);
    loop_.watch(raw->socket->fd(), [this, raw](uint32_t events) { onEvent(*raw, events); });
    connections_.emplace(*remote, std::move(c));
  }
  if (listener_.errors() != errorsBefore) pauseAccepting();
}

bool TcpMediaPort::admit(const ice::Endpoint& remote, uint64_t id) {
  const std::string address = base::addressKey(remote.addressString());
  if (admission_.pendingFrom(address) >= options_.maxPendingPerAddress) {
    ++counters_.refusedPerAddress;
    warn(remote, "ICE-TCP connection refused: too many unauthenticated connections from this address");
    return false;
  }
  if (connections_.size() >= options_.maxConnections) {
    auto oldest = admission_.oldestPending();
    auto it = oldest ? byAdmissionId_.find(*oldest) : byAdmissionId_.end();
    if (it == byAdmissionId_.end()) {
      ++counters_.refused;  // every slot holds a bound connection
      warn(remote, "ICE-TCP connection refused: port full");
      return false;
    }
    warn(it->second->session.remote(), "ICE-TCP connection evicted: port full, no valid STUN check yet");
    close(*it->second, CloseReason::kEvicted);
  }
  return admission_.admit(id, address, clock_.steadyMs()).admitted();
}

void TcpMediaPort::warn(const ice::Endpoint& remote, std::string_view what) {
  std::string prefix = base::maskIp(remote.addressString());
  if (auto suppressed = warnings_.allow(prefix, clock_.steadyMs())) {
    if (*suppressed == 0)
      base::log::warn("{} from {}", what, prefix);
    else
      base::log::warn("{} from {} (and {} more events from this prefix since its last warning)", what, prefix, *suppressed);
  }
}

void TcpMediaPort::onEvent(Connection& c, uint32_t events) {
  if (events & EPOLLOUT) {
    flushOne(c);
    if (!c.open) return;  // the peer is gone
  }
  if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR))) return;
  readSome(c);
  if (afterRead_) afterRead_();
}

void TcpMediaPort::readSome(Connection& c) {
  const int64_t now = clock_.steadyMs();
  for (int i = 0; i < kReadsPerEvent; ++i) {
    auto r = c.socket->read({readBuffer_.get(), kReadBufferBytes});
    if (r.bytes > 0 && !c.session.onBytes({readBuffer_.get(), r.bytes}, byUfrag_, now, counters_.frames)) {
      close(c, CloseReason::kMalformed);
      return;
    }
    if (!c.bound && c.session.transport()) {
      // Its first valid check: out of the unauthenticated budget, never evicted from now on.
      c.bound = true;
      admission_.promote(c.admissionId);
    }
    if (r.closed) {
      close(c, CloseReason::kPeer);
      return;
    }
    if (r.bytes < kReadBufferBytes) return;  // drained (or nothing was waiting)
  }
}

void TcpMediaPort::sendDatagram(const ice::Endpoint& to, std::span<const uint8_t> bytes) {
  auto it = connections_.find(to);
  auto prefix = ice::iceTcpLengthPrefix(bytes.size());
  if (it == connections_.end() || !prefix) {
    ++counters_.sendDropped;
    return;
  }
  Connection& c = *it->second;
  const std::span<const uint8_t> parts[] = {*prefix, bytes};
  if (!c.socket->queue(parts)) {
    ++counters_.sendDropped;
    return;
  }
  ++counters_.framesOut;
  if (!c.dirty && !c.writable) {  // a connection waiting for EPOLLOUT is flushed from there
    c.dirty = true;
    dirty_.push_back(&c);
  }
}

void TcpMediaPort::flush() {
  // Popping from the back keeps this correct when flushOne closes a connection (close() takes
  // only that connection out of dirty_, and it was popped already).
  while (!dirty_.empty()) {
    Connection* c = dirty_.back();
    dirty_.pop_back();
    c->dirty = false;
    flushOne(*c);
  }
}

void TcpMediaPort::flushOne(Connection& c) {
  auto r = c.socket->flush();
  if (r.failed) {
    close(c, CloseReason::kPeer);
    return;
  }
  if (r.pending != c.writable) {
    c.writable = r.pending;
    loop_.setWritable(c.socket->fd(), r.pending);
  }
}

void TcpMediaPort::close(Connection& c, CloseReason reason) {
  switch (reason) {
    case CloseReason::kPeer: ++counters_.closedByPeer; break;
    case CloseReason::kMalformed: ++counters_.malformed; break;
    case CloseReason::kTimeout: ++counters_.timedOut; break;
    case CloseReason::kEvicted: ++counters_.evicted; break;
    case CloseReason::kDetached: break;
  }
  admission_.release(c.admissionId);
  byAdmissionId_.erase(c.admissionId);
  c.open = false;
  loop_.remove(c.socket->fd());
  if (c.dirty) {
    std::erase(dirty_, &c);
    c.dirty = false;
  }
  const ice::Endpoint remote = c.session.remote();
  if (WebRtcTransport* t = c.session.transport()) {
    c.session.unbind();
    t->onPathClosed(remote, ice::IceProtocol::kTcp);
  }
  auto it = connections_.find(remote);
  if (it == connections_.end()) return;
  // Shut the socket now (the peer learns at once) but free the object on the next tick: the
  // caller may still be inside this connection's handler.
  ::shutdown(it->second->socket->fd(), SHUT_RDWR);
  closed_.push_back(std::move(it->second));
  connections_.erase(it);
}

void TcpMediaPort::tick(int64_t nowMs) {
  std::vector<Connection*> expired;
  for (auto& [endpoint, c] : connections_)
    if (c->session.handshakeExpired(nowMs, options_.handshakeTimeoutMs)) expired.push_back(c.get());
  for (Connection* c : expired) close(*c, CloseReason::kTimeout);
  closed_.clear();
  if (acceptPaused_) {
    acceptPaused_ = false;
    start();
  }
}

}  // namespace atrium::transport
