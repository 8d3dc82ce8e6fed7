// Retention purge, app purge, data-subject erasure and the schema listing (R11, R13).
#include <set>

#include <gtest/gtest.h>

#include "base/mask.h"
#include "store/store_test_util.h"

namespace atrium::store {
namespace {

using namespace atrium::store::testing;

constexpr uint32_t kApp = 1400000401, kOtherApp = 1400000402;
constexpr int64_t kHour = 3'600'000;

std::string commOf(uint32_t app, int n) { return std::to_string(app) + "_" + std::to_string(n) + "_1700000000"; }

std::string callbackBody(std::string_view user) {
  return R"({"EventGroupId":1,"EventType":103,"CallbackTs":1700000000000,"EventInfo":{"RoomId":"7","EventTs":1700000000,"UserId":")" +
         std::string(user) + R"(","Role":20}})";
}

size_t rowsIn(const PurgeReport& r, std::string_view table) {
  for (const auto& [name, n] : r.rowsByTable)
    if (name == table) return n;
  return 0;
}

class DataProtectionTest : public StoreFixture {
 protected:
  // One room of `app` created by `creator` at `t`, with `users` in it: a session, events, quality
  // rows (own and received from every other user), an entry event and a queued and a failed
  // callback each. Returns the CommId.
  std::string fillRoom(uint32_t app, int room, std::string creator, std::vector<std::string> users, int64_t t,
                       bool closed = true) {
    const std::string comm = commOf(app, room);
    EXPECT_TRUE(store_->roomCreated({comm, app, std::to_string(room), false, creator, t, closed ? t + kHour : 0}).ok());
    std::vector<QualitySample> quality;
    for (const std::string& u : users) {
      EXPECT_TRUE(store_->userJoined({comm, app, std::to_string(room), u, t, closed ? t + kHour : 0, "10.0.0.*",
                                      "5.0", "Chrome", closed ? 1 : 0})
                      .ok());
      EXPECT_TRUE(store_->appendUserEvent({comm, app, u, t, kUserEventEnterRoom, 0, -1}).ok());
      QualitySample own{app, comm, u, "", t, "sdk", {}};
      own.values[0] = 1;
      quality.push_back(own);
      for (const std::string& peer : users)
        if (peer != u) {
          QualitySample rx = own;
          rx.peerId = peer;
          quality.push_back(rx);
        }
      EXPECT_TRUE(store_->appendEntry({t, app, std::to_string(room), base::maskUserId(u), "10.0.0.*", true, "none", ""}).ok());
      EXPECT_TRUE(store_->enqueueCallback(app, callbackBody(u), t).ok());
      auto failed = store_->enqueueCallback(app, callbackBody(u), t);
      EXPECT_TRUE(failed.ok());
      if (failed.ok()) {
        EXPECT_TRUE(store_->failCallback(*failed, "HTTP 500", t).ok());
      }
    }
    EXPECT_TRUE(store_->appendQuality(quality).ok());
    return comm;
  }

  // Rows of `app` in `table` where any column holds `needle` (exactly, or as a JSON string).
  int64_t rowsMentioning(const std::string& table, uint32_t app, const std::string& needle) {
    auto schema = store_->describeSchema();
    EXPECT_TRUE(schema.ok());
    std::string where;
    for (const auto& [t, column] : *schema)
      if (t == table) {
        if (!where.empty()) where += " OR ";
        where += "CAST(" + column + " AS TEXT) = '" + needle + "' OR CAST(" + column + " AS TEXT) LIKE '%\"" +
                 needle + "\"%'";
      }
    return rawCount("SELECT COUNT(*) FROM " + table + " WHERE sdk_app_id = " + std::to_string(app) +
                               " AND (" + where + ")");
  }

  std::set<std::string> tablesWithApp() {
    std::set<std::string> out;
    auto schema = store_->describeSchema();
    EXPECT_TRUE(schema.ok());
    for (const auto& [t, column] : *schema)
      if (column == "sdk_app_id") out.insert(t);
    return out;
  }

  int64_t appRows(const std::string& table, uint32_t app) {
    return rawCount("SELECT COUNT(*) FROM " + table + " WHERE sdk_app_id = " + std::to_string(app));
  }

  int64_t t0_ = clock_.wallMs() - kHour * 24;
};

TEST_P(DataProtectionTest, EraseUserRemovesTheUserFromEveryTableAndOnlyThem) {
  createApp(kApp);
  createApp(kOtherApp);
  const std::string alice = "alice_0001", bob = "bob_0002";
  const std::string room1 = fillRoom(kApp, 1, alice, {alice, bob}, t0_);
  const std::string room2 = fillRoom(kApp, 2, bob, {bob, alice}, t0_ + kHour * 2, /*closed=*/false);
  fillRoom(kOtherApp, 1, alice, {alice}, t0_);  // the same id in another app is another person

  auto report = store_->eraseUser(kApp, alice, "ticket-42", clock_.wallMs());
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(rowsIn(*report, "user_sessions"), 2u);
  EXPECT_EQ(rowsIn(*report, "user_events"), 2u);
  EXPECT_EQ(rowsIn(*report, "quality_samples"), 6u);  // own, received from bob, received by bob; two rooms
  EXPECT_EQ(rowsIn(*report, "rooms"), 1u);
  EXPECT_EQ(rowsIn(*report, "callback_queue"), 2u);
  EXPECT_EQ(rowsIn(*report, "callback_failures"), 2u);
  EXPECT_EQ(rowsIn(*report, "entry_events"), 2u);

  // Nothing of alice's in app kApp, in any table, in any column: raw id, JSON string or mask.
  for (const std::string& table : tablesWithApp()) {
    EXPECT_EQ(rowsMentioning(table, kApp, alice), 0) << table;
    EXPECT_EQ(rowsMentioning(table, kApp, base::maskUserId(alice)), 0) << table;
  }
  // Bob keeps everything, and the room alice created stays (blank creator).
  auto found = store_->findRoom(kApp, room1);
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->creatorUserId, "");
  auto sessions = store_->listUserSessions(kApp, room1, 0, t0_ * 2, {}, 0, 100);
  ASSERT_TRUE(sessions.ok());
  ASSERT_EQ(sessions->first.size(), 1u);
  EXPECT_EQ(sessions->first[0].userId, bob);
  auto quality = store_->listQuality(kApp, room2, {}, 0, t0_ * 2, 100);
  ASSERT_TRUE(quality.ok());
  ASSERT_EQ(quality->size(), 1u);
  EXPECT_EQ(quality->front().userId, bob);
  EXPECT_EQ(quality->front().peerId, "");
  EXPECT_EQ(rowsMentioning("callback_queue", kApp, bob), 2);  // one per room
  EXPECT_EQ(rowsMentioning("callback_failures", kApp, bob), 2);
  EXPECT_EQ(rowsMentioning("entry_events", kApp, base::maskUserId(bob)), 2);
  EXPECT_EQ(appRows("entry_events", kApp), 4);  // alice's entries still count for the SLA
  // The other app's alice is untouched.
  EXPECT_EQ(rowsMentioning("user_sessions", kOtherApp, alice), 1);
  EXPECT_EQ(rowsMentioning("quality_samples", kOtherApp, alice), 1);
  EXPECT_EQ(rowsMentioning("callback_queue", kOtherApp, alice), 1);

  // The erasure is on record, without saying whose.
  auto log = store_->listErasures(0, clock_.wallMs() + 1, kApp, 10);
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log->size(), 1u);
  EXPECT_EQ(log->front().requestedBy, "ticket-42");
  EXPECT_EQ(log->front().rowsRemoved, report->total());
  EXPECT_EQ(log->front().timeMs, clock_.wallMs());
  EXPECT_EQ(rawCount("SELECT COUNT(*) FROM erasure_log WHERE requested_by LIKE '%alice%'"), 0);
  auto schema = store_->describeSchema();
  ASSERT_TRUE(schema.ok());
  for (const auto& [table, column] : *schema)
    if (table == "erasure_log") {
      EXPECT_EQ(column.find("user"), std::string::npos) << column;
    }

  // Erasing again finds nothing but is still recorded.
  auto again = store_->eraseUser(kApp, alice, "ticket-42", clock_.wallMs());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->total(), 0u);
  EXPECT_EQ(store_->eraseUser(kApp, "", "x", 0).error().code, kErrInvalidArgument);
}

TEST_P(DataProtectionTest, EraseFindsCallbacksByTheUserIdMemberNotByText) {
  createApp(kApp);
  ASSERT_TRUE(store_->enqueueCallback(kApp, R"({"EventInfo":{"UserId" : "al\u0069ce_0001"}})", 1).ok());
  ASSERT_TRUE(store_->enqueueCallback(kApp, R"({"Payload":{"Users":[{"UserId":"alice_0001"}]}})", 1).ok());
  ASSERT_TRUE(store_->enqueueCallback(kApp, R"({"EventInfo":{"UserId":"alice_00011"}})", 1).ok());
  ASSERT_TRUE(store_->enqueueCallback(kApp, R"({"EventInfo":{"UserId":"bob","Note":"alice_0001"}})", 1).ok());
  auto r = store_->eraseUser(kApp, "alice_0001", "op", 1);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(rowsIn(*r, "callback_queue"), 2u);
  auto left = store_->pendingCallbacks();
  ASSERT_TRUE(left.ok());
  EXPECT_EQ(*left, 2u);
}

TEST_P(DataProtectionTest, EraseBlanksTheCurrentAndThePreIssue15Mask) {
  createApp(kApp);
  const std::string alice = "alice_001";  // 9 bytes: "a****1" now, "al****01" before
  ASSERT_NE(base::maskUserId(alice), base::legacyMaskUserId(alice));
  ASSERT_TRUE(store_->appendEntry({1, kApp, "1", base::maskUserId(alice), "", true, "none", ""}).ok());
  ASSERT_TRUE(store_->appendEntry({2, kApp, "1", base::legacyMaskUserId(alice), "", true, "none", ""}).ok());
  auto r = store_->eraseUser(kApp, alice, "op", 3);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(rowsIn(*r, "entry_events"), 2u);
  EXPECT_EQ(rowsMentioning("entry_events", kApp, base::legacyMaskUserId(alice)), 0);
  EXPECT_EQ(appRows("entry_events", kApp), 2);  // still counted for the SLA
}

TEST_P(DataProtectionTest, PurgeAppRemovesADeletedAppsDataAndScopeAndKeepsOthers) {
  createApp(kApp);
  createApp(kOtherApp);
  fillRoom(kApp, 1, "alice_0001", {"alice_0001", "bob_0002"}, t0_);
  fillRoom(kOtherApp, 1, "carol_0003", {"carol_0003"}, t0_);
  ASSERT_TRUE(store_->addSurgeNotice({0, kApp, t0_, t0_ + kHour, t0_, "concurrency"}).ok());
  ASSERT_TRUE(store_->appendAudit({t0_, "AKIDx", "DescribeRoomInfo", kApp, "Ok", "req-1", "10.0.0.*"}).ok());
  auto key = store_->createApiKey({kApp, kOtherApp}, "both");
  ASSERT_TRUE(key.ok());

  EXPECT_EQ(store_->purgeApp(kApp).error().code, kErrInvalidArgument);  // not deleted
  EXPECT_EQ(store_->purgeApp(1400009999).error().code, kErrAppNotFound);
  ASSERT_TRUE(store_->deleteApp(kApp).ok());
  auto report = store_->purgeApp(kApp);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(rowsIn(*report, "apps"), 1u);
  EXPECT_EQ(rowsIn(*report, "api_key_apps"), 1u);
  EXPECT_EQ(rowsIn(*report, "quality_samples"), 4u);
  EXPECT_EQ(rowsIn(*report, "surge_notices"), 1u);

  for (const std::string& table : tablesWithApp()) {
    if (table == "audit_log" || table == "erasure_log") continue;  // operator records, kept
    EXPECT_EQ(appRows(table, kApp), 0) << table;
  }
  EXPECT_EQ(appRows("audit_log", kApp), 1);
  auto gone = store_->getApp(kApp);
  ASSERT_TRUE(gone.ok());
  EXPECT_FALSE(gone->has_value());
  auto k = store_->getApiKey(key->secretId);
  ASSERT_TRUE(k.ok() && k->has_value());
  EXPECT_EQ((*k)->sdkAppIds, std::vector<uint32_t>{kOtherApp});
  EXPECT_EQ(appRows("user_sessions", kOtherApp), 1);
  EXPECT_EQ(appRows("quality_samples", kOtherApp), 1);
  EXPECT_EQ(appRows("callback_queue", kOtherApp), 1);
}

TEST_P(DataProtectionTest, PurgeExpiredKeepsEachCategoryForItsRetention) {
  createApp(kApp);
  const int64_t now = clock_.wallMs();
  RetentionPolicy p;
  // Just past and just inside each category's cut-off.
  auto q = [&](const std::string& user, int64_t t) {
    QualitySample s{kApp, commOf(kApp, 1), user, "", t, "server", {}};
    return s;
  };
  ASSERT_TRUE(store_->appendQuality(std::vector{q("old", now - p.qualityMs - 1), q("new", now - p.qualityMs)}).ok());
  ASSERT_TRUE(store_->appendUserEvent({commOf(kApp, 1), kApp, "old", now - p.qualityMs - 1, 7000, 0, -1}).ok());
  ASSERT_TRUE(store_->appendUserEvent({commOf(kApp, 1), kApp, "new", now - p.qualityMs, 7000, 0, -1}).ok());
  // Back-end logs age from their end; open ones stay however old.
  const int64_t oldEnd = now - p.backendLogsMs - 1;
  ASSERT_TRUE(store_->roomCreated({commOf(kApp, 2), kApp, "2", false, "u", oldEnd - kHour, oldEnd}).ok());
  ASSERT_TRUE(store_->roomCreated({commOf(kApp, 3), kApp, "3", false, "u", oldEnd - kHour, 0}).ok());
  ASSERT_TRUE(store_->roomCreated({commOf(kApp, 4), kApp, "4", false, "u", oldEnd - kHour, now - p.backendLogsMs}).ok());
  ASSERT_TRUE(store_->userJoined({commOf(kApp, 2), kApp, "2", "u", oldEnd - kHour, oldEnd, "", "", "", 1}).ok());
  ASSERT_TRUE(store_->userJoined({commOf(kApp, 3), kApp, "3", "u", oldEnd - kHour, 0, "", "", "", 0}).ok());
  ASSERT_TRUE(store_->appendEntry({now - p.entryEventsMs - 1, kApp, "1", "****", "", true, "none", ""}).ok());
  ASSERT_TRUE(store_->appendEntry({now - p.backendLogsMs - 1, kApp, "1", "****", "", true, "none", ""}).ok());
  ASSERT_TRUE(store_->appendAudit({now - p.auditMs - 1, "AKID", "A", kApp, "Ok", "r1", ""}).ok());
  ASSERT_TRUE(store_->appendAudit({now - p.auditMs, "AKID", "A", kApp, "Ok", "r2", ""}).ok());
  ASSERT_TRUE(store_->addSurgeNotice({0, kApp, now - p.auditMs - 10, now - p.auditMs - 1, 1, ""}).ok());
  ASSERT_TRUE(store_->addSurgeNotice({0, kApp, now - p.auditMs - 10, now - p.auditMs + 1, 1, ""}).ok());
  auto cb = store_->enqueueCallback(kApp, "{}", oldEnd);
  ASSERT_TRUE(cb.ok());
  ASSERT_TRUE(store_->failCallback(*cb, "HTTP 500", oldEnd).ok());
  ASSERT_TRUE(store_->enqueueCallback(kApp, "{}", oldEnd).ok());  // still pending: never aged out

  auto r = store_->purgeExpired(p, now);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(rowsIn(*r, "quality_samples"), 1u);
  EXPECT_EQ(rowsIn(*r, "user_events"), 1u);
  EXPECT_EQ(rowsIn(*r, "rooms"), 1u);
  EXPECT_EQ(rowsIn(*r, "user_sessions"), 1u);
  EXPECT_EQ(rowsIn(*r, "entry_events"), 1u);
  EXPECT_EQ(rowsIn(*r, "audit_log"), 1u);
  EXPECT_EQ(rowsIn(*r, "surge_notices"), 1u);
  EXPECT_EQ(rowsIn(*r, "callback_failures"), 1u);
  EXPECT_EQ(rowsIn(*r, "apps"), 0u);
  EXPECT_EQ(r->total(), 8u);
  EXPECT_EQ(rawCount("SELECT COUNT(*) FROM quality_samples WHERE user_id = 'new'"), 1);
  EXPECT_EQ(rawCount("SELECT COUNT(*) FROM rooms"), 2);
  EXPECT_EQ(rawCount("SELECT COUNT(*) FROM user_sessions"), 1);
  EXPECT_EQ(rawCount("SELECT COUNT(*) FROM callback_queue"), 1);
  auto again = store_->purgeExpired(p, now);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->total(), 0u);
}

TEST_P(DataProtectionTest, PurgeExpiredRemovesDeletedAppsAfterTheGrace) {
  createApp(kApp);
  createApp(kOtherApp);
  fillRoom(kApp, 1, "alice_0001", {"alice_0001"}, clock_.wallMs());
  ASSERT_TRUE(store_->deleteApp(kApp).ok());
  const int64_t deletedAt = clock_.wallMs();
  RetentionPolicy p;
  p.deletedAppGraceMs = kMsPerDay;
  auto early = store_->purgeExpired(p, deletedAt + kMsPerDay - 1);
  ASSERT_TRUE(early.ok());
  EXPECT_EQ(rowsIn(*early, "apps"), 0u);
  EXPECT_EQ(appRows("quality_samples", kApp), 1);
  auto due = store_->purgeExpired(p, deletedAt + kMsPerDay);
  ASSERT_TRUE(due.ok());
  EXPECT_EQ(rowsIn(*due, "apps"), 1u);
  EXPECT_EQ(rowsIn(*due, "user_sessions"), 1u);
  for (const std::string& table : tablesWithApp())
    if (table != "audit_log" && table != "erasure_log") {
      EXPECT_EQ(appRows(table, kApp), 0) << table;
    }
  auto other = store_->getApp(kOtherApp);
  ASSERT_TRUE(other.ok() && other->has_value());
}

TEST_P(DataProtectionTest, PurgeExpiredRefusesPoliciesOutsideR13) {
  RetentionPolicy p;
  p.deletedAppGraceMs = kMaxDeletedAppGraceMs + 1;
  EXPECT_EQ(store_->purgeExpired(p, 0).error().code, kErrInvalidArgument);
  p = {};
  p.qualityMs = 0;
  EXPECT_EQ(store_->purgeExpired(p, 0).error().code, kErrInvalidArgument);
  p = {};
  p.deletedAppGraceMs = -1;
  EXPECT_EQ(store_->purgeExpired(p, 0).error().code, kErrInvalidArgument);
}

TEST_P(DataProtectionTest, PurgeDeletesLargeBacklogsInBatches) {
  std::vector<QualitySample> batch;
  for (int i = 0; i < 12'345; ++i) batch.push_back({kApp, "c", "u" + std::to_string(i % 7), "", i, "sdk", {}});
  ASSERT_TRUE(store_->appendQuality(batch).ok());
  auto r = store_->purgeExpired({}, kDefaultQualityMs + 12'000);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(rowsIn(*r, "quality_samples"), 12'000u);
  EXPECT_EQ(rawCount("SELECT COUNT(*) FROM quality_samples"), 345);
}

TEST_P(DataProtectionTest, DescribeSchemaListsTheLiveColumns) {
  auto schema = store_->describeSchema();
  ASSERT_TRUE(schema.ok());
  std::set<std::pair<std::string, std::string>> cols(schema->begin(), schema->end());
  EXPECT_EQ(cols.size(), schema->size());
  EXPECT_TRUE(cols.count({"quality_samples", "jitter"}));
  EXPECT_TRUE(cols.count({"quality_samples", "a_play_energy"}));
  EXPECT_TRUE(cols.count({"erasure_log", "rows_removed"}));
  EXPECT_TRUE(cols.count({"schema_migrations", "version"}));
  EXPECT_TRUE(cols.count({"apps", "secret_key_enc"}));
  EXPECT_FALSE(cols.count({"erasure_log", "user_id"}));
  EXPECT_TRUE(std::is_sorted(schema->begin(), schema->end(),
                             [](const auto& a, const auto& b) { return a.first < b.first; }));
}

ATRIUM_STORE_ENGINES(DataProtectionTest);

}  // namespace
}  // namespace atrium::store
