// TaskPool: a few threads for the API's slow actions (issue 10). A task's work runs on a pool
// thread, where it may wait on storage for as long as storage takes; its `done` is then posted to
// the control loop, which sends the reply. The loop itself never waits: that is the point.
//
// The queue is bounded: a flood of expensive requests (each DescribeSlaReport pages a month of
// entries) must not grow memory without limit or delay every later request by minutes, so once
// `maxQueued` tasks wait, run() refuses and the caller answers "busy" at once.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "api/api_service.h"

namespace atrium::app {

class TaskPool final : public api::Offload {
 public:
  // post: hands `done` to the control loop (web::ControlLoop::post); thread-safe.
  using Post = std::function<void(std::function<void()>)>;
  TaskPool(size_t threads, size_t maxQueued, Post post);
  ~TaskPool() override;  // stop()
  // Queued tasks that have not started are dropped (their `done` never runs); running ones finish
  // and their `done` is still posted. Call it before what the tasks use goes away (the API
  // service, the stores): atriumd does, once the loop has stopped.
  void stop();
  TaskPool(const TaskPool&) = delete;
  TaskPool& operator=(const TaskPool&) = delete;

  bool run(std::function<void()> work, std::function<void()> done) override;

  struct Stats {
    size_t queued = 0;
    size_t running = 0;
    uint64_t completed = 0;
    uint64_t refused = 0;  // queue full
  };
  Stats stats() const;

 private:
  struct Task {
    std::function<void()> work;
    std::function<void()> done;
  };
  void loop();

  Post post_;
  const size_t maxQueued_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Task> queue_;
  Stats stats_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace atrium::app
