// The batching writer (issue 10): order, one batch per flush, a backlog kept while the store fails
// and flushed when it returns, a bound that drops and counts, and the health it reports. The tests
// drive flushOnce() themselves; the clock is a ManualClock.
#include "app/control_writer.h"

#include <gtest/gtest.h>

#include <future>

namespace atrium::app {
namespace {

struct FakeLog : store::ControlWriteLog {
  bool failing = false;
  std::vector<std::vector<store::ControlWrite>> batches;  // committed
  std::vector<size_t> failIndexes;                        // a partial failure (RoutedStore)
  std::promise<void>* onWrite = nullptr;
  std::function<void()> inside;  // runs while the batch is "being written"
  base::Result<store::ControlBatchReport> writeControlBatch(std::span<const store::ControlWrite> writes) override {
    if (inside) inside();
    if (failing) return base::makeError(store::kErrIo, "disk full");
    store::ControlBatchReport r;
    std::vector<store::ControlWrite> kept;
    for (size_t i = 0; i < writes.size(); ++i) {
      if (std::find(failIndexes.begin(), failIndexes.end(), i) != failIndexes.end()) continue;
      kept.push_back(writes[i]);
    }
    r.failed = failIndexes;
    if (!failIndexes.empty()) r.error = base::makeError(store::kErrIo, "region down");
    failIndexes.clear();
    r.written = kept.size();
    batches.push_back(std::move(kept));
    if (onWrite) {
      onWrite->set_value();
      onWrite = nullptr;
    }
    return r;
  }
};

store::EntryEvent entry(int64_t t) { return store::EntryEvent{t, 1400000001, "7", "x", "y", true, "none", ""}; }
int64_t timeOf(const store::ControlWrite& w) { return std::get<store::EntryEvent>(w).timeMs; }

class ControlWriterTest : public ::testing::Test {
 protected:
  ControlWriterOptions options(size_t backlog = 10) {
    ControlWriterOptions o;
    o.maxBacklogRows = backlog;
    o.maxBatchRows = 100;
    o.retryIntervalMs = 1000;
    return o;
  }
  base::ManualClock clock;
  store::WriteHealth health{clock};
  FakeLog log;
};

TEST_F(ControlWriterTest, RowsGoOutInOrderInOneBatch) {
  ControlWriter w(log, health, clock, options());
  int woken = 0;
  w.setOnCallbacksWritten([&] { ++woken; });
  ASSERT_TRUE(w.enqueue(entry(1)));
  ASSERT_TRUE(w.enqueue({entry(2), store::CallbackEnqueue{1400000001, "{}", 2, "k"}}));
  EXPECT_EQ(w.stats().backlog, 3u);
  // While the batch is being written (a lock held elsewhere), its rows still count as backlog.
  size_t backlogDuringWrite = 0;
  log.inside = [&] { backlogDuringWrite = w.stats().backlog; };
  EXPECT_TRUE(w.flushOnce());
  EXPECT_EQ(backlogDuringWrite, 3u);
  ASSERT_EQ(log.batches.size(), 1u);
  ASSERT_EQ(log.batches[0].size(), 3u);
  EXPECT_EQ(timeOf(log.batches[0][0]), 1);
  EXPECT_EQ(timeOf(log.batches[0][1]), 2);
  EXPECT_EQ(woken, 1) << "the dispatcher is woken once the callback job is stored";
  auto st = w.stats();
  EXPECT_EQ(st.written, 3u);
  EXPECT_EQ(st.backlog, 0u);
  EXPECT_FALSE(st.failing);
}

TEST_F(ControlWriterTest, AFailingStoreKeepsTheBacklogUntilItReturns) {
  ControlWriter w(log, health, clock, options());
  int woken = 0;
  w.setOnCallbacksWritten([&] { ++woken; });
  w.enqueue(entry(1));
  w.enqueue(store::CallbackEnqueue{1400000001, "{}", 1, "k"});
  log.failing = true;
  EXPECT_FALSE(w.flushOnce());
  EXPECT_TRUE(log.batches.empty());
  auto st = w.stats();
  EXPECT_TRUE(st.failing);
  EXPECT_EQ(st.backlog, 2u);
  EXPECT_EQ(st.failedBatches, 1u);
  // Every kind in the failed batch is reported: /readyz is red.
  EXPECT_TRUE(health.failing());
  EXPECT_EQ(health.failures(store::StoreWrite::kEntry), 1u);
  EXPECT_EQ(health.failures(store::StoreWrite::kCallback), 1u);
  EXPECT_EQ(health.failures(store::StoreWrite::kAudit), 0u);
  // Writes that must not be lost are not taken while it fails.
  EXPECT_FALSE(w.accepting(1));
  // More arrives meanwhile; a retry fails again.
  w.enqueue(entry(3));
  EXPECT_FALSE(w.flushOnce());
  EXPECT_EQ(health.failures(store::StoreWrite::kEntry), 2u);
  EXPECT_EQ(woken, 0);

  // Storage is back: everything goes, oldest first, and the node is ready again.
  log.failing = false;
  clock.advanceMs(1000);
  EXPECT_TRUE(w.flushOnce());
  ASSERT_EQ(log.batches.size(), 1u);
  ASSERT_EQ(log.batches[0].size(), 3u);
  EXPECT_EQ(timeOf(log.batches[0][0]), 1);
  EXPECT_TRUE(std::holds_alternative<store::CallbackEnqueue>(log.batches[0][1]));
  EXPECT_EQ(timeOf(log.batches[0][2]), 3);
  EXPECT_EQ(woken, 1);
  EXPECT_FALSE(health.failing());
  EXPECT_TRUE(w.accepting(1));
  EXPECT_EQ(w.stats().backlog, 0u);
}

TEST_F(ControlWriterTest, AFullBacklogDropsAndCountsAllOrNothing) {
  ControlWriter w(log, health, clock, options(/*backlog=*/3));
  EXPECT_TRUE(w.enqueue({entry(1), entry(2)}));
  EXPECT_TRUE(w.accepting(1));
  EXPECT_FALSE(w.accepting(2));
  // Two do not fit next to the two queued: neither is queued (one activity is never half kept).
  EXPECT_FALSE(w.enqueue({entry(3), entry(4)}));
  EXPECT_TRUE(w.enqueue(entry(5)));
  auto st = w.stats();
  EXPECT_EQ(st.dropped, 2u);
  EXPECT_EQ(st.backlog, 3u);
  EXPECT_TRUE(w.flushOnce());
  ASSERT_EQ(log.batches[0].size(), 3u);
  EXPECT_EQ(timeOf(log.batches[0][2]), 5);
}

TEST_F(ControlWriterTest, APartialFailureKeepsOnlyTheFailedWritesInOrder) {
  ControlWriter w(log, health, clock, options());
  w.enqueue({entry(1), entry(2), entry(3), entry(4)});
  log.failIndexes = {1, 3};  // one region's database failed
  EXPECT_FALSE(w.flushOnce());
  ASSERT_EQ(log.batches.size(), 1u);
  EXPECT_EQ(log.batches[0].size(), 2u);
  w.enqueue(entry(5));
  EXPECT_TRUE(w.flushOnce());
  ASSERT_EQ(log.batches.size(), 2u);
  ASSERT_EQ(log.batches[1].size(), 3u);
  EXPECT_EQ(timeOf(log.batches[1][0]), 2);
  EXPECT_EQ(timeOf(log.batches[1][1]), 4);
  EXPECT_EQ(timeOf(log.batches[1][2]), 5);
  EXPECT_EQ(w.stats().written, 5u);
}

TEST_F(ControlWriterTest, StopWritesWhatIsQueuedOrCountsItLost) {
  {
    ControlWriter w(log, health, clock, options());
    w.enqueue(entry(1));
    w.stop();
    ASSERT_EQ(log.batches.size(), 1u);
    EXPECT_EQ(w.stats().dropped, 0u);
  }
  ControlWriter w(log, health, clock, options());
  w.enqueue({entry(2), entry(3)});
  log.failing = true;
  w.stop();
  EXPECT_EQ(w.stats().dropped, 2u);
  EXPECT_EQ(w.stats().backlog, 0u);
}

TEST_F(ControlWriterTest, TheThreadWritesWhatIsQueued) {
  ControlWriter w(log, health, clock, options());
  std::promise<void> written;
  log.onWrite = &written;
  w.start();
  w.enqueue(entry(1));
  ASSERT_EQ(written.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
  w.stop();
  ASSERT_EQ(log.batches.size(), 1u);
  EXPECT_EQ(timeOf(log.batches[0][0]), 1);
}

}  // namespace
}  // namespace atrium::app
