#include "app/purge_job.h"

#include <chrono>

#include "base/log.h"

namespace atrium::app {

base::Result<RetentionSettings> readRetentionSettings(const Settings& settings) {
  RetentionSettings out;
  auto days = [&](const char* key, int64_t min, int64_t max) -> base::Result<int64_t> {
    auto n = settings.integer(key, min, max);
    if (!n.ok()) return n.error();
    return *n * store::kMsPerDay;
  };
  auto interval = settings.integer("retention.purge_interval_s", 0, 86'400);
  if (!interval.ok()) return interval.error();
  out.intervalMs = *interval * 1000;
  auto quality = days("retention.quality_days", 14, 3650);
  if (!quality.ok()) return quality.error();
  auto backend = days("retention.backend_logs_days", 1, 3650);
  if (!backend.ok()) return backend.error();
  auto entries = days("retention.entry_events_days", 31, 3650);
  if (!entries.ok()) return entries.error();
  auto audit = days("retention.audit_days", 1, 3650);
  if (!audit.ok()) return audit.error();
  auto grace = days("retention.deleted_app_grace_days", 0, store::kMaxDeletedAppGraceMs / store::kMsPerDay);
  if (!grace.ok()) return grace.error();
  out.policy = {*backend, *entries, *quality, *audit, *grace};
  return out;
}

std::string describePurge(const store::PurgeReport& report) {
  std::string out;
  for (const auto& [table, n] : report.rowsByTable) {
    if (n == 0) continue;
    if (!out.empty()) out += ' ';
    out += table + "=" + std::to_string(n);
  }
  return out.empty() ? "nothing" : out;
}

PurgeJob::PurgeJob(store::DataProtection& store, RetentionSettings settings, base::Clock& clock)
    : store_(store), settings_(settings), clock_(clock) {}

PurgeJob::~PurgeJob() { stop(); }

void PurgeJob::start() {
  if (settings_.intervalMs <= 0 || thread_.joinable()) return;
  thread_ = std::thread([this] { loop(); });
}

void PurgeJob::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

uint64_t PurgeJob::runs() const {
  std::lock_guard lock(mu_);
  return runs_;
}

base::Result<store::PurgeReport> PurgeJob::runOnce() {
  auto report = store_.purgeExpired(settings_.policy, clock_.wallMs());
  {
    std::lock_guard lock(mu_);
    ++runs_;
  }
  if (!report.ok()) {
    // Logged, not fatal: the next run continues where this one stopped.
    base::log::error("purge: {} ({})", report.error().message, report.error().code);
    return report.error();
  }
  base::log::info("purge: removed {} rows: {}", report->total(), describePurge(*report));
  return report;
}

void PurgeJob::loop() {
  for (;;) {
    (void)runOnce();
    std::unique_lock lock(mu_);
    // A real timed wait: the interval is wall time between runs, and stop() cuts it short.
    if (wake_.wait_for(lock, std::chrono::milliseconds(settings_.intervalMs), [this] { return stopping_; })) return;
  }
}

}  // namespace atrium::app
