// The monthly SLA report of one app (R20-R23): the service month's 5-minute units, surges and
// their exclusions, downtime, availability, compensation tier and amount. buildSlaReport reads the
// entry log; everything after the read is pure (summarizeSla), so the arithmetic is tested without
// a database and the API's DescribeSlaReport and `atrium sla report` share one engine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "base/result.h"
#include "store/store.h"
#include "telemetry/sla.h"
#include "telemetry/surge.h"

namespace atrium::telemetry {

struct SlaOptions {
  // The purchase the month belongs to; without one the whole calendar month is the service month.
  std::optional<Purchase> purchase;
  // The fee paid for this service month, in cents (0..kMaxFeeCents); without it the report has a
  // tier but no amount.
  std::optional<int64_t> feeCents;
  // Advance notices (any app's: only the report's app's count).
  std::vector<SurgeNotice> notices;
  // The app's load readings; until the metrics module records them, callers pass what they have.
  std::vector<LoadSample> loadSamples;
  // The app's channels per day, the month and thresholds.pastDays before it (loadChannelDays).
  std::vector<ChannelDay> channelDays;
  SurgeThresholds thresholds;
  // Entries per EntryLog::listEntries call: bounds memory, not the month's size.
  size_t pageSize = 10'000;
};

struct SlaReport {
  uint32_t sdkAppId = 0;
  ServiceMonth serviceMonth;           // serviceMonth.month is the month asked for
  std::vector<UnitStats> units;        // every unit of the service month, oldest first
  std::vector<SurgeInterval> surges;   // detected surges overlapping the service month
  int64_t unavailableUnits = 0;        // CSR_sla < 99 %, excluded or not
  int64_t excludedUnits = 0;           // overlapping an un-notified surge, whatever their CSR
  int64_t downtimeMinutes = 0;         // units both unavailable and not excluded, x kUnitMinutes
  int64_t availabilityHundredths = 0;  // floored: 9993 = 99.93 %
  int compensationPercent = 0;
  std::optional<int64_t> feeCents;
  int64_t compensationCents = 0;  // 0 without a fee
};

// Counts entry events into the units of one service month, so a month of events never has to
// sit in memory at once.
class UnitCounter {
 public:
  UnitCounter(uint32_t sdkAppId, const ServiceMonth& month);
  // Events of other apps or outside the month are ignored. A failure whose cause is not "client"
  // counts against the service: an unknown cause must not hide a failure.
  void add(const store::EntryEvent& event);
  std::vector<UnitStats> take() && { return std::move(units_); }

 private:
  uint32_t sdkAppId_;
  ServiceMonth month_;
  std::vector<UnitStats> units_;
};

// From counted units: surges, exclusions, downtime, availability, tier and compensation. Pure.
// options.feeCents must already be valid (the Result-returning entry points check it).
SlaReport summarizeSla(uint32_t sdkAppId, const ServiceMonth& month, std::vector<UnitStats> units,
                       const SlaOptions& options);
// The report from events already in memory (tests; callers holding events).
base::Result<SlaReport> computeSlaReport(uint32_t sdkAppId, YearMonth month, std::span<const store::EntryEvent> events,
                                         const SlaOptions& options);
// The report from the entry log, read page by page over the service month.
base::Result<SlaReport> buildSlaReport(store::EntryLog& log, uint32_t sdkAppId, YearMonth month,
                                       const SlaOptions& options);
// Channels (rooms entered, from RoomEventLog::scale) per UTC day, for the service month and the
// thresholds.pastDays days before it: what SlaOptions::channelDays wants.
base::Result<std::vector<ChannelDay>> loadChannelDays(store::RoomEventLog& log, uint32_t sdkAppId,
                                                      const ServiceMonth& month, const SurgeThresholds& thresholds);
// The app's advance notices registered in the store (`atrium sla notice add`) whose window
// overlaps the service month: what SlaOptions::notices wants (registeredAtMs is when notice was
// given, the note its kind).
base::Result<std::vector<SurgeNotice>> loadSurgeNotices(store::SurgeNoticeRepository& repo, uint32_t sdkAppId,
                                                        const ServiceMonth& month);

}  // namespace atrium::telemetry
