// Room and media event callbacks (TRTC webhook, docs spec trtc-compat.md §6): the JSON body an app's
// callback URL receives, and its Sign header. Pure functions: no clock, no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace atrium::callback {

// Event types (EventType). 1xx are room events (EventGroupId 1), 2xx media events (group 2).
inline constexpr int kEventCreateRoom = 101;
inline constexpr int kEventDismissRoom = 102;
inline constexpr int kEventEnterRoom = 103;
inline constexpr int kEventExitRoom = 104;
inline constexpr int kEventChangeRole = 105;
inline constexpr int kEventStartVideo = 201;
inline constexpr int kEventStopVideo = 202;
inline constexpr int kEventStartAudio = 203;
inline constexpr int kEventStopAudio = 204;
inline constexpr int kEventStartAssist = 205;  // sub-stream (TRTC spells it START_ASSIT)
inline constexpr int kEventStopAssist = 206;

inline constexpr int kEventGroupRoom = 1;
inline constexpr int kEventGroupMedia = 2;

// Role values of EventInfo.Role.
inline constexpr int kRoleAnchor = 20;
inline constexpr int kRoleAudience = 21;

bool isKnownEventType(int eventType);
// 1 for 1xx, 2 for 2xx, 0 for anything else.
int eventGroupOf(int eventType);

struct RoomEventInput {
  int eventType = 0;  // 101..105, 201..206
  uint32_t sdkAppId = 0;
  // The room as the client named it: strRoom when non-empty (RoomId is sent as a JSON string),
  // numericRoom otherwise (sent as a JSON number). Apps compare RoomId with what their clients used.
  uint32_t numericRoom = 0;
  std::string strRoom;
  std::string userId;  // 101/102: the creator / last user; omitted from the body when empty
  int64_t eventMs = 0;  // wall-clock Unix ms of the event itself
  std::optional<int> role;          // kRoleAnchor / kRoleAudience
  std::optional<int> reason;        // enter: 1..4, exit: 1..5 (see the spec)
  std::optional<int> terminalType;  // enter only: 1 Windows, 2 Android, 3 iOS, 4 Linux, 100 other
  std::optional<int> userType;      // enter only: 1 WebRTC, 2 mini-program, 3 native SDK
};

// {"EventGroupId":G,"EventType":N,"CallbackTs":ms,"EventInfo":{"RoomId":..,"EventTs":s,
//  "EventMsTs":ms,"UserId":"..","Role":..,"TerminalType":..,"UserType":..,"Reason":..}}
// Keys in the documented order; optional fields only when set. Invalid UTF-8 in ids is replaced
// (U+FFFD) rather than failing, so a bad id cannot stop an event from being recorded.
std::string buildCallbackBody(const RoomEventInput& event, int64_t callbackTsMs);

// Sign header: base64(HMAC-SHA256(key = callback key, message = the exact body bytes)).
std::string signBody(std::string_view callbackKey, std::string_view body);

}  // namespace atrium::callback
