#include "telemetry/surge.h"

#include <gtest/gtest.h>

#include "telemetry/sla_test_util.h"

namespace atrium::telemetry {
namespace {

using testing::at;
using testing::kApp;

// March 2019: Monday 4, Tuesday 5, Wednesday 6, Thursday 7, Friday 8, Saturday 9, Sunday 10,
// Monday 11, Tuesday 12, Wednesday 13.
TEST(SurgeBusinessDays, MondayToFridayUtc) {
  EXPECT_TRUE(isBusinessDay(at("2019-03-04T00:00Z")));
  EXPECT_TRUE(isBusinessDay(at("2019-03-08T23:59:59Z")));
  EXPECT_FALSE(isBusinessDay(at("2019-03-09T12:00Z")));
  EXPECT_FALSE(isBusinessDay(at("2019-03-10T12:00Z")));
  EXPECT_TRUE(isBusinessDay(0));                  // Thursday 1970-01-01
  EXPECT_FALSE(isBusinessDay(-kDayMs * 4 + 1));   // Sunday 1969-12-28
}

TEST(SurgeBusinessDays, CountsTheNoticeDayNotTheStartDay) {
  EXPECT_EQ(businessDaysBetween(at("2019-03-04T18:00Z"), at("2019-03-07T09:00Z")), 3);  // Mon -> Thu
  EXPECT_EQ(businessDaysBetween(at("2019-03-05T00:00Z"), at("2019-03-07T23:00Z")), 2);  // Tue -> Thu
  EXPECT_EQ(businessDaysBetween(at("2019-03-07T10:00Z"), at("2019-03-07T20:00Z")), 0);  // same day
  EXPECT_EQ(businessDaysBetween(at("2019-03-08T10:00Z"), at("2019-03-04T10:00Z")), 0);  // after the start
}

TEST(SurgeBusinessDays, AcrossAWeekend) {
  EXPECT_EQ(businessDaysBetween(at("2019-03-06T10:00Z"), at("2019-03-11T10:00Z")), 3);  // Wed -> Mon
  EXPECT_EQ(businessDaysBetween(at("2019-03-07T10:00Z"), at("2019-03-11T10:00Z")), 2);  // Thu -> Mon
  EXPECT_EQ(businessDaysBetween(at("2019-03-08T10:00Z"), at("2019-03-13T10:00Z")), 3);  // Fri -> Wed
  EXPECT_EQ(businessDaysBetween(at("2019-03-09T10:00Z"), at("2019-03-13T10:00Z")), 2);  // Sat -> Wed
  EXPECT_EQ(businessDaysBetween(at("2019-03-06T10:00Z"), at("2019-03-09T10:00Z")), 3);  // Wed -> Sat
  EXPECT_EQ(businessDaysBetween(at("2019-03-07T10:00Z"), at("2019-03-10T10:00Z")), 2);  // Thu -> Sun
  EXPECT_EQ(businessDaysBetween(at("2019-03-04T10:00Z"), at("2019-03-18T10:00Z")), 10);  // two weeks
  EXPECT_TRUE(noticeInTime({kApp, at("2019-03-11T10:00Z"), at("2019-03-11T12:00Z"), at("2019-03-06T23:59Z"), ""}));
  EXPECT_FALSE(noticeInTime({kApp, at("2019-03-11T10:00Z"), at("2019-03-11T12:00Z"), at("2019-03-07T00:00Z"), ""}));
}

LoadSample sample(int64_t timeMs) { return LoadSample{timeMs, 0, 0, 0, 0, 0}; }

TEST(SurgeDetection, LoadLimitsAreStrict) {
  const int64_t t0 = at("2019-03-05T10:00Z");
  std::vector<LoadSample> samples;
  LoadSample s = sample(t0);
  s.concurrentUsers = 5'000;
  s.bandwidthBps = 5'000'000'000;
  s.recordingTasks = 300;
  s.relayTasks = 1'000;
  s.mixingTasks = 300;
  samples.push_back(s);  // exactly at every limit: no surge
  EXPECT_TRUE(detectLoadSurges(samples, {}).empty());

  s.timeMs += 60'000;
  s.concurrentUsers = 5'001;
  s.bandwidthBps = 5'000'000'001;
  s.recordingTasks = 301;
  s.relayTasks = 1'001;
  s.mixingTasks = 301;
  samples.push_back(s);
  auto surges = detectLoadSurges(samples, {});
  ASSERT_EQ(surges.size(), 5u);
  std::vector<std::string> kinds;
  for (const SurgeInterval& i : surges) {
    EXPECT_EQ(i.startMs, t0 + 60'000);
    EXPECT_EQ(i.endMs, t0 + 120'000);
    kinds.push_back(i.kind);
  }
  const std::vector<std::string> expected{kSurgeUsers, kSurgeBandwidth, kSurgeRecording, kSurgeRelay, kSurgeMixing};
  EXPECT_EQ(kinds, expected);
}

TEST(SurgeDetection, ConsecutiveSamplesMergeAndGapsSplit) {
  const int64_t t0 = at("2019-03-05T10:00Z");
  std::vector<LoadSample> samples;
  for (int minute : {7, 0, 1, 2, 5, 6}) {  // out of order on purpose
    LoadSample s = sample(t0 + minute * 60'000);
    s.concurrentUsers = 6'000;
    samples.push_back(s);
  }
  samples.push_back(sample(t0 + 3 * 60'000));  // back to normal at 10:03
  auto surges = detectLoadSurges(samples, {});
  ASSERT_EQ(surges.size(), 2u);
  EXPECT_EQ(surges[0], (SurgeInterval{t0, t0 + 3 * 60'000, kSurgeUsers, false}));
  EXPECT_EQ(surges[1], (SurgeInterval{t0 + 5 * 60'000, t0 + 8 * 60'000, kSurgeUsers, false}));
}

std::vector<ChannelDay> flatMonth(int64_t firstDayMs, int days, uint64_t channels) {
  std::vector<ChannelDay> out;
  for (int i = 0; i < days; ++i) out.push_back({firstDayMs + i * kDayMs, channels});
  return out;
}

TEST(SurgeDetection, ChannelSurgeNeedsAverageTenAndDoubling) {
  const int64_t feb3 = at("2019-02-03T00:00Z");
  const int64_t mar5 = feb3 + 30 * kDayMs;
  auto days = flatMonth(feb3, 30, 10);  // average exactly 10
  days.push_back({mar5, 20});           // exactly 2 x the average
  days.push_back({mar5 + kDayMs, 20});  // average is now (29 x 10 + 20) / 30 = 10.33: 20 is short of 2x
  auto surges = detectChannelSurges(days, {});
  ASSERT_EQ(surges.size(), 1u);
  EXPECT_EQ(surges[0], (SurgeInterval{mar5, mar5 + kDayMs, kSurgeChannels, false}));

  auto justBelow = flatMonth(feb3, 30, 10);
  justBelow.back().channels = 9;  // average 9.97 < 10: never a channel surge
  justBelow.push_back({mar5, 1'000});
  EXPECT_TRUE(detectChannelSurges(justBelow, {}).empty());

  auto nineteen = flatMonth(feb3, 30, 10);
  nineteen.push_back({mar5, 19});
  EXPECT_TRUE(detectChannelSurges(nineteen, {}).empty());

  // Missing days had no channels: 15 days of 20 average 10 over the 30 days.
  auto sparse = flatMonth(feb3 + 15 * kDayMs, 15, 20);
  sparse.push_back({mar5, 20});
  ASSERT_EQ(detectChannelSurges(sparse, {}).size(), 1u);
}

TEST(SurgeExclusion, TimelyNoticeCoversLateNoticeDoesNot) {
  const int64_t start = at("2019-03-07T10:00Z");  // Thursday
  std::vector<UnitStats> units;
  for (int64_t t = at("2019-03-07T09:50Z"); t < at("2019-03-07T10:40Z"); t += kUnitMs)
    units.push_back({t, 1, 0, 0, false});
  auto excludedStarts = [&] {
    std::vector<std::string> out;
    for (const UnitStats& u : units)
      if (u.excluded) out.push_back(formatUtcMinute(u.startMs).substr(11));
    return out;
  };
  auto run = [&](std::vector<SurgeNotice> notices) {
    for (UnitStats& u : units) u.excluded = false;
    std::vector<SurgeInterval> surges{{start, start + 30 * kMinuteMs, kSurgeUsers, false}};
    applySurgeExclusions(kApp, units, surges, notices);
    return surges[0].notified;
  };
  const std::vector<std::string> all{"10:00", "10:05", "10:10", "10:15", "10:20", "10:25"};

  EXPECT_FALSE(run({}));
  EXPECT_EQ(excludedStarts(), all);
  // Given Monday for Thursday: 3 business days, in time.
  EXPECT_TRUE(run({{kApp, start, start + kDayMs, at("2019-03-04T17:00Z"), "concurrency"}}));
  EXPECT_TRUE(excludedStarts().empty());
  // Given Tuesday: 2 business days, late.
  EXPECT_FALSE(run({{kApp, start, start + kDayMs, at("2019-03-05T08:00Z"), "concurrency"}}));
  EXPECT_EQ(excludedStarts(), all);
  // Another app's timely notice covers nothing.
  EXPECT_FALSE(run({{kApp + 1, start - kDayMs, start + kDayMs, at("2019-03-01T08:00Z"), ""}}));
  EXPECT_EQ(excludedStarts(), all);
  // A timely notice for 10:00-10:15 only: the rest of the surge is un-notified.
  EXPECT_FALSE(run({{kApp, start, start + 15 * kMinuteMs, at("2019-03-01T08:00Z"), ""}}));
  EXPECT_EQ(excludedStarts(), (std::vector<std::string>{"10:15", "10:20", "10:25"}));
  // Two timely notices that together cover it.
  EXPECT_TRUE(run({{kApp, start + 15 * kMinuteMs, start + kDayMs, at("2019-03-01T08:00Z"), ""},
                   {kApp, start - kDayMs, start + 15 * kMinuteMs, at("2019-03-01T08:00Z"), ""}}));
  EXPECT_TRUE(excludedStarts().empty());
}

TEST(SurgeExclusion, EveryOverlappedUnitIsExcluded) {
  std::vector<UnitStats> units;
  for (int64_t t = at("2019-03-07T10:00Z"); t < at("2019-03-07T10:20Z"); t += kUnitMs)
    units.push_back({t, 0, 0, 0, false});
  std::vector<SurgeInterval> surges{{at("2019-03-07T10:02Z"), at("2019-03-07T10:07Z"), kSurgeBandwidth, false},
                                    {at("2019-03-07T10:15Z"), at("2019-03-07T10:15Z") + 1, kSurgeMixing, false}};
  applySurgeExclusions(kApp, units, surges, {});
  EXPECT_TRUE(units[0].excluded);   // 10:00 overlaps 10:02-10:07
  EXPECT_TRUE(units[1].excluded);   // 10:05 too
  EXPECT_FALSE(units[2].excluded);  // 10:10
  EXPECT_TRUE(units[3].excluded);   // 10:15, one millisecond of surge
}

}  // namespace
}  // namespace atrium::telemetry
