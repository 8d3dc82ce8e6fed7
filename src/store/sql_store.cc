// Store over SQL (SQLite or PostgreSQL): one connection per Store, statements prepared once, a
// mutex because a connection and its statements must not be used by two threads at once. This
// file: open, migrations, master-key check, apps and the entry log.
#include <string.h>  // explicit_bzero

#include "store/migrations.h"
#include "store/sql_store_impl.h"

namespace atrium::store {
namespace {

constexpr size_t kSecretKeyBytes = 32;    // 64 hex chars, like TRTC console keys
constexpr size_t kCallbackKeyBytes = 16;  // 32 hex chars
constexpr int kIdAllocationAttempts = 16;
constexpr std::string_view kKeyCheckName = "master_key_check";
constexpr std::string_view kKeyCheckPlaintext = "atrium store master key check v1";
constexpr std::string_view kKeyCheckAad = "store_meta.master_key_check";

// The aad binds each ciphertext to its column and app, so a ciphertext copied into another
// row or field fails to open instead of handing out the wrong app's key.
std::string secretKeyAad(uint32_t id) { return "apps.secret_key:" + std::to_string(id); }
std::string callbackKeyAad(uint32_t id) { return "apps.callback_key:" + std::to_string(id); }

constexpr const char* kSelectApp = kSelectAppSql;

constexpr const char* kSelectEntry =
    "SELECT time_ms, sdk_app_id, room, masked_user_id, masked_ip, success, cause, error_code "
    "FROM entry_events ";

base::Error appNotFound(uint32_t id) {
  return base::makeError(kErrAppNotFound, "no app " + std::to_string(id) + " (or it is deleted)");
}

uint32_t randomSdkAppId() {
  auto bytes = crypto::randomBytes(4);
  uint32_t v = uint32_t{bytes[0]} << 24 | uint32_t{bytes[1]} << 16 | uint32_t{bytes[2]} << 8 | bytes[3];
  // The modulo bias over a 100M range is below 3 %: irrelevant for picking an unused id.
  return kMinAllocatedSdkAppId + v % (kMaxAllocatedSdkAppId - kMinAllocatedSdkAppId + 1);
}

}  // namespace

base::Status prepareAll(SqlConnection& db, std::span<const std::pair<Statement*, std::string>> all) {
  for (const auto& [stmt, sql] : all) {
    auto prepared = db.prepare(sql);
    if (!prepared) return prepared.error();
    *stmt = std::move(*prepared);
  }
  return base::Ok{};
}

SqlStore::SqlStore(std::unique_ptr<SqlConnection> db, std::span<const uint8_t> masterKey, base::Clock& clock)
    : db_(std::move(db)), clock_(clock) {
  std::copy(masterKey.begin(), masterKey.end(), key_.begin());
}

SqlStore::~SqlStore() { explicit_bzero(key_.data(), key_.size()); }

base::Status SqlStore::init() {
  if (auto s = migrate(); !s) return s;
  return prepareStatements();
}

base::Status SqlStore::migrate() {
  Transaction tx(*db_);
  if (auto s = tx.begin(); !s) return s;
  // Two processes opening a new database at once: the second waits here, then sees version N.
  if (auto s = db_->lockForMigration(); !s) return s;
  if (auto s = db_->exec("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, "
                        "applied_at_ms BIGINT NOT NULL)");
      !s)
    return s;
  auto maxStmt = db_->prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  auto insertStmt = db_->prepare("INSERT INTO schema_migrations (version, applied_at_ms) VALUES (?, ?)");
  if (!maxStmt) return maxStmt.error();
  if (!insertStmt) return insertStmt.error();
  int64_t current = 0;
  {
    Query q(*maxStmt);
    auto row = q.step();
    if (!row) return row.error();
    current = q.int64(0);
  }
  auto all = migrations();
  if (!all.empty() && current > all.back().version)
    return base::makeError(kErrIo, "database schema version " + std::to_string(current) +
                                       " is newer than this build knows (" + std::to_string(all.back().version) + ")");
  for (const Migration& m : all) {
    if (m.version <= current) continue;
    if (auto s = db_->exec(migrationSql(m.sql, db_->dialect())); !s)
      return base::makeError(s.error().code, "migration " + std::to_string(m.version) + ": " + s.error().message);
    Query q(*insertStmt);
    if (auto s = q.bind(int64_t{m.version}).bind(clock_.wallMs()).run(); !s) return s;
  }
  // Same transaction: two processes creating one database agree on a single check value.
  if (auto s = checkMasterKey(); !s) return s;
  return tx.commit();
}

base::Status SqlStore::checkMasterKey() {
  auto select = db_->prepare("SELECT value FROM store_meta WHERE name = ?");
  if (!select) return select.error();
  Query q(*select);
  auto row = q.bind(kKeyCheckName).step();
  if (!row) return row.error();
  if (*row) {
    auto opened = crypto::aeadOpen(key_, q.blob(0), kKeyCheckAad);
    bool matches = opened && std::string_view(reinterpret_cast<const char*>(opened->data()), opened->size()) ==
                                 kKeyCheckPlaintext;
    if (!matches)
      return base::makeError(kErrMasterKeyMismatch,
                             "the master key does not match the one this database was created with");
    return base::Ok{};
  }
  auto insert = db_->prepare("INSERT INTO store_meta (name, value) VALUES (?, ?)");
  if (!insert) return insert.error();
  auto check = crypto::aeadSeal(key_, crypto::asBytes(kKeyCheckPlaintext), kKeyCheckAad);
  Query ins(*insert);
  return ins.bind(kKeyCheckName).bind(check).run();
}

base::Status SqlStore::prepareStatements() {
  std::string selectApp = kSelectApp;
  std::string selectEntry = kSelectEntry;
  const std::pair<Statement*, std::string> all[] = {
      {&st_.insertApp,
       "INSERT INTO apps (sdk_app_id, name, secret_key_enc, status, max_rtc_users, max_live_users, "
       "max_publishers, max_rooms, advanced_permission, recording, relay, callback_url, callback_key_enc, "
       "region, created_at_ms, updated_at_ms, deleted_at_ms) "
       "VALUES (?, ?, ?, 'active', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)"},
      {&st_.selectApp, selectApp + "WHERE sdk_app_id = ?"},
      {&st_.listLiveApps, selectApp + "WHERE status <> 'deleted' ORDER BY sdk_app_id"},
      {&st_.listAllApps, selectApp + "ORDER BY sdk_app_id"},
      {&st_.updateApp,
       "UPDATE apps SET name = ?, max_rtc_users = ?, max_live_users = ?, max_publishers = ?, max_rooms = ?, "
       "advanced_permission = ?, recording = ?, relay = ?, callback_url = ?, callback_key_enc = ?, region = ?, "
       "updated_at_ms = ? WHERE sdk_app_id = ? AND status <> 'deleted'"},
      {&st_.updateSecret,
       "UPDATE apps SET secret_key_enc = ?, updated_at_ms = ? WHERE sdk_app_id = ? AND status <> 'deleted'"},
      {&st_.updateStatus,
       "UPDATE apps SET status = ?, deleted_at_ms = ?, updated_at_ms = ? "
       "WHERE sdk_app_id = ? AND status <> 'deleted'"},
      {&st_.insertEntry,
       "INSERT INTO entry_events (time_ms, sdk_app_id, room, masked_user_id, masked_ip, success, cause, "
       "error_code) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"},
      {&st_.listEntries,
       selectEntry + "WHERE sdk_app_id = ? AND time_ms >= ? AND time_ms < ? ORDER BY time_ms, id LIMIT ?"},
  };
  if (auto s = prepareAll(*db_, all); !s) return s;
  if (auto s = prepareApiStatements(); !s) return s;
  if (auto s = prepareRoomLogStatements(); !s) return s;
  if (auto s = prepareCallbackStatements(); !s) return s;
  if (auto s = prepareSettingsStatements(); !s) return s;
  if (auto s = prepareBatchStatements(); !s) return s;
  return prepareQualityStatements();
}

base::Status SqlStore::changeOne(Query& q, const std::string& what) {
  if (auto s = q.run(); !s) return s;
  if (db_->changes() == 0) return base::makeError(kErrRecordNotFound, "no " + what);
  return base::Ok{};
}

crypto::Bytes SqlStore::seal(std::string_view plaintext, const std::string& aad) const {
  if (plaintext.empty()) return {};  // stored as NULL
  return crypto::aeadSeal(key_, crypto::asBytes(plaintext), aad);
}

base::Result<std::string> SqlStore::openSecret(const std::vector<uint8_t>& sealed, const std::string& aad,
                                                  uint32_t id) const {
  if (sealed.empty()) return std::string();
  auto opened = crypto::aeadOpen(key_, sealed, aad);
  if (!opened)
    return base::makeError(kErrCorrupt, "a stored key of app " + std::to_string(id) + " does not decrypt");
  return std::string(opened->begin(), opened->end());
}

base::Result<App> SqlStore::readApp(const Query& q) const {
  App app;
  app.sdkAppId = static_cast<uint32_t>(q.int64(0));
  app.name = q.text(1);
  auto secret = openSecret(q.blob(2), secretKeyAad(app.sdkAppId), app.sdkAppId);
  if (!secret) return secret.error();
  app.secretKey = std::move(*secret);
  auto status = appStatusFromString(q.text(3));
  if (!status) return base::makeError(kErrCorrupt, "app " + std::to_string(app.sdkAppId) + " has an unknown status");
  app.status = *status;
  app.limits = {static_cast<uint32_t>(q.int64(4)), static_cast<uint32_t>(q.int64(5)),
                static_cast<uint32_t>(q.int64(6)), static_cast<uint32_t>(q.int64(7))};
  app.features = {q.int64(8) != 0, q.int64(9) != 0, q.int64(10) != 0};
  app.callbackUrl = q.text(11);
  auto callbackKey = openSecret(q.blob(12), callbackKeyAad(app.sdkAppId), app.sdkAppId);
  if (!callbackKey) return callbackKey.error();
  app.callbackKey = std::move(*callbackKey);
  app.region = q.text(13);
  app.createdAtMs = q.int64(14);
  app.updatedAtMs = q.int64(15);
  app.deletedAtMs = q.int64(16);  // NULL reads as 0
  return app;
}

base::Result<App> SqlStore::createApp(const App& request) {
  if (auto s = validateApp(request); !s) return s.error();
  App app = request;
  app.status = AppStatus::kActive;
  app.createdAtMs = app.updatedAtMs = clock_.wallMs();
  app.deletedAtMs = 0;
  if (app.secretKey.empty()) app.secretKey = crypto::randomHex(kSecretKeyBytes);
  if (!app.callbackUrl.empty() && app.callbackKey.empty()) app.callbackKey = crypto::randomHex(kCallbackKeyBytes);
  const bool allocate = app.sdkAppId == 0;

  std::lock_guard lock(mu_);
  for (int attempt = 0; attempt < kIdAllocationAttempts; ++attempt) {
    if (allocate) app.sdkAppId = randomSdkAppId();
    // One transaction per attempt (a failed INSERT ends a PostgreSQL transaction), holding the
    // row and the settings version it bumps.
    Transaction tx(*db_);
    if (auto s = tx.begin(); !s) return s.error();
    // Sealed per attempt: the aad names the id. INSERT itself detects a taken id, so two
    // processes allocating at once cannot both win.
    base::Status s = base::Ok{};
    {
      Query q(st_.insertApp);
      q.bind(int64_t{app.sdkAppId}).bind(app.name).bind(seal(app.secretKey, secretKeyAad(app.sdkAppId)));
      q.bind(int64_t{app.limits.maxRtcUsers}).bind(int64_t{app.limits.maxLiveUsers});
      q.bind(int64_t{app.limits.maxPublishers}).bind(int64_t{app.limits.maxRooms});
      q.bind(int64_t{app.features.advancedPermission}).bind(int64_t{app.features.recording});
      q.bind(int64_t{app.features.relay}).bind(app.callbackUrl);
      q.bind(seal(app.callbackKey, callbackKeyAad(app.sdkAppId))).bind(app.region);
      q.bind(app.createdAtMs).bind(app.updatedAtMs);
      s = q.run();
    }
    if (s) {
      if (auto c = appChangedLocked(app.sdkAppId); !c) return c.error();
      if (auto c = tx.commit(); !c) return c.error();
      return app;
    }
    if (s.error().code != kErrDuplicate) return s.error();
    if (!allocate)
      return base::makeError(kErrAppExists, "app " + std::to_string(app.sdkAppId) + " already exists");
  }
  return base::makeError(kErrIo, "no unused SdkAppId found in " + std::to_string(kIdAllocationAttempts) + " attempts");
}

base::Result<std::optional<App>> SqlStore::getApp(uint32_t sdkAppId) {
  std::lock_guard lock(mu_);
  return getAppLocked(sdkAppId);
}

base::Result<std::optional<App>> SqlStore::getAppLocked(uint32_t sdkAppId) {
  Query q(st_.selectApp);
  auto row = q.bind(int64_t{sdkAppId}).step();
  if (!row) return row.error();
  if (!*row) return std::optional<App>();
  auto app = readApp(q);
  if (!app) return app.error();
  return std::optional<App>(std::move(*app));
}

base::Result<std::vector<App>> SqlStore::listApps(bool includeDeleted) {
  std::lock_guard lock(mu_);
  Query q(includeDeleted ? st_.listAllApps : st_.listLiveApps);
  std::vector<App> apps;
  for (;;) {
    auto row = q.step();
    if (!row) return row.error();
    if (!*row) return apps;
    auto app = readApp(q);
    if (!app) return app.error();
    apps.push_back(std::move(*app));
  }
}

base::Status SqlStore::updateOne(Query& q, uint32_t sdkAppId) {
  if (auto s = q.run(); !s) return s;
  if (db_->changes() == 0) return appNotFound(sdkAppId);
  return base::Ok{};
}

base::Result<App> SqlStore::updateApp(const App& request) {
  if (auto s = validateApp(request); !s) return s.error();
  std::string callbackKey = request.callbackKey;
  if (!request.callbackUrl.empty() && callbackKey.empty()) callbackKey = crypto::randomHex(kCallbackKeyBytes);
  const uint32_t id = request.sdkAppId;

  std::lock_guard lock(mu_);
  Transaction tx(*db_);
  if (auto s = tx.begin(); !s) return s.error();
  {
    Query q(st_.updateApp);
    q.bind(request.name).bind(int64_t{request.limits.maxRtcUsers}).bind(int64_t{request.limits.maxLiveUsers});
    q.bind(int64_t{request.limits.maxPublishers}).bind(int64_t{request.limits.maxRooms});
    q.bind(int64_t{request.features.advancedPermission}).bind(int64_t{request.features.recording});
    q.bind(int64_t{request.features.relay}).bind(request.callbackUrl);
    q.bind(seal(callbackKey, callbackKeyAad(id))).bind(request.region).bind(clock_.wallMs()).bind(int64_t{id});
    if (auto s = updateOne(q, id); !s) return s.error();
  }
  if (auto s = appChangedLocked(id); !s) return s.error();
  if (auto s = tx.commit(); !s) return s.error();
  auto app = getAppLocked(id);
  if (!app) return app.error();
  if (!*app) return appNotFound(id);
  return std::move(**app);
}

base::Result<std::string> SqlStore::rotateSecretKey(uint32_t sdkAppId) {
  std::string key = crypto::randomHex(kSecretKeyBytes);
  std::lock_guard lock(mu_);
  Transaction tx(*db_);
  if (auto s = tx.begin(); !s) return s.error();
  {
    Query q(st_.updateSecret);
    q.bind(seal(key, secretKeyAad(sdkAppId))).bind(clock_.wallMs()).bind(int64_t{sdkAppId});
    if (auto s = updateOne(q, sdkAppId); !s) return s.error();
  }
  if (auto s = appChangedLocked(sdkAppId); !s) return s.error();
  if (auto s = tx.commit(); !s) return s.error();
  return key;
}

base::Status SqlStore::setStatus(uint32_t sdkAppId, AppStatus status) {
  if (status == AppStatus::kDeleted) return base::makeError(kErrInvalidArgument, "use deleteApp to delete an app");
  std::lock_guard lock(mu_);
  Transaction tx(*db_);
  if (auto s = tx.begin(); !s) return s;
  {
    Query q(st_.updateStatus);
    q.bind(toString(status)).bindNull().bind(clock_.wallMs()).bind(int64_t{sdkAppId});
    if (auto s = updateOne(q, sdkAppId); !s) return s;
  }
  if (auto s = appChangedLocked(sdkAppId); !s) return s;
  return tx.commit();
}

base::Status SqlStore::deleteApp(uint32_t sdkAppId) {
  std::lock_guard lock(mu_);
  const int64_t now = clock_.wallMs();
  Transaction tx(*db_);
  if (auto s = tx.begin(); !s) return s;
  {
    Query q(st_.updateStatus);
    q.bind(toString(AppStatus::kDeleted)).bind(now).bind(now).bind(int64_t{sdkAppId});
    if (auto s = updateOne(q, sdkAppId); !s) return s;
  }
  if (auto s = appChangedLocked(sdkAppId); !s) return s;
  return tx.commit();
}

base::Status SqlStore::appendEntry(const EntryEvent& e) {
  if (auto s = validateEntryEvent(e); !s) return s;
  std::lock_guard lock(mu_);
  Query q(st_.insertEntry);
  q.bind(e.timeMs).bind(int64_t{e.sdkAppId}).bind(e.room).bind(e.maskedUserId).bind(e.maskedIp);
  q.bind(int64_t{e.success}).bind(e.cause).bind(e.errorCode);
  return q.run();
}

base::Result<std::vector<EntryEvent>> SqlStore::listEntries(uint32_t sdkAppId, int64_t fromMs, int64_t toMs,
                                                               size_t limit) {
  std::lock_guard lock(mu_);
  Query q(st_.listEntries);
  q.bind(int64_t{sdkAppId}).bind(fromMs).bind(toMs).bind(clampToInt64(limit));
  std::vector<EntryEvent> events;
  for (;;) {
    auto row = q.step();
    if (!row) return row.error();
    if (!*row) return events;
    events.push_back(EntryEvent{q.int64(0), static_cast<uint32_t>(q.int64(1)), q.text(2), q.text(3), q.text(4),
                                q.int64(5) != 0, q.text(6), q.text(7)});
  }
}

namespace {

base::Result<std::unique_ptr<Store>> openStore(base::Result<std::unique_ptr<SqlConnection>> db,
                                               std::span<const uint8_t> masterKey, base::Clock& clock) {
  if (!db) return db.error();
  auto store = std::make_unique<SqlStore>(std::move(*db), masterKey, clock);
  if (auto s = store->init(); !s) return s.error();
  return std::unique_ptr<Store>(std::move(store));
}

base::Status checkMasterKeySize(std::span<const uint8_t> masterKey) {
  if (masterKey.size() != crypto::kAeadKeyBytes)
    return base::makeError(kErrInvalidArgument,
                           "the master key must be " + std::to_string(crypto::kAeadKeyBytes) + " bytes");
  return base::Ok{};
}

}  // namespace

base::Result<std::unique_ptr<Store>> openSqliteStore(const std::string& path, std::span<const uint8_t> masterKey,
                                                     base::Clock& clock) {
  if (auto s = checkMasterKeySize(masterKey); !s) return s.error();
  return openStore(openSqliteConnection(path), masterKey, clock);
}

base::Result<std::unique_ptr<Store>> openPostgresStore(const std::string& dsn, std::span<const uint8_t> masterKey,
                                                       base::Clock& clock) {
  if (auto s = checkMasterKeySize(masterKey); !s) return s.error();
  return openStore(openPostgresConnection(dsn), masterKey, clock);
}

}  // namespace atrium::store
