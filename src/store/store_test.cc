#include "store/store.h"

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "store/migrations.h"
#include "store/store_test_util.h"

namespace atrium::store {
namespace {

using namespace atrium::store::testing;

class StoreTest : public StoreFixture {
 protected:
  App create(App app) {
    auto r = store_->createApp(app);
    EXPECT_TRUE(r.ok()) << r.error().code << ": " << r.error().message;
    return r.ok() ? *r : App{};
  }

  App fetch(uint32_t id) {
    auto r = store_->getApp(id);
    EXPECT_TRUE(r.ok() && r->has_value());
    return r.ok() && r->has_value() ? **r : App{};
  }

  static App named(std::string name, uint32_t id = 0) {
    App app;
    app.sdkAppId = id;
    app.name = std::move(name);
    return app;
  }
};

TEST(AppStatusTest, RoundTripsThroughStrings) {
  for (auto s : {AppStatus::kActive, AppStatus::kDisabled, AppStatus::kDeleted})
    EXPECT_EQ(appStatusFromString(toString(s)), s);
  EXPECT_EQ(toString(AppStatus::kDisabled), "disabled");
  EXPECT_FALSE(appStatusFromString("Active").has_value());
}

TEST_P(StoreTest, CreateAllocatesIdAndSecretKey) {
  App app = create(named("demo"));
  EXPECT_GE(app.sdkAppId, kMinAllocatedSdkAppId);
  EXPECT_LE(app.sdkAppId, kMaxAllocatedSdkAppId);
  ASSERT_EQ(app.secretKey.size(), 64u);
  EXPECT_EQ(app.secretKey.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(app.status, AppStatus::kActive);
  EXPECT_EQ(app.createdAtMs, clock_.wallMs());
  EXPECT_EQ(app.updatedAtMs, clock_.wallMs());
  EXPECT_TRUE(app.callbackKey.empty());

  App other = create(named("second"));
  EXPECT_NE(other.sdkAppId, app.sdkAppId);
  EXPECT_NE(other.secretKey, app.secretKey);
}

TEST_P(StoreTest, CreateKeepsGivenFieldsAndGetReturnsThem) {
  App in = named("imported", 1400123456);
  in.secretKey = "trtc-selfhost-test-key-0123456789abcdef";
  in.status = AppStatus::kDisabled;  // ignored: new apps are active
  in.limits = {10, 20, 3, 0};
  in.features = {true, false, true};
  in.callbackUrl = "https://hooks.example.com/trtc";
  in.callbackKey = "callback-key-0123456789";
  in.region = "ap-guangzhou";
  App out = create(in);
  EXPECT_EQ(out.sdkAppId, 1400123456u);
  EXPECT_EQ(out.status, AppStatus::kActive);

  App got = fetch(1400123456);
  EXPECT_EQ(got.name, "imported");
  EXPECT_EQ(got.secretKey, in.secretKey);
  EXPECT_EQ(got.status, AppStatus::kActive);
  EXPECT_EQ(got.limits, in.limits);
  EXPECT_EQ(got.features, in.features);
  EXPECT_EQ(got.callbackUrl, in.callbackUrl);
  EXPECT_EQ(got.callbackKey, in.callbackKey);
  EXPECT_EQ(got.region, "ap-guangzhou");
  EXPECT_EQ(got.createdAtMs, clock_.wallMs());
  EXPECT_EQ(got.deletedAtMs, 0);
}

TEST_P(StoreTest, CallbackKeyIsGeneratedOnlyWithACallbackUrl) {
  App in = named("hooks");
  in.callbackUrl = "http://127.0.0.1:9000/cb";
  App out = create(in);
  EXPECT_EQ(out.callbackKey.size(), 32u);
  EXPECT_EQ(fetch(out.sdkAppId).callbackKey, out.callbackKey);
}

TEST_P(StoreTest, DuplicateIdIsAppExistsEvenWhenDeleted) {
  create(named("first", 1400000001));
  auto dup = store_->createApp(named("second", 1400000001));
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, "APP_EXISTS");
  EXPECT_EQ(fetch(1400000001).name, "first");

  ASSERT_TRUE(store_->deleteApp(1400000001).ok());
  auto again = store_->createApp(named("third", 1400000001));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "APP_EXISTS");
}

TEST_P(StoreTest, InvalidAppsAreRejected) {
  auto expectInvalid = [&](App app) {
    auto r = store_->createApp(app);
    ASSERT_FALSE(r.ok()) << app.name;
    EXPECT_EQ(r.error().code, "INVALID_ARGUMENT");
  };
  expectInvalid(named(""));
  expectInvalid(named(std::string(129, 'n')));
  expectInvalid(named("line\nbreak"));
  App a = named("a");
  a.region = "eu west";
  expectInvalid(a);
  a = named("a");
  a.secretKey = "short";
  expectInvalid(a);
  a = named("a");
  a.callbackUrl = "ftp://example.com/";
  expectInvalid(a);
  auto list = store_->listApps();
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(list->empty());
}

TEST_P(StoreTest, GetUnknownAppIsEmpty) {
  auto r = store_->getApp(1400999999);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->has_value());
}

TEST_P(StoreTest, ListIsOrderedAndHidesDeletedUnlessAsked) {
  create(named("c", 1400000003));
  create(named("a", 1400000001));
  create(named("b", 1400000002));
  ASSERT_TRUE(store_->deleteApp(1400000002).ok());
  ASSERT_TRUE(store_->setStatus(1400000003, AppStatus::kDisabled).ok());

  auto live = store_->listApps();
  ASSERT_TRUE(live.ok());
  ASSERT_EQ(live->size(), 2u);
  EXPECT_EQ((*live)[0].sdkAppId, 1400000001u);
  EXPECT_EQ((*live)[1].sdkAppId, 1400000003u);
  EXPECT_EQ((*live)[1].status, AppStatus::kDisabled);

  auto all = store_->listApps(true);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[1].status, AppStatus::kDeleted);
}

TEST_P(StoreTest, UpdateReplacesSettingsButNotSecretOrStatus) {
  App app = create(named("before", 1400000010));
  ASSERT_TRUE(store_->setStatus(app.sdkAppId, AppStatus::kDisabled).ok());
  clock_.advanceMs(5000);

  App change = app;
  change.name = "after";
  change.secretKey = "ignored-by-update-0123456789";
  change.status = AppStatus::kActive;
  change.limits.maxRooms = 7;
  change.features.recording = true;
  change.callbackUrl = "https://cb.example.com/";
  change.region = "eu-frankfurt";
  auto updated = store_->updateApp(change);
  ASSERT_TRUE(updated.ok()) << updated.error().message;
  EXPECT_EQ(updated->name, "after");
  EXPECT_EQ(updated->secretKey, app.secretKey);
  EXPECT_EQ(updated->status, AppStatus::kDisabled);
  EXPECT_EQ(updated->limits.maxRooms, 7u);
  EXPECT_TRUE(updated->features.recording);
  EXPECT_EQ(updated->region, "eu-frankfurt");
  EXPECT_EQ(updated->callbackKey.size(), 32u);  // generated: the URL is new
  EXPECT_EQ(updated->createdAtMs, app.createdAtMs);
  EXPECT_EQ(updated->updatedAtMs, app.createdAtMs + 5000);

  // Writing back what was read keeps the callback key.
  App again = *updated;
  again.name = "again";
  auto second = store_->updateApp(again);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->callbackKey, updated->callbackKey);
  EXPECT_EQ(fetch(app.sdkAppId).name, "again");
}

TEST_P(StoreTest, UpdateOfUnknownOrDeletedAppIsNotFound) {
  auto missing = store_->updateApp(named("x", 1400000077));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, "APP_NOT_FOUND");

  App app = create(named("gone"));
  ASSERT_TRUE(store_->deleteApp(app.sdkAppId).ok());
  auto deleted = store_->updateApp(app);
  ASSERT_FALSE(deleted.ok());
  EXPECT_EQ(deleted.error().code, "APP_NOT_FOUND");
  EXPECT_EQ(fetch(app.sdkAppId).name, "gone");

  auto invalid = store_->updateApp(named("", app.sdkAppId));
  ASSERT_FALSE(invalid.ok());
  EXPECT_EQ(invalid.error().code, "INVALID_ARGUMENT");
}

TEST_P(StoreTest, RotateSecretKeyReplacesTheKey) {
  App app = create(named("rotating"));
  clock_.advanceMs(1000);
  auto key = store_->rotateSecretKey(app.sdkAppId);
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->size(), 64u);
  EXPECT_NE(*key, app.secretKey);
  App got = fetch(app.sdkAppId);
  EXPECT_EQ(got.secretKey, *key);
  EXPECT_EQ(got.updatedAtMs, app.createdAtMs + 1000);

  auto missing = store_->rotateSecretKey(1400000099);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, "APP_NOT_FOUND");
}

TEST_P(StoreTest, DisableAndEnable) {
  App app = create(named("toggle"));
  ASSERT_TRUE(store_->setStatus(app.sdkAppId, AppStatus::kDisabled).ok());
  EXPECT_EQ(fetch(app.sdkAppId).status, AppStatus::kDisabled);
  ASSERT_TRUE(store_->setStatus(app.sdkAppId, AppStatus::kActive).ok());
  EXPECT_EQ(fetch(app.sdkAppId).status, AppStatus::kActive);

  auto viaStatus = store_->setStatus(app.sdkAppId, AppStatus::kDeleted);
  ASSERT_FALSE(viaStatus.ok());
  EXPECT_EQ(viaStatus.error().code, "INVALID_ARGUMENT");
  EXPECT_EQ(store_->setStatus(1400000098, AppStatus::kDisabled).error().code, "APP_NOT_FOUND");
}

TEST_P(StoreTest, DeleteMarksTheAppDeletedForGood) {
  App app = create(named("doomed"));
  clock_.advanceMs(60'000);
  ASSERT_TRUE(store_->deleteApp(app.sdkAppId).ok());
  App got = fetch(app.sdkAppId);
  EXPECT_EQ(got.status, AppStatus::kDeleted);
  EXPECT_EQ(got.deletedAtMs, clock_.wallMs());

  EXPECT_EQ(store_->deleteApp(app.sdkAppId).error().code, "APP_NOT_FOUND");
  EXPECT_EQ(store_->setStatus(app.sdkAppId, AppStatus::kActive).error().code, "APP_NOT_FOUND");
  EXPECT_EQ(store_->rotateSecretKey(app.sdkAppId).error().code, "APP_NOT_FOUND");
  EXPECT_EQ(fetch(app.sdkAppId).status, AppStatus::kDeleted);
}

TEST_P(StoreTest, SecretsAreNeverOnDiskInPlaintext) {
  if (postgres()) GTEST_SKIP() << "scans SQLite's files; PostgreSQL stores the same sealed columns";
  App in = named("secretive", 1400000020);
  in.secretKey = "PLAINTEXT-SECRET-5bd2850fff3ecb11d7";
  in.callbackUrl = "https://cb.example.com/";
  in.callbackKey = "PLAINTEXT-CALLBACK-0a1b2c3d4e5f";
  create(in);
  auto rotated = store_->rotateSecretKey(create(named("other")).sdkAppId);
  ASSERT_TRUE(rotated.ok());

  auto scan = [&] {
    std::string bytes = readFile(path_) + readFile(path_.string() + "-wal");
    ASSERT_NE(bytes.find("secretive"), std::string::npos);  // the scan does see plaintext fields
    EXPECT_EQ(bytes.find("PLAINTEXT-SECRET"), std::string::npos);
    EXPECT_EQ(bytes.find("PLAINTEXT-CALLBACK"), std::string::npos);
    EXPECT_EQ(bytes.find(*rotated), std::string::npos);
  };
  scan();         // while open: the rows sit in the WAL
  store_.reset();  // closing checkpoints them into the main file
  scan();
}

TEST_P(StoreTest, ReopenWithWrongMasterKeyFails) {
  create(named("keep"));
  store_.reset();
  auto wrong = tryOpen(keyOf(0x43));
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, "MASTER_KEY_MISMATCH");

  auto shortKey = tryOpen(std::vector<uint8_t>(16, 0x42));
  ASSERT_FALSE(shortKey.ok());
  EXPECT_EQ(shortKey.error().code, "INVALID_ARGUMENT");
}

TEST_P(StoreTest, ReopenWithRightKeySeesDataAndMigrationsAreIdempotent) {
  App app = create(named("durable", 1400000030));
  ASSERT_TRUE(store_->appendEntry({1000, app.sdkAppId, "1", "us****01", "10.0.0.*", true, "none", ""}).ok());
  for (int i = 0; i < 3; ++i) {
    store_.reset();
    store_ = open(key_);
    ASSERT_NE(store_, nullptr);
  }
  EXPECT_EQ(fetch(1400000030).secretKey, app.secretKey);
  auto entries = store_->listEntries(app.sdkAppId, 0, 2000, 10);
  ASSERT_TRUE(entries.ok());
  EXPECT_EQ(entries->size(), 1u);
  store_.reset();
  auto known = static_cast<int64_t>(migrations().size());
  EXPECT_EQ(rawCount("SELECT COUNT(*) FROM schema_migrations"), known);
  EXPECT_EQ(rawCount("SELECT MAX(version) FROM schema_migrations"), migrations().back().version);
  EXPECT_EQ(rawCount("SELECT COUNT(*) FROM store_meta"), 1);
}

// Daemon and CLI starting at once on a new database: one migrates, the other waits and finds
// the schema and the master-key check already there (one check value, not two).
TEST_P(StoreTest, ConcurrentFirstOpensMigrateOnce) {
  useFreshDatabase();
  std::unique_ptr<Store> a, b;
  {
    std::jthread t1([&] { a = open(key_); });
    std::jthread t2([&] { b = open(key_); });
  }
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(rawCount("SELECT COUNT(*) FROM store_meta"), 1);
  EXPECT_EQ(rawCount("SELECT COUNT(*) FROM schema_migrations"), static_cast<int64_t>(migrations().size()));
  auto app = a->createApp(named("shared", 1400000080));
  ASSERT_TRUE(app.ok());
  auto seen = b->getApp(1400000080);
  ASSERT_TRUE(seen.ok() && seen->has_value());
  EXPECT_EQ((*seen)->secretKey, app->secretKey);
}

TEST_P(StoreTest, NewerSchemaThanThisBuildIsRefused) {
  store_.reset();
  rawExec("INSERT INTO schema_migrations (version, applied_at_ms) VALUES (9999, 0)");
  auto r = tryOpen(key_);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("newer"), std::string::npos);
}

TEST_P(StoreTest, CiphertextMovedToAnotherAppDoesNotDecrypt) {
  create(named("a", 1400000041));
  create(named("b", 1400000042));
  store_.reset();
  rawExec(
          "UPDATE apps SET secret_key_enc = (SELECT secret_key_enc FROM apps WHERE sdk_app_id = 1400000041) "
          "WHERE sdk_app_id = 1400000042");
  store_ = open(key_);
  ASSERT_NE(store_, nullptr);
  auto r = store_->getApp(1400000042);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "STORE_CORRUPT");
  EXPECT_TRUE(store_->getApp(1400000041).ok());
}

TEST_P(StoreTest, OpenFailureIsAnError) {
  // A directory that does not exist / a port nobody listens on.
  auto r = postgres() ? openPostgresStore("host=127.0.0.1 port=1 connect_timeout=2", key_, clock_)
                      : openSqliteStore((dir_ / "missing-dir" / "x.db").string(), key_, clock_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "STORE_IO");
}

EntryEvent entry(int64_t t, uint32_t app, bool ok = true) {
  return EntryEvent{t, app, "s:room-1", "us****01", "203.0.113.*", ok, ok ? "none" : "client",
                    ok ? "" : "USERSIG_EXPIRED"};
}

TEST_P(StoreTest, EntryLogListsByWindowLimitAndApp) {
  const uint32_t a = 1400000051, b = 1400000052;
  for (int64_t t : {300'000, 0, 299'999, 100, 100})  // unit [0, 300000) plus one outside
    ASSERT_TRUE(store_->appendEntry(entry(t, a, t != 100)).ok());
  ASSERT_TRUE(store_->appendEntry(entry(50, b)).ok());

  auto unit = store_->listEntries(a, 0, 300'000, 100);
  ASSERT_TRUE(unit.ok());
  ASSERT_EQ(unit->size(), 4u);
  EXPECT_EQ((*unit)[0], entry(0, a));
  EXPECT_EQ((*unit)[1], entry(100, a, false));
  EXPECT_EQ((*unit)[3].timeMs, 299'999);

  auto limited = store_->listEntries(a, 0, 300'000, 2);
  ASSERT_TRUE(limited.ok());
  ASSERT_EQ(limited->size(), 2u);
  EXPECT_EQ((*limited)[1].timeMs, 100);

  auto other = store_->listEntries(b, 0, 1'000'000, 100);
  ASSERT_TRUE(other.ok());
  ASSERT_EQ(other->size(), 1u);
  EXPECT_EQ((*other)[0].sdkAppId, b);

  auto none = store_->listEntries(1400000053, 0, 1'000'000, 100);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST_P(StoreTest, EntryLogRejectsInconsistentCause) {
  EntryEvent e = entry(1, 1400000061);
  e.cause = "network";
  EXPECT_EQ(store_->appendEntry(e).error().code, "INVALID_ARGUMENT");
  e = entry(1, 1400000061, false);
  e.cause = "none";
  EXPECT_EQ(store_->appendEntry(e).error().code, "INVALID_ARGUMENT");
  e = entry(1, 1400000061);
  e.cause = "service";
  EXPECT_EQ(store_->appendEntry(e).error().code, "INVALID_ARGUMENT");
}

// The daemon writes while the CLI reads the same file: neither sees errors, the reader sees
// every committed write.
TEST_P(StoreTest, TwoStoresOnOneFileWriteAndReadConcurrently) {
  auto reader = open(key_);
  ASSERT_NE(reader, nullptr);
  constexpr int kWrites = 200;
  const uint32_t app = 1400000070;

  std::atomic<bool> done{false};
  std::jthread writer([&] {  // jthread: joined even when an assertion below returns early
    [&] {
      for (int i = 0; i < kWrites; ++i) {
        ASSERT_TRUE(store_->appendEntry(entry(i, app)).ok());
        if (i % 20 == 0) {
          ASSERT_TRUE(store_->createApp(named(std::to_string(i), app + 1 + i)).ok());
        }
      }
    }();
    done = true;
  });
  size_t seen = 0;
  for (;;) {
    bool finished = done;  // read before the query, so a finished writer's rows are all visible
    auto entries = reader->listEntries(app, 0, kWrites, kWrites);
    ASSERT_TRUE(entries.ok()) << entries.error().message;
    ASSERT_GE(entries->size(), seen);  // committed rows never disappear
    seen = entries->size();
    auto apps = reader->listApps();
    ASSERT_TRUE(apps.ok()) << apps.error().message;
    if (finished || seen == static_cast<size_t>(kWrites)) break;
  }
  writer.join();
  EXPECT_EQ(seen, static_cast<size_t>(kWrites));
  auto apps = reader->listApps();
  ASSERT_TRUE(apps.ok());
  EXPECT_EQ(apps->size(), static_cast<size_t>(kWrites / 20));
  auto first = reader->getApp(app + 1);
  ASSERT_TRUE(first.ok() && first->has_value());
  EXPECT_EQ((*first)->name, "0");
}

ATRIUM_STORE_ENGINES(StoreTest);

}  // namespace
}  // namespace atrium::store
