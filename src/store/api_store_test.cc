// API credentials (R8, R12), the audit log (R19) and the migration that added them.
#include <algorithm>
#include <set>

#include <gtest/gtest.h>

#include "store/migrations.h"
#include "store/store_test_util.h"

namespace atrium::store {
namespace {

using namespace atrium::store::testing;

constexpr uint32_t kAppA = 1400000101, kAppB = 1400000102, kAppC = 1400000103;

bool isAlphanumeric(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  });
}

class ApiKeyTest : public StoreFixture {
 protected:
  ApiKey createKey(std::vector<uint32_t> apps, std::string description = "") {
    auto r = store_->createApiKey(std::move(apps), std::move(description));
    EXPECT_TRUE(r.ok()) << r.error().code << ": " << r.error().message;
    return r.ok() ? *r : ApiKey{};
  }

  ApiKey fetchKey(const std::string& secretId) {
    auto r = store_->getApiKey(secretId);
    EXPECT_TRUE(r.ok() && r->has_value()) << secretId;
    return r.ok() && r->has_value() ? **r : ApiKey{};
  }
};

TEST_P(ApiKeyTest, CreateGeneratesIdAndKeyAndGetReturnsThem) {
  createApp(kAppA);
  createApp(kAppB);
  ApiKey key = createKey({kAppB, kAppA, kAppB}, "billing backend");
  ASSERT_EQ(key.secretId.size(), 36u);
  EXPECT_TRUE(key.secretId.starts_with("AKID"));
  EXPECT_TRUE(isAlphanumeric(key.secretId));
  ASSERT_EQ(key.secretKey.size(), 32u);
  EXPECT_TRUE(isAlphanumeric(key.secretKey));
  EXPECT_EQ(key.sdkAppIds, (std::vector<uint32_t>{kAppA, kAppB}));  // sorted, duplicates dropped
  EXPECT_EQ(key.description, "billing backend");
  EXPECT_EQ(key.createdAtMs, clock_.wallMs());
  EXPECT_EQ(key.revokedAtMs, 0);
  EXPECT_EQ(key.lastUsedAtMs, 0);

  ApiKey got = fetchKey(key.secretId);
  EXPECT_EQ(got.secretId, key.secretId);
  EXPECT_EQ(got.secretKey, key.secretKey);
  EXPECT_EQ(got.sdkAppIds, key.sdkAppIds);
  EXPECT_EQ(got.description, key.description);
  EXPECT_EQ(got.createdAtMs, key.createdAtMs);
  EXPECT_EQ(got.revokedAtMs, 0);

  auto missing = store_->getApiKey("AKIDnosuchkey");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
}

TEST_P(ApiKeyTest, KeysAreDistinct) {
  createApp(kAppA);
  std::set<std::string> ids, secrets;
  for (int i = 0; i < 40; ++i) {
    ApiKey key = createKey({kAppA});
    ids.insert(key.secretId);
    secrets.insert(key.secretKey);
  }
  EXPECT_EQ(ids.size(), 40u);
  EXPECT_EQ(secrets.size(), 40u);
}

TEST_P(ApiKeyTest, ScopeMustNameExistingLiveApps) {
  createApp(kAppA);
  createApp(kAppB);
  createApp(kAppC);
  ASSERT_TRUE(store_->deleteApp(kAppB).ok());
  ASSERT_TRUE(store_->setStatus(kAppC, AppStatus::kDisabled).ok());

  auto none = store_->createApiKey({}, "");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, "INVALID_ARGUMENT");
  auto unknown = store_->createApiKey({kAppA, 1400999999}, "");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, "APP_NOT_FOUND");
  auto deleted = store_->createApiKey({kAppB}, "");
  ASSERT_FALSE(deleted.ok());
  EXPECT_EQ(deleted.error().code, "APP_NOT_FOUND");
  auto longText = store_->createApiKey({kAppA}, std::string(257, 'd'));
  ASSERT_FALSE(longText.ok());
  EXPECT_EQ(longText.error().code, "INVALID_ARGUMENT");
  auto control = store_->createApiKey({kAppA}, "two\nlines");
  ASSERT_FALSE(control.ok());
  EXPECT_EQ(control.error().code, "INVALID_ARGUMENT");
  auto list = store_->listApiKeys();
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(list->empty());  // a failed create leaves nothing behind, not even part of a scope
  EXPECT_EQ(rawCount("SELECT COUNT(*) FROM api_key_apps"), 0);

  ApiKey disabled = createKey({kAppC});  // disabled apps may still get keys
  EXPECT_EQ(disabled.sdkAppIds, std::vector<uint32_t>{kAppC});
}

TEST_P(ApiKeyTest, ListIsOldestFirstWithoutSecretsAndShowsRevocation) {
  createApp(kAppA);
  createApp(kAppB);
  ApiKey first = createKey({kAppA}, "first");
  clock_.advanceMs(1000);
  ApiKey second = createKey({kAppA, kAppB}, "second");
  clock_.advanceMs(1000);
  ASSERT_TRUE(store_->revokeApiKey(first.secretId).ok());

  auto list = store_->listApiKeys();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].secretId, first.secretId);
  EXPECT_EQ((*list)[0].revokedAtMs, clock_.wallMs());
  EXPECT_EQ((*list)[0].sdkAppIds, std::vector<uint32_t>{kAppA});
  EXPECT_EQ((*list)[1].secretId, second.secretId);
  EXPECT_EQ((*list)[1].revokedAtMs, 0);
  EXPECT_EQ((*list)[1].sdkAppIds, (std::vector<uint32_t>{kAppA, kAppB}));
  EXPECT_EQ((*list)[1].description, "second");
  for (const ApiKey& k : *list) EXPECT_TRUE(k.secretKey.empty());
}

TEST_P(ApiKeyTest, RevokedKeysStayReadableAndRevokeKeepsTheFirstTime) {
  createApp(kAppA);
  ApiKey key = createKey({kAppA});
  clock_.advanceMs(5000);
  ASSERT_TRUE(store_->revokeApiKey(key.secretId).ok());
  const int64_t revokedAt = clock_.wallMs();
  clock_.advanceMs(5000);
  ASSERT_TRUE(store_->revokeApiKey(key.secretId).ok());

  ApiKey got = fetchKey(key.secretId);  // the auth layer reads it and refuses it
  EXPECT_EQ(got.revokedAtMs, revokedAt);
  EXPECT_EQ(got.secretKey, key.secretKey);

  auto unknown = store_->revokeApiKey("AKIDunknown");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, "API_KEY_NOT_FOUND");
}

TEST_P(ApiKeyTest, TouchRecordsTheLatestUse) {
  createApp(kAppA);
  ApiKey key = createKey({kAppA});
  ASSERT_TRUE(store_->touchApiKey(key.secretId, 2'000).ok());
  ASSERT_TRUE(store_->touchApiKey(key.secretId, 1'000).ok());  // a late writer does not go back
  EXPECT_EQ(fetchKey(key.secretId).lastUsedAtMs, 2'000);
  ASSERT_TRUE(store_->touchApiKey(key.secretId, 3'000).ok());
  EXPECT_EQ(fetchKey(key.secretId).lastUsedAtMs, 3'000);
  EXPECT_EQ(store_->touchApiKey("AKIDunknown", 1).error().code, "API_KEY_NOT_FOUND");
}

TEST_P(ApiKeyTest, PurgedAppsLeaveTheScope) {
  createApp(kAppA);
  createApp(kAppB);
  ApiKey both = createKey({kAppA, kAppB});
  ApiKey onlyB = createKey({kAppB});
  store_.reset();
  // What the retention job does when it purges a deleted app (R13).
  rawExec("DELETE FROM apps WHERE sdk_app_id = " + std::to_string(kAppB));  // raw connections enforce FKs too
  reopen();
  EXPECT_EQ(fetchKey(both.secretId).sdkAppIds, std::vector<uint32_t>{kAppA});
  EXPECT_TRUE(fetchKey(onlyB.secretId).sdkAppIds.empty());  // still listed, allowed nothing
  auto list = store_->listApiKeys();
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), 2u);
}

TEST_P(ApiKeyTest, SecretKeysAreNeverOnDiskInPlaintext) {
  if (postgres()) GTEST_SKIP() << "scans SQLite's files; PostgreSQL stores the same sealed columns";
  createApp(kAppA);
  std::vector<ApiKey> keys;
  for (int i = 0; i < 3; ++i) keys.push_back(createKey({kAppA}, "scan-marker"));
  auto scan = [&] {
    std::string bytes = databaseBytes(path_);
    ASSERT_NE(bytes.find("scan-marker"), std::string::npos);  // the scan does see plaintext columns
    for (const ApiKey& k : keys) {
      EXPECT_NE(bytes.find(k.secretId), std::string::npos);
      EXPECT_EQ(bytes.find(k.secretKey), std::string::npos) << "plaintext secret key on disk";
    }
  };
  scan();
  store_.reset();  // checkpoint into the main file
  scan();
}

TEST_P(ApiKeyTest, CiphertextMovedToAnotherKeyDoesNotDecrypt) {
  createApp(kAppA);
  ApiKey a = createKey({kAppA});
  ApiKey b = createKey({kAppA});
  store_.reset();
  rawExec("UPDATE api_keys SET secret_key_enc = (SELECT secret_key_enc FROM api_keys WHERE secret_id = '" +
                     a.secretId + "') WHERE secret_id = '" + b.secretId + "'");
  reopen();
  auto r = store_->getApiKey(b.secretId);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "STORE_CORRUPT");
  EXPECT_EQ(fetchKey(a.secretId).secretKey, a.secretKey);
  EXPECT_TRUE(store_->listApiKeys().ok());  // listing does not decrypt
}

// A database created by the first release gains the new tables and keeps its data.
TEST_P(ApiKeyTest, MigratesAVersionOneDatabase) {
  App app = createApp(kAppA, "from v1");
  ASSERT_TRUE(store_->appendEntry({1000, kAppA, "1", "us****01", "10.0.0.*", true, "none", ""}).ok());
  store_.reset();
  rawExec(
          "DROP TABLE api_key_apps; DROP TABLE api_keys; DROP TABLE audit_log; DROP TABLE rooms; "
          "DROP TABLE user_sessions; DROP TABLE user_events; DROP TABLE callback_queue; "
          "DROP TABLE callback_failures; DROP TABLE quality_samples; DROP TABLE surge_notices; "
          "DROP TABLE erasure_log; DROP TABLE change_counters; ALTER TABLE apps DROP COLUMN change_seq; "
          "DELETE FROM schema_migrations WHERE version > 1");
  ASSERT_EQ(rawCount("SELECT MAX(version) FROM schema_migrations"), 1);
  reopen();
  EXPECT_EQ(rawCount("SELECT MAX(version) FROM schema_migrations"), migrations().back().version);
  auto got = store_->getApp(kAppA);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->secretKey, app.secretKey);
  ApiKey key = createKey({kAppA});
  EXPECT_EQ(fetchKey(key.secretId).secretKey, key.secretKey);
  auto queued = store_->enqueueCallback(kAppA, "{}", 1);
  EXPECT_TRUE(queued.ok());
}

using AuditTest = StoreFixture;

AuditRecord audit(int64_t t, uint32_t app, std::string action = "DescribeRoomInfo", std::string result = "Ok") {
  return AuditRecord{t, "AKIDexample", std::move(action), app, std::move(result), "req-" + std::to_string(t),
                     "203.0.113.*"};
}

TEST_P(AuditTest, ListsNewestFirstByWindowAppAndLimit) {
  for (int64_t t : {100, 300, 200, 400, 500}) ASSERT_TRUE(store_->appendAudit(audit(t, kAppA)).ok());
  ASSERT_TRUE(store_->appendAudit(audit(250, kAppB, "DismissRoom", "InvalidParameter")).ok());
  ASSERT_TRUE(store_->appendAudit(audit(250, 0, "DescribeRoomInfo", "AuthFailure.SignatureFailure")).ok());

  auto window = store_->listAudit(200, 500, std::nullopt, 100);  // [200, 500)
  ASSERT_TRUE(window.ok());
  std::vector<int64_t> times;
  for (const auto& r : *window) times.push_back(r.timeMs);
  EXPECT_EQ(times, (std::vector<int64_t>{400, 300, 250, 250, 200}));
  // Same time: the later append comes first.
  EXPECT_EQ((*window)[2], audit(250, 0, "DescribeRoomInfo", "AuthFailure.SignatureFailure"));
  EXPECT_EQ((*window)[3], audit(250, kAppB, "DismissRoom", "InvalidParameter"));

  auto ofA = store_->listAudit(0, 1000, kAppA, 100);
  ASSERT_TRUE(ofA.ok());
  ASSERT_EQ(ofA->size(), 5u);
  EXPECT_EQ(ofA->front(), audit(500, kAppA));
  EXPECT_EQ(ofA->back(), audit(100, kAppA));

  auto limited = store_->listAudit(0, 1000, kAppA, 2);
  ASSERT_TRUE(limited.ok());
  ASSERT_EQ(limited->size(), 2u);
  EXPECT_EQ((*limited)[1].timeMs, 400);

  auto ofB = store_->listAudit(0, 1000, kAppB, SIZE_MAX);
  ASSERT_TRUE(ofB.ok());
  ASSERT_EQ(ofB->size(), 1u);
  EXPECT_EQ((*ofB)[0].resultCode, "InvalidParameter");
}

TEST_P(AuditTest, ClipsHugeFieldsAtACharacterBoundary) {
  AuditRecord r = audit(1, kAppA);
  r.secretId = "a";
  for (int i = 0; i < 200; ++i) r.secretId += "\xC3\xA9";  // "é": 2 bytes; byte 256 is a continuation byte
  r.requestId = std::string(10'000, 'r');
  ASSERT_TRUE(store_->appendAudit(r).ok());
  auto got = store_->listAudit(0, 10, std::nullopt, 10);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ((*got)[0].secretId, r.secretId.substr(0, 255));
  EXPECT_EQ((*got)[0].requestId, std::string(256, 'r'));
  EXPECT_EQ((*got)[0].action, r.action);
}

ATRIUM_STORE_ENGINES(ApiKeyTest);
ATRIUM_STORE_ENGINES(AuditTest);

}  // namespace
}  // namespace atrium::store
