#include "store/write_health.h"

#include <gtest/gtest.h>

namespace atrium::store {
namespace {

TEST(WriteHealth, AFailedWriteFailsTheNodeUntilAWriteOfItsKindSucceeds) {
  base::ManualClock clock;
  WriteHealth h(clock);
  EXPECT_FALSE(h.failing());
  h.record(StoreWrite::kEntry, true);
  EXPECT_FALSE(h.failing());
  h.record(StoreWrite::kCallback, false);
  clock.advanceMs(1000);
  h.record(StoreWrite::kCallback, false);
  EXPECT_TRUE(h.failing());
  EXPECT_EQ(h.failures(StoreWrite::kCallback), 2u);
  EXPECT_EQ(h.failures(StoreWrite::kEntry), 0u);
  h.record(StoreWrite::kEntry, true);  // another kind's success does not vouch for callbacks
  EXPECT_TRUE(h.failing());
  h.record(StoreWrite::kCallback, true);
  EXPECT_FALSE(h.failing());
  EXPECT_EQ(h.failures(StoreWrite::kCallback), 2u);  // counted for good
}

TEST(WriteHealth, ARareKindStopsFailingTheNodeAMinuteAfterItsLastFailure) {
  base::ManualClock clock;
  WriteHealth h(clock);
  h.record(StoreWrite::kAudit, false);
  clock.advanceMs(WriteHealth::kFailingForMs - 1);
  EXPECT_TRUE(h.failing());
  clock.advanceMs(1);
  EXPECT_FALSE(h.failing());
  h.record(StoreWrite::kAudit, false);  // failing again
  EXPECT_TRUE(h.failing());
}

TEST(WriteHealth, NamesEveryKind) {
  for (size_t i = 0; i < WriteHealth::kKinds; ++i) EXPECT_NE(storeWriteName(static_cast<StoreWrite>(i)), nullptr);
  EXPECT_STREQ(storeWriteName(StoreWrite::kRoomEvent), "room_event");
}

}  // namespace
}  // namespace atrium::store
