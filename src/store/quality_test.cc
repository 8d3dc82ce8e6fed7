// Call-quality samples, surge notices and the erasure log (migration 3).
#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "store/store_test_util.h"

namespace atrium::store {
namespace {

using namespace atrium::store::testing;

constexpr uint32_t kApp = 1400000301, kOtherApp = 1400000302;
constexpr int64_t kT0 = 1'699'920'000'000;  // 2023-11-14T00:00:00Z
constexpr const char* kRoom = "1400000301_1234_1699920000";

QualitySample sample(std::string user, std::string peer, int64_t t, std::string source = "sdk", uint32_t app = kApp,
                     std::string commId = kRoom) {
  QualitySample s{app, std::move(commId), std::move(user), std::move(peer), t, std::move(source), {}};
  s.values[static_cast<size_t>(QualityMetric::kRtt)] = 42;
  s.values[static_cast<size_t>(QualityMetric::kAppCpu)] = 12.5;
  return s;
}

std::vector<std::string> keys(const std::vector<QualitySample>& samples) {
  std::vector<std::string> out;
  for (const auto& s : samples) out.push_back(s.userId + ">" + s.peerId + "/" + s.source + "@" + std::to_string(s.timeMs - kT0));
  return out;
}

using QualityTest = StoreFixture;

TEST(QualityMetricTest, NamesRoundTripInTrtcOrder) {
  EXPECT_EQ(toString(QualityMetric::kAppCpu), "appCpu");
  EXPECT_EQ(toString(QualityMetric::kBigvCapFps), "bigvCapFps");
  EXPECT_EQ(toString(QualityMetric::kAPlayEnergy), "aPlayEnergy");
  EXPECT_EQ(toString(QualityMetric::kJitter), "jitter");
  for (size_t i = 0; i < kQualityMetricCount; ++i) {
    auto m = static_cast<QualityMetric>(i);
    EXPECT_EQ(qualityMetricFromString(toString(m)), m) << i;
  }
  EXPECT_FALSE(qualityMetricFromString("RTT").has_value());
  EXPECT_FALSE(qualityMetricFromString("").has_value());
}

TEST_P(QualityTest, RoundTripsEveryMetricAndNulls) {
  QualitySample full = sample("alice", "", kT0);
  for (size_t i = 0; i < kQualityMetricCount; ++i) full.values[i] = 0.5 + static_cast<double>(i);
  full.values[static_cast<size_t>(QualityMetric::kBigvWidth)] = 1280;
  QualitySample sparse = sample("alice", "bob", kT0 + 2000, "server");
  sparse.values = {};
  sparse.values[static_cast<size_t>(QualityMetric::kBigvLoss)] = 0.0;  // 0 is a value, not "missing"
  ASSERT_TRUE(store_->appendQuality(std::vector{full, sparse}).ok());

  auto r = store_->listQuality(kApp, kRoom, {}, kT0, kT0 + 10'000, 100);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0], full);
  EXPECT_EQ((*r)[1], sparse);
  EXPECT_FALSE((*r)[1].values[static_cast<size_t>(QualityMetric::kRtt)].has_value());
}

TEST_P(QualityTest, ListsOneRoomWindowInUserPeerSourceTimeOrder) {
  std::vector<QualitySample> batch = {
      sample("bob", "", kT0 + 2000),       sample("alice", "bob", kT0 + 2000, "server"),
      sample("alice", "bob", kT0),         sample("alice", "", kT0 + 2000),
      sample("alice", "", kT0),            sample("alice", "bob", kT0 + 4000),
      sample("alice", "", kT0 + 10'000),   // outside [kT0, kT0 + 10 s)
      sample("alice", "", kT0 - 1),        // before
      sample("alice", "", kT0, "sdk", kOtherApp),               // same CommId, other app
      sample("alice", "", kT0, "sdk", kApp, "1400000301_9_1"),  // other room
  };
  ASSERT_TRUE(store_->appendQuality(batch).ok());
  auto all = store_->listQuality(kApp, kRoom, {}, kT0, kT0 + 10'000, 100);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(keys(*all), (std::vector<std::string>{"alice>/sdk@0", "alice>/sdk@2000", "alice>bob/sdk@0",
                                                  "alice>bob/sdk@4000", "alice>bob/server@2000", "bob>/sdk@2000"}));
  auto limited = store_->listQuality(kApp, kRoom, {}, kT0, kT0 + 10'000, 3);
  ASSERT_TRUE(limited.ok());
  EXPECT_EQ(keys(*limited), (std::vector<std::string>{"alice>/sdk@0", "alice>/sdk@2000", "alice>bob/sdk@0"}));

  // A user filter matches the reporter, not the peer, and keeps the same order and limit.
  auto bob = store_->listQuality(kApp, kRoom, {"bob"}, kT0, kT0 + 10'000, 100);
  ASSERT_TRUE(bob.ok());
  EXPECT_EQ(keys(*bob), (std::vector<std::string>{"bob>/sdk@2000"}));
  auto both = store_->listQuality(kApp, kRoom, {"bob", "carol", "alice", "bob"}, kT0, kT0 + 10'000, 5);
  ASSERT_TRUE(both.ok());
  auto allKeys = keys(*all);
  EXPECT_EQ(keys(*both), std::vector<std::string>(allKeys.begin(), allKeys.begin() + 5));
  auto none = store_->listQuality(kApp, kRoom, {}, kT0, kT0 + 10'000, 0);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

// Batches are written as multi-row INSERTs plus single rows for the remainder: every row of a
// batch that is not a multiple of the chunk size comes back intact.
TEST_P(QualityTest, LargeBatchesRoundTripEveryRow) {
  std::vector<QualitySample> batch;
  for (int i = 0; i < 150; ++i) {
    QualitySample s = sample("u" + std::to_string(1000 + i), i % 3 ? "p" + std::to_string(i) : "", kT0 + i,
                             i % 2 ? "sdk" : "server");
    s.values[static_cast<size_t>(QualityMetric::kBigvWidth)] = i;
    if (i % 5 == 0) s.values = {};
    batch.push_back(s);
  }
  ASSERT_TRUE(store_->appendQuality(batch).ok());
  auto r = store_->listQuality(kApp, kRoom, {}, kT0, kT0 + 1000, 1000);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, batch);  // already in (user, peer, source, time) order
}

TEST_P(QualityTest, ABadSampleRejectsTheWholeBatch) {
  std::vector<QualitySample> batch = {sample("alice", "", kT0), sample("bob", "", kT0, "client")};
  auto s = store_->appendQuality(batch);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, kErrInvalidArgument);
  batch[1] = sample("", "", kT0);
  EXPECT_EQ(store_->appendQuality(batch).error().code, kErrInvalidArgument);
  batch[1] = sample("bob", "", kT0);
  batch[1].values[0] = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(store_->appendQuality(batch).error().code, kErrInvalidArgument);
  batch[1].values[0] = std::numeric_limits<double>::infinity();
  EXPECT_EQ(store_->appendQuality(batch).error().code, kErrInvalidArgument);
  auto r = store_->listQuality(kApp, kRoom, {}, 0, kT0 * 2, 100);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
  EXPECT_TRUE(store_->appendQuality({}).ok());
}

TEST_P(QualityTest, SurgeNoticesAddListRemoveScopedByApp) {
  auto a = store_->addSurgeNotice({0, kApp, kT0, kT0 + 3'600'000, kT0 - 5 * kMsPerDay, "concurrency"});
  ASSERT_TRUE(a.ok()) << a.error().message;
  clock_.advanceMs(1234);
  auto b = store_->addSurgeNotice({0, kApp, kT0 - kMsPerDay, kT0 - 1, 0, ""});  // registered now
  ASSERT_TRUE(b.ok());
  auto other = store_->addSurgeNotice({0, kOtherApp, kT0, kT0 + 1000, kT0, "recording"});
  ASSERT_TRUE(other.ok());
  EXPECT_NE(*a, *b);

  auto listed = store_->listSurgeNotices(kApp, kT0 - 2 * kMsPerDay, kT0 + kMsPerDay);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0], (SurgeNoticeRecord{*b, kApp, kT0 - kMsPerDay, kT0 - 1, clock_.wallMs(), ""}));
  EXPECT_EQ((*listed)[1], (SurgeNoticeRecord{*a, kApp, kT0, kT0 + 3'600'000, kT0 - 5 * kMsPerDay, "concurrency"}));
  // Overlap is half-open on both sides: a notice ending at kT0 does not overlap [kT0, ...).
  auto later = store_->listSurgeNotices(kApp, kT0, kT0 + 1);
  ASSERT_TRUE(later.ok());
  ASSERT_EQ(later->size(), 1u);
  EXPECT_EQ(later->front().id, *a);
  auto after = store_->listSurgeNotices(kApp, kT0 + 3'600'000, kT0 + 2 * 3'600'000);
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->empty());

  EXPECT_EQ(store_->removeSurgeNotice(kApp, *other).error().code, kErrRecordNotFound);  // another app's id
  EXPECT_TRUE(store_->removeSurgeNotice(kApp, *a).ok());
  EXPECT_EQ(store_->removeSurgeNotice(kApp, *a).error().code, kErrRecordNotFound);
  auto rest = store_->listSurgeNotices(kApp, 0, kT0 * 2);
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->size(), 1u);
  EXPECT_EQ(rest->front().id, *b);
}

TEST_P(QualityTest, SurgeNoticeValidation) {
  EXPECT_EQ(store_->addSurgeNotice({0, 0, kT0, kT0 + 1, kT0, ""}).error().code, kErrInvalidArgument);
  EXPECT_EQ(store_->addSurgeNotice({0, kApp, kT0, kT0, kT0, ""}).error().code, kErrInvalidArgument);
  EXPECT_EQ(store_->addSurgeNotice({0, kApp, kT0, kT0 + 1, kT0, "a\nb"}).error().code, kErrInvalidArgument);
  EXPECT_EQ(store_->addSurgeNotice({0, kApp, kT0, kT0 + 1, kT0, std::string(257, 'x')}).error().code,
            kErrInvalidArgument);
  EXPECT_TRUE(store_->addSurgeNotice({0, kApp, kT0, kT0 + 1, kT0, std::string(256, 'x')}).ok());
}

TEST_P(QualityTest, ErasureLogStartsEmpty) {
  auto r = store_->listErasures(0, kT0 * 2, std::nullopt, 10);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
}

ATRIUM_STORE_ENGINES(QualityTest);

}  // namespace
}  // namespace atrium::store
