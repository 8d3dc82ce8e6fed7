// PrivateMapKey checks beyond the UserSig ones: userbuf identity, room, expiry, privileges.
#include <gtest/gtest.h>

#include "auth/ticket.h"
#include "auth/ticket_test_util.h"

namespace atrium::auth {
namespace {

using testing::expectError;
using testing::packTicket;
using testing::signedDoc;

constexpr uint32_t kApp = 1400123456;
constexpr std::string_view kKey = "trtc-selfhost-test-key-0123456789abcdef";
constexpr std::string_view kUser = "user_01-A";
constexpr int64_t kNow = 1717171717;
constexpr uint32_t kEnterAndReceive = kPrivEnterRoom | kPrivRecvAudio | kPrivRecvVideo;  // 42

base::RoomId numericRoom(uint32_t id) { return base::RoomId{id, ""}; }
base::RoomId stringRoom(std::string s) { return base::RoomId{0, std::move(s)}; }

UserBuf baseBuf() {
  UserBuf buf;
  buf.account = std::string(kUser);
  buf.sdkAppId = kApp;
  buf.roomId = 10000;
  buf.expireAt = static_cast<uint32_t>(kNow + 600);
  buf.privileges = kPrivAll;
  return buf;
}

// A correctly signed PrivateMapKey around any userbuf, valid for 600 s from kNow.
std::string tokenWith(const UserBuf& buf) {
  const std::string ub = testing::userbufBase64(buf);
  return packTicket(signedDoc(kKey, kUser, kApp, kNow, 600, &ub).dump());
}

base::Result<PrivateMapGrant> verify(std::string_view token, const base::RoomId& room, uint32_t required = kPrivEnterRoom,
                                     int64_t now = kNow) {
  return verifyPrivateMapKey(token, kApp, kKey, kUser, room, required, now);
}

TEST(PrivateMapKey, GeneratedKeysVerifyForTheirRoomOnly) {
  const std::string numeric = generatePrivateMapKey(kApp, kKey, kUser, numericRoom(10000), kPrivAll, 600, kNow);
  const auto ok = verify(numeric, numericRoom(10000), kPrivAll);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->privileges, kPrivAll);
  EXPECT_EQ(ok->expiresAt, kNow + 600);
  expectError(verify(numeric, numericRoom(10001)), kPmkWrongRoom, numeric, kKey);
  expectError(verify(numeric, stringRoom("10000")), kPmkWrongRoom, numeric, kKey);  // separate namespaces

  const std::string named = generatePrivateMapKey(kApp, kKey, kUser, stringRoom("room-abc_1"), kEnterAndReceive, 600, kNow);
  EXPECT_TRUE(verify(named, stringRoom("room-abc_1"), kEnterAndReceive).ok());
  expectError(verify(named, stringRoom("room-abc_2")), kPmkWrongRoom, named, kKey);
  expectError(verify(named, stringRoom("")), kPmkWrongRoom, named, kKey);
  expectError(verify(named, numericRoom(10000)), kPmkWrongRoom, named, kKey);
}

TEST(PrivateMapKey, MissingPrivilegeBits) {
  const std::string token = generatePrivateMapKey(kApp, kKey, kUser, numericRoom(7), kEnterAndReceive, 600, kNow);
  EXPECT_TRUE(verify(token, numericRoom(7), kPrivEnterRoom | kPrivRecvVideo).ok());
  EXPECT_TRUE(verify(token, numericRoom(7), 0).ok());
  expectError(verify(token, numericRoom(7), kPrivSendAudio), kPmkNoPrivilege, token, kKey);
  expectError(verify(token, numericRoom(7), kPrivEnterRoom | kPrivSendVideo), kPmkNoPrivilege, token, kKey);
  expectError(verify(token, numericRoom(7), kPrivCreateRoom), kPmkNoPrivilege, token, kKey);
}

TEST(PrivateMapKey, UserbufMustNameTheSameUserAndApp) {
  UserBuf otherUser = baseBuf();
  otherUser.account = "someone-else";
  const std::string t1 = tokenWith(otherUser);
  expectError(verify(t1, numericRoom(10000)), kPmkWrongUser, t1, kKey);
  UserBuf otherApp = baseBuf();
  otherApp.sdkAppId = kApp + 1;
  const std::string t2 = tokenWith(otherApp);
  expectError(verify(t2, numericRoom(10000)), kPmkWrongApp, t2, kKey);
  EXPECT_TRUE(verify(tokenWith(baseBuf()), numericRoom(10000)).ok());
}

TEST(PrivateMapKey, UserbufExpiryIsEnforced) {
  UserBuf early = baseBuf();
  early.expireAt = static_cast<uint32_t>(kNow + 60);  // shorter than the ticket's 600 s
  const std::string token = tokenWith(early);
  const auto ok = verify(token, numericRoom(10000), kPrivEnterRoom, kNow + 60);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->expiresAt, kNow + 60);
  expectError(verify(token, numericRoom(10000), kPrivEnterRoom, kNow + 61), kPmkExpired, token, kKey);
  EXPECT_TRUE(verifyPrivateMapKey(token, kApp, kKey, kUser, numericRoom(10000), kPrivEnterRoom, kNow + 61, 1).ok());
  const std::string generated = generatePrivateMapKey(kApp, kKey, kUser, numericRoom(1), kPrivAll, 600, kNow);
  expectError(verify(generated, numericRoom(1), kPrivEnterRoom, kNow + 601), kPmkExpired, generated, kKey);
}

TEST(PrivateMapKey, StructuralFailuresUseThePmkCodes) {
  expectError(verify("", numericRoom(1)), kPmkMissing, "", kKey);
  expectError(verify("garbage", numericRoom(1)), kPmkMalformed, "garbage", kKey);
  const std::string plain = generateUserSig(kApp, kKey, kUser, 600, kNow);
  expectError(verify(plain, numericRoom(1)), kPmkMalformed, plain, kKey);
  // A signed but undecodable userbuf.
  const std::string shortBuf = crypto::base64Encode(crypto::asBytes("\x00\x00\x01u"));
  const std::string t = packTicket(signedDoc(kKey, kUser, kApp, kNow, 600, &shortBuf).dump());
  expectError(verify(t, numericRoom(1)), kPmkMalformed, t, kKey);
  const auto decoded = verify(plain, numericRoom(1));
  EXPECT_EQ(decoded.error().message.find("UserSig is"), std::string::npos);  // speaks of PrivateMapKey
}

TEST(PrivateMapKey, TicketLevelFailuresUseThePmkCodes) {
  const std::string token = generatePrivateMapKey(kApp, kKey, kUser, numericRoom(5), kPrivAll, 600, kNow);
  expectError(verifyPrivateMapKey(token, kApp + 1, kKey, kUser, numericRoom(5), 1, kNow), kPmkWrongApp, token, kKey);
  expectError(verifyPrivateMapKey(token, kApp, kKey, "user_01-B", numericRoom(5), 1, kNow), kPmkWrongUser, token, kKey);
  expectError(verifyPrivateMapKey(token, kApp, "another-key-123456789", kUser, numericRoom(5), 1, kNow), kPmkBadSignature,
              token, kKey);
  // Signature before room: a forged key for the wrong room reports the forgery.
  expectError(verifyPrivateMapKey(token, kApp, "another-key-123456789", kUser, numericRoom(6), 1, kNow),
              kPmkBadSignature, token, kKey);
}

}  // namespace
}  // namespace atrium::auth
