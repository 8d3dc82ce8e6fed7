#include "base/ids.h"

#include <string>

namespace atrium::base {
namespace {

bool isStrRoomChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  static constexpr std::string_view kPunct = " !#$%&()+-:;<=.>?@[]^_{}|~,";
  return kPunct.find(c) != std::string_view::npos;
}

}  // namespace

bool isValidNumericRoomId(uint64_t id) { return id >= 1 && id <= kMaxNumericRoomId; }

bool isValidStrRoomId(std::string_view id) {
  if (id.empty() || id.size() > kMaxStrRoomIdBytes) return false;
  for (char c : id)
    if (!isStrRoomChar(c)) return false;
  return true;
}

bool isValidUserId(std::string_view id) {
  if (id.empty() || id.size() > kMaxUserIdBytes) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

Result<RoomId> makeRoomId(uint64_t numeric, std::string_view str) {
  if (numeric != 0) {
    if (!isValidNumericRoomId(numeric))
      return makeError("INVALID_ROOM_ID", "roomId must be an integer in 1..4294967294");
    return RoomId{static_cast<uint32_t>(numeric), {}};
  }
  if (str.empty()) return makeError("INVALID_ROOM_ID", "roomId or strRoomId is required");
  if (!isValidStrRoomId(str))
    return makeError("INVALID_ROOM_ID", "strRoomId must be 1..64 bytes of letters, digits, space and !#$%&()+-:;<=.>?@[]^_{}|~,");
  return RoomId{0, std::string(str)};
}

}  // namespace atrium::base
