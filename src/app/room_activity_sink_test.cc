// Room activity → the batching writer (issue 10): what one activity writes is queued together and
// in order, CommIds stay unique for rooms re-created within a second, and an entry of an app with
// callbacks is refused while the writer could not keep its callback jobs.
#include "app/room_activity_sink.h"

#include <gtest/gtest.h>

namespace atrium::app {
namespace {

struct CapturingLog : store::ControlWriteLog {
  bool failing = false;
  std::vector<store::ControlWrite> written;
  base::Result<store::ControlBatchReport> writeControlBatch(std::span<const store::ControlWrite> writes) override {
    if (failing) return base::makeError(store::kErrIo, "down");
    written.insert(written.end(), writes.begin(), writes.end());
    return store::ControlBatchReport{writes.size(), 0, {}, std::nullopt};
  }
};

class RoomActivitySinkTest : public ::testing::Test {
 protected:
  signal::RoomActivity activity(signal::RoomActivity::Kind kind, const std::string& user = "alice") {
    return signal::RoomActivity{kind, clock.wallMs(), room, user, room::Role::kAnchor, room::ExitReason::kNormal, "", ""};
  }
  base::ManualClock clock{1'700'000'000'500};
  store::WriteHealth health{clock};
  CapturingLog log;
  ControlWriter writer{log, health, clock, ControlWriterOptions{20, 100, 1000}};
  RoomActivitySink sink{writer, clock};
  base::RoomKey room{1400000001, base::RoomId{7, {}}};
};

TEST_F(RoomActivitySinkTest, AnEntryQueuesItsRowsAndCallbacksInOrder) {
  using Kind = signal::RoomActivity::Kind;
  sink.onRoomActivity(activity(Kind::kRoomCreated));
  sink.onRoomActivity(activity(Kind::kUserEntered));
  EXPECT_TRUE(log.written.empty()) << "nothing is written on the caller's thread";
  ASSERT_TRUE(writer.flushOnce());
  ASSERT_EQ(log.written.size(), 5u);
  const auto& created = std::get<store::RoomRecord>(log.written[0]);
  EXPECT_EQ(created.commId, "1400000001_7_1700000000");
  EXPECT_EQ(sink.commIdOf(room), created.commId);
  EXPECT_NE(std::get<store::CallbackEnqueue>(log.written[1]).body.find("\"EventType\":101"), std::string::npos);
  EXPECT_EQ(std::get<store::UserSessionRecord>(log.written[2]).userId, "alice");
  EXPECT_EQ(std::get<store::UserEventRecord>(log.written[3]).eventId, store::kUserEventEnterRoom);
  const auto& enter = std::get<store::CallbackEnqueue>(log.written[4]);
  EXPECT_NE(enter.body.find("\"EventType\":103"), std::string::npos);
  EXPECT_EQ(enter.orderKey, "1400000001/n:7");
}

TEST_F(RoomActivitySinkTest, ARoomRecreatedWithinASecondGetsTheNextCommId) {
  using Kind = signal::RoomActivity::Kind;
  sink.onRoomActivity(activity(Kind::kRoomCreated));
  sink.onRoomActivity(activity(Kind::kRoomDestroyed));
  sink.onRoomActivity(activity(Kind::kRoomCreated));
  ASSERT_TRUE(writer.flushOnce());
  std::vector<std::string> created;
  for (const auto& w : log.written)
    if (auto* r = std::get_if<store::RoomRecord>(&w)) created.push_back(r->commId + "@" + std::to_string(r->createdAtMs));
  EXPECT_EQ(created, (std::vector<std::string>{"1400000001_7_1700000000@1700000000500", "1400000001_7_1700000001@1700000001000"}));
}

TEST_F(RoomActivitySinkTest, EntriesOfAppsWithCallbacksWaitForAWorkingStore) {
  signal::AppInfo withCallbacks{1400000001, "k", true, false, 300, 100000, 50, 0, true};
  signal::AppInfo without = withCallbacks;
  without.callbacks = false;
  EXPECT_TRUE(sink.acceptsActivity(withCallbacks));
  sink.onRoomActivity(activity(signal::RoomActivity::Kind::kRoomCreated));
  log.failing = true;
  EXPECT_FALSE(writer.flushOnce());
  EXPECT_FALSE(sink.acceptsActivity(withCallbacks)) << "its callbacks could be lost";
  EXPECT_TRUE(sink.acceptsActivity(without));
  log.failing = false;
  EXPECT_TRUE(writer.flushOnce());
  EXPECT_TRUE(sink.acceptsActivity(withCallbacks));
}

}  // namespace
}  // namespace atrium::app
