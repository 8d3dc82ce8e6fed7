#include "telemetry/sla_report.h"

#include <algorithm>
#include <string>
#include <utility>

#include <fmt/format.h>

namespace atrium::telemetry {
namespace {

base::Result<ServiceMonth> checkedServiceMonth(YearMonth month, const SlaOptions& options) {
  if (options.feeCents && (*options.feeCents < 0 || *options.feeCents > kMaxFeeCents))
    return base::makeError(kErrInvalidArgument, fmt::format("a fee is 0..{} cents", kMaxFeeCents));
  return serviceMonthFor(month, options.purchase);
}

}  // namespace

UnitCounter::UnitCounter(uint32_t sdkAppId, const ServiceMonth& month)
    : sdkAppId_(sdkAppId), month_(month), units_(static_cast<size_t>(std::max<int64_t>(month.unitCount(), 0))) {
  for (size_t i = 0; i < units_.size(); ++i) units_[i].startMs = month.startMs + static_cast<int64_t>(i) * kUnitMs;
}

void UnitCounter::add(const store::EntryEvent& event) {
  if (event.sdkAppId != sdkAppId_ || event.timeMs < month_.startMs || event.timeMs >= month_.endMs) return;
  UnitStats& unit = units_[static_cast<size_t>((event.timeMs - month_.startMs) / kUnitMs)];
  if (event.success) ++unit.successes;
  else if (event.cause == "client") ++unit.clientFailures;
  else ++unit.serviceFailures;
}

SlaReport summarizeSla(uint32_t sdkAppId, const ServiceMonth& month, std::vector<UnitStats> units,
                       const SlaOptions& options) {
  SlaReport r;
  r.sdkAppId = sdkAppId;
  r.serviceMonth = month;
  r.units = std::move(units);

  std::vector<SurgeInterval> detected = detectLoadSurges(options.loadSamples, options.thresholds);
  for (SurgeInterval& s : detectChannelSurges(options.channelDays, options.thresholds))
    detected.push_back(std::move(s));
  for (SurgeInterval& s : detected)
    if (s.startMs < month.endMs && s.endMs > month.startMs) r.surges.push_back(std::move(s));
  std::stable_sort(r.surges.begin(), r.surges.end(),
                   [](const SurgeInterval& a, const SurgeInterval& b) { return a.startMs < b.startMs; });
  applySurgeExclusions(sdkAppId, r.units, r.surges, options.notices);

  for (const UnitStats& u : r.units) {
    r.unavailableUnits += isUnavailable(u);
    r.excludedUnits += u.excluded;
    if (isDowntime(u)) r.downtimeMinutes += kUnitMinutes;
  }
  r.availabilityHundredths = availabilityHundredths(r.downtimeMinutes, month.minutes());
  r.compensationPercent = compensationPercent(r.availabilityHundredths);
  r.feeCents = options.feeCents;
  if (r.feeCents) r.compensationCents = compensationCents(*r.feeCents, r.compensationPercent);
  return r;
}

base::Result<SlaReport> computeSlaReport(uint32_t sdkAppId, YearMonth month, std::span<const store::EntryEvent> events,
                                         const SlaOptions& options) {
  auto serviceMonth = checkedServiceMonth(month, options);
  if (!serviceMonth) return serviceMonth.error();
  UnitCounter counter(sdkAppId, *serviceMonth);
  for (const store::EntryEvent& e : events) counter.add(e);
  return summarizeSla(sdkAppId, *serviceMonth, std::move(counter).take(), options);
}

base::Result<SlaReport> buildSlaReport(store::EntryLog& log, uint32_t sdkAppId, YearMonth month,
                                       const SlaOptions& options) {
  auto serviceMonth = checkedServiceMonth(month, options);
  if (!serviceMonth) return serviceMonth.error();
  UnitCounter counter(sdkAppId, *serviceMonth);
  const size_t pageSize = std::max<size_t>(options.pageSize, 1);
  // listEntries pages by time only, so a page may end in the middle of several events sharing
  // one millisecond. The next page restarts at that millisecond and skips the ones already
  // counted (the log orders equal times stably); if a whole page shares one millisecond the skip
  // grows with it, so every round makes progress.
  int64_t fromMs = serviceMonth->startMs;
  size_t skip = 0;
  for (;;) {
    auto page = log.listEntries(sdkAppId, fromMs, serviceMonth->endMs, skip + pageSize);
    if (!page) return page.error();
    for (size_t i = skip; i < page->size(); ++i) counter.add((*page)[i]);
    if (page->size() < skip + pageSize) break;
    const int64_t lastMs = page->back().timeMs;
    if (lastMs < fromMs) return base::makeError(store::kErrIo, "the entry log returned events out of order");
    skip = static_cast<size_t>(std::count_if(page->begin(), page->end(),
                                             [lastMs](const store::EntryEvent& e) { return e.timeMs == lastMs; }));
    fromMs = lastMs;
  }
  return summarizeSla(sdkAppId, *serviceMonth, std::move(counter).take(), options);
}

base::Result<std::vector<ChannelDay>> loadChannelDays(store::RoomEventLog& log, uint32_t sdkAppId,
                                                      const ServiceMonth& month, const SurgeThresholds& thresholds) {
  const int64_t fromMs = std::max<int64_t>(0, month.startMs - std::max<int64_t>(thresholds.pastDays, 0) * kDayMs);
  auto days = log.scale(sdkAppId, fromMs, month.endMs);
  if (!days) return days.error();
  std::vector<ChannelDay> out;
  out.reserve(days->size());
  for (const store::ScaleDay& d : *days) out.push_back(ChannelDay{d.dayStartSec * 1000, d.rooms});
  return out;
}

base::Result<std::vector<SurgeNotice>> loadSurgeNotices(store::SurgeNoticeRepository& repo, uint32_t sdkAppId,
                                                        const ServiceMonth& month) {
  auto records = repo.listSurgeNotices(sdkAppId, month.startMs, month.endMs);
  if (!records) return records.error();
  std::vector<SurgeNotice> out;
  out.reserve(records->size());
  for (const store::SurgeNoticeRecord& r : *records)
    out.push_back(SurgeNotice{r.sdkAppId, r.startMs, r.endMs, r.registeredAtMs, r.note});
  return out;
}

}  // namespace atrium::telemetry
