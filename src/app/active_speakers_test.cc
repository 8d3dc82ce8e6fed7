#include "app/active_speakers.h"

#include <gtest/gtest.h>

namespace atrium::app {
namespace {

TEST(ActiveSpeakers, AnnouncesPerRoomAndForgetsRoomsWithoutAudio) {
  std::vector<std::pair<uint32_t, std::string>> announced;
  ActiveSpeakers s([&](const base::RoomKey& room, const std::string& user) { announced.push_back({room.room.numeric, user}); });
  base::RoomKey r1{1400000001, base::RoomId{1, {}}}, r2{1400000001, base::RoomId{2, {}}};
  std::vector<RoomVolume> round{{r1, "alice", 60}, {r1, "bob", 5}, {r2, "carol", 40}};
  s.onSamples(0, round);
  s.onSamples(0, round);
  ASSERT_EQ(announced.size(), 2u);
  EXPECT_EQ(announced[0], (std::pair<uint32_t, std::string>{1, "alice"}));
  EXPECT_EQ(announced[1], (std::pair<uint32_t, std::string>{2, "carol"}));
  EXPECT_EQ(s.roomCount(), 2u);
  s.onSamples(1, {});  // another worker's round does not touch worker 0's rooms
  EXPECT_EQ(s.roomCount(), 2u);
  s.onSamples(0, {{r1, "alice", 60}});
  EXPECT_EQ(s.roomCount(), 1u) << "room 2 has no audio publisher any more";
  EXPECT_EQ(announced.size(), 2u);
}

}  // namespace
}  // namespace atrium::app
