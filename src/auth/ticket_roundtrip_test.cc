// generate -> verify with random users, apps, keys, lifetimes and the three official zlib levels.
#include <gtest/gtest.h>

#include <random>

#include "auth/ticket.h"
#include "auth/ticket_test_util.h"

namespace atrium::auth {
namespace {

constexpr std::string_view kUserAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";

TEST(TicketRoundTrip, RandomUsersAtEveryLevel) {
  std::mt19937_64 rng(20240611);  // fixed seed: failures reproduce
  auto pick = [&](uint64_t lo, uint64_t hi) { return std::uniform_int_distribution<uint64_t>(lo, hi)(rng); };
  for (int i = 0; i < 150; ++i) {
    std::string user;
    for (uint64_t n = pick(1, 32); n > 0; --n) user.push_back(kUserAlphabet[pick(0, kUserAlphabet.size() - 1)]);
    const auto app = static_cast<uint32_t>(pick(1400000000, 1499999999));
    const std::string key = crypto::randomHex(32);
    const auto expire = static_cast<int64_t>(pick(1, 86400 * 365));
    const auto now = static_cast<int64_t>(pick(1500000000, 2000000000));
    const int level = std::array{0, 1, 6}[i % 3];
    SCOPED_TRACE(user + " level " + std::to_string(level));

    const std::string sig = generateUserSig(app, key, user, expire, now, GenerateOptions{level});
    EXPECT_EQ(sig.substr(0, 2), level == 6 ? "eJ" : "eA");
    auto r = verifyUserSig(sig, app, key, user, now + expire);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->expiresAt, now + expire);
    EXPECT_EQ(verifyUserSig(sig, app, key, user, now + expire + 1).error().code, kTicketExpired);
    EXPECT_EQ(verifyUserSig(sig, app, key, user + "x", now).error().code, kTicketWrongUser);
    EXPECT_EQ(verifyUserSig(sig, app + 1, key, user, now).error().code, kTicketWrongApp);

    base::RoomId room;
    if (i % 2 == 0) {
      room.numeric = static_cast<uint32_t>(pick(1, base::kMaxNumericRoomId));
    } else {
      room.str = "room_" + std::to_string(pick(0, 1u << 30));
    }
    const auto privileges = static_cast<uint32_t>(pick(0, 255));
    const std::string pmk = generatePrivateMapKey(app, key, user, room, privileges, expire, now, GenerateOptions{level});
    const auto g = verifyPrivateMapKey(pmk, app, key, user, room, privileges, now);
    ASSERT_TRUE(g.ok()) << g.error().message;
    EXPECT_EQ(g->privileges, privileges);
    EXPECT_EQ(verifyPrivateMapKey(pmk, app, key, user, room, privileges, now + expire + 1).error().code, kPmkExpired);
  }
}

TEST(TicketRoundTrip, OddButLegalUserIdsSurviveJsonEscaping) {
  for (std::string user : {std::string("quote\"back\\slash"), std::string("tab\tnl\n"), std::string("\x01\x1f"),
                           std::string("caf\xc3\xa9"), std::string("slash/slash")}) {
    const std::string sig = generateUserSig(1400000000, "k", user, 60, 1700000000);
    EXPECT_TRUE(verifyUserSig(sig, 1400000000, "k", user, 1700000000).ok()) << user;
    EXPECT_EQ(decodeTicket(sig)->identifier, user);
  }
}

}  // namespace
}  // namespace atrium::auth
