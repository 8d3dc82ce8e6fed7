#include "app/task_pool.h"

#include <algorithm>

namespace atrium::app {

TaskPool::TaskPool(size_t threads, size_t maxQueued, Post post) : post_(std::move(post)), maxQueued_(maxQueued) {
  for (size_t i = 0; i < std::max<size_t>(threads, 1); ++i) threads_.emplace_back([this] { loop(); });
}

TaskPool::~TaskPool() { stop(); }

void TaskPool::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    queue_.clear();
  }
  wake_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
}

bool TaskPool::run(std::function<void()> work, std::function<void()> done) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || queue_.size() >= maxQueued_) {
      ++stats_.refused;
      return false;
    }
    queue_.push_back(Task{std::move(work), std::move(done)});
    stats_.queued = queue_.size();
  }
  wake_.notify_one();
  return true;
}

TaskPool::Stats TaskPool::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void TaskPool::loop() {
  for (;;) {
    Task task;
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      task = std::move(queue_.front());
      queue_.pop_front();
      stats_.queued = queue_.size();
      ++stats_.running;
    }
    task.work();
    post_(std::move(task.done));
    std::lock_guard lock(mu_);
    --stats_.running;
    ++stats_.completed;
  }
}

}  // namespace atrium::app
