// Store over SQL, room event log: rooms, user sessions and user events behind DescribeRoomInfo,
// DescribeUserInfo, DescribeUserEvent and DescribeScaleInfo.
#include <iterator>
#include <string>
#include <tuple>

#include "store/sql_store_impl.h"

namespace atrium::store {
namespace {

constexpr const char* kSelectRoom =
    "SELECT comm_id, sdk_app_id, room, str_room, creator_user_id, created_at_ms, destroyed_at_ms FROM rooms ";
constexpr const char* kSelectSession =
    "SELECT comm_id, sdk_app_id, room, user_id, joined_at_ms, left_at_ms, masked_ip, sdk_version, device_type, "
    "exit_reason, role FROM user_sessions ";
// A lifetime overlaps [from, to) when it starts before `to` and is open or ends at or after `from`.
constexpr const char* kRoomOverlaps =
    "created_at_ms < ? AND (destroyed_at_ms IS NULL OR destroyed_at_ms >= ?) ";
constexpr const char* kSessionOverlaps = "joined_at_ms < ? AND (left_at_ms IS NULL OR left_at_ms >= ?) ";

base::Error invalid(std::string message) { return base::makeError(kErrInvalidArgument, std::move(message)); }

// 0 means "still open", stored as NULL so open rows are what the partial indexes hold.
Query& bindEnd(Query& q, int64_t endMs) { return endMs == 0 ? q.bindNull() : q.bind(endMs); }

base::Status mapDuplicate(base::Status s, const std::string& what) {
  if (!s && s.error().code == kErrDuplicate) return base::makeError(kErrRecordExists, what + " is already recorded");
  return s;
}

RoomRecord readRoom(const Query& q) {
  return RoomRecord{q.text(0),      static_cast<uint32_t>(q.int64(1)), q.text(2), q.int64(3) != 0, q.text(4),
                    q.int64(5),     q.int64(6)};
}

base::Result<size_t> readCount(Query& q) {
  auto row = q.step();
  if (!row) return row.error();
  if (!*row) return base::makeError(kErrIo, "COUNT returned no row");
  return static_cast<size_t>(q.int64(0));
}

}  // namespace

base::Status SqlStore::prepareRoomLogStatements() {
  const std::string room = kSelectRoom, session = kSelectSession;
  const std::string roomOverlaps = kRoomOverlaps, sessionOverlaps = kSessionOverlaps;
  const std::string countRooms = "SELECT COUNT(*) FROM rooms ";
  const std::string countSessions = "SELECT COUNT(*) FROM user_sessions ";
  const std::string newestFirst = "ORDER BY created_at_ms DESC, comm_id DESC LIMIT ? OFFSET ?";
  const std::pair<Statement*, std::string> all[] = {
      {&log_.insertRoom,
       "INSERT INTO rooms (comm_id, sdk_app_id, room, str_room, creator_user_id, created_at_ms, destroyed_at_ms) "
       "VALUES (?, ?, ?, ?, ?, ?, ?)"},
      {&log_.destroyRoom,
       "UPDATE rooms SET destroyed_at_ms = GREATEST(created_at_ms, ?) WHERE comm_id = ? AND destroyed_at_ms IS NULL"},
      {&log_.insertSession,
       "INSERT INTO user_sessions (comm_id, sdk_app_id, room, user_id, joined_at_ms, left_at_ms, masked_ip, "
       "sdk_version, device_type, exit_reason, role) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"},
      {&log_.setSessionRole,
       "UPDATE user_sessions SET role = ? WHERE comm_id = ? AND user_id = ? AND left_at_ms IS NULL"},
      {&log_.openSessions, std::string(kSelectSession) + "WHERE left_at_ms IS NULL ORDER BY id"},
      {&log_.openRooms, std::string(kSelectRoom) + "WHERE destroyed_at_ms IS NULL ORDER BY created_at_ms, comm_id"},
      {&log_.leaveSession,
       "UPDATE user_sessions SET left_at_ms = GREATEST(joined_at_ms, ?), exit_reason = ? "
       "WHERE comm_id = ? AND user_id = ? AND joined_at_ms = ? AND left_at_ms IS NULL"},
      {&log_.insertEvent,
       "INSERT INTO user_events (comm_id, sdk_app_id, user_id, time_ms, event_id, param_one, param_two) "
       "VALUES (?, ?, ?, ?, ?, ?, ?)"},
      {&log_.listRooms, room + "WHERE sdk_app_id = ? AND " + roomOverlaps + newestFirst},
      {&log_.countRooms, countRooms + "WHERE sdk_app_id = ? AND " + roomOverlaps},
      {&log_.listRoomsNamed, room + "WHERE sdk_app_id = ? AND room = ? AND " + roomOverlaps + newestFirst},
      {&log_.countRoomsNamed, countRooms + "WHERE sdk_app_id = ? AND room = ? AND " + roomOverlaps},
      {&log_.findRoom, room + "WHERE comm_id = ? AND sdk_app_id = ?"},
      {&log_.listSessions, session + "WHERE comm_id = ? AND sdk_app_id = ? AND " + sessionOverlaps +
                               "ORDER BY joined_at_ms, user_id LIMIT ? OFFSET ?"},
      {&log_.countSessions, countSessions + "WHERE comm_id = ? AND sdk_app_id = ? AND " + sessionOverlaps},
      {&log_.listSessionsOfUser, session + "WHERE comm_id = ? AND user_id = ? AND sdk_app_id = ? AND " +
                                     sessionOverlaps + "ORDER BY joined_at_ms"},
      {&log_.listEvents,
       "SELECT comm_id, sdk_app_id, user_id, time_ms, event_id, param_one, param_two FROM user_events "
       "WHERE comm_id = ? AND user_id = ? AND sdk_app_id = ? AND time_ms >= ? AND time_ms < ? "
       "ORDER BY time_ms, id LIMIT ?"},
      {&log_.scaleDays,
       "SELECT joined_at_ms / " + std::to_string(kMsPerDay) +
           " AS day, COUNT(DISTINCT user_id), COUNT(*), COUNT(DISTINCT comm_id) FROM user_sessions "
           "WHERE sdk_app_id = ? AND joined_at_ms >= ? AND joined_at_ms < ? GROUP BY day ORDER BY day"},
      {&log_.closeRooms, "UPDATE rooms SET destroyed_at_ms = GREATEST(created_at_ms, ?) WHERE destroyed_at_ms IS NULL"},
      {&log_.exitEventsForOpenSessions,
       "INSERT INTO user_events (comm_id, sdk_app_id, user_id, time_ms, event_id, param_one, param_two) "
       "SELECT comm_id, sdk_app_id, user_id, GREATEST(joined_at_ms, ?), CAST(? AS BIGINT), CAST(? AS BIGINT), -1 FROM user_sessions "
       "WHERE left_at_ms IS NULL ORDER BY id"},
      {&log_.closeSessions,
       "UPDATE user_sessions SET left_at_ms = GREATEST(joined_at_ms, ?), exit_reason = ? WHERE left_at_ms IS NULL"},
  };
  return prepareAll(*db_, all);
}

base::Status SqlStore::roomCreated(const RoomRecord& r) {
  if (r.commId.empty() || r.room.empty()) return invalid("a room needs a CommId and a room id");
  std::lock_guard lock(mu_);
  Query q(log_.insertRoom);
  q.bind(r.commId).bind(int64_t{r.sdkAppId}).bind(r.room).bind(int64_t{r.strRoom}).bind(r.creatorUserId);
  bindEnd(q.bind(r.createdAtMs), r.destroyedAtMs);
  return mapDuplicate(q.run(), "room " + r.commId);
}

base::Status SqlStore::roomDestroyed(std::string_view commId, int64_t atMs) {
  std::lock_guard lock(mu_);
  Query q(log_.destroyRoom);
  q.bind(atMs).bind(commId);
  return changeOne(q, "live room " + std::string(commId));
}

base::Status SqlStore::userJoined(const UserSessionRecord& u) {
  if (u.commId.empty() || u.userId.empty()) return invalid("a session needs a CommId and a user id");
  std::lock_guard lock(mu_);
  Query q(log_.insertSession);
  q.bind(u.commId).bind(int64_t{u.sdkAppId}).bind(u.room).bind(u.userId).bind(u.joinedAtMs);
  bindEnd(q, u.leftAtMs).bind(u.maskedIp).bind(u.sdkVersion).bind(u.deviceType).bind(int64_t{u.exitReason});
  q.bind(int64_t{u.role});
  return mapDuplicate(q.run(), "that session in " + u.commId);
}

base::Status SqlStore::userRoleChanged(std::string_view commId, std::string_view userId, int role) {
  std::lock_guard lock(mu_);
  Query q(log_.setSessionRole);
  q.bind(int64_t{role}).bind(commId).bind(userId);
  return changeOne(q, "open session in " + std::string(commId));
}

base::Status SqlStore::userLeft(std::string_view commId, std::string_view userId, int64_t joinedAtMs,
                                   int64_t leftAtMs, int exitReason) {
  std::lock_guard lock(mu_);
  Query q(log_.leaveSession);
  q.bind(leftAtMs).bind(int64_t{exitReason}).bind(commId).bind(userId).bind(joinedAtMs);
  return changeOne(q, "open session in " + std::string(commId) + " joined at " + std::to_string(joinedAtMs));
}

base::Status SqlStore::appendUserEvent(const UserEventRecord& e) {
  if (e.commId.empty() || e.userId.empty()) return invalid("a user event needs a CommId and a user id");
  std::lock_guard lock(mu_);
  Query q(log_.insertEvent);
  q.bind(e.commId).bind(int64_t{e.sdkAppId}).bind(e.userId).bind(e.timeMs).bind(int64_t{e.eventId});
  return q.bind(e.paramOne).bind(e.paramTwo).run();
}

base::Result<std::pair<std::vector<RoomRecord>, size_t>> SqlStore::listRooms(uint32_t sdkAppId, int64_t fromMs,
                                                                                int64_t toMs,
                                                                                std::optional<std::string> room,
                                                                                size_t offset, size_t limit) {
  std::lock_guard lock(mu_);
  // Count and page in one read transaction, so the total describes the page's snapshot.
  Transaction tx(*db_, TxKind::kRead);
  if (auto s = tx.begin(); !s) return s.error();
  size_t total = 0;
  {
    Query q(room ? log_.countRoomsNamed : log_.countRooms);
    q.bind(int64_t{sdkAppId});
    if (room) q.bind(*room);
    q.bind(toMs).bind(fromMs);
    auto n = readCount(q);
    if (!n) return n.error();
    total = *n;
  }
  std::vector<RoomRecord> rooms;
  Query q(room ? log_.listRoomsNamed : log_.listRooms);
  q.bind(int64_t{sdkAppId});
  if (room) q.bind(*room);
  q.bind(toMs).bind(fromMs).bind(clampToInt64(limit)).bind(clampToInt64(offset));
  for (;;) {
    auto row = q.step();
    if (!row) return row.error();
    if (!*row) break;
    rooms.push_back(readRoom(q));
  }
  return std::pair{std::move(rooms), total};
}

base::Result<std::optional<RoomRecord>> SqlStore::findRoom(uint32_t sdkAppId, std::string_view commId) {
  std::lock_guard lock(mu_);
  Query q(log_.findRoom);
  auto row = q.bind(commId).bind(int64_t{sdkAppId}).step();
  if (!row) return row.error();
  if (!*row) return std::optional<RoomRecord>();
  return std::optional<RoomRecord>(readRoom(q));
}

base::Result<std::vector<UserSessionRecord>> SqlStore::readSessions(Query& q) {
  std::vector<UserSessionRecord> sessions;
  for (;;) {
    auto row = q.step();
    if (!row) return row.error();
    if (!*row) return sessions;
    sessions.push_back(UserSessionRecord{q.text(0), static_cast<uint32_t>(q.int64(1)), q.text(2), q.text(3),
                                         q.int64(4), q.int64(5), q.text(6), q.text(7), q.text(8),
                                         static_cast<int>(q.int64(9)), static_cast<int>(q.int64(10))});
  }
}

base::Result<std::pair<std::vector<UserSessionRecord>, size_t>> SqlStore::listUserSessions(
    uint32_t sdkAppId, std::string_view commId, int64_t fromMs, int64_t toMs, std::vector<std::string> userIds,
    size_t offset, size_t limit) {
  std::lock_guard lock(mu_);
  Transaction tx(*db_, TxKind::kRead);
  if (auto s = tx.begin(); !s) return s.error();
  if (userIds.empty()) {
    size_t total = 0;
    {
      Query q(log_.countSessions);
      q.bind(commId).bind(int64_t{sdkAppId}).bind(toMs).bind(fromMs);
      auto n = readCount(q);
      if (!n) return n.error();
      total = *n;
    }
    Query q(log_.listSessions);
    q.bind(commId).bind(int64_t{sdkAppId}).bind(toMs).bind(fromMs);
    q.bind(clampToInt64(limit)).bind(clampToInt64(offset));
    auto page = readSessions(q);
    if (!page) return page.error();
    return std::pair{std::move(*page), total};
  }
  // A handful of users (DescribeUserInfo allows 100): one indexed query each, merged here in
  // the order the all-users query uses.
  std::sort(userIds.begin(), userIds.end());
  userIds.erase(std::unique(userIds.begin(), userIds.end()), userIds.end());
  std::vector<UserSessionRecord> all;
  for (const std::string& userId : userIds) {
    Query q(log_.listSessionsOfUser);
    q.bind(commId).bind(userId).bind(int64_t{sdkAppId}).bind(toMs).bind(fromMs);
    auto sessions = readSessions(q);
    if (!sessions) return sessions.error();
    std::move(sessions->begin(), sessions->end(), std::back_inserter(all));
  }
  std::sort(all.begin(), all.end(), [](const UserSessionRecord& a, const UserSessionRecord& b) {
    return std::tie(a.joinedAtMs, a.userId) < std::tie(b.joinedAtMs, b.userId);
  });
  const size_t total = all.size();
  const size_t begin = std::min(offset, total);
  const size_t end = begin + std::min(limit, total - begin);
  std::vector<UserSessionRecord> page(std::make_move_iterator(all.begin() + static_cast<ptrdiff_t>(begin)),
                                      std::make_move_iterator(all.begin() + static_cast<ptrdiff_t>(end)));
  return std::pair{std::move(page), total};
}

base::Result<std::vector<UserEventRecord>> SqlStore::listUserEvents(uint32_t sdkAppId, std::string_view commId,
                                                                       std::string_view userId, int64_t fromMs,
                                                                       int64_t toMs) {
  std::lock_guard lock(mu_);
  Query q(log_.listEvents);
  q.bind(commId).bind(userId).bind(int64_t{sdkAppId}).bind(fromMs).bind(toMs).bind(clampToInt64(kMaxUserEvents));
  std::vector<UserEventRecord> events;
  for (;;) {
    auto row = q.step();
    if (!row) return row.error();
    if (!*row) return events;
    events.push_back(UserEventRecord{q.text(0), static_cast<uint32_t>(q.int64(1)), q.text(2), q.int64(3),
                                     static_cast<int>(q.int64(4)), q.int64(5), q.int64(6)});
  }
}

base::Result<std::vector<ScaleDay>> SqlStore::scale(uint32_t sdkAppId, int64_t fromMs, int64_t toMs) {
  if (fromMs < 0 || toMs < 0) return invalid("scale times must not be negative");
  if (toMs <= fromMs) return std::vector<ScaleDay>();
  const int64_t firstDay = fromMs / kMsPerDay;
  const int64_t days = (toMs - 1) / kMsPerDay - firstDay + 1;
  if (days > kMaxScaleDays) return invalid("a scale window spans at most " + std::to_string(kMaxScaleDays) + " days");
  std::vector<ScaleDay> out(static_cast<size_t>(days));
  for (int64_t i = 0; i < days; ++i) out[static_cast<size_t>(i)].dayStartSec = (firstDay + i) * (kMsPerDay / 1000);

  std::lock_guard lock(mu_);
  Query q(log_.scaleDays);
  q.bind(int64_t{sdkAppId}).bind(fromMs).bind(toMs);
  for (;;) {
    auto row = q.step();
    if (!row) return row.error();
    if (!*row) return out;
    const int64_t index = q.int64(0) - firstDay;
    if (index < 0 || index >= days) return base::makeError(kErrIo, "scale query returned a day outside the window");
    ScaleDay& day = out[static_cast<size_t>(index)];
    day.distinctUsers = static_cast<uint64_t>(q.int64(1));
    day.entries = static_cast<uint64_t>(q.int64(2));
    day.rooms = static_cast<uint64_t>(q.int64(3));
  }
}

base::Result<RoomEventLog::ClosedRecords> SqlStore::closeOpenRecords(int64_t atMs) {
  std::lock_guard lock(mu_);
  Transaction tx(*db_);
  if (auto s = tx.begin(); !s) return s.error();
  ClosedRecords closed;
  {
    Query q(log_.openSessions);
    auto sessions = readSessions(q);
    if (!sessions) return sessions.error();
    closed.sessions = std::move(*sessions);
  }
  {
    Query q(log_.openRooms);
    for (;;) {
      auto row = q.step();
      if (!row) return row.error();
      if (!*row) break;
      closed.rooms.push_back(readRoom(q));
    }
  }
  {
    Query q(log_.exitEventsForOpenSessions);  // before closing: it selects the open sessions
    if (auto s = q.bind(atMs).bind(int64_t{kUserEventExitRoom}).bind(kExitParamTimeout).run(); !s) return s.error();
  }
  {
    Query q(log_.closeSessions);
    if (auto s = q.bind(atMs).bind(int64_t{kExitReasonTimeout}).run(); !s) return s.error();
  }
  {
    Query q(log_.closeRooms);
    if (auto s = q.bind(atMs).run(); !s) return s.error();
  }
  if (auto s = tx.commit(); !s) return s.error();
  return closed;
}

}  // namespace atrium::store
