// SLA arithmetic (R20-R22): 5-minute units, the Communication Success Rate, downtime, monthly
// availability, service months of a purchase and compensation. Pure: no clock, no I/O; every
// time is Unix ms in UTC. Exact decisions use integers, so 99.0 % or 99.9 % never depends on how
// a double happens to round.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace atrium::telemetry {

inline constexpr const char* kErrInvalidArgument = "INVALID_ARGUMENT";
// The asked-for month holds no day of the purchase's service period.
inline constexpr const char* kErrOutsideServicePeriod = "SLA_OUTSIDE_SERVICE_PERIOD";

inline constexpr int64_t kMinuteMs = 60'000;
inline constexpr int64_t kDayMs = 86'400'000;
// R20: the unit labelled 00:00 covers 00:00:00.000-00:04:59.999; 288 units per UTC day.
inline constexpr int64_t kUnitMinutes = 5;
inline constexpr int64_t kUnitMs = kUnitMinutes * kMinuteMs;
inline constexpr int64_t kUnitsPerDay = kDayMs / kUnitMs;
// R21: "unavailability lasting >= 5 minutes counts as downtime". A unit is the finest thing the
// SLA can see, so every unavailable unit is a run of at least 5 minutes and counts in full; the
// assertion keeps that true if anyone ever shortens the unit.
inline constexpr int64_t kMinDowntimeRunMinutes = 5;
static_assert(kUnitMinutes >= kMinDowntimeRunMinutes, "a single unavailable unit must count as downtime");
// R21: a unit is unavailable when its SLA CSR is below 99 %; 99.0 % exactly is available.
inline constexpr uint64_t kAvailableCsrPercent = 99;
// Years we accept: Unix ms stay positive and four digits print as four digits.
inline constexpr int kMinYear = 1970;
inline constexpr int kMaxYear = 9999;

// --- Calendar (UTC) ------------------------------------------------------------------------------

struct YearMonth {
  int year = kMinYear;
  int month = 1;  // 1..12
  auto operator<=>(const YearMonth&) const = default;
};
// "YYYY-MM".
base::Result<YearMonth> parseYearMonth(std::string_view text);
std::string toString(YearMonth month);
YearMonth nextMonth(YearMonth month);
int64_t monthStartMs(YearMonth month);
int daysInMonth(YearMonth month);

struct Date {
  int year = kMinYear;
  int month = 1;
  int day = 1;
  auto operator<=>(const Date&) const = default;
};
// "YYYY-MM-DD", a real calendar day.
base::Result<Date> parseDate(std::string_view text);
std::string toString(Date date);
int64_t dayStartMs(Date date);  // UTC midnight
Date dateOfMs(int64_t timeMs);
// "YYYY-MM-DDTHH:MM[:SS]Z" (UTC only: an operator's local offset is a mistake we refuse).
base::Result<int64_t> parseUtcTime(std::string_view text);
// "YYYY-MM-DD HH:MM" in UTC, for tables and charts.
std::string formatUtcMinute(int64_t timeMs);
// "YYYY-MM-DDTHH:MM:SSZ", for JSON.
std::string formatIsoUtc(int64_t timeMs);

// Floor division, so times before a boundary never round up into the next unit or day.
inline int64_t floorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }
inline int64_t unitStartMs(int64_t timeMs) { return floorDiv(timeMs, kUnitMs) * kUnitMs; }

// --- Service months (R22) ------------------------------------------------------------------------

// A purchase activated on `activated` (UTC day) for `months` months. Its service period is
// [activated, activated + months): the end day keeps the activation day of month, clamped to the
// last day of a shorter month (31 January + 1 month ends 28 February, exclusive).
struct Purchase {
  Date activated;
  int months = 1;  // 1..1200
};
inline constexpr int kMaxPurchaseMonths = 1200;

// The part [startMs, endMs) of one calendar month inside the service period. Always whole UTC
// days, since purchases start and end at midnight.
struct ServiceMonth {
  YearMonth month;
  int64_t startMs = 0;
  int64_t endMs = 0;
  int64_t minutes() const { return (endMs - startMs) / kMinuteMs; }
  int64_t unitCount() const { return (endMs - startMs) / kUnitMs; }
  // Shorter than its calendar month: the first or last month of a purchase.
  bool partial() const;
  bool operator==(const ServiceMonth&) const = default;
};

// The whole calendar month: the service month when no purchase period is given.
ServiceMonth calendarServiceMonth(YearMonth month);
// Every service month of the purchase, oldest first (R22: 17 March + 3 months gives 17-31 March,
// April, May, 1-16 June).
base::Result<std::vector<ServiceMonth>> serviceMonths(const Purchase& purchase);
// The service month of `month`: the calendar month, or its part inside the purchase.
base::Result<ServiceMonth> serviceMonthFor(YearMonth month, const std::optional<Purchase>& purchase);

// --- Units and the Communication Success Rate (R20, R21, R23) -----------------------------------

// The room-entry requests of one 5-minute unit, by outcome.
struct UnitStats {
  int64_t startMs = 0;
  uint64_t successes = 0;
  uint64_t serviceFailures = 0;  // cause "service" (and any cause we do not know: see README)
  uint64_t clientFailures = 0;   // cause "client": bad tickets, misuse, the user's network
  // Inside an un-notified large surge (R23): its unavailability is not downtime.
  bool excluded = false;

  uint64_t requests() const { return successes + serviceFailures + clientFailures; }
  // The requests the service answers for. A client-caused failure is not a request the service
  // could have served, so it leaves the SLA rate entirely (numerator and denominator): it neither
  // lowers the rate nor dilutes the service's own failures.
  uint64_t slaRequests() const { return successes + serviceFailures; }
  bool operator==(const UnitStats&) const = default;
};

// R20 as displayed: successes / requests x 100; nullopt without requests.
std::optional<double> csrPercent(const UnitStats& unit);
// The rate the SLA judges: successes / (successes + serviceFailures) x 100; nullopt when the unit
// has no service-attributable request.
std::optional<double> slaCsrPercent(const UnitStats& unit);
// CSR_sla < 99 %, decided in integers. A unit without service-attributable requests (none at all,
// or only client failures) is available: nothing the service answers for failed.
bool isUnavailable(const UnitStats& unit);
// Unavailable and not excluded: each such unit is kUnitMinutes of downtime.
inline bool isDowntime(const UnitStats& unit) { return !unit.excluded && isUnavailable(unit); }

// --- Availability and compensation (R21, R22) ----------------------------------------------------

// (1 - downtime / service minutes) x 100 % in hundredths of a percent, rounded DOWN (9993 means
// 99.93 %). Flooring never shows more availability than was delivered, and because every tier
// boundary is a whole number of hundredths, comparing the floored value with a boundary gives the
// same answer as comparing the exact fraction. R21: 1 - 30/44640 = 99.93279...% -> 9993.
int64_t availabilityHundredths(int64_t downtimeMinutes, int64_t serviceMinutes);
// The exact value, for display next to the floored one.
double availabilityPercent(int64_t downtimeMinutes, int64_t serviceMinutes);
// R22 tiers: >= 99.9 % -> 0; [99.5, 99.9) -> 10; [99, 99.5) -> 20; < 99 % -> 50 (% of the fee).
int compensationPercent(int64_t availabilityHundredths);
// percent of the fee in cents, rounded half up to the cent, capped at the fee (R22).
int64_t compensationCents(int64_t feeCents, int percent);
// Fees are at most this many cents (10^13 currency units), so cents x percent cannot overflow.
inline constexpr int64_t kMaxFeeCents = 1'000'000'000'000'000;
// "1234", "1234.5" or "1234.56" (currency units, at most two decimals) -> cents, without floats.
base::Result<int64_t> parseMoneyCents(std::string_view text);
// A count of hundredths with two decimals: 12345 cents -> "123.45", 9993 -> "99.93" (%).
std::string formatTwoDecimals(int64_t hundredths);

}  // namespace atrium::telemetry
