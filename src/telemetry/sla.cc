#include "telemetry/sla.h"

#include <algorithm>
#include <charconv>
#include <chrono>

#include <fmt/format.h>

namespace atrium::telemetry {
namespace {

namespace chr = std::chrono;

base::Error invalid(std::string message) { return base::makeError(kErrInvalidArgument, std::move(message)); }

// Exactly `n` ASCII digits at text[pos..pos+n).
bool digitsAt(std::string_view text, size_t pos, size_t n, int& out) {
  if (pos + n > text.size()) return false;
  const char* first = text.data() + pos;
  if (!std::all_of(first, first + n, [](char c) { return c >= '0' && c <= '9'; })) return false;
  return std::from_chars(first, first + n, out).ec == std::errc();
}

chr::year_month_day toChrono(Date d) {
  return chr::year_month_day{chr::year{d.year}, chr::month{static_cast<unsigned>(d.month)},
                             chr::day{static_cast<unsigned>(d.day)}};
}

bool validDate(Date d) { return d.year >= kMinYear && d.year <= kMaxYear && toChrono(d).ok(); }

YearMonth addMonths(YearMonth ym, int months) {
  const int index = ym.year * 12 + (ym.month - 1) + months;
  return YearMonth{index / 12, index % 12 + 1};
}

}  // namespace

base::Result<YearMonth> parseYearMonth(std::string_view text) {
  YearMonth ym;
  if (text.size() != 7 || text[4] != '-' || !digitsAt(text, 0, 4, ym.year) || !digitsAt(text, 5, 2, ym.month) ||
      ym.month < 1 || ym.month > 12 || ym.year < kMinYear)
    return invalid("a month is YYYY-MM (1970-01 or later), not \"" + std::string(text) + "\"");
  return ym;
}

std::string toString(YearMonth month) { return fmt::format("{:04}-{:02}", month.year, month.month); }

YearMonth nextMonth(YearMonth month) { return addMonths(month, 1); }

int64_t monthStartMs(YearMonth month) { return dayStartMs(Date{month.year, month.month, 1}); }

int daysInMonth(YearMonth month) {
  const chr::month m{static_cast<unsigned>(month.month)};
  const chr::year_month_day_last last{chr::year{month.year}, chr::month_day_last{m}};
  return static_cast<int>(static_cast<unsigned>(last.day()));
}

base::Result<Date> parseDate(std::string_view text) {
  Date d;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !digitsAt(text, 0, 4, d.year) ||
      !digitsAt(text, 5, 2, d.month) || !digitsAt(text, 8, 2, d.day) || !validDate(d))
    return invalid("a date is YYYY-MM-DD (a real day, 1970 or later), not \"" + std::string(text) + "\"");
  return d;
}

std::string toString(Date date) { return fmt::format("{:04}-{:02}-{:02}", date.year, date.month, date.day); }

int64_t dayStartMs(Date date) {
  return static_cast<int64_t>(chr::sys_days{toChrono(date)}.time_since_epoch().count()) * kDayMs;
}

Date dateOfMs(int64_t timeMs) {
  chr::year_month_day ymd{chr::sys_days{chr::days{floorDiv(timeMs, kDayMs)}}};
  return Date{static_cast<int>(ymd.year()), static_cast<int>(static_cast<unsigned>(ymd.month())),
              static_cast<int>(static_cast<unsigned>(ymd.day()))};
}

base::Result<int64_t> parseUtcTime(std::string_view text) {
  auto bad = [&] { return invalid("a time is YYYY-MM-DDTHH:MM[:SS]Z in UTC, not \"" + std::string(text) + "\""); };
  if (text.size() != 17 && text.size() != 20) return bad();
  auto date = parseDate(text.substr(0, 10));
  int hour = 0, minute = 0, second = 0;
  if (!date || text[10] != 'T' || !digitsAt(text, 11, 2, hour) || text[13] != ':' || !digitsAt(text, 14, 2, minute) ||
      text.back() != 'Z' || hour > 23 || minute > 59)
    return bad();
  if (text.size() == 20 && (text[16] != ':' || !digitsAt(text, 17, 2, second) || second > 59)) return bad();
  return dayStartMs(*date) + (hour * 60 + minute) * kMinuteMs + second * int64_t{1000};
}

std::string formatUtcMinute(int64_t timeMs) {
  const int64_t inDay = timeMs - floorDiv(timeMs, kDayMs) * kDayMs;
  return fmt::format("{} {:02}:{:02}", toString(dateOfMs(timeMs)), inDay / 3'600'000, inDay / kMinuteMs % 60);
}

std::string formatIsoUtc(int64_t timeMs) {
  const int64_t inDay = timeMs - floorDiv(timeMs, kDayMs) * kDayMs;
  return fmt::format("{}T{:02}:{:02}:{:02}Z", toString(dateOfMs(timeMs)), inDay / 3'600'000, inDay / kMinuteMs % 60,
                     inDay / 1000 % 60);
}

bool ServiceMonth::partial() const { return endMs - startMs != daysInMonth(month) * kDayMs; }

ServiceMonth calendarServiceMonth(YearMonth month) {
  return ServiceMonth{month, monthStartMs(month), monthStartMs(nextMonth(month))};
}

base::Result<std::vector<ServiceMonth>> serviceMonths(const Purchase& purchase) {
  const Date& a = purchase.activated;
  if (!validDate(a)) return invalid("the activation date " + toString(a) + " is not a real day");
  if (purchase.months < 1 || purchase.months > kMaxPurchaseMonths)
    return invalid(fmt::format("a purchase lasts 1..{} months, not {}", kMaxPurchaseMonths, purchase.months));
  const YearMonth first{a.year, a.month};
  const YearMonth last = addMonths(first, purchase.months);
  if (last.year > kMaxYear) return invalid("the service period ends after year 9999");
  const int64_t startMs = dayStartMs(a);
  const int64_t endMs = dayStartMs(Date{last.year, last.month, std::min(a.day, daysInMonth(last))});
  std::vector<ServiceMonth> out;
  for (YearMonth m = first; monthStartMs(m) < endMs; m = nextMonth(m)) {
    ServiceMonth calendar = calendarServiceMonth(m);
    out.push_back(ServiceMonth{m, std::max(startMs, calendar.startMs), std::min(endMs, calendar.endMs)});
  }
  return out;
}

base::Result<ServiceMonth> serviceMonthFor(YearMonth month, const std::optional<Purchase>& purchase) {
  if (month.year < kMinYear || month.year > kMaxYear || month.month < 1 || month.month > 12)
    return invalid("no such month " + toString(month));
  if (!purchase) return calendarServiceMonth(month);
  auto months = serviceMonths(*purchase);
  if (!months) return months.error();
  for (const ServiceMonth& m : *months)
    if (m.month == month) return m;
  return base::makeError(kErrOutsideServicePeriod,
                         fmt::format("{} is outside the service period ({} for {} months)", toString(month),
                                     toString(purchase->activated), purchase->months));
}

std::optional<double> csrPercent(const UnitStats& unit) {
  if (unit.requests() == 0) return std::nullopt;
  return 100.0 * static_cast<double>(unit.successes) / static_cast<double>(unit.requests());
}

std::optional<double> slaCsrPercent(const UnitStats& unit) {
  if (unit.slaRequests() == 0) return std::nullopt;
  return 100.0 * static_cast<double>(unit.successes) / static_cast<double>(unit.slaRequests());
}

bool isUnavailable(const UnitStats& unit) {
  // successes / slaRequests < 99 / 100, cross-multiplied so the boundary is exact.
  return unit.slaRequests() > 0 && unit.successes * 100 < unit.slaRequests() * kAvailableCsrPercent;
}

int64_t availabilityHundredths(int64_t downtimeMinutes, int64_t serviceMinutes) {
  if (serviceMinutes <= 0) return 10'000;
  const int64_t down = std::clamp<int64_t>(downtimeMinutes, 0, serviceMinutes);
  return (serviceMinutes - down) * 10'000 / serviceMinutes;  // non-negative, so / floors
}

double availabilityPercent(int64_t downtimeMinutes, int64_t serviceMinutes) {
  if (serviceMinutes <= 0) return 100.0;
  const int64_t down = std::clamp<int64_t>(downtimeMinutes, 0, serviceMinutes);
  return 100.0 * static_cast<double>(serviceMinutes - down) / static_cast<double>(serviceMinutes);
}

int compensationPercent(int64_t availabilityHundredths) {
  if (availabilityHundredths >= 9'990) return 0;
  if (availabilityHundredths >= 9'950) return 10;
  if (availabilityHundredths >= 9'900) return 20;
  return 50;
}

int64_t compensationCents(int64_t feeCents, int percent) {
  if (feeCents <= 0 || percent <= 0) return 0;
  feeCents = std::min(feeCents, kMaxFeeCents);
  // Split the fee so cents x percent stays far from overflow; the remainder rounds half up.
  const int64_t amount = feeCents / 100 * percent + (feeCents % 100 * percent + 50) / 100;
  return std::min(amount, feeCents);
}

base::Result<int64_t> parseMoneyCents(std::string_view text) {
  auto bad = [&] {
    return invalid("a fee is a non-negative amount with at most two decimals (e.g. 1200 or 99.50), not \"" +
                   std::string(text) + "\"");
  };
  const size_t dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view fraction = dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
  const bool hasDot = dot != std::string_view::npos;
  if (whole.empty() || whole.size() > 13 || (hasDot && (fraction.empty() || fraction.size() > 2))) return bad();
  int64_t units = 0;
  int cents = 0;
  if (std::from_chars(whole.data(), whole.data() + whole.size(), units).ptr != whole.data() + whole.size() ||
      !std::all_of(whole.begin(), whole.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return bad();
  if (!fraction.empty() && !digitsAt(fraction, 0, fraction.size(), cents)) return bad();
  if (fraction.size() == 1) cents *= 10;
  return units * 100 + cents;
}

std::string formatTwoDecimals(int64_t hundredths) {
  const char* sign = hundredths < 0 ? "-" : "";
  const uint64_t magnitude = hundredths < 0 ? 0 - static_cast<uint64_t>(hundredths) : static_cast<uint64_t>(hundredths);
  return fmt::format("{}{}.{:02}", sign, magnitude / 100, magnitude % 100);
}

}  // namespace atrium::telemetry
