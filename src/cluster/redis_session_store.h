// Sessions that outlive the process, in Redis (issue 10; docs/architecture.md "Shared state").
// The control loop calls save/remove/keepAlive/find, which only queue work; one thread of ours
// talks to Redis and posts lookups' answers back to the loop. When Redis is unreachable the work
// fails and is counted (sessions go on here; they are just not resumable elsewhere meanwhile),
// and the thread reconnects on the next command.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "base/warn_limiter.h"
#include "cluster/redis_client.h"
#include "signal/ports.h"

namespace atrium::cluster {

struct RedisSessionStoreOptions {
  RedisEndpoint endpoint;
  int64_t recordTtlMs = 50000;  // the session grace period plus two keep-alive intervals
  size_t maxQueued = 10000;     // work beyond this is dropped and counted
};

struct RedisSessionStoreStats {
  std::atomic<uint64_t> commandsOk{0};
  std::atomic<uint64_t> commandsFailed{0};
  std::atomic<uint64_t> dropped{0};       // queue full
  std::atomic<uint64_t> badRecords{0};    // a record that did not decode (refused, counted)
  std::atomic<bool> reachable{false};     // the last round trip succeeded
};

class RedisSessionStore final : public signal::SessionStore {
 public:
  using Post = std::function<void(std::function<void()>)>;
  // post: runs a closure on the control loop (lookups' answers go through it).
  RedisSessionStore(RedisSessionStoreOptions options, Post post);
  ~RedisSessionStore() override;

  void start();
  void stop();  // finishes queued work first, for at most a second

  void save(const signal::SharedSession& session) override;
  void remove(const std::string& publicId) override;
  void keepAlive(std::vector<std::string> publicIds) override;
  void find(const std::string& publicId, std::function<void(std::optional<signal::SharedSession>)> done) override;

  const RedisSessionStoreStats& stats() const { return stats_; }
  // This process's name in the records it owns (random per start).
  const std::string& owner() const { return owner_; }

 private:
  using Job = std::function<void(RedisClient&)>;
  bool enqueue(Job job);  // false: dropped (stopping, or the queue is full)
  void run();
  // Runs commands for a job; counts the outcome.
  base::Result<std::vector<RedisReply>> exec(RedisClient& client, const std::vector<RedisCommand>& commands);

  RedisSessionStoreOptions options_;
  Post post_;
  std::string owner_;
  RedisSessionStoreStats stats_;
  base::WarnLimiter warnings_{10'000, 1};  // touched only by the thread
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace atrium::cluster
