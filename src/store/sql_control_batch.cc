// Store over SQL, control-path write batches (issue 10): the entry log, room and user events,
// callback jobs, audit records and API-key use times of many requests in one transaction, written
// by app::ControlWriter off the control loop.
#include <string>
#include <variant>

#include "store/sql_store_impl.h"

namespace atrium::store {
namespace {

// 0 means "still open", stored as NULL (as in sql_room_log.cc).
Query& bindEnd(Query& q, int64_t endMs) { return endMs == 0 ? q.bindNull() : q.bind(endMs); }

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

// A statement that changes at most one row: true when it did.
base::Result<bool> changed(Query& q, SqlConnection& db) {
  if (auto s = q.run(); !s) return s.error();
  return db.changes() > 0;
}

}  // namespace

std::optional<uint32_t> appOf(const ControlWrite& write) {
  return std::visit(Overloaded{
                        [](const AuditRecord&) -> std::optional<uint32_t> { return std::nullopt; },
                        [](const ApiKeyUse&) -> std::optional<uint32_t> { return std::nullopt; },
                        [](const auto& w) -> std::optional<uint32_t> { return w.sdkAppId; },
                    },
                    write);
}

base::Status SqlStore::prepareBatchStatements() {
  // A batch may be replayed after a failure that committed nothing, and a room or session may
  // already exist (a CommId taken by another process in the same second): DO NOTHING, counted as
  // skipped, instead of a constraint error that would end a PostgreSQL transaction.
  const std::pair<Statement*, std::string> all[] = {
      {&batch_.insertRoom,
       "INSERT INTO rooms (comm_id, sdk_app_id, room, str_room, creator_user_id, created_at_ms, destroyed_at_ms) "
       "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"},
      {&batch_.insertSession,
       "INSERT INTO user_sessions (comm_id, sdk_app_id, room, user_id, joined_at_ms, left_at_ms, masked_ip, "
       "sdk_version, device_type, exit_reason, role) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"},
      {&batch_.enqueueCallback,
       "INSERT INTO callback_queue (sdk_app_id, body, created_at_ms, next_attempt_at_ms, attempts, order_key) "
       "VALUES (?, ?, ?, ?, 0, ?)"},
      {&batch_.enqueueCallbackIfWanted,
       "INSERT INTO callback_queue (sdk_app_id, body, created_at_ms, next_attempt_at_ms, attempts, order_key) "
       "SELECT CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS BIGINT), CAST(? AS BIGINT), 0, CAST(? AS TEXT) "
       "WHERE EXISTS (SELECT 1 FROM apps WHERE sdk_app_id = ? AND status = 'active' AND callback_url <> '')"},
  };
  return prepareAll(*db_, all);
}

base::Result<bool> SqlStore::applyControlWrite(const ControlWrite& write) {
  return std::visit(
      Overloaded{
          [&](const EntryEvent& e) -> base::Result<bool> {
            if (!validateEntryEvent(e)) return false;
            Query q(st_.insertEntry);
            q.bind(e.timeMs).bind(int64_t{e.sdkAppId}).bind(e.room).bind(e.maskedUserId).bind(e.maskedIp);
            q.bind(int64_t{e.success}).bind(e.cause).bind(e.errorCode);
            return changed(q, *db_);
          },
          [&](const RoomRecord& r) -> base::Result<bool> {
            if (r.commId.empty() || r.room.empty()) return false;
            Query q(batch_.insertRoom);
            q.bind(r.commId).bind(int64_t{r.sdkAppId}).bind(r.room).bind(int64_t{r.strRoom}).bind(r.creatorUserId);
            bindEnd(q.bind(r.createdAtMs), r.destroyedAtMs);
            return changed(q, *db_);
          },
          [&](const RoomEnd& r) -> base::Result<bool> {
            Query q(log_.destroyRoom);
            q.bind(r.atMs).bind(r.commId);
            return changed(q, *db_);
          },
          [&](const UserSessionRecord& u) -> base::Result<bool> {
            if (u.commId.empty() || u.userId.empty()) return false;
            Query q(batch_.insertSession);
            q.bind(u.commId).bind(int64_t{u.sdkAppId}).bind(u.room).bind(u.userId).bind(u.joinedAtMs);
            bindEnd(q, u.leftAtMs).bind(u.maskedIp).bind(u.sdkVersion).bind(u.deviceType).bind(int64_t{u.exitReason});
            q.bind(int64_t{u.role});
            return changed(q, *db_);
          },
          [&](const SessionEnd& s) -> base::Result<bool> {
            Query q(log_.leaveSession);
            q.bind(s.leftAtMs).bind(int64_t{s.exitReason}).bind(s.commId).bind(s.userId).bind(s.joinedAtMs);
            return changed(q, *db_);
          },
          [&](const UserEventRecord& e) -> base::Result<bool> {
            Query q(log_.insertEvent);
            q.bind(e.commId).bind(int64_t{e.sdkAppId}).bind(e.userId).bind(e.timeMs).bind(int64_t{e.eventId});
            q.bind(e.paramOne).bind(e.paramTwo);
            return changed(q, *db_);
          },
          [&](const RoleChange& r) -> base::Result<bool> {
            Query q(log_.setSessionRole);
            q.bind(int64_t{r.role}).bind(r.commId).bind(r.userId);
            return changed(q, *db_);
          },
          [&](const CallbackEnqueue& c) -> base::Result<bool> {
            if (c.body.empty()) return false;
            Query q(c.appChecked ? batch_.enqueueCallback : batch_.enqueueCallbackIfWanted);
            q.bind(int64_t{c.sdkAppId}).bind(c.body).bind(c.nowMs).bind(c.nowMs).bind(c.orderKey);
            if (!c.appChecked) q.bind(int64_t{c.sdkAppId});
            return changed(q, *db_);
          },
          [&](const AuditRecord& a) -> base::Result<bool> {
            if (auto s = appendAuditLocked(a); !s) return s.error();
            return true;
          },
          [&](const ApiKeyUse& u) -> base::Result<bool> {
            Query q(api_.touchKey);
            q.bind(u.atMs).bind(u.secretId);
            return changed(q, *db_);
          },
      },
      write);
}

base::Result<ControlBatchReport> SqlStore::writeControlBatch(std::span<const ControlWrite> writes) {
  ControlBatchReport report;
  if (writes.empty()) return report;
  std::lock_guard lock(mu_);
  Transaction tx(*db_);
  if (auto s = tx.begin(); !s) return s.error();
  for (const auto& w : writes) {
    auto done = applyControlWrite(w);
    if (!done) return done.error();  // rolled back: the caller retries the whole batch
    if (*done) ++report.written;
    else ++report.skipped;
  }
  if (auto s = tx.commit(); !s) return s.error();
  return report;
}

}  // namespace atrium::store
