// Wire codec of the signaling protocol (docs/protocol.md): text frame -> typed request, and
// responses/events -> text. Pure functions; malformed input is a normal outcome.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/result.h"
#include "signal/ports.h"
#include "room/room_directory.h"

namespace atrium::signal {

inline constexpr int kProtocolVersion = 1;
inline constexpr int kMaxJsonDepth = 16;

struct EnterRoomReq {
  uint64_t sdkAppId = 0;
  std::string userId;
  std::string userSig;
  uint64_t roomId = 0;
  std::string strRoomId;
  room::Role role = room::Role::kAnchor;
  room::Scene scene = room::Scene::kRtc;
  std::string privateMapKey;
};
struct ResumeReq {
  std::string sessionId;
  std::string resumeToken;
  uint64_t lastSeq = 0;
};
struct ExitRoomReq {};
struct SwitchRoleReq {
  room::Role role = room::Role::kAnchor;
  std::string privateMapKey;
};
struct SendCustomMessageReq {
  uint32_t cmdId = 0;
  std::string data;  // base64 as received (validated by the service)
};
struct HeartbeatReq {};
// Media negotiation (docs/protocol.md "Media").
struct PublishReq {
  std::string sdp;                             // the browser's offer
  std::map<std::string, std::string> streams;  // mid -> "audio" | "main" | "sub"
  bool reconnect = false;                      // the offer is from a new peer connection
};
struct UnpublishReq {};
struct SubscribeReq {
  std::vector<StreamWant> streams;
  bool iceRestart = false;
  bool reconnect = false;  // the client's subscribing peer connection is new
};
struct SubscribeAnswerReq {
  std::string sdp;
};
// Client statistics every 2 s (docs/protocol.md `quality`).
struct QualityReq {
  std::vector<QualityEntry> entries;  // the first is the reporter's own (peerId "")
};
inline constexpr size_t kMaxQualityPeers = 50;

#ifdef ATRIUM_TEST_HOOKS
// Test builds only, and only in dev mode: fail one of the caller's media transports on the server.
struct FailMediaForTestReq {
  MediaConnection connection = MediaConnection::kPublish;
};
#define ATRIUM_TEST_REQUESTS , FailMediaForTestReq
#else
#define ATRIUM_TEST_REQUESTS
#endif

using RequestBody = std::variant<EnterRoomReq, ResumeReq, ExitRoomReq, SwitchRoleReq, SendCustomMessageReq, HeartbeatReq,
                                 PublishReq, UnpublishReq, SubscribeReq, SubscribeAnswerReq, QualityReq ATRIUM_TEST_REQUESTS>;

struct Request {
  std::optional<int64_t> id;
  RequestBody body;
};

// A parse failure: the protocol error name and, when it could be read, the request id.
struct ParseFailure {
  std::optional<int64_t> id;
  base::Error error;
};

std::variant<Request, ParseFailure> parseRequest(std::string_view text);

// Output side. `dataJson` arguments are already-serialized JSON objects.
std::string encodeOk(std::optional<int64_t> id, const std::string& dataJson);
std::string encodeError(std::optional<int64_t> id, const base::Error& error);
std::string encodeEvent(const room::RoomEvent& event, std::optional<uint64_t> seq);
std::string encodeErrorEvent(const base::Error& error);
// `active-speaker {userId}`: not sequenced (nor replayed on resume) — only the latest matters.
std::string encodeActiveSpeaker(const std::string& userId);

struct EnteredInfo {
  std::string sessionId;
  std::string resumeToken;
  base::RoomId room;
  room::Scene scene;
  room::Role role;
  std::vector<room::UserEntered> users;
  int64_t heartbeatIntervalMs;
  int64_t sessionGraceMs;
  int64_t serverTimeMs;
  bool eventsLost = false;
  // The session was taken over from another process: none of its media connections exist here.
  bool mediaLost = false;
};
std::string encodeEnteredData(const EnteredInfo& info);

}  // namespace atrium::signal
