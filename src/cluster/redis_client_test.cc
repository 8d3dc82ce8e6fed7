#include "cluster/redis_client.h"

#include <gtest/gtest.h>

#include "cluster/redis_test_server.h"

namespace atrium::cluster {
namespace {

TEST(RedisUrl, AcceptsHostPortWithOrWithoutSchemeAndPassword) {
  auto a = parseRedisUrl("127.0.0.1:6380");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 6380);
  EXPECT_EQ(a->password, "");
  auto b = parseRedisUrl("redis://:s3cret@redis.internal:6379/0");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->host, "redis.internal");
  EXPECT_EQ(b->password, "s3cret");
  EXPECT_EQ(parseRedisUrl("redis.internal")->port, 6379);
  EXPECT_FALSE(parseRedisUrl("127.0.0.1:0").ok());
  EXPECT_FALSE(parseRedisUrl("127.0.0.1:99999").ok());
  EXPECT_FALSE(parseRedisUrl(":6379").ok());
  EXPECT_FALSE(parseRedisUrl("host:12ab").ok());
}

TEST(RedisClient, PipelinesCommandsAndReportsErrorReplies) {
  ATRIUM_REQUIRE_REDIS();
  RedisTestServer server;
  ASSERT_TRUE(server.start());
  RedisClient client(server.endpoint());
  auto replies = client.pipeline({{"SET", "k", "v"}, {"GET", "k"}, {"GET", "missing"}, {"RPUSH", "l", "a", "b"}, {"LRANGE", "l", "0", "-1"}});
  ASSERT_TRUE(replies.ok()) << replies.error().message;
  EXPECT_EQ((*replies)[0].type, RedisReply::Type::kStatus);
  EXPECT_EQ((*replies)[1].str, "v");
  EXPECT_EQ((*replies)[2].type, RedisReply::Type::kNil);
  EXPECT_EQ((*replies)[3].integer, 2);
  ASSERT_EQ((*replies)[4].elements.size(), 2u);
  EXPECT_EQ((*replies)[4].elements[1].str, "b");
  auto wrong = client.command({"INCR", "k"});
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, "REDIS");
  EXPECT_TRUE(client.connected()) << "an error reply keeps the connection";
}

TEST(RedisClient, ADeadServerIsAnErrorAndAServerBackIsUsedAgain) {
  ATRIUM_REQUIRE_REDIS();
  RedisTestServer server;
  ASSERT_TRUE(server.start());
  RedisClient client(server.endpoint());
  ASSERT_TRUE(client.command({"PING"}).ok());
  server.stop();
  auto down = client.command({"PING"});
  ASSERT_FALSE(down.ok());
  EXPECT_FALSE(client.connected());
  EXPECT_FALSE(client.command({"PING"}).ok()) << "connecting to nothing fails at once";
  ASSERT_TRUE(server.start());
  EXPECT_TRUE(client.command({"PING"}).ok());
}

}  // namespace
}  // namespace atrium::cluster
