#include "tools/atrium/cmd_sla.h"

#include <cstdint>
#include <cstdio>
#include <iostream>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>

#include "base/clock.h"
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
  // Notices registered with `atrium sla notice add`, plus any from --notices (older workflow).
  for (auto& n : orFail(telemetry::loadSurgeNotices(*store, flags.app, serviceMonth))) options.notices.push_back(std::move(n));
  // Channel surges come from the room log; load surges need samples the daemon does not record yet.
  options.channelDays = orFail(telemetry::loadChannelDays(*store, flags.app, serviceMonth, options.thresholds));
  const telemetry::SlaReport report = orFail(telemetry::buildSlaReport(*store, flags.app, month, options));

  if (flags.format == "json") std::printf("%s\n", telemetry::slaReportJson(report).dump(2).c_str());
  else if (flags.format == "svg") std::fputs(telemetry::slaReportSvg(report).c_str(), stdout);
  else std::fputs(telemetry::slaReportTable(report).c_str(), stdout);
}

struct NoticeFlags {
  uint32_t app = 0;
  std::string from, to, given, note;
  int64_t id = 0;
};

int64_t timeFlag(const std::string& text, const char* flag) {
  auto t = telemetry::parseUtcTime(text);
  if (!t) fail(base::makeError(telemetry::kErrInvalidArgument, std::string(flag) + ": " + t.error().message));
  return *t;
}

void addNotice(const NoticeFlags& flags, const OpenStore& openStore) {
  store::SurgeNoticeRecord record{0, flags.app, timeFlag(flags.from, "--from"), timeFlag(flags.to, "--to"),
                                  flags.given.empty() ? 0 : timeFlag(flags.given, "--given"), flags.note};
  auto store = orFail(openStore());
  // Notices may name an app that is not created yet (store contract); a typo is more likely here.
  if (!orFail(store->getApp(flags.app)))
    fail(base::makeError(store::kErrAppNotFound, "no app " + std::to_string(flags.app)));
  const int64_t id = orFail(store->addSurgeNotice(record));
  const int64_t given = record.registeredAtMs ? record.registeredAtMs : base::SystemClock::instance().wallMs();
  const bool inTime = telemetry::noticeInTime({record.sdkAppId, record.startMs, record.endMs, given, record.note});
  std::cout << "notice " << id << " added for app " << flags.app << ": " << isoTime(record.startMs) << " .. "
            << isoTime(record.endMs)
            << (inTime ? " (given in time: a surge in that window counts as normal service time)"
                       : " (given less than 3 business days ahead: R23 does not count it)")
            << "\n";
}

void listNotices(const NoticeFlags& flags, const OpenStore& openStore) {
  const int64_t from = flags.from.empty() ? 0 : timeFlag(flags.from, "--from");
  const int64_t to = flags.to.empty() ? INT64_MAX : timeFlag(flags.to, "--to");
  auto store = orFail(openStore());
  const auto notices = orFail(store->listSurgeNotices(flags.app, from, to));
  std::cout << fmt::format("{:<6} {:<20} {:<20} {:<20} {:<7} {}\n", "ID", "START", "END", "GIVEN", "IN-TIME", "NOTE");
  for (const auto& n : notices)
    std::cout << fmt::format("{:<6} {:<20} {:<20} {:<20} {:<7} {}\n", n.id, isoTime(n.startMs), isoTime(n.endMs),
                             isoTime(n.registeredAtMs),
                             telemetry::noticeInTime({n.sdkAppId, n.startMs, n.endMs, n.registeredAtMs, n.note}) ? "yes" : "no",
                             n.note);
}

void addNoticeCommands(CLI::App& sla, const OpenStore& openStore) {
  auto* notice = sla.add_subcommand("notice", "customers' advance notices of large surges (R23), kept in the store");
  notice->require_subcommand(1);
  auto flags = std::make_shared<NoticeFlags>();
  auto* add = notice->add_subcommand("add", "register a notice: the customer expects a surge in [--from, --to)");
  add->add_option("--app", flags->app, "SdkAppId")->required();
  add->add_option("--from", flags->from, "surge start, YYYY-MM-DDTHH:MM[:SS]Z")->required();
  add->add_option("--to", flags->to, "surge end (exclusive), YYYY-MM-DDTHH:MM[:SS]Z")->required();
  add->add_option("--given", flags->given, "when the customer gave notice (default: now)");
  add->add_option("--note", flags->note, "free text, e.g. the surge kind (concurrency, bandwidth, recording)");
  add->callback([flags, openStore] { addNotice(*flags, openStore); });

  auto* list = notice->add_subcommand("list", "an app's notices, by start time");
  list->add_option("--app", flags->app, "SdkAppId")->required();
  list->add_option("--from", flags->from, "only notices overlapping [--from, --to)");
  list->add_option("--to", flags->to, "see --from");
  list->callback([flags, openStore] { listNotices(*flags, openStore); });

  auto* remove = notice->add_subcommand("remove", "delete a notice registered by mistake");
  remove->add_option("--app", flags->app, "SdkAppId")->required();
  remove->add_option("--id", flags->id, "the notice's id (see list)")->required();
  remove->callback([flags, openStore] {
    auto store = orFail(openStore());
    orFail(store->removeSurgeNotice(flags->app, flags->id));
    std::cout << "notice " << flags->id << " removed\n";
  });
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
                     "extra surge advance notices from a JSON file, on top of those in the store (`atrium sla notice "
                     "add`): [{\"sdkAppId\", \"start\", \"end\", \"noticeGivenAt\", \"kind\"}], times as Unix ms or "
                     "YYYY-MM-DDTHH:MM:SSZ");
  auto* activated = report->add_option("--activated", flags->activated,
                                       "purchase activation day YYYY-MM-DD: the month becomes its part of the "
                                       "service period (first and last months are partial)");
  auto* months = report->add_option("--months", flags->months, "purchase length in months (with --activated)");
  activated->needs(months);
  months->needs(activated);
  report->callback([flags, openStore] { runReport(*flags, openStore); });
  addNoticeCommands(*sla, openStore);
}

}  // namespace atrium::cli
