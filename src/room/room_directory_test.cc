#include "room/room_directory.h"

#include <gtest/gtest.h>

namespace atrium::room {
namespace {

base::RoomKey key(uint32_t app, uint32_t room) { return {app, base::RoomId{room, {}}}; }
base::RoomKey strKey(uint32_t app, std::string room) { return {app, base::RoomId{0, std::move(room)}}; }

EnterRequest req(base::RoomKey k, std::string user, SessionId s, Scene scene = Scene::kRtc, Role role = Role::kAnchor) {
  return {std::move(k), std::move(user), role, scene, s};
}

template <typename T>
std::vector<std::pair<SessionId, T>> eventsOf(const Deliveries& d) {
  std::vector<std::pair<SessionId, T>> out;
  for (const auto& x : d)
    if (auto* e = std::get_if<T>(&x.event)) out.emplace_back(x.to, *e);
  return out;
}

TEST(RoomDirectory, FirstEntryCreatesRoomLastLeaveDestroysIt) {
  RoomDirectory dir;
  RoomLimits lim;
  auto a = dir.enter(req(key(1, 10), "alice", 1), lim);
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->createdRoom);
  EXPECT_TRUE(a->visible.empty());
  auto b = dir.enter(req(key(1, 10), "bob", 2), lim);
  ASSERT_TRUE(b.ok());
  EXPECT_FALSE(b->createdRoom);
  ASSERT_EQ(b->visible.size(), 1u);
  EXPECT_EQ(b->visible[0].userId, "alice");
  auto enters = eventsOf<UserEntered>(b->deliveries);
  ASSERT_EQ(enters.size(), 1u);
  EXPECT_EQ(enters[0].first, 1u);
  EXPECT_EQ(enters[0].second.userId, "bob");

  auto d = dir.leave(key(1, 10), "alice", 1, ExitReason::kNormal);
  auto exits = eventsOf<UserExited>(d);
  ASSERT_EQ(exits.size(), 1u);
  EXPECT_EQ(exits[0].first, 2u);
  EXPECT_EQ(exits[0].second.reason, ExitReason::kNormal);
  EXPECT_TRUE(dir.roomExists(key(1, 10)));
  dir.leave(key(1, 10), "bob", 2, ExitReason::kTimeout);
  EXPECT_FALSE(dir.roomExists(key(1, 10)));
  EXPECT_EQ(dir.roomCount(1), 0u);
}

TEST(RoomDirectory, AppsAndNamespacesAreIsolated) {
  RoomDirectory dir;
  RoomLimits lim;
  ASSERT_TRUE(dir.enter(req(key(1, 123), "alice", 1), lim).ok());
  auto other = dir.enter(req(key(2, 123), "bob", 2), lim);
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(other->createdRoom);
  EXPECT_TRUE(other->visible.empty());
  EXPECT_TRUE(other->deliveries.empty());
  auto str = dir.enter(req(strKey(1, "123"), "carol", 3), lim);
  ASSERT_TRUE(str.ok());
  EXPECT_TRUE(str->createdRoom);
  EXPECT_EQ(dir.roomCount(), 3u);
}

TEST(RoomDirectory, DuplicateUserKicksEarlierSession) {
  RoomDirectory dir;
  RoomLimits lim;
  ASSERT_TRUE(dir.enter(req(key(1, 1), "alice", 1), lim).ok());
  ASSERT_TRUE(dir.enter(req(key(1, 1), "bob", 2), lim).ok());
  auto again = dir.enter(req(key(1, 1), "alice", 3), lim);
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE(again->kicked.has_value());
  EXPECT_EQ(*again->kicked, 1u);
  auto kicks = eventsOf<KickedOut>(again->deliveries);
  ASSERT_EQ(kicks.size(), 1u);
  EXPECT_EQ(kicks[0].first, 1u);
  EXPECT_EQ(kicks[0].second.reason, KickReason::kKick);
  auto exits = eventsOf<UserExited>(again->deliveries);
  ASSERT_EQ(exits.size(), 1u);
  EXPECT_EQ(exits[0].first, 2u);
  EXPECT_EQ(exits[0].second.reason, ExitReason::kKicked);
  auto enters = eventsOf<UserEntered>(again->deliveries);
  ASSERT_EQ(enters.size(), 1u);
  EXPECT_EQ(enters[0].first, 2u);
  // The stale session leaving later must not remove the new one.
  EXPECT_TRUE(dir.leave(key(1, 1), "alice", 1, ExitReason::kNormal).empty());
  EXPECT_EQ(dir.find(key(1, 1))->members.at("alice").session, 3u);
}

TEST(RoomDirectory, LiveAnnouncesOnlyAnchors) {
  RoomDirectory dir;
  RoomLimits lim;
  ASSERT_TRUE(dir.enter(req(key(1, 5), "host", 1, Scene::kLive, Role::kAnchor), lim).ok());
  auto viewer = dir.enter(req(key(1, 5), "viewer", 2, Scene::kLive, Role::kAudience), lim);
  ASSERT_TRUE(viewer.ok());
  EXPECT_TRUE(viewer->deliveries.empty()) << "audience entry must not be announced";
  ASSERT_EQ(viewer->visible.size(), 1u);
  auto viewer2 = dir.enter(req(key(1, 5), "viewer2", 3, Scene::kLive, Role::kAudience), lim);
  ASSERT_TRUE(viewer2.ok());
  ASSERT_EQ(viewer2->visible.size(), 1u) << "audience sees anchors only";
  EXPECT_EQ(viewer2->visible[0].userId, "host");
  EXPECT_TRUE(dir.leave(key(1, 5), "viewer", 2, ExitReason::kNormal).empty());

  auto up = dir.switchRole(key(1, 5), "viewer2", 3, Role::kAnchor, lim);
  ASSERT_TRUE(up.ok());
  auto enters = eventsOf<UserEntered>(*up);
  ASSERT_EQ(enters.size(), 1u);
  EXPECT_EQ(enters[0].first, 1u);
  auto down = dir.switchRole(key(1, 5), "viewer2", 3, Role::kAudience, lim);
  ASSERT_TRUE(down.ok());
  auto exits = eventsOf<UserExited>(*down);
  ASSERT_EQ(exits.size(), 1u);
  EXPECT_EQ(exits[0].second.reason, ExitReason::kRoleChange);
}

TEST(RoomDirectory, RtcForcesAnchorAndRejectsAudienceSwitch) {
  RoomDirectory dir;
  RoomLimits lim;
  ASSERT_TRUE(dir.enter(req(key(1, 5), "a", 1, Scene::kRtc, Role::kAudience), lim).ok());
  EXPECT_EQ(dir.find(key(1, 5))->members.at("a").role, Role::kAnchor);
  auto r = dir.switchRole(key(1, 5), "a", 1, Role::kAudience, lim);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, kErrInvalidRole);
}

TEST(RoomDirectory, SceneMismatchRejected) {
  RoomDirectory dir;
  RoomLimits lim;
  ASSERT_TRUE(dir.enter(req(key(1, 5), "a", 1, Scene::kRtc), lim).ok());
  auto r = dir.enter(req(key(1, 5), "b", 2, Scene::kLive), lim);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, kErrSceneMismatch);
}

TEST(RoomDirectory, LimitsUsersRoomsAnchors) {
  RoomDirectory dir;
  RoomLimits lim{2, 1, 1};
  ASSERT_TRUE(dir.enter(req(key(1, 1), "a", 1), lim).ok());
  ASSERT_TRUE(dir.enter(req(key(1, 1), "b", 2), lim).ok());
  auto full = dir.enter(req(key(1, 1), "c", 3), lim);
  EXPECT_EQ(full.error().code, kErrRoomFull);
  // Re-entry of an existing user is not blocked by the user cap.
  EXPECT_TRUE(dir.enter(req(key(1, 1), "b", 4), lim).ok());
  auto rooms = dir.enter(req(key(1, 2), "c", 5), lim);
  EXPECT_EQ(rooms.error().code, kErrRoomLimit);
  EXPECT_TRUE(dir.enter(req(key(2, 2), "c", 5), lim).ok()) << "quota is per app";

  RoomDirectory live;
  ASSERT_TRUE(live.enter(req(key(1, 9), "h1", 1, Scene::kLive, Role::kAnchor), lim).ok());
  auto second = live.enter(req(key(1, 9), "h2", 2, Scene::kLive, Role::kAnchor), lim);
  EXPECT_EQ(second.error().code, kErrPublisherLimit);
  ASSERT_TRUE(live.enter(req(key(1, 9), "v", 3, Scene::kLive, Role::kAudience), lim).ok());
  EXPECT_EQ(live.switchRole(key(1, 9), "v", 3, Role::kAnchor, lim).error().code, kErrPublisherLimit);
}

TEST(RoomDirectory, FailedCreationLeavesNoRoom) {
  RoomDirectory dir;
  RoomLimits lim{300, 0, 0};
  EXPECT_EQ(dir.enter(req(key(1, 9), "h", 1, Scene::kLive, Role::kAnchor), lim).error().code, kErrPublisherLimit);
  EXPECT_FALSE(dir.roomExists(key(1, 9)));
  EXPECT_EQ(dir.roomCount(1), 0u);
}

TEST(RoomDirectory, CustomMessagesSeqPerSenderAndAnchorsOnly) {
  RoomDirectory dir;
  RoomLimits lim;
  ASSERT_TRUE(dir.enter(req(key(1, 9), "h", 1, Scene::kLive, Role::kAnchor), lim).ok());
  ASSERT_TRUE(dir.enter(req(key(1, 9), "v", 2, Scene::kLive, Role::kAudience), lim).ok());
  auto m1 = dir.customMessage(key(1, 9), "h", 1, 3, "x");
  ASSERT_TRUE(m1.ok());
  EXPECT_EQ(m1->first, 1u);
  ASSERT_EQ(m1->second.size(), 1u);
  EXPECT_EQ(m1->second[0].to, 2u) << "audience receives messages";
  auto m2 = dir.customMessage(key(1, 9), "h", 1, 3, "y");
  EXPECT_EQ(m2->first, 2u);
  EXPECT_EQ(dir.customMessage(key(1, 9), "v", 2, 3, "z").error().code, kErrNotAnchor);
  EXPECT_EQ(dir.customMessage(key(1, 9), "h", 99, 3, "z").error().code, kErrNotMember);
}

TEST(RoomDirectory, DismissAndRemoveUser) {
  RoomDirectory dir;
  RoomLimits lim;
  ASSERT_TRUE(dir.enter(req(key(1, 1), "a", 1), lim).ok());
  ASSERT_TRUE(dir.enter(req(key(1, 1), "b", 2), lim).ok());
  ASSERT_TRUE(dir.enter(req(key(1, 1), "c", 3), lim).ok());
  auto removed = dir.removeUser(key(1, 1), "b");
  ASSERT_EQ(eventsOf<KickedOut>(removed).size(), 1u);
  EXPECT_EQ(eventsOf<KickedOut>(removed)[0].second.reason, KickReason::kBanned);
  EXPECT_EQ(eventsOf<UserExited>(removed).size(), 2u);
  auto gone = dir.dismiss(key(1, 1));
  EXPECT_EQ(eventsOf<KickedOut>(gone).size(), 2u);
  EXPECT_FALSE(dir.roomExists(key(1, 1)));
}

TEST(RoomDirectory, RoomsArePinnedRoundRobinToWorkers) {
  RoomDirectory dir(2);
  RoomLimits lim;
  ASSERT_TRUE(dir.enter(req(key(1, 1), "a", 1), lim).ok());
  ASSERT_TRUE(dir.enter(req(key(1, 2), "a", 2), lim).ok());
  EXPECT_NE(dir.find(key(1, 1))->worker, dir.find(key(1, 2))->worker);
}

}  // namespace
}  // namespace atrium::room
