#include "tools/atrium/cmd_sla.h"

#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>

#include "telemetry/sla_format.h"
#include "telemetry/sla_report.h"
#include "tools/atrium/cli_common.h"

namespace atrium::cli {
namespace {

struct SlaReportFlags {
  uint32_t app = 0;
  std::string month;
  std::string fee;
  std::string format = "table";
  std::string noticesFile;
  std::string activated;
  int months = 0;
};

std::vector<telemetry::SurgeNotice> readNotices(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(base::makeError(telemetry::kErrInvalidArgument, "cannot read " + path));
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto notices = telemetry::parseSurgeNotices(text);
  if (!notices) fail(base::makeError(notices.error().code, path + ": " + notices.error().message));
  return std::move(notices).value();
}

void runReport(const SlaReportFlags& flags, const OpenStore& openStore) {
  const telemetry::YearMonth month = orFail(telemetry::parseYearMonth(flags.month));
  telemetry::SlaOptions options;
  if (!flags.fee.empty()) options.feeCents = orFail(telemetry::parseMoneyCents(flags.fee));
  if (!flags.activated.empty())
    options.purchase = telemetry::Purchase{orFail(telemetry::parseDate(flags.activated)), flags.months};
  if (!flags.noticesFile.empty()) options.notices = readNotices(flags.noticesFile);
  // Checked before opening the store, so a month outside the purchase is reported as such.
  const telemetry::ServiceMonth serviceMonth = orFail(telemetry::serviceMonthFor(month, options.purchase));

  auto store = orFail(openStore());
  // A typo in --app would otherwise read as a month of perfect availability.
  if (!orFail(store->getApp(flags.app)))
    fail(base::makeError(store::kErrAppNotFound, "no app " + std::to_string(flags.app)));
  // Channel surges come from the room log; load surges need samples the daemon does not record yet.
  options.channelDays = orFail(telemetry::loadChannelDays(*store, flags.app, serviceMonth, options.thresholds));
  const telemetry::SlaReport report = orFail(telemetry::buildSlaReport(*store, flags.app, month, options));

  if (flags.format == "json") std::printf("%s\n", telemetry::slaReportJson(report).dump(2).c_str());
  else if (flags.format == "svg") std::fputs(telemetry::slaReportSvg(report).c_str(), stdout);
  else std::fputs(telemetry::slaReportTable(report).c_str(), stdout);
}

}  // namespace

void addSlaCommands(CLI::App& root, OpenStore openStore) {
  auto flags = std::make_shared<SlaReportFlags>();
  auto* sla =
      root.add_subcommand("sla", "SLA accounting: success rate, downtime, availability, compensation (R20-R23)");
  sla->require_subcommand(1);
  auto* report = sla->add_subcommand("report", "one app's report for one service month (UTC)");
  report->add_option("--app", flags->app, "SdkAppId")->required();
  report->add_option("--month", flags->month, "the month, YYYY-MM")->required();
  report->add_option("--fee", flags->fee, "fee paid for this service month (e.g. 1200 or 99.50): adds the amount owed");
  report->add_option("--format", flags->format, "table (default), json or svg")
      ->check(CLI::IsMember({"table", "json", "svg"}));
  report->add_option("--notices", flags->noticesFile,
                     "JSON file of surge advance notices: [{\"sdkAppId\", \"start\", \"end\", \"noticeGivenAt\", "
                     "\"kind\"}], times as Unix ms or YYYY-MM-DDTHH:MM:SSZ");
  auto* activated = report->add_option("--activated", flags->activated,
                                       "purchase activation day YYYY-MM-DD: the month becomes its part of the "
                                       "service period (first and last months are partial)");
  auto* months = report->add_option("--months", flags->months, "purchase length in months (with --activated)");
  activated->needs(months);
  months->needs(activated);
  report->callback([flags, openStore] { runReport(*flags, openStore); });
}

}  // namespace atrium::cli
