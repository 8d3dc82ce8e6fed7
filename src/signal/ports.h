// The narrow interfaces the signaling service needs from the outside world. The composition
// root (src/app) implements them over the WebSocket server and the store.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <vector>
#include <optional>
#include <string>
#include <string_view>

#include "base/ids.h"
#include "base/result.h"
#include "room/room_directory.h"

namespace atrium::signal {

using ConnId = uint64_t;

// Close codes (docs/protocol.md).
inline constexpr uint16_t kCloseNormal = 1000;
inline constexpr uint16_t kCloseGoingAway = 1001;
inline constexpr uint16_t kClosePolicy = 1008;
inline constexpr uint16_t kCloseTooBig = 1009;
inline constexpr uint16_t kCloseResumedElsewhere = 4000;
inline constexpr uint16_t kCloseAuthTimeout = 4001;
inline constexpr uint16_t kCloseHeartbeatTimeout = 4002;

// Outbound side of connections.
class ConnectionSink {
 public:
  virtual ~ConnectionSink() = default;
  virtual void send(ConnId conn, std::string text) = 0;
  virtual void close(ConnId conn, uint16_t code, std::string_view reason) = 0;
  // The connection entered a room or resumed a session: it has proved it holds a valid ticket
  // (the listener moves it to its budget of authenticated connections; issue 15).
  virtual void authenticated(ConnId) {}
};

// What signaling needs to know about an application.
struct AppInfo {
  uint32_t sdkAppId = 0;
  std::string secretKey;
  bool active = true;
  bool advancedPermission = false;
  uint32_t maxRtcUsers = 300;
  uint32_t maxLiveUsers = 100000;
  uint32_t maxPublishers = 50;
  uint32_t maxRooms = 0;
  bool callbacks = false;  // the app has a callback URL: its room activity becomes callbacks
};

class AppSource {
 public:
  virtual ~AppSource() = default;
  // nullopt: no such app; an Error: the lookup itself failed (a service-side failure).
  virtual base::Result<std::optional<AppInfo>> findApp(uint32_t sdkAppId) = 0;
  // A source that caches (issue 10) may be behind on a change another process made a moment ago:
  // a new app, an app enabled again, a rotated secret key. Before an entry is refused for a reason
  // such a change explains, the service asks here; the source reads again off the loop and calls
  // `again` on the loop afterwards (true), or has nothing fresher to read (false).
  virtual bool recheck(uint32_t sdkAppId, std::function<void()> again) {
    (void)sdkAppId;
    (void)again;
    return false;
  }
};

// One entry request's outcome for the entry event log (R20). User and IP arrive masked.
struct EntryRecord {
  int64_t timeMs = 0;
  uint32_t sdkAppId = 0;
  std::string room;
  std::string maskedUserId;
  std::string maskedIp;
  bool success = false;
  std::string cause;  // "none" | "client" | "service"
  std::string errorCode;
};

class EntryRecorder {
 public:
  virtual ~EntryRecorder() = default;
  virtual void recordEntry(const EntryRecord& record) = 0;
};

// Room lifecycle facts, for the room event log, the Describe* API actions and callbacks (R9).
// The user id is the app's own data here (the app's backend receives it); the IP arrives masked.
struct RoomActivity {
  // kStreamStarted/kStreamStopped: a publisher started or stopped a stream ("audio", "main",
  // "sub") by publishing; leaving the room reports only kUserExited (as TRTC's callbacks do).
  enum class Kind { kRoomCreated, kRoomDestroyed, kUserEntered, kUserExited, kRoleChanged, kStreamStarted, kStreamStopped };
  Kind kind;
  int64_t timeMs = 0;
  base::RoomKey room;
  std::string userId;
  room::Role role = room::Role::kAnchor;
  room::ExitReason exitReason = room::ExitReason::kNormal;
  std::string maskedIp;
  std::string stream;  // with kStreamStarted / kStreamStopped
};

// One client statistics report (R10, docs/protocol.md `quality`): the reporter's own upstream and
// device metrics (peerId "") and one entry per remote user it receives. Metric indexes are into
// base::kQualityMetricNames; values are already range-checked.
struct QualityEntry {
  std::string peerId;
  std::vector<std::pair<size_t, double>> values;
};
struct QualityReport {
  base::RoomKey room;
  std::string userId;
  int64_t timeMs = 0;
  std::vector<QualityEntry> entries;
};

class QualitySink {
 public:
  virtual ~QualitySink() = default;
  virtual void onQuality(QualityReport report) = 0;
};

// The media plane as signaling sees it: SDP in, SDP out (docs/protocol.md "Media").
struct MediaSessionRef {
  room::SessionId session = 0;
  base::RoomKey room;
  std::string userId;
  uint32_t worker = 0;  // the media worker the room is pinned to
};

struct PublishResult {
  std::string answerSdp;
  std::vector<std::string> activeStreams;  // "audio" / "main" / "sub" the publisher now sends
  // The offer came from a new peer connection (reconnect asked, or a new DTLS fingerprint): a new
  // transport replaced the old one and every stream starts over, with new tracks.
  bool renewed = false;
};

// A client's two peer connections.
enum class MediaConnection : uint8_t { kPublish, kSubscribe };
inline const char* toString(MediaConnection c) { return c == MediaConnection::kPublish ? "publish" : "subscribe"; }

// One stream a subscriber wants: whose, which, and for main video which simulcast layer.
struct StreamWant {
  std::string userId;
  std::string stream;  // "audio" | "main" | "sub"
  bool small = false;  // main video: the small (low) layer when the publisher sends one
  bool operator==(const StreamWant&) const = default;
};

class MediaControl {
 public:
  virtual ~MediaControl() = default;
  // reconnect: the offer comes from a new peer connection; the old transport goes.
  virtual base::Result<PublishResult> publish(const MediaSessionRef& ref, const std::string& offerSdp,
                                              const std::map<std::string, std::string>& streamsByMid, bool reconnect) = 0;
  virtual void unpublish(const MediaSessionRef& ref) = 0;
  // Returns the SFU's offer for the subscriber connection carrying exactly these streams.
  // iceRestart: the client's subscribing connection lost its path; offer new ICE credentials.
  // reconnect: the client built a new subscribing peer connection; a new transport replaces the
  // old one (new ICE and DTLS) and every stream is offered afresh.
  virtual base::Result<std::string> subscribe(const MediaSessionRef& ref, const std::vector<StreamWant>& streams,
                                              bool iceRestart, bool reconnect) = 0;
  virtual base::Status subscribeAnswer(const MediaSessionRef& ref, const std::string& answerSdp) = 0;
  virtual void sessionEnded(const MediaSessionRef& ref) = 0;
#ifdef ATRIUM_TEST_HOOKS
  // Fails the connection's transport on its worker as a dead DTLS session would.
  virtual void failConnectionForTest(const MediaSessionRef& ref, MediaConnection connection) = 0;
#endif
};

// A session as another process needs it to take the session over after a restart or on another
// node (issue 10): who, where, with which rights. No media and no event buffer: the client builds
// its connections anew and learns that events were lost.
struct SharedSession {
  std::string publicId;
  std::string resumeTokenHash;  // SHA-256 (hex) of the resume token: the shared store never holds the token
  base::RoomKey room;
  std::string userId;
  room::Role role = room::Role::kAnchor;
  room::Scene scene = room::Scene::kRtc;
  uint32_t privileges = 0;
  uint64_t lastSeq = 0;  // the last event sequence number sent when this was saved
  bool operator==(const SharedSession&) const = default;
};

// Where sessions outlive this process (Redis). Every call returns at once; the work happens on
// the store's own thread, and failures are counted there (a session that could not be saved is
// simply not resumable elsewhere).
class SessionStore {
 public:
  virtual ~SessionStore() = default;
  virtual void save(const SharedSession& session) = 0;
  virtual void remove(const std::string& publicId) = 0;
  // The sessions this process holds are alive: their records must not expire.
  virtual void keepAlive(std::vector<std::string> publicIds) = 0;
  // Looks a session up; `done` runs later on the control loop, with nullopt when there is no such
  // session or the lookup failed.
  virtual void find(const std::string& publicId, std::function<void(std::optional<SharedSession>)> done) = 0;
};

class RoomObserver {
 public:
  virtual ~RoomObserver() = default;
  virtual void onRoomActivity(const RoomActivity& activity) = 0;
  // Whether an entry into a room of this app may happen now: false when the activity it causes
  // could not be kept (callbacks must not be lost while the store refuses writes, issue 10). The
  // entry is then refused with OVERLOADED and nothing happens.
  virtual bool acceptsActivity(const AppInfo& app) {
    (void)app;
    return true;
  }
};

}  // namespace atrium::signal
