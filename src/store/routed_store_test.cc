// RoutedStore (R15): two SQLite files stand in for two regions' databases next to the default one.
#include "store/routed_store.h"

#include <stdlib.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "store/store_test_util.h"

namespace atrium::store {
namespace {

namespace fs = std::filesystem;
using namespace atrium::store::testing;

constexpr uint32_t kEuApp = 1400000501, kUsApp = 1400000502, kHomeApp = 1400000503;
constexpr int64_t kT = 1'700'000'000'000;

std::string commOf(uint32_t app, int n) { return std::to_string(app) + "_" + std::to_string(n) + "_1700000000"; }

class RoutedStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "atrium-routed-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    auto open = [&](const char* name) {
      auto s = openSqliteStore((dir_ / name).string(), key_, clock_);
      EXPECT_TRUE(s.ok()) << s.error().message;
      return std::move(s).value();
    };
    auto home = open("default.db");
    auto eu = open("eu.db");
    auto us = open("us.db");
    home_ = home.get();
    eu_ = eu.get();
    us_ = us.get();
    std::vector<RegionDatabase> regions;
    regions.push_back({"eu", std::move(eu)});
    regions.push_back({"us", std::move(us)});
    store_ = std::make_unique<RoutedStore>(std::move(home), std::move(regions), clock_);
    for (auto [id, region] : {std::pair{kEuApp, "eu"}, std::pair{kUsApp, "us"}, std::pair{kHomeApp, "default"}}) {
      App app;
      app.sdkAppId = id;
      app.name = "app";
      app.region = region;
      ASSERT_TRUE(store_->createApp(app).ok());
    }
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }

  // A closed room of `app` with one session, event, quality row, entry and queued callback per user.
  std::string fillRoom(uint32_t app, int room, std::vector<std::string> users) {
    const std::string comm = commOf(app, room);
    EXPECT_TRUE(store_->roomCreated({comm, app, std::to_string(room), false, users[0], kT, 0}).ok());
    std::vector<QualitySample> quality;
    for (const auto& u : users) {
      EXPECT_TRUE(store_->userJoined({comm, app, std::to_string(room), u, kT, 0, "10.0.0.*", "5.0", "Chrome", 0}).ok());
      EXPECT_TRUE(store_->userLeft(comm, u, kT, kT + 1000, 1).ok());
      EXPECT_TRUE(store_->appendUserEvent({comm, app, u, kT, kUserEventEnterRoom, 0, -1}).ok());
      EXPECT_TRUE(store_->appendEntry({kT, app, std::to_string(room), "u***", "10.0.0.*", true, "none", ""}).ok());
      EXPECT_TRUE(store_->enqueueCallback(app, R"({"EventInfo":{"UserId":")" + u + R"("}})", kT).ok());
      QualitySample s{app, comm, u, "", kT, "sdk", {}};
      s.values[0] = 1;
      quality.push_back(s);
    }
    EXPECT_TRUE(store_->appendQuality(quality).ok());
    EXPECT_TRUE(store_->roomDestroyed(comm, kT + 2000).ok());
    return comm;
  }

  static size_t sessions(Store& s, uint32_t app, const std::string& comm) {
    auto r = s.listUserSessions(app, comm, 0, kT * 2, {}, 0, 100);
    EXPECT_TRUE(r.ok());
    return r.ok() ? r->second : 0;
  }
  static size_t entries(Store& s, uint32_t app) {
    auto r = s.listEntries(app, 0, kT * 2, 100);
    return r.ok() ? r->size() : 0;
  }

  fs::path dir_;
  base::ManualClock clock_;
  std::vector<uint8_t> key_ = keyOf(0x42);
  Store* home_ = nullptr;
  Store* eu_ = nullptr;
  Store* us_ = nullptr;
  std::unique_ptr<RoutedStore> store_;
};

TEST_F(RoutedStoreTest, SettingsStayInTheDefaultDatabase) {
  EXPECT_TRUE(home_->getApp(kEuApp)->has_value());
  EXPECT_FALSE(eu_->getApp(kEuApp)->has_value());
  auto key = store_->createApiKey({kEuApp}, "k");
  ASSERT_TRUE(key.ok());
  EXPECT_TRUE(home_->getApiKey(key->secretId)->has_value());
  ASSERT_TRUE(store_->appendAudit({kT, key->secretId, "DescribeRoomInfo", kEuApp, "", "r1", "1.2.3.*"}).ok());
  EXPECT_EQ(home_->listAudit(0, kT * 2, kEuApp, 10)->size(), 1u);
  EXPECT_EQ(eu_->listAudit(0, kT * 2, kEuApp, 10)->size(), 0u);
  ASSERT_TRUE(store_->addSurgeNotice({0, kEuApp, kT, kT + 1000, kT - 1000, "concurrency"}).ok());
  EXPECT_EQ(home_->listSurgeNotices(kEuApp, 0, kT * 2)->size(), 1u);
}

TEST_F(RoutedStoreTest, AppDataGoesToTheRegionOfTheApp) {
  const std::string eu = fillRoom(kEuApp, 1, {"alice", "bob"});
  const std::string home = fillRoom(kHomeApp, 2, {"carol"});
  EXPECT_EQ(sessions(*eu_, kEuApp, eu), 2u);
  EXPECT_EQ(sessions(*home_, kEuApp, eu), 0u);
  EXPECT_EQ(sessions(*us_, kEuApp, eu), 0u);
  EXPECT_EQ(sessions(*home_, kHomeApp, home), 1u);  // region "default" has no database of its own
  EXPECT_EQ(sessions(*store_, kEuApp, eu), 2u);
  EXPECT_EQ(entries(*eu_, kEuApp), 2u);
  EXPECT_EQ(entries(*home_, kEuApp), 0u);
  EXPECT_EQ(eu_->listQuality(kEuApp, eu, {}, 0, kT * 2, 100)->size(), 2u);
  // roomDestroyed and userLeft carry only a CommId: routed by its SdkAppId prefix.
  auto room = eu_->findRoom(kEuApp, eu);
  ASSERT_TRUE(room.ok() && room->has_value());
  EXPECT_EQ((*room)->destroyedAtMs, kT + 2000);
  EXPECT_EQ(eu_->pendingCallbacks().value(), 2u);
  EXPECT_EQ(home_->pendingCallbacks().value(), 1u);
}

TEST_F(RoutedStoreTest, QualityBatchesSpanningRegionsAreSplit) {
  QualitySample a{kEuApp, commOf(kEuApp, 1), "alice", "", kT, "sdk", {}};
  QualitySample b{kUsApp, commOf(kUsApp, 1), "bob", "", kT, "sdk", {}};
  std::vector<QualitySample> batch{a, b};
  ASSERT_TRUE(store_->appendQuality(batch).ok());
  EXPECT_EQ(eu_->listQuality(kEuApp, a.commId, {}, 0, kT * 2, 10)->size(), 1u);
  EXPECT_EQ(us_->listQuality(kUsApp, b.commId, {}, 0, kT * 2, 10)->size(), 1u);
  // One bad sample still rejects the whole batch, in every database.
  batch.push_back(QualitySample{kHomeApp, "", "x", "", kT, "sdk", {}});
  EXPECT_EQ(store_->appendQuality(batch).error().code, kErrInvalidArgument);
  EXPECT_EQ(eu_->listQuality(kEuApp, a.commId, {}, 0, kT * 2, 10)->size(), 1u);
}

TEST_F(RoutedStoreTest, CallbackIdsFindTheirDatabase) {
  auto e = store_->enqueueCallback(kEuApp, "{}", kT);
  auto h = store_->enqueueCallback(kHomeApp, "{}", kT + 1);
  auto u = store_->enqueueCallback(kUsApp, "{}", kT + 2);
  ASSERT_TRUE(e.ok() && h.ok() && u.ok());
  EXPECT_NE(*e, *h);  // both are the first job of their database
  auto due = store_->dueCallbacks(kT + 10, 10);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 3u);
  EXPECT_EQ((*due)[0].sdkAppId, kEuApp);  // oldest first across databases
  EXPECT_EQ((*due)[2].sdkAppId, kUsApp);
  EXPECT_EQ(store_->dueCallbacks(kT + 10, 2)->size(), 2u);
  ASSERT_TRUE(store_->completeCallback(*e).ok());
  ASSERT_TRUE(store_->rescheduleCallback(*u, 1, kT + 100).ok());
  ASSERT_TRUE(store_->failCallback(*h, "HTTP 500", kT).ok());
  EXPECT_EQ(store_->pendingCallbacks().value(), 1u);
  EXPECT_EQ(store_->failedCallbacks(kHomeApp).value(), 1u);
  EXPECT_EQ(store_->failedCallbacks(std::nullopt).value(), 1u);
  EXPECT_EQ(store_->completeCallback(*e).error().code, kErrRecordNotFound);
  EXPECT_EQ(store_->completeCallback(int64_t{200} << kDatabaseIdShift).error().code, kErrRecordNotFound);
}

TEST_F(RoutedStoreTest, ErasureRunsInTheAppsRegion) {
  const std::string eu = fillRoom(kEuApp, 1, {"alice", "bob"});
  auto r = store_->eraseUser(kEuApp, "alice", "ticket-1", kT);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_GT(r->total(), 0u);
  EXPECT_EQ(sessions(*eu_, kEuApp, eu), 1u);
  EXPECT_TRUE(eu_->listUserEvents(kEuApp, eu, "alice", 0, kT * 2)->empty());
  EXPECT_EQ(eu_->listUserEvents(kEuApp, eu, "bob", 0, kT * 2)->size(), 1u);
  EXPECT_EQ(eu_->pendingCallbacks().value(), 1u);
  auto log = store_->listErasures(0, kT * 2, kEuApp, 10);
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log->size(), 1u);
  EXPECT_EQ((*log)[0].requestedBy, "ticket-1");
}

TEST_F(RoutedStoreTest, MovingAnAppToAnotherDatabaseIsRefused) {
  auto app = store_->getApp(kEuApp).value().value();
  app.region = "us";
  EXPECT_EQ(store_->updateApp(app).error().code, kErrInvalidArgument);
  app.region = "eu";
  app.name = "renamed";
  EXPECT_TRUE(store_->updateApp(app).ok());
  // Between two regions without databases of their own, nothing moves: allowed.
  auto home = store_->getApp(kHomeApp).value().value();
  home.region = "ap-unmapped";
  EXPECT_TRUE(store_->updateApp(home).ok());
}

TEST_F(RoutedStoreTest, PurgingADeletedAppEmptiesItsRegion) {
  const std::string eu = fillRoom(kEuApp, 1, {"alice"});
  const std::string us = fillRoom(kUsApp, 1, {"bob"});
  EXPECT_EQ(store_->purgeApp(kEuApp).error().code, kErrInvalidArgument);  // not deleted yet
  ASSERT_TRUE(store_->deleteApp(kEuApp).ok());
  auto r = store_->purgeApp(kEuApp);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(sessions(*eu_, kEuApp, eu), 0u);
  EXPECT_EQ(entries(*eu_, kEuApp), 0u);
  EXPECT_EQ(eu_->pendingCallbacks().value(), 0u);
  EXPECT_FALSE(home_->getApp(kEuApp)->has_value());
  EXPECT_EQ(sessions(*us_, kUsApp, us), 1u);  // other regions untouched
  EXPECT_EQ(store_->purgeApp(kEuApp).error().code, kErrAppNotFound);
}

TEST_F(RoutedStoreTest, PurgeExpiredReachesEveryRegion) {
  const std::string us = fillRoom(kUsApp, 1, {"bob"});
  fillRoom(kEuApp, 1, {"alice"});
  ASSERT_TRUE(store_->deleteApp(kEuApp).ok());
  RetentionPolicy policy;
  policy.deletedAppGraceMs = kMsPerDay;
  // Within the grace: the deleted app's data stays.
  auto r = store_->purgeExpired(policy, kT + 1000);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(entries(*eu_, kEuApp), 1u);
  // Past the grace, and past the quality retention of the us app's rows.
  // (deletedAtMs comes from the store's clock, which is the ManualClock's wall time.)
  const int64_t later = clock_.wallMs() + kDefaultQualityMs + kMsPerDay;
  r = store_->purgeExpired(policy, later);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(entries(*eu_, kEuApp), 0u);
  EXPECT_FALSE(home_->getApp(kEuApp)->has_value());
  EXPECT_TRUE(us_->listQuality(kUsApp, us, {}, 0, later, 10)->empty());
  EXPECT_TRUE(us_->listUserEvents(kUsApp, us, "bob", 0, later)->empty());
  EXPECT_EQ(entries(*us_, kUsApp), 1u);  // entry events keep 62 days
}

TEST_F(RoutedStoreTest, CloseOpenRecordsClosesEveryRegion) {
  const std::string comm = commOf(kUsApp, 9);
  ASSERT_TRUE(store_->roomCreated({comm, kUsApp, "9", false, "bob", kT, 0}).ok());
  ASSERT_TRUE(store_->userJoined({comm, kUsApp, "9", "bob", kT, 0, "1.2.*.*", "v", "d", 0}).ok());
  ASSERT_TRUE(store_->userRoleChanged(comm, "bob", kRoleCodeAudience).ok());  // routed by its CommId
  auto closed = store_->closeOpenRecords(kT + 5);
  ASSERT_TRUE(closed.ok());
  ASSERT_EQ(closed->rooms.size(), 1u);
  ASSERT_EQ(closed->sessions.size(), 1u);
  EXPECT_EQ(closed->sessions[0].role, kRoleCodeAudience);
  EXPECT_EQ(us_->findRoom(kUsApp, comm).value()->destroyedAtMs, kT + 5);
}

TEST_F(RoutedStoreTest, ControlBatchesGoToEachAppsDatabaseAndAFailedOneIsReportedAlone) {
  App eu = *store_->getApp(kEuApp).value();
  eu.callbackUrl = "https://example.com/cb";
  ASSERT_TRUE(store_->updateApp(eu).ok());
  std::vector<ControlWrite> batch = {
      EntryEvent{kT, kEuApp, "1", "u***", "10.0.0.*", true, "none", ""},
      EntryEvent{kT, kUsApp, "1", "u***", "10.0.0.*", true, "none", ""},
      CallbackEnqueue{kEuApp, "{}", kT, "k"},  // the app (default database) has a URL
      CallbackEnqueue{kUsApp, "{}", kT, "k"},  // this one has none: skipped
      AuditRecord{kT, "AKID", "DescribeRoomInfo", kEuApp, "", "r", "10.0.0.*"},
      EntryEvent{kT, kHomeApp, "1", "u***", "10.0.0.*", true, "none", ""},
  };
  auto r = store_->writeControlBatch(batch);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->failed.empty());
  EXPECT_EQ(r->written, 5u);
  EXPECT_EQ(r->skipped, 1u);
  EXPECT_EQ(entries(*eu_, kEuApp), 1u);
  EXPECT_EQ(entries(*us_, kUsApp), 1u);
  EXPECT_EQ(entries(*home_, kHomeApp), 1u);
  EXPECT_EQ(*eu_->pendingCallbacks(), 1u);
  EXPECT_EQ(*us_->pendingCallbacks(), 0u);
  EXPECT_EQ(home_->listAudit(0, kT + 1, std::nullopt, 10)->size(), 1u);

  // The us database fails (its table is gone): only its writes are reported as not committed.
  {
    auto raw = openSqliteConnection((dir_ / "us.db").string());
    ASSERT_TRUE(raw.ok());
    ASSERT_TRUE((*raw)->exec("DROP TABLE entry_events").ok());
  }
  auto partial = store_->writeControlBatch(batch);
  ASSERT_TRUE(partial.ok()) << partial.error().message;
  EXPECT_EQ(partial->failed, (std::vector<size_t>{1}));
  EXPECT_TRUE(partial->error.has_value());
  EXPECT_EQ(entries(*eu_, kEuApp), 2u);
}

}  // namespace
}  // namespace atrium::store
