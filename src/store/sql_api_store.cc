// Store over SQL, server-API part: API credentials (R8, R12) and the audit log (R19).
#include <string.h>  // explicit_bzero

#include <string>

#include "store/sql_store_impl.h"

namespace atrium::store {
namespace {

constexpr size_t kSecretIdRandomChars = 32;
constexpr size_t kApiSecretKeyChars = 32;
constexpr std::string_view kSecretIdPrefix = "AKID";
constexpr size_t kMaxDescriptionBytes = 256;
constexpr size_t kMaxAuditFieldBytes = 256;
constexpr int kSecretIdAttempts = 4;

constexpr std::string_view kAlphanumerics = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

// Uniform over the 62 characters: bytes >= 248 (= 4 * 62) are drawn again instead of folded in.
std::string randomAlphanumerics(size_t n) {
  std::string out;
  out.reserve(n);
  while (out.size() < n) {
    for (uint8_t b : crypto::randomBytes(n)) {
      if (b >= 4 * kAlphanumerics.size()) continue;
      out.push_back(kAlphanumerics[b % kAlphanumerics.size()]);
      if (out.size() == n) break;
    }
  }
  return out;
}

// The aad binds the ciphertext to its key id: a ciphertext copied to another row fails to open.
std::string apiSecretAad(std::string_view secretId) { return "api_keys.secret_key:" + std::string(secretId); }

base::Error apiKeyNotFound(std::string_view secretId) {
  return base::makeError(kErrApiKeyNotFound, "no API key " + std::string(secretId));
}

constexpr const char* kSelectKeys = kSelectKeysSql;

constexpr const char* kSelectAudit =
    "SELECT time_ms, secret_id, action, sdk_app_id, result_code, request_id, masked_ip FROM audit_log "
    "WHERE time_ms >= ? AND time_ms < ? ";

}  // namespace

base::Status SqlStore::prepareApiStatements() {
  std::string selectKeys = kSelectKeys;
  std::string selectAudit = kSelectAudit;
  const std::pair<Statement*, std::string> all[] = {
      {&api_.liveApp, "SELECT 1 FROM apps WHERE sdk_app_id = ? AND status <> 'deleted'"},
      {&api_.insertKey,
       "INSERT INTO api_keys (secret_id, secret_key_enc, description, created_at_ms, revoked_at_ms, "
       "last_used_at_ms) VALUES (?, ?, ?, ?, NULL, NULL)"},
      {&api_.insertKeyApp, "INSERT INTO api_key_apps (secret_id, sdk_app_id) VALUES (?, ?)"},
      {&api_.selectKey, selectKeys + "WHERE k.secret_id = ? ORDER BY a.sdk_app_id"},
      {&api_.listKeys, selectKeys + "ORDER BY k.created_at_ms, k.secret_id, a.sdk_app_id"},
      {&api_.revokeKey, "UPDATE api_keys SET revoked_at_ms = COALESCE(revoked_at_ms, ?) WHERE secret_id = ?"},
      {&api_.touchKey,
       "UPDATE api_keys SET last_used_at_ms = GREATEST(COALESCE(last_used_at_ms, 0), ?) WHERE secret_id = ?"},
      {&api_.insertAudit,
       "INSERT INTO audit_log (time_ms, secret_id, action, sdk_app_id, result_code, request_id, masked_ip) "
       "VALUES (?, ?, ?, ?, ?, ?, ?)"},
      {&api_.listAudit, selectAudit + "ORDER BY time_ms DESC, id DESC LIMIT ?"},
      {&api_.listAuditOfApp, selectAudit + "AND sdk_app_id = ? ORDER BY time_ms DESC, id DESC LIMIT ?"},
  };
  return prepareAll(*db_, all);
}

base::Result<ApiKey> SqlStore::createApiKey(std::vector<uint32_t> sdkAppIds, std::string description) {
  std::sort(sdkAppIds.begin(), sdkAppIds.end());
  sdkAppIds.erase(std::unique(sdkAppIds.begin(), sdkAppIds.end()), sdkAppIds.end());
  if (sdkAppIds.empty()) return base::makeError(kErrInvalidArgument, "an API key needs at least one app");
  if (description.size() > kMaxDescriptionBytes ||
      std::any_of(description.begin(), description.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; }))
    return base::makeError(kErrInvalidArgument, "description must be at most " + std::to_string(kMaxDescriptionBytes) +
                                                    " bytes without control characters");
  ApiKey key;
  key.secretKey = randomAlphanumerics(kApiSecretKeyChars);
  key.sdkAppIds = std::move(sdkAppIds);
  key.description = std::move(description);
  key.createdAtMs = clock_.wallMs();

  std::lock_guard lock(mu_);
  // One transaction: an app deleted between the check and the insert cannot end up in a scope.
  Transaction tx(*db_);
  if (auto s = tx.begin(); !s) return s.error();
  for (uint32_t id : key.sdkAppIds) {
    Query q(api_.liveApp);
    auto row = q.bind(int64_t{id}).step();
    if (!row) return row.error();
    if (!*row) return base::makeError(kErrAppNotFound, "no app " + std::to_string(id) + " (or it is deleted)");
  }
  for (int attempt = 0;; ++attempt) {
    key.secretId = std::string(kSecretIdPrefix) + randomAlphanumerics(kSecretIdRandomChars);
    Query q(api_.insertKey);
    q.bind(key.secretId).bind(seal(key.secretKey, apiSecretAad(key.secretId))).bind(key.description);
    auto s = q.bind(key.createdAtMs).run();
    if (s) break;
    if (s.error().code != kErrDuplicate || attempt + 1 == kSecretIdAttempts) return s.error();
  }
  for (uint32_t id : key.sdkAppIds) {
    Query q(api_.insertKeyApp);
    if (auto s = q.bind(key.secretId).bind(int64_t{id}).run(); !s) return s.error();
  }
  if (auto s = apiKeyChangedLocked(key.secretId); !s) return s.error();
  if (auto s = tx.commit(); !s) return s.error();
  return key;
}

// Rows are one per (key, app), grouped by key; a key whose apps were all purged has one row
// with a NULL app.
base::Result<std::vector<ApiKey>> SqlStore::readApiKeys(Query& q, bool withSecret) {
  std::vector<ApiKey> keys;
  for (;;) {
    auto row = q.step();
    if (!row) return row.error();
    if (!*row) return keys;
    std::string secretId = q.text(0);
    if (keys.empty() || keys.back().secretId != secretId) {
      ApiKey key;
      key.secretId = std::move(secretId);
      if (withSecret) {
        auto opened = crypto::aeadOpen(key_, q.blob(1), apiSecretAad(key.secretId));
        if (!opened)
          return base::makeError(kErrCorrupt, "the secret key of API key " + key.secretId + " does not decrypt");
        key.secretKey.assign(opened->begin(), opened->end());
        explicit_bzero(opened->data(), opened->size());
      }
      key.description = q.text(2);
      key.createdAtMs = q.int64(3);
      key.revokedAtMs = q.int64(4);  // NULL reads as 0
      key.lastUsedAtMs = q.int64(5);
      keys.push_back(std::move(key));
    }
    if (!q.isNull(6)) keys.back().sdkAppIds.push_back(static_cast<uint32_t>(q.int64(6)));
  }
}

base::Result<std::optional<ApiKey>> SqlStore::getApiKey(std::string_view secretId) {
  std::lock_guard lock(mu_);
  Query q(api_.selectKey);
  q.bind(secretId);
  auto keys = readApiKeys(q, /*withSecret=*/true);
  if (!keys) return keys.error();
  if (keys->empty()) return std::optional<ApiKey>();
  return std::optional<ApiKey>(std::move(keys->front()));
}

base::Result<std::vector<ApiKey>> SqlStore::listApiKeys() {
  std::lock_guard lock(mu_);
  Query q(api_.listKeys);
  return readApiKeys(q, /*withSecret=*/false);
}

base::Status SqlStore::revokeApiKey(std::string_view secretId) {
  std::lock_guard lock(mu_);
  Transaction tx(*db_);
  if (auto s = tx.begin(); !s) return s;
  {
    Query q(api_.revokeKey);
    if (auto s = q.bind(clock_.wallMs()).bind(secretId).run(); !s) return s;
    if (db_->changes() == 0) return apiKeyNotFound(secretId);
  }
  if (auto s = apiKeyChangedLocked(secretId); !s) return s;
  return tx.commit();
}

base::Status SqlStore::touchApiKey(std::string_view secretId, int64_t nowMs) {
  std::lock_guard lock(mu_);
  Query q(api_.touchKey);
  if (auto s = q.bind(nowMs).bind(secretId).run(); !s) return s;
  if (db_->changes() == 0) return apiKeyNotFound(secretId);
  return base::Ok{};
}

base::Status SqlStore::appendAudit(const AuditRecord& r) {
  std::lock_guard lock(mu_);
  return appendAuditLocked(r);
}

base::Status SqlStore::appendAuditLocked(const AuditRecord& r) {
  Query q(api_.insertAudit);
  q.bind(r.timeMs).bind(clipUtf8(r.secretId, kMaxAuditFieldBytes)).bind(clipUtf8(r.action, kMaxAuditFieldBytes));
  q.bind(int64_t{r.sdkAppId}).bind(clipUtf8(r.resultCode, kMaxAuditFieldBytes));
  q.bind(clipUtf8(r.requestId, kMaxAuditFieldBytes)).bind(clipUtf8(r.maskedIp, kMaxAuditFieldBytes));
  return q.run();
}

base::Result<std::vector<AuditRecord>> SqlStore::listAudit(int64_t fromMs, int64_t toMs,
                                                              std::optional<uint32_t> sdkAppId, size_t limit) {
  std::lock_guard lock(mu_);
  Query q(sdkAppId ? api_.listAuditOfApp : api_.listAudit);
  q.bind(fromMs).bind(toMs);
  if (sdkAppId) q.bind(int64_t{*sdkAppId});
  q.bind(clampToInt64(limit));
  std::vector<AuditRecord> records;
  for (;;) {
    auto row = q.step();
    if (!row) return row.error();
    if (!*row) return records;
    records.push_back(AuditRecord{q.int64(0), q.text(1), q.text(2), static_cast<uint32_t>(q.int64(3)), q.text(4),
                                  q.text(5), q.text(6)});
  }
}

}  // namespace atrium::store
