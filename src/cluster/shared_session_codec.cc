#include "cluster/shared_session_codec.h"

#include <charconv>

#include "base/ids.h"

namespace atrium::cluster {
namespace {

base::Error bad(std::string what) { return base::makeError("BAD_SHARED_SESSION", std::move(what)); }

template <typename T>
bool parseNumber(const std::string& text, T& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

bool isLowerHex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace

std::string sessionKey(std::string_view publicId) { return "atrium:session:" + std::string(publicId); }

std::vector<std::pair<std::string, std::string>> sharedSessionFields(const signal::SharedSession& s, const std::string& owner) {
  const base::RoomId& room = s.room.room;
  return {{"owner", owner},
          {"token", s.resumeTokenHash},
          {"app", std::to_string(s.room.sdkAppId)},
          {"room", room.isString() ? room.str : std::to_string(room.numeric)},
          {"strRoom", room.isString() ? "1" : "0"},
          {"user", s.userId},
          {"role", room::roleName(s.role)},
          {"scene", room::sceneName(s.scene)},
          {"priv", std::to_string(s.privileges)},
          {"seq", std::to_string(s.lastSeq)}};
}

base::Result<DecodedSession> decodeSharedSession(std::string_view publicId, const std::map<std::string, std::string>& f) {
  auto field = [&](const char* name) -> const std::string* {
    auto it = f.find(name);
    return it == f.end() ? nullptr : &it->second;
  };
  for (const char* name : {"owner", "token", "app", "room", "strRoom", "user", "role", "scene", "priv", "seq"})
    if (!field(name)) return bad(std::string("missing field ") + name);
  DecodedSession out;
  signal::SharedSession& s = out.session;
  if (publicId.size() != 32 || !isLowerHex(publicId)) return bad("session id is not 32 hex digits");
  s.publicId = std::string(publicId);
  out.owner = *field("owner");
  if (out.owner.empty() || out.owner.size() > 64) return bad("owner must be 1..64 bytes");
  s.resumeTokenHash = *field("token");
  if (s.resumeTokenHash.size() != 64 || !isLowerHex(s.resumeTokenHash)) return bad("token hash is not 64 hex digits");
  uint64_t app = 0;
  if (!parseNumber(*field("app"), app) || app == 0 || app > UINT32_MAX) return bad("app is not 1..4294967295");
  s.room.sdkAppId = static_cast<uint32_t>(app);
  const std::string& strRoom = *field("strRoom");
  if (strRoom != "0" && strRoom != "1") return bad("strRoom is not 0 or 1");
  uint64_t numeric = 0;
  if (strRoom == "0" && !parseNumber(*field("room"), numeric)) return bad("room is not a number");
  auto room = base::makeRoomId(numeric, strRoom == "1" ? std::string_view(*field("room")) : std::string_view());
  if (!room.ok()) return bad("room: " + room.error().message);
  s.room.room = *room;
  s.userId = *field("user");
  if (!base::isValidUserId(s.userId)) return bad("user is not a valid user id");
  const std::string& role = *field("role");
  if (role == "anchor") s.role = room::Role::kAnchor;
  else if (role == "audience") s.role = room::Role::kAudience;
  else return bad("role is not anchor or audience");
  const std::string& scene = *field("scene");
  if (scene == "rtc") s.scene = room::Scene::kRtc;
  else if (scene == "live") s.scene = room::Scene::kLive;
  else return bad("scene is not rtc or live");
  if (!parseNumber(*field("priv"), s.privileges)) return bad("priv is not a 32-bit number");
  if (!parseNumber(*field("seq"), s.lastSeq)) return bad("seq is not a number");
  return out;
}

}  // namespace atrium::cluster
