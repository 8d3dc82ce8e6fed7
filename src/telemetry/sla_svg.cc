// slaReportSvg: a heatmap a person can read at a glance and a browser opens as a file. One rect per
// unit that has something to show (never a title or per-unit style), so a 31-day month with every
// unit drawn stays near 0.5 MB; colours come from a few CSS classes.
#include <string>

#include <fmt/format.h>

#include "telemetry/sla_format.h"

namespace atrium::telemetry {
namespace {

constexpr int kCellWidth = 3;
constexpr int kRowHeight = 12;
constexpr int kRowPitch = 15;
constexpr int kLeft = 60;
constexpr int kTop = 66;
constexpr int kRight = 16;
constexpr int kPlotWidth = static_cast<int>(kUnitsPerDay) * kCellWidth;
constexpr int kWidth = kLeft + kPlotWidth + kRight;
constexpr int kLegendHeight = 72;

// Class names of the cells; the legend lists them in this order.
struct CellClass {
  const char* name;
  const char* colour;
  const char* label;
};
constexpr CellClass kClasses[] = {
    {"n", "#eceff1", "no service-attributable requests"},
    {"a", "#1b5e20", "CSR 100 %"},
    {"b", "#66bb6a", "CSR 99.9 - 100 %"},
    {"c", "#fbc02d", "CSR 99 - 99.9 % (available)"},
    {"u", "#d32f2f", "unavailable: CSR &lt; 99 %"},  // XML text: "<" escaped
    {"x", "#9e9e9e", "excluded: un-notified surge"},
    {"v", "#ef9a9a", "unavailable, excluded: un-notified surge"},
};

// nullptr: nothing to draw, the row background shows.
const char* cellClass(const UnitStats& u) {
  if (isUnavailable(u)) return u.excluded ? "v" : "u";
  if (u.excluded) return "x";
  if (u.slaRequests() == 0) return nullptr;
  if (u.successes == u.slaRequests()) return "a";
  return u.successes * 1000 >= u.slaRequests() * 999 ? "b" : "c";
}

const char* weekdayName(int64_t dayStartMs) {
  static constexpr const char* kNames[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};  // 1970-01-01: Thu
  const int64_t day = floorDiv(dayStartMs, kDayMs);
  return kNames[day - floorDiv(day, 7) * 7];
}

}  // namespace

std::string slaReportSvg(const SlaReport& r) {
  const ServiceMonth& m = r.serviceMonth;
  const int64_t days = (m.endMs - m.startMs) / kDayMs;
  const int64_t plotBottom = kTop + days * kRowPitch;
  const int64_t height = plotBottom + kLegendHeight;
  std::string out;
  out.reserve(static_cast<size_t>(r.units.size()) * 56 + 8192);
  out += fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
      "font-family=\"sans-serif\" font-size=\"11\">\n<style>",
      kWidth, height);
  for (const CellClass& c : kClasses) out += fmt::format(".{}{{fill:{}}}", c.name, c.colour);
  out += "</style>\n";
  out += fmt::format("<rect width=\"{}\" height=\"{}\" fill=\"#ffffff\"/>\n", kWidth, height);

  out += fmt::format("<text x=\"{}\" y=\"18\" font-size=\"14\" font-weight=\"bold\">SLA report: app {} - {}</text>\n",
                     kLeft, r.sdkAppId, toString(m.month));
  out += fmt::format(
      "<text x=\"{}\" y=\"36\">service month {} .. {} ({} min) | availability {} % | downtime {} min | "
      "{} unavailable, {} excluded units | compensation {} %</text>\n",
      kLeft, toString(dateOfMs(m.startMs)), toString(dateOfMs(m.endMs - 1)), m.minutes(),
      formatTwoDecimals(r.availabilityHundredths), r.downtimeMinutes, r.unavailableUnits, r.excludedUnits,
      r.compensationPercent);

  // Hour axis (UTC): a label and a tick every three hours.
  for (int hour = 0; hour <= 24; hour += 3) {
    const int x = kLeft + hour * 12 * kCellWidth;
    out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{:02}:00</text>", x, kTop - 10, hour);
    out += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#90a4ae\"/>\n", x, kTop - 6,
                       kTop - 1);
  }
  out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">UTC</text>\n", kLeft - 22, kTop - 10);

  for (int64_t d = 0; d < days; ++d) {
    const int64_t dayStart = m.startMs + d * kDayMs;
    const int64_t y = kTop + d * kRowPitch;
    out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{} {:02}</text>", kLeft - 6, y + kRowHeight - 2,
                       weekdayName(dayStart), dateOfMs(dayStart).day);
    out += fmt::format("<rect class=\"n\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>\n", kLeft, y, kPlotWidth,
                       kRowHeight);
  }
  for (const UnitStats& u : r.units) {
    const char* cls = cellClass(u);
    if (!cls) continue;
    const int64_t index = (u.startMs - m.startMs) / kUnitMs;
    const int64_t x = kLeft + index % kUnitsPerDay * kCellWidth;
    const int64_t y = kTop + index / kUnitsPerDay * kRowPitch;
    out += fmt::format("<rect class=\"{}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>\n", cls, x, y, kCellWidth,
                       kRowHeight);
  }

  // Legend: rows of three.
  for (size_t i = 0; i < std::size(kClasses); ++i) {
    const int64_t x = kLeft + static_cast<int64_t>(i % 3) * 290;
    const int64_t y = plotBottom + 10 + static_cast<int64_t>(i / 3) * 20;
    out += fmt::format("<rect class=\"{}\" x=\"{}\" y=\"{}\" width=\"12\" height=\"12\"/>", kClasses[i].name, x, y);
    out += fmt::format("<text x=\"{}\" y=\"{}\">{}</text>\n", x + 18, y + 10, kClasses[i].label);
  }
  out += "</svg>\n";
  return out;
}

}  // namespace atrium::telemetry
