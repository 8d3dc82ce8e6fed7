// Storage interfaces (R1, R8-R13, R15, R19, R20). Callers see plain structs and Results; which
// engine sits behind them (SQLite embedded, PostgreSQL for scale-out) is the composition root's choice.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "base/clock.h"
#include "base/result.h"

namespace atrium::store {

// Stable error codes (base::Error::code) this module returns.
inline constexpr const char* kErrAppExists = "APP_EXISTS";
inline constexpr const char* kErrAppNotFound = "APP_NOT_FOUND";
inline constexpr const char* kErrInvalidArgument = "INVALID_ARGUMENT";
inline constexpr const char* kErrMasterKeyMismatch = "MASTER_KEY_MISMATCH";
// A stored secret failed to decrypt although the master key matched: the row was tampered with.
inline constexpr const char* kErrCorrupt = "STORE_CORRUPT";
// Another connection held the database lock past the busy timeout.
inline constexpr const char* kErrBusy = "STORE_BUSY";
inline constexpr const char* kErrIo = "STORE_IO";
// No API key with that SecretId (revokeApiKey, touchApiKey).
inline constexpr const char* kErrApiKeyNotFound = "API_KEY_NOT_FOUND";
// A room (CommId) or user session (CommId, UserId, joinedAtMs) that is already recorded.
inline constexpr const char* kErrRecordExists = "RECORD_EXISTS";
// No such open room/session (roomDestroyed, userLeft) or queued callback (complete/reschedule/fail).
inline constexpr const char* kErrRecordNotFound = "RECORD_NOT_FOUND";

// Range random SdkAppIds are drawn from (TRTC console apps live there too).
inline constexpr uint32_t kMinAllocatedSdkAppId = 1'400'000'000;
inline constexpr uint32_t kMaxAllocatedSdkAppId = 1'499'999'999;

enum class AppStatus { kActive, kDisabled, kDeleted };
std::string_view toString(AppStatus status);  // "active" | "disabled" | "deleted"
std::optional<AppStatus> appStatusFromString(std::string_view text);

// Per-app quotas (R4); 0 means unlimited.
struct SceneLimits {
  uint32_t maxRtcUsers = 300;
  uint32_t maxLiveUsers = 100000;
  uint32_t maxPublishers = 50;
  uint32_t maxRooms = 1000;
  bool operator==(const SceneLimits&) const = default;
};

struct AppFeatures {
  bool advancedPermission = false;  // PrivateMapKey required to enter (R3)
  bool recording = false;
  bool relay = false;
  bool operator==(const AppFeatures&) const = default;
};

// One application (R1). Secrets are plaintext only in memory; at rest they are AES-256-GCM
// ciphertext under the master key (R12). Only kActive apps may be served: auth checks status.
struct App {
  uint32_t sdkAppId = 0;
  std::string name;
  std::string secretKey;
  AppStatus status = AppStatus::kActive;
  SceneLimits limits;
  AppFeatures features;
  std::string callbackUrl;  // empty: no callbacks
  std::string callbackKey;  // signs callbacks (R9); empty when there is no callback URL
  std::string region = "default";
  int64_t createdAtMs = 0;  // set by the store
  int64_t updatedAtMs = 0;  // set by the store
  int64_t deletedAtMs = 0;  // 0 unless status is kDeleted; the retention job purges from here
};

// Checks the fields a caller chooses (name, region, keys when given, callback URL). Every engine
// calls it, so rules do not drift between SQLite and PostgreSQL.
base::Status validateApp(const App& app);

// Settings of applications (data category: console settings).
class AppRepository {
 public:
  virtual ~AppRepository() = default;

  // sdkAppId 0 allocates a random unused id in [kMinAllocatedSdkAppId, kMaxAllocatedSdkAppId];
  // an empty secretKey is generated (64 hex chars); an empty callbackKey is generated when a
  // callbackUrl is set. status is ignored (new apps are active). Returns the app as stored,
  // secrets included. A taken id (even by a deleted app) gives kErrAppExists.
  virtual base::Result<App> createApp(const App& app) = 0;
  // Any status, deleted included (until purged); nullopt when no such app.
  virtual base::Result<std::optional<App>> getApp(uint32_t sdkAppId) = 0;
  // Ordered by sdkAppId. The default argument lives here only: call through this interface.
  virtual base::Result<std::vector<App>> listApps(bool includeDeleted = false) = 0;
  // Replaces name, limits, features, callback URL/key and region. Secret key and status are
  // changed only by rotateSecretKey/setStatus/deleteApp. An empty callbackKey with a non-empty
  // callbackUrl generates one. Deleted apps are kErrAppNotFound.
  virtual base::Result<App> updateApp(const App& app) = 0;
  // Returns the new key; the old one stops working as soon as callers re-read the app.
  virtual base::Result<std::string> rotateSecretKey(uint32_t sdkAppId) = 0;
  // kActive or kDisabled only (deleteApp deletes); deleted apps stay deleted.
  virtual base::Status setStatus(uint32_t sdkAppId, AppStatus status) = 0;
  // Marks the app deleted (R13: its data is purged later by the retention job).
  virtual base::Status deleteApp(uint32_t sdkAppId) = 0;
};

// One room-entry request, the unit of the Communication Success Rate (R20).
struct EntryEvent {
  int64_t timeMs = 0;
  uint32_t sdkAppId = 0;
  std::string room;          // base::RoomId::display()
  std::string maskedUserId;  // masked by the caller (R11): the raw id is never stored
  std::string maskedIp;      // likewise
  bool success = false;
  std::string cause;      // "none" | "client" | "service": who a failure is attributable to (R23)
  std::string errorCode;  // "" on success
  bool operator==(const EntryEvent&) const = default;
};

// Checks that cause is one of the three values and agrees with success.
base::Status validateEntryEvent(const EntryEvent& event);

// Room-entry log (data category: back-end logs).
class EntryLog {
 public:
  virtual ~EntryLog() = default;
  virtual base::Status appendEntry(const EntryEvent& event) = 0;
  // Events of one app with fromMs <= timeMs < toMs, oldest first, at most `limit` of them.
  virtual base::Result<std::vector<EntryEvent>> listEntries(uint32_t sdkAppId, int64_t fromMs,
                                                            int64_t toMs, size_t limit) = 0;
};

// --- Server-API credentials (R8, R12) ---------------------------------------------------------

// One SecretId/SecretKey pair for the TC3-HMAC-SHA256 REST API. The key may call actions for the
// apps in sdkAppIds only. SecretKey is plaintext only in memory; at rest it is AES-256-GCM.
struct ApiKey {
  std::string secretId;         // "AKID" + 32 alphanumerics
  std::string secretKey;        // 32 alphanumerics; empty in listApiKeys results
  std::vector<uint32_t> sdkAppIds;  // scope, ascending, no duplicates
  std::string description;
  int64_t createdAtMs = 0;
  int64_t revokedAtMs = 0;   // 0 = active
  int64_t lastUsedAtMs = 0;  // 0 = never used
};

// API credentials (data category: console settings).
class ApiKeyRepository {
 public:
  virtual ~ApiKeyRepository() = default;
  // At least one app, each existing and not deleted (kErrAppNotFound; disabled apps are fine);
  // duplicates are dropped. description: at most 256 bytes, no control characters. Returns the
  // key with its SecretKey: the only time a caller sees it without getApiKey.
  virtual base::Result<ApiKey> createApiKey(std::vector<uint32_t> sdkAppIds, std::string description) = 0;
  // Revoked keys too (revokedAtMs != 0): the caller decides; nullopt when no such SecretId.
  virtual base::Result<std::optional<ApiKey>> getApiKey(std::string_view secretId) = 0;
  // Every key, revoked ones included, oldest first; secretKey is left empty.
  virtual base::Result<std::vector<ApiKey>> listApiKeys() = 0;
  // Revoking twice keeps the first revocation time. Unknown: kErrApiKeyNotFound.
  virtual base::Status revokeApiKey(std::string_view secretId) = 0;
  // Records a use (never moves lastUsedAtMs backwards). Unknown: kErrApiKeyNotFound.
  virtual base::Status touchApiKey(std::string_view secretId, int64_t nowMs) = 0;
};

// --- Audit log (R19) -----------------------------------------------------------------------------

// One server-API request (or operator action). Text fields longer than 256 bytes are cut at
// a UTF-8 boundary: an attacker-chosen SecretId still leaves a record, just a shorter one.
struct AuditRecord {
  int64_t timeMs = 0;
  std::string secretId;  // as presented, even when it did not authenticate
  std::string action;    // e.g. "DescribeRoomInfo"
  uint32_t sdkAppId = 0;   // 0 when the request named none
  std::string resultCode;  // "" or "Ok" on success, else the error code
  std::string requestId;
  std::string maskedIp;  // masked by the caller (R11)
  bool operator==(const AuditRecord&) const = default;
};

// Data category: audit.
class AuditLog {
 public:
  virtual ~AuditLog() = default;
  virtual base::Status appendAudit(const AuditRecord& record) = 0;
  // fromMs <= timeMs < toMs, of one app when sdkAppId is set, newest first, at most `limit`.
  virtual base::Result<std::vector<AuditRecord>> listAudit(int64_t fromMs, int64_t toMs,
                                                           std::optional<uint32_t> sdkAppId, size_t limit) = 0;
};

// --- Room event log (DescribeRoomInfo / UserInfo / UserEvent / ScaleInfo) ------------------------

// One room lifetime. Times are Unix ms; a window [fromMs, toMs) overlaps a lifetime when
// start < toMs and (still open or end >= fromMs).
struct RoomRecord {
  std::string commId;  // "<SdkAppId>_<room>_<createTimeSec>", unique across apps
  uint32_t sdkAppId = 0;
  std::string room;  // numeric room id in decimal, or the strRoomId
  bool strRoom = false;
  std::string creatorUserId;  // raw: the app's own data, returned only to the app's API
  int64_t createdAtMs = 0;
  int64_t destroyedAtMs = 0;  // 0 while live
  bool operator==(const RoomRecord&) const = default;
};

// TRTC's role codes in callbacks and user events.
inline constexpr int kRoleCodeAnchor = 20;
inline constexpr int kRoleCodeAudience = 21;

// One stay of one user in one room (enter .. exit).
struct UserSessionRecord {
  std::string commId;
  uint32_t sdkAppId = 0;
  std::string room;
  std::string userId;  // raw: the app's own data, returned only to the app's API
  int64_t joinedAtMs = 0;
  int64_t leftAtMs = 0;  // 0 while in the room
  std::string maskedIp;
  std::string sdkVersion;
  std::string deviceType;
  int exitReason = 0;  // TRTC EXIT_ROOM Reason (1 normal, 2 timeout, 3 removed, ...); 0 while in room
  int role = kRoleCodeAnchor;  // TRTC Role (20 anchor, 21 audience), current while in the room
  bool operator==(const UserSessionRecord&) const = default;
};

struct UserEventRecord {
  std::string commId;
  uint32_t sdkAppId = 0;
  std::string userId;
  int64_t timeMs = 0;
  int eventId = 0;  // see the kUserEvent* constants
  int64_t paramOne = -1;
  int64_t paramTwo = -1;
  bool operator==(const UserEventRecord&) const = default;
};

// Event ids of DescribeUserEvent, from TRTC's "Event ID Mapping Table" (trtc.io/document/37906).
// TRTC's own 1001-1003 mean earphone, Bluetooth and network type, so the room events use the
// table's back-end ids: 7000 enter (paramOne 0 normal, 1 re-entry), 7001 exit (paramOne 0 normal,
// 1 timed out, 2 kicked out). The table has no role change; 9001 is Atrium's own (paramOne
// 20 anchor, 21 audience). Unused parameters are -1, as in the table.
inline constexpr int kUserEventEnterRoom = 7000;
inline constexpr int kUserEventExitRoom = 7001;
inline constexpr int kUserEventRoleChange = 9001;
inline constexpr int64_t kExitParamNormal = 0;
inline constexpr int64_t kExitParamTimeout = 1;
inline constexpr int64_t kExitParamKicked = 2;
// TRTC EXIT_ROOM callback Reason 2: what closeOpenRecords writes for sessions a crash cut off.
inline constexpr int kExitReasonTimeout = 2;

// One UTC day of DescribeScaleInfo, counted over the sessions that *entered* that day.
struct ScaleDay {
  int64_t dayStartSec = 0;  // UTC midnight, Unix s
  uint64_t distinctUsers = 0;
  uint64_t entries = 0;
  uint64_t rooms = 0;  // distinct rooms (CommIds) entered that day
  bool operator==(const ScaleDay&) const = default;
};

inline constexpr int64_t kMsPerDay = 86'400'000;
// scale() refuses longer windows (kErrInvalidArgument): each day is one element of the result.
inline constexpr int64_t kMaxScaleDays = 366;
// listUserEvents returns at most this many (the oldest) events.
inline constexpr size_t kMaxUserEvents = 10'000;

// Rooms, user sessions and user events (data category: back-end logs / quality data). Queries
// are scoped by sdkAppId: a CommId of another app finds nothing.
class RoomEventLog {
 public:
  virtual ~RoomEventLog() = default;
  // kErrRecordExists when the CommId is taken (a room re-created within the same second): the
  // caller picks another CommId, e.g. with createTimeSec + 1.
  virtual base::Status roomCreated(const RoomRecord& room) = 0;
  // kErrRecordNotFound unless the room is recorded and still live.
  virtual base::Status roomDestroyed(std::string_view commId, int64_t atMs) = 0;
  // kErrRecordExists for a second session with the same (commId, userId, joinedAtMs).
  virtual base::Status userJoined(const UserSessionRecord& session) = 0;
  // kErrRecordNotFound unless that session is recorded and still open.
  virtual base::Status userLeft(std::string_view commId, std::string_view userId, int64_t joinedAtMs,
                                int64_t leftAtMs, int exitReason) = 0;
  virtual base::Status appendUserEvent(const UserEventRecord& event) = 0;
  // The role of the user's open session in the room (a switchRole). kErrRecordNotFound when none.
  virtual base::Status userRoleChanged(std::string_view commId, std::string_view userId, int role) = 0;

  // Rooms of the app whose lifetime overlaps [fromMs, toMs), optionally only those named `room`,
  // newest first; the page [offset, offset + limit) and the total over all pages.
  virtual base::Result<std::pair<std::vector<RoomRecord>, size_t>> listRooms(
      uint32_t sdkAppId, int64_t fromMs, int64_t toMs, std::optional<std::string> room, size_t offset,
      size_t limit) = 0;
  virtual base::Result<std::optional<RoomRecord>> findRoom(uint32_t sdkAppId, std::string_view commId) = 0;
  // Sessions in the room overlapping [fromMs, toMs), of the given users (empty = everyone),
  // ordered by joinedAtMs then userId; the page and the total.
  virtual base::Result<std::pair<std::vector<UserSessionRecord>, size_t>> listUserSessions(
      uint32_t sdkAppId, std::string_view commId, int64_t fromMs, int64_t toMs, std::vector<std::string> userIds,
      size_t offset, size_t limit) = 0;
  // One user's events in the room with fromMs <= timeMs < toMs, oldest first (kMaxUserEvents).
  virtual base::Result<std::vector<UserEventRecord>> listUserEvents(uint32_t sdkAppId, std::string_view commId,
                                                                    std::string_view userId, int64_t fromMs,
                                                                    int64_t toMs) = 0;
  // One ScaleDay per UTC day from the day holding fromMs to the day holding toMs - 1, days
  // without entries included; only entries with fromMs <= joinedAtMs < toMs count. Empty when
  // toMs <= fromMs; kErrInvalidArgument beyond kMaxScaleDays or for negative times.
  virtual base::Result<std::vector<ScaleDay>> scale(uint32_t sdkAppId, int64_t fromMs, int64_t toMs) = 0;
  // At daemon start, before any room exists: rooms and sessions a crash left open end at atMs
  // (or at their start, if later); each closed session gets exitReason kExitReasonTimeout and
  // a kUserEventExitRoom event (paramOne kExitParamTimeout), so lifetimes and event lists agree.
  // Returns what it closed, so the caller can send the exits and room ends nobody reported
  // (every 103 gets its 104, every room its 102).
  struct ClosedRecords {
    std::vector<UserSessionRecord> sessions;  // as they were, open (room ids resolved below)
    std::vector<RoomRecord> rooms;
  };
  virtual base::Result<ClosedRecords> closeOpenRecords(int64_t atMs) = 0;
};

// --- Durable callback queue (R9) ----------------------------------------------------------------

// One event callback waiting for delivery. The body is the exact JSON that is signed and POSTed.
struct CallbackJob {
  int64_t id = 0;
  uint32_t sdkAppId = 0;
  std::string body;
  int64_t createdAtMs = 0;
  int64_t nextAttemptAtMs = 0;
  int attempts = 0;
  bool operator==(const CallbackJob&) const = default;
};

// A callback given up on (callback_failures), for `atrium callbacks list|resend`.
struct FailedCallback {
  int64_t id = 0;
  uint32_t sdkAppId = 0;
  std::string body;
  int64_t createdAtMs = 0;
  int attempts = 0;
  int64_t failedAtMs = 0;
  std::string reason;
  bool operator==(const FailedCallback&) const = default;
};

// R9 "written before it is sent, removed only after HTTP 200": the sender enqueues, the one
// dispatcher per database delivers due jobs and completes, reschedules or fails each. Jobs
// survive restarts. Data category: back-end logs (bodies carry user ids).
class CallbackQueue {
 public:
  virtual ~CallbackQueue() = default;
  // Due at once (nextAttemptAtMs = nowMs, attempts 0). An empty body is kErrInvalidArgument.
  // orderKey: jobs that share a non-empty key are delivered strictly in enqueue order — one
  // room's events, so a room's 102 never overtakes its 103/104 while those are retried; ""
  // orders nothing.
  virtual base::Result<int64_t> enqueueCallback(uint32_t sdkAppId, std::string body, int64_t nowMs,
                                                std::string orderKey) = 0;
  base::Result<int64_t> enqueueCallback(uint32_t sdkAppId, std::string body, int64_t nowMs) {
    return enqueueCallback(sdkAppId, std::move(body), nowMs, std::string());
  }
  // Jobs with nextAttemptAtMs <= nowMs and no earlier job of their order key still pending,
  // oldest (first enqueued) first, at most `limit`.
  virtual base::Result<std::vector<CallbackJob>> dueCallbacks(int64_t nowMs, size_t limit) = 0;
  // Delivered: deletes the job. kErrRecordNotFound when no such job.
  virtual base::Status completeCallback(int64_t id) = 0;
  virtual base::Status rescheduleCallback(int64_t id, int attempts, int64_t nextAttemptAtMs) = 0;
  // Gave up: moves the job to callback_failures (kept for inspection until retention purges it).
  virtual base::Status failCallback(int64_t id, std::string reason, int64_t nowMs) = 0;
  virtual base::Result<size_t> pendingCallbacks() = 0;
  virtual base::Result<size_t> failedCallbacks(std::optional<uint32_t> sdkAppId) = 0;
  // Given-up callbacks, most recently given up first, at most `limit`.
  virtual base::Result<std::vector<FailedCallback>> listFailedCallbacks(std::optional<uint32_t> sdkAppId,
                                                                      size_t limit) = 0;
  // Queues a given-up callback again (same body and Sign, due at once, counted from nowMs) and
  // removes it from the failures, in one transaction. Returns the new job's id;
  // kErrRecordNotFound when there is no such failure.
  virtual base::Result<int64_t> resendFailedCallback(int64_t failureId, int64_t nowMs) = 0;
};

// --- Call-quality data (R10, R13) -----------------------------------------------------------------

// TRTC DescribeCallDetailInfo metric names (trtc-compat §4.2), in this order. The enum value is the
// index into QualitySample::values and the order of the quality_samples metric columns.
enum class QualityMetric {
  kAppCpu, kSysCpu, kABit, kABlock, kBigvBit, kBigvCapFps, kBigvEncFps, kBigvDecFps,
  kBigvRecFps, kBigvBlock, kALoss, kBigvLoss, kBigvWidth, kBigvHeight, kACapEnergy, kAPlayEnergy, kRtt, kJitter
};
inline constexpr size_t kQualityMetricCount = 18;
// "appCpu", "sysCpu", "aBit", "aBlock", "bigvBit", "bigvCapFps", "bigvEncFps", "bigvDecFps", "bigvRecFps",
// "bigvBlock", "aLoss", "bigvLoss", "bigvWidth", "bigvHeight", "aCapEnergy", "aPlayEnergy", "rtt", "jitter"
std::string_view toString(QualityMetric m);
std::optional<QualityMetric> qualityMetricFromString(std::string_view name);

// One 2-second report of one user in one room (R10). Data category: quality data.
struct QualitySample {
  uint32_t sdkAppId = 0;
  std::string commId;
  std::string userId;  // the reporter (raw: the app's own data, returned only to the app's API)
  std::string peerId;  // "" for the reporter's own upstream/device metrics; else the remote user whose stream was received
  int64_t timeMs = 0;
  std::string source;  // "sdk" (from the client's getStats) | "server" (from RTCP receiver reports)
  std::array<std::optional<double>, kQualityMetricCount> values;  // index: QualityMetric; nullopt = not reported
  bool operator==(const QualitySample&) const = default;
};

// listQuality returns at most this many samples whatever the caller asks (one user's 14 days of
// 2-second reports with 3 peers is 2.4 M rows: callers page by time instead).
inline constexpr size_t kMaxQualitySamples = 100'000;

// Engine-neutral check (kErrInvalidArgument), shared by every engine.
base::Status validateQualitySample(const QualitySample& sample);

class QualityLog {
 public:
  virtual ~QualityLog() = default;
  // All in one transaction (callers batch: 10 000 participants report every 2 s). Every sample is
  // validated first (commId, userId non-empty; source "sdk" or "server"; values finite): one bad
  // sample rejects the batch with kErrInvalidArgument and nothing is written.
  virtual base::Status appendQuality(std::span<const QualitySample> samples) = 0;
  // Samples of room commId of app sdkAppId with fromMs <= timeMs < toMs, of the given users (empty = all;
  // match reporter userId), ordered by userId, peerId, source, timeMs (byte order); at most `limit`
  // (and kMaxQualitySamples).
  virtual base::Result<std::vector<QualitySample>> listQuality(uint32_t sdkAppId, std::string_view commId,
                                                               std::vector<std::string> userIds, int64_t fromMs,
                                                               int64_t toMs, size_t limit) = 0;
};

// --- Surge notices (R23) -----------------------------------------------------------------------------

// A customer's advance notice of a large surge, as the operator registered it. The SLA engine
// (telemetry::SurgeNotice, which store/ cannot include: telemetry depends on store) reads it as
// {sdkAppId, startMs, endMs, noticeGivenAtMs = registeredAtMs, kind = note}.
struct SurgeNoticeRecord {
  int64_t id = 0;  // set by the store
  uint32_t sdkAppId = 0;
  int64_t startMs = 0;
  int64_t endMs = 0;           // > startMs
  int64_t registeredAtMs = 0;  // when the customer gave notice; 0 = now (the store's clock)
  std::string note;            // free text, e.g. the surge kind ("concurrency"); at most 256 bytes
  bool operator==(const SurgeNoticeRecord&) const = default;
};

base::Status validateSurgeNotice(const SurgeNoticeRecord& notice);

// Data category: console settings (an operator's record about an app; no personal data).
class SurgeNoticeRepository {
 public:
  virtual ~SurgeNoticeRepository() = default;
  // Returns the id. kErrInvalidArgument for app 0, endMs <= startMs or a note past 256 bytes or with
  // control characters. The app need not exist (notices can be recorded before an import).
  virtual base::Result<int64_t> addSurgeNotice(const SurgeNoticeRecord& notice) = 0;
  // Notices of the app whose [startMs, endMs) overlaps [fromMs, toMs), by startMs then id.
  virtual base::Result<std::vector<SurgeNoticeRecord>> listSurgeNotices(uint32_t sdkAppId, int64_t fromMs,
                                                                        int64_t toMs) = 0;
  // kErrRecordNotFound unless notice `id` belongs to that app (an id of another app is not found).
  virtual base::Status removeSurgeNotice(uint32_t sdkAppId, int64_t id) = 0;
};

// --- Erasure log (R13) ---------------------------------------------------------------------------------

// That a data-subject erasure happened, not whose data it was: there is deliberately no user id
// (storing it would keep exactly what was erased). Data category: audit.
struct ErasureRecord {
  int64_t id = 0;
  int64_t timeMs = 0;
  uint32_t sdkAppId = 0;
  std::string requestedBy;  // operator or ticket reference (at most 256 bytes, cut at a UTF-8 boundary)
  uint64_t rowsRemoved = 0;
  bool operator==(const ErasureRecord&) const = default;
};

class ErasureLog {
 public:
  virtual ~ErasureLog() = default;
  // fromMs <= timeMs < toMs, of one app when sdkAppId is set, oldest first, at most `limit`.
  // (Rows are written only by Store::eraseUser.)
  virtual base::Result<std::vector<ErasureRecord>> listErasures(int64_t fromMs, int64_t toMs,
                                                                std::optional<uint32_t> sdkAppId, size_t limit) = 0;
};

// --- Retention and erasure (R11, R13) ----------------------------------------------------------------

inline constexpr int64_t kDefaultBackendLogsMs = 30 * kMsPerDay;
inline constexpr int64_t kDefaultEntryEventsMs = 62 * kMsPerDay;
inline constexpr int64_t kDefaultQualityMs = 14 * kMsPerDay;
inline constexpr int64_t kDefaultAuditMs = 180 * kMsPerDay;
// R13: a deleted app's data is gone within 7 days. purgeExpired runs hourly, so a grace of at
// most 6 days (plus an hour's lag, plus time for a failed run to be retried) stays inside that.
inline constexpr int64_t kMaxDeletedAppGraceMs = 6 * kMsPerDay;

// How long each data category is kept, in ms before purgeExpired's nowMs. Row age is the time
// the record was closed: a room's or session's end (open ones are never purged), a failure's
// failed_at, a surge notice's end, otherwise its time_ms.
struct RetentionPolicy {
  // rooms, user_sessions, callback_failures. R13 names no figure; 30 days covers a month of
  // support questions ("who was in room X last week?") and TRTC's 14-day DescribeRoomInfo window.
  int64_t backendLogsMs = kDefaultBackendLogsMs;
  // entry_events, though back-end logs, feed the SLA (R20-R22): a service month's report needs
  // the whole month until the customer can no longer claim, so two months. They hold only masked ids.
  int64_t entryEventsMs = kDefaultEntryEventsMs;
  // quality_samples, user_events: R13 "quality data is queryable for 14 days" — and no longer.
  int64_t qualityMs = kDefaultQualityMs;
  // audit_log, erasure_log, surge_notices (the evidence behind an SLA exclusion). No personal
  // data beyond masked IPs; kept when an app is purged (they are the operator's records).
  int64_t auditMs = kDefaultAuditMs;
  // Time after deleteApp before purgeExpired removes the app's data; 0..kMaxDeletedAppGraceMs.
  int64_t deletedAppGraceMs = 0;
};

// Rows removed (or, for rooms.creator_user_id and entry_events.masked_user_id under erasure,
// blanked) per table, in the order the tables were processed; a table appears once.
struct PurgeReport {
  std::vector<std::pair<std::string, size_t>> rowsByTable;
  size_t total() const;
  void add(std::string_view table, size_t rows);  // merges into an existing entry
};

class DataProtection {
 public:
  virtual ~DataProtection() = default;
  // The hourly purge job: every row older than its category's retention, and every row of every
  // app deleted at least deletedAppGraceMs ago (purgeApp). Large deletes run in bounded batches,
  // each its own transaction, so writers are never blocked for long; a run cut short (crash,
  // error) leaves consistent data and the next run continues. kErrInvalidArgument for a policy
  // with a non-positive retention or a grace outside 0..kMaxDeletedAppGraceMs.
  virtual base::Result<PurgeReport> purgeExpired(const RetentionPolicy& policy, int64_t nowMs) = 0;
  // Everything of one deleted app, now: its rows in every table that holds app data, its API-key
  // scope rows and finally the apps row (so an interrupted purge is retried). audit_log and
  // erasure_log are kept (operator records, no personal data; they expire with auditMs).
  // kErrAppNotFound when no such app, kErrInvalidArgument when it is not deleted.
  virtual base::Result<PurgeReport> purgeApp(uint32_t sdkAppId) = 0;
  // The rows purgeApp deletes (every table holding app data, API-key scope rows included), but
  // neither the apps row nor a check of it: for a region's database (R15), which holds the app's
  // data while its apps row lives in the default database. The caller has checked that the app is
  // deleted there. Batched like purgeApp; the report has no "apps" entry.
  virtual base::Result<PurgeReport> purgeAppData(uint32_t sdkAppId) = 0;
  // A data-subject erasure (R13), in one transaction: the user's user_sessions, user_events,
  // quality_samples (as reporter or as peer) and queued/failed callbacks naming the user (any
  // "UserId" member of the JSON body) are deleted; rooms they created keep the room with a blank
  // creator; entry_events rows carrying the user's masked id get "****" (the mask is derivable from
  // the id, so it is erased too, but the entry still counts for the SLA). An erasure_log row
  // records the time, app, requestedBy and the total, not the user id. kErrInvalidArgument for an
  // empty userId.
  virtual base::Result<PurgeReport> eraseUser(uint32_t sdkAppId, std::string_view userId, std::string_view requestedBy,
                                              int64_t nowMs) = 0;
  // (table, column) of every column of the live schema, by table name then column position:
  // the source of truth docs/data-inventory.md is checked against.
  virtual base::Result<std::vector<std::pair<std::string, std::string>>> describeSchema() = 0;
};

// --- Settings changes (issue 10: caches in front of what every request reads) ----------------------

// Apps and API keys as a cache loads them. Every write to an app or an API key — by any process:
// the daemon, the `atrium` CLI, another node — increments the database's settings version in the
// same transaction and stamps the rows it changed with the new version. Writers of the version
// queue on its row, so versions are handed out in commit order: a reader that saw version V and
// later reads the rows stamped after V misses nothing.
struct SettingsChanges {
  int64_t version = 0;
  std::vector<App> apps;        // stamped after `since` (every app when since is 0), deleted ones too
  std::vector<ApiKey> apiKeys;  // likewise, with their secret keys; revoked ones too
  // When since > 0: every sdkAppId and SecretId still in the database, so a reader can drop the
  // rows purged since (a purge deletes rows; it has nothing to stamp).
  std::vector<uint32_t> presentAppIds;
  std::vector<std::string> presentApiKeyIds;
};

class SettingsLog {
 public:
  virtual ~SettingsLog() = default;
  // One cheap read: what a poller asks every few hundred milliseconds.
  virtual base::Result<int64_t> settingsVersion() = 0;
  // Read in one snapshot, so the version and the rows agree.
  virtual base::Result<SettingsChanges> settingsChangedSince(int64_t version) = 0;
};

// --- Control-path write batches (issue 10: one batching writer behind what requests write) ---------

struct RoomEnd {  // RoomEventLog::roomDestroyed
  std::string commId;
  uint32_t sdkAppId = 0;  // routes the write (RoutedStore)
  int64_t atMs = 0;
};
struct SessionEnd {  // RoomEventLog::userLeft
  std::string commId;
  uint32_t sdkAppId = 0;
  std::string userId;
  int64_t joinedAtMs = 0;
  int64_t leftAtMs = 0;
  int exitReason = 0;
};
struct RoleChange {  // RoomEventLog::userRoleChanged
  std::string commId;
  uint32_t sdkAppId = 0;
  std::string userId;
  int role = kRoleCodeAnchor;
};
// CallbackQueue::enqueueCallback, but only if the app, as the batch is written, is active and has
// a callback URL: decided against the database rather than a cache, so a URL set a moment ago by
// the CLI already gets the next event (as a synchronous enqueue did).
struct CallbackEnqueue {
  uint32_t sdkAppId = 0;
  std::string body;
  int64_t nowMs = 0;
  std::string orderKey;
  bool appChecked = false;  // RoutedStore: checked against the default database already
};
struct ApiKeyUse {  // ApiKeyRepository::touchApiKey
  std::string secretId;
  int64_t atMs = 0;
};
// One write of the control path. RoomRecord is a room creation, UserSessionRecord a user entry.
using ControlWrite = std::variant<EntryEvent, RoomRecord, RoomEnd, UserSessionRecord, SessionEnd, UserEventRecord,
                                  RoleChange, CallbackEnqueue, AuditRecord, ApiKeyUse>;
// The app whose database an app-scoped write goes to; nullopt for the default database's
// (audit records, API-key use).
std::optional<uint32_t> appOf(const ControlWrite& write);

struct ControlBatchReport {
  size_t written = 0;
  // Writes with nothing to do, which are not errors: a batch is replayed after a failure, and a
  // session's end may arrive after its start was dropped (a full backlog). A room or session
  // already recorded, an end of nothing open, an invalid row (logged).
  size_t skipped = 0;
  // Indexes (ascending) of writes that were not committed because their database failed
  // (RoutedStore: one transaction per database); `error` says why. Empty when all committed.
  std::vector<size_t> failed;
  std::optional<base::Error> error;
};

class ControlWriteLog {
 public:
  virtual ~ControlWriteLog() = default;
  // The writes in order, in one transaction per database: a failure (disk full, lock timeout,
  // connection lost) commits none of that database's writes, so the caller can retry them as
  // they are. An error result means nothing at all was committed.
  virtual base::Result<ControlBatchReport> writeControlBatch(std::span<const ControlWrite> writes) = 0;
};

// Everything one database holds. Implementations are safe to call from several threads, and
// several processes (daemon and CLI) may open the same database at once.
class Store : public AppRepository,
              public EntryLog,
              public ApiKeyRepository,
              public AuditLog,
              public RoomEventLog,
              public CallbackQueue,
              public QualityLog,
              public SurgeNoticeRepository,
              public ErasureLog,
              public DataProtection,
              public SettingsLog,
              public ControlWriteLog {
 public:
#ifdef ATRIUM_TEST_HOOKS
  // Holds the database's write lock (SQLite: BEGIN IMMEDIATE; PostgreSQL: an exclusive lock on the
  // settings version row) for `ms` on the caller's thread, as a CLI in a long transaction would.
  virtual base::Status holdWriteLockForTest(int64_t ms) = 0;
#endif
};

// Opens (creating and migrating if needed) a SQLite database. masterKey (32 bytes) encrypts the
// secrets; the first open records a check value, so a later open with another key fails with
// kErrMasterKeyMismatch instead of producing garbage.
base::Result<std::unique_ptr<Store>> openSqliteStore(const std::string& path,
                                                     std::span<const uint8_t> masterKey,
                                                     base::Clock& clock);

// Opens (migrating if needed) a PostgreSQL database for scale-out (R15: one database per region;
// the composition root maps each app's region to a DSN). dsn is a libpq connection string
// ("host=... port=... dbname=... user=..." or a postgresql:// URI); the tables go into the
// connection's current schema (search_path). The database must use the C collation (text sorts
// by bytes, as in SQLite): others are refused with kErrInvalidArgument. Same schema, same
// behaviour and same master-key check as the SQLite store; one connection per Store, guarded by
// a mutex. A dropped connection surfaces as kErrIo (no automatic reconnect: reopen the store).
base::Result<std::unique_ptr<Store>> openPostgresStore(const std::string& dsn, std::span<const uint8_t> masterKey,
                                                       base::Clock& clock);

}  // namespace atrium::store
