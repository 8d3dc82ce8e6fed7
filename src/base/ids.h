// Identifier rules shared by signaling, rooms and the API (trtc-compat §5).
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace atrium::base {

inline constexpr uint32_t kMaxNumericRoomId = 4294967294u;
inline constexpr size_t kMaxStrRoomIdBytes = 64;
inline constexpr size_t kMaxUserIdBytes = 32;

// A room key: numeric and string rooms are separate namespaces, so "123" != 123.
struct RoomId {
  uint32_t numeric = 0;   // 0 when this is a string room
  std::string str;        // empty when this is a numeric room
  bool isString() const { return numeric == 0; }
  std::string display() const { return isString() ? "s:" + str : std::to_string(numeric); }
  auto operator<=>(const RoomId&) const = default;
};

// Full room identity: rooms of different apps never meet.
struct RoomKey {
  uint32_t sdkAppId = 0;
  RoomId room;
  auto operator<=>(const RoomKey&) const = default;
};

bool isValidNumericRoomId(uint64_t id);
bool isValidStrRoomId(std::string_view id);
// userId: 1..32 bytes of [A-Za-z0-9_-] (what the official SDKs accept and recommend).
bool isValidUserId(std::string_view id);

// Builds a RoomId from the two optional wire fields; roomId wins when both are given (TRTC rule).
Result<RoomId> makeRoomId(uint64_t numeric, std::string_view str);

}  // namespace atrium::base
