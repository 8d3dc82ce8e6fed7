// Durable callback queue (R9): written before sending, removed only after HTTP 200.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "store/store_test_util.h"

namespace atrium::store {
namespace {

using namespace atrium::store::testing;

constexpr uint32_t kApp = 1400000301, kOtherApp = 1400000302;

class CallbackQueueTest : public StoreFixture {
 protected:
  int64_t enqueue(std::string body, int64_t now, uint32_t app = kApp) {
    auto id = store_->enqueueCallback(app, std::move(body), now);
    EXPECT_TRUE(id.ok()) << id.error().message;
    return id.ok() ? *id : 0;
  }

  std::vector<std::string> dueBodies(int64_t now, size_t limit = 100) {
    auto jobs = store_->dueCallbacks(now, limit);
    EXPECT_TRUE(jobs.ok()) << jobs.error().message;
    std::vector<std::string> bodies;
    if (jobs.ok())
      for (const auto& j : *jobs) bodies.push_back(j.body);
    return bodies;
  }

  size_t pending() {
    auto n = store_->pendingCallbacks();
    EXPECT_TRUE(n.ok());
    return n.ok() ? *n : SIZE_MAX;
  }

  size_t failed(std::optional<uint32_t> app = std::nullopt) {
    auto n = store_->failedCallbacks(app);
    EXPECT_TRUE(n.ok());
    return n.ok() ? *n : SIZE_MAX;
  }
};

// The exact bytes that get signed: tabs, newlines and non-ASCII must come back unchanged.
const std::string kBody =
    "{\n\t\"EventGroupId\":\t1,\n\t\"EventType\":\t103,\n\t\"CallbackTs\":\t1615554923704,\n\t\"EventInfo\":\t{\n"
    "\t\t\"RoomId\":\t12345,\n\t\t\"UserId\":\t\"\xE7\x94\xA8\xE6\x88\xB7\",\n\t\t\"Role\":\t20\n\t}\n}";

TEST_P(CallbackQueueTest, EnqueuedJobIsDueAtOnceWithItsFields) {
  const int64_t id = enqueue(kBody, 1'000);
  EXPECT_GT(id, 0);
  auto jobs = store_->dueCallbacks(1'000, 10);
  ASSERT_TRUE(jobs.ok());
  ASSERT_EQ(jobs->size(), 1u);
  EXPECT_EQ((*jobs)[0], (CallbackJob{id, kApp, kBody, 1'000, 1'000, 0}));
  EXPECT_TRUE(dueBodies(999).empty());
  EXPECT_EQ(pending(), 1u);

  auto empty = store_->enqueueCallback(kApp, "", 1);
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code, "INVALID_ARGUMENT");
}

TEST_P(CallbackQueueTest, DueJobsComeOldestFirstUpToTheLimit) {
  enqueue("a", 100);
  enqueue("b", 50);  // enqueued later, with an earlier clock reading (another thread): still after "a"
  enqueue("c", 200);
  enqueue("d", 300, kOtherApp);
  EXPECT_EQ(dueBodies(250), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(dueBodies(1'000, 2), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(dueBodies(1'000), (std::vector<std::string>{"a", "b", "c", "d"}));
}

TEST_P(CallbackQueueTest, RescheduledJobWaitsUntilItsNextAttempt) {
  const int64_t a = enqueue("a", 100);
  enqueue("b", 100);
  ASSERT_TRUE(store_->rescheduleCallback(a, 1, 10'100).ok());
  EXPECT_EQ(dueBodies(10'099), std::vector<std::string>{"b"});
  auto jobs = store_->dueCallbacks(10'100, 10);
  ASSERT_TRUE(jobs.ok());
  ASSERT_EQ(jobs->size(), 2u);
  EXPECT_EQ((*jobs)[0], (CallbackJob{a, kApp, "a", 100, 10'100, 1}));
  EXPECT_EQ(store_->rescheduleCallback(999'999, 1, 0).error().code, "RECORD_NOT_FOUND");
}

TEST_P(CallbackQueueTest, AnOrderKeysJobsGoOneAfterAnother) {
  // Room r: 103 then 104 then 102. The 103 is being retried: nothing later of r may overtake it;
  // room s and unordered jobs are not held up.
  auto put = [&](std::string body, std::string key) {
    auto id = store_->enqueueCallback(kApp, std::move(body), 100, std::move(key));
    EXPECT_TRUE(id.ok()) << id.error().message;
    return id.ok() ? *id : 0;
  };
  const int64_t enter = put("r103", "1400000301/n:7");
  const int64_t exit = put("r104", "1400000301/n:7");
  put("s103", "1400000301/s:seven");
  put("free", "");
  put("r102", "1400000301/n:7");
  EXPECT_EQ(dueBodies(100), (std::vector<std::string>{"r103", "s103", "free"}));
  ASSERT_TRUE(store_->rescheduleCallback(enter, 1, 10'100).ok());
  EXPECT_EQ(dueBodies(5'000), (std::vector<std::string>{"s103", "free"}));  // r104 waits for r103
  EXPECT_EQ(dueBodies(10'100), (std::vector<std::string>{"r103", "s103", "free"}));
  ASSERT_TRUE(store_->completeCallback(enter).ok());
  EXPECT_EQ(dueBodies(10'100), (std::vector<std::string>{"r104", "s103", "free"}));
  ASSERT_TRUE(store_->failCallback(exit, "gave up", 10'200).ok());  // given up: the next one goes
  EXPECT_EQ(dueBodies(10'200), (std::vector<std::string>{"s103", "free", "r102"}));
}

TEST_P(CallbackQueueTest, CompleteRemovesTheJobOnce) {
  const int64_t a = enqueue("a", 100);
  const int64_t b = enqueue("b", 100);
  ASSERT_TRUE(store_->completeCallback(a).ok());
  EXPECT_EQ(dueBodies(100), std::vector<std::string>{"b"});
  EXPECT_EQ(store_->completeCallback(a).error().code, "RECORD_NOT_FOUND");
  ASSERT_TRUE(store_->completeCallback(b).ok());
  EXPECT_EQ(pending(), 0u);
  EXPECT_EQ(failed(), 0u);
}

TEST_P(CallbackQueueTest, FailMovesTheJobToFailures) {
  const int64_t a = enqueue("a", 100);
  enqueue("b", 100);
  const int64_t c = enqueue("c", 100, kOtherApp);
  ASSERT_TRUE(store_->rescheduleCallback(a, 7, 60'000).ok());
  ASSERT_TRUE(store_->failCallback(a, "HTTP 500 after 7 attempts", 61'000).ok());
  ASSERT_TRUE(store_->failCallback(c, std::string(5000, 'x'), 61'000).ok());
  EXPECT_EQ(dueBodies(1'000'000), std::vector<std::string>{"b"});
  EXPECT_EQ(pending(), 1u);
  EXPECT_EQ(failed(), 2u);
  EXPECT_EQ(failed(kApp), 1u);
  EXPECT_EQ(failed(kOtherApp), 1u);
  EXPECT_EQ(failed(1400999999), 0u);
  EXPECT_EQ(store_->failCallback(a, "again", 62'000).error().code, "RECORD_NOT_FOUND");
  EXPECT_EQ(failed(), 2u);
  // Kept for inspection with what was known about it.
  EXPECT_EQ(rawCount("SELECT COUNT(*) FROM callback_failures WHERE queue_id = " + std::to_string(a) +
                                " AND body = 'a' AND attempts = 7 AND failed_at_ms = 61000 AND created_at_ms = 100 "
                                "AND reason = 'HTTP 500 after 7 attempts'"),
            1);
  EXPECT_EQ(rawCount("SELECT MAX(LENGTH(reason)) FROM callback_failures"), 1024);
}

TEST_P(CallbackQueueTest, GivenUpCallbacksAreListedAndResentOnce) {
  const int64_t a = enqueue("a", 100);
  const int64_t b = enqueue("b", 200, kOtherApp);
  ASSERT_TRUE(store_->rescheduleCallback(a, 8, 60'000).ok());
  ASSERT_TRUE(store_->failCallback(a, "HTTP 500", 61'000).ok());
  ASSERT_TRUE(store_->failCallback(b, "timeout", 62'000).ok());
  auto all = store_->listFailedCallbacks(std::nullopt, 10);
  ASSERT_TRUE(all.ok()) << all.error().message;
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].body, "b") << "most recently given up first";
  EXPECT_EQ((*all)[1], (FailedCallback{(*all)[1].id, kApp, "a", 100, 8, 61'000, "HTTP 500"}));
  EXPECT_EQ(store_->listFailedCallbacks(kApp, 10)->size(), 1u);
  EXPECT_EQ(store_->listFailedCallbacks(std::nullopt, 1)->size(), 1u);

  auto job = store_->resendFailedCallback((*all)[1].id, 90'000);
  ASSERT_TRUE(job.ok()) << job.error().message;
  EXPECT_EQ(failed(), 1u);
  auto due = store_->dueCallbacks(90'000, 10);
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0], (CallbackJob{*job, kApp, "a", 90'000, 90'000, 0})) << "due at once, attempts from zero";
  EXPECT_EQ(store_->resendFailedCallback((*all)[1].id, 91'000).error().code, "RECORD_NOT_FOUND") << "resent once";
  EXPECT_EQ(pending(), 1u);
}

// SQLite hands the id of a deleted newest row out again: order and failures must not mind.
TEST_P(CallbackQueueTest, ReusedIdsKeepEnqueueOrderAndFailTwice) {
  enqueue("a", 100);
  const int64_t b = enqueue("b", 100);
  ASSERT_TRUE(store_->failCallback(b, "gave up", 200).ok());
  const int64_t c = enqueue("c", 300);
  EXPECT_EQ(dueBodies(1'000), (std::vector<std::string>{"a", "c"}));
  ASSERT_TRUE(store_->failCallback(c, "gave up", 400).ok());  // c may carry b's old id
  EXPECT_EQ(failed(), 2u);
}

// PostgreSQL dropped the store's connection (a restart of the server, a failover, a network
// cut): the calls meanwhile fail with an error, and the store connects again by itself.
TEST_P(CallbackQueueTest, AStoreReconnectsAfterPostgresDroppedItsConnection) {
  if (!postgres()) GTEST_SKIP() << "PostgreSQL only";
  enqueue("before", 100);
  ASSERT_TRUE(admin_->exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
                           "AND pid <> pg_backend_pid()").ok());
  base::Result<int64_t> after = base::makeError("none", "not tried");
  for (int i = 0; i < 3 && !after.ok(); ++i) after = store_->enqueueCallback(kApp, "after", 200);
  ASSERT_TRUE(after.ok()) << after.error().message;
  EXPECT_EQ(pending(), 2u);
}

TEST_P(CallbackQueueTest, JobsSurviveARestart) {
  const int64_t first = enqueue(kBody, 1'000);
  const int64_t second = enqueue("{\"EventType\":104}", 1'001);
  ASSERT_TRUE(store_->rescheduleCallback(second, 2, 20'000).ok());
  const int64_t done = enqueue("delivered", 1'002);
  ASSERT_TRUE(store_->completeCallback(done).ok());

  reopen();  // the process died after writing, before (or while) sending
  auto jobs = store_->dueCallbacks(5'000, 10);
  ASSERT_TRUE(jobs.ok());
  ASSERT_EQ(jobs->size(), 1u);
  EXPECT_EQ((*jobs)[0], (CallbackJob{first, kApp, kBody, 1'000, 1'000, 0}));
  auto later = store_->dueCallbacks(20'000, 10);
  ASSERT_TRUE(later.ok());
  ASSERT_EQ(later->size(), 2u);
  EXPECT_EQ((*later)[1], (CallbackJob{second, kApp, "{\"EventType\":104}", 1'001, 20'000, 2}));
  EXPECT_EQ(pending(), 2u);

  // New ids stay above the survivors, so order holds across the restart.
  enqueue("after restart", 30'000);
  EXPECT_EQ(dueBodies(30'000).back(), "after restart");
}

ATRIUM_STORE_ENGINES(CallbackQueueTest);

// A full disk never makes a callback vanish behind a success (issue 10: SQLite hands out the
// RETURNING row before the commit, where a full disk shows). A 1 MB tmpfs fills while callbacks
// are queued: every enqueue that succeeded is a row, every other one is an error. Mounting needs
// root (CI runs as root); elsewhere the test is skipped.
TEST(CallbackQueueOnAFullDisk, EverySuccessIsARowAndEveryLossAnError) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to mount a small tmpfs";
  const fs::path dir = fs::temp_directory_path() / ("atrium-full-" + crypto::randomHex(4));
  fs::create_directories(dir);
  if (::mount("tmpfs", dir.c_str(), "tmpfs", 0, "size=1m") != 0) {
    fs::remove(dir);
    GTEST_SKIP() << "cannot mount a tmpfs here: " << std::strerror(errno);
  }
  struct Unmount {
    fs::path dir;
    ~Unmount() {
      ::umount(dir.c_str());
      fs::remove(dir);
    }
  } unmount{dir};
  base::ManualClock clock;
  auto store = openSqliteStore((dir / "atrium.db").string(), keyOf(0x42), clock);
  ASSERT_TRUE(store.ok()) << store.error().message;
  size_t queued = 0, refused = 0;
  const std::string body(8000, 'x');
  for (int i = 0; i < 400 && refused < 10; ++i) {
    auto id = (*store)->enqueueCallback(kApp, body + std::to_string(i), i);
    if (id.ok()) {
      ++queued;
    } else {
      ++refused;
      EXPECT_EQ(id.error().code, kErrIo) << id.error().message;
    }
  }
  auto pending = (*store)->pendingCallbacks();
  ASSERT_TRUE(pending.ok()) << pending.error().message;
  EXPECT_EQ(*pending, queued) << "callbacks reported as queued that are not rows";
  EXPECT_GT(refused, 0u) << queued << " callbacks of 8 KB reported as queued on a 1 MB disk";
  EXPECT_GT(queued, 0u);
}

}  // namespace
}  // namespace atrium::store
