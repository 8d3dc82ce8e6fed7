// Internal to src/sdp: pieces shared by the publish (answerer) and subscribe (offerer) sides.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "sdp/negotiation.h"
#include "sdp/session_description.h"

namespace atrium::sdp::detail {

// Non-empty and free of spaces and line breaks: safe to write into one SDP token.
bool isSafeToken(std::string_view text);
// Free of CR, LF and NUL (may contain spaces): safe as the tail of one SDP line.
bool isSafeLineText(std::string_view text);
// A mid we accept from offers and write in ours: 1-32 rid-id characters (RTP MID is an SDES
// item of at most 255 bytes, but 16 keeps it in a one-byte header extension; browsers use 1-3).
bool isValidMid(std::string_view mid);

base::Status validateLocal(const LocalParams& local);
base::Status validateCodec(const NegotiatedCodec& codec);

// v o s t, a=ice-lite and a=msid-semantic of every description the SFU writes.
SessionDescription localSession(const LocalParams& local);
// c=, candidates, end-of-candidates, ICE credentials, fingerprints and setup: written into every
// bundled section (as Chrome does) so any browser finds them wherever it looks.
void addLocalTransport(MediaSection& m, const LocalParams& local, Setup setup);
// A rejected section: port 0, inactive, one format kept because the m= grammar requires one.
void markRejected(MediaSection& m);

// The remote ICE/DTLS parameters from the section `tag` (the BUNDLE tag), falling back to the
// session level. `errorCode` is the code used when credentials or the fingerprint are missing.
base::Result<RemoteTransport> remoteTransport(const SessionDescription& d, const MediaSection& tag,
                                              std::string_view errorCode);

// Payload types: one answer/offer format line set per negotiated codec (codec, then its RTX).
void addCodecFormats(MediaSection& m, const NegotiatedCodec& codec);

}  // namespace atrium::sdp::detail
