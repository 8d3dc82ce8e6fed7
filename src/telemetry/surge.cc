#include "telemetry/surge.h"

#include <algorithm>
#include <map>
#include <utility>

namespace atrium::telemetry {
namespace {

// Business days from Monday 1969-12-29 (a Monday before the epoch) up to, not including, `day`
// (days since the epoch): whole weeks give five each, the rest at most five.
int64_t businessDaysSinceEpochMonday(int64_t day) {
  const int64_t sinceMonday = day + 3;  // 1970-01-01 was a Thursday
  const int64_t weeks = floorDiv(sinceMonday, 7);
  return weeks * 5 + std::min<int64_t>(sinceMonday - weeks * 7, 5);
}

struct Span {
  int64_t startMs;
  int64_t endMs;
};

// Sorted, non-overlapping, non-touching.
std::vector<Span> merged(std::vector<Span> spans) {
  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.startMs < b.startMs; });
  std::vector<Span> out;
  for (const Span& s : spans) {
    if (!out.empty() && s.startMs <= out.back().endMs) out.back().endMs = std::max(out.back().endMs, s.endMs);
    else out.push_back(s);
  }
  return out;
}

// What of [s.startMs, s.endMs) lies outside every window (windows merged and sorted).
void appendUncovered(Span s, const std::vector<Span>& windows, std::vector<Span>& out) {
  int64_t cursor = s.startMs;
  for (const Span& w : windows) {
    if (w.endMs <= cursor) continue;
    if (w.startMs >= s.endMs) break;
    if (w.startMs > cursor) out.push_back(Span{cursor, w.startMs});
    cursor = w.endMs;
    if (cursor >= s.endMs) return;
  }
  if (cursor < s.endMs) out.push_back(Span{cursor, s.endMs});
}

}  // namespace

bool isBusinessDay(int64_t timeMs) {
  const int64_t day = floorDiv(timeMs, kDayMs);
  return businessDaysSinceEpochMonday(day + 1) > businessDaysSinceEpochMonday(day);
}

int64_t businessDaysBetween(int64_t fromMs, int64_t toMs) {
  const int64_t from = floorDiv(fromMs, kDayMs);
  const int64_t to = floorDiv(toMs, kDayMs);
  if (to <= from) return 0;
  return businessDaysSinceEpochMonday(to) - businessDaysSinceEpochMonday(from);
}

bool noticeInTime(const SurgeNotice& notice) {
  return businessDaysBetween(notice.noticeGivenAtMs, notice.startMs) >= kNoticeBusinessDays;
}

std::vector<SurgeInterval> detectLoadSurges(std::span<const LoadSample> samples, const SurgeThresholds& t) {
  std::vector<LoadSample> sorted(samples.begin(), samples.end());
  std::sort(sorted.begin(), sorted.end(), [](const LoadSample& a, const LoadSample& b) { return a.timeMs < b.timeMs; });
  struct Limit {
    const char* kind;
    uint64_t LoadSample::*field;
    uint64_t max;
  };
  const Limit limits[] = {{kSurgeUsers, &LoadSample::concurrentUsers, t.maxUsers},
                          {kSurgeBandwidth, &LoadSample::bandwidthBps, t.maxBandwidthBps},
                          {kSurgeRecording, &LoadSample::recordingTasks, t.maxRecordingTasks},
                          {kSurgeRelay, &LoadSample::relayTasks, t.maxRelayTasks},
                          {kSurgeMixing, &LoadSample::mixingTasks, t.maxMixingTasks}};
  const int64_t period = std::max<int64_t>(t.samplePeriodMs, 1);
  std::vector<SurgeInterval> out;
  for (const Limit& limit : limits) {
    const size_t firstOfKind = out.size();
    for (const LoadSample& s : sorted) {
      if (s.*limit.field <= limit.max) continue;
      if (out.size() > firstOfKind && s.timeMs <= out.back().endMs)
        out.back().endMs = std::max(out.back().endMs, s.timeMs + period);
      else
        out.push_back(SurgeInterval{s.timeMs, s.timeMs + period, limit.kind});
    }
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const SurgeInterval& a, const SurgeInterval& b) { return a.startMs < b.startMs; });
  return out;
}

std::vector<SurgeInterval> detectChannelSurges(std::span<const ChannelDay> days, const SurgeThresholds& t) {
  if (t.pastDays <= 0) return {};
  std::map<int64_t, uint64_t> byDay;  // day index -> channels; a repeated day keeps its last value
  for (const ChannelDay& d : days) byDay[floorDiv(d.dayStartMs, kDayMs)] = d.channels;
  std::vector<SurgeInterval> out;
  for (const auto& [day, channels] : byDay) {
    // 128-bit sums: the comparisons below multiply counts, and counts come from outside.
    unsigned __int128 pastSum = 0;
    for (auto it = byDay.lower_bound(day - t.pastDays); it->first < day; ++it) pastSum += it->second;
    const unsigned __int128 past = static_cast<unsigned __int128>(t.pastDays);
    // average >= minAverage  and  channels >= factor x average, with average = pastSum / pastDays.
    if (pastSum >= static_cast<unsigned __int128>(t.minAverageChannels) * past &&
        static_cast<unsigned __int128>(channels) * past >= static_cast<unsigned __int128>(t.channelFactor) * pastSum)
      out.push_back(SurgeInterval{day * kDayMs, (day + 1) * kDayMs, kSurgeChannels});
  }
  return out;
}

void applySurgeExclusions(uint32_t sdkAppId, std::span<UnitStats> units, std::span<SurgeInterval> surges,
                          std::span<const SurgeNotice> notices) {
  std::vector<Span> windows;
  for (const SurgeNotice& n : notices)
    if (n.sdkAppId == sdkAppId && n.endMs > n.startMs && noticeInTime(n)) windows.push_back(Span{n.startMs, n.endMs});
  windows = merged(std::move(windows));

  std::vector<Span> uncovered;
  for (SurgeInterval& surge : surges) {
    const size_t before = uncovered.size();
    if (surge.endMs > surge.startMs) appendUncovered(Span{surge.startMs, surge.endMs}, windows, uncovered);
    surge.notified = uncovered.size() == before;
  }
  uncovered = merged(std::move(uncovered));

  // One sweep: units oldest first, uncovered parts sorted.
  size_t next = 0;
  for (UnitStats& unit : units) {
    while (next < uncovered.size() && uncovered[next].endMs <= unit.startMs) ++next;
    if (next < uncovered.size() && uncovered[next].startMs < unit.startMs + kUnitMs) unit.excluded = true;
  }
}

}  // namespace atrium::telemetry
