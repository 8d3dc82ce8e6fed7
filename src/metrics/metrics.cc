#include "metrics/metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <array>
#include <limits>
#include <map>
#include <mutex>
#include <set>

#include "metrics/labels.h"
#include "metrics/process_stats.h"

namespace atrium::metrics {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;
using Labels = std::vector<ClientMetric::Label>;

const char* dropReasonName(DropReason reason) {
  switch (reason) {
    case DropReason::kDemuxUnknown: return "demux_unknown";
    case DropReason::kIceNotSelected: return "ice_not_selected";
    case DropReason::kSrtpUnprotect: return "srtp_unprotect";
    case DropReason::kUnroutable: return "unroutable";
    case DropReason::kSendBufferFull: return "send_buffer_full";
    case DropReason::kUnknownSsrc: return "unknown_ssrc";
    case DropReason::kRouter: return "router";
    case DropReason::kDtls: return "dtls";
    case DropReason::kCount: break;
  }
  return "other";
}

const char* feedbackTypeName(FeedbackType type) {
  switch (type) {
    case FeedbackType::kNack: return "nack";
    case FeedbackType::kPli: return "pli";
    case FeedbackType::kFir: return "fir";
    case FeedbackType::kTwcc: return "twcc";
    case FeedbackType::kCount: break;
  }
  return "other";
}

size_t lossBucketOf(uint8_t fractionLost256) {
  double f = fractionLost256 / 256.0;
  for (size_t i = 0; i < kLossBuckets.size(); ++i)
    if (f <= kLossBuckets[i]) return i;
  return kLossBuckets.size() - 1;  // unreachable: 255/256 < 1.0
}

namespace {

// Builds one family of values read at scrape time.
class FamilyBuilder {
 public:
  FamilyBuilder(std::string name, std::string help, MetricType type) {
    family_.name = std::move(name);
    family_.help = std::move(help);
    family_.type = type;
  }
  FamilyBuilder& add(double value, Labels labels = {}) {
    ClientMetric m;
    m.label = std::move(labels);
    if (family_.type == MetricType::Counter) m.counter.value = value;
    else m.gauge.value = value;
    family_.metric.push_back(std::move(m));
    return *this;
  }
  MetricFamily take() { return std::move(family_); }

 private:
  MetricFamily family_;
};

void push(std::vector<MetricFamily>& out, FamilyBuilder& b) { out.push_back(b.take()); }

double u(uint64_t v) { return static_cast<double>(v); }

uint64_t sum(const std::vector<const WorkerCounters*>& ws, const Counter64 WorkerCounters::*field) {
  uint64_t total = 0;
  for (const auto* w : ws) total += read(w->*field);
  return total;
}

}  // namespace

struct Metrics::Impl {
  std::function<bool(std::string_view)> isKnownAction;
  std::string procRoot;
  prometheus::Registry registry;
  prometheus::Family<prometheus::Counter>& entries;
  prometheus::Family<prometheus::Counter>& apiCalls;
  std::array<prometheus::Counter*, 3> entryCounters{};  // success/none, failure/client, failure/service
  std::function<ControlSample()> control;
  std::vector<const WorkerCounters*> workers;
  std::mutex apiMutex;                 // guards apiCodes and apiCounters
  std::set<std::string> apiCodes;      // distinct code labels handed out (capped)
  std::map<std::pair<std::string, std::string>, prometheus::Counter*> apiCounters;

  Impl(std::function<bool(std::string_view)> known, std::string root)
      : isKnownAction(std::move(known)),
        procRoot(std::move(root)),
        entries(prometheus::BuildCounter()
                    .Name("atrium_entry_requests_total")
                    .Help("Room entry requests (R20) by outcome and cause of failure (client or service)")
                    .Register(registry)),
        apiCalls(prometheus::BuildCounter()
                     .Name("atrium_api_requests_total")
                     .Help("Server API requests by action (unknown names: \"unknown\") and result code")
                     .Register(registry)) {
    // Every entry series exists from the start at 0, so rate() and the CSR alert see a zero
    // rather than an absent series before the first failure.
    entryCounters = {&entries.Add({{"outcome", "success"}, {"cause", "none"}}),
                     &entries.Add({{"outcome", "failure"}, {"cause", "client"}}),
                     &entries.Add({{"outcome", "failure"}, {"cause", "service"}})};
  }

  void collectControl(std::vector<MetricFamily>& out) const;
  void collectMedia(std::vector<MetricFamily>& out) const;
  void collectProcess(std::vector<MetricFamily>& out) const;
};

Metrics::Metrics(std::function<bool(std::string_view)> isKnownApiAction, std::string procRoot)
    : impl_(std::make_unique<Impl>(std::move(isKnownApiAction), std::move(procRoot))) {}

Metrics::~Metrics() = default;

void Metrics::countEntry(bool success, std::string_view cause) {
  auto l = entryLabels(success, cause);
  size_t i = success ? 0 : std::string_view(l.cause) == "client" ? 1 : 2;
  impl_->entryCounters[i]->Increment();
}

void Metrics::countApiCall(std::string_view action, std::string_view errorCode) {
  std::string actionLabel = impl_->isKnownAction && impl_->isKnownAction(action) ? std::string(action) : kUnknownAction;
  std::string code = apiCodeLabel(errorCode);
  std::lock_guard lock(impl_->apiMutex);
  if (!impl_->apiCodes.count(code)) {
    if (impl_->apiCodes.size() >= kMaxApiCodes) code = std::string(apiCodeFamily(code));
    impl_->apiCodes.insert(code);  // a family name is one of at most 13 more
  }
  auto key = std::make_pair(actionLabel, code);
  auto it = impl_->apiCounters.find(key);
  if (it == impl_->apiCounters.end())
    it = impl_->apiCounters.emplace(key, &impl_->apiCalls.Add({{"action", actionLabel}, {"code", code}})).first;
  it->second->Increment();
}

void Metrics::setControlSource(std::function<ControlSample()> source) { impl_->control = std::move(source); }

void Metrics::addWorker(const WorkerCounters& counters) { impl_->workers.push_back(&counters); }

std::string Metrics::render() const {
  std::vector<MetricFamily> families = impl_->registry.Collect();
  impl_->collectControl(families);
  impl_->collectMedia(families);
  impl_->collectProcess(families);
  return prometheus::TextSerializer().Serialize(families);
}

void Metrics::Impl::collectControl(std::vector<MetricFamily>& out) const {
  ControlSample s = control ? control() : ControlSample{};
  // Constant 1; the version label lets dashboards and alerts tell releases apart during a rollout.
  FamilyBuilder build("atrium_build_info", "atriumd version (always 1)", MetricType::Gauge);
  push(out, build.add(1, {{"version", ATRIUM_VERSION}}));
  FamilyBuilder ready("atrium_ready", "1 when the store is open and every listener and media worker is up", MetricType::Gauge);
  push(out, ready.add(s.ready ? 1 : 0));
  FamilyBuilder rooms("atrium_rooms", "Rooms that exist now", MetricType::Gauge);
  push(out, rooms.add(u(s.rooms)));
  FamilyBuilder participants("atrium_participants", "Users in rooms now (all roles)", MetricType::Gauge);
  push(out, participants.add(u(s.participants)));
  FamilyBuilder publishers("atrium_publishers", "Users publishing at least one stream now", MetricType::Gauge);
  push(out, publishers.add(u(s.publishers)));
  FamilyBuilder subscribers("atrium_subscribers", "Users receiving at least one stream now", MetricType::Gauge);
  push(out, subscribers.add(u(s.subscribers)));
  FamilyBuilder conns("atrium_signaling_connections", "Open signaling WebSocket connections", MetricType::Gauge);
  push(out, conns.add(u(s.signalingConnections)));
  FamilyBuilder sessions("atrium_signaling_sessions", "Signaling sessions (in a room or resumable)", MetricType::Gauge);
  push(out, sessions.add(u(s.signalingSessions)));
  FamilyBuilder bad("atrium_signaling_bad_messages_total", "Malformed or refused signaling messages", MetricType::Counter);
  push(out, bad.add(u(s.signalingBadMessages)));
  FamilyBuilder refused("atrium_signaling_connections_refused_total",
                        "WebSocket connections refused by the per-address cap", MetricType::Counter);
  push(out, refused.add(u(s.signalingConnectionsRefused)));
  FamilyBuilder limited("atrium_rate_limited_total", "Requests refused by a rate limit, by endpoint", MetricType::Counter);
  limited.add(u(s.signalingRateLimited), {{"endpoint", "signaling"}});
  push(out, limited.add(u(s.apiRateLimited), {{"endpoint", "api"}}));
  if (s.callbackQueueDepth) {
    FamilyBuilder depth("atrium_callback_queue_depth", "Callback jobs waiting for delivery (durable queue)", MetricType::Gauge);
    push(out, depth.add(u(*s.callbackQueueDepth)));
  }
  FamilyBuilder cb("atrium_callback_deliveries_total",
                   "Callback delivery attempts by result (failed_attempt is retried; gave_up and discarded are final)",
                   MetricType::Counter);
  cb.add(u(s.callbacksDelivered), {{"result", "delivered"}});
  cb.add(u(s.callbackFailedAttempts), {{"result", "failed_attempt"}});
  cb.add(u(s.callbacksGaveUp), {{"result", "gave_up"}});
  push(out, cb.add(u(s.callbacksDiscarded), {{"result", "discarded"}}));
  FamilyBuilder writeFail("atrium_store_write_failures_total",
                          "Control-path writes the store refused (full disk, database down), by kind", MetricType::Counter);
  for (const auto& [kind, n] : s.storeWriteFailures) writeFail.add(u(n), {{"write", kind}});
  push(out, writeFail);
  FamilyBuilder writesFailing("atrium_store_writes_failing",
                              "1 while some kind of store write failed last (within a minute): the node is not ready",
                              MetricType::Gauge);
  push(out, writesFailing.add(s.storeWritesFailing ? 1.0 : 0.0));
  FamilyBuilder backlog("atrium_store_backlog_rows",
                        "Control-path rows waiting in memory for the store (written in batches; kept while it fails)",
                        MetricType::Gauge);
  push(out, backlog.add(u(s.storeBacklogRows)));
  FamilyBuilder dropped("atrium_store_backlog_dropped_total",
                        "Control-path rows dropped because the in-memory backlog was full", MetricType::Counter);
  push(out, dropped.add(u(s.storeBacklogDropped)));
  if (const auto& ss = s.sharedSessions) {
    FamilyBuilder up("atrium_redis_up", "1 while the last round trip to Redis (shared sessions) succeeded", MetricType::Gauge);
    push(out, up.add(ss->reachable ? 1.0 : 0.0));
    FamilyBuilder cmds("atrium_redis_commands_total", "Round trips to Redis for shared sessions, by result",
                       MetricType::Counter);
    cmds.add(u(ss->commandsOk), {{"result", "ok"}});
    cmds.add(u(ss->commandsFailed), {{"result", "failed"}});
    push(out, cmds.add(u(ss->dropped), {{"result", "dropped"}}));
    FamilyBuilder bad("atrium_shared_sessions_refused_records_total",
                      "Shared session records read back from Redis that did not decode", MetricType::Counter);
    push(out, bad.add(u(ss->badRecords)));
    FamilyBuilder takeovers("atrium_session_takeovers_total",
                            "Resumes of sessions another process held (a restart, another node), by result",
                            MetricType::Counter);
    takeovers.add(u(ss->takenOver), {{"result", "resumed"}});
    push(out, takeovers.add(u(ss->takeoversRefused), {{"result", "refused"}}));
  }
  FamilyBuilder open("atrium_http_connections", "Open TCP connections per listener", MetricType::Gauge);
  FamilyBuilder shed("atrium_http_connections_refused_total", "TCP connections closed at accept by the connection caps",
                     MetricType::Counter);
  FamilyBuilder pending("atrium_http_connections_pending",
                        "Connections per listener that have not completed their first request", MetricType::Gauge);
  FamilyBuilder closed("atrium_http_connections_closed_total",
                       "Connections a listener closed by its admission caps and deadlines, by reason", MetricType::Counter);
  for (const auto& l : s.listeners) {
    open.add(u(l.open), {{"listener", l.name}});
    shed.add(u(l.refusedAtAccept), {{"listener", l.name}});
    pending.add(u(l.pending), {{"listener", l.name}});
    closed.add(u(l.evicted), {{"listener", l.name}, {"reason", "evicted"}});
    closed.add(u(l.tlsHandshakeTimeouts), {{"listener", l.name}, {"reason", "tls_handshake_timeout"}});
    closed.add(u(l.headerTimeouts), {{"listener", l.name}, {"reason", "header_timeout"}});
    closed.add(u(l.badRequests), {{"listener", l.name}, {"reason", "bad_request"}});
    closed.add(u(l.budgetFull), {{"listener", l.name}, {"reason", "budget_full"}});
  }
  push(out, open);
  push(out, shed);
  push(out, pending);
  push(out, closed);
}

void Metrics::Impl::collectMedia(std::vector<MetricFamily>& out) const {
  const auto& w = workers;
  using W = WorkerCounters;
  FamilyBuilder packets("atrium_media_packets_total", "SRTP/SRTCP packets decrypted (in) and encrypted (out) by transports",
                        MetricType::Counter);
  packets.add(u(sum(w, &W::rtpIn)), {{"direction", "in"}, {"kind", "rtp"}});
  packets.add(u(sum(w, &W::rtcpIn)), {{"direction", "in"}, {"kind", "rtcp"}});
  packets.add(u(sum(w, &W::rtpOut)), {{"direction", "out"}, {"kind", "rtp"}});
  push(out, packets.add(u(sum(w, &W::rtcpOut)), {{"direction", "out"}, {"kind", "rtcp"}}));
  FamilyBuilder bytes("atrium_media_bytes_total",
                      "Bytes through transports: in counts every datagram (STUN, DTLS, SRTP), out counts SRTP/SRTCP",
                      MetricType::Counter);
  bytes.add(u(sum(w, &W::bytesIn)), {{"direction", "in"}});
  push(out, bytes.add(u(sum(w, &W::bytesOut)), {{"direction", "out"}}));
  FamilyBuilder datagrams("atrium_media_datagrams_total", "UDP datagrams read from and written to the media ports",
                          MetricType::Counter);
  datagrams.add(u(sum(w, &W::datagramsIn)), {{"direction", "in"}});
  push(out, datagrams.add(u(sum(w, &W::datagramsOut)), {{"direction", "out"}}));
  FamilyBuilder fwd("atrium_media_packets_forwarded_total", "RTP packets forwarded to subscribers (one per copy)",
                    MetricType::Counter);
  push(out, fwd.add(u(sum(w, &W::forwarded))));
  FamilyBuilder rtx("atrium_media_retransmissions_total", "RTP packets resent to subscribers in answer to NACKs",
                    MetricType::Counter);
  push(out, rtx.add(u(sum(w, &W::retransmitted))));
  FamilyBuilder dropped("atrium_media_packets_dropped_total", "Media datagrams or packets dropped, by reason",
                        MetricType::Counter);
  for (size_t r = 0; r < W::kDropReasons; ++r) {
    uint64_t n = 0;
    for (const auto* x : w) n += read(x->dropped[r]);
    dropped.add(u(n), {{"reason", dropReasonName(static_cast<DropReason>(r))}});
  }
  push(out, dropped);
  FamilyBuilder fb("atrium_media_rtcp_feedback_total", "RTCP feedback messages received from and sent to peers, by type",
                   MetricType::Counter);
  for (size_t t = 0; t < W::kFeedbackTypes; ++t) {
    uint64_t in = 0, sent = 0;
    for (const auto* x : w) {
      in += read(x->feedbackReceived[t]);
      sent += read(x->feedbackSent[t]);
    }
    const char* type = feedbackTypeName(static_cast<FeedbackType>(t));
    fb.add(u(in), {{"direction", "received"}, {"type", type}});
    fb.add(u(sent), {{"direction", "sent"}, {"type", type}});
  }
  push(out, fb);

  MetricFamily loss;
  loss.name = "atrium_media_reported_loss_ratio";
  loss.help =
      "Fraction lost in RTCP report blocks, one observation per block: received = what peers report about "
      "our streams, sent = what we report to publishers about theirs";
  loss.type = MetricType::Histogram;
  for (auto [direction, member] : {std::pair{"received", &W::lossReceived}, std::pair{"sent", &W::lossSent}}) {
    ClientMetric h;
    h.label = {{"direction", direction}};
    uint64_t cumulative = 0, sum256 = 0;
    for (size_t b = 0; b < kLossBuckets.size(); ++b) {
      for (const auto* x : w) cumulative += read((x->*member).buckets[b]);
      h.histogram.bucket.push_back({cumulative, kLossBuckets[b]});
    }
    for (const auto* x : w) sum256 += read((x->*member).sum256);
    // The last bound is 1.0, which holds every block: +Inf and the count equal it.
    h.histogram.bucket.push_back({cumulative, std::numeric_limits<double>::infinity()});
    h.histogram.sample_count = cumulative;
    h.histogram.sample_sum = u(sum256) / 256.0;
    loss.metric.push_back(std::move(h));
  }
  out.push_back(std::move(loss));

  FamilyBuilder switches("atrium_media_layer_switches_total", "Simulcast layer switches of subscribers' down-tracks",
                         MetricType::Counter);
  push(out, switches.add(u(sum(w, &W::layerSwitches))));

  FamilyBuilder tcpOpen("atrium_ice_tcp_connections", "Open ICE-TCP connections of the media workers", MetricType::Gauge);
  push(out, tcpOpen.add(u(sum(w, &W::tcpConnections))));
  FamilyBuilder tcpClosed("atrium_ice_tcp_connections_closed_total",
                          "ICE-TCP connections the server closed by its caps, by reason", MetricType::Counter);
  tcpClosed.add(u(sum(w, &W::tcpRefused)), {{"reason", "over_limit"}});
  tcpClosed.add(u(sum(w, &W::tcpTimedOut)), {{"reason", "handshake_timeout"}});
  tcpClosed.add(u(sum(w, &W::tcpEvicted)), {{"reason", "evicted"}});
  tcpClosed.add(u(sum(w, &W::tcpRefusedPerAddress)), {{"reason", "over_address_limit"}});
  push(out, tcpClosed.add(u(sum(w, &W::tcpMalformed)), {{"reason", "malformed"}}));

  FamilyBuilder dtls("atrium_dtls_handshakes_total", "DTLS handshakes of media transports by result", MetricType::Counter);
  dtls.add(u(sum(w, &W::dtlsConnected)), {{"result", "connected"}});
  dtls.add(u(sum(w, &W::dtlsFailed)), {{"result", "failed"}});
  // Not a handshake result: a session that connected (counted above) and failed later.
  push(out, dtls.add(u(sum(w, &W::dtlsFailedAfterConnect)), {{"result", "failed_after_connect"}}));

  FamilyBuilder cpu("atrium_media_worker_cpu_seconds_total",
                    "CPU time of each media worker thread; its rate is the worker's busy ratio", MetricType::Counter);
  FamilyBuilder lag("atrium_media_worker_loop_lag_seconds",
                    "Largest lateness of each media worker's 20 ms timer over the last 250 ms", MetricType::Gauge);
  FamilyBuilder transports("atrium_media_worker_transports", "Peer connections on each media worker", MetricType::Gauge);
  FamilyBuilder tracks("atrium_media_worker_tracks", "Published tracks on each media worker", MetricType::Gauge);
  for (size_t i = 0; i < w.size(); ++i) {
    Labels l{{"worker", std::to_string(i)}};
    cpu.add(u(read(w[i]->cpuNs)) / 1e9, l);
    lag.add(u(read(w[i]->loopLagUs)) / 1e6, l);
    transports.add(u(read(w[i]->transports)), l);
    tracks.add(u(read(w[i]->tracks)), l);
  }
  push(out, cpu);
  push(out, lag);
  push(out, transports);
  push(out, tracks);
}

void Metrics::Impl::collectProcess(std::vector<MetricFamily>& out) const {
  auto p = readProcessStats(procRoot);
  if (!p) return;  // not Linux, or /proc hidden: the process_* families are simply absent
  FamilyBuilder cpu("process_cpu_seconds_total", "Total user and system CPU time spent in seconds", MetricType::Counter);
  push(out, cpu.add(p->cpuSeconds));
  FamilyBuilder rss("process_resident_memory_bytes", "Resident memory size in bytes", MetricType::Gauge);
  push(out, rss.add(u(p->residentBytes)));
  FamilyBuilder vsz("process_virtual_memory_bytes", "Virtual memory size in bytes", MetricType::Gauge);
  push(out, vsz.add(u(p->virtualBytes)));
  FamilyBuilder start("process_start_time_seconds", "Start time of the process since the Unix epoch in seconds",
                      MetricType::Gauge);
  push(out, start.add(p->startTimeSeconds));
  FamilyBuilder fds("process_open_fds", "Number of open file descriptors", MetricType::Gauge);
  push(out, fds.add(u(p->openFds)));
  if (p->maxFds) {
    FamilyBuilder maxFds("process_max_fds", "Maximum number of open file descriptors", MetricType::Gauge);
    push(out, maxFds.add(u(p->maxFds)));
  }
}

}  // namespace atrium::metrics
