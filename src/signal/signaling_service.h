// SignalingService: the signaling state machine for every connection and session (docs/protocol.md).
// Single-threaded: the control-plane loop calls onOpen/onText/onClose/tick; nothing here blocks on
// sockets or sleeps. Time comes from the injected Clock, so tests drive timeouts by hand.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "base/clock.h"
#include "base/token_bucket.h"
#include "room/room_directory.h"
#include "signal/ports.h"
#include "signal/protocol.h"

namespace atrium::signal {

struct SignalingLimits {
  size_t maxMessageBytes = 65536;
  double messagesPerSecond = 50;
  double messageBurst = 100;
  int64_t authTimeoutMs = 10000;
  int maxBadMessages = 5;
  size_t maxConnectionsPerIp = 64;
  double entriesPerIpPerSecond = 5;
  double entryBurstPerIp = 20;
  int64_t sessionGraceMs = 30000;
  int64_t heartbeatIntervalMs = 5000;
  int64_t clockSkewSeconds = 30;
  size_t maxSessions = 100000;
  size_t eventBufferSize = 256;
  // Custom messages (R4): per sender.
  double customMessagesPerSecond = 30;
  double customBytesPerSecond = 8192;
  size_t customMessageMaxBytes = 1000;
};

// How often the sessions held here are reported alive to the shared session store, whose records
// expire after the grace period plus twice this (so a dead process's sessions go by themselves).
inline constexpr int64_t kSharedKeepAliveMs = 10000;

struct SignalingStats {
  uint64_t connectionsRefused = 0;
  uint64_t badMessages = 0;
  uint64_t rateLimited = 0;
  uint64_t entriesOk = 0;
  uint64_t entriesFailed = 0;
  uint64_t qualityDropped = 0;  // quality reports over the per-session rate
  uint64_t sessionsTakenOver = 0;  // resumes of sessions another process held
  uint64_t takeoversRefused = 0;   // ... refused (unknown there too, wrong token, app gone, room full)
};

class SignalingService {
 public:
  SignalingService(SignalingLimits limits, base::Clock& clock, ConnectionSink& sink, AppSource& apps,
                   EntryRecorder& entries, uint32_t mediaWorkers = 1);
  ~SignalingService();
  // Optional: told about every room and membership change (not owned; may be null).
  void setObserver(RoomObserver* observer);
  // Optional: the media plane for publish/subscribe (not owned; may be null: requests then fail).
  void setMedia(MediaControl* media);
  // Optional: where sessions outlive this process, so that a resume after a restart or on another
  // node succeeds (not owned; null: sessions live only here).
  void setSessionStore(SessionStore* store);
  // Optional: receives clients' quality reports (not owned; may be null: reports are dropped).
  void setQualitySink(QualitySink* sink);

  // Connection lifecycle. onOpen returns false when the connection must be refused (per-IP cap).
  bool onOpen(ConnId conn, std::string ip);
  void onText(ConnId conn, std::string_view text);
  void onBinary(ConnId conn);
  void onActivity(ConnId conn);  // a pong or any frame: the peer is alive
  void onClose(ConnId conn);
  // Runs deadlines (auth timeout, heartbeat timeout, session grace). Call a few times a second.
  void tick();

  // Server-side control (the REST API): kicked users get kicked-out (room_disband / banned).
  // dismissRoom returns how many users were in the room; removeUser whether the user was there.
  size_t dismissRoom(const base::RoomKey& key);
  bool removeUser(const base::RoomKey& key, const std::string& userId);
  // The media plane's active-speaker detection: tells everyone in the room who is speaking.
  void announceActiveSpeaker(const base::RoomKey& key, const std::string& userId);
  // The media plane lost one of a session's connections (its transport failed and is gone): the
  // client gets `media-failed` and rebuilds it; a lost publishing connection stops its streams.
  void mediaConnectionFailed(room::SessionId session, MediaConnection connection, const std::string& reason);
#ifdef ATRIUM_TEST_HOOKS
  // Accept the failMediaForTest request (atriumd: dev mode only).
  void allowTestRequestsForTest(bool allow);
#endif

  const room::RoomDirectory& rooms() const;
  const SignalingStats& stats() const;
  size_t connectionCount() const;
  size_t sessionCount() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace atrium::signal
