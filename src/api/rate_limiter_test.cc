#include "api/rate_limiter.h"

#include <gtest/gtest.h>

namespace atrium::api {
namespace {

TEST(RateLimiter, PerSecretIdAndAction) {
  RateLimiter limiter(20, 20);
  int allowed = 0;
  for (int i = 0; i < 30; ++i) allowed += limiter.allow("AKID1", "DismissRoom", 1000);
  EXPECT_EQ(allowed, 20);
  EXPECT_TRUE(limiter.allow("AKID1", "RemoveUser", 1000)) << "other action has its own bucket";
  EXPECT_TRUE(limiter.allow("AKID2", "DismissRoom", 1000)) << "other caller has its own bucket";
  EXPECT_FALSE(limiter.allow("AKID1", "DismissRoom", 1049));
  EXPECT_TRUE(limiter.allow("AKID1", "DismissRoom", 1050)) << "refills 20 per second";
}

TEST(RateLimiter, BoundedKeysForgetIdleCallers) {
  RateLimiter limiter(10, 10, 2);
  EXPECT_TRUE(limiter.allow("a", "x", 0));
  EXPECT_TRUE(limiter.allow("b", "x", 0));
  EXPECT_FALSE(limiter.allow("c", "x", 0)) << "table full of active callers";
  EXPECT_TRUE(limiter.allow("c", "x", 5000)) << "idle buckets are forgotten";
  EXPECT_LE(limiter.size(), 2u);
}

}  // namespace
}  // namespace atrium::api
