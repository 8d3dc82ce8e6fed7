// Storage interfaces (R1, R10-R13, R20). Callers see plain structs and Results; which engine
// sits behind them (SQLite today, PostgreSQL for scale-out) is the composition root's choice.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
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

// Everything one database holds. Implementations are safe to call from several threads, and
// several processes (daemon and CLI) may open the same database at once.
class Store : public AppRepository, public EntryLog {};

// Opens (creating and migrating if needed) a SQLite database. masterKey (32 bytes) encrypts the
// secrets; the first open records a check value, so a later open with another key fails with
// kErrMasterKeyMismatch instead of producing garbage.
base::Result<std::unique_ptr<Store>> openSqliteStore(const std::string& path,
                                                     std::span<const uint8_t> masterKey,
                                                     base::Clock& clock);

}  // namespace atrium::store
