// EventLoop: the single-threaded loop of a media worker (epoll). It owns nothing but the
// registrations; sockets stay with their owners. Cross-thread work arrives through post(), the
// only method that takes a lock — once per command, never per packet.
//
// A handler may remove its own registration (or another fd's) while the loop dispatches: a TCP
// connection closes from inside its read handler, and a later event of the same epoll batch may
// still point at a removed handler. Removed handlers are therefore only marked dead and freed
// after the batch, so no event ever calls into freed memory.
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
  void removeReadable(int fd) { remove(fd); }
  // Loop thread only: calls onEvent(events) with the epoll bits (EPOLLIN, EPOLLOUT, EPOLLHUP,
  // EPOLLERR) for readability and, while setWritable(fd, true), writability. For sockets that
  // must wait for room in their send buffer (TCP).
  void watch(int fd, std::function<void(uint32_t events)> onEvent);
  void setWritable(int fd, bool wantWritable);
  // Either kind of registration.
  void remove(int fd);
  // Loop thread only (or before run()): calls fn every periodMs (first call after periodMs).
  void every(int64_t periodMs, std::function<void()> fn);

  // Any thread.
  void post(std::function<void()> fn);
  void stop();
  // Runs until stop(); returns after draining posted work.
  void run();
  // One round of run(): waits up to maxWaitMs for events (less when a timer is due), dispatches
  // them, then posted work and due timers. For tests that drive the loop step by step.
  void runOnce(int64_t maxWaitMs);
  bool inLoopThread() const;

 private:
  void drainPosted();
  void runTimers();

  struct Handler {
    int fd;
    bool alive = true;
    bool writable = false;
    std::function<void(uint32_t)> fn;
  };
  Handler* find(int fd);
  void add(int fd, std::function<void(uint32_t)> fn);

  struct Timer {
    int64_t periodMs;
    int64_t nextMs;
    std::function<void()> fn;
  };
  base::Clock& clock_;
  int epoll_ = -1;
  int wake_ = -1;  // eventfd
  std::vector<std::unique_ptr<Handler>> handlers_;
  std::vector<std::unique_ptr<Handler>> removed_;  // freed after the current epoll batch
  std::vector<Timer> timers_;
  std::mutex mutex_;
  std::vector<std::function<void()>> posted_;  // guarded by mutex_
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> threadId_{0};
};

}  // namespace atrium::net
