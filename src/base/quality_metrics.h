// The call-quality metric names of TRTC's DescribeCallDetailInfo (trtc-compat §4.2), shared by
// the signaling protocol (what a client may report), the store (one column each) and the API
// (DataType). The first kTrtcQualityMetricCount are TRTC's, in TRTC's order; "jitter" is ours
// (from the server's RTCP receiver reports) and is returned only when asked for by name.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

namespace atrium::base {

inline constexpr std::array<std::string_view, 18> kQualityMetricNames = {
    "appCpu",     "sysCpu",    "aBit",  "aBlock",   "bigvBit",   "bigvCapFps", "bigvEncFps", "bigvDecFps", "bigvRecFps",
    "bigvBlock",  "aLoss",     "bigvLoss", "bigvWidth", "bigvHeight", "aCapEnergy", "aPlayEnergy", "rtt",      "jitter"};
inline constexpr size_t kTrtcQualityMetricCount = 17;

// Index into kQualityMetricNames, or nullopt for an unknown name.
constexpr std::optional<size_t> qualityMetricIndex(std::string_view name) {
  for (size_t i = 0; i < kQualityMetricNames.size(); ++i)
    if (kQualityMetricNames[i] == name) return i;
  return std::nullopt;
}

// Reported values are bitrates (bps), frame rates, pixels, percentages, milliseconds and
// energies: anything above this is a broken or hostile client, not a measurement.
inline constexpr double kMaxQualityValue = 1e10;

}  // namespace atrium::base
