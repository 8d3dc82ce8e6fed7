#include "callback/event.h"

#include <nlohmann/json.hpp>

#include "crypto/crypto.h"

namespace atrium::callback {

bool isKnownEventType(int eventType) {
  return (eventType >= kEventCreateRoom && eventType <= kEventChangeRole) ||
         (eventType >= kEventStartVideo && eventType <= kEventStopAssist);
}

int eventGroupOf(int eventType) {
  if (eventType >= 100 && eventType < 200) return kEventGroupRoom;
  if (eventType >= 200 && eventType < 300) return kEventGroupMedia;
  return 0;
}

std::string buildCallbackBody(const RoomEventInput& event, int64_t callbackTsMs) {
  // ordered_json keeps the documented key order: receivers that log or diff bodies see what the
  // TRTC documentation shows.
  nlohmann::ordered_json info;
  if (event.strRoom.empty()) {
    info["RoomId"] = event.numericRoom;
  } else {
    info["RoomId"] = event.strRoom;
  }
  info["EventTs"] = event.eventMs / 1000;
  info["EventMsTs"] = event.eventMs;
  if (!event.userId.empty()) info["UserId"] = event.userId;
  if (event.role) info["Role"] = *event.role;
  if (event.terminalType) info["TerminalType"] = *event.terminalType;
  if (event.userType) info["UserType"] = *event.userType;
  if (event.reason) info["Reason"] = *event.reason;

  nlohmann::ordered_json body;
  body["EventGroupId"] = eventGroupOf(event.eventType);
  body["EventType"] = event.eventType;
  body["CallbackTs"] = callbackTsMs;
  body["EventInfo"] = std::move(info);
  return body.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string signBody(std::string_view callbackKey, std::string_view body) {
  return crypto::base64Encode(crypto::hmacSha256(callbackKey, body));
}

}  // namespace atrium::callback
