#include "telemetry/sla_format.h"

#include <cctype>

#include <gtest/gtest.h>

#include "telemetry/sla_test_util.h"

namespace atrium::telemetry {
namespace {

using testing::at;
using testing::kApp;

size_t count(const std::string& text, std::string_view needle) {
  size_t n = 0;
  for (size_t pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + needle.size())) ++n;
  return n;
}

// The R21 month: CSR 98 % 10:00-10:30 on 5 March, one healthy unit, one unit of client failures, and
// an un-notified surge at 10:00-10:10 on 6 March during which one unit was unavailable.
SlaReport r21Month(std::optional<int64_t> feeCents = std::nullopt) {
  std::vector<UnitStats> units;
  const ServiceMonth month = calendarServiceMonth({2019, 3});
  for (int64_t t = month.startMs; t < month.endMs; t += kUnitMs) units.push_back({t, 0, 0, 0, false});
  auto unitAt = [&](int64_t t) -> UnitStats& { return units[static_cast<size_t>((t - month.startMs) / kUnitMs)]; };
  for (int64_t t = at("2019-03-05T10:00Z"); t < at("2019-03-05T10:30Z"); t += kUnitMs) unitAt(t) = {t, 98, 2, 0, false};
  unitAt(at("2019-03-05T10:30Z")).successes = 100;
  unitAt(at("2019-03-05T11:00Z")).clientFailures = 3;
  unitAt(at("2019-03-06T10:05Z")).serviceFailures = 1;
  SlaOptions options;
  options.feeCents = feeCents;
  options.loadSamples.push_back({at("2019-03-06T10:00Z"), 6'000, 0, 0, 0, 0});
  options.thresholds.samplePeriodMs = 10 * kMinuteMs;
  return summarizeSla(kApp, month, std::move(units), options);
}

TEST(SlaFormat, JsonCarriesTheFiguresAndOnlyUnitsWorthShowing) {
  SlaReport r = r21Month(10'000);
  EXPECT_EQ(r.downtimeMinutes, 30);
  EXPECT_EQ(r.excludedUnits, 2);
  nlohmann::json j = slaReportJson(r);
  EXPECT_EQ(j["sdkAppId"], kApp);
  EXPECT_EQ(j["month"], "2019-03");
  EXPECT_EQ(j["serviceMonth"]["minutes"], 44'640);
  EXPECT_EQ(j["serviceMonth"]["start"], "2019-03-01T00:00:00Z");
  EXPECT_EQ(j["serviceMonth"]["end"], "2019-04-01T00:00:00Z");
  EXPECT_EQ(j["serviceMonth"]["partial"], false);
  EXPECT_EQ(j["downtimeMinutes"], 30);
  EXPECT_EQ(j["availabilityPercent"], 99.93);
  EXPECT_NEAR(j["availabilityExactPercent"].get<double>(), 99.9328, 1e-4);
  EXPECT_EQ(j["compensationPercent"], 0);
  EXPECT_EQ(j["feeCents"], 10'000);
  EXPECT_EQ(j["compensationCents"], 0);
  EXPECT_EQ(j["unitCount"], 8'928);
  EXPECT_EQ(j["unavailableUnits"], 7);
  EXPECT_EQ(j["excludedUnits"], 2);
  EXPECT_EQ(j["requests"]["total"], 6 * 100 + 100 + 3 + 1);
  EXPECT_EQ(j["requests"]["clientFailures"], 3);
  ASSERT_EQ(j["surges"].size(), 1u);
  EXPECT_EQ(j["surges"][0]["kind"], "concurrency");
  EXPECT_EQ(j["surges"][0]["notified"], false);
  // 8 units with requests on 5 March; on 6 March the excluded 10:00 (no requests) and 10:05.
  ASSERT_EQ(j["units"].size(), 10u);
  EXPECT_EQ(j["units"][0]["start"], "2019-03-05T10:00:00Z");
  EXPECT_EQ(j["units"][0]["slaCsrPercent"], 98.0);
  EXPECT_EQ(j["units"][0]["unavailable"], true);
  EXPECT_EQ(j["units"][7]["csrPercent"], 0.0);
  EXPECT_TRUE(j["units"][7]["slaCsrPercent"].is_null());
  EXPECT_EQ(j["units"][7]["unavailable"], false);
  EXPECT_EQ(j["units"][8]["excluded"], true);
  EXPECT_EQ(j["units"][8]["requests"], 0);
  EXPECT_EQ(j["units"][9]["unavailable"], true);
  EXPECT_EQ(j["units"][9]["excluded"], true);
  EXPECT_TRUE(slaReportJson(r21Month())["feeCents"].is_null());
}

TEST(SlaFormat, TableListsRunsAndSurges) {
  const std::string table = slaReportTable(r21Month(10'000));
  EXPECT_NE(table.find("availability 99.93 %"), std::string::npos) << table;
  EXPECT_NE(table.find("downtime 30 min"), std::string::npos) << table;
  EXPECT_NE(table.find("of fee 100.00 = 0.00"), std::string::npos) << table;
  EXPECT_NE(table.find("2019-03-05 10:00   2019-03-05 10:30    30       600        12    98.00 %  downtime"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("2019-03-06 10:05   2019-03-06 10:10     5         1         1     0.00 %  excluded"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("no (excluded)"), std::string::npos) << table;
}

TEST(SlaFormat, SvgIsStandaloneWithOneRectPerShownUnit) {
  const std::string svg = slaReportSvg(r21Month());
  ASSERT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
  EXPECT_EQ(svg.substr(svg.size() - 7), "</svg>\n");
  EXPECT_EQ(count(svg, "<svg"), 1u);
  // Page background + 31 day rows + 9 shown units + 7 legend swatches.
  EXPECT_EQ(count(svg, "<rect"), 1u + 31u + 9u + 7u);
  EXPECT_EQ(count(svg, "<rect"), count(svg, "/>") - count(svg, "<line"));  // every rect self-closed
  EXPECT_EQ(count(svg, "<rect class=\"u\""), 6u + 1u);                    // 6 units + legend
  EXPECT_EQ(count(svg, "<rect class=\"x\""), 1u + 1u);
  EXPECT_EQ(count(svg, "<rect class=\"v\""), 1u + 1u);  // unavailable but excluded
  EXPECT_EQ(count(svg, "<text"), count(svg, "</text>"));
  EXPECT_NE(svg.find(">Tue 05</text>"), std::string::npos);
  EXPECT_NE(svg.find(">12:00</text>"), std::string::npos);
  EXPECT_NE(svg.find("availability 99.93 %"), std::string::npos);
  // Markup only where markup belongs: every '<' opens a tag, every '&' is the one escape we use.
  for (size_t pos = svg.find('<'); pos != std::string::npos; pos = svg.find('<', pos + 1))
    EXPECT_TRUE(std::isalpha(static_cast<unsigned char>(svg[pos + 1])) || svg[pos + 1] == '/') << svg.substr(pos, 40);
  EXPECT_EQ(count(svg, "&"), count(svg, "&lt;"));
  EXPECT_EQ(count(svg, "&lt;"), 1u);
}

TEST(SlaFormat, SvgOfAFullyDrawnMonthStaysUnderOneMegabyte) {
  const ServiceMonth month = calendarServiceMonth({2019, 3});
  std::vector<UnitStats> units;
  uint64_t i = 0;
  for (int64_t t = month.startMs; t < month.endMs; t += kUnitMs, ++i)
    units.push_back({t, 1'000 - i % 20, i % 20, 0, false});
  SlaReport r = summarizeSla(kApp, month, std::move(units), {});
  const std::string svg = slaReportSvg(r);
  EXPECT_LT(svg.size(), 1'000'000u);
  EXPECT_EQ(count(svg, "<rect"), 1u + 31u + 8'928u + 7u);
  // A partial month draws only its days.
  auto june = serviceMonthFor({2019, 6}, Purchase{{2019, 3, 17}, 3});
  ASSERT_TRUE(june.ok());
  const std::string partial = slaReportSvg(summarizeSla(kApp, *june, {}, {}));
  EXPECT_EQ(count(partial, "<rect"), 1u + 16u + 7u);
}

TEST(SlaFormat, ParsesNoticesFromJson) {
  auto notices = parseSurgeNotices(R"([
    {"sdkAppId": 1400000001, "start": "2019-03-07T10:00Z", "end": "2019-03-07T12:00:00Z",
     "noticeGivenAt": 1551690000000, "kind": "concurrency"},
    {"sdkAppId": 7, "start": 1000, "end": 2000, "noticeGivenAt": "2019-03-01T00:00Z"}
  ])");
  ASSERT_TRUE(notices.ok()) << notices.error().message;
  ASSERT_EQ(notices->size(), 2u);
  EXPECT_EQ((*notices)[0], (SurgeNotice{kApp, at("2019-03-07T10:00Z"), at("2019-03-07T12:00Z"), 1'551'690'000'000,
                                        "concurrency"}));
  EXPECT_EQ((*notices)[1].kind, "");
  EXPECT_TRUE(parseSurgeNotices("[]")->empty());
  for (const char* bad : {"", "{}", "[1]", R"([{"start": 1, "end": 2, "noticeGivenAt": 0}])",
                          R"([{"sdkAppId": -1, "start": 1, "end": 2, "noticeGivenAt": 0}])",
                          R"([{"sdkAppId": 4294967296, "start": 1, "end": 2, "noticeGivenAt": 0}])",
                          R"([{"sdkAppId": 1, "start": 2, "end": 2, "noticeGivenAt": 0}])",
                          R"([{"sdkAppId": 1, "start": "2019-03-07T10:00+08:00", "end": 2, "noticeGivenAt": 0}])",
                          R"([{"sdkAppId": 1, "start": 1, "end": 2}])",
                          R"([{"sdkAppId": 1, "start": 1, "end": 2, "noticeGivenAt": 0, "kind": 5}])"})
    EXPECT_FALSE(parseSurgeNotices(bad).ok()) << bad;
}

}  // namespace
}  // namespace atrium::telemetry
