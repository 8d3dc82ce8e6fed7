// Every ticket in tests/data/trtc-vectors.json, produced by the official npm package or encoded
// the way the official C++ and Go libraries encode, must verify; the npm ones must regenerate with the same content.
#include <gtest/gtest.h>

#include "auth/ticket.h"
#include "auth/ticket_test_util.h"

namespace atrium::auth {
namespace {

using testing::expectError;

base::RoomId roomOf(const nlohmann::json& v) {
  base::RoomId room;
  if (v.contains("strroomid")) {
    room.str = v["strroomid"].get<std::string>();
  } else {
    room.numeric = v["roomid"].get<uint32_t>();
  }
  return room;
}

TEST(TicketVectors, FileHasBothKinds) {
  const auto doc = testing::loadVectors();
  EXPECT_GE(doc["usersig"].size(), 4u);
  EXPECT_GE(doc["privatemapkey"].size(), 2u);
}

TEST(TicketVectors, UserSigsVerifyForTheirWholeLifetime) {
  const auto doc = testing::loadVectors();  // kept alive: the loop borrows from it
  for (const auto& v : doc["usersig"]) {
    SCOPED_TRACE(v["name"].get<std::string>());
    const std::string token = v["usersig"];
    const std::string key = v["key"];
    const std::string user = v["userid"];
    const uint32_t app = v["sdkappid"];
    const int64_t time = v["time"];
    const int64_t expire = v["expire"];
    for (int64_t now : {time, time + expire / 2, time + expire}) {
      const auto r = verifyUserSig(token, app, key, user, now);
      ASSERT_TRUE(r.ok()) << r.error().code << ": " << r.error().message;
      EXPECT_EQ(r->expiresAt, time + expire);
    }
    expectError(verifyUserSig(token, app, key, user, time + expire + 1), kTicketExpired, token, key);
    EXPECT_TRUE(verifyUserSig(token, app, key, user, time + expire + 1, /*clockSkewSeconds=*/1).ok());
    expectError(verifyUserSig(token, app, key, user, time + expire + 61, 60), kTicketExpired, token, key);
    // A plain UserSig is not a PrivateMapKey.
    expectError(verifyPrivateMapKey(token, app, key, user, base::RoomId{1, ""}, 0, time), kPmkMalformed, token, key);

    const auto decoded = decodeTicket(token);
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(decoded->version, "2.0");
    EXPECT_EQ(decoded->identifier, user);
    EXPECT_EQ(decoded->sdkAppId, app);
    EXPECT_EQ(decoded->time, time);
    EXPECT_EQ(decoded->expire, expire);
    EXPECT_FALSE(decoded->userbufBase64);
  }
}

TEST(TicketVectors, PrivateMapKeysVerifyForTheirWholeLifetime) {
  const auto doc = testing::loadVectors();
  for (const auto& v : doc["privatemapkey"]) {
    SCOPED_TRACE(v["name"].get<std::string>());
    const std::string token = v["privatemapkey"];
    const std::string key = v["key"];
    const std::string user = v["userid"];
    const uint32_t app = v["sdkappid"];
    const int64_t time = v["time"];
    const int64_t expire = v["expire"];
    const uint32_t privilege = v["privilege"];
    const base::RoomId room = roomOf(v);
    for (int64_t now : {time, time + expire}) {
      const auto r = verifyPrivateMapKey(token, app, key, user, room, privilege, now);
      ASSERT_TRUE(r.ok()) << r.error().code << ": " << r.error().message;
      EXPECT_EQ(r->privileges, privilege);
      EXPECT_EQ(r->expiresAt, time + expire);
    }
    expectError(verifyPrivateMapKey(token, app, key, user, room, privilege, time + expire + 1), kPmkExpired, token, key);
    EXPECT_TRUE(verifyPrivateMapKey(token, app, key, user, room, privilege, time + expire + 1, 1).ok());
    expectError(verifyUserSig(token, app, key, user, time), kTicketUnexpectedUserbuf, token, key);

    const auto decoded = decodeTicket(token);
    ASSERT_TRUE(decoded.ok() && decoded->userbufBase64);
    const auto raw = crypto::base64Decode(*decoded->userbufBase64);
    ASSERT_TRUE(raw);
    EXPECT_EQ(crypto::toHex(*raw), v["userbuf_hex"].get<std::string>());
    const auto buf = decodeUserBuf(std::string(raw->begin(), raw->end()));
    ASSERT_TRUE(buf);
    EXPECT_EQ(buf->account, user);
    EXPECT_EQ(buf->expireAt, time + expire);
  }
}

// Official encoders differ in zlib level and key order (trtc-compat 1.3), so regenerated tickets
// are compared by content: every field, the signature included, must equal the npm package's.
void expectSameContent(const std::string& ours, const std::string& theirs, const std::string& name) {
  auto a = decodeTicket(ours);
  auto b = decodeTicket(theirs);
  ASSERT_TRUE(a.ok() && b.ok()) << name;
  EXPECT_EQ(a->version, b->version) << name;
  EXPECT_EQ(a->identifier, b->identifier) << name;
  EXPECT_EQ(a->sdkAppId, b->sdkAppId) << name;
  EXPECT_EQ(a->time, b->time) << name;
  EXPECT_EQ(a->expire, b->expire) << name;
  EXPECT_EQ(a->userbufBase64, b->userbufBase64) << name;
  EXPECT_EQ(a->sigBase64, b->sigBase64) << name;
}

TEST(TicketVectors, NodeTicketsRegenerateWithTheSameContent) {
  const auto doc = testing::loadVectors();
  int regenerated = 0;
  for (const auto& v : doc["usersig"]) {
    if (v["name"].get<std::string>().rfind("node-", 0) != 0) continue;
    expectSameContent(generateUserSig(v["sdkappid"], v["key"].get<std::string>(), v["userid"].get<std::string>(),
                                      v["expire"], v["time"], GenerateOptions{6}),
                      v["usersig"].get<std::string>(), v["name"]);
    ++regenerated;
  }
  for (const auto& v : doc["privatemapkey"]) {  // all produced by the npm package
    expectSameContent(generatePrivateMapKey(v["sdkappid"], v["key"].get<std::string>(), v["userid"].get<std::string>(),
                                            roomOf(v), v["privilege"], v["expire"], v["time"], GenerateOptions{6}),
                      v["privatemapkey"].get<std::string>(), v["name"]);
    ++regenerated;
  }
  EXPECT_GE(regenerated, 4);
}

TEST(TicketVectors, OtherEncodersCarryTheSameSignature) {
  const auto doc = testing::loadVectors();
  const auto& vectors = doc["usersig"];
  std::string nodeSig;
  for (const auto& v : vectors) {
    const auto decoded = decodeTicket(v["usersig"].get<std::string>());
    ASSERT_TRUE(decoded.ok()) << v["name"];
    if (v["name"] == "node-default") nodeSig = decoded->sigBase64;
  }
  for (const auto& v : vectors) {
    if (v["key"] == vectors[0]["key"] && v["userid"] == vectors[0]["userid"]) {
      EXPECT_EQ(decodeTicket(v["usersig"].get<std::string>())->sigBase64, nodeSig) << v["name"];
    }
  }
}

}  // namespace
}  // namespace atrium::auth
