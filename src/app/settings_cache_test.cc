// Apps and API keys in memory (issue 10): the poller sees changes another process (here a second
// Store on the same SQLite file, as the `atrium` CLI is) made, reloads only those, drops what was
// purged, and the loop's cache answers from the snapshot it was handed.
#include "app/settings_cache.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <future>

#include "crypto/crypto.h"

namespace atrium::app {
namespace {

namespace fs = std::filesystem;

class SettingsCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() / ("atrium-settings-" + std::to_string(::getpid()) + "-" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
    daemon = open();
    cli = open();
  }
  void TearDown() override {
    daemon.reset();
    cli.reset();
    fs::remove_all(dir);
  }
  std::unique_ptr<store::Store> open() {
    auto s = store::openSqliteStore((dir / "atrium.db").string(), key, clock);
    EXPECT_TRUE(s.ok()) << s.error().message;
    return s.ok() ? std::move(*s) : nullptr;
  }
  store::App createApp(uint32_t id, std::string callbackUrl = "") {
    store::App a;
    a.sdkAppId = id;
    a.name = "app";
    a.callbackUrl = std::move(callbackUrl);
    auto r = cli->createApp(a);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return *r;
  }
  // A poller whose snapshots go straight to `cache` (the loop's post, without a loop).
  std::unique_ptr<SettingsPoller> poller(std::unique_ptr<SettingsCache>& cache, int64_t intervalMs = 3'600'000) {
    auto p = std::make_unique<SettingsPoller>(*daemon, intervalMs, [this, &cache](std::shared_ptr<const SettingsSnapshot> s) {
      ++published;
      cache->replace(std::move(s));
    });
    auto initial = p->loadInitial();
    EXPECT_TRUE(initial.ok()) << initial.error().message;
    cache = std::make_unique<SettingsCache>(*initial, nullptr);
    return p;
  }

  fs::path dir;
  base::ManualClock clock;
  std::vector<uint8_t> key = crypto::randomBytes(32);
  std::unique_ptr<store::Store> daemon, cli;
  int published = 0;
};

TEST_F(SettingsCacheTest, ChangesByAnotherProcessAreSeenOnTheNextPoll) {
  createApp(1400000001);
  std::unique_ptr<SettingsCache> cache;
  auto p = poller(cache);
  auto found = cache->findApp(1400000001);
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_TRUE((*found)->active);
  EXPECT_FALSE((*found)->callbacks);
  EXPECT_FALSE(cache->findApp(1400000002)->has_value());

  // Nothing changed: a poll reads the version only and publishes nothing.
  ASSERT_TRUE(p->pollOnce().ok());
  EXPECT_EQ(published, 0);

  createApp(1400000002, "https://example.com/cb");
  ASSERT_TRUE(cli->setStatus(1400000001, store::AppStatus::kDisabled).ok());
  auto k = cli->createApiKey({1400000002}, "key");
  ASSERT_TRUE(k.ok());
  EXPECT_FALSE(cache->findApp(1400000002)->has_value()) << "until the next poll";
  ASSERT_TRUE(p->pollOnce().ok());
  EXPECT_EQ(published, 1);
  EXPECT_FALSE((*cache->findApp(1400000001))->active);
  auto two = cache->findApp(1400000002);
  ASSERT_TRUE(two->has_value());
  EXPECT_TRUE((*two)->callbacks);
  auto cachedKey = cache->findApiKey(k->secretId);
  ASSERT_TRUE(cachedKey.has_value());
  EXPECT_EQ(cachedKey->secretKey, k->secretKey);
  EXPECT_EQ(cachedKey->sdkAppIds, std::vector<uint32_t>{1400000002});
  EXPECT_EQ(p->stats().reloads, 1u);

  // A rotated key and a revoked API key.
  auto rotated = cli->rotateSecretKey(1400000002);
  ASSERT_TRUE(rotated.ok());
  ASSERT_TRUE(cli->revokeApiKey(k->secretId).ok());
  ASSERT_TRUE(p->pollOnce().ok());
  EXPECT_EQ((*cache->findApp(1400000002))->secretKey, *rotated);
  EXPECT_NE(cache->findApiKey(k->secretId)->revokedAtMs, 0);
}

TEST_F(SettingsCacheTest, APurgedAppLeavesTheCache) {
  createApp(1400000001);
  createApp(1400000002);
  std::unique_ptr<SettingsCache> cache;
  auto p = poller(cache);
  ASSERT_TRUE(cli->deleteApp(1400000002).ok());
  ASSERT_TRUE(p->pollOnce().ok());
  auto deleted = cache->findApp(1400000002);
  ASSERT_TRUE(deleted->has_value()) << "deleted apps stay (refused as not active) until purged";
  EXPECT_FALSE((*deleted)->active);
  ASSERT_TRUE(cli->purgeApp(1400000002).ok());
  ASSERT_TRUE(p->pollOnce().ok());
  EXPECT_FALSE(cache->findApp(1400000002)->has_value());
  EXPECT_EQ(cache->app(1400000002), nullptr);
  EXPECT_TRUE(cache->findApp(1400000001)->has_value());
}

TEST_F(SettingsCacheTest, AnOlderSnapshotNeverReplacesANewerOne) {
  auto newer = std::make_shared<SettingsSnapshot>();
  newer->version = 5;
  newer->apps[1] = store::App{};
  SettingsCache cache(newer, nullptr);
  auto older = std::make_shared<SettingsSnapshot>();
  older->version = 4;
  cache.replace(older);
  EXPECT_EQ(cache.version(), 5);
  EXPECT_NE(cache.app(1), nullptr);
}

TEST_F(SettingsCacheTest, PollSoonAnswersAfterAFreshPollThatPublishedFirst) {
  std::unique_ptr<SettingsCache> cache;
  auto p = poller(cache);  // an hour between polls: only pollSoon makes one happen
  p->start();
  createApp(1400000009);
  std::promise<bool> seenWhenDone;
  p->pollSoon([&] { seenWhenDone.set_value(cache->app(1400000009) != nullptr); });
  auto f = seenWhenDone.get_future();
  ASSERT_EQ(f.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_TRUE(f.get()) << "the snapshot reaches the cache before the waiter runs";
  p->stop();
}

TEST_F(SettingsCacheTest, RecheckGoesToTheWiredFunction) {
  int asked = 0;
  SettingsCache cache(std::make_shared<SettingsSnapshot>(), [&](std::function<void()> again) {
    ++asked;
    again();
  });
  int ran = 0;
  EXPECT_TRUE(cache.recheck(1400000001, [&] { ++ran; }));
  EXPECT_EQ(asked, 1);
  EXPECT_EQ(ran, 1);
  SettingsCache unwired(std::make_shared<SettingsSnapshot>(), nullptr);
  EXPECT_FALSE(unwired.recheck([] {}));
}

}  // namespace
}  // namespace atrium::app
