// RoutedStore: one Store over several databases, for data residency (R15). The default database
// holds what is not any one app's personal data — apps, API keys, the audit log, surge notices
// (console settings) and the schema listing — and every app-scoped row (entry log, rooms,
// sessions, user events, quality samples, callbacks, erasure records) goes to the database of
// the app's region, or to the default one when its region has no database of its own.
//
// Engine-neutral: it sees only the Store interface, so regions can be PostgreSQL or SQLite (tests
// use two SQLite files). It never moves data: changing an app's region to one served by another
// database is refused (the rows already written would be stranded), so configure a region's
// database before creating apps in it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/clock.h"
#include "store/store.h"

namespace atrium::store {

struct RegionDatabase {
  std::string region;  // App::region it serves
  std::unique_ptr<Store> store;
};

// Callback and erasure-log ids carry the index of the database they came from in their top bits
// (0 = default, so a store without regions keeps its ids): completeCallback(id) must find the
// database that queued the job without a lookup table. Local ids stay below 2^kDatabaseIdShift.
inline constexpr int kDatabaseIdShift = 48;

class RoutedStore final : public Store {
 public:
  // regions: at most 255 (the id encoding's limit), distinct names. cacheTtlMs: how long an app's
  // region is remembered; a daemon sees an app purged and re-created by the CLI with the same id
  // in another region after that long (apps change rarely; every app-scoped call needs the
  // lookup).
  RoutedStore(std::unique_ptr<Store> defaultStore, std::vector<RegionDatabase> regions, base::Clock& clock,
              int64_t cacheTtlMs = 60'000);

  // The database holding app sdkAppId's app-scoped data (the default one for an unknown app or a
  // region without its own database). Exposed for tests and diagnostics.
  Store& storeFor(uint32_t sdkAppId);

  // AppRepository: the default database.
  base::Result<App> createApp(const App& app) override;
  base::Result<std::optional<App>> getApp(uint32_t sdkAppId) override;
  base::Result<std::vector<App>> listApps(bool includeDeleted) override;
  base::Result<App> updateApp(const App& app) override;
  base::Result<std::string> rotateSecretKey(uint32_t sdkAppId) override;
  base::Status setStatus(uint32_t sdkAppId, AppStatus status) override;
  base::Status deleteApp(uint32_t sdkAppId) override;

  // EntryLog: the app's region.
  base::Status appendEntry(const EntryEvent& event) override;
  base::Result<std::vector<EntryEvent>> listEntries(uint32_t sdkAppId, int64_t fromMs, int64_t toMs,
                                                    size_t limit) override;

  // ApiKeyRepository, AuditLog: the default database.
  base::Result<ApiKey> createApiKey(std::vector<uint32_t> sdkAppIds, std::string description) override;
  base::Result<std::optional<ApiKey>> getApiKey(std::string_view secretId) override;
  base::Result<std::vector<ApiKey>> listApiKeys() override;
  base::Status revokeApiKey(std::string_view secretId) override;
  base::Status touchApiKey(std::string_view secretId, int64_t nowMs) override;
  base::Status appendAudit(const AuditRecord& record) override;
  base::Result<std::vector<AuditRecord>> listAudit(int64_t fromMs, int64_t toMs, std::optional<uint32_t> sdkAppId,
                                                   size_t limit) override;

  // RoomEventLog: the app's region (by the CommId's "<SdkAppId>_" prefix where only a CommId is given).
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
  base::Result<ClosedRecords> closeOpenRecords(int64_t atMs) override;  // every database
  base::Status userRoleChanged(std::string_view commId, std::string_view userId, int role) override;

  // CallbackQueue: the app's region; ids carry the database index.
  using CallbackQueue::enqueueCallback;
  base::Result<int64_t> enqueueCallback(uint32_t sdkAppId, std::string body, int64_t nowMs, std::string orderKey) override;
  base::Result<std::vector<CallbackJob>> dueCallbacks(int64_t nowMs, size_t limit) override;
  base::Status completeCallback(int64_t id) override;
  base::Status rescheduleCallback(int64_t id, int attempts, int64_t nextAttemptAtMs) override;
  base::Status failCallback(int64_t id, std::string reason, int64_t nowMs) override;
  base::Result<size_t> pendingCallbacks() override;
  base::Result<size_t> failedCallbacks(std::optional<uint32_t> sdkAppId) override;
  // Failure ids carry the database index like job ids.
  base::Result<std::vector<FailedCallback>> listFailedCallbacks(std::optional<uint32_t> sdkAppId, size_t limit) override;
  base::Result<int64_t> resendFailedCallback(int64_t failureId, int64_t nowMs) override;

  // QualityLog: the app's region. A batch spanning databases is one transaction per database.
  base::Status appendQuality(std::span<const QualitySample> samples) override;
  base::Result<std::vector<QualitySample>> listQuality(uint32_t sdkAppId, std::string_view commId,
                                                       std::vector<std::string> userIds, int64_t fromMs, int64_t toMs,
                                                       size_t limit) override;

  // SurgeNoticeRepository: the default database (console settings, no personal data).
  base::Result<int64_t> addSurgeNotice(const SurgeNoticeRecord& notice) override;
  base::Result<std::vector<SurgeNoticeRecord>> listSurgeNotices(uint32_t sdkAppId, int64_t fromMs,
                                                                int64_t toMs) override;
  base::Status removeSurgeNotice(uint32_t sdkAppId, int64_t id) override;

  // ErasureLog: written by eraseUser in the app's region; listed from every database.
  base::Result<std::vector<ErasureRecord>> listErasures(int64_t fromMs, int64_t toMs, std::optional<uint32_t> sdkAppId,
                                                        size_t limit) override;

  // DataProtection: purges run over every database, a deleted app's regional rows before its
  // apps row (so an interrupted purge is found and retried by the next run).
  base::Result<PurgeReport> purgeExpired(const RetentionPolicy& policy, int64_t nowMs) override;
  base::Result<PurgeReport> purgeApp(uint32_t sdkAppId) override;
  base::Result<PurgeReport> purgeAppData(uint32_t sdkAppId) override;
  base::Result<PurgeReport> eraseUser(uint32_t sdkAppId, std::string_view userId, std::string_view requestedBy,
                                      int64_t nowMs) override;
  base::Result<std::vector<std::pair<std::string, std::string>>> describeSchema() override;

  // SettingsLog: the default database (apps and API keys live there).
  base::Result<int64_t> settingsVersion() override;
  base::Result<SettingsChanges> settingsChangedSince(int64_t version) override;
  // ControlWriteLog: one transaction per database, each write to its app's database (audit records
  // and API-key use to the default one).
  base::Result<ControlBatchReport> writeControlBatch(std::span<const ControlWrite> writes) override;
#ifdef ATRIUM_TEST_HOOKS
  base::Status holdWriteLockForTest(int64_t ms) override;  // the default database
#endif

 private:
  size_t indexFor(uint32_t sdkAppId);
  size_t indexForRegion(const std::string& region) const;
  size_t indexForCommId(std::string_view commId);
  Store& at(size_t index) { return *stores_[index]; }
  void forget(uint32_t sdkAppId);

  std::vector<std::unique_ptr<Store>> stores_;  // [0] default, then one per region
  std::map<std::string, size_t> regionIndex_;
  base::Clock& clock_;
  int64_t cacheTtlMs_;
  std::mutex mu_;  // guards cache_: the control loop, quality writer, dispatcher and purge job all route
  struct CacheEntry {
    size_t index;
    int64_t expiresAtMs;
  };
  std::map<uint32_t, CacheEntry> cache_;
};

}  // namespace atrium::store
