// MediaWorker: one media thread — its own event loop, one UDP port (MediaPort), the transports
// of the rooms pinned to it and the SFU router that forwards between them. The control plane
// talks to it only by post(); everything else runs on the worker's thread (no locks).
#pragma once

#include <functional>
#include <memory>
#include <thread>
#include <unordered_map>

#include "metrics/worker_counters.h"
#include "net/event_loop.h"
#include "sfu/router.h"
#include "transport/media_port.h"
#include "transport/tcp_media_port.h"
#include "transport/webrtc_transport.h"

namespace atrium::app {

// ICE-TCP (RFC 6544 passive candidate) of one worker.
struct WorkerTcpOptions {
  bool enabled = false;
  uint16_t port = 0;  // 0: the same number as the worker's UDP port, or any free one when that is 0
  transport::TcpMediaPortOptions limits;
};

class MediaWorker final : public transport::TransportListener, public sfu::PeerOutput {
 public:
  static base::Result<std::unique_ptr<MediaWorker>> create(const std::string& bindAddress, uint16_t port,
                                                           base::Clock& clock, const WorkerTcpOptions& tcp = {});
  MediaWorker(net::UdpSocket socket, base::Clock& clock);
  ~MediaWorker() override;

  // Before start(): adds the ICE-TCP port.
  void enableTcp(net::TcpListener listener, const transport::TcpMediaPortOptions& limits);
  void start();
  void stop();
  uint16_t port() const { return port_.port(); }
  // 0 when ICE-TCP is off.
  uint16_t tcpPort() const { return tcpPort_ ? tcpPort_->port() : 0; }
  // Runs fn on the worker thread.
  void post(std::function<void(MediaWorker&)> fn);
  // Transports are built on the control thread with these as listener and sender.
  transport::TransportListener& listener() { return *this; }
  transport::DatagramSender& sender() { return port_; }

  // Worker thread only.
  void addTransport(std::unique_ptr<transport::WebRtcTransport> t);
  void removeTransport(uint64_t id);
  transport::WebRtcTransport* transport(uint64_t id);
  // ICE restart of a transport: new credentials, and both ports learn its new local ufrag —
  // they route a new endpoint or TCP connection by the ufrag in its first check, so without
  // this a browser whose restart comes from a new port (or a new TCP connection) is unroutable.
  void restartIce(uint64_t id, std::string_view remoteUfrag, std::string_view remotePwd, const ice::IceCredentials& local);
  sfu::Router& router() { return router_; }
  // A transport that fails (its DTLS session died, in the handshake or under live media) is
  // counted, logged, removed, and reported here — on the worker's thread, so the sink posts on.
  using FailureSink = std::function<void(uint64_t transportId, std::string reason)>;
  void setFailureSink(FailureSink sink) { failureSink_ = std::move(sink); }
#ifdef ATRIUM_TEST_HOOKS
  // Kills a transport's DTLS session as a fatal error would; the failure path does the rest.
  void failTransportForTest(uint64_t id);
#endif

  // Any thread: what /metrics reads (atomics this worker's thread alone writes).
  const metrics::WorkerCounters& counters() const { return counters_; }

 private:
  // TransportListener.
  void onRtp(transport::WebRtcTransport& t, std::span<uint8_t> packet, int64_t nowMs) override;
  void onRtcp(transport::WebRtcTransport& t, std::span<uint8_t> packet, int64_t nowMs) override;
  void onStateChanged(transport::WebRtcTransport& t) override;
  // PeerOutput.
  bool sendRtp(sfu::PeerId peer, std::span<uint8_t> buffer, size_t len) override;
  bool sendRtcp(sfu::PeerId peer, std::span<uint8_t> buffer, size_t len) override;

  void publishCounters();

  struct Entry {
    std::unique_ptr<transport::WebRtcTransport> transport;
    bool dtlsCounted = false;  // its handshake result is in counters_ (states can repeat)
    bool failed = false;       // its failure is counted, reported, and its removal posted
  };
  void onFailed(transport::WebRtcTransport& t, Entry& e);

  base::Clock& clock_;
  net::EventLoop loop_;
  transport::MediaPort port_;
  std::unique_ptr<transport::TcpMediaPort> tcpPort_;  // null: no ICE-TCP
  sfu::Router router_{*this};
  std::unordered_map<uint64_t, Entry> transports_;
  metrics::WorkerCounters counters_;
  transport::TransportCounters removed_;  // totals of transports already gone
  int64_t lastTickMs_ = 0;
  int64_t maxLagMs_ = 0;  // since the last publish
  FailureSink failureSink_;
  std::thread thread_;
};

}  // namespace atrium::app
