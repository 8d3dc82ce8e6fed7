#include "stream/bandwidth_estimate.h"

#include <gtest/gtest.h>

#include <array>

#include "base/clock.h"

namespace atrium::stream {
namespace {

TEST(BandwidthEstimate, DecreasesAtOnceIncreasesSlowly) {
  base::ManualClock clock;
  BandwidthEstimate bwe;
  EXPECT_FALSE(bwe.hasEstimate());
  bwe.update(1'000'000, clock.steadyMs());
  EXPECT_EQ(bwe.estimateBps(), 1'000'000) << "the first sample is taken as is";
  clock.advanceMs(100);
  bwe.update(400'000, clock.steadyMs());
  EXPECT_EQ(bwe.estimateBps(), 400'000) << "decrease fast";
  clock.advanceMs(2000);
  bwe.update(1'400'000, clock.steadyMs());
  EXPECT_EQ(bwe.estimateBps(), 900'000) << "one sample after one time constant: halfway";
  for (int i = 0; i < 20; ++i) {  // two more time constants of frequent samples
    clock.advanceMs(200);
    bwe.update(1'400'000, clock.steadyMs());
  }
  EXPECT_GT(bwe.estimateBps(), 1'300'000);
  EXPECT_LT(bwe.estimateBps(), 1'400'000) << "approaches, never jumps";
  bwe.update(-5, clock.steadyMs());
  EXPECT_EQ(bwe.estimateBps(), 0);
}

constexpr std::array<LayerInfo, 3> kLayers{{{150'000, true}, {500'000, true}, {1'500'000, true}}};

LayerSelection at(int layer) {
  LayerSelection s;
  s.layer = layer;
  return s;
}

TEST(SelectLayer, FirstPickIsTheHighestThatFits) {
  EXPECT_EQ(selectLayer(2'000'000, kLayers, {}, 0).layer, 2);
  EXPECT_EQ(selectLayer(600'000, kLayers, {}, 0).layer, 1);
  const LayerSelection s = selectLayer(100'000, kLayers, {}, 0);
  EXPECT_EQ(s.layer, 0) << "nothing fits: the lowest still goes out";
  EXPECT_TRUE(s.changed);
}

TEST(SelectLayer, NothingActiveSelectsNothing) {
  const std::array<LayerInfo, 2> off{{{150'000, false}, {500'000, false}}};
  EXPECT_EQ(selectLayer(9'000'000, off, at(1), 0).layer, -1);
}

TEST(SelectLayer, InactiveCurrentLayerIsLeftAtOnce) {
  auto layers = kLayers;
  layers[2].active = false;
  const LayerSelection s = selectLayer(2'000'000, layers, at(2), 0);
  EXPECT_EQ(s.layer, 1);
  EXPECT_TRUE(s.changed);
}

TEST(SelectLayer, DowngradesAfterMoreThanOneSecondBelowNinetyPercent) {
  base::ManualClock clock;
  LayerSelection s = at(2);
  // 1.4 Mbps is above 0.9 × 1.5 Mbps = 1.35 Mbps: inside the slack, no clock starts.
  s = selectLayer(1'400'000, kLayers, s, clock.steadyMs());
  EXPECT_EQ(s.belowSinceMs, -1);
  s = selectLayer(1'300'000, kLayers, s, clock.steadyMs());
  EXPECT_EQ(s.belowSinceMs, clock.steadyMs());
  clock.advanceMs(1000);
  s = selectLayer(1'300'000, kLayers, s, clock.steadyMs());
  EXPECT_EQ(s.layer, 2) << "exactly 1 s is not more than 1 s";
  clock.advanceMs(1);
  s = selectLayer(1'300'000, kLayers, s, clock.steadyMs());
  EXPECT_EQ(s.layer, 1);
  EXPECT_TRUE(s.changed);
  EXPECT_EQ(s.belowSinceMs, -1) << "clocks restart on a switch";
}

TEST(SelectLayer, DowngradeGoesStraightToTheLayerThatFits) {
  base::ManualClock clock;
  LayerSelection s = selectLayer(100'000, kLayers, at(2), clock.steadyMs());
  clock.advanceMs(1001);
  s = selectLayer(100'000, kLayers, s, clock.steadyMs());
  EXPECT_EQ(s.layer, 0);
}

TEST(SelectLayer, ARecoveryInsideTheHoldCancelsTheDowngrade) {
  base::ManualClock clock;
  LayerSelection s = selectLayer(1'000'000, kLayers, at(2), clock.steadyMs());
  clock.advanceMs(900);
  s = selectLayer(1'500'000, kLayers, s, clock.steadyMs());
  EXPECT_EQ(s.belowSinceMs, -1);
  clock.advanceMs(200);
  s = selectLayer(1'000'000, kLayers, s, clock.steadyMs());
  EXPECT_EQ(s.layer, 2) << "the hold starts again";
  clock.advanceMs(1001);
  EXPECT_EQ(selectLayer(1'000'000, kLayers, s, clock.steadyMs()).layer, 1);
}

TEST(SelectLayer, UpgradesOneLayerAfterMoreThanThreeSecondsAbove120Percent) {
  base::ManualClock clock;
  LayerSelection s = at(0);
  // 0.6 Mbps == 1.2 × 0.5 Mbps: not above.
  s = selectLayer(600'000, kLayers, s, clock.steadyMs());
  EXPECT_EQ(s.aboveSinceMs, -1);
  s = selectLayer(5'000'000, kLayers, s, clock.steadyMs());
  clock.advanceMs(3000);
  s = selectLayer(5'000'000, kLayers, s, clock.steadyMs());
  EXPECT_EQ(s.layer, 0);
  clock.advanceMs(1);
  s = selectLayer(5'000'000, kLayers, s, clock.steadyMs());
  EXPECT_EQ(s.layer, 1) << "one step, even with room for the top layer";
  EXPECT_TRUE(s.changed);
  s = selectLayer(5'000'000, kLayers, s, clock.steadyMs());
  clock.advanceMs(3001);
  s = selectLayer(5'000'000, kLayers, s, clock.steadyMs());
  EXPECT_EQ(s.layer, 2);
  clock.advanceMs(10'000);
  s = selectLayer(5'000'000, kLayers, s, clock.steadyMs());
  EXPECT_EQ(s.layer, 2) << "nothing above the top";
  EXPECT_FALSE(s.changed);
}

TEST(SelectLayer, UpgradeSkipsInactiveLayers) {
  auto layers = kLayers;
  layers[1].active = false;
  base::ManualClock clock;
  LayerSelection s = selectLayer(2'000'000, layers, at(0), clock.steadyMs());
  clock.advanceMs(3001);
  s = selectLayer(2'000'000, layers, s, clock.steadyMs());
  EXPECT_EQ(s.layer, 2);
}

TEST(SelectLayer, BetweenTheThresholdsNothingMoves) {
  base::ManualClock clock;
  LayerSelection s = at(1);
  for (int i = 0; i < 100; ++i) {
    // Above 0.9 × 0.5 Mbps and below 1.2 × 1.5 Mbps: the hysteresis band.
    s = selectLayer(i % 2 ? 460'000 : 1'700'000, kLayers, s, clock.steadyMs());
    clock.advanceMs(100);
    ASSERT_EQ(s.layer, 1);
  }
}

}  // namespace
}  // namespace atrium::stream
