#include "app/bootstrap.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace atrium::app {
namespace {
namespace fs = std::filesystem;

class BootstrapTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() / ("atrium-boot-" + std::to_string(::getpid()) + "-" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    settings.set("server.data_dir", dir.string());
    ::unsetenv("ATRIUM_MASTER_KEY");
  }
  void TearDown() override { fs::remove_all(dir); }
  fs::path dir;
  Settings settings;
  base::ManualClock clock;
};

TEST_F(BootstrapTest, ProductionRefusesWithoutMasterKeyOrCertificate) {
  auto store = openStore(settings, clock, true);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, "MASTER_KEY");
  EXPECT_FALSE(ensureTls(settings).ok());
}

TEST_F(BootstrapTest, DevGeneratesKeyCertAndDemoAppOnce) {
  settings.set("server.mode", "dev");
  auto store = openStore(settings, clock, true);
  ASSERT_TRUE(store.ok()) << store.error().message;
  EXPECT_TRUE(fs::exists(dir / "master.key"));
  EXPECT_EQ(fs::status(dir / "master.key").permissions() & fs::perms::group_all, fs::perms::none);
  auto tls = ensureTls(settings);
  ASSERT_TRUE(tls.ok()) << tls.error().message;
  EXPECT_TRUE(fs::exists(tls->certFile));
  auto a = ensureDemoApp(**store);
  auto b = ensureDemoApp(**store);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->sdkAppId, b->sdkAppId);
  EXPECT_EQ(a->secretKey.size(), 64u);

  // The CLI (never generating) opens the same store with the key file the daemon wrote.
  Settings cli;
  cli.set("server.data_dir", dir.string());
  auto again = openStore(cli, clock, false);
  ASSERT_TRUE(again.ok()) << again.error().message;
  auto app = (*again)->getApp(a->sdkAppId);
  ASSERT_TRUE(app.ok() && app->has_value());
  EXPECT_EQ((*app)->secretKey, a->secretKey);
}

TEST_F(BootstrapTest, EnvMasterKeyMustBeWellFormed) {
  settings.set("server.mode", "dev");
  ::setenv("ATRIUM_MASTER_KEY", "abcd", 1);
  auto key = loadMasterKey(settings, true);
  ::unsetenv("ATRIUM_MASTER_KEY");
  ASSERT_FALSE(key.ok());
  ::setenv("ATRIUM_MASTER_KEY", std::string(64, 'a').c_str(), 1);
  auto good = loadMasterKey(settings, false);
  ::unsetenv("ATRIUM_MASTER_KEY");
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(good->size(), 32u);
}

}  // namespace
}  // namespace atrium::app

namespace atrium::app {
namespace {

TEST(StoreLayoutTest, DefaultIsTheSqliteFileInTheDataDir) {
  Settings s;
  s.set("server.data_dir", "/var/lib/atrium");
  auto layout = readStoreLayout(s);
  ASSERT_TRUE(layout.ok()) << layout.error().message;
  EXPECT_EQ(layout->main, (StoreLocation{false, "/var/lib/atrium/atrium.db"}));
  EXPECT_TRUE(layout->regions.empty());
}

TEST(StoreLayoutTest, PostgresNeedsADsn) {
  Settings s;
  s.set("store.engine", "postgres");
  auto layout = readStoreLayout(s);
  ASSERT_FALSE(layout.ok());
  EXPECT_NE(layout.error().message.find("store.dsn"), std::string::npos);
  s.set("store.dsn", " host=db dbname=atrium ");
  layout = readStoreLayout(s);
  ASSERT_TRUE(layout.ok()) << layout.error().message;
  EXPECT_EQ(layout->main, (StoreLocation{true, "host=db dbname=atrium"}));
  s.set("store.engine", "mysql");
  EXPECT_FALSE(readStoreLayout(s).ok());
}

TEST(StoreLayoutTest, RegionsSplitAtSemicolonsAndTheirFirstEquals) {
  Settings s;
  s.set("store.regions",
        " eu = host=db-eu dbname=atrium user=a ; us=postgresql://u@db-us,db-us2/atrium?sslmode=require;;"
        "lab=sqlite:/tmp/lab.db ");
  auto layout = readStoreLayout(s);
  ASSERT_TRUE(layout.ok()) << layout.error().message;
  ASSERT_EQ(layout->regions.size(), 3u);
  EXPECT_EQ(layout->regions[0].first, "eu");
  EXPECT_EQ(layout->regions[0].second, (StoreLocation{true, "host=db-eu dbname=atrium user=a"}));
  EXPECT_EQ(layout->regions[1].first, "us");
  EXPECT_EQ(layout->regions[1].second, (StoreLocation{true, "postgresql://u@db-us,db-us2/atrium?sslmode=require"}));
  EXPECT_EQ(layout->regions[2].second, (StoreLocation{false, "/tmp/lab.db"}));
}

TEST(StoreLayoutTest, RefusesMalformedRegions) {
  for (const char* spec : {"eu", "eu=", "=host=x", "e u=host=x", "eu=host=x;eu=host=y", "eu=sqlite:"}) {
    Settings s;
    s.set("store.regions", spec);
    auto layout = readStoreLayout(s);
    ASSERT_FALSE(layout.ok()) << spec;
    EXPECT_EQ(layout.error().code, "CONFIG") << spec;
  }
}

TEST_F(BootstrapTest, RegionsOpenBehindOneRoutedStore) {
  settings.set("server.mode", "dev");
  settings.set("store.regions", "eu=sqlite:" + (dir / "eu.db").string());
  auto store = openStore(settings, clock, true);
  ASSERT_TRUE(store.ok()) << store.error().message;
  store::App app;
  app.name = "eu app";
  app.region = "eu";
  auto created = (*store)->createApp(app);
  ASSERT_TRUE(created.ok());
  ASSERT_TRUE((*store)->appendEntry({clock.wallMs(), created->sdkAppId, "1", "****", "1.2.3.*", true, "none", ""}).ok());
  store->reset();
  // The regional file holds the entry; the default file holds the app and no entry.
  auto eu = store::openSqliteStore((dir / "eu.db").string(), *loadMasterKey(settings, false), clock);
  ASSERT_TRUE(eu.ok());
  EXPECT_EQ((*eu)->listEntries(created->sdkAppId, 0, clock.wallMs() + 1, 10)->size(), 1u);
  auto home = store::openSqliteStore((dir / "atrium.db").string(), *loadMasterKey(settings, false), clock);
  ASSERT_TRUE(home.ok());
  EXPECT_TRUE((*home)->listEntries(created->sdkAppId, 0, clock.wallMs() + 1, 10)->empty());
  EXPECT_TRUE((*home)->getApp(created->sdkAppId)->has_value());
}

}  // namespace
}  // namespace atrium::app
