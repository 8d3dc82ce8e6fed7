#include "net/event_loop.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <thread>

namespace atrium::net {
namespace {

uint64_t currentThreadId() { return std::hash<std::thread::id>{}(std::this_thread::get_id()); }

}  // namespace

EventLoop::EventLoop(base::Clock& clock) : clock_(clock) {
  epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
  wake_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = nullptr;  // nullptr marks the wake-up fd
  ::epoll_ctl(epoll_, EPOLL_CTL_ADD, wake_, &ev);
}

EventLoop::~EventLoop() {
  if (wake_ >= 0) ::close(wake_);
  if (epoll_ >= 0) ::close(epoll_);
}

void EventLoop::add(int fd, std::function<void(uint32_t)> fn) {
  auto handler = std::make_unique<Handler>(Handler{fd, true, false, std::move(fn)});
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = handler.get();
  ::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev);
  handlers_.push_back(std::move(handler));
}

void EventLoop::addReadable(int fd, std::function<void()> onReadable) {
  add(fd, [fn = std::move(onReadable)](uint32_t) { fn(); });
}

void EventLoop::watch(int fd, std::function<void(uint32_t events)> onEvent) { add(fd, std::move(onEvent)); }

EventLoop::Handler* EventLoop::find(int fd) {
  for (auto& h : handlers_)
    if (h->fd == fd) return h.get();
  return nullptr;
}

void EventLoop::setWritable(int fd, bool wantWritable) {
  Handler* h = find(fd);
  if (h == nullptr || h->writable == wantWritable) return;
  h->writable = wantWritable;
  epoll_event ev{};
  ev.events = EPOLLIN | (wantWritable ? EPOLLOUT : 0u);
  ev.data.ptr = h;
  ::epoll_ctl(epoll_, EPOLL_CTL_MOD, fd, &ev);
}

void EventLoop::remove(int fd) {
  ::epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr);
  for (auto it = handlers_.begin(); it != handlers_.end(); ++it) {
    if ((*it)->fd != fd) continue;
    (*it)->alive = false;
    removed_.push_back(std::move(*it));
    handlers_.erase(it);
    return;
  }
}

void EventLoop::every(int64_t periodMs, std::function<void()> fn) {
  timers_.push_back({periodMs, clock_.steadyMs() + periodMs, std::move(fn)});
}

void EventLoop::post(std::function<void()> fn) {
  {
    std::lock_guard lock(mutex_);
    posted_.push_back(std::move(fn));
  }
  uint64_t one = 1;
  (void)!::write(wake_, &one, sizeof one);
}

void EventLoop::stop() {
  stopping_ = true;
  uint64_t one = 1;
  (void)!::write(wake_, &one, sizeof one);
}

bool EventLoop::inLoopThread() const { return threadId_.load() == currentThreadId(); }

void EventLoop::drainPosted() {
  std::vector<std::function<void()>> work;
  {
    std::lock_guard lock(mutex_);
    work.swap(posted_);
  }
  for (auto& fn : work) fn();
}

void EventLoop::runTimers() {
  int64_t now = clock_.steadyMs();
  for (auto& t : timers_) {
    if (now < t.nextMs) continue;
    t.fn();
    t.nextMs = std::max(t.nextMs + t.periodMs, now + 1);
  }
}

void EventLoop::runOnce(int64_t maxWaitMs) {
  constexpr int kMaxEvents = 64;
  epoll_event events[kMaxEvents];
  int64_t now = clock_.steadyMs();
  int64_t wait = maxWaitMs;
  for (const auto& t : timers_) wait = std::min(wait, std::max<int64_t>(0, t.nextMs - now));
  int n = ::epoll_wait(epoll_, events, kMaxEvents, static_cast<int>(wait));
  for (int i = 0; i < n; ++i) {
    if (events[i].data.ptr == nullptr) {
      uint64_t drained;
      (void)!::read(wake_, &drained, sizeof drained);
      continue;
    }
    auto* h = static_cast<Handler*>(events[i].data.ptr);
    if (h->alive) h->fn(events[i].events);
  }
  removed_.clear();
  drainPosted();
  runTimers();
}

void EventLoop::run() {
  threadId_ = currentThreadId();
  while (!stopping_) runOnce(1000);
  drainPosted();
}

}  // namespace atrium::net
