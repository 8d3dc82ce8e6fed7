#include "stream/audio_level.h"

#include <gtest/gtest.h>

#include <vector>

namespace atrium::stream {
namespace {

TEST(AudioLevelMeter, MapsDbovToTrtcVolumeAndSmooths) {
  AudioLevelMeter m;
  EXPECT_EQ(m.volume(0), 0) << "no packets";
  m.onPacket(0, 0);
  EXPECT_EQ(m.volume(0), 100) << "0 dBov is the loudest";
  for (int t = 20; t <= 2000; t += 20) m.onPacket(30, t);
  EXPECT_EQ(m.volume(2000), 50) << "-30 dBov, settled";
  m.onPacket(127, 2020);
  EXPECT_GT(m.volume(2020), 40) << "one silent packet barely moves it";
  for (int t = 2040; t <= 4000; t += 20) m.onPacket(127, t);
  EXPECT_EQ(m.volume(4000), 0) << "silence (below -60 dBov) is 0";
  EXPECT_EQ(m.volume(5001), 0) << "stale";
  m.onPacket(0x80 | 10, 6000);  // the V bit is not part of the level
  EXPECT_EQ(m.volume(6000), 83);
}

TEST(AudioLevelMeter, PeakCoversTheWholeIntervalBetweenSamples) {
  AudioLevelMeter m;
  for (int t = 0; t < 200; t += 20) m.onPacket(10, t);    // a loud syllable
  for (int t = 200; t < 500; t += 20) m.onPacket(127, t);  // then a pause
  EXPECT_LT(m.volume(500), 30) << "at the sampling instant it is already quiet";
  EXPECT_GT(m.takePeak(500), 60) << "but the interval had speech";
  EXPECT_LT(m.takePeak(500), 30) << "the next interval starts over";
  EXPECT_EQ(m.takePeak(5000), 0) << "stale";
}

TEST(ActiveSpeakerDetector, SwitchesAfterTheHoldAndKeepsTheSpeakerThroughSilence) {
  ActiveSpeakerDetector d;
  std::vector<SpeakerSample> aliceTalks{{"alice", 60}, {"bob", 5}};
  EXPECT_FALSE(d.update(aliceTalks)) << "one sample is not enough";
  EXPECT_EQ(d.update(aliceTalks), "alice");
  EXPECT_FALSE(d.update(aliceTalks)) << "no change, no event";
  std::vector<SpeakerSample> cough{{"alice", 10}, {"bob", 70}};
  EXPECT_FALSE(d.update(cough));
  EXPECT_FALSE(d.update(aliceTalks)) << "a one-sample cough does not switch";
  std::vector<SpeakerSample> silence{{"alice", 3}, {"bob", 2}};
  EXPECT_FALSE(d.update(silence));
  EXPECT_EQ(d.current(), "alice") << "pauses keep the speaker";
  std::vector<SpeakerSample> bobTalks{{"alice", 5}, {"bob", 40}};
  EXPECT_FALSE(d.update(bobTalks));
  EXPECT_EQ(d.update(bobTalks), "bob");
}

}  // namespace
}  // namespace atrium::stream
