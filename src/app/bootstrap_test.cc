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
