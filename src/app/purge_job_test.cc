#include "app/purge_job.h"

#include <stdlib.h>

#include <filesystem>

#include <gtest/gtest.h>

namespace atrium::app {
namespace {

namespace fs = std::filesystem;

TEST(RetentionSettingsTest, DefaultsMatchTheStoresPolicy) {
  Settings s;
  auto r = readRetentionSettings(s);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->intervalMs, 3'600'000);
  const store::RetentionPolicy defaults;
  EXPECT_EQ(r->policy.qualityMs, defaults.qualityMs);
  EXPECT_EQ(r->policy.backendLogsMs, defaults.backendLogsMs);
  EXPECT_EQ(r->policy.entryEventsMs, defaults.entryEventsMs);
  EXPECT_EQ(r->policy.auditMs, defaults.auditMs);
  EXPECT_EQ(r->policy.deletedAppGraceMs, 0);
}

TEST(RetentionSettingsTest, ReadsEveryCategory) {
  Settings s;
  s.set("retention.purge_interval_s", "600");
  s.set("retention.quality_days", "20");
  s.set("retention.backend_logs_days", "7");
  s.set("retention.entry_events_days", "40");
  s.set("retention.audit_days", "365");
  s.set("retention.deleted_app_grace_days", "6");
  auto r = readRetentionSettings(s);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->intervalMs, 600'000);
  EXPECT_EQ(r->policy.qualityMs, 20 * store::kMsPerDay);
  EXPECT_EQ(r->policy.backendLogsMs, 7 * store::kMsPerDay);
  EXPECT_EQ(r->policy.entryEventsMs, 40 * store::kMsPerDay);
  EXPECT_EQ(r->policy.auditMs, 365 * store::kMsPerDay);
  EXPECT_EQ(r->policy.deletedAppGraceMs, 6 * store::kMsPerDay);
}

TEST(RetentionSettingsTest, RefusesValuesThatBreakRequirements) {
  for (auto [key, value] : {std::pair{"retention.quality_days", "13"}, std::pair{"retention.deleted_app_grace_days", "7"},
                            std::pair{"retention.entry_events_days", "30"}, std::pair{"retention.audit_days", "0"},
                            std::pair{"retention.purge_interval_s", "-1"}, std::pair{"retention.purge_interval_s", "1h"}}) {
    Settings s;
    s.set(key, value);
    auto r = readRetentionSettings(s);
    ASSERT_FALSE(r.ok()) << key << "=" << value;
    EXPECT_NE(r.error().message.find(key), std::string::npos) << r.error().message;
  }
}

TEST(PurgeJobTest, DescribesOnlyTablesThatLostRows) {
  store::PurgeReport report;
  EXPECT_EQ(describePurge(report), "nothing");
  report.add("quality_samples", 12);
  report.add("rooms", 0);
  report.add("audit_log", 3);
  EXPECT_EQ(describePurge(report), "quality_samples=12 audit_log=3");
}

class PurgeJobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "atrium-purge-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    auto s = store::openSqliteStore((dir_ / "atrium.db").string(), std::vector<uint8_t>(32, 7), clock_);
    ASSERT_TRUE(s.ok()) << s.error().message;
    store_ = std::move(*s);
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }
  fs::path dir_;
  base::ManualClock clock_;
  std::unique_ptr<store::Store> store_;
};

TEST_F(PurgeJobStoreTest, RunOnceDeletesExpiredRowsByTheInjectedClock) {
  const int64_t t = clock_.wallMs();
  store::QualitySample sample{1400000001, "1400000001_1_1", "alice", "", t, "sdk", {}};
  ASSERT_TRUE(store_->appendQuality(std::span(&sample, 1)).ok());
  RetentionSettings settings;
  PurgeJob job(*store_, settings, clock_);
  auto r = job.runOnce();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->total(), 0u);
  clock_.advanceMs(14 * store::kMsPerDay + 1);
  r = job.runOnce();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(describePurge(*r), "quality_samples=1");
  EXPECT_EQ(job.runs(), 2u);
}

TEST_F(PurgeJobStoreTest, ThreadRunsAtStartAndStopsPromptly) {
  RetentionSettings settings;  // hourly: stop() must not wait for the next run
  PurgeJob job(*store_, settings, clock_);
  job.start();
  job.stop();  // joins; the first run happens before the wait, so it has run by now
  EXPECT_EQ(job.runs(), 1u);
}

TEST_F(PurgeJobStoreTest, IntervalZeroStartsNoThread) {
  RetentionSettings settings;
  settings.intervalMs = 0;
  PurgeJob job(*store_, settings, clock_);
  job.start();
  job.stop();
  EXPECT_EQ(job.runs(), 0u);
}

}  // namespace
}  // namespace atrium::app
