#include "stream/bandwidth_estimate.h"

#include <algorithm>

namespace atrium::stream {

void BandwidthEstimate::update(int64_t sampleBps, int64_t nowMs) {
  const double sample = static_cast<double>(std::max<int64_t>(0, sampleBps));
  if (!started_ || sample <= estimate_) {
    estimate_ = sample;
  } else {
    // dt / (dt + tau): a first-order low-pass that does not depend on how often samples come.
    const double dt = static_cast<double>(std::max<int64_t>(0, nowMs - lastMs_));
    estimate_ += (sample - estimate_) * (dt / (dt + static_cast<double>(tauMs_)));
  }
  started_ = true;
  lastMs_ = nowMs;
}

namespace {

int lowestActive(std::span<const LayerInfo> layers) {
  for (size_t i = 0; i < layers.size(); ++i) {
    if (layers[i].active) return static_cast<int>(i);
  }
  return -1;
}

// Highest active layer at or below `ceiling` whose bitrate fits; -1 when none fits.
int highestFitting(int64_t estimateBps, std::span<const LayerInfo> layers, int ceiling) {
  for (int i = std::min(ceiling, static_cast<int>(layers.size()) - 1); i >= 0; --i) {
    const LayerInfo& l = layers[static_cast<size_t>(i)];
    if (l.active && l.bitrateBps <= estimateBps) return i;
  }
  return -1;
}

int nextActiveAbove(std::span<const LayerInfo> layers, int layer) {
  for (size_t i = static_cast<size_t>(layer) + 1; i < layers.size(); ++i) {
    if (layers[i].active) return static_cast<int>(i);
  }
  return -1;
}

LayerSelection switchTo(int layer, const LayerSelection& current) {
  LayerSelection next;
  next.layer = layer;
  next.changed = layer != current.layer;
  return next;
}

}  // namespace

LayerSelection selectLayer(int64_t estimateBps, std::span<const LayerInfo> layers,
                           const LayerSelection& current, int64_t nowMs) {
  const int n = static_cast<int>(layers.size());
  const bool currentUsable = current.layer >= 0 && current.layer < n &&
                             layers[static_cast<size_t>(current.layer)].active;
  if (!currentUsable) {
    int pick = highestFitting(estimateBps, layers, n - 1);
    if (pick < 0) pick = lowestActive(layers);
    return switchTo(pick, current);
  }

  LayerSelection next = current;
  next.changed = false;
  const auto& cur = layers[static_cast<size_t>(current.layer)];

  const bool below = static_cast<double>(estimateBps) < static_cast<double>(cur.bitrateBps) * kDowngradeFactor;
  if (!below) {
    next.belowSinceMs = -1;
  } else if (next.belowSinceMs < 0) {
    next.belowSinceMs = nowMs;
  } else if (nowMs - next.belowSinceMs > kDowngradeHoldMs) {
    int pick = highestFitting(estimateBps, layers, current.layer - 1);
    if (pick < 0) pick = lowestActive(layers);
    if (pick >= 0 && pick < current.layer) return switchTo(pick, current);
  }

  const int up = nextActiveAbove(layers, current.layer);
  const bool above = up >= 0 && static_cast<double>(estimateBps) >
                                    static_cast<double>(layers[static_cast<size_t>(up)].bitrateBps) * kUpgradeFactor;
  if (!above) {
    next.aboveSinceMs = -1;
  } else if (next.aboveSinceMs < 0) {
    next.aboveSinceMs = nowMs;
  } else if (nowMs - next.aboveSinceMs > kUpgradeHoldMs) {
    return switchTo(up, current);
  }
  return next;
}

}  // namespace atrium::stream
