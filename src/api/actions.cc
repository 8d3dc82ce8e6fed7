#include "api/actions.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "api/api_error.h"
#include "base/quality_metrics.h"
#include "telemetry/sla_report.h"

namespace atrium::api {
namespace {

using nlohmann::json;
using Result = base::Result<json>;

constexpr int64_t kDayMs = 86'400'000;
constexpr int64_t kRetentionMs = 14 * kDayMs;  // quality/room data is queryable for 14 days (R13)
// 6 users x 1 h of 2-s reports x a handful of peers stays far below this; it bounds the worst case.
constexpr size_t kMaxQualityRows = 200'000;

#define TRY_ASSIGN(var, expr)              \
  auto var##_r = (expr);                   \
  if (!var##_r.ok()) return var##_r.error(); \
  auto& var = *var##_r

base::Result<base::RoomKey> numericRoom(const ActionContext& ctx, Params& p) {
  TRY_ASSIGN(id, p.integer("RoomId", true, 1, base::kMaxNumericRoomId));
  return base::RoomKey{ctx.sdkAppId, base::RoomId{static_cast<uint32_t>(*id), {}}};
}

base::Result<base::RoomKey> stringRoom(const ActionContext& ctx, Params& p) {
  TRY_ASSIGN(id, p.string("RoomId", true, base::kMaxStrRoomIdBytes));
  if (!base::isValidStrRoomId(*id))
    return apiError(parameterErrorCode(kInvalidParameterValue, "RoomId"),
                    "The value of parameter `RoomId` is invalid: 1..64 bytes of letters, digits, space and !#$%&()+-:;<=.>?@[]^_{}|~,.");
  return base::RoomKey{ctx.sdkAppId, base::RoomId{0, *id}};
}

using Effect = base::Result<ActionEffect>;

// Live-room effects run on the loop right after their audit record is written; the room may have
// ended meanwhile, which makes them no-ops.
Effect dismiss(const ActionContext& ctx, const base::RoomKey& key) {
  if (!ctx.deps.rooms.roomExists(key)) return apiError(kRoomNotExist, "The room does not exist.");
  return ActionEffect([rooms = &ctx.deps.rooms, key]() -> Result {
    rooms->dismissRoom(key);
    return json::object();
  });
}

Effect remove(const ActionContext& ctx, Params& p, const base::RoomKey& key) {
  TRY_ASSIGN(users, p.strings("UserIds", true, 1, 10));
  for (const auto& u : *users)
    if (!base::isValidUserId(u))
      return apiError(parameterErrorCode(kInvalidParameter, "UserIds"), "UserIds must hold valid userIds.");
  if (auto st = p.finish(); !st.ok()) return st.error();
  if (!ctx.deps.rooms.roomExists(key)) return apiError(kRoomNotExist, "The room does not exist.");
  return ActionEffect([rooms = &ctx.deps.rooms, key, users = *users]() -> Result {
    rooms->removeUsers(key, users);
    return json::object();
  });
}

struct Window {
  int64_t fromMs;
  int64_t toMs;
};

// StartTime/EndTime (Unix seconds): End not before Start, Start within the retention period,
// span at most maxSpanMs.
base::Result<Window> window(ActionContext& ctx, Params& p, int64_t maxSpanMs) {
  TRY_ASSIGN(start, p.integer("StartTime", true, 0, 1ull << 40));
  TRY_ASSIGN(end, p.integer("EndTime", true, 0, 1ull << 40));
  int64_t from = static_cast<int64_t>(*start) * 1000, to = static_cast<int64_t>(*end) * 1000;
  if (to < from) return apiError(parameterErrorCode(kInvalidParameter, "EndTime"), "EndTime must not be before StartTime.");
  if (from < ctx.nowMs - kRetentionMs)
    return apiError(parameterErrorCode(kInvalidParameter, "StartTimeExpire"), "StartTime must be within the last 14 days.");
  if (to - from > maxSpanMs)
    return apiError(parameterErrorCode(kInvalidParameter, "QueryScaleOversize"),
                    "The time span must not exceed " + std::to_string(maxSpanMs / 3'600'000) + " hours.");
  return Window{from, to + 999};  // EndTime is inclusive to the second
}

struct Page {
  size_t offset;
  size_t limit;
};

base::Result<Page> page(Params& p, uint64_t defaultSize) {
  TRY_ASSIGN(number, p.integer("PageNumber", false, 0, 1'000'000));
  auto size = p.integer("PageSize", false, 1, 1'000'000);
  if (!size.ok()) return size.error();
  uint64_t n = size->value_or(defaultSize);
  if (n > 100) return apiError(parameterErrorCode(kInvalidParameter, "PageSizeOversize"), "PageSize must be at most 100.");
  return Page{static_cast<size_t>(number.value_or(0) * n), static_cast<size_t>(n)};
}

base::Result<std::string> commId(ActionContext& ctx, Params& p) {
  TRY_ASSIGN(id, p.string("CommId", true, 128));
  if (id->rfind(std::to_string(ctx.sdkAppId) + "_", 0) != 0)
    return apiError(kInvalidParameter, "CommId must be SdkAppId_RoomId_CreateTime of this SdkAppId.");
  return *id;
}

json userList(const std::vector<store::UserSessionRecord>& sessions, int64_t nowMs) {
  json list = json::array();
  for (const auto& s : sessions)
    list.push_back({{"RoomStr", s.room}, {"UserId", s.userId}, {"JoinTs", s.joinedAtMs / 1000},
                    {"LeaveTs", (s.leftAtMs ? s.leftAtMs : nowMs) / 1000}, {"DeviceType", s.deviceType},
                    {"SdkVersion", s.sdkVersion}, {"ClientIp", s.maskedIp}, {"Finished", s.leftAtMs != 0}});
  return list;
}

Result describeRoomInfo(ActionContext& ctx, Params& p) {
  TRY_ASSIGN(w, window(ctx, p, kDayMs));
  TRY_ASSIGN(room, p.string("RoomId", false, base::kMaxStrRoomIdBytes));
  TRY_ASSIGN(pg, page(p, 10));
  if (auto st = p.finish(); !st.ok()) return st.error();
  auto rooms = ctx.deps.roomLog.listRooms(ctx.sdkAppId, w.fromMs, w.toMs, room, pg.offset, pg.limit);
  if (!rooms.ok()) return apiError(kInternalError, "room query failed");
  json list = json::array();
  for (const auto& r : rooms->first)
    list.push_back({{"CommId", r.commId}, {"RoomString", r.room}, {"CreateTime", r.createdAtMs / 1000},
                    {"DestroyTime", r.destroyedAtMs / 1000}, {"IsFinished", r.destroyedAtMs != 0},
                    {"UserId", r.creatorUserId}});
  return json{{"Total", rooms->second}, {"RoomList", std::move(list)}};
}

Result describeUserInfo(ActionContext& ctx, Params& p) {
  TRY_ASSIGN(comm, commId(ctx, p));
  TRY_ASSIGN(w, window(ctx, p, 4 * 3'600'000));
  TRY_ASSIGN(users, p.strings("UserIds", false, 1, 100));
  TRY_ASSIGN(pg, page(p, 6));
  if (auto st = p.finish(); !st.ok()) return st.error();
  auto sessions = ctx.deps.roomLog.listUserSessions(ctx.sdkAppId, comm, w.fromMs, w.toMs,
                                                    users.value_or(std::vector<std::string>{}), pg.offset, pg.limit);
  if (!sessions.ok()) return apiError(kInternalError, "user query failed");
  return json{{"Total", sessions->second}, {"UserList", userList(sessions->first, ctx.nowMs)}};
}

// DataType names → metric indexes: "all" is TRTC's 17; "jitter" (ours) only by name.
base::Result<std::vector<size_t>> metricIndexes(const std::vector<std::string>& names) {
  std::vector<size_t> out;
  for (const auto& name : names) {
    if (name == "all") {
      for (size_t i = 0; i < base::kTrtcQualityMetricCount; ++i) out.push_back(i);
      continue;
    }
    auto index = base::qualityMetricIndex(name);
    if (!index) return apiError(parameterErrorCode(kInvalidParameter, "DataType"), "Unknown DataType: " + name.substr(0, 32) + ".");
    out.push_back(*index);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// One series per (user, peer, metric), as TRTC returns them. The client's own measurements
// (source "sdk") are the series; the server's RTCP view fills in a series the client did not
// report (e.g. loss and jitter of a publisher whose SDK sends no statistics).
json qualityData(const std::vector<store::QualitySample>& rows, const std::vector<size_t>& metrics) {
  using Key = std::tuple<std::string, std::string, size_t>;
  std::map<Key, std::pair<json, json>> series;  // (sdk, server) contents
  for (const auto& r : rows)
    for (size_t m : metrics) {
      if (m >= r.values.size() || !r.values[m]) continue;
      auto& [sdk, server] = series[Key{r.userId, r.peerId, m}];
      (r.source == "server" ? server : sdk).push_back({{"Time", r.timeMs / 1000}, {"Value", *r.values[m]}});
    }
  json data = json::array();
  for (auto& [key, contents] : series) {
    auto& [user, peer, metric] = key;
    json content = contents.first.is_null() ? std::move(contents.second) : std::move(contents.first);
    data.push_back({{"UserId", user}, {"PeerId", peer}, {"DataType", base::kQualityMetricNames[metric]},
                    {"Content", std::move(content)}});
  }
  return data;
}

// Users of the call and, with DataType, their quality series (trtc-compat §4.2).
Result describeCallDetailInfo(ActionContext& ctx, Params& p) {
  TRY_ASSIGN(comm, commId(ctx, p));
  TRY_ASSIGN(types, p.strings("DataType", false, 1, base::kQualityMetricNames.size() + 1));
  bool withData = types.has_value();
  TRY_ASSIGN(w, window(ctx, p, withData ? 3'600'000 : 4 * 3'600'000));
  TRY_ASSIGN(users, p.strings("UserIds", false, 1, withData ? 6 : 100));
  TRY_ASSIGN(pg, page(p, 6));
  if (auto st = p.finish(); !st.ok()) return st.error();
  std::vector<size_t> metrics;
  if (withData) {
    auto m = metricIndexes(*types);
    if (!m.ok()) return m.error();
    metrics = std::move(*m);
  }
  auto sessions = ctx.deps.roomLog.listUserSessions(ctx.sdkAppId, comm, w.fromMs, w.toMs,
                                                    users.value_or(std::vector<std::string>{}), pg.offset, pg.limit);
  if (!sessions.ok()) return apiError(kInternalError, "user query failed");
  json out{{"Total", sessions->second}, {"UserList", userList(sessions->first, ctx.nowMs)}};
  if (!withData) return out;
  // Without UserIds, the data of the users on this page (at most PageSize of them).
  std::vector<std::string> who = users.value_or(std::vector<std::string>{});
  if (who.empty())
    for (const auto& s : sessions->first)
      if (std::find(who.begin(), who.end(), s.userId) == who.end()) who.push_back(s.userId);
  json data = json::array();
  if (!who.empty()) {
    auto rows = ctx.deps.quality.listQuality(ctx.sdkAppId, comm, who, w.fromMs, w.toMs, kMaxQualityRows);
    if (!rows.ok()) return apiError(kInternalError, "quality query failed");
    data = qualityData(*rows, metrics);
  }
  out["Data"] = std::move(data);
  return out;
}

Result describeUserEvent(ActionContext& ctx, Params& p) {
  TRY_ASSIGN(comm, commId(ctx, p));
  TRY_ASSIGN(w, window(ctx, p, kDayMs));
  TRY_ASSIGN(user, p.string("UserId", true, base::kMaxUserIdBytes));
  TRY_ASSIGN(room, p.string("RoomId", true, base::kMaxStrRoomIdBytes));
  if (auto st = p.finish(); !st.ok()) return st.error();
  auto found = ctx.deps.roomLog.findRoom(ctx.sdkAppId, comm);
  if (!found.ok()) return apiError(kInternalError, "room query failed");
  if (!found->has_value() || (*found)->room != *room) return apiError(kRoomNotExist, "No room with this CommId and RoomId.");
  auto events = ctx.deps.roomLog.listUserEvents(ctx.sdkAppId, comm, *user, w.fromMs, w.toMs);
  if (!events.ok()) return apiError(kInternalError, "event query failed");
  json content = json::array();
  for (const auto& e : *events)
    content.push_back({{"Type", 0}, {"Time", e.timeMs}, {"EventId", e.eventId}, {"ParamOne", e.paramOne},
                       {"ParamTwo", e.paramTwo}});
  return json{{"Data", json::array({json{{"Content", std::move(content)}, {"PeerId", ""}}})}};
}

Result describeScaleInfo(ActionContext& ctx, Params& p) {
  TRY_ASSIGN(w, window(ctx, p, 14 * kDayMs));
  if (auto st = p.finish(); !st.ok()) return st.error();
  auto days = ctx.deps.roomLog.scale(ctx.sdkAppId, w.fromMs, w.toMs);
  if (!days.ok()) return apiError(kInternalError, "scale query failed");
  json list = json::array();
  for (const auto& d : *days)
    list.push_back({{"Time", d.dayStartSec}, {"UserNumber", d.distinctUsers}, {"UserCount", d.entries},
                    {"RoomNumbers", d.rooms}});
  return json{{"Total", list.size()}, {"ScaleList", std::move(list)}};
}

// Our own action (not TRTC's): the SLA report of one service month (R20-R22), same envelope.
Result describeSlaReport(ActionContext& ctx, Params& p) {
  TRY_ASSIGN(monthText, p.string("Month", true, 7));
  TRY_ASSIGN(fee, p.string("MonthlyFee", false, 32));
  if (auto st = p.finish(); !st.ok()) return st.error();
  auto month = telemetry::parseYearMonth(*monthText);
  if (!month.ok()) return apiError(parameterErrorCode(kInvalidParameterValue, "Month"), "Month must be YYYY-MM.");
  telemetry::SlaOptions options;
  if (fee) {
    auto cents = telemetry::parseMoneyCents(*fee);
    if (!cents.ok()) return apiError(kInvalidParameterValue, "MonthlyFee must be an amount like \"1000.00\".");
    options.feeCents = *cents;
  }
  auto channels = telemetry::loadChannelDays(ctx.deps.roomLog, ctx.sdkAppId, telemetry::calendarServiceMonth(*month),
                                             options.thresholds);
  if (channels.ok()) options.channelDays = std::move(*channels);
  // Advance notices registered with `atrium sla notice add` (R23).
  auto notices = telemetry::loadSurgeNotices(ctx.deps.surgeNotices, ctx.sdkAppId, telemetry::calendarServiceMonth(*month));
  if (!notices.ok()) return apiError(kInternalError, "surge notice query failed");
  options.notices = std::move(*notices);
  auto report = telemetry::buildSlaReport(ctx.deps.entries, ctx.sdkAppId, *month, options);
  if (!report.ok()) return apiError(kInternalError, "SLA report failed");
  json unavailable = json::array();
  for (const auto& u : report->units)
    if (telemetry::isUnavailable(u))
      unavailable.push_back({{"Time", u.startMs / 1000}, {"Requests", u.requests()}, {"ServiceFailures", u.serviceFailures},
                             {"Excluded", u.excluded}});
  json out{{"Month", telemetry::toString(*month)},
           {"DowntimeMinutes", report->downtimeMinutes},
           {"Availability", static_cast<double>(report->availabilityHundredths) / 100.0},
           {"UnavailableUnits", report->unavailableUnits},
           {"ExcludedUnits", report->excludedUnits},
           {"CompensationPercent", report->compensationPercent},
           {"UnavailableUnitList", std::move(unavailable)}};
  if (report->feeCents) out["CompensationCents"] = report->compensationCents;
  return out;
}

// Our own action (not TRTC's): a data-subject erasure (R13) of one user of the app, same envelope
// as DescribeSlaReport. ApiService has already checked that the key's scope holds the app and
// audits the request like any other; the erasure log records the SecretId as who asked, never the
// user id. A write, so it needs a signed payload (ApiService refuses UNSIGNED-PAYLOAD for it).
Effect eraseUserData(const ActionContext& ctx, Params& p) {
  TRY_ASSIGN(user, p.string("UserId", true, base::kMaxUserIdBytes));
  if (auto st = p.finish(); !st.ok()) return st.error();
  if (!base::isValidUserId(*user))
    return apiError(parameterErrorCode(kInvalidParameter, "UserId"), "UserId must be a valid userId.");
  return ActionEffect([ctx, user = *user]() -> Result {
    auto report = ctx.deps.dataProtection.eraseUser(ctx.sdkAppId, user, "API " + ctx.secretId, ctx.nowMs);
    if (!report.ok()) return apiError(kInternalError, "erasure failed");
    json tables = json::array();
    for (const auto& [table, rows] : report->rowsByTable) tables.push_back({{"Table", table}, {"Rows", rows}});
    return json{{"RowsRemoved", report->total()}, {"RowsByTable", std::move(tables)}};
  });
}

using Body = std::shared_ptr<const json>;

// The action's parameters; SdkAppId was read and checked by the pipeline already.
Params actionParams(const json& body) {
  Params p(body);
  (void)p.integer("SdkAppId", true, 1, UINT32_MAX);
  return p;
}

// A query: the whole handler, parameter checks included, runs on the worker (reads never need an
// audit record first, so nothing is gained by validating on the loop).
ActionDef query(ActionHandler handler) {
  return ActionDef{ActionRuns::kWorker, false, [handler](const ActionContext& ctx, Body body) -> Effect {
                     return ActionEffect([handler, ctx, body]() -> Result {
                       ActionContext c = ctx;
                       Params p = actionParams(*body);
                       return handler(c, p);
                     });
                   }};
}

// Parameters checked on the loop, then the effect (on the loop for live rooms, else on a worker).
template <typename F>
ActionDef changing(ActionRuns runs, F validate) {
  return ActionDef{runs, true, [validate](const ActionContext& ctx, Body body) -> Effect {
                     Params p = actionParams(*body);
                     return validate(ctx, p);
                   }};
}

const std::map<std::string_view, ActionDef>& actions() {
  static const std::map<std::string_view, ActionDef> kActions = {
      {"DismissRoom", changing(ActionRuns::kLoop, [](const ActionContext& ctx, Params& p) -> Effect {
         TRY_ASSIGN(key, numericRoom(ctx, p));
         if (auto st = p.finish(); !st.ok()) return st.error();
         return dismiss(ctx, key);
       })},
      {"DismissRoomByStrRoomId", changing(ActionRuns::kLoop, [](const ActionContext& ctx, Params& p) -> Effect {
         TRY_ASSIGN(key, stringRoom(ctx, p));
         if (auto st = p.finish(); !st.ok()) return st.error();
         return dismiss(ctx, key);
       })},
      {"RemoveUser", changing(ActionRuns::kLoop, [](const ActionContext& ctx, Params& p) -> Effect {
         TRY_ASSIGN(key, numericRoom(ctx, p));
         return remove(ctx, p, key);
       })},
      {"RemoveUserByStrRoomId", changing(ActionRuns::kLoop, [](const ActionContext& ctx, Params& p) -> Effect {
         TRY_ASSIGN(key, stringRoom(ctx, p));
         return remove(ctx, p, key);
       })},
      {"DescribeRoomInfo", query(describeRoomInfo)},
      {"DescribeUserInfo", query(describeUserInfo)},
      {"DescribeCallDetailInfo", query(describeCallDetailInfo)},
      {"DescribeUserEvent", query(describeUserEvent)},
      {"DescribeScaleInfo", query(describeScaleInfo)},
      {"DescribeSlaReport", query(describeSlaReport)},
      {"EraseUserData", changing(ActionRuns::kWorker, eraseUserData)},
  };
  return kActions;
}

}  // namespace

const ActionDef* findAction(std::string_view name) {
  auto it = actions().find(name);
  return it == actions().end() ? nullptr : &it->second;
}

}  // namespace atrium::api
