// Store over SQL, the settings version (issue 10): what lets every process cache apps and API keys
// and still see a change made by any other within one poll.
#include <chrono>
#include <thread>

#include "store/sql_store_impl.h"

namespace atrium::store {
namespace {

// The current version as a scalar subquery, for stamping rows inside the bumping transaction.
constexpr const char* kCurrentVersion = "(SELECT value FROM change_counters WHERE name = 'settings')";

}  // namespace

base::Status SqlStore::prepareSettingsStatements() {
  const std::string apps = kSelectAppSql, keys = kSelectKeysSql, current = kCurrentVersion;
  const std::pair<Statement*, std::string> all[] = {
      {&set_.version, "SELECT value FROM change_counters WHERE name = 'settings'"},
      // Writers queue on this row until they commit: versions come out in commit order.
      {&set_.bump, "UPDATE change_counters SET value = value + 1 WHERE name = 'settings'"},
      {&set_.stampApp, "UPDATE apps SET change_seq = " + current + " WHERE sdk_app_id = ?"},
      {&set_.stampKey, "UPDATE api_keys SET change_seq = " + current + " WHERE secret_id = ?"},
      {&set_.stampAllKeys, "UPDATE api_keys SET change_seq = " + current},
      {&set_.appsSince, apps + "WHERE change_seq > ? ORDER BY sdk_app_id"},
      {&set_.keysSince, keys + "WHERE k.change_seq > ? ORDER BY k.secret_id, a.sdk_app_id"},
      {&set_.appIds, "SELECT sdk_app_id FROM apps"},
      {&set_.keyIds, "SELECT secret_id FROM api_keys"},
  };
  return prepareAll(*db_, all);
}

base::Result<int64_t> SqlStore::bumpSettingsLocked() {
  {
    Query q(set_.bump);
    if (auto s = q.run(); !s) return s.error();
    if (db_->changes() != 1) return base::makeError(kErrIo, "the settings version row is missing");
  }
  Query q(set_.version);
  auto row = q.step();
  if (!row) return row.error();
  if (!*row) return base::makeError(kErrIo, "the settings version row is missing");
  return q.int64(0);
}

base::Status SqlStore::appChangedLocked(uint32_t sdkAppId) {
  if (auto v = bumpSettingsLocked(); !v) return v.error();
  Query q(set_.stampApp);
  return q.bind(int64_t{sdkAppId}).run();
}

base::Status SqlStore::apiKeyChangedLocked(std::string_view secretId) {
  if (auto v = bumpSettingsLocked(); !v) return v.error();
  Query q(set_.stampKey);
  return q.bind(secretId).run();
}

base::Result<int64_t> SqlStore::settingsVersion() {
  std::lock_guard lock(mu_);
  Query q(set_.version);
  auto row = q.step();
  if (!row) return row.error();
  if (!*row) return base::makeError(kErrIo, "the settings version row is missing");
  return q.int64(0);
}

base::Result<SettingsChanges> SqlStore::settingsChangedSince(int64_t since) {
  std::lock_guard lock(mu_);
  Transaction tx(*db_, TxKind::kRead);
  if (auto s = tx.begin(); !s) return s.error();
  SettingsChanges out;
  {
    Query q(set_.version);
    auto row = q.step();
    if (!row) return row.error();
    if (!*row) return base::makeError(kErrIo, "the settings version row is missing");
    out.version = q.int64(0);
  }
  {
    Query q(set_.appsSince);
    q.bind(since);
    for (;;) {
      auto row = q.step();
      if (!row) return row.error();
      if (!*row) break;
      auto app = readApp(q);
      if (!app) return app.error();
      out.apps.push_back(std::move(*app));
    }
  }
  {
    Query q(set_.keysSince);
    q.bind(since);
    auto keys = readApiKeys(q, /*withSecret=*/true);
    if (!keys) return keys.error();
    out.apiKeys = std::move(*keys);
  }
  if (since > 0) {
    Query apps(set_.appIds);
    for (;;) {
      auto row = apps.step();
      if (!row) return row.error();
      if (!*row) break;
      out.presentAppIds.push_back(static_cast<uint32_t>(apps.int64(0)));
    }
    Query keys(set_.keyIds);
    for (;;) {
      auto row = keys.step();
      if (!row) return row.error();
      if (!*row) break;
      out.presentApiKeyIds.push_back(keys.text(0));
    }
  }
  if (auto s = tx.commit(); !s) return s.error();
  return out;
}

#ifdef ATRIUM_TEST_HOOKS
base::Status SqlStore::holdWriteLockForTest(int64_t ms) {
  std::lock_guard lock(mu_);
  Transaction tx(*db_);
  if (auto s = tx.begin(); !s) return s;  // SQLite: BEGIN IMMEDIATE takes the write lock
  if (db_->dialect() == Dialect::kPostgres) {
    // PostgreSQL has no database-wide write lock; block the control path's writers instead.
    if (auto s = db_->exec("LOCK TABLE entry_events, rooms, user_sessions, user_events, callback_queue, audit_log, "
                           "change_counters IN EXCLUSIVE MODE");
        !s)
      return s;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  return base::Ok{};  // rolled back: nothing was written
}
#endif

}  // namespace atrium::store
