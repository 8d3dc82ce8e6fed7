// The composition root's side of monitoring (R16): the metrics listener's routes (/metrics,
// /healthz, /readyz), the entry recorder that counts entries for the CSR metric, and the
// scrape-time sample of control-plane state. Everything here runs on the control thread.
#pragma once

#include <vector>

#include "api/api_service.h"
#include "app/media_plane.h"
#include "app/control_writer.h"
#include "callback/dispatcher.h"
#include "cluster/redis_session_store.h"
#include "metrics/metrics.h"
#include "signal/signaling_service.h"
#include "store/write_health.h"
#include "web/web_server.h"

namespace atrium::app {

// Counts each entry outcome, then hands the record to the entry log.
class CountingEntryRecorder final : public signal::EntryRecorder {
 public:
  CountingEntryRecorder(signal::EntryRecorder& log, metrics::Metrics& metrics) : log_(log), metrics_(metrics) {}
  void recordEntry(const signal::EntryRecord& record) override {
    metrics_.countEntry(record.success, record.cause);
    log_.recordEntry(record);
  }

 private:
  signal::EntryRecorder& log_;
  metrics::Metrics& metrics_;
};

// Readiness as /readyz and atrium_ready report it: true once the store is open and every
// listener and media worker is up, false again when shutdown begins — and false meanwhile while
// the store refuses the control path's writes (storeWrites, when set).
struct Readiness {
  bool ready = false;
  const store::WriteHealth* storeWrites = nullptr;
  bool isReady() const { return ready && !(storeWrites && storeWrites->failing()); }
};

struct NamedListener {
  const char* name;  // a fixed label value: "signal" | "api" | "metrics"
  const web::WebServer* server;
};

// What the control sample reads. Borrowed; all live on the control thread.
struct ControlSources {
  const Readiness& readiness;
  const signal::SignalingService& signaling;
  const api::ApiService& api;
  callback::CallbackDispatcher& callbacks;
  const store::WriteHealth& storeWrites;
  const ControlWriter& writer;  // thread-safe stats
  const MediaPlane& media;
  std::vector<NamedListener> listeners;
  const cluster::RedisSessionStore* sharedSessions = nullptr;  // null: no Redis
};

metrics::ControlSample sampleControl(const ControlSources& sources);

// GET /metrics (text format 0.0.4), GET /healthz (200 while the control loop answers),
// GET /readyz (200 when ready, 503 otherwise). Other methods 405, other paths 404.
web::HttpResponse handleMetricsHttp(const metrics::Metrics& metrics, const Readiness& readiness,
                                    const web::HttpRequest& req);

}  // namespace atrium::app
