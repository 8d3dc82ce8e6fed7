// QualityRecorder: clients' quality reports (R10) → quality_samples rows, written off the control
// loop. onQuality runs on the control thread and only converts and queues; one writer thread
// stores the queue once a second in a single transaction (10 000 participants reporting every
// 2 s is 5 000 reports a second — one INSERT transaction each would not keep up, and a slow
// disk must never stall signaling). The queue is bounded: when the store falls that far behind,
// new reports are dropped and counted rather than growing memory without limit.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "signal/ports.h"
#include "store/store.h"
#include "store/write_health.h"

namespace atrium::app {

class QualityRecorder final : public signal::QualitySink {
 public:
  // The CommId of a live room (the room event log's), or nullopt when the room is unknown.
  using CommIdLookup = std::function<std::optional<std::string>(const base::RoomKey&)>;
  static constexpr size_t kMaxPending = 200'000;  // samples: ~40 s of 10 000 participants

  // health: told whether each batch was stored (may be null).
  QualityRecorder(store::QualityLog& log, CommIdLookup commIdOf, int64_t flushIntervalMs = 1000,
                  store::WriteHealth* health = nullptr);
  ~QualityRecorder() override;  // writes what is queued, then stops

  void onQuality(signal::QualityReport report) override;
  // Rows from elsewhere (the media workers' own view); any thread.
  void enqueue(std::vector<store::QualitySample> samples);

  struct Stats {
    uint64_t samplesQueued = 0;
    uint64_t samplesWritten = 0;
    uint64_t samplesDropped = 0;  // queue full, unknown room or a failed write
  };
  Stats stats() const;

  // Converts one report to rows (peerId "" first). Pure; public for tests.
  static std::vector<store::QualitySample> toSamples(const signal::QualityReport& report, const std::string& commId);

 private:
  void run();

  store::QualityLog& log_;
  CommIdLookup commIdOf_;
  int64_t flushIntervalMs_;
  store::WriteHealth* health_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::vector<store::QualitySample> pending_;
  Stats stats_;
  bool stopping_ = false;
  std::thread writer_;
};

}  // namespace atrium::app
