// The media requests of the signaling protocol (publish, unpublish, subscribe, subscribeAnswer):
// permission checks here, SDP work in the media plane behind the MediaControl port.
#include "signal/service_impl.h"

namespace atrium::signal {
namespace {

uint32_t sendPrivilege(const std::string& stream) {
  if (stream == "audio") return auth::kPrivSendAudio;
  if (stream == "sub") return auth::kPrivSendSubVideo;
  return auth::kPrivSendVideo;
}

uint32_t receivePrivilege(const std::string& stream) {
  if (stream == "audio") return auth::kPrivRecvAudio;
  if (stream == "sub") return auth::kPrivRecvSubVideo;
  return auth::kPrivRecvVideo;
}

}  // namespace

void SignalingService::Impl::publish(Connection& c, std::optional<int64_t> id, const PublishReq& req) {
  Session* s = sessionOf(c);
  if (!s) return replyError(c, id, makeError("INVALID_STATE", "not in a room"));
  if (s->role != room::Role::kAnchor) return replyError(c, id, makeError("PERMISSION_DENIED", "only anchors may publish"));
  if (s->app.advancedPermission)
    for (const auto& [mid, stream] : req.streams)
      if ((s->privileges & sendPrivilege(stream)) == 0)
        return replyError(c, id, makeError(std::string(auth::kPmkNoPrivilege), "the privateMapKey does not allow sending " + stream));
  if (!media) return replyError(c, id, makeError("INTERNAL", "the media plane is not running"));
  auto result = media->publish(mediaRef(*s), req.sdp, req.streams, req.reconnect);
  if (!result.ok()) return replyError(c, id, result.error());
  std::set<std::string> now(result->activeStreams.begin(), result->activeStreams.end());
  std::set<std::string> added, removed;
  // A renewed connection has new tracks: subscribers must drop the old ones and take the new.
  for (const auto& x : now)
    if (result->renewed || !s->published.count(x)) added.insert(x);
  for (const auto& x : s->published)
    if (result->renewed || !now.count(x)) removed.insert(x);
  s->published = now;
  reply(c, id, nlohmann::json{{"sdp", result->answerSdp}}.dump());
  announceStreams(*s, removed, false);
  announceStreams(*s, added, true);
  notifyStreams(*s, removed, false);
  notifyStreams(*s, added, true);
}

void SignalingService::Impl::unpublish(Connection& c, std::optional<int64_t> id) {
  Session* s = sessionOf(c);
  if (!s) return replyError(c, id, makeError("INVALID_STATE", "not in a room"));
  if (media) media->unpublish(mediaRef(*s));
  auto gone = std::move(s->published);
  s->published.clear();
  reply(c, id);
  announceStreams(*s, gone, false);
  notifyStreams(*s, gone, false);
}

void SignalingService::Impl::subscribe(Connection& c, std::optional<int64_t> id, const SubscribeReq& req) {
  Session* s = sessionOf(c);
  if (!s) return replyError(c, id, makeError("INVALID_STATE", "not in a room"));
  if (s->app.advancedPermission)
    for (const auto& [user, stream, small] : req.streams)
      if ((s->privileges & receivePrivilege(stream)) == 0)
        return replyError(c, id, makeError(std::string(auth::kPmkNoPrivilege), "the privateMapKey does not allow receiving " + stream));
  // Only streams of this room's members, as published now: the media plane never looks further.
  const room::Room* r = rooms.find(s->key);
  for (const auto& [user, stream, small] : req.streams) {
    auto m = r ? r->members.find(user) : decltype(r->members.end()){};
    auto other = r && m != r->members.end() ? sessions.find(m->second.session) : sessions.end();
    if (other == sessions.end() || !other->second.published.count(stream) || user == s->userId)
      return replyError(c, id, makeError("STREAM_NOT_FOUND", "no such stream in this room: " + stream + " of that user"));
  }
  if (!media) return replyError(c, id, makeError("INTERNAL", "the media plane is not running"));
  auto offer = media->subscribe(mediaRef(*s), req.streams, req.iceRestart, req.reconnect);
  if (!offer.ok()) return replyError(c, id, offer.error());
  reply(c, id, nlohmann::json{{"sdp", *offer}}.dump());
}

void SignalingService::Impl::subscribeAnswer(Connection& c, std::optional<int64_t> id, const SubscribeAnswerReq& req) {
  Session* s = sessionOf(c);
  if (!s) return replyError(c, id, makeError("INVALID_STATE", "not in a room"));
  if (!media) return replyError(c, id, makeError("INTERNAL", "the media plane is not running"));
  auto st = media->subscribeAnswer(mediaRef(*s), req.sdp);
  if (!st.ok()) return replyError(c, id, st.error());
  reply(c, id);
}

void SignalingService::Impl::mediaFailed(SessionId session, MediaConnection connection, const std::string& reason) {
  auto it = sessions.find(session);
  if (it == sessions.end()) return;
  Session& s = it->second;
  base::log::warn("session {}: its {} media connection failed ({}); asking the client to rebuild it",
                  base::MaskedUser{s.userId}, toString(connection), reason);
  if (connection == MediaConnection::kPublish) {
    // The media plane dropped the tracks with the transport; others learn the streams stopped,
    // and that they are back when the client publishes on its new connection.
    auto gone = std::move(s.published);
    s.published.clear();
    announceStreams(s, gone, false);
    notifyStreams(s, gone, false);
  }
  pushEvent(s, room::MediaFailed{toString(connection), reason});
}

#ifdef ATRIUM_TEST_HOOKS
void SignalingService::Impl::failMediaForTest(Connection& c, std::optional<int64_t> id, const FailMediaForTestReq& req) {
  if (!testRequests) return replyError(c, id, makeError("BAD_REQUEST", "unknown request type"));
  Session* s = sessionOf(c);
  if (!s) return replyError(c, id, makeError("INVALID_STATE", "not in a room"));
  if (!media) return replyError(c, id, makeError("INTERNAL", "the media plane is not running"));
  media->failConnectionForTest(mediaRef(*s), req.connection);
  reply(c, id);
}
#endif

}  // namespace atrium::signal
