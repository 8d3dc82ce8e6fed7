// Store over SQL, durable callback queue (R9): a callback is a row before it is sent and stays one
// until completeCallback (HTTP 200) or failCallback (moved to callback_failures).
#include <string>

#include "store/sql_store_impl.h"

namespace atrium::store {
namespace {

constexpr size_t kMaxFailureReasonBytes = 1024;

std::string jobName(int64_t id) { return "queued callback " + std::to_string(id); }

}  // namespace

base::Status SqlStore::prepareCallbackStatements() {
  const std::pair<Statement*, std::string> all[] = {
      {&cb_.enqueue,
       "INSERT INTO callback_queue (sdk_app_id, body, created_at_ms, next_attempt_at_ms, attempts, order_key) "
       "VALUES (?, ?, ?, ?, 0, ?) RETURNING id"},
      // By id: SQLite gives a new row an id above every existing one and a PostgreSQL identity only
      // grows, so with the one dispatcher per database id order is enqueue order.
      // A job waits while an earlier one of its order key (its room) is pending, due or not.
      {&cb_.due,
       "SELECT id, sdk_app_id, body, created_at_ms, next_attempt_at_ms, attempts FROM callback_queue q "
       "WHERE next_attempt_at_ms <= ? AND (order_key = '' OR NOT EXISTS ("
       "SELECT 1 FROM callback_queue e WHERE e.order_key = q.order_key AND e.id < q.id)) ORDER BY id LIMIT ?"},
      {&cb_.complete, "DELETE FROM callback_queue WHERE id = ?"},
      {&cb_.reschedule, "UPDATE callback_queue SET attempts = ?, next_attempt_at_ms = ? WHERE id = ?"},
      {&cb_.copyToFailures,
       "INSERT INTO callback_failures (queue_id, sdk_app_id, body, created_at_ms, attempts, failed_at_ms, reason) "
       "SELECT id, sdk_app_id, body, created_at_ms, attempts, CAST(? AS BIGINT), CAST(? AS TEXT) FROM callback_queue WHERE id = ?"},
      {&cb_.pending, "SELECT COUNT(*) FROM callback_queue"},
      {&cb_.failed, "SELECT COUNT(*) FROM callback_failures"},
      {&cb_.failedOfApp, "SELECT COUNT(*) FROM callback_failures WHERE sdk_app_id = ?"},
      {&cb_.listFailed,
       "SELECT id, sdk_app_id, body, created_at_ms, attempts, failed_at_ms, reason FROM callback_failures "
       "ORDER BY failed_at_ms DESC, id DESC LIMIT ?"},
      {&cb_.listFailedOfApp,
       "SELECT id, sdk_app_id, body, created_at_ms, attempts, failed_at_ms, reason FROM callback_failures "
       "WHERE sdk_app_id = ? ORDER BY failed_at_ms DESC, id DESC LIMIT ?"},
      // A resent job orders nothing (order key ''): the room's later events went out long ago.
      {&cb_.requeueFailure,
       "INSERT INTO callback_queue (sdk_app_id, body, created_at_ms, next_attempt_at_ms, attempts, order_key) "
       "SELECT sdk_app_id, body, CAST(? AS BIGINT), CAST(? AS BIGINT), 0, '' FROM callback_failures WHERE id = ? "
       "RETURNING id"},
      {&cb_.deleteFailure, "DELETE FROM callback_failures WHERE id = ?"},
  };
  return prepareAll(*db_, all);
}

base::Result<int64_t> SqlStore::enqueueCallback(uint32_t sdkAppId, std::string body, int64_t nowMs, std::string orderKey) {
  if (body.empty()) return base::makeError(kErrInvalidArgument, "a callback needs a body");
  std::lock_guard lock(mu_);
  Query q(cb_.enqueue);
  q.bind(int64_t{sdkAppId}).bind(body).bind(nowMs).bind(nowMs).bind(orderKey);
  return q.insertReturningId();
}

base::Result<std::vector<CallbackJob>> SqlStore::dueCallbacks(int64_t nowMs, size_t limit) {
  std::lock_guard lock(mu_);
  Query q(cb_.due);
  q.bind(nowMs).bind(clampToInt64(limit));
  std::vector<CallbackJob> jobs;
  for (;;) {
    auto row = q.step();
    if (!row) return row.error();
    if (!*row) return jobs;
    jobs.push_back(CallbackJob{q.int64(0), static_cast<uint32_t>(q.int64(1)), q.text(2), q.int64(3), q.int64(4),
                               static_cast<int>(q.int64(5))});
  }
}

base::Status SqlStore::completeCallback(int64_t id) {
  std::lock_guard lock(mu_);
  Query q(cb_.complete);
  q.bind(id);
  return changeOne(q, jobName(id));
}

base::Status SqlStore::rescheduleCallback(int64_t id, int attempts, int64_t nextAttemptAtMs) {
  std::lock_guard lock(mu_);
  Query q(cb_.reschedule);
  q.bind(int64_t{attempts}).bind(nextAttemptAtMs).bind(id);
  return changeOne(q, jobName(id));
}

base::Status SqlStore::failCallback(int64_t id, std::string reason, int64_t nowMs) {
  std::lock_guard lock(mu_);
  Transaction tx(*db_);  // copy and delete together: the job is in exactly one of the two tables
  if (auto s = tx.begin(); !s) return s;
  {
    Query q(cb_.copyToFailures);
    q.bind(nowMs).bind(clipUtf8(reason, kMaxFailureReasonBytes)).bind(id);
    if (auto s = changeOne(q, jobName(id)); !s) return s;
  }
  {
    Query q(cb_.complete);
    q.bind(id);
    if (auto s = changeOne(q, jobName(id)); !s) return s;
  }
  return tx.commit();
}

base::Result<size_t> SqlStore::pendingCallbacks() {
  std::lock_guard lock(mu_);
  Query q(cb_.pending);
  auto row = q.step();
  if (!row) return row.error();
  return static_cast<size_t>(*row ? q.int64(0) : 0);
}

base::Result<size_t> SqlStore::failedCallbacks(std::optional<uint32_t> sdkAppId) {
  std::lock_guard lock(mu_);
  Query q(sdkAppId ? cb_.failedOfApp : cb_.failed);
  if (sdkAppId) q.bind(int64_t{*sdkAppId});
  auto row = q.step();
  if (!row) return row.error();
  return static_cast<size_t>(*row ? q.int64(0) : 0);
}

base::Result<std::vector<FailedCallback>> SqlStore::listFailedCallbacks(std::optional<uint32_t> sdkAppId, size_t limit) {
  std::lock_guard lock(mu_);
  Query q(sdkAppId ? cb_.listFailedOfApp : cb_.listFailed);
  if (sdkAppId) q.bind(int64_t{*sdkAppId});
  q.bind(clampToInt64(limit));
  std::vector<FailedCallback> out;
  for (;;) {
    auto row = q.step();
    if (!row) return row.error();
    if (!*row) return out;
    out.push_back(FailedCallback{q.int64(0), static_cast<uint32_t>(q.int64(1)), q.text(2), q.int64(3),
                                 static_cast<int>(q.int64(4)), q.int64(5), q.text(6)});
  }
}

base::Result<int64_t> SqlStore::resendFailedCallback(int64_t failureId, int64_t nowMs) {
  std::lock_guard lock(mu_);
  Transaction tx(*db_);  // the job is in exactly one of the two tables
  if (auto s = tx.begin(); !s) return s.error();
  int64_t jobId = 0;
  {
    Query q(cb_.requeueFailure);
    q.bind(nowMs).bind(nowMs).bind(failureId);
    auto row = q.step();
    if (!row) return row.error();
    if (!*row) return base::makeError(kErrRecordNotFound, "no given-up callback " + std::to_string(failureId));
    jobId = q.int64(0);
    if (auto done = q.step(); !done) return done.error();  // completes the INSERT (a full disk fails here)
  }
  {
    Query q(cb_.deleteFailure);
    q.bind(failureId);
    if (auto s = changeOne(q, "given-up callback " + std::to_string(failureId)); !s) return s.error();
  }
  if (auto s = tx.commit(); !s) return s.error();
  return jobId;
}

}  // namespace atrium::store
