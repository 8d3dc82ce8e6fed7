// Room event log: the data behind DescribeRoomInfo, DescribeUserInfo, DescribeUserEvent and
// DescribeScaleInfo.
#include <gtest/gtest.h>

#include "store/store_test_util.h"

namespace atrium::store {
namespace {

using namespace atrium::store::testing;

constexpr uint32_t kApp = 1400000201, kOtherApp = 1400000202;
constexpr int64_t kMin = 60'000, kHour = 3'600'000;
constexpr int64_t kDay0 = 1'699'920'000'000;  // 2023-11-14T00:00:00Z

RoomRecord room(std::string commId, int64_t createdAt, int64_t destroyedAt = 0, uint32_t app = kApp,
                std::string name = "1234") {
  return RoomRecord{std::move(commId), app, std::move(name), false, "creator", createdAt, destroyedAt};
}

UserSessionRecord session(std::string commId, std::string user, int64_t joinedAt, int64_t leftAt = 0,
                          uint32_t app = kApp) {
  return UserSessionRecord{std::move(commId), app,       "1234",  std::move(user),    joinedAt,
                           leftAt,            "10.1.*.*", "5.17.1", "Chrome/124 Linux", leftAt ? 1 : 0};
}

class RoomLogTest : public StoreFixture {
 protected:
  void addRoom(const RoomRecord& r) { ASSERT_TRUE(store_->roomCreated(r).ok()) << r.commId; }
  void addSession(const UserSessionRecord& s) {
    auto st = store_->userJoined(s);
    ASSERT_TRUE(st.ok()) << s.userId << ": " << st.error().message;
  }

  std::vector<std::string> roomIds(int64_t from, int64_t to, std::optional<std::string> name = std::nullopt,
                                   size_t offset = 0, size_t limit = 100, size_t* total = nullptr) {
    auto r = store_->listRooms(kApp, from, to, std::move(name), offset, limit);
    EXPECT_TRUE(r.ok()) << r.error().message;
    if (!r.ok()) return {};
    if (total) *total = r->second;
    std::vector<std::string> ids;
    for (const auto& room : r->first) ids.push_back(room.commId);
    return ids;
  }

  std::vector<std::string> sessionUsers(std::string_view commId, int64_t from, int64_t to,
                                        std::vector<std::string> users = {}, size_t offset = 0, size_t limit = 100,
                                        size_t* total = nullptr) {
    auto r = store_->listUserSessions(kApp, commId, from, to, std::move(users), offset, limit);
    EXPECT_TRUE(r.ok()) << r.error().message;
    if (!r.ok()) return {};
    if (total) *total = r->second;
    std::vector<std::string> ids;
    for (const auto& s : r->first) ids.push_back(s.userId + "@" + std::to_string((s.joinedAtMs - kDay0) / kMin));
    return ids;
  }
};

TEST_P(RoomLogTest, RoomLifecycleAndFind) {
  RoomRecord r = room("1400000201_1234_1699920000", kDay0);
  r.strRoom = true;
  addRoom(r);
  auto found = store_->findRoom(kApp, r.commId);
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ(**found, r);
  auto otherApp = store_->findRoom(kOtherApp, r.commId);  // CommIds do not cross apps
  ASSERT_TRUE(otherApp.ok());
  EXPECT_FALSE(otherApp->has_value());

  auto again = store_->roomCreated(r);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "RECORD_EXISTS");

  ASSERT_TRUE(store_->roomDestroyed(r.commId, kDay0 + kHour).ok());
  EXPECT_EQ((*store_->findRoom(kApp, r.commId))->destroyedAtMs, kDay0 + kHour);
  EXPECT_EQ(store_->roomDestroyed(r.commId, kDay0 + 2 * kHour).error().code, "RECORD_NOT_FOUND");
  EXPECT_EQ((*store_->findRoom(kApp, r.commId))->destroyedAtMs, kDay0 + kHour);  // first end stays
  EXPECT_EQ(store_->roomDestroyed("1400000201_9_1", kDay0).error().code, "RECORD_NOT_FOUND");

  EXPECT_EQ(store_->roomCreated(room("", kDay0)).error().code, "INVALID_ARGUMENT");
  EXPECT_EQ(store_->roomCreated(room("x", kDay0, 0, kApp, "")).error().code, "INVALID_ARGUMENT");
}

TEST_P(RoomLogTest, ListRoomsByOverlapNewestFirstWithPagingTotals) {
  addRoom(room("ended-before", kDay0, kDay0 + kHour));             // [0h, 1h]
  addRoom(room("ends-inside", kDay0 + kHour, kDay0 + 3 * kHour));  // [1h, 3h]
  addRoom(room("live", kDay0 + 2 * kHour));                        // [2h, -)
  addRoom(room("inside", kDay0 + 3 * kHour, kDay0 + 4 * kHour));   // [3h, 4h]
  addRoom(room("starts-at-end", kDay0 + 5 * kHour));               // [5h, -)
  addRoom(room("other-app", kDay0 + 3 * kHour, 0, kOtherApp));
  addRoom(room("named", kDay0 + 4 * kHour, kDay0 + 6 * kHour, kApp, "room-x"));

  const int64_t from = kDay0 + 2 * kHour, to = kDay0 + 5 * kHour;  // [2h, 5h)
  size_t total = 0;
  EXPECT_EQ(roomIds(from, to, std::nullopt, 0, 100, &total),
            (std::vector<std::string>{"named", "inside", "live", "ends-inside"}));
  EXPECT_EQ(total, 4u);

  // A room that ended exactly at `from` still overlaps; one created exactly at `to` does not.
  EXPECT_EQ(roomIds(kDay0 + kHour, kDay0 + 2 * kHour),
            (std::vector<std::string>{"ends-inside", "ended-before"}));

  EXPECT_EQ(roomIds(from, to, std::nullopt, 1, 2, &total), (std::vector<std::string>{"inside", "live"}));
  EXPECT_EQ(total, 4u);
  EXPECT_EQ(roomIds(from, to, std::nullopt, 3, 2, &total), std::vector<std::string>{"ends-inside"});
  EXPECT_EQ(total, 4u);
  EXPECT_TRUE(roomIds(from, to, std::nullopt, 10, 2, &total).empty());
  EXPECT_EQ(total, 4u);

  EXPECT_EQ(roomIds(from, to, "room-x", 0, 100, &total), std::vector<std::string>{"named"});
  EXPECT_EQ(total, 1u);
  EXPECT_EQ(roomIds(from, to, "1234", 0, 100, &total),
            (std::vector<std::string>{"inside", "live", "ends-inside"}));
  EXPECT_EQ(total, 3u);
  EXPECT_TRUE(roomIds(from, to, "nope", 0, 100, &total).empty());
  EXPECT_EQ(total, 0u);
}

TEST_P(RoomLogTest, SessionsJoinLeaveAndDuplicates) {
  const std::string comm = "1400000201_1234_1699920000";
  UserSessionRecord alice = session(comm, "alice", kDay0 + kMin);
  addSession(alice);
  auto dup = store_->userJoined(alice);
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, "RECORD_EXISTS");

  ASSERT_TRUE(store_->userLeft(comm, "alice", alice.joinedAtMs, kDay0 + 5 * kMin, 3).ok());
  auto twice = store_->userLeft(comm, "alice", alice.joinedAtMs, kDay0 + 6 * kMin, 1);
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code, "RECORD_NOT_FOUND");
  EXPECT_EQ(store_->userLeft(comm, "bob", alice.joinedAtMs, kDay0, 1).error().code, "RECORD_NOT_FOUND");
  EXPECT_EQ(store_->userLeft(comm, "alice", alice.joinedAtMs + 1, kDay0, 1).error().code, "RECORD_NOT_FOUND");

  auto got = store_->listUserSessions(kApp, comm, kDay0, kDay0 + kHour, {}, 0, 10);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->first.size(), 1u);
  UserSessionRecord expected = alice;
  expected.leftAtMs = kDay0 + 5 * kMin;
  expected.exitReason = 3;
  EXPECT_EQ(got->first[0], expected);

  EXPECT_EQ(store_->userJoined(session(comm, "", kDay0)).error().code, "INVALID_ARGUMENT");
}

TEST_P(RoomLogTest, ListSessionsByWindowUsersAndPages) {
  const std::string comm = "c1";
  addSession(session(comm, "alice", kDay0 + 0 * kMin, kDay0 + 10 * kMin));  // before the window
  addSession(session(comm, "bob", kDay0 + 5 * kMin, kDay0 + 20 * kMin));    // ends at `from`: overlaps
  addSession(session(comm, "alice", kDay0 + 25 * kMin, kDay0 + 40 * kMin));
  addSession(session(comm, "carol", kDay0 + 30 * kMin));                    // still in the room
  addSession(session(comm, "bob", kDay0 + 30 * kMin, kDay0 + 35 * kMin));   // same time as carol
  addSession(session(comm, "dave", kDay0 + 60 * kMin));                     // joins at `to`: outside
  addSession(session("c2", "alice", kDay0 + 30 * kMin));                    // another room
  addSession(session(comm, "erin", kDay0 + 30 * kMin, 0, kOtherApp));       // another app, same CommId

  const int64_t from = kDay0 + 20 * kMin, to = kDay0 + 60 * kMin;
  size_t total = 0;
  EXPECT_EQ(sessionUsers(comm, from, to, {}, 0, 100, &total),
            (std::vector<std::string>{"bob@5", "alice@25", "bob@30", "carol@30"}));
  EXPECT_EQ(total, 4u);
  EXPECT_EQ(sessionUsers(comm, from, to, {}, 1, 2, &total), (std::vector<std::string>{"alice@25", "bob@30"}));
  EXPECT_EQ(total, 4u);
  EXPECT_TRUE(sessionUsers(comm, from, to, {}, 4, 2, &total).empty());
  EXPECT_EQ(total, 4u);

  // Chosen users: duplicates and unknown ids are harmless; same order and totals.
  EXPECT_EQ(sessionUsers(comm, from, to, {"bob", "nobody", "alice", "bob"}, 0, 100, &total),
            (std::vector<std::string>{"bob@5", "alice@25", "bob@30"}));
  EXPECT_EQ(total, 3u);
  EXPECT_EQ(sessionUsers(comm, from, to, {"bob", "alice"}, 1, 1, &total), std::vector<std::string>{"alice@25"});
  EXPECT_EQ(total, 3u);
  EXPECT_TRUE(sessionUsers(comm, from, to, {"bob"}, 5, 10, &total).empty());
  EXPECT_EQ(total, 2u);
  EXPECT_TRUE(sessionUsers(comm, from, to, {"erin"}, 0, 10, &total).empty());
  EXPECT_EQ(total, 0u);

  auto other = store_->listUserSessions(kOtherApp, comm, from, to, {}, 0, 10);
  ASSERT_TRUE(other.ok());
  ASSERT_EQ(other->second, 1u);
  EXPECT_EQ(other->first[0].userId, "erin");
}

TEST_P(RoomLogTest, UserEventsByUserAndWindowOldestFirst) {
  const std::string comm = "c1";
  auto ev = [&](std::string user, int64_t t, int id, int64_t p1 = -1, uint32_t app = kApp,
                std::string c = "c1") { return UserEventRecord{std::move(c), app, std::move(user), t, id, p1, -1}; };
  for (const auto& e : {ev("alice", kDay0 + 30, kUserEventRoleChange, 21),
                        ev("alice", kDay0 + 10, kUserEventEnterRoom, 0),
                        ev("alice", kDay0 + 90, kUserEventExitRoom, kExitParamNormal),
                        ev("bob", kDay0 + 20, kUserEventEnterRoom, 0),
                        ev("alice", kDay0 + 40, 4006, 0, kOtherApp),  // another app, same CommId
                        ev("alice", kDay0 + 50, 4006, 1, kApp, "c2")})  // another room
    ASSERT_TRUE(store_->appendUserEvent(e).ok());

  auto all = store_->listUserEvents(kApp, comm, "alice", kDay0, kDay0 + 100);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0], ev("alice", kDay0 + 10, kUserEventEnterRoom, 0));
  EXPECT_EQ((*all)[1], ev("alice", kDay0 + 30, kUserEventRoleChange, 21));
  EXPECT_EQ((*all)[2].eventId, kUserEventExitRoom);

  auto window = store_->listUserEvents(kApp, comm, "alice", kDay0 + 10, kDay0 + 90);  // [10, 90)
  ASSERT_TRUE(window.ok());
  ASSERT_EQ(window->size(), 2u);
  EXPECT_EQ((*window)[1].timeMs, kDay0 + 30);

  auto other = store_->listUserEvents(kOtherApp, comm, "alice", kDay0, kDay0 + 100);
  ASSERT_TRUE(other.ok());
  ASSERT_EQ(other->size(), 1u);
  EXPECT_EQ((*other)[0].eventId, 4006);

  EXPECT_EQ(store_->appendUserEvent(ev("", kDay0, 1)).error().code, "INVALID_ARGUMENT");
}

TEST_P(RoomLogTest, ScaleCountsEachUtcDayIncludingEmptyOnes) {
  const int64_t day = kMsPerDay;
  // Day 0 (window starts at 10:00): alice twice in r1, bob in r2; alice at 09:00 is before the window.
  addSession(session("r1", "alice", kDay0 + 9 * kHour, kDay0 + 9 * kHour + kMin));
  addSession(session("r1", "alice", kDay0 + 10 * kHour));
  addSession(session("r1", "alice", kDay0 + 11 * kHour, kDay0 + 12 * kHour));
  addSession(session("r2", "bob", kDay0 + 23 * kHour + 59 * kMin));
  // Day 1: nothing (an open session from day 0 does not count again). Day 2 (window ends 12:00):
  // carol in r3; dave at 12:00 is after it; another app's user never counts.
  addSession(session("r3", "carol", kDay0 + 2 * day));
  addSession(session("r3", "dave", kDay0 + 2 * day + 12 * kHour));
  addSession(session("r9", "erin", kDay0 + 2 * day + kHour, 0, kOtherApp));

  auto days = store_->scale(kApp, kDay0 + 10 * kHour, kDay0 + 2 * day + 12 * kHour);
  ASSERT_TRUE(days.ok()) << days.error().message;
  const int64_t day0Sec = kDay0 / 1000;
  ASSERT_EQ(days->size(), 3u);
  EXPECT_EQ((*days)[0], (ScaleDay{day0Sec, 2, 3, 2}));
  EXPECT_EQ((*days)[1], (ScaleDay{day0Sec + 86'400, 0, 0, 0}));
  EXPECT_EQ((*days)[2], (ScaleDay{day0Sec + 2 * 86'400, 1, 1, 1}));

  // A window ending exactly at midnight does not add the next day.
  auto one = store_->scale(kApp, kDay0, kDay0 + day);
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0], (ScaleDay{day0Sec, 2, 4, 2}));

  auto empty = store_->scale(kApp, kDay0, kDay0);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
  EXPECT_EQ(store_->scale(kApp, kDay0, kDay0 + (kMaxScaleDays + 1) * day).error().code, "INVALID_ARGUMENT");
  EXPECT_TRUE(store_->scale(kApp, kDay0, kDay0 + kMaxScaleDays * day).ok());
  EXPECT_EQ(store_->scale(kApp, -1, kDay0).error().code, "INVALID_ARGUMENT");
}

TEST_P(RoomLogTest, CloseOpenRecordsEndsWhatACrashLeftOpen) {
  addRoom(room("open-room", kDay0));
  addRoom(room("closed-room", kDay0, kDay0 + kMin));
  addRoom(room("future-room", kDay0 + 2 * kHour));  // clock skew: created after atMs
  addSession(session("open-room", "alice", kDay0 + kMin));
  addSession(session("open-room", "bob", kDay0 + kMin, kDay0 + 2 * kMin));
  addSession(session("future-room", "carol", kDay0 + 2 * kHour));
  ASSERT_TRUE(store_->userRoleChanged("open-room", "alice", kRoleCodeAudience).ok());  // alice's role now
  EXPECT_EQ(store_->userRoleChanged("open-room", "bob", kRoleCodeAnchor).error().code, "RECORD_NOT_FOUND");  // left
  const int64_t at = kDay0 + kHour;
  auto closed = store_->closeOpenRecords(at);
  ASSERT_TRUE(closed.ok()) << closed.error().message;
  // What was closed, for the callbacks nobody sent: alice (as audience) and carol, and two rooms.
  ASSERT_EQ(closed->sessions.size(), 2u);
  EXPECT_EQ(closed->sessions[0].userId, "alice");
  EXPECT_EQ(closed->sessions[0].role, kRoleCodeAudience);
  EXPECT_EQ(closed->sessions[0].leftAtMs, 0);  // as it was
  EXPECT_EQ(closed->sessions[1].userId, "carol");
  EXPECT_EQ(closed->sessions[1].role, kRoleCodeAnchor);
  ASSERT_EQ(closed->rooms.size(), 2u);
  EXPECT_EQ(closed->rooms[0].commId, "open-room");
  EXPECT_EQ(closed->rooms[1].commId, "future-room");

  EXPECT_EQ((*store_->findRoom(kApp, "open-room"))->destroyedAtMs, at);
  EXPECT_EQ((*store_->findRoom(kApp, "closed-room"))->destroyedAtMs, kDay0 + kMin);
  EXPECT_EQ((*store_->findRoom(kApp, "future-room"))->destroyedAtMs, kDay0 + 2 * kHour);  // never before it began

  auto sessions = store_->listUserSessions(kApp, "open-room", 0, INT64_MAX, {}, 0, 10);
  ASSERT_TRUE(sessions.ok());
  ASSERT_EQ(sessions->first.size(), 2u);
  EXPECT_EQ(sessions->first[0].userId, "alice");
  EXPECT_EQ(sessions->first[0].leftAtMs, at);
  EXPECT_EQ(sessions->first[0].exitReason, kExitReasonTimeout);
  EXPECT_EQ(sessions->first[1].leftAtMs, kDay0 + 2 * kMin);  // bob had left: untouched
  EXPECT_EQ(sessions->first[1].exitReason, 1);
  auto carol = store_->listUserSessions(kApp, "future-room", 0, INT64_MAX, {"carol"}, 0, 10);
  ASSERT_TRUE(carol.ok());
  ASSERT_EQ(carol->first.size(), 1u);
  EXPECT_EQ(carol->first[0].leftAtMs, kDay0 + 2 * kHour);

  auto events = store_->listUserEvents(kApp, "open-room", "alice", 0, INT64_MAX);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0], (UserEventRecord{"open-room", kApp, "alice", at, kUserEventExitRoom, kExitParamTimeout, -1}));
  auto bobEvents = store_->listUserEvents(kApp, "open-room", "bob", 0, INT64_MAX);
  ASSERT_TRUE(bobEvents.ok());
  EXPECT_TRUE(bobEvents->empty());

  // Idempotent: a second start finds nothing open.
  clock_.advanceMs(kHour);
  auto none = store_->closeOpenRecords(at + kHour);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->sessions.empty() && none->rooms.empty());
  EXPECT_EQ((*store_->findRoom(kApp, "open-room"))->destroyedAtMs, at);
  auto again = store_->listUserEvents(kApp, "open-room", "alice", 0, INT64_MAX);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->size(), 1u);
}

TEST_P(RoomLogTest, RoomLogSurvivesReopen) {
  addRoom(room("durable", kDay0));
  addSession(session("durable", "alice", kDay0 + kMin));
  reopen();
  auto r = store_->findRoom(kApp, "durable");
  ASSERT_TRUE(r.ok() && r->has_value());
  auto s = store_->listUserSessions(kApp, "durable", kDay0, kDay0 + kHour, {}, 0, 10);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->second, 1u);
}

ATRIUM_STORE_ENGINES(RoomLogTest);

}  // namespace
}  // namespace atrium::store
