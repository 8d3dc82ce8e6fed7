// Bandwidth arithmetic for layer selection: a smoothed estimate fed by REMB values
// (draft-alvestrand-rmcat-remb) or transport-cc-derived estimates, and a pure simulcast /
// spatial layer choice with hysteresis. Only the arithmetic: the estimators that turn
// TWCC feedback into a number live elsewhere.
#pragma once

#include <cstdint>
#include <span>

namespace atrium::stream {

// Decrease fast, increase slow: a drop in the estimate means queues are building (or packets
// are being lost) now, so it is taken at once; a rise may be a transient, and overshooting
// costs loss and a keyframe, so it is approached with a time constant.
class BandwidthEstimate {
 public:
  // Time constant of the rise: with frequent samples the estimate closes about 63 % (1 - 1/e)
  // of the gap to a higher sample per time constant; one sample after dt closes dt/(dt + tau).
  static constexpr int64_t kIncreaseTimeConstantMs = 2000;

  explicit BandwidthEstimate(int64_t increaseTimeConstantMs = kIncreaseTimeConstantMs)
      : tauMs_(increaseTimeConstantMs > 0 ? increaseTimeConstantMs : 1) {}

  // A new estimate from REMB or the transport-cc estimator, in bits per second.
  void update(int64_t sampleBps, int64_t nowMs);

  bool hasEstimate() const { return started_; }
  int64_t estimateBps() const { return static_cast<int64_t>(estimate_); }

 private:
  double estimate_ = 0;
  int64_t lastMs_ = 0;
  int64_t tauMs_;
  bool started_ = false;
};

// One layer the publisher sends, lowest first.
struct LayerInfo {
  int64_t bitrateBps = 0;
  bool active = false;
};

// The selected layer plus the hysteresis clocks; feed it back in on the next call.
struct LayerSelection {
  int layer = -1;             // index into layers, -1 when nothing is selectable
  int64_t belowSinceMs = -1;  // since when the estimate is under the downgrade threshold
  int64_t aboveSinceMs = -1;  // since when it is over the upgrade threshold
  bool changed = false;       // layer differs from the one passed in
};

// Hysteresis numbers. Downgrade when the estimate stays below 90 % of the current layer's
// bitrate for more than 1 s — 10 % slack because layer bitrates are averages that the encoder
// overshoots briefly, 1 s so one low REMB does not cost a keyframe; the step down goes straight
// to the layer that fits, since staying too high means loss. Upgrade one layer at a time when
// the estimate stays above 120 % of the next layer's bitrate for more than 3 s — 20 % headroom
// for the keyframe the switch needs and for probing error, 3 s because an upgrade that must be
// undone costs two keyframes.
inline constexpr double kDowngradeFactor = 0.9;
inline constexpr int64_t kDowngradeHoldMs = 1000;
inline constexpr double kUpgradeFactor = 1.2;
inline constexpr int64_t kUpgradeHoldMs = 3000;

// Pure: the layer to forward given the estimate and the previous selection. When nothing is
// selected yet or the current layer went inactive, it picks at once the highest active layer
// whose bitrate fits the estimate (the lowest active layer if none fits).
LayerSelection selectLayer(int64_t estimateBps, std::span<const LayerInfo> layers,
                           const LayerSelection& current, int64_t nowMs);

}  // namespace atrium::stream
