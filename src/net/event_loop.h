// EventLoop: the single-threaded loop of a media worker (epoll). It owns nothing but the
// registrations; sockets stay with their owners. Cross-thread work arrives through post(), the
// only method that takes a lock — once per command, never per packet.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "base/clock.h"

namespace atrium::net {

class EventLoop {
 public:
  explicit EventLoop(base::Clock& clock = base::SystemClock::instance());
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Loop thread only (or before run()): calls onReadable whenever fd is readable.
  void addReadable(int fd, std::function<void()> onReadable);
  void removeReadable(int fd);
  // Loop thread only (or before run()): calls fn every periodMs (first call after periodMs).
  void every(int64_t periodMs, std::function<void()> fn);

  // Any thread.
  void post(std::function<void()> fn);
  void stop();
  // Runs until stop(); returns after draining posted work.
  void run();
  bool inLoopThread() const;

 private:
  void drainPosted();
  void runTimers();

  struct Timer {
    int64_t periodMs;
    int64_t nextMs;
    std::function<void()> fn;
  };
  base::Clock& clock_;
  int epoll_ = -1;
  int wake_ = -1;  // eventfd
  std::vector<std::pair<int, std::unique_ptr<std::function<void()>>>> readers_;
  std::vector<Timer> timers_;
  std::mutex mutex_;
  std::vector<std::function<void()>> posted_;  // guarded by mutex_
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> threadId_{0};
};

}  // namespace atrium::net
