#include "telemetry/sla_format.h"

#include <algorithm>

#include <fmt/format.h>

namespace atrium::telemetry {
namespace {

nlohmann::json optionalPercent(std::optional<double> value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

// The month's requests by outcome, as one UnitStats.
UnitStats sumOf(const std::vector<UnitStats>& units) {
  UnitStats sum;
  for (const UnitStats& u : units) {
    sum.successes += u.successes;
    sum.serviceFailures += u.serviceFailures;
    sum.clientFailures += u.clientFailures;
  }
  return sum;
}

const char* runStatus(const UnitStats& u) {
  if (!isUnavailable(u)) return nullptr;
  return u.excluded ? "excluded (un-notified surge)" : "downtime";
}

base::Error invalid(std::string message) { return base::makeError(kErrInvalidArgument, std::move(message)); }

base::Result<int64_t> timeField(const nlohmann::json& notice, const char* name, size_t index) {
  auto where = [&] { return fmt::format("notice {}: \"{}\"", index, name); };
  auto it = notice.find(name);
  if (it == notice.end()) return invalid(where() + " is missing");
  if (it->is_number_integer()) return it->get<int64_t>();
  if (it->is_string()) {
    auto t = parseUtcTime(it->get<std::string>());
    if (!t) return invalid(where() + ": " + t.error().message);
    return *t;
  }
  return invalid(where() + " must be Unix ms or a UTC time string");
}

}  // namespace

nlohmann::json slaReportJson(const SlaReport& r) {
  const ServiceMonth& m = r.serviceMonth;
  const UnitStats sum = sumOf(r.units);
  nlohmann::json units = nlohmann::json::array();
  for (const UnitStats& u : r.units) {
    if (u.requests() == 0 && !u.excluded) continue;
    units.push_back({{"start", formatIsoUtc(u.startMs)},
                     {"startMs", u.startMs},
                     {"requests", u.requests()},
                     {"successes", u.successes},
                     {"serviceFailures", u.serviceFailures},
                     {"clientFailures", u.clientFailures},
                     {"csrPercent", optionalPercent(csrPercent(u))},
                     {"slaCsrPercent", optionalPercent(slaCsrPercent(u))},
                     {"unavailable", isUnavailable(u)},
                     {"excluded", u.excluded}});
  }
  nlohmann::json surges = nlohmann::json::array();
  for (const SurgeInterval& s : r.surges)
    surges.push_back({{"start", formatIsoUtc(s.startMs)},
                      {"end", formatIsoUtc(s.endMs)},
                      {"startMs", s.startMs},
                      {"endMs", s.endMs},
                      {"kind", s.kind},
                      {"notified", s.notified}});
  return {
      {"sdkAppId", r.sdkAppId},
      {"month", toString(m.month)},
      {"serviceMonth",
       {{"start", formatIsoUtc(m.startMs)},
        {"end", formatIsoUtc(m.endMs)},
        {"startMs", m.startMs},
        {"endMs", m.endMs},
        {"minutes", m.minutes()},
        {"partial", m.partial()}}},
      {"requests",
       {{"total", sum.requests()},
        {"successes", sum.successes},
        {"serviceFailures", sum.serviceFailures},
        {"clientFailures", sum.clientFailures}}},
      {"unitCount", r.units.size()},
      {"unavailableUnits", r.unavailableUnits},
      {"excludedUnits", r.excludedUnits},
      {"downtimeMinutes", r.downtimeMinutes},
      // Two decimals, rounded down: the figure the tier is decided on.
      {"availabilityPercent", static_cast<double>(r.availabilityHundredths) / 100.0},
      {"availabilityExactPercent", availabilityPercent(r.downtimeMinutes, m.minutes())},
      {"compensationPercent", r.compensationPercent},
      {"feeCents", r.feeCents ? nlohmann::json(*r.feeCents) : nlohmann::json(nullptr)},
      {"compensationCents", r.feeCents ? nlohmann::json(r.compensationCents) : nlohmann::json(nullptr)},
      {"surges", std::move(surges)},
      {"units", std::move(units)},
  };
}

std::string slaReportTable(const SlaReport& r) {
  const ServiceMonth& m = r.serviceMonth;
  const UnitStats sum = sumOf(r.units);
  std::string out = fmt::format(
      "app {}  month {}  service month {} .. {} ({}{} min)\n", r.sdkAppId, toString(m.month),
      toString(dateOfMs(m.startMs)), toString(dateOfMs(m.endMs - 1)), m.partial() ? "partial, " : "", m.minutes());
  out += fmt::format("requests {}  service failures {}  client failures {} (not counted)\n", sum.requests(),
                     sum.serviceFailures, sum.clientFailures);
  out += fmt::format("units {}  unavailable {}  excluded {}  downtime {} min\n", r.units.size(), r.unavailableUnits,
                     r.excludedUnits, r.downtimeMinutes);
  out += fmt::format("availability {} % (exact {:.4f} %)  compensation {} %",
                     formatTwoDecimals(r.availabilityHundredths), availabilityPercent(r.downtimeMinutes, m.minutes()),
                     r.compensationPercent);
  if (r.feeCents)
    out += fmt::format(" of fee {} = {}", formatTwoDecimals(*r.feeCents), formatTwoDecimals(r.compensationCents));
  out += "\n\nUnavailable units (CSR_sla < 99 %)\n";
  out += fmt::format("{:<16}   {:<16}  {:>4}  {:>8}  {:>8}  {:>9}  {}\n", "START", "END", "MIN", "REQUESTS", "SVC_FAIL",
                     "WORST_CSR", "STATUS");
  size_t runs = 0;
  for (size_t i = 0; i < r.units.size();) {
    const char* status = runStatus(r.units[i]);
    if (!status) {
      ++i;
      continue;
    }
    size_t j = i;
    uint64_t runRequests = 0, runFailures = 0;
    double worst = 100.0;
    for (; j < r.units.size() && runStatus(r.units[j]) == status; ++j) {
      runRequests += r.units[j].slaRequests();
      runFailures += r.units[j].serviceFailures;
      worst = std::min(worst, slaCsrPercent(r.units[j]).value_or(100.0));
    }
    out += fmt::format("{}   {}  {:>4}  {:>8}  {:>8}  {:>7.2f} %  {}\n", formatUtcMinute(r.units[i].startMs),
                       formatUtcMinute(r.units[j - 1].startMs + kUnitMs), static_cast<int64_t>(j - i) * kUnitMinutes,
                       runRequests, runFailures, worst, status);
    ++runs;
    i = j;
  }
  if (runs == 0) out += "(none)\n";
  out += "\nSurges (R23)\n";
  out += fmt::format("{:<16}   {:<16}  {:<12} {}\n", "START", "END", "KIND", "NOTIFIED");
  for (const SurgeInterval& s : r.surges)
    out += fmt::format("{}   {}  {:<12} {}\n", formatUtcMinute(s.startMs), formatUtcMinute(s.endMs), s.kind,
                       s.notified ? "yes (counts)" : "no (excluded)");
  if (r.surges.empty()) out += "(none)\n";
  return out;
}

base::Result<std::vector<SurgeNotice>> parseSurgeNotices(std::string_view json) {
  nlohmann::json doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_array()) return invalid("surge notices are a JSON array of objects");
  std::vector<SurgeNotice> out;
  for (size_t i = 0; i < doc.size(); ++i) {
    const nlohmann::json& n = doc[i];
    if (!n.is_object()) return invalid(fmt::format("notice {} is not an object", i));
    auto app = n.find("sdkAppId");
    if (app == n.end() || !app->is_number_unsigned() || app->get<uint64_t>() > UINT32_MAX)
      return invalid(fmt::format("notice {}: \"sdkAppId\" must be an SdkAppId", i));
    auto start = timeField(n, "start", i);
    if (!start) return start.error();
    auto end = timeField(n, "end", i);
    if (!end) return end.error();
    auto given = timeField(n, "noticeGivenAt", i);
    if (!given) return given.error();
    if (*end <= *start) return invalid(fmt::format("notice {}: \"end\" must be after \"start\"", i));
    SurgeNotice notice{static_cast<uint32_t>(app->get<uint64_t>()), *start, *end, *given, ""};
    if (auto kind = n.find("kind"); kind != n.end()) {
      if (!kind->is_string()) return invalid(fmt::format("notice {}: \"kind\" must be a string", i));
      notice.kind = kind->get<std::string>();
    }
    out.push_back(std::move(notice));
  }
  return out;
}

}  // namespace atrium::telemetry
