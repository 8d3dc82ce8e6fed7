#include "app/quality_recorder.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace atrium::app {
namespace {

struct FakeLog : store::QualityLog {
  std::mutex mu;
  std::vector<std::vector<store::QualitySample>> batches;
  bool fail = false;
  base::Status appendQuality(std::span<const store::QualitySample> s) override {
    std::lock_guard lock(mu);
    if (fail) return base::makeError("STORE_IO", "disk full");
    batches.emplace_back(s.begin(), s.end());
    return base::Ok{};
  }
  base::Result<std::vector<store::QualitySample>> listQuality(uint32_t, std::string_view, std::vector<std::string>, int64_t,
                                                              int64_t, size_t) override {
    return std::vector<store::QualitySample>{};
  }
};

const base::RoomKey kRoom{1400000001, base::RoomId{42, {}}};

signal::QualityReport report(std::string user) {
  return {kRoom, std::move(user), 1'700'000'000'000, {{"", {{0, 12.5}, {16, 40}}}, {"bob", {{7, 29.0}}}}};
}

TEST(QualityRecorder, ConvertsReportsToRowsWithTrtcMetricIndexes) {
  auto rows = QualityRecorder::toSamples(report("alice"), "1400000001_42_1700000000");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].peerId, "");
  EXPECT_EQ(rows[0].source, "sdk");
  EXPECT_EQ(rows[0].values[static_cast<size_t>(store::QualityMetric::kAppCpu)], 12.5);
  EXPECT_EQ(rows[0].values[static_cast<size_t>(store::QualityMetric::kRtt)], 40);
  EXPECT_FALSE(rows[0].values[static_cast<size_t>(store::QualityMetric::kABit)].has_value());
  EXPECT_EQ(rows[1].peerId, "bob");
  EXPECT_EQ(rows[1].values[static_cast<size_t>(store::QualityMetric::kBigvDecFps)], 29.0);
  EXPECT_EQ(rows[1].commId, "1400000001_42_1700000000");
}

TEST(QualityRecorder, WritesBatchesOffTheCallersThreadAndFlushesOnStop) {
  FakeLog log;
  {
    QualityRecorder rec(log, [](const base::RoomKey&) { return std::optional<std::string>("c1"); }, 20);
    for (int i = 0; i < 100; ++i) rec.onQuality(report("u" + std::to_string(i)));
    for (int i = 0; i < 200 && rec.stats().samplesWritten < 200; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    EXPECT_EQ(rec.stats().samplesWritten, 200u);
    rec.onQuality(report("late"));
  }
  size_t rows = 0;
  for (const auto& b : log.batches) rows += b.size();
  EXPECT_EQ(rows, 202u) << "the last report is written when the recorder stops";
  EXPECT_LT(log.batches.size(), 100u) << "batched, not one write per report";
}

TEST(QualityRecorder, UnknownRoomsAndFailedWritesAreDroppedAndCounted) {
  FakeLog log;
  log.fail = true;
  QualityRecorder rec(log, [](const base::RoomKey& k) {
    return k.room.numeric == 42 ? std::optional<std::string>("c1") : std::nullopt;
  }, 10);
  auto other = report("x");
  other.room.room.numeric = 7;
  rec.onQuality(other);
  rec.onQuality(report("alice"));
  for (int i = 0; i < 200 && rec.stats().samplesDropped < 4; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(rec.stats().samplesDropped, 4u);
  EXPECT_EQ(rec.stats().samplesWritten, 0u);
}

}  // namespace
}  // namespace atrium::app
