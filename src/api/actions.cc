#include "api/actions.h"

#include <map>

#include "api/api_error.h"
#include "telemetry/sla_report.h"

namespace atrium::api {
namespace {

using nlohmann::json;
using Result = base::Result<json>;

constexpr int64_t kDayMs = 86'400'000;
constexpr int64_t kRetentionMs = 14 * kDayMs;  // quality/room data is queryable for 14 days (R13)

#define TRY_ASSIGN(var, expr)              \
  auto var##_r = (expr);                   \
  if (!var##_r.ok()) return var##_r.error(); \
  auto& var = *var##_r

base::Result<base::RoomKey> numericRoom(ActionContext& ctx, Params& p) {
  TRY_ASSIGN(id, p.integer("RoomId", true, 1, base::kMaxNumericRoomId));
  return base::RoomKey{ctx.sdkAppId, base::RoomId{static_cast<uint32_t>(*id), {}}};
}

base::Result<base::RoomKey> stringRoom(ActionContext& ctx, Params& p) {
  TRY_ASSIGN(id, p.string("RoomId", true, base::kMaxStrRoomIdBytes));
  if (!base::isValidStrRoomId(*id))
    return apiError(parameterErrorCode(kInvalidParameterValue, "RoomId"),
                    "The value of parameter `RoomId` is invalid: 1..64 bytes of letters, digits, space and !#$%&()+-:;<=.>?@[]^_{}|~,.");
  return base::RoomKey{ctx.sdkAppId, base::RoomId{0, *id}};
}

Result dismiss(ActionContext& ctx, const base::RoomKey& key) {
  if (!ctx.deps.rooms.roomExists(key)) return apiError(kRoomNotExist, "The room does not exist.");
  ctx.deps.rooms.dismissRoom(key);
  return json::object();
}

Result remove(ActionContext& ctx, Params& p, const base::RoomKey& key) {
  TRY_ASSIGN(users, p.strings("UserIds", true, 1, 10));
  for (const auto& u : *users)
    if (!base::isValidUserId(u))
      return apiError(parameterErrorCode(kInvalidParameter, "UserIds"), "UserIds must hold valid userIds.");
  if (auto st = p.finish(); !st.ok()) return st.error();
  if (!ctx.deps.rooms.roomExists(key)) return apiError(kRoomNotExist, "The room does not exist.");
  ctx.deps.rooms.removeUsers(key, *users);
  return json::object();
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
  json list = json::array();
  for (const auto& s : sessions->first)
    list.push_back({{"RoomStr", s.room}, {"UserId", s.userId}, {"JoinTs", s.joinedAtMs / 1000},
                    {"LeaveTs", (s.leftAtMs ? s.leftAtMs : ctx.nowMs) / 1000}, {"DeviceType", s.deviceType},
                    {"SdkVersion", s.sdkVersion}, {"ClientIp", s.maskedIp}, {"Finished", s.leftAtMs != 0}});
  return json{{"Total", sessions->second}, {"UserList", std::move(list)}};
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

const std::map<std::string_view, ActionHandler>& actions() {
  static const std::map<std::string_view, ActionHandler> kActions = {
      {"DismissRoom",
       [](ActionContext& ctx, Params& p) -> Result {
         TRY_ASSIGN(key, numericRoom(ctx, p));
         if (auto st = p.finish(); !st.ok()) return st.error();
         return dismiss(ctx, key);
       }},
      {"DismissRoomByStrRoomId",
       [](ActionContext& ctx, Params& p) -> Result {
         TRY_ASSIGN(key, stringRoom(ctx, p));
         if (auto st = p.finish(); !st.ok()) return st.error();
         return dismiss(ctx, key);
       }},
      {"RemoveUser",
       [](ActionContext& ctx, Params& p) -> Result {
         TRY_ASSIGN(key, numericRoom(ctx, p));
         return remove(ctx, p, key);
       }},
      {"RemoveUserByStrRoomId",
       [](ActionContext& ctx, Params& p) -> Result {
         TRY_ASSIGN(key, stringRoom(ctx, p));
         return remove(ctx, p, key);
       }},
      {"DescribeRoomInfo", describeRoomInfo},
      {"DescribeUserInfo", describeUserInfo},
      {"DescribeUserEvent", describeUserEvent},
      {"DescribeScaleInfo", describeScaleInfo},
      {"DescribeSlaReport", describeSlaReport},
  };
  return kActions;
}

}  // namespace

const ActionHandler* findAction(std::string_view name) {
  auto it = actions().find(name);
  return it == actions().end() ? nullptr : &it->second;
}

}  // namespace atrium::api
