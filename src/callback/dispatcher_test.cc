#include "callback/dispatcher.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <nlohmann/json.hpp>

#include "callback/dispatcher_test_fakes.h"

namespace atrium::callback {
namespace {

using namespace std::chrono_literals;
using fakes::FakeApps;
using fakes::FakePoster;
using fakes::FakeQueue;
using fakes::kApp;
using fakes::waitFor;

constexpr const char* kUrl = "https://hooks.example.com/trtc?token=abc";
constexpr const char* kKey = "trtcCallbackKey123";

std::string header(const Headers& headers, const std::string& name) {
  for (const auto& [n, v] : headers) {
    if (n == name) return v;
  }
  return "<missing>";
}

RoomEventInput enterEvent() {
  RoomEventInput e;
  e.eventType = kEventEnterRoom;
  e.sdkAppId = kApp;
  e.numericRoom = 1234;
  e.userId = "alice";
  e.eventMs = base::SystemClock::instance().wallMs();
  e.role = kRoleAnchor;
  return e;
}

class DispatcherTest : public ::testing::Test {
 protected:
  DispatcherTest() {
    store::App app;
    app.sdkAppId = kApp;
    app.callbackUrl = kUrl;
    app.callbackKey = kKey;
    apps.put(app);
    // Short real-time intervals: the worker thread runs on the system clock.
    options.retry = RetryPolicy{.timeoutMs = 100, .retryIntervalMs = 20, .giveUpAfterMs = 300};
    options.pollIntervalMs = 20;
  }
  // Returned by value so the test's locals (the poster) outlive the dispatcher's worker.
  std::unique_ptr<CallbackDispatcher> make(FakePoster& p) {
    return std::make_unique<CallbackDispatcher>(apps, queue, p, base::SystemClock::instance(),
                                                options);
  }

  FakeApps apps;
  FakeQueue queue;
  DispatcherOptions options;
};

TEST_F(DispatcherTest, Answer200CompletesTheJobWithSignedHeaders) {
  FakePoster poster;
  auto d = make(poster);
  d->start();
  ASSERT_TRUE(d->publish(enterEvent()).ok());
  ASSERT_TRUE(waitFor([&] { return queue.completed().size() == 1; }));
  auto requests = poster.requests();
  ASSERT_EQ(requests.size(), 1u);
  const auto& r = requests[0];
  EXPECT_EQ(r.url, kUrl);
  EXPECT_EQ(r.timeoutMs, 100);
  EXPECT_EQ(r.headers.size(), 3u);
  EXPECT_EQ(header(r.headers, "Content-Type"), "application/json");
  EXPECT_EQ(header(r.headers, "SdkAppId"), "1400000001");
  EXPECT_EQ(header(r.headers, "Sign"), signBody(kKey, r.body));
  EXPECT_EQ(r.body.rfind(R"({"EventGroupId":1,"EventType":103,)", 0), 0u) << r.body;
  EXPECT_NE(r.body.find(R"("UserId":"alice","Role":20)"), std::string::npos) << r.body;
  EXPECT_EQ(d->stats().delivered, 1u);
  EXPECT_EQ(d->stats().failedAttempts, 0u);
  EXPECT_EQ(*d->pending(), 0u);
}

TEST_F(DispatcherTest, EventIsQueuedBeforeAnySend) {
  FakePoster poster;
  auto d = make(poster);  // worker not started: publish alone must leave a durable job
  ASSERT_TRUE(d->publish(enterEvent()).ok());
  auto jobs = queue.jobs();
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].sdkAppId, kApp);
  EXPECT_EQ(jobs[0].attempts, 0);
  EXPECT_EQ(jobs[0].body.rfind(R"({"EventGroupId":1,"EventType":103,"CallbackTs":)", 0), 0u);
  EXPECT_EQ(poster.count(), 0u);
}

TEST_F(DispatcherTest, AppsWithoutUrlOrInactiveProduceNothing) {
  FakePoster poster;
  auto d = make(poster);
  RoomEventInput other = enterEvent();
  other.sdkAppId = 1400000999;  // unknown app
  EXPECT_TRUE(d->publish(other).ok());
  apps.edit([](store::App& a) { a.status = store::AppStatus::kDisabled; });
  EXPECT_TRUE(d->publish(enterEvent()).ok());
  apps.edit([](store::App& a) { a.status = store::AppStatus::kActive; a.callbackUrl.clear(); });
  EXPECT_TRUE(d->publish(enterEvent()).ok());
  EXPECT_EQ(*d->pending(), 0u);
}

TEST_F(DispatcherTest, PublishReportsErrors) {
  FakePoster poster;
  auto d = make(poster);
  RoomEventInput bad = enterEvent();
  bad.eventType = 107;
  auto s = d->publish(bad);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, kErrUnknownEventType);
  apps.setFailing(true);
  EXPECT_EQ(d->publish(enterEvent()).error().code, "STORE_IO");
  apps.setFailing(false);
  queue.setFailing(true);
  EXPECT_EQ(d->publish(enterEvent()).error().code, "STORE_IO");
}

TEST_F(DispatcherTest, Answer500ThenDeliveredOnRetry) {
  FakePoster poster([](size_t n) { return PostResult{n == 0 ? 500 : 200, {}}; });
  auto d = make(poster);
  d->start();
  ASSERT_TRUE(d->publish(enterEvent()).ok());
  ASSERT_TRUE(waitFor([&] { return queue.completed().size() == 1; }));
  EXPECT_EQ(poster.count(), 2u);
  auto s = d->stats();
  EXPECT_EQ(s.delivered, 1u);
  EXPECT_EQ(s.failedAttempts, 1u);
  EXPECT_EQ(s.gaveUp, 0u);
  // Both attempts carried the very same signed body.
  auto r = poster.requests();
  EXPECT_EQ(r[0].body, r[1].body);
  EXPECT_EQ(header(r[0].headers, "Sign"), header(r[1].headers, "Sign"));
}

TEST_F(DispatcherTest, ARoomsEventsArriveInOrderWhateverTheirRetries) {
  // The receiver refuses the first delivery (the room's 103); the 104 and 102 queued behind it
  // must not overtake it, while another room's event is not held up.
  FakePoster poster([](size_t n) { return PostResult{n == 0 ? 500 : 200, {}}; });
  options.retry.retryIntervalMs = 100;
  auto d = make(poster);
  RoomEventInput exit = enterEvent();
  exit.eventType = kEventExitRoom;
  RoomEventInput dismissed = enterEvent();
  dismissed.eventType = kEventDismissRoom;
  RoomEventInput elsewhere = enterEvent();
  elsewhere.numericRoom = 5678;
  ASSERT_TRUE(d->publish(enterEvent()).ok());
  ASSERT_TRUE(d->publish(exit).ok());
  ASSERT_TRUE(d->publish(dismissed).ok());
  ASSERT_TRUE(d->publish(elsewhere).ok());
  d->start();
  ASSERT_TRUE(waitFor([&] { return queue.completed().size() == 4; }));
  std::vector<std::string> order;
  for (const auto& r : poster.requests()) {
    const auto body = nlohmann::json::parse(r.body);
    order.push_back(std::to_string(body["EventType"].get<int>()) + "@" + std::to_string(body["EventInfo"]["RoomId"].get<int>()));
  }
  // 103@1234 refused, then 103@5678 (not held up), then room 1234 in order once its 103 got through.
  EXPECT_EQ(order, (std::vector<std::string>{"103@1234", "103@5678", "103@1234", "104@1234", "102@1234"}));
}

TEST_F(DispatcherTest, AlwaysFailingIsGivenUpAfterTheWindow) {
  FakePoster poster([](size_t) { return PostResult{503, {}}; });
  auto d = make(poster);
  auto started = std::chrono::steady_clock::now();
  d->start();
  ASSERT_TRUE(d->publish(enterEvent()).ok());
  ASSERT_TRUE(waitFor([&] { return queue.failed().size() == 1; }));
  auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_GE(elapsed, 280ms);  // the window is 300 ms; the last retry starts within it
  auto failed = queue.failed();
  EXPECT_NE(failed[0].reason.find("gave up after"), std::string::npos) << failed[0].reason;
  EXPECT_NE(failed[0].reason.find("HTTP 503"), std::string::npos) << failed[0].reason;
  // 1 + immediate retry + one every 20 ms over 300 ms, give or take scheduling.
  EXPECT_GE(poster.count(), 5u);
  EXPECT_LE(poster.count(), 17u);
  auto s = d->stats();
  EXPECT_EQ(s.gaveUp, 1u);
  EXPECT_EQ(s.failedAttempts, poster.count());
  EXPECT_EQ(s.delivered, 0u);
  EXPECT_TRUE(queue.completed().empty());
}

TEST_F(DispatcherTest, ReceiverDownThenUpWithinTheWindowIsDelivered) {
  std::atomic<bool> up{false};
  FakePoster poster([&](size_t) { return up ? PostResult{200, {}} : PostResult{0, "Couldn't connect to server"}; });
  options.retry.giveUpAfterMs = 5000;
  auto d = make(poster);
  d->start();
  ASSERT_TRUE(d->publish(enterEvent()).ok());
  ASSERT_TRUE(waitFor([&] { return poster.count() >= 3; }));
  up = true;
  ASSERT_TRUE(waitFor([&] { return queue.completed().size() == 1; }));
  EXPECT_TRUE(queue.failed().empty());
  EXPECT_EQ(d->stats().delivered, 1u);
  EXPECT_GE(d->stats().failedAttempts, 3u);
}

TEST_F(DispatcherTest, RemovedUrlOrDeletedAppFailsTheJobWithoutSending) {
  FakePoster poster;
  auto d = make(poster);
  ASSERT_TRUE(d->publish(enterEvent()).ok());
  ASSERT_TRUE(d->publish(enterEvent()).ok());
  apps.edit([](store::App& a) { a.callbackUrl.clear(); });
  d->start();
  ASSERT_TRUE(waitFor([&] { return queue.failed().size() == 2; }));
  EXPECT_EQ(queue.failed()[0].reason, "callback URL removed");
  EXPECT_EQ(poster.count(), 0u);
  EXPECT_EQ(d->stats().discarded, 2u);
  d->stop();

  apps.edit([](store::App& a) { a.callbackUrl = kUrl; a.status = store::AppStatus::kDeleted; });
  ASSERT_TRUE(d->publish(enterEvent()).ok() && queue.jobs().empty());  // deleted: nothing queued
  queue.insert({50, kApp, "{}", 0, 0, 0});
  queue.insert({51, 1400000777, "{}", 0, 0, 0});  // an app that no longer exists at all
  d->start();
  ASSERT_TRUE(waitFor([&] { return queue.failed().size() == 4; }));
  EXPECT_EQ(queue.failed()[2].reason, "app deleted");
  EXPECT_EQ(queue.failed()[3].reason, "app deleted");
  EXPECT_EQ(poster.count(), 0u);
}

TEST_F(DispatcherTest, SendsWithTheAppsCurrentUrlAndKey) {
  FakePoster poster;
  auto d = make(poster);
  ASSERT_TRUE(d->publish(enterEvent()).ok());
  apps.edit([](store::App& a) { a.callbackUrl = "http://new.example.com/cb"; a.callbackKey = "rotated"; });
  d->start();
  ASSERT_TRUE(waitFor([&] { return queue.completed().size() == 1; }));
  auto r = poster.requests().at(0);
  EXPECT_EQ(r.url, "http://new.example.com/cb");
  EXPECT_EQ(header(r.headers, "Sign"), signBody("rotated", r.body));
}

TEST_F(DispatcherTest, JobsLeftByAPreviousProcessAreSentAtStart) {
  const int64_t now = base::SystemClock::instance().wallMs();
  // One fresh, one mid-retry, one written long ago whose window has passed: all get sent.
  queue.insert({7, kApp, R"({"EventType":101})", now - 1000, now - 500, 0});
  queue.insert({8, kApp, R"({"EventType":103})", now - 20000, now - 10, 3});
  queue.insert({9, kApp, R"({"EventType":104})", now - 3600000, now - 3500000, 1});
  FakePoster poster;
  options.pollIntervalMs = 10000;  // the first pass at start must find them, not a poll
  auto d = make(poster);
  d->start();
  ASSERT_TRUE(waitFor([&] { return queue.completed().size() == 3; }));
  EXPECT_EQ(queue.completed(), (std::vector<int64_t>{7, 8, 9}));
  EXPECT_EQ(poster.requests()[1].body, R"({"EventType":103})");
}

TEST_F(DispatcherTest, RestartKeepsUndeliveredJobs) {
  std::atomic<bool> up{false};
  FakePoster down([&](size_t) { return up ? PostResult{200, {}} : PostResult{0, "Timeout was reached"}; });
  options.retry.giveUpAfterMs = 60000;
  options.retry.retryIntervalMs = 50;
  {
    CallbackDispatcher first(apps, queue, down, base::SystemClock::instance(), options);
    first.start();
    ASSERT_TRUE(first.publish(enterEvent()).ok());
    ASSERT_TRUE(waitFor([&] {
      auto jobs = queue.jobs();
      return jobs.size() == 1 && jobs[0].attempts >= 2;
    }));
  }  // destroyed: the process "exits"
  ASSERT_EQ(queue.jobs().size(), 1u);
  up = true;
  FakePoster poster;
  auto second = make(poster);
  second->start();
  ASSERT_TRUE(waitFor([&] { return queue.completed().size() == 1; }));
  EXPECT_EQ(poster.count(), 1u);
}

TEST_F(DispatcherTest, WakeBeatsThePollAndJobsFromElsewhereArePolled) {
  FakePoster poster;
  options.pollIntervalMs = 30000;
  auto d = make(poster);
  d->start();
  std::this_thread::sleep_for(20ms);  // let the worker go to sleep on its long poll
  ASSERT_TRUE(d->publish(enterEvent()).ok());
  ASSERT_TRUE(waitFor([&] { return queue.completed().size() == 1; }, 2s));
  d->stop();

  options.pollIntervalMs = 20;
  FakePoster poster2;
  auto polled = make(poster2);
  polled->start();
  std::this_thread::sleep_for(20ms);
  // Written by another process (e.g. the CLI): no wake() reaches this dispatcher.
  auto id = queue.enqueueCallback(kApp, "{}", base::SystemClock::instance().wallMs());
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(waitFor([&] { return queue.completed().size() == 2; }, 2s));
}

TEST_F(DispatcherTest, DrainsMoreJobsThanOneBatch) {
  FakePoster poster;
  options.batchSize = 3;
  options.pollIntervalMs = 30000;
  auto d = make(poster);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(d->publish(enterEvent()).ok());
  d->start();
  ASSERT_TRUE(waitFor([&] { return queue.completed().size() == 10; }, 2s));
}

TEST_F(DispatcherTest, StoreErrorsDoNotLoseOrSpin) {
  FakePoster poster;
  auto d = make(poster);
  ASSERT_TRUE(d->publish(enterEvent()).ok());
  apps.setFailing(true);
  d->start();
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(poster.count(), 0u);
  EXPECT_EQ(queue.jobs().size(), 1u);
  apps.setFailing(false);
  ASSERT_TRUE(waitFor([&] { return queue.completed().size() == 1; }));
}

TEST_F(DispatcherTest, StopIsBoundedWhileAPostHangs) {
  std::mutex m;
  std::condition_variable cv;
  bool released = false;
  std::atomic<bool> posting{false};
  struct Hanging : FakePoster {
    using FakePoster::FakePoster;
    std::function<void()> onInterrupt;
    void interrupt() override { onInterrupt(); }
  } poster([&](size_t) {
    posting = true;
    std::unique_lock lock(m);
    // Hangs like a receiver that never answers, until interrupted (bounded for safety).
    cv.wait_for(lock, 10s, [&] { return released; });
    return PostResult{0, "interrupted"};
  });
  poster.onInterrupt = [&] {
    std::lock_guard lock(m);
    released = true;
    cv.notify_all();
  };
  auto d = make(poster);
  d->start();
  ASSERT_TRUE(d->publish(enterEvent()).ok());
  ASSERT_TRUE(waitFor([&] { return posting.load(); }));
  auto before = std::chrono::steady_clock::now();
  d->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - before, 1s);
  // Cut short by shutdown, not by the receiver: no attempt is counted, the job stays due.
  auto jobs = queue.jobs();
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].attempts, 0);
  EXPECT_EQ(d->stats().failedAttempts, 0u);
}

}  // namespace
}  // namespace atrium::callback
