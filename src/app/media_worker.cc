#include "app/media_worker.h"

#include <time.h>

#include <algorithm>

#include "app/worker_metrics.h"
#include "base/log.h"

namespace atrium::app {

namespace {
constexpr int64_t kTickMs = 20;  // transports' timers, router keyframe requests, send flush
}  // namespace

base::Result<std::unique_ptr<MediaWorker>> MediaWorker::create(const std::string& bindAddress, uint16_t port,
                                                               base::Clock& clock, const WorkerTcpOptions& tcp) {
  auto socket = net::UdpSocket::bind(bindAddress, port);
  if (!socket.ok()) return socket.error();
  if (!tcp.enabled) return std::make_unique<MediaWorker>(std::move(*socket), clock);
  // "Same number as UDP" only for a configured UDP port. A UDP port the kernel picked is not
  // mirrored on TCP: that number is free for UDP only, and taking it on TCP can steal a TCP port
  // another listener (ours, e.g. metrics.port, or another service's) was configured with. The
  // kernel picks the TCP port then; the candidate announces whatever it is.
  uint16_t tcpPort = tcp.port ? tcp.port : port;
  auto listener = net::TcpListener::listen(bindAddress, tcpPort);
  if (!listener.ok()) return listener.error();
  auto worker = std::make_unique<MediaWorker>(std::move(*socket), clock);
  worker->enableTcp(std::move(*listener), tcp.limits);
  return worker;
}

MediaWorker::MediaWorker(net::UdpSocket socket, base::Clock& clock)
    : clock_(clock), loop_(clock), port_(std::move(socket)) {}

void MediaWorker::enableTcp(net::TcpListener listener, const transport::TcpMediaPortOptions& limits) {
  tcpPort_ = std::make_unique<transport::TcpMediaPort>(std::move(listener), loop_, clock_, limits);
}

MediaWorker::~MediaWorker() { stop(); }

void MediaWorker::start() {
  // After each read cycle both ports flush: a packet read on one may be forwarded on the other.
  loop_.addReadable(port_.fd(), [this] {
    port_.onReadable(clock_.steadyMs());
    if (tcpPort_) tcpPort_->flush();
  });
  if (tcpPort_) {
    tcpPort_->setAfterRead([this] {
      port_.flush();
      tcpPort_->flush();
    });
    tcpPort_->start();
  }
  loop_.every(kTickMs, [this] {
    int64_t now = clock_.steadyMs();
    // A loop that is overloaded (or starved of CPU) runs this timer late: the lateness is the
    // worker's event-loop lag, published as a gauge.
    if (lastTickMs_) maxLagMs_ = std::max(maxLagMs_, now - lastTickMs_ - kTickMs);
    lastTickMs_ = now;
    for (auto& [id, e] : transports_) e.transport->tick(now);
    router_.tick(now);
    port_.flush();
    if (tcpPort_) {
      tcpPort_->tick(now);
      tcpPort_->flush();
    }
  });
  loop_.every(metrics::kPublishPeriodMs, [this] { publishCounters(); });
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
  if (tcpPort_) {
    t->setTcpSender(tcpPort_.get());
    tcpPort_->attach(*t);
  }
  uint64_t id = t->id();
  transports_[id] = Entry{std::move(t)};
}

void MediaWorker::removeTransport(uint64_t id) {
  auto it = transports_.find(id);
  if (it == transports_.end()) return;
  auto& t = *it->second.transport;
  router_.removePeer(id);
  port_.detach(t);
  t.close();
  port_.flush();
  if (tcpPort_) {
    tcpPort_->flush();     // the DTLS close_notify, when the transport was on TCP
    tcpPort_->detach(t);   // then its connections close, before the transport goes
  }
  accumulate(removed_, t.counters());  // counters stay monotonic after the transport is gone
  transports_.erase(it);
}

void MediaWorker::restartIce(uint64_t id, std::string_view remoteUfrag, std::string_view remotePwd,
                             const ice::IceCredentials& local) {
  auto* t = transport(id);
  if (!t || !t->restartIce(remoteUfrag, remotePwd, local).ok()) return;
  // attach() adds the new ufrag; the old one keeps routing to the same transport until the
  // transport goes (detach removes every entry of it), as the old credentials keep working.
  port_.attach(*t);
  if (tcpPort_) tcpPort_->attach(*t);
}

transport::WebRtcTransport* MediaWorker::transport(uint64_t id) {
  auto it = transports_.find(id);
  return it == transports_.end() ? nullptr : it->second.transport.get();
}

void MediaWorker::onRtp(transport::WebRtcTransport& t, std::span<uint8_t> packet, int64_t nowMs) {
  router_.onRtp(t.id(), packet, nowMs);
}

void MediaWorker::onRtcp(transport::WebRtcTransport& t, std::span<uint8_t> packet, int64_t nowMs) {
  countReceivedRtcp(counters_, packet);
  router_.onRtcp(t.id(), packet, nowMs);
}

void MediaWorker::onStateChanged(transport::WebRtcTransport& t) {
  base::log::debug("media transport {} is {}", t.id(), transport::toString(t.state()));
  auto it = transports_.find(t.id());
  if (it == transports_.end()) return;
  // kConnected needs a finished DTLS handshake; kFailed comes only from a failed DTLS session.
  if (t.state() == transport::TransportState::kConnected && !it->second.dtlsCounted) {
    metrics::bump(counters_.dtlsConnected);
    it->second.dtlsCounted = true;
  } else if (t.state() == transport::TransportState::kFailed && !it->second.failed) {
    onFailed(t, it->second);
  }
}

void MediaWorker::onFailed(transport::WebRtcTransport& t, Entry& e) {
  // A failed DTLS session never recovers (an ICE restart does not redo DTLS): the transport only
  // drops everything from here on. Nothing may keep it silently: count it, say why, remove it,
  // and let the client build a new connection.
  e.failed = true;
  const bool afterConnect = t.dtls().failedAfterConnect();
  if (afterConnect) {
    metrics::bump(counters_.dtlsFailedAfterConnect);
  } else if (!e.dtlsCounted) {
    metrics::bump(counters_.dtlsFailed);
    e.dtlsCounted = true;
  }
  const std::string& reason = t.dtls().failureReason();
  base::log::warn("media transport {} failed {}: {}; removing it, the client will reconnect", t.id(),
                  afterConnect ? "after connecting" : "in its DTLS handshake", reason);
  // Not now: the transport is in the middle of the call that told us.
  loop_.post([this, id = t.id()] { removeTransport(id); });
  if (failureSink_) failureSink_(t.id(), reason);
}

#ifdef ATRIUM_TEST_HOOKS
void MediaWorker::failTransportForTest(uint64_t id) {
  if (auto* t = transport(id)) t->failForTest("failed on purpose by a test hook");
}
#endif

void MediaWorker::publishCounters() {
  WorkerTotals totals{removed_, port_.counters(), router_.stats(), transports_.size(), router_.trackCount(), {}, 0};
  for (const auto& [id, e] : transports_) accumulate(totals.transports, e.transport->counters());
  if (tcpPort_) {  // ICE-TCP drops join the port's under the same reasons (worker_metrics.cc)
    totals.tcp = tcpPort_->counters();
    totals.tcpConnections = tcpPort_->connectionCount();
  }
  publish(counters_, totals);
  timespec cpu{};
  if (::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu) == 0)
    metrics::put(counters_.cpuNs, static_cast<uint64_t>(cpu.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(cpu.tv_nsec));
  metrics::put(counters_.loopLagUs, static_cast<uint64_t>(std::max<int64_t>(0, maxLagMs_)) * 1000);
  maxLagMs_ = 0;
}

bool MediaWorker::sendRtp(sfu::PeerId peer, std::span<uint8_t> buffer, size_t len) {
  auto* t = transport(peer);
  return t && t->sendRtp(buffer, len);
}

bool MediaWorker::sendRtcp(sfu::PeerId peer, std::span<uint8_t> buffer, size_t len) {
  auto* t = transport(peer);
  if (!t) return false;
  // Read before sendRtcp encrypts the buffer in place. The loss in our own receiver reports is a
  // measurement whether or not this send succeeds; feedback counts only once it is sent.
  std::span<const uint8_t> plain(buffer.data(), len);
  countReportLoss(counters_.lossSent, plain);
  FeedbackTally feedback = tallyFeedback(plain);
  if (!t->sendRtcp(buffer, len)) return false;
  addFeedback(counters_.feedbackSent, feedback);
  return true;
}

}  // namespace atrium::app
