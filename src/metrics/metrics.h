// Metrics: every metric family atriumd exposes, under stable `atrium_` names (README.md lists
// them), and the rendering of the Prometheus text exposition format 0.0.4.
//
// Three kinds of sources, chosen by where the value lives:
// - Control-path events (entry requests, API calls) bump prometheus-cpp counters directly; they
//   are atomic and these paths may lock and allocate.
// - Control-plane state (rooms, sessions, limiter and callback statistics) already lives in
//   single-threaded objects on the control loop; a ControlSample is read from them at scrape
//   time, on that same thread, so nothing is counted twice and nothing needs a lock.
// - Media workers publish into their own WorkerCounters (atomics, single writer); the scrape
//   reads them without stopping or posting to any worker.
// prometheus-cpp stays behind this interface: no other module includes it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/worker_counters.h"

namespace atrium::metrics {

struct ListenerSample {
  const char* name;  // "signal" | "api" | "metrics": a fixed label value
  uint64_t open = 0;
  uint64_t refusedAtAccept = 0;
  // Admission (issue 15): connections not past their first request, and the ones the listener
  // closed because of its caps and deadlines.
  uint64_t pending = 0;
  uint64_t evicted = 0, tlsHandshakeTimeouts = 0, headerTimeouts = 0, badRequests = 0, budgetFull = 0;
};

// Read on the control thread at scrape time.
// The shared session store (Redis), when atriumd uses one.
struct SharedSessionSample {
  bool reachable = false;
  uint64_t commandsOk = 0, commandsFailed = 0, dropped = 0, badRecords = 0;
  uint64_t takenOver = 0, takeoversRefused = 0;
};

struct ControlSample {
  bool ready = false;
  uint64_t rooms = 0, participants = 0, publishers = 0, subscribers = 0;
  uint64_t signalingConnections = 0, signalingSessions = 0;
  uint64_t signalingRateLimited = 0, signalingBadMessages = 0, signalingConnectionsRefused = 0;
  uint64_t apiRateLimited = 0;
  std::optional<uint64_t> callbackQueueDepth;  // nullopt: the store could not be read
  uint64_t callbacksDelivered = 0, callbackFailedAttempts = 0, callbacksGaveUp = 0, callbacksDiscarded = 0;
  // Store writes of the control path that failed, per kind (label values fixed by the caller),
  // and whether some kind's latest write failed lately (the node is then not ready).
  std::vector<std::pair<const char*, uint64_t>> storeWriteFailures;
  bool storeWritesFailing = false;
  // The batching writer's backlog (issue 10): rows waiting for the store, and rows dropped because
  // the backlog was full (or still queued when the store failed at shutdown).
  uint64_t storeBacklogRows = 0, storeBacklogDropped = 0;
  std::optional<SharedSessionSample> sharedSessions;
  std::vector<ListenerSample> listeners;
};

class Metrics {
 public:
  static constexpr const char* kContentType = "text/plain; version=0.0.4; charset=utf-8";
  // Distinct API code label values kept before further new ones collapse to their family.
  static constexpr size_t kMaxApiCodes = 48;

  // isKnownApiAction: whether the API implements an action (others are labelled "unknown").
  // procRoot: where process stats are read ("/proc"; tests point it at fixtures).
  explicit Metrics(std::function<bool(std::string_view)> isKnownApiAction, std::string procRoot = "/proc");
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // Control path; thread-safe.
  void countEntry(bool success, std::string_view cause);
  void countApiCall(std::string_view action, std::string_view errorCode);

  // Wiring, before the first render(). Workers are labelled by the order they are added.
  void setControlSource(std::function<ControlSample()> source);
  void addWorker(const WorkerCounters& counters);

  // The exposition text. Runs the control source, so call it on the control thread.
  std::string render() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace atrium::metrics
