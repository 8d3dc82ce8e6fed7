#include "telemetry/sla.h"

#include <gtest/gtest.h>

#include "telemetry/sla_test_util.h"

namespace atrium::telemetry {
namespace {

using testing::at;

UnitStats unit(uint64_t successes, uint64_t serviceFailures, uint64_t clientFailures = 0) {
  return UnitStats{0, successes, serviceFailures, clientFailures, false};
}

TEST(SlaUnits, FloorToFiveMinutesInUtc) {
  EXPECT_EQ(kUnitsPerDay, 288);
  EXPECT_EQ(unitStartMs(at("2019-03-05T10:04:59Z") + 999), at("2019-03-05T10:00Z"));
  EXPECT_EQ(unitStartMs(at("2019-03-05T10:05Z")), at("2019-03-05T10:05Z"));
  // The last unit of a day is labelled 23:55 and ends exactly at midnight.
  EXPECT_EQ(unitStartMs(at("2019-03-31T23:59:59Z") + 999), at("2019-03-31T23:55Z"));
  EXPECT_EQ(unitStartMs(at("2019-04-01T00:00Z")), at("2019-04-01T00:00Z"));
  // Before the epoch, floor (not truncation toward zero).
  EXPECT_EQ(unitStartMs(-1), -kUnitMs);
}

TEST(SlaCsr, NinetyNinePercentExactlyIsAvailable) {
  EXPECT_FALSE(isUnavailable(unit(99, 1)));
  EXPECT_EQ(slaCsrPercent(unit(99, 1)), 99.0);
  EXPECT_FALSE(isUnavailable(unit(9'900, 100)));
  EXPECT_TRUE(isUnavailable(unit(9'899, 101)));  // 98.99 %
  EXPECT_TRUE(isUnavailable(unit(98, 2)));
  EXPECT_TRUE(isUnavailable(unit(0, 1)));
  EXPECT_FALSE(isUnavailable(unit(1, 0)));
}

TEST(SlaCsr, UnitWithoutRequestsIsAvailable) {
  const UnitStats empty = unit(0, 0);
  EXPECT_EQ(empty.requests(), 0u);
  EXPECT_FALSE(isUnavailable(empty));
  EXPECT_FALSE(csrPercent(empty).has_value());
  EXPECT_FALSE(slaCsrPercent(empty).has_value());
}

TEST(SlaCsr, ClientCausedFailuresDoNotCount) {
  // R20's raw CSR is 90 %, but every failure is the user's: available, SLA CSR 100 %.
  const UnitStats u = unit(90, 0, 10);
  EXPECT_EQ(csrPercent(u), 90.0);
  EXPECT_EQ(slaCsrPercent(u), 100.0);
  EXPECT_FALSE(isUnavailable(u));
  // Only client failures: nothing the service answers for failed.
  EXPECT_FALSE(isUnavailable(unit(0, 0, 500)));
  EXPECT_FALSE(slaCsrPercent(unit(0, 0, 500)).has_value());
  // Client failures do not dilute the service's own: 2 of 100 attributable requests failed.
  const UnitStats diluted = unit(98, 2, 10'000);
  EXPECT_TRUE(isUnavailable(diluted));
  EXPECT_EQ(slaCsrPercent(diluted), 98.0);
}

TEST(SlaAvailability, R21WorkedExample) {
  // 30 minutes of downtime in March (31 x 1440 = 44640 minutes): 1 - 30/44640 = 99.93279...%.
  EXPECT_EQ(calendarServiceMonth({2019, 3}).minutes(), 44'640);
  EXPECT_EQ(availabilityHundredths(30, 44'640), 9'993);
  EXPECT_NEAR(availabilityPercent(30, 44'640), 99.932795698924731, 1e-12);
  EXPECT_EQ(formatTwoDecimals(availabilityHundredths(30, 44'640)), "99.93");
  EXPECT_EQ(compensationPercent(9'993), 0);
}

TEST(SlaAvailability, RoundsDownNeverUp) {
  // 99.899 % would print 99.90 rounded half up and wrongly fall in the 0 % tier.
  EXPECT_EQ(availabilityHundredths(101, 100'000), 9'989);
  EXPECT_EQ(compensationPercent(availabilityHundredths(101, 100'000)), 10);
  EXPECT_EQ(availabilityHundredths(0, 44'640), 10'000);
  EXPECT_EQ(availabilityHundredths(44'640, 44'640), 0);
}

TEST(SlaCompensation, TiersAtEveryBoundary) {
  // Over 10 000 service minutes each downtime minute is 0.01 %.
  struct Case {
    int64_t downtime;
    int64_t hundredths;
    int percent;
  };
  for (const Case& c : {Case{0, 10'000, 0}, Case{10, 9'990, 0}, Case{11, 9'989, 10}, Case{50, 9'950, 10},
                        Case{51, 9'949, 20}, Case{100, 9'900, 20}, Case{101, 9'899, 50}, Case{10'000, 0, 50}}) {
    EXPECT_EQ(availabilityHundredths(c.downtime, 10'000), c.hundredths) << c.downtime;
    EXPECT_EQ(compensationPercent(c.hundredths), c.percent) << c.downtime;
  }
}

TEST(SlaCompensation, CentsRoundHalfUpAndCapAtTheFee) {
  EXPECT_EQ(compensationCents(10'000, 10), 1'000);
  EXPECT_EQ(compensationCents(12'345, 10), 1'235);  // 1234.5 -> 1235
  EXPECT_EQ(compensationCents(12'345, 20), 2'469);
  EXPECT_EQ(compensationCents(12'345, 50), 6'173);  // 6172.5 -> 6173
  EXPECT_EQ(compensationCents(1, 10), 0);
  EXPECT_EQ(compensationCents(5, 10), 1);
  EXPECT_EQ(compensationCents(10'000, 0), 0);
  EXPECT_EQ(compensationCents(0, 50), 0);
  EXPECT_EQ(compensationCents(-5, 50), 0);
  // R22's cap: never more than the month's fee, whatever the percentage.
  EXPECT_EQ(compensationCents(1'000, 100), 1'000);
  EXPECT_EQ(compensationCents(1'000, 150), 1'000);
  EXPECT_EQ(compensationCents(kMaxFeeCents, 50), kMaxFeeCents / 2);
}

TEST(SlaCompensation, ParsesMoneyWithoutFloats) {
  EXPECT_EQ(parseMoneyCents("1200").value(), 120'000);
  EXPECT_EQ(parseMoneyCents("99.5").value(), 9'950);
  EXPECT_EQ(parseMoneyCents("99.50").value(), 9'950);
  EXPECT_EQ(parseMoneyCents("0.01").value(), 1);
  EXPECT_EQ(parseMoneyCents("0").value(), 0);
  EXPECT_EQ(parseMoneyCents("9999999999999.99").value(), 999'999'999'999'999);
  for (const char* bad : {"", "-1", "1.234", "1.", ".5", "abc", "1e3", "+1", "1,5", "10000000000000", " 1"})
    EXPECT_FALSE(parseMoneyCents(bad).ok()) << bad;
  EXPECT_EQ(formatTwoDecimals(12'345), "123.45");
  EXPECT_EQ(formatTwoDecimals(5), "0.05");
  EXPECT_EQ(formatTwoDecimals(-150), "-1.50");
}

TEST(SlaServiceMonths, R22FourMonthPurchase) {
  // Activated 17 March 2019 for three months: 17-31 March, April, May, 1-16 June.
  auto months = serviceMonths(Purchase{{2019, 3, 17}, 3});
  ASSERT_TRUE(months.ok());
  ASSERT_EQ(months->size(), 4u);
  const ServiceMonth& march = (*months)[0];
  EXPECT_EQ(march.month, (YearMonth{2019, 3}));
  EXPECT_EQ(march.startMs, at("2019-03-17T00:00Z"));
  EXPECT_EQ(march.endMs, at("2019-04-01T00:00Z"));
  EXPECT_EQ(march.minutes(), 15 * 1440);
  EXPECT_TRUE(march.partial());
  EXPECT_EQ((*months)[1], calendarServiceMonth({2019, 4}));
  EXPECT_EQ((*months)[1].minutes(), 30 * 1440);
  EXPECT_FALSE((*months)[1].partial());
  EXPECT_EQ((*months)[2], calendarServiceMonth({2019, 5}));
  EXPECT_EQ((*months)[2].minutes(), 31 * 1440);
  const ServiceMonth& june = (*months)[3];
  EXPECT_EQ(june.startMs, at("2019-06-01T00:00Z"));
  EXPECT_EQ(june.endMs, at("2019-06-17T00:00Z"));
  EXPECT_EQ(june.minutes(), 16 * 1440);
  EXPECT_TRUE(june.partial());
  EXPECT_EQ(june.unitCount(), 16 * 288);
  // 15 + 30 + 31 + 16 = 92 days: exactly 17 March to 17 June.
  int64_t total = 0;
  for (const ServiceMonth& m : *months) total += m.minutes();
  EXPECT_EQ(total, 92 * 1440);

  auto june2 = serviceMonthFor({2019, 6}, Purchase{{2019, 3, 17}, 3});
  ASSERT_TRUE(june2.ok());
  EXPECT_EQ(*june2, june);
  auto july = serviceMonthFor({2019, 7}, Purchase{{2019, 3, 17}, 3});
  ASSERT_FALSE(july.ok());
  EXPECT_EQ(july.error().code, kErrOutsideServicePeriod);
  EXPECT_EQ(serviceMonthFor({2019, 2}, Purchase{{2019, 3, 17}, 3}).error().code, kErrOutsideServicePeriod);
}

TEST(SlaServiceMonths, FirstOfMonthAndShortMonths) {
  auto whole = serviceMonths(Purchase{{2019, 3, 1}, 3});
  ASSERT_TRUE(whole.ok());
  ASSERT_EQ(whole->size(), 3u);
  for (const ServiceMonth& m : *whole) EXPECT_FALSE(m.partial());
  // 31 January + 1 month ends with February (28 days in 2019, 29 in 2020), exclusive.
  auto jan31 = serviceMonths(Purchase{{2019, 1, 31}, 1});
  ASSERT_TRUE(jan31.ok());
  ASSERT_EQ(jan31->size(), 2u);
  EXPECT_EQ((*jan31)[0].minutes(), 1440);
  EXPECT_EQ((*jan31)[1].endMs, at("2019-02-28T00:00Z"));
  EXPECT_EQ(serviceMonths(Purchase{{2020, 1, 31}, 1})->back().endMs, at("2020-02-29T00:00Z"));
  // Across a year end.
  auto december = serviceMonths(Purchase{{2019, 12, 10}, 1});
  ASSERT_TRUE(december.ok());
  EXPECT_EQ(december->back().month, (YearMonth{2020, 1}));
  EXPECT_FALSE(serviceMonths(Purchase{{2019, 2, 29}, 1}).ok());
  EXPECT_FALSE(serviceMonths(Purchase{{2019, 3, 1}, 0}).ok());
  EXPECT_FALSE(serviceMonths(Purchase{{9999, 3, 1}, 12}).ok());
}

TEST(SlaCalendar, ParsesAndFormats) {
  EXPECT_EQ(parseYearMonth("2019-03").value(), (YearMonth{2019, 3}));
  for (const char* bad : {"2019-3", "2019-13", "2019-00", "19-03", "2019/03", "1969-12", "2019-03-01"})
    EXPECT_FALSE(parseYearMonth(bad).ok()) << bad;
  EXPECT_EQ(parseDate("2020-02-29").value(), (Date{2020, 2, 29}));
  EXPECT_FALSE(parseDate("2019-02-29").ok());
  EXPECT_EQ(toString(YearMonth{2019, 3}), "2019-03");
  EXPECT_EQ(toString(nextMonth({2019, 12})), "2020-01");
  EXPECT_EQ(daysInMonth({2019, 2}), 28);
  EXPECT_EQ(at("1970-01-01T00:00Z"), 0);
  EXPECT_EQ(at("2019-03-05T10:00:30Z"), 1'551'780'030'000);
  EXPECT_EQ(formatUtcMinute(at("2019-03-05T10:05Z")), "2019-03-05 10:05");
  EXPECT_EQ(formatIsoUtc(at("2019-03-05T10:05:07Z") + 999), "2019-03-05T10:05:07Z");
  EXPECT_EQ(dateOfMs(at("2019-03-31T23:59:59Z")), (Date{2019, 3, 31}));
  for (const char* bad : {"2019-03-05T10:00", "2019-03-05T24:00Z", "2019-03-05 10:00Z", "2019-03-05T10:00+08:00"})
    EXPECT_FALSE(parseUtcTime(bad).ok()) << bad;
}

}  // namespace
}  // namespace atrium::telemetry
