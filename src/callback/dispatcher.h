// CallbackDispatcher: turns room/media events into durable callback jobs and delivers them.
//
// publish() runs on the caller's thread and only writes the job (store::CallbackQueue) before
// anything is sent, so an event survives a crash or a receiver outage (R9 "never lost"). One
// worker thread sends due jobs in order of the queue, re-reading the app each time (its URL or key
// may have changed since the event), and completes, reschedules (RetryPolicy) or fails each job.
// Jobs a previous process left behind are picked up by the worker's regular poll.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "base/clock.h"
#include "base/result.h"
#include "callback/event.h"
#include "callback/http_poster.h"
#include "callback/retry_policy.h"
#include "store/store.h"

namespace atrium::callback {

inline constexpr const char* kErrUnknownEventType = "UNKNOWN_EVENT_TYPE";

struct DispatcherOptions {
  RetryPolicy retry;
  // Upper bound on the worker's sleep: how soon jobs written by another process (or left by a
  // previous one) are noticed without a wake().
  int64_t pollIntervalMs = 1000;
  size_t batchSize = 32;  // jobs fetched per queue read
};

struct DispatcherStats {
  uint64_t delivered = 0;       // receiver answered 200
  uint64_t failedAttempts = 0;  // any other answer, or no answer
  uint64_t gaveUp = 0;          // jobs failed because the retry window closed
  uint64_t discarded = 0;       // jobs failed because the app is gone, disabled or has no URL
};

// The job publish() queues for an event: its body as of nowMs and its room's order key. For a
// caller that writes the job itself (app::ControlWriter batches it with the room's other rows,
// off the control loop); that caller has already checked the app is active with a URL.
store::CallbackEnqueue callbackJob(const RoomEventInput& event, int64_t nowMs);

class CallbackDispatcher {
 public:
  // Borrows everything; all of it must outlive the dispatcher. clock.wallMs() is the time base of
  // the queue (it must mean the same thing after a restart, which steady time does not).
  CallbackDispatcher(store::AppRepository& apps, store::CallbackQueue& queue, HttpPoster& poster,
                     base::Clock& clock, DispatcherOptions options = {});
  ~CallbackDispatcher();
  CallbackDispatcher(const CallbackDispatcher&) = delete;
  CallbackDispatcher& operator=(const CallbackDispatcher&) = delete;

  // start() and stop() belong to the owner's thread; wake(), publish(), stats() to any thread.
  void start();  // starts the worker; no-op when running
  // Stops and joins the worker. Returns within about one second even while a slow receiver is
  // being posted to (HttpPoster::interrupt); a job cut short stays due and is sent after restart.
  void stop();
  void wake();   // thread-safe: a job was queued, look now

  // Queues the event for its app when the app is active and has a callback URL; otherwise does
  // nothing and returns Ok. Errors: the app or queue store failed, or an unknown event type.
  base::Status publish(const RoomEventInput& event);

  DispatcherStats stats() const;
  base::Result<size_t> pending();  // jobs waiting in the queue (all processes); reads the store
  // The queue depth the worker read last (it counts at most once a second), for a scrape that must
  // not read the store on the control loop; nullopt before the first count or after a failed one.
  std::optional<size_t> lastPending() const;

 private:
  struct Pass {
    bool storeError = false;       // back off instead of spinning on a failing store
    int64_t earliestNextMs = 0;    // 0: nothing rescheduled in this pass
    bool jobLeft = false;          // a job left the queue: the next of its room may be due now
  };

  void run();
  void deliver(const store::CallbackJob& job, Pass& pass);
  void afterFailure(const store::CallbackJob& job, const PostResult& result, Pass& pass);
  void failJob(const store::CallbackJob& job, const std::string& reason, Pass& pass);
  void sleepUntil(int64_t wallMs);

  store::AppRepository& apps_;
  store::CallbackQueue& queue_;
  HttpPoster& poster_;
  base::Clock& clock_;
  const DispatcherOptions options_;

  std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mutex_
  bool woken_ = false;     // guarded by mutex_
  bool workerDone_ = true; // guarded by mutex_
  std::atomic<bool> stopRequested_{false};  // read between jobs without the lock
  std::thread worker_;

  std::atomic<uint64_t> delivered_{0};
  std::atomic<uint64_t> failedAttempts_{0};
  std::atomic<uint64_t> gaveUp_{0};
  std::atomic<uint64_t> discarded_{0};
  std::atomic<int64_t> lastPending_{-1};  // -1: unknown
  int64_t lastCountMs_ = 0;               // worker thread only
};

}  // namespace atrium::callback
