// Test doubles for the dispatcher: in-memory app repository and callback queue, a scripted
// poster, and a deadline-bounded wait. Header-only, used by dispatcher_test.cc only.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "callback/http_poster.h"
#include "store/store.h"

namespace atrium::callback::fakes {

using namespace std::chrono_literals;

inline constexpr uint32_t kApp = 1400000001;

// Polls a condition until it holds or the deadline passes: no test can hang.
inline bool waitFor(const std::function<bool()>& condition, std::chrono::milliseconds limit = 5s) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

class FakeApps : public store::AppRepository {
 public:
  void put(store::App app) {
    std::lock_guard lock(mutex_);
    apps_[app.sdkAppId] = std::move(app);
  }
  void edit(const std::function<void(store::App&)>& change) {
    std::lock_guard lock(mutex_);
    change(apps_.at(kApp));
  }
  void setFailing(bool failing) {
    std::lock_guard lock(mutex_);
    failing_ = failing;
  }
  base::Result<std::optional<store::App>> getApp(uint32_t id) override {
    std::lock_guard lock(mutex_);
    if (failing_) return base::makeError("STORE_IO", "disk on fire");
    auto it = apps_.find(id);
    if (it == apps_.end()) return std::optional<store::App>{};
    return std::optional<store::App>{it->second};
  }
  base::Result<store::App> createApp(const store::App&) override { return unused(); }
  base::Result<std::vector<store::App>> listApps(bool) override { return unused(); }
  base::Result<store::App> updateApp(const store::App&) override { return unused(); }
  base::Result<std::string> rotateSecretKey(uint32_t) override { return unused(); }
  base::Status setStatus(uint32_t, store::AppStatus) override { return unused(); }
  base::Status deleteApp(uint32_t) override { return unused(); }

 private:
  static base::Error unused() { return base::makeError("UNUSED", "not used by the dispatcher"); }
  std::mutex mutex_;
  std::map<uint32_t, store::App> apps_;
  bool failing_ = false;
};

// In-memory CallbackQueue with the SQLite one's ordering: due jobs oldest-enqueued first.
class FakeQueue : public store::CallbackQueue {
 public:
  struct Failure { int64_t id; std::string reason; };

  using store::CallbackQueue::enqueueCallback;
  base::Result<int64_t> enqueueCallback(uint32_t sdkAppId, std::string body, int64_t nowMs, std::string orderKey) override {
    std::lock_guard lock(mutex_);
    if (failing_) return base::makeError("STORE_IO", "disk on fire");
    int64_t id = nextId_++;
    jobs_[id] = store::CallbackJob{id, sdkAppId, std::move(body), nowMs, nowMs, 0};
    orderKeys_[id] = std::move(orderKey);
    return id;
  }
  base::Result<std::vector<store::CallbackJob>> dueCallbacks(int64_t nowMs, size_t limit) override {
    std::lock_guard lock(mutex_);
    std::vector<store::CallbackJob> due;
    std::set<std::string> waiting;  // order keys with an earlier pending job
    for (const auto& [id, job] : jobs_) {
      const std::string& key = orderKeys_[id];
      const bool blocked = !key.empty() && !waiting.insert(key).second;
      if (!blocked && due.size() < limit && job.nextAttemptAtMs <= nowMs) due.push_back(job);
    }
    return due;
  }
  base::Status completeCallback(int64_t id) override {
    std::lock_guard lock(mutex_);
    if (jobs_.erase(id) == 0) return base::makeError("RECORD_NOT_FOUND", "no job");
    completed_.push_back(id);
    return base::Ok{};
  }
  base::Status rescheduleCallback(int64_t id, int attempts, int64_t nextAttemptAtMs) override {
    std::lock_guard lock(mutex_);
    auto it = jobs_.find(id);
    if (it == jobs_.end()) return base::makeError("RECORD_NOT_FOUND", "no job");
    it->second.attempts = attempts;
    it->second.nextAttemptAtMs = nextAttemptAtMs;
    return base::Ok{};
  }
  base::Status failCallback(int64_t id, std::string reason, int64_t) override {
    std::lock_guard lock(mutex_);
    if (jobs_.erase(id) == 0) return base::makeError("RECORD_NOT_FOUND", "no job");
    failed_.push_back({id, std::move(reason)});
    return base::Ok{};
  }
  base::Result<size_t> pendingCallbacks() override {
    std::lock_guard lock(mutex_);
    return jobs_.size();
  }
  base::Result<size_t> failedCallbacks(std::optional<uint32_t>) override {
    std::lock_guard lock(mutex_);
    return failed_.size();
  }
  // The dispatcher never lists or resends (the CLI does, on the real store).
  base::Result<std::vector<store::FailedCallback>> listFailedCallbacks(std::optional<uint32_t>, size_t) override {
    return std::vector<store::FailedCallback>{};
  }
  base::Result<int64_t> resendFailedCallback(int64_t, int64_t) override {
    return base::makeError("UNSUPPORTED", "not in the dispatcher's fake");
  }

  // Test-side views.
  void insert(store::CallbackJob job) {
    std::lock_guard lock(mutex_);
    nextId_ = std::max(nextId_, job.id + 1);
    jobs_[job.id] = std::move(job);
  }
  std::vector<store::CallbackJob> jobs() {
    std::lock_guard lock(mutex_);
    std::vector<store::CallbackJob> out;
    for (const auto& [id, job] : jobs_) out.push_back(job);
    return out;
  }
  std::vector<int64_t> completed() {
    std::lock_guard lock(mutex_);
    return completed_;
  }
  std::vector<Failure> failed() {
    std::lock_guard lock(mutex_);
    return failed_;
  }
  void setFailing(bool failing) {
    std::lock_guard lock(mutex_);
    failing_ = failing;
  }

 private:
  std::mutex mutex_;
  std::map<int64_t, store::CallbackJob> jobs_;
  std::map<int64_t, std::string> orderKeys_;
  std::vector<int64_t> completed_;
  std::vector<Failure> failed_;
  int64_t nextId_ = 1;
  bool failing_ = false;
};

// Records every POST and answers with a scripted function of the attempt number (0-based).
class FakePoster : public HttpPoster {
 public:
  struct Request { std::string url; Headers headers; std::string body; int64_t timeoutMs; };

  explicit FakePoster(std::function<PostResult(size_t)> answer = [](size_t) { return PostResult{200, {}}; })
      : answer_(std::move(answer)) {}
  PostResult post(const std::string& url, const Headers& headers, const std::string& body,
                  int64_t timeoutMs) override {
    size_t n;
    {
      std::lock_guard lock(mutex_);
      n = requests_.size();
      requests_.push_back({url, headers, body, timeoutMs});
    }
    return answer_(n);
  }
  void interrupt() override { interrupts_.fetch_add(1); }
  std::vector<Request> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  size_t count() { return requests().size(); }
  std::atomic<int> interrupts_{0};

 private:
  std::function<PostResult(size_t)> answer_;
  std::mutex mutex_;
  std::vector<Request> requests_;
};

}  // namespace atrium::callback::fakes
