// The API's worker pool: work on a pool thread, `done` handed to the poster (the loop in atriumd),
// a bounded queue that refuses at once.
#include "app/task_pool.h"

#include <gtest/gtest.h>

#include <future>
#include <thread>

namespace atrium::app {
namespace {

TEST(TaskPool, WorkRunsOffTheCallersThreadAndDoneIsPosted) {
  std::promise<std::function<void()>> posted;
  TaskPool pool(1, 4, [&](std::function<void()> done) { posted.set_value(std::move(done)); });
  std::thread::id workedOn;
  bool done = false;
  ASSERT_TRUE(pool.run([&] { workedOn = std::this_thread::get_id(); }, [&] { done = true; }));
  auto f = posted.get_future();
  ASSERT_EQ(f.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_FALSE(done) << "done runs where it is posted, not on the pool";
  f.get()();
  EXPECT_TRUE(done);
  EXPECT_NE(workedOn, std::this_thread::get_id());
}

TEST(TaskPool, AFullQueueRefusesAtOnce) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> started;
  TaskPool pool(1, 1, [](std::function<void()>) {});
  // The one thread is busy, the one queue place taken: the third task is refused.
  ASSERT_TRUE(pool.run([&] { started.set_value(); released.wait(); }, [] {}));
  started.get_future().wait();
  ASSERT_TRUE(pool.run([] {}, [] {}));
  EXPECT_FALSE(pool.run([] {}, [] {}));
  EXPECT_EQ(pool.stats().refused, 1u);
  release.set_value();
}

}  // namespace
}  // namespace atrium::app
