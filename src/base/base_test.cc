#include <gtest/gtest.h>

#include "base/clock.h"
#include "base/ids.h"
#include "base/mask.h"
#include "base/token_bucket.h"

namespace atrium::base {

TEST(Mask, UserIdShowsAtMostFortyPercent) {
  struct Case { std::string_view id, masked; };
  const Case cases[] = {
      {"", "****"},           {"a", "****"},          {"abcd", "****"},
      {"alice", "a****e"},    {"abcdef", "a****f"},   {"user_0001", "u****1"},
      {"user_00001", "us****01"}, {"a_very_long_user_id", "a_****id"},
  };
  for (const auto& c : cases) {
    std::string masked = maskUserId(c.id);
    EXPECT_EQ(masked, c.masked) << c.id;
    size_t shown = masked.size() - 4;
    EXPECT_LE(shown * 5, c.id.size() * 2) << c.id << ": more than 40 % shown";
  }
}

TEST(Mask, LegacyMaskKeepsTwoCharsEachSide) {
  EXPECT_EQ(legacyMaskUserId("alice"), "al****ce");
  EXPECT_EQ(legacyMaskUserId("abcd"), "****");
}

TEST(Mask, Ipv4DropsLastOctet) {
  EXPECT_EQ(maskIp("203.0.113.7"), "203.0.113.*");
  EXPECT_EQ(maskIp("127.0.0.1:4431"), "127.0.0.*");
  EXPECT_EQ(maskIp("::ffff:10.1.2.3"), "::ffff:10.1.2.*");
}

TEST(Mask, Ipv6KeepsThreeGroups) {
  EXPECT_EQ(maskIp("2001:db8:1:2::5"), "2001:db8:1:*");
  EXPECT_EQ(maskIp("[2001:db8:1:2::5]:443"), "2001:db8:1:*");
  EXPECT_EQ(maskIp("::1"), "*");
}

TEST(Mask, FormatterMasks) {
  EXPECT_EQ(fmt::format("{} from {}", MaskedUser{"alice_99"}, MaskedIp{"198.51.100.20"}),
            "a****9 from 198.51.100.*");
}

TEST(Ids, NumericRoomRange) {
  EXPECT_FALSE(isValidNumericRoomId(0));
  EXPECT_TRUE(isValidNumericRoomId(1));
  EXPECT_TRUE(isValidNumericRoomId(4294967294u));
  EXPECT_FALSE(isValidNumericRoomId(4294967295u));
}

TEST(Ids, StrRoomCharsetAndLength) {
  EXPECT_TRUE(isValidStrRoomId("room-abc_1"));
  EXPECT_TRUE(isValidStrRoomId("a b!#$%&()+-:;<=.>?@[]^_{}|~,"));
  EXPECT_FALSE(isValidStrRoomId(""));
  EXPECT_FALSE(isValidStrRoomId(std::string(65, 'a')));
  EXPECT_TRUE(isValidStrRoomId(std::string(64, 'a')));
  EXPECT_FALSE(isValidStrRoomId("quote\""));
  EXPECT_FALSE(isValidStrRoomId("slash/"));
  EXPECT_FALSE(isValidStrRoomId("\xc3\xa9"));
}

TEST(Ids, UserIdRules) {
  EXPECT_TRUE(isValidUserId("user_01-A"));
  EXPECT_FALSE(isValidUserId(""));
  EXPECT_FALSE(isValidUserId(std::string(33, 'a')));
  EXPECT_FALSE(isValidUserId("a b"));
  EXPECT_FALSE(isValidUserId("a.b"));
}

TEST(Ids, MakeRoomIdPrefersNumericAndSeparatesNamespaces) {
  auto both = makeRoomId(123, "abc");
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(both->numeric, 123u);
  auto str = makeRoomId(0, "123");
  ASSERT_TRUE(str.ok());
  EXPECT_TRUE(str->isString());
  EXPECT_NE(*both, *str);
  EXPECT_EQ(makeRoomId(0, "").error().code, "INVALID_ROOM_ID");
  EXPECT_EQ(makeRoomId(4294967295u, "").error().code, "INVALID_ROOM_ID");
}

TEST(TokenBucket, RefillsWithTimeUpToBurst) {
  TokenBucket b(2.0, 3.0);
  EXPECT_TRUE(b.tryTake(0));
  EXPECT_TRUE(b.tryTake(0));
  EXPECT_TRUE(b.tryTake(0));
  EXPECT_FALSE(b.tryTake(0));
  EXPECT_FALSE(b.tryTake(499));
  EXPECT_TRUE(b.tryTake(500));
  EXPECT_NEAR(b.available(100'000), 3.0, 1e-9);
}

TEST(TokenBucket, CostLargerThanBurstNeverPasses) {
  TokenBucket b(1000.0, 100.0);
  EXPECT_FALSE(b.tryTake(0, 101));
  EXPECT_TRUE(b.tryTake(0, 100));
}

TEST(Clock, ManualClockAdvancesBoth) {
  ManualClock c(5000, 10);
  c.advanceMs(1500);
  EXPECT_EQ(c.wallMs(), 6500);
  EXPECT_EQ(c.steadyMs(), 1510);
  EXPECT_EQ(c.unixSeconds(), 6);
}

}  // namespace atrium::base
