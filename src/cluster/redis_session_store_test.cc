#include "cluster/redis_session_store.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

#include "cluster/redis_test_server.h"
#include "cluster/shared_session_codec.h"

namespace atrium::cluster {
namespace {

signal::SharedSession sample(char id = 'a') {
  signal::SharedSession s;
  s.publicId = std::string(32, id);
  s.resumeTokenHash = std::string(64, 'b');
  s.room = {1400000001, base::RoomId{77, ""}};
  s.userId = "bob";
  s.privileges = 0xff;
  return s;
}

class RedisSessionStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ATRIUM_REQUIRE_REDIS();
    ASSERT_TRUE(server.start());
  }
  std::unique_ptr<RedisSessionStore> makeStore() {
    // Answers run on the store's thread here; atriumd posts them to its control loop.
    auto s = std::make_unique<RedisSessionStore>(RedisSessionStoreOptions{server.endpoint(), 60000, 100},
                                                 [](std::function<void()> f) { f(); });
    s->start();
    return s;
  }
  static std::optional<signal::SharedSession> find(RedisSessionStore& store, const std::string& id) {
    std::promise<std::optional<signal::SharedSession>> p;
    store.find(id, [&p](std::optional<signal::SharedSession> s) { p.set_value(std::move(s)); });
    return p.get_future().get();
  }
  RedisReply raw(const RedisCommand& cmd) {
    RedisClient c(server.endpoint());
    auto r = c.command(cmd);
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : RedisReply{};
  }

  RedisTestServer server;
};

TEST_F(RedisSessionStoreTest, SavedSessionsAreFoundWithAnExpiryAndForgottenWhenRemoved) {
  auto store = makeStore();
  store->save(sample());
  auto found = find(*store, sample().publicId);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(*found, sample());
  int64_t ttl = raw({"PTTL", sessionKey(sample().publicId)}).integer;
  EXPECT_GT(ttl, 50000);
  EXPECT_LE(ttl, 60000);
  store->remove(sample().publicId);
  EXPECT_FALSE(find(*store, sample().publicId).has_value());
  EXPECT_FALSE(find(*store, std::string(32, 'c')).has_value());
  EXPECT_EQ(store->stats().commandsFailed, 0u);
}

TEST_F(RedisSessionStoreTest, OnlyTheOwnerExtendsOrDeletesARecord) {
  auto oldOwner = makeStore();
  auto newOwner = makeStore();
  ASSERT_NE(oldOwner->owner(), newOwner->owner());
  oldOwner->save(sample());
  ASSERT_TRUE(find(*oldOwner, sample().publicId).has_value());
  raw({"PEXPIRE", sessionKey(sample().publicId), "5000"});
  oldOwner->keepAlive({sample().publicId});
  ASSERT_TRUE(find(*oldOwner, sample().publicId).has_value());  // queued after the keep-alive
  EXPECT_GT(raw({"PTTL", sessionKey(sample().publicId)}).integer, 50000) << "the owner extends its record";

  newOwner->save(sample());  // taken over
  ASSERT_TRUE(find(*newOwner, sample().publicId).has_value());
  raw({"PEXPIRE", sessionKey(sample().publicId), "5000"});
  oldOwner->keepAlive({sample().publicId});
  oldOwner->remove(sample().publicId);
  EXPECT_TRUE(find(*oldOwner, sample().publicId).has_value()) << "the old owner cannot delete it";
  EXPECT_LE(raw({"PTTL", sessionKey(sample().publicId)}).integer, 5000) << "nor extend it";
  EXPECT_EQ(raw({"HGET", sessionKey(sample().publicId), "owner"}).str, newOwner->owner());
}

TEST_F(RedisSessionStoreTest, RedisDownIsCountedAndItsReturnIsUsed) {
  auto store = makeStore();
  server.stop();
  store->save(sample());
  EXPECT_FALSE(find(*store, sample().publicId).has_value());
  EXPECT_GE(store->stats().commandsFailed, 2u);
  EXPECT_FALSE(store->stats().reachable);
  ASSERT_TRUE(server.start());
  store->save(sample());
  EXPECT_TRUE(find(*store, sample().publicId).has_value());
  EXPECT_TRUE(store->stats().reachable);
}

TEST_F(RedisSessionStoreTest, ABrokenRecordIsRefusedAndCounted) {
  auto store = makeStore();
  raw({"HSET", sessionKey(sample().publicId), "owner", "x", "token", "not-a-hash"});
  EXPECT_FALSE(find(*store, sample().publicId).has_value());
  EXPECT_EQ(store->stats().badRecords, 1u);
}

TEST_F(RedisSessionStoreTest, WorkBeyondTheQueueIsDroppedAndCounted) {
  auto store = std::make_unique<RedisSessionStore>(RedisSessionStoreOptions{server.endpoint(), 60000, 3},
                                                   [](std::function<void()> f) { f(); });
  for (int i = 0; i < 10; ++i) store->save(sample());  // not started: nothing drains the queue
  EXPECT_EQ(store->stats().dropped, 7u);
  EXPECT_FALSE(find(*store, sample().publicId).has_value()) << "a dropped lookup is answered: not found";
  store->start();
  bool found = false;
  for (int i = 0; i < 200 && !found; ++i) {
    found = find(*store, sample().publicId).has_value();
    if (!found) std::this_thread::sleep_for(std::chrono::milliseconds(10));  // still draining
  }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace atrium::cluster
