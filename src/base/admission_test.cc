#include "base/admission.h"

#include <gtest/gtest.h>

#include <algorithm>

#include <vector>

#include "base/warn_limiter.h"

namespace atrium::base {
namespace {

AdmissionLimits small() { return {.maxPending = 3, .maxPendingPerAddress = 2, .maxEstablished = 2, .maxEstablishedPerAddress = 1}; }

TEST(AddressKey, Ipv4AsIsIpv6ByPrefix) {
  struct Case { std::string_view ip, key; };
  const Case cases[] = {
      {"203.0.113.7", "203.0.113.7"},
      {"::ffff:10.1.2.3", "10.1.2.3"},
      {"2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"},
      {"2001:db8:1:2::5", "2001:db8:1:2::/64"},
      {"::1", "::/64"},
      {"unknown", "unknown"},
  };
  for (const auto& c : cases) EXPECT_EQ(addressKey(c.ip), c.key) << c.ip;
}

// One row: an action on the table and what it must answer.
TEST(Admission, DecisionTable) {
  Admission a(small());
  struct Step {
    uint64_t id;
    const char* address;
    AdmitVerdict verdict;
    uint64_t evicted;
  };
  const Step steps[] = {
      {1, "a", AdmitVerdict::kAdmit, 0},
      {2, "a", AdmitVerdict::kAdmit, 0},
      {3, "a", AdmitVerdict::kRefuseAddressFull, 0},  // per-address cap refuses, evicts nobody
      {4, "b", AdmitVerdict::kAdmit, 0},
      {5, "c", AdmitVerdict::kAdmitEvictingOldest, 1},  // full: the oldest pending (1) goes
      {6, "d", AdmitVerdict::kAdmitEvictingOldest, 2},
      {7, "a", AdmitVerdict::kAdmitEvictingOldest, 4},  // "a" has no pending slot left after 1, 2
  };
  int64_t now = 1000;
  for (const auto& s : steps) {
    auto d = a.admit(s.id, s.address, now += 10);
    EXPECT_EQ(d.verdict, s.verdict) << "id " << s.id;
    EXPECT_EQ(d.evicted, s.evicted) << "id " << s.id;
  }
  EXPECT_EQ(a.pending(), 3u);
  EXPECT_EQ(a.pendingFrom("a"), 1u);
  EXPECT_FALSE(a.isPending(1));
  EXPECT_TRUE(a.isPending(7));
}

TEST(Admission, EstablishedConnectionsAreNeverEvictedAndHaveTheirOwnBudget) {
  Admission a(small());
  ASSERT_TRUE(a.admit(1, "a", 0).admitted());
  ASSERT_TRUE(a.admit(2, "b", 0).admitted());
  EXPECT_EQ(a.promote(1), PromoteVerdict::kPromoted);
  EXPECT_EQ(a.promote(1), PromoteVerdict::kPromoted);  // idempotent
  // A flood of pending connections evicts only pending ones.
  std::vector<uint64_t> evicted;
  for (uint64_t id = 10; id < 20; ++id) {
    auto d = a.admit(id, "flood" + std::to_string(id), 5);
    ASSERT_TRUE(d.admitted());
    if (d.evicted) evicted.push_back(d.evicted);
  }
  EXPECT_EQ(evicted.front(), 2u);
  EXPECT_EQ(std::count(evicted.begin(), evicted.end(), 1u), 0);
  EXPECT_EQ(a.established(), 1u);
  EXPECT_EQ(a.pending(), 3u);
  // Per-address established cap (1): a second connection of "a" stays pending.
  ASSERT_TRUE(a.admit(30, "a", 6).admitted());
  EXPECT_EQ(a.promote(30), PromoteVerdict::kEstablishedFull);
  EXPECT_TRUE(a.isPending(30));
  // Global established cap (2).
  ASSERT_TRUE(a.admit(31, "e", 6).admitted());
  ASSERT_TRUE(a.admit(32, "f", 6).admitted());
  EXPECT_EQ(a.promote(31), PromoteVerdict::kPromoted);
  EXPECT_EQ(a.promote(32), PromoteVerdict::kEstablishedFull);
  // Releasing frees the slot.
  a.release(1);
  EXPECT_EQ(a.promote(32), PromoteVerdict::kPromoted);
  EXPECT_EQ(a.promote(999), PromoteVerdict::kUnknown);
}

TEST(Admission, ReleaseOfAnEvictedConnectionIsANoOp) {
  Admission a({.maxPending = 1, .maxPendingPerAddress = 1, .maxEstablished = 1, .maxEstablishedPerAddress = 1});
  ASSERT_TRUE(a.admit(1, "a", 0).admitted());
  EXPECT_EQ(a.admit(2, "a", 0).verdict, AdmitVerdict::kRefuseAddressFull);
  auto d = a.admit(3, "b", 0);
  EXPECT_EQ(d.evicted, 1u);
  a.release(1);  // the listener closes the evicted connection and reports it
  EXPECT_EQ(a.pending(), 1u);
  EXPECT_EQ(a.pendingFrom("a"), 0u);
  EXPECT_TRUE(a.admit(4, "a", 0).admitted());  // evicts 3
}

TEST(Admission, ZeroCapsRefuse) {
  Admission a({.maxPending = 0, .maxPendingPerAddress = 5, .maxEstablished = 0, .maxEstablishedPerAddress = 0});
  EXPECT_EQ(a.admit(1, "a", 0).verdict, AdmitVerdict::kRefuseFull);
  EXPECT_EQ(a.pending(), 0u);
}

TEST(Admission, PendingOlderThanATimeoutWithAnInjectedClock) {
  Admission a({.maxPending = 10, .maxPendingPerAddress = 10, .maxEstablished = 10, .maxEstablishedPerAddress = 10});
  a.admit(1, "a", 1000);
  a.admit(2, "a", 2000);
  a.admit(3, "a", 2500);
  a.promote(1);
  auto expired = [&](int64_t now) {
    std::vector<uint64_t> ids;
    a.forEachPendingOlderThan(now, 2500, [&](uint64_t id) { ids.push_back(id); });
    return ids;
  };
  EXPECT_EQ(expired(4499), std::vector<uint64_t>{});
  EXPECT_EQ(expired(4500), std::vector<uint64_t>{2});  // 1 authenticated: no deadline
  EXPECT_EQ(expired(5000), (std::vector<uint64_t>{2, 3}));
}

TEST(WarnLimiter, OneLinePerKeyPerIntervalWithTheSuppressedCount) {
  WarnLimiter w(60'000, 2);
  EXPECT_EQ(w.allow("198.51.100.*", 0), 0u);
  EXPECT_EQ(w.allow("198.51.100.*", 1), std::nullopt);
  EXPECT_EQ(w.allow("198.51.100.*", 59'999), std::nullopt);
  EXPECT_EQ(w.allow("203.0.113.*", 5), 0u);  // another prefix logs at once
  EXPECT_EQ(w.allow("198.51.100.*", 60'000), 2u);
  EXPECT_EQ(w.allow("198.51.100.*", 60'001), std::nullopt);
  // A third key evicts the least recently logged one (203.0.113.*), which then logs again.
  EXPECT_EQ(w.allow("192.0.2.*", 60'002), 0u);
  EXPECT_EQ(w.keys(), 2u);
  EXPECT_EQ(w.allow("203.0.113.*", 60'003), 0u);
  EXPECT_EQ(w.keys(), 2u);
}

}  // namespace
}  // namespace atrium::base
