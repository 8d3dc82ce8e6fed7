#include "telemetry/sla_report.h"

#include <stdlib.h>  // mkdtemp

#include <algorithm>
#include <filesystem>

#include <gtest/gtest.h>

#include "telemetry/sla_test_util.h"

#include "base/clock.h"

namespace atrium::telemetry {
namespace {

using testing::at;
using testing::kApp;

store::EntryEvent event(int64_t timeMs, const char* cause, uint32_t app = kApp) {
  const bool ok = std::string_view(cause) == "none";
  return store::EntryEvent{timeMs, app, "room", "u***", "1.2.*.*", ok, cause, ok ? "" : "ERR"};
}

// `successes`, then `serviceFailures` and `clientFailures` events in the unit starting at unitMs.
void addUnit(std::vector<store::EntryEvent>& out, int64_t unitMs, int successes, int serviceFailures,
             int clientFailures = 0) {
  for (int i = 0; i < successes; ++i) out.push_back(event(unitMs + i, "none"));
  for (int i = 0; i < serviceFailures; ++i) out.push_back(event(unitMs + 1'000 + i, "service"));
  for (int i = 0; i < clientFailures; ++i) out.push_back(event(unitMs + 2'000 + i, "client"));
}

// CSR 98 % in every unit of [fromMs, toMs), 100 requests each.
std::vector<store::EntryEvent> csr98(int64_t fromMs, int64_t toMs) {
  std::vector<store::EntryEvent> out;
  for (int64_t t = fromMs; t < toMs; t += kUnitMs) addUnit(out, t, 98, 2);
  return out;
}

SlaReport report(const std::vector<store::EntryEvent>& events, YearMonth month, const SlaOptions& options = {}) {
  auto r = computeSlaReport(kApp, month, events, options);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? std::move(r).value() : SlaReport{};
}

TEST(SlaReport, R21WorkedExampleExactly) {
  // CSR 98 % from 10:00 to 10:30 on a day of March 2019, healthy traffic around it.
  auto events = csr98(at("2019-03-05T10:00Z"), at("2019-03-05T10:30Z"));
  addUnit(events, at("2019-03-05T09:55Z"), 100, 0);
  addUnit(events, at("2019-03-05T10:30Z"), 99, 1);
  SlaReport r = report(events, {2019, 3});
  EXPECT_EQ(r.units.size(), 31u * 288u);
  EXPECT_EQ(r.serviceMonth.minutes(), 44'640);
  EXPECT_EQ(r.unavailableUnits, 6);
  EXPECT_EQ(r.excludedUnits, 0);
  EXPECT_EQ(r.downtimeMinutes, 30);
  EXPECT_EQ(r.availabilityHundredths, 9'993);  // 99.93 %
  EXPECT_EQ(r.compensationPercent, 0);
  EXPECT_FALSE(r.feeCents.has_value());
  EXPECT_EQ(r.compensationCents, 0);
  // The unavailable units are exactly 10:00 .. 10:25.
  std::vector<int64_t> down;
  for (const UnitStats& u : r.units)
    if (isDowntime(u)) down.push_back(u.startMs);
  ASSERT_EQ(down.size(), 6u);
  EXPECT_EQ(down.front(), at("2019-03-05T10:00Z"));
  EXPECT_EQ(down.back(), at("2019-03-05T10:25Z"));
}

TEST(SlaReport, ClientCausedFailuresDoNotMakeDowntime) {
  std::vector<store::EntryEvent> events;
  for (int64_t t = at("2019-03-05T10:00Z"); t < at("2019-03-05T12:00Z"); t += kUnitMs) addUnit(events, t, 50, 0, 50);
  addUnit(events, at("2019-03-06T08:00Z"), 0, 0, 7);
  SlaReport r = report(events, {2019, 3});
  EXPECT_EQ(r.unavailableUnits, 0);
  EXPECT_EQ(r.downtimeMinutes, 0);
  EXPECT_EQ(r.availabilityHundredths, 10'000);
}

TEST(SlaReport, UnknownCauseCountsAgainstTheService) {
  UnitCounter counter(kApp, calendarServiceMonth({2019, 3}));
  store::EntryEvent odd = event(at("2019-03-05T10:00Z"), "service");
  odd.cause = "gremlins";
  counter.add(odd);
  counter.add(event(at("2019-03-05T10:00Z"), "client"));
  counter.add(event(at("2019-03-05T10:00Z"), "none", kApp + 1));      // another app
  counter.add(event(at("2019-04-01T00:00Z"), "service"));             // next month
  auto units = std::move(counter).take();
  const UnitStats& u = units[4 * 288 + 120];
  EXPECT_EQ(u.startMs, at("2019-03-05T10:00Z"));
  EXPECT_EQ(u.serviceFailures, 1u);
  EXPECT_EQ(u.clientFailures, 1u);
  EXPECT_EQ(u.successes, 0u);
}

TEST(SlaReport, UnitsAtMidnightAndMonthEnd) {
  // A run 23:50 .. 00:10 across a midnight inside March, and one across the March/April boundary.
  auto events = csr98(at("2019-03-05T23:50Z"), at("2019-03-06T00:10Z"));
  auto monthEnd = csr98(at("2019-03-31T23:50Z"), at("2019-04-01T00:10Z"));
  events.insert(events.end(), monthEnd.begin(), monthEnd.end());
  // The last millisecond of March belongs to March's last unit (23:55), the first of April to April.
  events.push_back(event(at("2019-03-31T23:59:59Z") + 999, "service"));
  events.push_back(event(at("2019-04-01T00:00Z"), "none"));

  SlaReport march = report(events, {2019, 3});
  EXPECT_EQ(march.downtimeMinutes, 30);  // 20 around 6 March, 10 at the end of the 31st
  EXPECT_EQ(march.units[4 * 288 + 287].startMs, at("2019-03-05T23:55Z"));
  EXPECT_TRUE(isUnavailable(march.units[4 * 288 + 287]));
  EXPECT_TRUE(isUnavailable(march.units[5 * 288]));
  EXPECT_EQ(march.units.back().startMs, at("2019-03-31T23:55Z"));
  EXPECT_EQ(march.units.back().serviceFailures, 3u);
  EXPECT_EQ(march.units.back().requests(), 101u);

  SlaReport april = report(events, {2019, 4});
  EXPECT_EQ(april.serviceMonth.minutes(), 43'200);
  EXPECT_EQ(april.downtimeMinutes, 10);
  EXPECT_EQ(april.units.front().successes, 99u);
  EXPECT_EQ(april.availabilityHundredths, 9'997);  // 1 - 10/43200 = 99.9768 %
}

TEST(SlaReport, PartialFirstMonthOfR22Purchase) {
  // The same 30 minutes weigh more in the 15-day first service month of a 17 March purchase.
  auto events = csr98(at("2019-03-20T10:00Z"), at("2019-03-20T10:30Z"));
  auto early = csr98(at("2019-03-10T10:00Z"), at("2019-03-10T11:00Z"));  // before activation
  events.insert(events.end(), early.begin(), early.end());
  SlaOptions options;
  options.purchase = Purchase{{2019, 3, 17}, 3};
  options.feeCents = 10'000;
  SlaReport r = report(events, {2019, 3}, options);
  EXPECT_EQ(r.serviceMonth.startMs, at("2019-03-17T00:00Z"));
  EXPECT_EQ(r.units.size(), 15u * 288u);
  EXPECT_EQ(r.downtimeMinutes, 30);
  EXPECT_EQ(r.availabilityHundredths, 9'986);  // 1 - 30/21600 = 99.8611 %
  EXPECT_EQ(r.compensationPercent, 10);
  EXPECT_EQ(r.compensationCents, 1'000);

  auto july = computeSlaReport(kApp, {2019, 7}, events, options);
  ASSERT_FALSE(july.ok());
  EXPECT_EQ(july.error().code, kErrOutsideServicePeriod);
  options.feeCents = -1;
  EXPECT_EQ(computeSlaReport(kApp, {2019, 3}, events, options).error().code, kErrInvalidArgument);
}

TEST(SlaReport, TiersAndFeeFromDowntime) {
  // March: 44640 minutes. 45 min -> 99.8991 % (10 %), 225 min -> 99.4959 % (20 %), 450 -> 98.99 % (50 %).
  SlaOptions options;
  options.feeCents = 12'345;
  struct Case {
    int64_t minutes;
    int64_t hundredths;
    int percent;
    int64_t cents;
  };
  for (const Case& c : {Case{40, 9'991, 0, 0}, Case{45, 9'989, 10, 1'235}, Case{220, 9'950, 10, 1'235},
                        Case{225, 9'949, 20, 2'469}, Case{445, 9'900, 20, 2'469}, Case{450, 9'899, 50, 6'173}}) {
    const int64_t from = at("2019-03-05T00:00Z");
    SlaReport r = report(csr98(from, from + c.minutes * kMinuteMs), {2019, 3}, options);
    EXPECT_EQ(r.downtimeMinutes, c.minutes);
    EXPECT_EQ(r.availabilityHundredths, c.hundredths) << c.minutes;
    EXPECT_EQ(r.compensationPercent, c.percent) << c.minutes;
    EXPECT_EQ(r.compensationCents, c.cents) << c.minutes;
  }
}

TEST(SlaReport, UnNotifiedSurgeIsExcludedNotifiedSurgeCounts) {
  // Thursday 7 March 2019, CSR 98 % 10:00-10:30 while concurrency is above 5 000.
  const int64_t start = at("2019-03-07T10:00Z");
  auto events = csr98(start, start + 30 * kMinuteMs);
  SlaOptions options;
  for (int64_t t = start - 5 * kMinuteMs; t < start + 35 * kMinuteMs; t += 60'000)
    options.loadSamples.push_back(LoadSample{t, 7'500, 0, 0, 0, 0});

  SlaReport none = report(events, {2019, 3}, options);
  ASSERT_EQ(none.surges.size(), 1u);
  EXPECT_EQ(none.surges[0].kind, kSurgeUsers);
  EXPECT_FALSE(none.surges[0].notified);
  EXPECT_EQ(none.unavailableUnits, 6);
  EXPECT_EQ(none.excludedUnits, 8);  // 09:55 .. 10:30
  EXPECT_EQ(none.downtimeMinutes, 0);
  EXPECT_EQ(none.availabilityHundredths, 10'000);

  // Told on Monday for Thursday (3 business days): the surge is ours to handle; downtime counts.
  options.notices.push_back({kApp, start - 60 * kMinuteMs, start + kDayMs, at("2019-03-04T09:00Z"), "concurrency"});
  SlaReport timely = report(events, {2019, 3}, options);
  EXPECT_TRUE(timely.surges[0].notified);
  EXPECT_EQ(timely.excludedUnits, 0);
  EXPECT_EQ(timely.downtimeMinutes, 30);
  EXPECT_EQ(timely.availabilityHundredths, 9'993);

  // Told on Tuesday (2 business days): late, so the surge stays excluded.
  options.notices.back().noticeGivenAtMs = at("2019-03-05T09:00Z");
  SlaReport late = report(events, {2019, 3}, options);
  EXPECT_FALSE(late.surges[0].notified);
  EXPECT_EQ(late.downtimeMinutes, 0);
}

TEST(SlaReport, ChannelSurgeDayIsExcluded) {
  auto events = csr98(at("2019-03-05T10:00Z"), at("2019-03-05T10:30Z"));
  auto other = csr98(at("2019-03-06T10:00Z"), at("2019-03-06T10:10Z"));
  events.insert(events.end(), other.begin(), other.end());
  SlaOptions options;
  for (int64_t d = at("2019-02-03T00:00Z"); d < at("2019-03-05T00:00Z"); d += kDayMs)
    options.channelDays.push_back({d, 12});
  options.channelDays.push_back({at("2019-03-05T00:00Z"), 30});
  SlaReport r = report(events, {2019, 3}, options);
  ASSERT_EQ(r.surges.size(), 1u);  // February's days are no surges and lie outside March anyway
  EXPECT_EQ(r.surges[0].kind, kSurgeChannels);
  EXPECT_EQ(r.excludedUnits, 288);
  EXPECT_EQ(r.unavailableUnits, 8);
  EXPECT_EQ(r.downtimeMinutes, 10);  // only 6 March counts
}

// An EntryLog over a vector, paging exactly like the SQLite one (time, then insertion order).
class FakeEntryLog : public store::EntryLog {
 public:
  base::Status appendEntry(const store::EntryEvent& e) override {
    events_.push_back(e);
    return base::Ok{};
  }
  base::Result<std::vector<store::EntryEvent>> listEntries(uint32_t app, int64_t fromMs, int64_t toMs,
                                                           size_t limit) override {
    ++calls;
    if (failWith) return *failWith;
    std::vector<store::EntryEvent> out;
    for (const auto& e : events_)
      if (e.sdkAppId == app && e.timeMs >= fromMs && e.timeMs < toMs) out.push_back(e);
    std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.timeMs < b.timeMs; });
    if (out.size() > limit) out.resize(limit);
    return out;
  }
  int calls = 0;
  std::optional<base::Error> failWith;

 private:
  std::vector<store::EntryEvent> events_;
};

TEST(SlaReport, BuildPagesThroughEventsSharingAMillisecond) {
  const int64_t t = at("2019-03-05T10:00Z");
  std::vector<store::EntryEvent> events = csr98(t, t + 30 * kMinuteMs);
  for (int i = 0; i < 25; ++i) events.push_back(event(t + 7, "service"));  // 25 events in one ms
  for (int i = 0; i < 9; ++i) events.push_back(event(t + kUnitMs, "none"));
  FakeEntryLog log;
  for (const auto& e : events) ASSERT_TRUE(log.appendEntry(e).ok());
  SlaOptions options;
  options.pageSize = 7;
  auto built = buildSlaReport(log, kApp, {2019, 3}, options);
  ASSERT_TRUE(built.ok());
  EXPECT_GT(log.calls, 80);
  SlaReport direct = report(events, {2019, 3});
  EXPECT_EQ(built->units, direct.units);
  EXPECT_EQ(built->units[4 * 288 + 120].serviceFailures, 27u);
  EXPECT_EQ(built->units[4 * 288 + 121].successes, 107u);
  EXPECT_EQ(built->downtimeMinutes, 30);

  log.failWith = base::makeError(store::kErrBusy, "locked");
  auto failed = buildSlaReport(log, kApp, {2019, 3}, options);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, store::kErrBusy);
}

TEST(SlaReport, BuildFromSqliteStoreWithChannelDays) {
  char dir[] = "/tmp/atrium-sla-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  base::ManualClock clock(at("2019-04-02T00:00Z"));
  {
    auto opened = store::openSqliteStore(std::string(dir) + "/atrium.db", std::vector<uint8_t>(32, 7), clock);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store::Store& db = **opened;
    auto events = csr98(at("2019-03-05T10:00Z"), at("2019-03-05T10:30Z"));
    for (int i = 0; i < 40; ++i) events.push_back(event(at("2019-03-31T23:59Z"), i % 2 ? "none" : "client"));
    for (const auto& e : events) ASSERT_TRUE(db.appendEntry(e).ok());
    // Two rooms entered on 4 March.
    for (const char* comm : {"c1", "c2"}) {
      const int64_t joined = at("2019-03-04T12:00Z");
      ASSERT_TRUE(db.userJoined({comm, kApp, "r", "alice", joined, 0, "1.2.*.*", "5.0", "web", 0}).ok());
    }

    SlaOptions options;
    options.pageSize = 13;
    auto built = buildSlaReport(db, kApp, {2019, 3}, options);
    ASSERT_TRUE(built.ok()) << built.error().message;
    EXPECT_EQ(built->units, report(events, {2019, 3}).units);
    EXPECT_EQ(built->downtimeMinutes, 30);
    EXPECT_EQ(built->availabilityHundredths, 9'993);

    auto days = loadChannelDays(db, kApp, built->serviceMonth, options.thresholds);
    ASSERT_TRUE(days.ok()) << days.error().message;
    ASSERT_EQ(days->size(), 30u + 31u);  // 30 days before March, then March
    EXPECT_EQ(days->front().dayStartMs, at("2019-01-30T00:00Z"));
    EXPECT_EQ((*days)[30 + 3].dayStartMs, at("2019-03-04T00:00Z"));
    EXPECT_EQ((*days)[30 + 3].channels, 2u);
  }
  std::filesystem::remove_all(dir);
}

TEST(SlaReport, SurgeNoticesComeFromTheStore) {
  char dir[] = "/tmp/atrium-sla-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  base::ManualClock clock(at("2019-04-02T00:00Z"));
  {
    auto opened = store::openSqliteStore(std::string(dir) + "/atrium.db", std::vector<uint8_t>(32, 7), clock);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store::Store& db = **opened;
    const int64_t start = at("2019-03-07T10:00Z");
    ASSERT_TRUE(db.addSurgeNotice({0, kApp, start, start + kDayMs, at("2019-03-04T09:00Z"), "concurrency"}).ok());
    ASSERT_TRUE(db.addSurgeNotice({0, kApp, at("2019-05-01T00:00Z"), at("2019-05-02T00:00Z"), 0, "may"}).ok());
    ASSERT_TRUE(db.addSurgeNotice({0, kApp + 1, start, start + kDayMs, 0, "other app"}).ok());
    auto notices = loadSurgeNotices(db, kApp, calendarServiceMonth({2019, 3}));
    ASSERT_TRUE(notices.ok()) << notices.error().message;
    ASSERT_EQ(notices->size(), 1u);
    EXPECT_EQ((*notices)[0], (SurgeNotice{kApp, start, start + kDayMs, at("2019-03-04T09:00Z"), "concurrency"}));
    EXPECT_TRUE(noticeInTime((*notices)[0]));
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace atrium::telemetry
