#include "app/control_writer.h"

#include <array>
#include <chrono>
#include <variant>

#include "base/log.h"

namespace atrium::app {
namespace {

// The WriteHealth kind a write reports as; kCount for writes that report nothing (last-use times).
struct KindOf {
  store::StoreWrite operator()(const store::EntryEvent&) const { return store::StoreWrite::kEntry; }
  store::StoreWrite operator()(const store::CallbackEnqueue&) const { return store::StoreWrite::kCallback; }
  store::StoreWrite operator()(const store::AuditRecord&) const { return store::StoreWrite::kAudit; }
  store::StoreWrite operator()(const store::ApiKeyUse&) const { return store::StoreWrite::kCount; }
  // Rooms, sessions, user events and role changes: the room event log.
  template <typename T>
  store::StoreWrite operator()(const T&) const {
    return store::StoreWrite::kRoomEvent;
  }
};

store::StoreWrite kindOf(const store::ControlWrite& w) { return std::visit(KindOf{}, w); }

// Failures are logged once, then every kLogEvery-th attempt: an outage retried every second must
// not flood the log, and must not go quiet either.
constexpr uint64_t kLogEvery = 30;

}  // namespace

ControlWriter::ControlWriter(store::ControlWriteLog& log, store::WriteHealth& health, base::Clock& clock,
                             ControlWriterOptions options)
    : log_(log), health_(health), clock_(clock), options_(options) {}

ControlWriter::~ControlWriter() { stop(); }

void ControlWriter::start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { run(); });
}

void ControlWriter::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  // What is queued gets one more chance (a clean shutdown loses nothing while the store works).
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (queue_.empty()) return;
    }
    if (!flushOnce()) break;
  }
  size_t left;
  {
    std::lock_guard lock(mu_);
    left = queue_.size();
    queue_.clear();
    stats_.backlog = inFlight_;
  }
  countDropped(left, "the store still failed at shutdown");
}

bool ControlWriter::enqueue(store::ControlWrite write) {
  std::vector<store::ControlWrite> one;
  one.push_back(std::move(write));
  return enqueue(std::move(one));
}

bool ControlWriter::enqueue(std::vector<store::ControlWrite> writes) {
  if (writes.empty()) return true;
  {
    std::lock_guard lock(mu_);
    if (queue_.size() + inFlight_ + writes.size() <= options_.maxBacklogRows) {
      for (auto& w : writes) queue_.push_back(std::move(w));
      stats_.backlog = queue_.size() + inFlight_;
      writes.clear();
    }
  }
  if (!writes.empty()) {
    countDropped(writes.size(), "the backlog is full");
    return false;
  }
  wake_.notify_one();
  return true;
}

bool ControlWriter::accepting(size_t rows) const {
  std::lock_guard lock(mu_);
  return !stats_.failing && queue_.size() + inFlight_ + rows <= options_.maxBacklogRows;
}

ControlWriter::Stats ControlWriter::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void ControlWriter::countDropped(size_t rows, const char* why) {
  if (rows == 0) return;
  uint64_t before;
  {
    std::lock_guard lock(mu_);
    before = stats_.dropped;
    stats_.dropped += rows;
  }
  // The first loss, then about one line per thousand rows lost.
  if (before == 0 || before / 1000 != (before + rows) / 1000)
    base::log::error("store: {} control-path rows dropped ({} in total): {}", rows, before + rows, why);
}

bool ControlWriter::flushOnce() {
  std::lock_guard flushing(flushMu_);
  std::vector<store::ControlWrite> batch;
  {
    std::lock_guard lock(mu_);
    const size_t n = std::min(queue_.size(), options_.maxBatchRows);
    batch.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    inFlight_ = n;
  }
  if (batch.empty()) return true;

  auto result = log_.writeControlBatch(batch);
  // Indexes of the writes that were not committed (all of them when the whole batch failed).
  std::vector<size_t> failed;
  std::optional<base::Error> error;
  if (!result.ok()) {
    error = result.error();
    failed.resize(batch.size());
    for (size_t i = 0; i < batch.size(); ++i) failed[i] = i;
  } else {
    failed = result->failed;
    error = result->error;
  }

  std::array<bool, store::WriteHealth::kKinds> present{}, failedKind{};
  bool callbacksWritten = false;
  for (const auto& w : batch) {
    auto k = kindOf(w);
    if (k != store::StoreWrite::kCount) present[static_cast<size_t>(k)] = true;
  }
  for (size_t i : failed) {
    auto k = kindOf(batch[i]);
    if (k != store::StoreWrite::kCount) failedKind[static_cast<size_t>(k)] = true;
  }
  for (size_t k = 0; k < present.size(); ++k)
    if (present[k]) health_.record(static_cast<store::StoreWrite>(k), !failedKind[k]);
  if (failed.size() < batch.size())
    for (size_t i = 0, f = 0; i < batch.size(); ++i) {
      if (f < failed.size() && failed[f] == i) {
        ++f;
        continue;
      }
      if (std::holds_alternative<store::CallbackEnqueue>(batch[i])) callbacksWritten = true;
    }

  uint64_t failedBatches = 0;
  size_t backlogAfter = 0;
  const bool wasFailing = stats().failing;
  {
    std::lock_guard lock(mu_);
    // Failed writes go back to the front, in their order, ahead of anything queued meanwhile.
    for (auto it = failed.rbegin(); it != failed.rend(); ++it) queue_.push_front(std::move(batch[*it]));
    inFlight_ = 0;
    stats_.written += batch.size() - failed.size();
    stats_.failing = !failed.empty();
    if (!failed.empty()) {
      failedBatches = ++stats_.failedBatches;
      nextAttemptMs_ = clock_.steadyMs() + options_.retryIntervalMs;
    }
    stats_.backlog = backlogAfter = queue_.size();
  }
  if (callbacksWritten && onCallbacks_) onCallbacks_();
  if (!failed.empty()) {
    if (failedBatches == 1 || failedBatches % kLogEvery == 0 || !wasFailing)
      base::log::error("store: control-path writes failed ({} rows kept for a retry, attempt {}): {}", backlogAfter,
                       failedBatches, error ? error->message : "unknown error");
    return false;
  }
  if (wasFailing) base::log::info("store: control-path writes succeed again; {} rows still queued", backlogAfter);
  return true;
}

void ControlWriter::run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (queue_.empty()) {
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      continue;
    }
    if (stats_.failing) {
      const int64_t wait = nextAttemptMs_ - clock_.steadyMs();
      if (wait > 0) {
        wake_.wait_for(lock, std::chrono::milliseconds(wait), [this] { return stopping_; });
        continue;
      }
    }
    lock.unlock();
    flushOnce();
    lock.lock();
  }
}

}  // namespace atrium::app
