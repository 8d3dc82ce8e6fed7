// The retention job (R13): purgeExpired once at start and then every retention.purge_interval_s,
// on its own thread — a purge of millions of expired quality rows takes seconds to minutes and
// must never hold up the control loop. The same settings drive `atrium purge`, so a cron-driven
// purge keeps exactly what the daemon would keep.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "app/settings.h"
#include "base/clock.h"
#include "base/result.h"
#include "store/store.h"

namespace atrium::app {

struct RetentionSettings {
  store::RetentionPolicy policy;
  int64_t intervalMs = 3'600'000;  // 0: the daemon does not purge
};

// retention.* settings. Floors are requirements, not taste: quality data must stay queryable for
// 14 days (R13), a deleted app's data must be gone within 7 days (grace <= 6 days, checked again
// by the store), and the SLA report of a service month needs that month's entry log (>= 31 days).
base::Result<RetentionSettings> readRetentionSettings(const Settings& settings);

// "quality_samples=12 user_events=3 ..." for the tables that lost rows, "nothing" otherwise. Table
// names and counts only: safe for logs (R11).
std::string describePurge(const store::PurgeReport& report);

class PurgeJob {
 public:
  PurgeJob(store::DataProtection& store, RetentionSettings settings, base::Clock& clock);
  ~PurgeJob();  // stop()

  void start();  // no-op when intervalMs is 0
  // Wakes the thread and joins it; a purge in progress finishes its current run first (each
  // batch is its own transaction, so an interrupted run would also be safe).
  void stop();
  // One run, on the calling thread (tests, `atrium purge`). Logs the outcome.
  base::Result<store::PurgeReport> runOnce();

  uint64_t runs() const;

 private:
  void loop();

  store::DataProtection& store_;
  RetentionSettings settings_;
  base::Clock& clock_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  uint64_t runs_ = 0;
  std::thread thread_;
};

}  // namespace atrium::app
