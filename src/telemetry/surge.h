// Large surges and their advance notices (R23). A surge the customer did not announce at least
// three business days ahead is outside what the SLA promises, so unavailability during it is not
// downtime; an announced surge is the service's to handle and counts like any other time. Pure.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "telemetry/sla.h"

namespace atrium::telemetry {

// An operator-registered announcement: the customer expects a surge of `kind` (free text such as
// "concurrency" or "recording"; informational, any notice covers any kind of surge) in
// [startMs, endMs), and told us at noticeGivenAtMs.
struct SurgeNotice {
  uint32_t sdkAppId = 0;
  int64_t startMs = 0;
  int64_t endMs = 0;
  int64_t noticeGivenAtMs = 0;
  std::string kind;
  bool operator==(const SurgeNotice&) const = default;
};

// R23: notice must come >= 3 business days ahead.
inline constexpr int64_t kNoticeBusinessDays = 3;

// Monday-Friday of the UTC day holding timeMs (public holidays are not modelled).
bool isBusinessDay(int64_t timeMs);
// Business days among the UTC days from the day of fromMs (included) to the day of toMs
// (excluded); 0 when toMs's day is not after fromMs's. So a notice given on Monday is 3 business
// days ahead of a Thursday start, one given on Wednesday is 3 ahead of the next Monday (Wed, Thu,
// Fri), and a Saturday surge needs notice by Wednesday.
int64_t businessDaysBetween(int64_t fromMs, int64_t toMs);
// The notice came >= kNoticeBusinessDays business days before the start it announces.
bool noticeInTime(const SurgeNotice& notice);

// One reading of an app's load, standing for [timeMs, timeMs + samplePeriodMs).
struct LoadSample {
  int64_t timeMs = 0;
  uint64_t concurrentUsers = 0;  // audio/video users in rooms
  uint64_t bandwidthBps = 0;     // media bandwidth, bits per second
  uint64_t recordingTasks = 0;   // concurrent cloud-recording tasks
  uint64_t relayTasks = 0;       // relay-to-CDN tasks
  uint64_t mixingTasks = 0;      // stream-mixing tasks
};

// The channels (rooms entered) of one UTC day.
struct ChannelDay {
  int64_t dayStartMs = 0;  // UTC midnight
  uint64_t channels = 0;
};

// R23's thresholds; a surge is strictly above a limit ("> 5 000 users").
struct SurgeThresholds {
  uint64_t maxUsers = 5'000;
  uint64_t maxBandwidthBps = 5'000'000'000;  // 5 Gbps, decimal as network rates are
  uint64_t maxRecordingTasks = 300;
  uint64_t maxRelayTasks = 1'000;
  uint64_t maxMixingTasks = 300;
  // Channel surge: the past month's daily average >= minAverageChannels and the day's channels
  // >= channelFactor x that average. "The past month" is the pastDays UTC days before the day;
  // days missing from the input had no channels.
  uint64_t minAverageChannels = 10;
  uint64_t channelFactor = 2;
  int64_t pastDays = 30;
  // How long one LoadSample stands for; consecutive samples over a limit merge into one surge.
  int64_t samplePeriodMs = 60'000;
};

// Surge kinds, as reported.
inline constexpr const char* kSurgeUsers = "concurrency";
inline constexpr const char* kSurgeBandwidth = "bandwidth";
inline constexpr const char* kSurgeRecording = "recording";
inline constexpr const char* kSurgeRelay = "relay";
inline constexpr const char* kSurgeMixing = "mixing";
inline constexpr const char* kSurgeChannels = "channels";

struct SurgeInterval {
  int64_t startMs = 0;
  int64_t endMs = 0;
  std::string kind;
  // Set by applySurgeExclusions: timely notice windows cover the whole interval.
  bool notified = false;
  bool operator==(const SurgeInterval&) const = default;
};

// Intervals during which one of the load limits was exceeded, one list entry per kind and
// stretch, ordered by start then kind. Samples may come in any order.
std::vector<SurgeInterval> detectLoadSurges(std::span<const LoadSample> samples, const SurgeThresholds& thresholds);
// Whole UTC days that are channel surges, oldest first. Days need not be contiguous or sorted.
std::vector<SurgeInterval> detectChannelSurges(std::span<const ChannelDay> days, const SurgeThresholds& thresholds);

// The un-notified part of a surge is what its interval leaves outside the windows of sdkAppId's
// timely notices (late notices and other apps' notices cover nothing). Marks `excluded` every
// unit overlapping such a part and sets each surge's `notified` (no un-notified part). Units
// must be sorted oldest first (as a service month's are).
void applySurgeExclusions(uint32_t sdkAppId, std::span<UnitStats> units, std::span<SurgeInterval> surges,
                          std::span<const SurgeNotice> notices);

}  // namespace atrium::telemetry
