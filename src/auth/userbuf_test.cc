#include <gtest/gtest.h>

#include "auth/ticket.h"
#include "crypto/crypto.h"

namespace atrium::auth {
namespace {

std::string fromHex(std::string_view hex) {
  const auto b = crypto::fromHex(hex);
  return std::string(b->begin(), b->end());
}

// trtc-compat §2.3 V3 and V4.
constexpr std::string_view kNumericHex = "0000077869616f6a756e53724e00000027106553f22c000000ff00000000";
constexpr std::string_view kStringHex =
    "010009757365725f30312d4153743040000000006659f85d0000002a00000000000a726f6f6d2d6162635f31";

TEST(UserBuf, DecodesTheSpecExamples) {
  const auto numeric = decodeUserBuf(fromHex(kNumericHex));
  ASSERT_TRUE(numeric);
  EXPECT_EQ(numeric->account, "xiaojun");
  EXPECT_EQ(numeric->sdkAppId, 1400000000u);
  EXPECT_EQ(numeric->roomId, 10000u);
  EXPECT_EQ(numeric->expireAt, 1700000300u);
  EXPECT_EQ(numeric->privileges, 255u);
  EXPECT_EQ(numeric->accountType, 0u);
  EXPECT_FALSE(numeric->strRoomId);

  const auto named = decodeUserBuf(fromHex(kStringHex));
  ASSERT_TRUE(named);
  EXPECT_EQ(named->account, "user_01-A");
  EXPECT_EQ(named->roomId, 0u);
  EXPECT_EQ(named->privileges, 42u);
  EXPECT_EQ(named->strRoomId, "room-abc_1");
}

TEST(UserBuf, EncodesByteForByte) {
  EXPECT_EQ(crypto::toHex(crypto::asBytes(encodeUserBuf(*decodeUserBuf(fromHex(kNumericHex))))), kNumericHex);
  EXPECT_EQ(crypto::toHex(crypto::asBytes(encodeUserBuf(*decodeUserBuf(fromHex(kStringHex))))), kStringHex);
  UserBuf empty;
  empty.strRoomId = "";
  const auto back = decodeUserBuf(encodeUserBuf(empty));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->strRoomId, "");
}

TEST(UserBuf, RejectsEveryShortBuffer) {
  for (std::string_view hex : {kNumericHex, kStringHex}) {
    const std::string full = fromHex(hex);
    for (size_t n = 0; n < full.size(); ++n) EXPECT_FALSE(decodeUserBuf(full.substr(0, n))) << hex << " cut at " << n;
  }
}

TEST(UserBuf, RejectsLongBuffersAndBadHeaders) {
  EXPECT_FALSE(decodeUserBuf(fromHex(kNumericHex) + '\0'));
  EXPECT_FALSE(decodeUserBuf(fromHex(kStringHex) + "x"));
  std::string badVersion = fromHex(kNumericHex);
  badVersion[0] = 2;
  EXPECT_FALSE(decodeUserBuf(badVersion));
  // A numeric buffer relabelled as string-room has no valid tail.
  std::string relabelled = fromHex(kNumericHex);
  relabelled[0] = 1;
  EXPECT_FALSE(decodeUserBuf(relabelled));
  std::string longAccount = fromHex(kNumericHex);
  longAccount[2] = 0x40;  // claims 64 account bytes
  EXPECT_FALSE(decodeUserBuf(longAccount));
  std::string longRoom = fromHex(kStringHex);
  longRoom[longRoom.size() - 11] = 0x0b;  // room length 11 with 10 bytes present
  EXPECT_FALSE(decodeUserBuf(longRoom));
}

}  // namespace
}  // namespace atrium::auth
