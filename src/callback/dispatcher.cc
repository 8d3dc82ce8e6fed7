#include "callback/dispatcher.h"

#include <algorithm>
#include <chrono>
#include <optional>

#include <fmt/format.h>

#include "base/log.h"

namespace atrium::callback {

namespace log = base::log;

CallbackDispatcher::CallbackDispatcher(store::AppRepository& apps, store::CallbackQueue& queue,
                                       HttpPoster& poster, base::Clock& clock,
                                       DispatcherOptions options)
    : apps_(apps), queue_(queue), poster_(poster), clock_(clock), options_(options) {}

CallbackDispatcher::~CallbackDispatcher() { stop(); }

void CallbackDispatcher::start() {
  std::lock_guard lock(mutex_);
  if (worker_.joinable()) return;
  stopping_ = false;
  woken_ = false;
  workerDone_ = false;
  stopRequested_ = false;
  worker_ = std::thread([this] { run(); });
}

void CallbackDispatcher::stop() {
  std::unique_lock lock(mutex_);
  if (!worker_.joinable()) return;
  stopping_ = true;
  stopRequested_ = true;
  cv_.notify_all();
  // Interrupt repeatedly: a single interrupt() could land just before the worker starts a post and
  // be missed, leaving shutdown to wait out the receiver's full timeout.
  while (!workerDone_) {
    lock.unlock();
    poster_.interrupt();
    lock.lock();
    cv_.wait_for(lock, std::chrono::milliseconds(50), [this] { return workerDone_; });
  }
  lock.unlock();
  worker_.join();
}

void CallbackDispatcher::wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  cv_.notify_all();
}

store::CallbackEnqueue callbackJob(const RoomEventInput& event, int64_t nowMs) {
  // One room's events are delivered in the order they happened, whatever retries they need.
  std::string room = event.strRoom.empty() ? "n:" + std::to_string(event.numericRoom) : "s:" + event.strRoom;
  return store::CallbackEnqueue{event.sdkAppId, buildCallbackBody(event, nowMs), nowMs,
                                std::to_string(event.sdkAppId) + "/" + room};
}

base::Status CallbackDispatcher::publish(const RoomEventInput& event) {
  if (!isKnownEventType(event.eventType)) {
    return base::makeError(kErrUnknownEventType, fmt::format("event type {}", event.eventType));
  }
  auto app = apps_.getApp(event.sdkAppId);
  if (!app.ok()) return app.error();
  const std::optional<store::App>& found = *app;
  if (!found || found->status != store::AppStatus::kActive || found->callbackUrl.empty()) {
    return base::Ok{};
  }
  // Written before any attempt to send: the queue, not the worker, is what makes it durable.
  auto job = callbackJob(event, clock_.wallMs());
  auto id = queue_.enqueueCallback(job.sdkAppId, std::move(job.body), job.nowMs, std::move(job.orderKey));
  if (!id.ok()) return id.error();
  wake();
  return base::Ok{};
}

DispatcherStats CallbackDispatcher::stats() const {
  return DispatcherStats{delivered_.load(), failedAttempts_.load(), gaveUp_.load(),
                         discarded_.load()};
}

base::Result<size_t> CallbackDispatcher::pending() { return queue_.pendingCallbacks(); }

std::optional<size_t> CallbackDispatcher::lastPending() const {
  const int64_t n = lastPending_.load(std::memory_order_relaxed);
  return n < 0 ? std::nullopt : std::optional<size_t>(static_cast<size_t>(n));
}

void CallbackDispatcher::run() {
  while (!stopRequested_) {
    Pass pass;
    auto due = queue_.dueCallbacks(clock_.wallMs(), options_.batchSize);
    if (!due.ok()) {
      log::warn("callback: reading the queue failed: {}", due.error().code);
      pass.storeError = true;
    } else {
      for (const auto& job : *due) {
        if (stopRequested_) break;
        deliver(job, pass);
      }
      // A full batch means more may be due right now, and so does a job that left the queue: a
      // room's next event waits only for it (one room's backlog drains at once, in order).
      if (!pass.storeError && (due->size() >= options_.batchSize || pass.jobLeft)) continue;
    }
    // The depth for /metrics, counted here so a scrape never reads the store on the control loop.
    if (const int64_t now = clock_.steadyMs(); now - lastCountMs_ >= 1000 || lastPending_.load() < 0) {
      lastCountMs_ = now;
      auto depth = queue_.pendingCallbacks();
      lastPending_.store(depth.ok() ? static_cast<int64_t>(*depth) : -1, std::memory_order_relaxed);
    }
    int64_t wakeAt = clock_.wallMs() + options_.pollIntervalMs;
    if (!pass.storeError && pass.earliestNextMs != 0) wakeAt = std::min(wakeAt, pass.earliestNextMs);
    sleepUntil(wakeAt);
  }
  {
    std::lock_guard lock(mutex_);
    workerDone_ = true;
  }
  cv_.notify_all();
}

void CallbackDispatcher::sleepUntil(int64_t wallMs) {
  std::unique_lock lock(mutex_);
  const int64_t waitMs = std::clamp<int64_t>(wallMs - clock_.wallMs(), 0, options_.pollIntervalMs);
  cv_.wait_for(lock, std::chrono::milliseconds(waitMs), [this] { return stopping_ || woken_; });
  woken_ = false;
}

void CallbackDispatcher::deliver(const store::CallbackJob& job, Pass& pass) {
  // Re-read every time: the owner may have changed the URL or rotated the key since the event.
  auto app = apps_.getApp(job.sdkAppId);
  if (!app.ok()) {
    log::warn("callback: app {} lookup failed: {}", job.sdkAppId, app.error().code);
    pass.storeError = true;
    return;
  }
  const std::optional<store::App>& found = *app;
  const char* discardReason = nullptr;
  if (!found || found->status == store::AppStatus::kDeleted) {
    discardReason = "app deleted";
  } else if (found->status == store::AppStatus::kDisabled) {
    discardReason = "app disabled";
  } else if (found->callbackUrl.empty()) {
    discardReason = "callback URL removed";
  }
  if (discardReason != nullptr) {
    discarded_.fetch_add(1);
    failJob(job, discardReason, pass);
    return;
  }

  Headers headers{{"Content-Type", "application/json"},
                  {"SdkAppId", std::to_string(job.sdkAppId)}};
  // The callback key is optional in TRTC; without one there is nothing to sign with.
  if (!found->callbackKey.empty()) headers.emplace_back("Sign", signBody(found->callbackKey, job.body));
  PostResult result = poster_.post(found->callbackUrl, headers, job.body, options_.retry.timeoutMs);

  if (result.httpStatus == 200) {
    delivered_.fetch_add(1);
    pass.jobLeft = true;
    if (auto done = queue_.completeCallback(job.id); !done.ok()) {
      // The receiver has it; if the store forgot, it may get it twice — better than never.
      log::warn("callback: job {} delivered but not marked done: {}", job.id, done.error().code);
      pass.storeError = true;
    }
    log::debug("callback: job {} delivered to app {} ({})", job.id, job.sdkAppId,
               urlOriginForLog(found->callbackUrl));
    return;
  }
  if (result.httpStatus == 0 && stopRequested_) return;  // cut short by stop(): stays due
  afterFailure(job, result, pass);
}

void CallbackDispatcher::afterFailure(const store::CallbackJob& job, const PostResult& result,
                                      Pass& pass) {
  failedAttempts_.fetch_add(1);
  const int attempts = job.attempts + 1;
  const std::string what =
      result.httpStatus != 0 ? fmt::format("HTTP {}", result.httpStatus) : result.error;
  const std::optional<int64_t> next =
      nextAttemptAfterFailure(options_.retry, job.createdAtMs, attempts, clock_.wallMs());
  if (!next) {
    gaveUp_.fetch_add(1);
    failJob(job, fmt::format("gave up after {} attempts, last: {}", attempts, what), pass);
    return;
  }
  log::debug("callback: job {} of app {} attempt {} failed ({}), retry at {}", job.id,
             job.sdkAppId, attempts, what, *next);
  if (auto s = queue_.rescheduleCallback(job.id, attempts, *next); !s.ok()) {
    log::warn("callback: rescheduling job {} failed: {}", job.id, s.error().code);
    pass.storeError = true;
    return;
  }
  if (pass.earliestNextMs == 0 || *next < pass.earliestNextMs) pass.earliestNextMs = *next;
}

void CallbackDispatcher::failJob(const store::CallbackJob& job, const std::string& reason,
                                 Pass& pass) {
  log::warn("callback: job {} of app {} failed: {}", job.id, job.sdkAppId, reason);
  pass.jobLeft = true;
  if (auto s = queue_.failCallback(job.id, reason, clock_.wallMs()); !s.ok()) {
    log::warn("callback: marking job {} failed did not stick: {}", job.id, s.error().code);
    pass.storeError = true;
  }
}

}  // namespace atrium::callback
