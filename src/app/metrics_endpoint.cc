#include "app/metrics_endpoint.h"

namespace atrium::app {

metrics::ControlSample sampleControl(const ControlSources& src) {
  metrics::ControlSample s;
  s.ready = src.readiness.isReady();
  const auto& rooms = src.signaling.rooms().rooms();
  s.rooms = rooms.size();
  for (const auto& [key, room] : rooms) s.participants += room.members.size();
  auto census = src.media.census();
  s.publishers = census.publishers;
  s.subscribers = census.subscribers;
  s.signalingConnections = src.signaling.connectionCount();
  s.signalingSessions = src.signaling.sessionCount();
  const auto& sig = src.signaling.stats();
  s.signalingRateLimited = sig.rateLimited;
  s.signalingBadMessages = sig.badMessages;
  s.signalingConnectionsRefused = sig.connectionsRefused;
  s.apiRateLimited = src.api.stats().rateLimited;
  // Counted by the dispatcher's thread: the control thread never reads the store (issue 10). An
  // unknown depth leaves the gauge out rather than at 0.
  if (auto depth = src.callbacks.lastPending()) s.callbackQueueDepth = *depth;
  auto cb = src.callbacks.stats();
  s.callbacksDelivered = cb.delivered;
  s.callbackFailedAttempts = cb.failedAttempts;
  s.callbacksGaveUp = cb.gaveUp;
  s.callbacksDiscarded = cb.discarded;
  for (size_t i = 0; i < store::WriteHealth::kKinds; ++i) {
    const auto kind = static_cast<store::StoreWrite>(i);
    s.storeWriteFailures.emplace_back(store::storeWriteName(kind), src.storeWrites.failures(kind));
  }
  s.storeWritesFailing = src.storeWrites.failing();
  const auto backlog = src.writer.stats();
  s.storeBacklogRows = backlog.backlog;
  s.storeBacklogDropped = backlog.dropped;
  if (const auto* shared = src.sharedSessions) {
    const auto& st = shared->stats();
    s.sharedSessions = metrics::SharedSessionSample{st.reachable, st.commandsOk, st.commandsFailed, st.dropped,
                                                    st.badRecords, sig.sessionsTakenOver, sig.takeoversRefused};
  }
  for (const auto& l : src.listeners) {
    if (!l.server) continue;
    auto st = l.server->stats();
    s.listeners.push_back({l.name, st.open, st.refusedAtAccept, st.pending, st.evicted, st.handshakeTimeouts,
                           st.headerTimeouts, st.badRequests, st.establishedFull});
  }
  return s;
}

web::HttpResponse handleMetricsHttp(const metrics::Metrics& metrics, const Readiness& readiness,
                                    const web::HttpRequest& req) {
  constexpr const char* kText = "text/plain; charset=utf-8";
  if (req.method != "GET" && req.method != "HEAD") return {405, kText, "method not allowed\n", {{"Allow", "GET, HEAD"}}};
  std::string path = req.target.substr(0, req.target.find('?'));
  if (path == "/metrics") return {200, metrics::Metrics::kContentType, metrics.render(), {{"Cache-Control", "no-store"}}};
  // Answered by the control loop itself: if that loop is wedged, the probe times out.
  if (path == "/healthz") return {200, kText, "ok\n", {}};
  if (path == "/readyz") {
    if (readiness.isReady()) return {200, kText, "ready\n", {}};
    const bool storeFailing = readiness.ready && readiness.storeWrites && readiness.storeWrites->failing();
    return {503, kText, storeFailing ? "not ready: store writes are failing\n" : "not ready\n", {}};
  }
  return {404, kText, "not found\n", {}};
}

}  // namespace atrium::app
