// Store over SQL, data protection (R11, R13): retention purge, app purge, data-subject erasure and
// the schema listing the data inventory is checked against.
#include <nlohmann/json.hpp>

#include <string>

#include "base/mask.h"
#include "store/sql_store_impl.h"

namespace atrium::store {
namespace {

// Rows per DELETE batch: big enough that a purge of millions of quality rows is a few hundred
// statements, small enough that one batch holds the write lock for milliseconds, not minutes.
constexpr int64_t kPurgeBatch = 5000;
constexpr size_t kMaxRequestedByBytes = 256;

// A table holding an app's data, and the key a batch deletes by.
struct AppTable {
  const char* table;
  const char* key;  // nullptr: small table, deleted in one statement
};
// Children before parents; `apps` itself goes last, in purgeApp.
constexpr AppTable kAppTables[] = {
    {"quality_samples", "id"}, {"user_events", "id"},       {"user_sessions", "id"},
    {"rooms", "comm_id"},      {"entry_events", "id"},      {"callback_queue", "id"},
    {"callback_failures", "id"}, {"surge_notices", "id"},   {"api_key_apps", nullptr},
};

enum class Category { kBackendLogs, kEntryEvents, kQuality, kAudit };

// Time-based retention: rows whose `column` is older than the category's cut-off. A NULL end
// (open room or session) never compares below the cut-off, so live records stay.
struct RetainedTable {
  const char* table;
  const char* key;
  const char* column;
  Category category;
};
constexpr RetainedTable kRetainedTables[] = {
    {"quality_samples", "id", "time_ms", Category::kQuality},
    {"user_events", "id", "time_ms", Category::kQuality},
    {"user_sessions", "id", "left_at_ms", Category::kBackendLogs},
    {"rooms", "comm_id", "destroyed_at_ms", Category::kBackendLogs},
    {"callback_failures", "id", "failed_at_ms", Category::kBackendLogs},
    {"entry_events", "id", "time_ms", Category::kEntryEvents},
    {"audit_log", "id", "time_ms", Category::kAudit},
    {"erasure_log", "id", "time_ms", Category::kAudit},
    {"surge_notices", "id", "end_ms", Category::kAudit},
};

int64_t retentionOf(const RetentionPolicy& p, Category c) {
  switch (c) {
    case Category::kBackendLogs: return p.backendLogsMs;
    case Category::kEntryEvents: return p.entryEventsMs;
    case Category::kQuality: return p.qualityMs;
    case Category::kAudit: return p.auditMs;
  }
  return p.auditMs;
}

base::Error invalid(std::string message) { return base::makeError(kErrInvalidArgument, std::move(message)); }

// True when any member named "UserId" (TRTC's spelling in every callback's EventInfo) anywhere in
// the document is the erased id. A recursive walk rather than a LIKE on the text: JSON escapes,
// spacing and nesting (recording and mixing callbacks nest user lists) do not fool it.
bool namesUser(const nlohmann::json& j, std::string_view userId) {
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) {
      if ((k == "UserId" || k == "UserID") && v.is_string() && v.get_ref<const std::string&>() == userId) return true;
      if (namesUser(v, userId)) return true;
    }
  } else if (j.is_array()) {
    for (const auto& v : j)
      if (namesUser(v, userId)) return true;
  }
  return false;
}

bool bodyNamesUser(const std::string& body, std::string_view userId) {
  auto j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_discarded()) return namesUser(j, userId);
  // Not JSON (never written by Atrium's own senders): erring on the side of erasure, a body
  // holding the id as a quoted string goes.
  return body.find("\"" + std::string(userId) + "\"") != std::string::npos;
}

}  // namespace

base::Result<size_t> SqlStore::execCounting(const std::string& sql, const std::function<void(Query&)>& binder) {
  auto stmt = db_->prepare(sql);
  if (!stmt) return stmt.error();
  Query q(*stmt);
  binder(q);
  if (auto s = q.run(); !s) return s.error();
  return static_cast<size_t>(db_->changes());
}

// Repeats a bounded DELETE (each its own transaction, taking the lock per batch so other
// threads interleave) until a batch comes back short.
base::Result<size_t> SqlStore::deleteInBatches(const std::string& table, const std::string& key,
                                                  const std::string& where,
                                                  const std::function<void(Query&)>& binder) {
  const std::string sql = "DELETE FROM " + table + " WHERE " + key + " IN (SELECT " + key + " FROM " + table +
                          " WHERE " + where + " LIMIT " + std::to_string(kPurgeBatch) + ")";
  Statement stmt;
  {
    std::lock_guard lock(mu_);
    auto prepared = db_->prepare(sql);
    if (!prepared) return prepared.error();
    stmt = std::move(*prepared);
  }
  size_t total = 0;
  for (;;) {
    std::lock_guard lock(mu_);
    base::Status status = base::Ok{};
    size_t n = 0;
    {
      Query q(stmt);
      binder(q);
      status = q.run();
      if (status) n = static_cast<size_t>(db_->changes());
    }
    total += n;
    if (!status || n < static_cast<size_t>(kPurgeBatch)) {
      stmt = Statement();  // finalised under the lock, like every use of the connection
      if (!status) return status.error();
      return total;
    }
  }
}

base::Result<PurgeReport> SqlStore::purgeApp(uint32_t sdkAppId) {
  {
    std::lock_guard lock(mu_);
    auto app = getAppLocked(sdkAppId);
    if (!app) return app.error();
    if (!*app) return base::makeError(kErrAppNotFound, "no app " + std::to_string(sdkAppId));
    if ((*app)->status != AppStatus::kDeleted)
      return invalid("app " + std::to_string(sdkAppId) + " is not deleted: delete it before purging");
  }
  auto data = purgeAppData(sdkAppId);
  if (!data) return data.error();
  PurgeReport report = std::move(*data);
  auto bindApp = [sdkAppId](Query& q) { q.bind(int64_t{sdkAppId}); };
  std::lock_guard lock(mu_);
  Transaction tx(*db_);
  if (auto s = tx.begin(); !s) return s.error();
  // Last, and only if still deleted: until this row goes, the next purge run finds the app again.
  auto n = execCounting("DELETE FROM apps WHERE sdk_app_id = ? AND status = 'deleted'", bindApp);
  if (!n) return n.error();
  // Caches drop the app (it is missing from the ids they get) and reload every key, whose scope
  // may have lost it.
  if (auto v = bumpSettingsLocked(); !v) return v.error();
  {
    Query q(set_.stampAllKeys);
    if (auto s = q.run(); !s) return s.error();
  }
  if (auto s = tx.commit(); !s) return s.error();
  report.add("apps", *n);
  return report;
}

base::Result<PurgeReport> SqlStore::purgeAppData(uint32_t sdkAppId) {
  PurgeReport report;
  auto bindApp = [sdkAppId](Query& q) { q.bind(int64_t{sdkAppId}); };
  for (const AppTable& t : kAppTables) {
    base::Result<size_t> n = size_t{0};
    if (t.key) {
      n = deleteInBatches(t.table, t.key, "sdk_app_id = ?", bindApp);
    } else {
      std::lock_guard lock(mu_);
      n = execCounting(std::string("DELETE FROM ") + t.table + " WHERE sdk_app_id = ?", bindApp);
    }
    if (!n) return n.error();
    report.add(t.table, *n);
  }
  return report;
}

base::Result<PurgeReport> SqlStore::purgeExpired(const RetentionPolicy& policy, int64_t nowMs) {
  for (int64_t ms : {policy.backendLogsMs, policy.entryEventsMs, policy.qualityMs, policy.auditMs})
    if (ms <= 0) return invalid("retention periods must be positive");
  if (policy.deletedAppGraceMs < 0 || policy.deletedAppGraceMs > kMaxDeletedAppGraceMs)
    return invalid("the deleted-app grace must be 0.." + std::to_string(kMaxDeletedAppGraceMs / kMsPerDay) +
                   " days (R13: deleted within 7 days)");
  PurgeReport report;
  std::vector<uint32_t> due;
  {
    std::lock_guard lock(mu_);
    auto stmt = db_->prepare("SELECT sdk_app_id FROM apps WHERE status = 'deleted' AND deleted_at_ms <= ? "
                            "ORDER BY sdk_app_id");
    if (!stmt) return stmt.error();
    Query q(*stmt);
    q.bind(nowMs - policy.deletedAppGraceMs);
    for (;;) {
      auto row = q.step();
      if (!row) return row.error();
      if (!*row) break;
      due.push_back(static_cast<uint32_t>(q.int64(0)));
    }
  }
  for (uint32_t id : due) {
    auto r = purgeApp(id);
    // Restored or purged by another process since the SELECT: nothing to do for it.
    if (!r && r.error().code != kErrInvalidArgument && r.error().code != kErrAppNotFound) return r.error();
    if (r)
      for (const auto& [table, n] : r->rowsByTable) report.add(table, n);
  }
  for (const RetainedTable& t : kRetainedTables) {
    const int64_t cutoff = nowMs - retentionOf(policy, t.category);
    auto n = deleteInBatches(t.table, t.key, std::string(t.column) + " < ?", [cutoff](Query& q) { q.bind(cutoff); });
    if (!n) return n.error();
    report.add(t.table, *n);
  }
  return report;
}

base::Result<PurgeReport> SqlStore::eraseUser(uint32_t sdkAppId, std::string_view userId,
                                                 std::string_view requestedBy, int64_t nowMs) {
  if (userId.empty()) return invalid("erasure needs a user id");
  const int64_t app = sdkAppId;
  auto bindAppUser = [app, userId](Query& q) { q.bind(app).bind(userId); };
  PurgeReport report;
  std::lock_guard lock(mu_);
  Transaction tx(*db_);
  if (auto s = tx.begin(); !s) return s.error();

  // Quality rows are found through the user's rooms: quality_samples has no user index (it would
  // tax 20 000 inserts/s for a rare request), and a user reports or is received only in rooms
  // where the session log shows them. Rooms come from sessions and events, read before those go.
  std::vector<std::string> commIds;
  {
    auto stmt = db_->prepare("SELECT comm_id FROM user_sessions WHERE sdk_app_id = ? AND user_id = ? UNION "
                            "SELECT comm_id FROM user_events WHERE sdk_app_id = ? AND user_id = ? ORDER BY 1");
    if (!stmt) return stmt.error();
    Query q(*stmt);
    q.bind(app).bind(userId).bind(app).bind(userId);
    for (;;) {
      auto row = q.step();
      if (!row) return row.error();
      if (!*row) break;
      commIds.push_back(q.text(0));
    }
  }
  {
    auto stmt = db_->prepare("DELETE FROM quality_samples WHERE sdk_app_id = ? AND comm_id = ? AND "
                            "(user_id = ? OR peer_id = ?)");
    if (!stmt) return stmt.error();
    size_t n = 0;
    for (const std::string& commId : commIds) {
      Query q(*stmt);
      if (auto s = q.bind(app).bind(commId).bind(userId).bind(userId).run(); !s) return s.error();
      n += static_cast<size_t>(db_->changes());
    }
    report.add("quality_samples", n);
  }
  for (const char* table : {"user_events", "user_sessions"}) {
    auto n = execCounting(std::string("DELETE FROM ") + table + " WHERE sdk_app_id = ? AND user_id = ?", bindAppUser);
    if (!n) return n.error();
    report.add(table, *n);
  }
  // The room itself is the app's record of a call with other people in it: keep it, drop the name.
  auto rooms = execCounting("UPDATE rooms SET creator_user_id = '' WHERE sdk_app_id = ? AND creator_user_id = ?",
                            bindAppUser);
  if (!rooms) return rooms.error();
  report.add("rooms", *rooms);

  for (const char* table : {"callback_queue", "callback_failures"}) {
    std::vector<int64_t> ids;
    {
      auto stmt = db_->prepare(std::string("SELECT id, body FROM ") + table + " WHERE sdk_app_id = ?");
      if (!stmt) return stmt.error();
      Query q(*stmt);
      q.bind(app);
      for (;;) {
        auto row = q.step();
        if (!row) return row.error();
        if (!*row) break;
        if (bodyNamesUser(q.text(1), userId)) ids.push_back(q.int64(0));
      }
    }
    auto stmt = db_->prepare(std::string("DELETE FROM ") + table + " WHERE id = ?");
    if (!stmt) return stmt.error();
    for (int64_t id : ids) {
      Query q(*stmt);
      if (auto s = q.bind(id).run(); !s) return s.error();
    }
    report.add(table, ids.size());
  }

  // base::maskUserId keeps a character or two at each end: derivable from the id, so it is the
  // user's data too. Rows written before issue 15 carry the older, longer mask: blank both.
  // Ids of 4 bytes or fewer already mask to "****".
  size_t entries = 0;
  for (const std::string& masked : {base::maskUserId(userId), base::legacyMaskUserId(userId)}) {
    if (masked == "****") continue;
    auto n = execCounting("UPDATE entry_events SET masked_user_id = '****' WHERE sdk_app_id = ? AND masked_user_id = ?",
                          [app, &masked](Query& q) { q.bind(app).bind(masked); });
    if (!n) return n.error();
    entries += *n;
  }
  report.add("entry_events", entries);

  auto logged = execCounting(
      "INSERT INTO erasure_log (time_ms, sdk_app_id, requested_by, rows_removed) VALUES (?, ?, ?, ?)",
      [&](Query& q) {
        q.bind(nowMs).bind(app).bind(clipUtf8(std::string(requestedBy), kMaxRequestedByBytes));
        q.bind(static_cast<int64_t>(report.total()));
      });
  if (!logged) return logged.error();
  if (auto s = tx.commit(); !s) return s.error();
  return report;
}

base::Result<std::vector<std::pair<std::string, std::string>>> SqlStore::describeSchema() {
  std::lock_guard lock(mu_);
  return db_->describeColumns();
}

}  // namespace atrium::store
