// Resuming a session another process held (a restart, another node; issue 10): the shared
// session store says who it was and where, the resume token proves it, and the session starts
// here afresh: the client learns that events were lost and builds its media connections anew.
#include "signal/service_impl.h"

namespace atrium::signal {

void SignalingService::Impl::takeOver(ConnId conn, std::optional<int64_t> id, const ResumeReq& req,
                                      std::optional<SharedSession> found) {
  auto it = conns.find(conn);
  if (it == conns.end() || it->second.closing) return;  // the client went while we looked
  Connection& c = it->second;
  c.resumePending = false;
  if (c.session) return replyError(c, id, makeError("INVALID_STATE", "this connection is already in a room"));
  // Resumed here meanwhile (the client retried on another connection): an ordinary resume.
  if (sessionsByPublicId.count(req.sessionId)) return resume(c, id, req);
  auto refuse = [&](base::Error e) {
    ++stats.takeoversRefused;
    replyError(c, id, e);
  };
  if (!found || found->publicId != req.sessionId)
    return refuse(makeError("SESSION_NOT_FOUND", "no resumable session with this id"));
  std::string tokenHash = crypto::toHex(crypto::sha256(crypto::asBytes(req.resumeToken)));
  if (!crypto::constantTimeEqual(crypto::asBytes(tokenHash), crypto::asBytes(found->resumeTokenHash)))
    return refuse(makeError("RESUME_DENIED", "wrong resume token"));
  if (sessions.size() >= limits.maxSessions) return refuse(makeError("OVERLOADED", "server is at capacity"));
  // The app as it is now: disabled or deleted meanwhile ends the session, as a new entry would.
  auto app = activeApp(found->room.sdkAppId);
  if (!app.ok()) return refuse(app.error());
  if (observer && !observer->acceptsActivity(*app))
    return refuse(makeError("OVERLOADED", "room events cannot be recorded right now; try again later"));
  NewSession n{found->room, found->userId, found->role, found->scene, *app, found->privileges,
               found->publicId, req.resumeToken, std::max(found->lastSeq, req.lastSeq), true};
  auto started = startSession(c, id, std::move(n));
  if (!started.ok()) return refuse(started.error());
  ++stats.sessionsTakenOver;
}

}  // namespace atrium::signal
