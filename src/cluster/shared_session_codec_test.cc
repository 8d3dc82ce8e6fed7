#include "cluster/shared_session_codec.h"

#include <gtest/gtest.h>

namespace atrium::cluster {
namespace {

signal::SharedSession sample(bool strRoom) {
  signal::SharedSession s;
  s.publicId = std::string(32, 'a');
  s.resumeTokenHash = std::string(64, '0');
  s.room = {1400000001, strRoom ? base::RoomId{0, "lobby-1"} : base::RoomId{1234, ""}};
  s.userId = "alice_01";
  s.role = room::Role::kAudience;
  s.scene = room::Scene::kLive;
  s.privileges = 0xff;
  s.lastSeq = 42;
  return s;
}

std::map<std::string, std::string> asMap(const std::vector<std::pair<std::string, std::string>>& v) {
  return {v.begin(), v.end()};
}

TEST(SharedSessionCodec, RoundTripsNumericAndStringRooms) {
  for (bool str : {false, true}) {
    auto s = sample(str);
    auto decoded = decodeSharedSession(s.publicId, asMap(sharedSessionFields(s, "node-a")));
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    EXPECT_EQ(decoded->session, s);
    EXPECT_EQ(decoded->owner, "node-a");
  }
  EXPECT_EQ(sessionKey("abc"), "atrium:session:abc");
}

TEST(SharedSessionCodec, RefusesEveryBrokenField) {
  auto good = asMap(sharedSessionFields(sample(false), "node-a"));
  struct Case {
    const char* field;
    const char* value;  // nullptr: field missing
  };
  for (const Case& c : std::initializer_list<Case>{{"owner", ""},
                                                  {"token", "xyz"},
                                                  {"token", nullptr},
                                                  {"app", "0"},
                                                  {"app", "4294967296"},
                                                  {"app", "12a"},
                                                  {"room", "-1"},
                                                  {"room", "0"},
                                                  {"strRoom", "2"},
                                                  {"user", "bad user!"},
                                                  {"user", ""},
                                                  {"role", "king"},
                                                  {"scene", "party"},
                                                  {"priv", "4294967296"},
                                                  {"seq", ""}}) {
    auto f = good;
    if (c.value) f[c.field] = c.value;
    else f.erase(c.field);
    EXPECT_FALSE(decodeSharedSession(std::string(32, 'a'), f).ok()) << c.field << "=" << (c.value ? c.value : "(missing)");
  }
  EXPECT_FALSE(decodeSharedSession("not-hex", good).ok());
}

}  // namespace
}  // namespace atrium::cluster
