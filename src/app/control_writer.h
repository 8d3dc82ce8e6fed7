// ControlWriter: the one batching writer behind what the control path writes (issue 10) — the
// entry log, room and user events, callback jobs of room activity, audit records of requests that
// change nothing, API-key last-use times. The control loop only appends to an in-memory backlog;
// one thread writes the backlog in order, each batch in one transaction
// (store::ControlWriteLog::writeControlBatch), so a slow disk, a CLI holding SQLite's write lock or
// a PostgreSQL round trip never stalls signaling, and a batch costs one commit instead of one per
// row.
//
// When storage fails (a full disk, a database that is down), the rows stay in the backlog and the
// writer retries every retryIntervalMs until storage returns; every failed attempt is reported to
// store::WriteHealth (so /readyz is red meanwhile). The backlog is bounded: a write that finds it
// full is dropped and counted (atrium_store_backlog_dropped_total). Writes that must not be lost
// (callback jobs) are protected by asking accepting() first: the caller refuses the request that
// would produce them instead (signaling answers OVERLOADED).
//
// A crash loses what is still in memory: at most one batch in normal operation, the whole backlog
// during an outage. That is the price of never waiting on storage; see docs/architecture.md.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "store/store.h"
#include "store/write_health.h"

namespace atrium::app {

struct ControlWriterOptions {
  size_t maxBacklogRows = 100'000;  // store.backlog_rows
  size_t maxBatchRows = 1000;       // per transaction
  int64_t retryIntervalMs = 1000;   // after a failed batch
};

class ControlWriter {
 public:
  ControlWriter(store::ControlWriteLog& log, store::WriteHealth& health, base::Clock& clock,
                ControlWriterOptions options = {});
  ~ControlWriter();  // stop()
  ControlWriter(const ControlWriter&) = delete;
  ControlWriter& operator=(const ControlWriter&) = delete;

  // Called on the writer thread after a batch holding callback jobs committed (wakes the
  // dispatcher). Set before start().
  void setOnCallbacksWritten(std::function<void()> fn) { onCallbacks_ = std::move(fn); }
  void start();
  // Joins the thread, then makes one more attempt to write what is queued; rows still left are
  // counted as dropped and logged.
  void stop();

  // Any thread; never waits on storage. All or nothing: when the backlog has no room for every
  // write, none is queued, they are counted as dropped, and the result is false.
  bool enqueue(std::vector<store::ControlWrite> writes);
  bool enqueue(store::ControlWrite write);

  // Whether `rows` more writes that must not be lost would be kept now: the latest batch did not
  // fail and the backlog has room for them.
  bool accepting(size_t rows) const;

  // Writes up to maxBatchRows of the backlog on the caller's thread (the writer thread calls it;
  // tests call it instead of starting the thread). Returns false when the attempt failed.
  bool flushOnce();

  struct Stats {
    uint64_t written = 0;        // rows committed
    uint64_t dropped = 0;        // rows refused because the backlog was full, or left at stop()
    uint64_t failedBatches = 0;  // attempts that failed (the rows stayed queued)
    size_t backlog = 0;          // rows not written yet: queued, and in the batch being written
    bool failing = false;        // the latest attempt failed
  };
  Stats stats() const;

 private:
  void run();
  void countDropped(size_t rows, const char* why);

  store::ControlWriteLog& log_;
  store::WriteHealth& health_;
  base::Clock& clock_;
  const ControlWriterOptions options_;
  std::function<void()> onCallbacks_;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::deque<store::ControlWrite> queue_;
  size_t inFlight_ = 0;  // rows of the batch being written (out of queue_, still in the backlog)
  Stats stats_;
  int64_t nextAttemptMs_ = 0;  // steady; after a failure
  bool stopping_ = false;
  std::mutex flushMu_;  // one flush at a time (the thread, or a test, or stop())
  std::thread thread_;
};

}  // namespace atrium::app
