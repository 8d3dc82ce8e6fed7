#include "cluster/redis_session_store.h"

#include <chrono>
#include <memory>

#include "base/log.h"
#include "base/warn_limiter.h"
#include "cluster/shared_session_codec.h"
#include "crypto/crypto.h"

namespace atrium::cluster {
namespace {

// Only the owner may extend or delete a record: a process that lost a session to another (which
// took it over) must not expire or delete the new owner's record.
constexpr const char* kIfOwnerDelete =
    "if redis.call('HGET', KEYS[1], 'owner') == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";
constexpr const char* kIfOwnerExpire =
    "if redis.call('HGET', KEYS[1], 'owner') == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0";

constexpr size_t kKeepAliveBatch = 1000;

}  // namespace

RedisSessionStore::RedisSessionStore(RedisSessionStoreOptions options, Post post)
    : options_(std::move(options)), post_(std::move(post)), owner_(crypto::randomHex(8)) {}

RedisSessionStore::~RedisSessionStore() { stop(); }

void RedisSessionStore::start() {
  thread_ = std::thread([this] { run(); });
}

void RedisSessionStore::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool RedisSessionStore::enqueue(Job job) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || queue_.size() >= options_.maxQueued) {
      ++stats_.dropped;
      return false;
    }
    queue_.push_back(std::move(job));
  }
  cv_.notify_one();
  return true;
}

void RedisSessionStore::run() {
  RedisClient client(options_.endpoint);
  auto deadline = std::chrono::steady_clock::time_point::max();
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) {
        // Finish what is queued (a graceful stop keeps its sessions resumable), but not forever.
        if (deadline == std::chrono::steady_clock::time_point::max())
          deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
        if (queue_.empty() || std::chrono::steady_clock::now() > deadline) return;
      }
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    job(client);
  }
}

base::Result<std::vector<RedisReply>> RedisSessionStore::exec(RedisClient& client, const std::vector<RedisCommand>& commands) {
  auto replies = client.pipeline(commands);
  stats_.reachable = replies.ok() || client.connected();
  if (replies.ok()) {
    ++stats_.commandsOk;
  } else {
    ++stats_.commandsFailed;
    auto nowMs = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
    if (auto suppressed = warnings_.allow("redis", nowMs))
      base::log::warn("shared session store: {} ({} more failures since the last warning)", replies.error().message, *suppressed);
  }
  return replies;
}

void RedisSessionStore::save(const signal::SharedSession& session) {
  RedisCommand hset{"HSET", sessionKey(session.publicId)};
  for (auto& [field, value] : sharedSessionFields(session, owner_)) {
    hset.push_back(std::move(field));
    hset.push_back(std::move(value));
  }
  std::string ttl = std::to_string(options_.recordTtlMs);
  enqueue([this, hset = std::move(hset), ttl](RedisClient& client) {
    // One transaction: a record never exists without its expiry.
    (void)exec(client, {{"MULTI"}, hset, {"PEXPIRE", hset[1], ttl}, {"EXEC"}});
  });
}

void RedisSessionStore::remove(const std::string& publicId) {
  enqueue([this, key = sessionKey(publicId)](RedisClient& client) {
    (void)exec(client, {{"EVAL", kIfOwnerDelete, "1", key, owner_}});
  });
}

void RedisSessionStore::keepAlive(std::vector<std::string> publicIds) {
  std::string ttl = std::to_string(options_.recordTtlMs);
  enqueue([this, ids = std::move(publicIds), ttl](RedisClient& client) {
    std::vector<RedisCommand> batch;
    for (size_t i = 0; i < ids.size(); ++i) {
      batch.push_back({"EVAL", kIfOwnerExpire, "1", sessionKey(ids[i]), owner_, ttl});
      if (batch.size() == kKeepAliveBatch || i + 1 == ids.size()) {
        (void)exec(client, batch);
        batch.clear();
      }
    }
  });
}

void RedisSessionStore::find(const std::string& publicId, std::function<void(std::optional<signal::SharedSession>)> done) {
  // A lookup always gets its answer: a client waits for it.
  auto answer = std::make_shared<std::function<void(std::optional<signal::SharedSession>)>>(std::move(done));
  bool queued = enqueue([this, publicId, answer](RedisClient& client) {
    std::optional<signal::SharedSession> found;
    auto replies = exec(client, {{"HGETALL", sessionKey(publicId)}});
    if (replies.ok() && !replies->front().elements.empty()) {
      std::map<std::string, std::string> fields;
      const auto& e = replies->front().elements;
      for (size_t i = 0; i + 1 < e.size(); i += 2) fields[e[i].str] = e[i + 1].str;
      auto decoded = decodeSharedSession(publicId, fields);
      if (decoded.ok()) {
        found = std::move(decoded->session);
      } else {
        ++stats_.badRecords;
        base::log::warn("shared session record refused: {}", decoded.error().message);
      }
    }
    post_([answer, found = std::move(found)]() mutable { (*answer)(std::move(found)); });
  });
  if (!queued) post_([answer] { (*answer)(std::nullopt); });
}

}  // namespace atrium::cluster
