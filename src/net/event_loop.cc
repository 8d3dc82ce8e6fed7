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

void EventLoop::addReadable(int fd, std::function<void()> onReadable) {
  auto handler = std::make_unique<std::function<void()>>(std::move(onReadable));
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = handler.get();
  ::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev);
  readers_.emplace_back(fd, std::move(handler));
}

void EventLoop::removeReadable(int fd) {
  ::epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr);
  std::erase_if(readers_, [fd](const auto& r) { return r.first == fd; });
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

void EventLoop::run() {
  threadId_ = currentThreadId();
  constexpr int kMaxEvents = 64;
  epoll_event events[kMaxEvents];
  while (!stopping_) {
    int64_t now = clock_.steadyMs();
    int64_t wait = 1000;
    for (const auto& t : timers_) wait = std::min(wait, std::max<int64_t>(0, t.nextMs - now));
    int n = ::epoll_wait(epoll_, events, kMaxEvents, static_cast<int>(wait));
    for (int i = 0; i < n; ++i) {
      if (events[i].data.ptr == nullptr) {
        uint64_t drained;
        (void)!::read(wake_, &drained, sizeof drained);
        continue;
      }
      (*static_cast<std::function<void()>*>(events[i].data.ptr))();
    }
    drainPosted();
    runTimers();
  }
  drainPosted();
}

}  // namespace atrium::net
