// The settings version caches poll (issue 10) and the control-path write batches, on both engines.
#include <algorithm>

#include <gtest/gtest.h>

#include "store/store_test_util.h"

namespace atrium::store {
namespace {

using namespace atrium::store::testing;

using SettingsVersionTest = StoreFixture;

TEST_P(SettingsVersionTest, EveryAppAndKeyWriteBumpsTheVersionAndStampsTheRow) {
  auto v0 = store_->settingsVersion();
  ASSERT_TRUE(v0.ok()) << v0.error().message;
  createApp(1400000001, "one");
  auto v1 = *store_->settingsVersion();
  EXPECT_GT(v1, *v0);

  auto key = store_->createApiKey({1400000001}, "k");
  ASSERT_TRUE(key.ok());
  auto v2 = *store_->settingsVersion();
  EXPECT_GT(v2, v1);
  // Since v2 nothing changed.
  auto none = store_->settingsChangedSince(v2);
  ASSERT_TRUE(none.ok()) << none.error().message;
  EXPECT_EQ(none->version, v2);
  EXPECT_TRUE(none->apps.empty());
  EXPECT_TRUE(none->apiKeys.empty());

  ASSERT_TRUE(store_->setStatus(1400000001, AppStatus::kDisabled).ok());
  auto changed = *store_->settingsChangedSince(v2);
  EXPECT_GT(changed.version, v2);
  ASSERT_EQ(changed.apps.size(), 1u);
  EXPECT_EQ(changed.apps[0].status, AppStatus::kDisabled);
  EXPECT_TRUE(changed.apiKeys.empty());
  EXPECT_EQ(changed.presentAppIds, std::vector<uint32_t>{1400000001});
  EXPECT_EQ(changed.presentApiKeyIds, std::vector<std::string>{key->secretId});

  const int64_t v3 = changed.version;
  ASSERT_TRUE(store_->revokeApiKey(key->secretId).ok());
  auto revoked = *store_->settingsChangedSince(v3);
  ASSERT_EQ(revoked.apiKeys.size(), 1u);
  EXPECT_NE(revoked.apiKeys[0].revokedAtMs, 0);
  EXPECT_EQ(revoked.apiKeys[0].secretKey, key->secretKey);  // with its secret: the cache verifies with it
  EXPECT_EQ(revoked.apiKeys[0].sdkAppIds, std::vector<uint32_t>{1400000001});

  // Rotation, update and delete are changes too; the last-use time is not (it is written every
  // minute per key and would make every cache reload).
  int64_t v = revoked.version;
  ASSERT_TRUE(store_->rotateSecretKey(1400000001).ok());
  EXPECT_GT(*store_->settingsVersion(), v);
  v = *store_->settingsVersion();
  App a = *store_->getApp(1400000001).value();
  a.name = "renamed";
  ASSERT_TRUE(store_->updateApp(a).ok());
  EXPECT_GT(*store_->settingsVersion(), v);
  v = *store_->settingsVersion();
  ASSERT_TRUE(store_->touchApiKey(key->secretId, clock_.wallMs()).ok());
  EXPECT_EQ(*store_->settingsVersion(), v);
  ASSERT_TRUE(store_->deleteApp(1400000001).ok());
  auto deleted = *store_->settingsChangedSince(v);
  ASSERT_EQ(deleted.apps.size(), 1u);
  EXPECT_EQ(deleted.apps[0].status, AppStatus::kDeleted);
  EXPECT_EQ(deleted.apps[0].name, "renamed");
}

TEST_P(SettingsVersionTest, EverythingSinceZeroAndPurgedAppsDropOut) {
  createApp(1400000001, "one");
  createApp(1400000002, "two");
  auto key = store_->createApiKey({1400000001, 1400000002}, "both");
  ASSERT_TRUE(key.ok());
  auto all = store_->settingsChangedSince(0);
  ASSERT_TRUE(all.ok()) << all.error().message;
  EXPECT_EQ(all->apps.size(), 2u);
  ASSERT_EQ(all->apiKeys.size(), 1u);
  EXPECT_EQ(all->apiKeys[0].sdkAppIds, (std::vector<uint32_t>{1400000001, 1400000002}));

  const int64_t before = all->version;
  ASSERT_TRUE(store_->deleteApp(1400000002).ok());
  ASSERT_TRUE(store_->purgeApp(1400000002).ok());
  auto after = store_->settingsChangedSince(before);
  ASSERT_TRUE(after.ok()) << after.error().message;
  EXPECT_EQ(after->presentAppIds, std::vector<uint32_t>{1400000001});
  // The key's scope lost the purged app, so the key is reloaded.
  ASSERT_EQ(after->apiKeys.size(), 1u);
  EXPECT_EQ(after->apiKeys[0].sdkAppIds, std::vector<uint32_t>{1400000001});
}

TEST_P(SettingsVersionTest, AnotherProcessesWritesAreSeen) {
  // A second Store on the same database is what the `atrium` CLI is to the daemon.
  auto cli = open(key_);
  ASSERT_NE(cli, nullptr);
  const int64_t seen = *store_->settingsVersion();
  App app;
  app.sdkAppId = 1400000009;
  app.name = "from-cli";
  ASSERT_TRUE(cli->createApp(app).ok());
  auto changes = store_->settingsChangedSince(seen);
  ASSERT_TRUE(changes.ok());
  ASSERT_EQ(changes->apps.size(), 1u);
  EXPECT_EQ(changes->apps[0].name, "from-cli");
}

ATRIUM_STORE_ENGINES(SettingsVersionTest);

using ControlBatchTest = StoreFixture;

TEST_P(ControlBatchTest, WritesEveryKindInOneTransaction) {
  App app = createApp(1400000001);
  app.callbackUrl = "https://example.com/cb";
  ASSERT_TRUE(store_->updateApp(app).ok());
  auto key = store_->createApiKey({1400000001}, "k");
  ASSERT_TRUE(key.ok());
  const int64_t t = clock_.wallMs();
  const std::string comm = "1400000001_7_" + std::to_string(t / 1000);
  std::vector<ControlWrite> batch = {
      EntryEvent{t, 1400000001, "7", "al***e", "203.0.113.*", true, "none", ""},
      RoomRecord{comm, 1400000001, "7", false, "alice", t, 0},
      UserSessionRecord{comm, 1400000001, "7", "alice", t, 0, "203.0.113.*", "v", "WebRTC", 0, kRoleCodeAnchor},
      UserEventRecord{comm, 1400000001, "alice", t, kUserEventEnterRoom, 0, 0},
      RoleChange{comm, 1400000001, "alice", kRoleCodeAudience},
      CallbackEnqueue{1400000001, R"({"EventType":103})", t, "1400000001/n:7"},
      AuditRecord{t, key->secretId, "DescribeRoomInfo", 1400000001, "", "req-1", "203.0.113.*"},
      ApiKeyUse{key->secretId, t},
      SessionEnd{comm, 1400000001, "alice", t, t + 1000, 1},
      RoomEnd{comm, 1400000001, t + 1000},
  };
  auto r = store_->writeControlBatch(batch);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->written, batch.size());
  EXPECT_EQ(r->skipped, 0u);
  EXPECT_TRUE(r->failed.empty());

  EXPECT_EQ(store_->listEntries(1400000001, 0, t + 1, 10)->size(), 1u);
  auto room = store_->findRoom(1400000001, comm);
  ASSERT_TRUE(room.ok() && room->has_value());
  EXPECT_EQ((*room)->destroyedAtMs, t + 1000);
  auto sessions = store_->listUserSessions(1400000001, comm, 0, t + 5000, {}, 0, 10);
  ASSERT_TRUE(sessions.ok());
  ASSERT_EQ(sessions->first.size(), 1u);
  EXPECT_EQ(sessions->first[0].leftAtMs, t + 1000);
  EXPECT_EQ(sessions->first[0].role, kRoleCodeAudience);
  EXPECT_EQ(store_->listUserEvents(1400000001, comm, "alice", 0, t + 1)->size(), 1u);
  EXPECT_EQ(*store_->pendingCallbacks(), 1u);
  EXPECT_EQ(store_->listAudit(0, t + 1, std::nullopt, 10)->size(), 1u);
  EXPECT_EQ((*store_->getApiKey(key->secretId))->lastUsedAtMs, t);
}

TEST_P(ControlBatchTest, AReplayedOrOrphanedWriteIsSkippedNotAnError) {
  createApp(1400000001);
  const int64_t t = clock_.wallMs();
  std::vector<ControlWrite> batch = {
      RoomRecord{"1400000001_7_1", 1400000001, "7", false, "alice", t, 0},
      UserSessionRecord{"1400000001_7_1", 1400000001, "7", "alice", t, 0, "", "", "", 0, kRoleCodeAnchor},
  };
  ASSERT_TRUE(store_->writeControlBatch(batch).ok());
  // The same batch again (a retry after an ambiguous failure) and ends of what is not open.
  batch.push_back(SessionEnd{"1400000001_7_1", 1400000001, "bob", t, t + 1, 1});
  batch.push_back(RoomEnd{"1400000001_9_1", 1400000001, t});
  batch.push_back(EntryEvent{t, 1400000001, "7", "x", "y", true, "bogus", ""});  // invalid cause
  auto r = store_->writeControlBatch(batch);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->written, 0u);
  EXPECT_EQ(r->skipped, batch.size());
  EXPECT_EQ(rawCount("SELECT COUNT(*) FROM rooms"), 1);
  EXPECT_EQ(rawCount("SELECT COUNT(*) FROM user_sessions"), 1);
}

TEST_P(ControlBatchTest, AFailedBatchCommitsNothing) {
  createApp(1400000001);
  const int64_t t = clock_.wallMs();
  // The second write fails inside the transaction (its table is gone): the first must not stay.
  rawExec("DROP TABLE user_events");
  std::vector<ControlWrite> batch = {
      EntryEvent{t, 1400000001, "7", "x", "y", true, "none", ""},
      UserEventRecord{"c", 1400000001, "alice", t, kUserEventEnterRoom, 0, 0},
  };
  auto r = store_->writeControlBatch(batch);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(rawCount("SELECT COUNT(*) FROM entry_events"), 0);
}

TEST_P(ControlBatchTest, ACallbackJobIsQueuedOnlyForAnActiveAppWithACallbackUrl) {
  App withUrl = createApp(1400000001);
  createApp(1400000002);  // no URL
  const int64_t t = clock_.wallMs();
  auto job = [&](uint32_t app) { return ControlWrite(CallbackEnqueue{app, R"({"EventType":101})", t, "k"}); };
  // The URL is set (by the CLI, say) just before the batch is written: the job is queued, as a
  // synchronous enqueue would have done.
  withUrl.callbackUrl = "https://example.com/cb";
  ASSERT_TRUE(store_->updateApp(withUrl).ok());
  std::vector<ControlWrite> batch = {job(1400000001), job(1400000002), job(1400000003)};
  auto r = store_->writeControlBatch(batch);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->written, 1u);
  EXPECT_EQ(r->skipped, 2u);
  ASSERT_TRUE(store_->setStatus(1400000001, AppStatus::kDisabled).ok());
  ASSERT_TRUE(store_->writeControlBatch(std::vector<ControlWrite>{job(1400000001)}).ok());
  EXPECT_EQ(*store_->pendingCallbacks(), 1u);
}

ATRIUM_STORE_ENGINES(ControlBatchTest);

}  // namespace
}  // namespace atrium::store
