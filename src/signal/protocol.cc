#include "signal/protocol.h"

#include <nlohmann/json.hpp>

#include "base/quality_metrics.h"
#include "base/json_depth.h"
#include "signal/errors.h"

namespace atrium::signal {
namespace {

using nlohmann::json;

constexpr int64_t kMaxSafeInteger = (int64_t{1} << 53) - 1;

base::Error badRequest(std::string message) { return base::makeError("BAD_REQUEST", std::move(message)); }
base::Error invalid(std::string message) { return base::makeError("INVALID_PARAMETER", std::move(message)); }

// Field readers: missing/wrong type -> BAD_REQUEST naming the field.
struct Fields {
  const json& obj;

  const json* find(const char* name) const {
    auto it = obj.find(name);
    return it == obj.end() || it->is_null() ? nullptr : &*it;
  }
  std::optional<base::Error> str(const char* name, std::string& out, bool required) const {
    const json* v = find(name);
    if (!v) return required ? std::optional(badRequest(std::string("missing field data.") + name)) : std::nullopt;
    if (!v->is_string()) return badRequest(std::string("data.") + name + " must be a string");
    out = v->get<std::string>();
    return std::nullopt;
  }
  std::optional<base::Error> uint(const char* name, uint64_t& out, bool required) const {
    const json* v = find(name);
    if (!v) return required ? std::optional(badRequest(std::string("missing field data.") + name)) : std::nullopt;
    if (v->is_number_unsigned()) {
      out = v->get<uint64_t>();
      return std::nullopt;
    }
    if (v->is_number_integer()) return invalid(std::string("data.") + name + " must not be negative");
    return badRequest(std::string("data.") + name + " must be an integer");
  }
  std::optional<base::Error> boolean(const char* name, bool& out) const {
    const json* v = find(name);
    if (!v) return std::nullopt;
    if (!v->is_boolean()) return badRequest(std::string("data.") + name + " must be a boolean");
    out = v->get<bool>();
    return std::nullopt;
  }
};

#ifdef ATRIUM_TEST_HOOKS
std::optional<base::Error> readConnection(const Fields& f, MediaConnection& out) {
  std::string s;
  if (auto e = f.str("connection", s, true)) return e;
  if (s == "publish") out = MediaConnection::kPublish;
  else if (s == "subscribe") out = MediaConnection::kSubscribe;
  else return invalid("data.connection must be \"publish\" or \"subscribe\"");
  return std::nullopt;
}
#endif

// {"<metric>": number, ...}: known names only, finite values in [0, kMaxQualityValue].
std::optional<base::Error> readMetrics(const json& obj, QualityEntry& out) {
  if (!obj.is_object()) return badRequest("quality metrics must be an object of name -> number");
  if (obj.size() > base::kQualityMetricNames.size()) return invalid("too many quality metrics");
  for (const auto& [name, value] : obj.items()) {
    auto index = base::qualityMetricIndex(name);
    if (!index) return invalid("unknown quality metric: " + name.substr(0, 32));
    if (!value.is_number()) return badRequest("quality metric values must be numbers");
    double v = value.get<double>();
    if (!(v >= 0 && v <= base::kMaxQualityValue)) return invalid("quality metric out of range: " + name);
    out.values.emplace_back(*index, v);
  }
  return std::nullopt;
}

std::optional<base::Error> readRole(const Fields& f, room::Role& role, bool required) {
  std::string s;
  if (auto e = f.str("role", s, required)) return e;
  if (s.empty() && !required) return std::nullopt;
  if (s == "anchor") role = room::Role::kAnchor;
  else if (s == "audience") role = room::Role::kAudience;
  else return invalid("data.role must be \"anchor\" or \"audience\"");
  return std::nullopt;
}

std::variant<RequestBody, base::Error> parseBody(const std::string& type, const json& data) {
  Fields f{data};
  if (type == "enterRoom") {
    EnterRoomReq r;
    if (auto e = f.uint("sdkAppId", r.sdkAppId, true)) return *e;
    if (auto e = f.str("userId", r.userId, true)) return *e;
    if (auto e = f.str("userSig", r.userSig, true)) return *e;
    if (auto e = f.uint("roomId", r.roomId, false)) {
      // A negative room id breaks the room id rule rather than being a generic range error.
      if (e->code == "INVALID_PARAMETER") return base::makeError("INVALID_ROOM_ID", "roomId must be an integer in 1..4294967294");
      return *e;
    }
    if (auto e = f.str("strRoomId", r.strRoomId, false)) return *e;
    if (auto e = readRole(f, r.role, false)) return *e;
    std::string scene;
    if (auto e = f.str("scene", scene, false)) return *e;
    if (scene == "live") r.scene = room::Scene::kLive;
    else if (scene.empty() || scene == "rtc") r.scene = room::Scene::kRtc;
    else return invalid("data.scene must be \"rtc\" or \"live\"");
    if (auto e = f.str("privateMapKey", r.privateMapKey, false)) return *e;
    return RequestBody{std::move(r)};
  }
  if (type == "resume") {
    ResumeReq r;
    if (auto e = f.str("sessionId", r.sessionId, true)) return *e;
    if (auto e = f.str("resumeToken", r.resumeToken, true)) return *e;
    if (auto e = f.uint("lastSeq", r.lastSeq, false)) return *e;
    return RequestBody{std::move(r)};
  }
  if (type == "publish") {
    PublishReq r;
    if (auto e = f.str("sdp", r.sdp, true)) return *e;
    const json* streams = f.find("streams");
    if (!streams || !streams->is_object()) return badRequest("data.streams must be an object of mid -> stream");
    for (const auto& [mid, stream] : streams->items()) {
      if (!stream.is_string()) return badRequest("data.streams values must be strings");
      const auto& v = stream.get_ref<const std::string&>();
      if (v != "audio" && v != "main" && v != "sub") return invalid("data.streams values must be audio, main or sub");
      if (r.streams.size() >= 16) return invalid("at most 16 streams");
      r.streams[mid] = v;
    }
    if (auto e = f.boolean("reconnect", r.reconnect)) return *e;
    return RequestBody{std::move(r)};
  }
  if (type == "unpublish") return RequestBody{UnpublishReq{}};
  if (type == "subscribe") {
    SubscribeReq r;
    const json* streams = f.find("streams");
    if (!streams || !streams->is_array()) return badRequest("data.streams must be an array of {userId, stream}");
    if (streams->size() > 64) return invalid("at most 64 streams");
    for (const auto& item : *streams) {
      if (!item.is_object() || !item.contains("userId") || !item["userId"].is_string() || !item.contains("stream") ||
          !item["stream"].is_string())
        return badRequest("data.streams items must be {userId: string, stream: string}");
      const auto& stream = item["stream"].get_ref<const std::string&>();
      if (stream != "audio" && stream != "main" && stream != "sub") return invalid("stream must be audio, main or sub");
      bool small = false;
      if (auto s = item.find("small"); s != item.end()) {
        if (!s->is_boolean()) return badRequest("data.streams[].small must be a boolean");
        small = s->get<bool>();
        if (small && stream != "main") return invalid("only the main stream has a small layer");
      }
      r.streams.push_back({item["userId"].get<std::string>(), stream, small});
    }
    if (auto e = f.boolean("iceRestart", r.iceRestart)) return *e;
    if (auto e = f.boolean("reconnect", r.reconnect)) return *e;
    return RequestBody{std::move(r)};
  }
  if (type == "quality") {
    QualityReq r;
    QualityEntry own;
    if (const json* up = f.find("up"))
      if (auto e = readMetrics(*up, own)) return *e;
    r.entries.push_back(std::move(own));
    if (const json* down = f.find("down")) {
      if (!down->is_array()) return badRequest("data.down must be an array of {userId, metrics}");
      if (down->size() > kMaxQualityPeers) return invalid("at most 50 entries in data.down");
      for (const auto& item : *down) {
        if (!item.is_object() || !item.contains("userId") || !item["userId"].is_string() || !item.contains("metrics"))
          return badRequest("data.down items must be {userId: string, metrics: object}");
        QualityEntry peer;
        peer.peerId = item["userId"].get<std::string>();
        if (!base::isValidUserId(peer.peerId)) return invalid("data.down[].userId is not a valid userId");
        if (auto e = readMetrics(item["metrics"], peer)) return *e;
        r.entries.push_back(std::move(peer));
      }
    }
    return RequestBody{std::move(r)};
  }
  if (type == "subscribeAnswer") {
    SubscribeAnswerReq r;
    if (auto e = f.str("sdp", r.sdp, true)) return *e;
    return RequestBody{std::move(r)};
  }
  if (type == "exitRoom") return RequestBody{ExitRoomReq{}};
#ifdef ATRIUM_TEST_HOOKS
  if (type == "failMediaForTest") {
    FailMediaForTestReq r;
    if (auto e = readConnection(f, r.connection)) return *e;
    return RequestBody{r};
  }
#endif
  if (type == "heartbeat") return RequestBody{HeartbeatReq{}};
  if (type == "switchRole") {
    SwitchRoleReq r;
    if (auto e = readRole(f, r.role, true)) return *e;
    if (auto e = f.str("privateMapKey", r.privateMapKey, false)) return *e;
    return RequestBody{std::move(r)};
  }
  if (type == "sendCustomMessage") {
    SendCustomMessageReq r;
    uint64_t cmd = 0;
    if (auto e = f.uint("cmdId", cmd, true)) return *e;
    if (cmd < 1 || cmd > 10) return invalid("data.cmdId must be 1..10");
    r.cmdId = static_cast<uint32_t>(cmd);
    if (auto e = f.str("data", r.data, true)) return *e;
    return RequestBody{std::move(r)};
  }
  return base::makeError("UNKNOWN_TYPE", "unknown request type");
}

}  // namespace

std::variant<Request, ParseFailure> parseRequest(std::string_view text) {
  if (!base::jsonDepthWithin(text, kMaxJsonDepth)) return ParseFailure{std::nullopt, badRequest("JSON nested too deeply")};
  json doc = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return ParseFailure{std::nullopt, badRequest("message is not valid JSON")};
  if (!doc.is_object()) return ParseFailure{std::nullopt, badRequest("message must be a JSON object")};

  std::optional<int64_t> id;
  if (auto it = doc.find("id"); it != doc.end() && !it->is_null()) {
    if (!it->is_number_unsigned() || it->get<uint64_t>() > static_cast<uint64_t>(kMaxSafeInteger))
      return ParseFailure{std::nullopt, badRequest("id must be an integer 0..2^53-1")};
    id = static_cast<int64_t>(it->get<uint64_t>());
  }
  auto v = doc.find("v");
  if (v == doc.end() || !v->is_number_integer())
    return ParseFailure{id, badRequest("missing or non-integer field v")};
  if (v->get<int64_t>() != kProtocolVersion)
    return ParseFailure{id, base::makeError("UNSUPPORTED_VERSION", "protocol version must be 1")};
  auto type = doc.find("type");
  if (type == doc.end() || !type->is_string()) return ParseFailure{id, badRequest("missing or non-string field type")};

  static const json kEmpty = json::object();
  const json* data = &kEmpty;
  if (auto it = doc.find("data"); it != doc.end() && !it->is_null()) {
    if (!it->is_object()) return ParseFailure{id, badRequest("data must be an object")};
    data = &*it;
  }
  auto body = parseBody(type->get<std::string>(), *data);
  if (auto* err = std::get_if<base::Error>(&body)) return ParseFailure{id, std::move(*err)};
  return Request{id, std::move(std::get<RequestBody>(body))};
}

namespace {

json idJson(std::optional<int64_t> id) { return id ? json(*id) : json(nullptr); }

json errorJson(const base::Error& error) {
  const ProtocolError& pe = protocolError(error.code);
  return json{{"code", pe.code}, {"name", pe.name}, {"message", error.message}};
}

json eventData(const room::RoomEvent& event, std::string& name) {
  return std::visit(
      [&](const auto& e) -> json {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, room::UserEntered>) {
          name = "remote-user-enter";
          return {{"userId", e.userId}, {"role", room::roleName(e.role)}};
        } else if constexpr (std::is_same_v<T, room::UserExited>) {
          name = "remote-user-exit";
          return {{"userId", e.userId}, {"reason", static_cast<int>(e.reason)}};
        } else if constexpr (std::is_same_v<T, room::KickedOut>) {
          name = "kicked-out";
          static constexpr const char* kMessages[] = {"the same userId entered the room elsewhere",
                                                      "removed from the room by the server",
                                                      "the room was dismissed"};
          return {{"reason", room::kickReasonName(e.reason)}, {"message", kMessages[static_cast<int>(e.reason)]}};
        } else if constexpr (std::is_same_v<T, room::StreamChanged>) {
          // TRTC v5 event names: audio has its own pair; video carries the stream type.
          if (e.stream == "audio") {
            name = e.available ? "remote-audio-available" : "remote-audio-unavailable";
            return {{"userId", e.userId}};
          }
          name = e.available ? "remote-video-available" : "remote-video-unavailable";
          return {{"userId", e.userId}, {"streamType", e.stream}};
        } else if constexpr (std::is_same_v<T, room::MediaFailed>) {
          name = "media-failed";
          return {{"connection", e.connection}, {"reason", e.reason}};
        } else {
          name = "custom-message";
          return {{"userId", e.userId}, {"cmdId", e.cmdId}, {"seq", e.seq}, {"data", e.data}};
        }
      },
      event);
}

}  // namespace

std::string encodeOk(std::optional<int64_t> id, const std::string& dataJson) {
  json out{{"v", kProtocolVersion}, {"type", "response"}, {"id", idJson(id)}, {"ok", true}};
  out["data"] = dataJson.empty() ? json::object() : json::parse(dataJson);
  return out.dump();
}

std::string encodeError(std::optional<int64_t> id, const base::Error& error) {
  json out{{"v", kProtocolVersion}, {"type", "response"}, {"id", idJson(id)}, {"ok", false}, {"error", errorJson(error)}};
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string encodeEvent(const room::RoomEvent& event, std::optional<uint64_t> seq) {
  std::string name;
  json data = eventData(event, name);
  json out{{"v", kProtocolVersion}, {"type", "event"}, {"event", name}};
  if (seq) out["seq"] = *seq;
  out["data"] = std::move(data);
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string encodeErrorEvent(const base::Error& error) {
  json out{{"v", kProtocolVersion}, {"type", "event"}, {"event", "error"}, {"data", errorJson(error)}};
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string encodeActiveSpeaker(const std::string& userId) {
  json out{{"v", kProtocolVersion}, {"type", "event"}, {"event", "active-speaker"}, {"data", {{"userId", userId}}}};
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string encodeEnteredData(const EnteredInfo& info) {
  json users = json::array();
  for (const auto& u : info.users) users.push_back({{"userId", u.userId}, {"role", room::roleName(u.role)}});
  json out{{"sessionId", info.sessionId},
           {"resumeToken", info.resumeToken},
           {"roomId", info.room.numeric},
           {"strRoomId", info.room.str},
           {"scene", room::sceneName(info.scene)},
           {"role", room::roleName(info.role)},
           {"users", std::move(users)},
           {"heartbeatIntervalMs", info.heartbeatIntervalMs},
           {"sessionGraceMs", info.sessionGraceMs},
           {"serverTime", info.serverTimeMs}};
  if (info.eventsLost) out["eventsLost"] = true;
  if (info.mediaLost) out["mediaLost"] = true;
  return out.dump();
}

}  // namespace atrium::signal
