// The Store over SQL, written once for every engine (sql.h is the seam: SQLite and PostgreSQL
// connections). Implemented across sql_store.cc (open, migrations, apps, entry log),
// sql_api_store.cc (API keys, audit log), sql_room_log.cc (room event log),
// sql_callback_queue.cc (callback queue), sql_quality.cc (quality, surge notices, erasure log)
// and sql_data_protection.cc (retention, purge, erasure). Internal to store/.
#pragma once

#include <algorithm>
#include <array>
#include <functional>
#include <limits>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "crypto/crypto.h"
#include "store/sql.h"
#include "store/store.h"

namespace atrium::store {

// Parameters are int64: sizes past INT64_MAX (e.g. SIZE_MAX as "no limit") are clamped.
inline int64_t clampToInt64(size_t n) {
  return static_cast<int64_t>(std::min(n, static_cast<size_t>(std::numeric_limits<int64_t>::max())));
}

// At most `max` bytes of text, cut before a UTF-8 continuation byte (10xxxxxx) so the rest stays
// valid UTF-8.
inline std::string clipUtf8(const std::string& text, size_t max) {
  if (text.size() <= max) return text;
  size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

// The quality_samples metric columns, in QualityMetric order.
inline constexpr std::array<const char*, kQualityMetricCount> kQualityColumns = {
    "app_cpu",    "sys_cpu",   "a_bit",  "a_block",   "bigv_bit",   "bigv_cap_fps", "bigv_enc_fps",
    "bigv_dec_fps", "bigv_rec_fps", "bigv_block", "a_loss", "bigv_loss", "bigv_width", "bigv_height",
    "a_cap_energy", "a_play_energy", "rtt", "jitter"};

// The apps columns SqlStore::readApp reads, in its order.
inline constexpr const char* kSelectAppSql =
    "SELECT sdk_app_id, name, secret_key_enc, status, max_rtc_users, max_live_users, max_publishers, "
    "max_rooms, advanced_permission, recording, relay, callback_url, callback_key_enc, region, "
    "created_at_ms, updated_at_ms, deleted_at_ms FROM apps ";
// API keys with their scope, one row per (key, app), as SqlStore::readApiKeys reads them.
inline constexpr const char* kSelectKeysSql =
    "SELECT k.secret_id, k.secret_key_enc, k.description, k.created_at_ms, k.revoked_at_ms, k.last_used_at_ms, "
    "a.sdk_app_id FROM api_keys k LEFT JOIN api_key_apps a ON a.secret_id = k.secret_id ";

// Prepares each (statement, sql) pair, stopping at the first failure.
base::Status prepareAll(SqlConnection& db, std::span<const std::pair<Statement*, std::string>> all);

class SqlStore final : public Store {
 public:
  SqlStore(std::unique_ptr<SqlConnection> db, std::span<const uint8_t> masterKey, base::Clock& clock);
  ~SqlStore() override;

  base::Status init();

  // AppRepository
  base::Result<App> createApp(const App& app) override;
  base::Result<std::optional<App>> getApp(uint32_t sdkAppId) override;
  base::Result<std::vector<App>> listApps(bool includeDeleted) override;
  base::Result<App> updateApp(const App& app) override;
  base::Result<std::string> rotateSecretKey(uint32_t sdkAppId) override;
  base::Status setStatus(uint32_t sdkAppId, AppStatus status) override;
  base::Status deleteApp(uint32_t sdkAppId) override;

  // EntryLog
  base::Status appendEntry(const EntryEvent& event) override;
  base::Result<std::vector<EntryEvent>> listEntries(uint32_t sdkAppId, int64_t fromMs, int64_t toMs,
                                                    size_t limit) override;

  // ApiKeyRepository (sql_api_store.cc)
  base::Result<ApiKey> createApiKey(std::vector<uint32_t> sdkAppIds, std::string description) override;
  base::Result<std::optional<ApiKey>> getApiKey(std::string_view secretId) override;
  base::Result<std::vector<ApiKey>> listApiKeys() override;
  base::Status revokeApiKey(std::string_view secretId) override;
  base::Status touchApiKey(std::string_view secretId, int64_t nowMs) override;

  // AuditLog (sql_api_store.cc)
  base::Status appendAudit(const AuditRecord& record) override;
  base::Result<std::vector<AuditRecord>> listAudit(int64_t fromMs, int64_t toMs, std::optional<uint32_t> sdkAppId,
                                                   size_t limit) override;

  // RoomEventLog (sql_room_log.cc)
  base::Status roomCreated(const RoomRecord& room) override;
  base::Status roomDestroyed(std::string_view commId, int64_t atMs) override;
  base::Status userJoined(const UserSessionRecord& session) override;
  base::Status userLeft(std::string_view commId, std::string_view userId, int64_t joinedAtMs, int64_t leftAtMs,
                        int exitReason) override;
  base::Status appendUserEvent(const UserEventRecord& event) override;
  base::Result<std::pair<std::vector<RoomRecord>, size_t>> listRooms(uint32_t sdkAppId, int64_t fromMs, int64_t toMs,
                                                                     std::optional<std::string> room, size_t offset,
                                                                     size_t limit) override;
  base::Result<std::optional<RoomRecord>> findRoom(uint32_t sdkAppId, std::string_view commId) override;
  base::Result<std::pair<std::vector<UserSessionRecord>, size_t>> listUserSessions(
      uint32_t sdkAppId, std::string_view commId, int64_t fromMs, int64_t toMs, std::vector<std::string> userIds,
      size_t offset, size_t limit) override;
  base::Result<std::vector<UserEventRecord>> listUserEvents(uint32_t sdkAppId, std::string_view commId,
                                                            std::string_view userId, int64_t fromMs,
                                                            int64_t toMs) override;
  base::Result<std::vector<ScaleDay>> scale(uint32_t sdkAppId, int64_t fromMs, int64_t toMs) override;
  base::Result<ClosedRecords> closeOpenRecords(int64_t atMs) override;
  base::Status userRoleChanged(std::string_view commId, std::string_view userId, int role) override;

  // CallbackQueue (sql_callback_queue.cc)
  using CallbackQueue::enqueueCallback;
  base::Result<int64_t> enqueueCallback(uint32_t sdkAppId, std::string body, int64_t nowMs, std::string orderKey) override;
  base::Result<std::vector<CallbackJob>> dueCallbacks(int64_t nowMs, size_t limit) override;
  base::Status completeCallback(int64_t id) override;
  base::Status rescheduleCallback(int64_t id, int attempts, int64_t nextAttemptAtMs) override;
  base::Status failCallback(int64_t id, std::string reason, int64_t nowMs) override;
  base::Result<size_t> pendingCallbacks() override;
  base::Result<size_t> failedCallbacks(std::optional<uint32_t> sdkAppId) override;
  base::Result<std::vector<FailedCallback>> listFailedCallbacks(std::optional<uint32_t> sdkAppId, size_t limit) override;
  base::Result<int64_t> resendFailedCallback(int64_t failureId, int64_t nowMs) override;

  // QualityLog, SurgeNoticeRepository, ErasureLog (sql_quality.cc)
  base::Status appendQuality(std::span<const QualitySample> samples) override;
  base::Result<std::vector<QualitySample>> listQuality(uint32_t sdkAppId, std::string_view commId,
                                                       std::vector<std::string> userIds, int64_t fromMs, int64_t toMs,
                                                       size_t limit) override;
  base::Result<int64_t> addSurgeNotice(const SurgeNoticeRecord& notice) override;
  base::Result<std::vector<SurgeNoticeRecord>> listSurgeNotices(uint32_t sdkAppId, int64_t fromMs,
                                                                int64_t toMs) override;
  base::Status removeSurgeNotice(uint32_t sdkAppId, int64_t id) override;
  base::Result<std::vector<ErasureRecord>> listErasures(int64_t fromMs, int64_t toMs, std::optional<uint32_t> sdkAppId,
                                                        size_t limit) override;

  // DataProtection (sql_data_protection.cc)
  base::Result<PurgeReport> purgeExpired(const RetentionPolicy& policy, int64_t nowMs) override;
  base::Result<PurgeReport> purgeApp(uint32_t sdkAppId) override;
  base::Result<PurgeReport> purgeAppData(uint32_t sdkAppId) override;
  base::Result<PurgeReport> eraseUser(uint32_t sdkAppId, std::string_view userId, std::string_view requestedBy,
                                      int64_t nowMs) override;
  base::Result<std::vector<std::pair<std::string, std::string>>> describeSchema() override;

  // SettingsLog (sql_settings.cc)
  base::Result<int64_t> settingsVersion() override;
  base::Result<SettingsChanges> settingsChangedSince(int64_t version) override;

  // ControlWriteLog (sql_control_batch.cc)
  base::Result<ControlBatchReport> writeControlBatch(std::span<const ControlWrite> writes) override;

#ifdef ATRIUM_TEST_HOOKS
  base::Status holdWriteLockForTest(int64_t ms) override;  // sql_settings.cc
#endif

 private:
  base::Status migrate();
  base::Status checkMasterKey();
  base::Status prepareStatements();
  base::Status prepareApiStatements();
  base::Status prepareRoomLogStatements();
  base::Status prepareCallbackStatements();
  base::Status prepareQualityStatements();
  base::Status prepareSettingsStatements();
  base::Status prepareBatchStatements();

  // Inside a write transaction, mu_ held: increments the settings version and returns it.
  base::Result<int64_t> bumpSettingsLocked();
  // Inside a write transaction, mu_ held: bumps the version and stamps one app / key with it, so
  // caches in every process reload that row (issue 10).
  base::Status appChangedLocked(uint32_t sdkAppId);
  base::Status apiKeyChangedLocked(std::string_view secretId);
  // Applies one control-path write inside the batch's transaction (sql_control_batch.cc): false
  // when it had nothing to do.
  base::Result<bool> applyControlWrite(const ControlWrite& write);
  base::Status appendAuditLocked(const AuditRecord& record);

  base::Result<std::optional<App>> getAppLocked(uint32_t sdkAppId);
  base::Result<App> readApp(const Query& q) const;
  base::Result<std::string> openSecret(const std::vector<uint8_t>& sealed, const std::string& aad,
                                       uint32_t id) const;
  crypto::Bytes seal(std::string_view plaintext, const std::string& aad) const;
  // Runs an UPDATE that must touch exactly one live app.
  base::Status updateOne(Query& q, uint32_t sdkAppId);
  // Runs an UPDATE/DELETE; no row changed gives kErrRecordNotFound with `what` in the message.
  base::Status changeOne(Query& q, const std::string& what);

  // Prepares and runs one statement (the caller holds mu_); returns the rows it changed.
  base::Result<size_t> execCounting(const std::string& sql, const std::function<void(Query&)>& binder);
  // DELETE ... WHERE key IN (SELECT key ... WHERE `where` LIMIT batch), repeated; takes mu_ per batch.
  base::Result<size_t> deleteInBatches(const std::string& table, const std::string& key, const std::string& where,
                                       const std::function<void(Query&)>& binder);

  base::Result<std::vector<ApiKey>> readApiKeys(Query& q, bool withSecret);
  base::Result<std::vector<UserSessionRecord>> readSessions(Query& q);

  struct Statements {
    Statement insertApp, selectApp, listLiveApps, listAllApps, updateApp, updateSecret, updateStatus;
    Statement insertEntry, listEntries;
  };
  struct ApiStatements {
    Statement liveApp, insertKey, insertKeyApp, selectKey, listKeys, revokeKey, touchKey;
    Statement insertAudit, listAudit, listAuditOfApp;
  };
  struct RoomLogStatements {
    Statement insertRoom, destroyRoom, insertSession, leaveSession, insertEvent;
    Statement listRooms, countRooms, listRoomsNamed, countRoomsNamed, findRoom;
    Statement listSessions, countSessions, listSessionsOfUser, listEvents, scaleDays;
    Statement closeRooms, exitEventsForOpenSessions, closeSessions, setSessionRole, openSessions, openRooms;
  };
  struct CallbackStatements {
    Statement enqueue, due, complete, reschedule, copyToFailures, pending, failed, failedOfApp, listFailed,
        listFailedOfApp, requeueFailure, deleteFailure;
  };

  struct SettingsStatements {
    Statement version, bump, stampApp, stampKey, stampAllKeys, appsSince, keysSince, appIds, keyIds;
  };
  struct BatchStatements {
    Statement insertRoom, insertSession, enqueueCallback, enqueueCallbackIfWanted;
  };

  struct QualityStatements {
    Statement insertSample, insertSamples, listRoom, listRoomOfUser;
    Statement insertNotice, listNotices, removeNotice;
    Statement listErasures, listErasuresOfApp;
  };

  std::mutex mu_;
  std::unique_ptr<SqlConnection> db_;
  std::array<uint8_t, crypto::kAeadKeyBytes> key_{};
  base::Clock& clock_;
  Statements st_;
  ApiStatements api_;
  RoomLogStatements log_;
  CallbackStatements cb_;
  QualityStatements q_;
  SettingsStatements set_;
  BatchStatements batch_;
};

}  // namespace atrium::store
