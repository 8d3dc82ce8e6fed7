// Offer/answer for an ICE-lite, DTLS-passive SFU with one BUNDLEd transport per peer connection
// (JSEP, RFC 8829; BUNDLE, RFC 8843). Pure functions from descriptions to descriptions and
// parameter structs; the caller owns all state (the previous offer, session versions, SSRCs).
//
//   publish:   browser offer ──answerPublishOffer──▶ answer + PublishParams (what arrives, how)
//   subscribe: SubscribeSpec ──buildSubscribeOffer──▶ offer ──browser──▶ answer
//              offer + answer ──applySubscribeAnswer──▶ SubscribeParams (what the browser accepted)
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "sdp/session_description.h"

namespace atrium::sdp {

// Header extension URIs we negotiate (RFC 8285 registry names as browsers write them).
inline constexpr std::string_view kExtMid = "urn:ietf:params:rtp-hdrext:sdes:mid";
inline constexpr std::string_view kExtRid = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id";
inline constexpr std::string_view kExtRepairedRid = "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id";
inline constexpr std::string_view kExtAbsSendTime = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time";
inline constexpr std::string_view kExtTransportCc =
    "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";
inline constexpr std::string_view kExtAudioLevel = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";

// One codec the SFU forwards. Matching an offered format: same name (any case), clock rate and,
// when `channels` != 0, channel count; then the codec's own rules (see codec_params.h).
struct CodecCapability {
  MediaKind kind = MediaKind::kVideo;
  std::string name;  // "opus", "red", "VP8", "VP9", "H264", "AV1"
  uint32_t clockRate = 90000;
  uint16_t channels = 0;
  bool rtx = false;                 // negotiate its RTX format (RFC 4588) when offered
  std::vector<std::string> rtcpFb;  // feedback we accept, e.g. "nack pli"
  // VP9: accepted profile-id values ("0", "2"). H264: accepted profile-level-ids in preference
  // order; the profile must match one exactly, the level may differ (level-asymmetry-allowed).
  std::vector<std::string> profiles;
};

struct ExtensionCapability {
  std::string uri;
  uint16_t offerId = 0;  // id we use in our own offers (subscribe side)
  bool audio = false;
  bool video = false;
  bool subscribe = true;  // offered to subscribers (rid ids only make sense when receiving simulcast)
};

// Opus 48000/2 (red/48000/2 when offered), VP8, VP9 (profile-id 0 and 2), H264
// (packetization-mode=1, 42e01f then 42001f), AV1; video codecs with RTX; rtcp-fb nack, nack pli,
// ccm fir, goog-remb, transport-cc.
std::vector<CodecCapability> defaultCodecs();
// mid, rid, repaired-rid, abs-send-time, transport-wide-cc, audio-level.
std::vector<ExtensionCapability> defaultExtensions();

// What the SFU says about itself in every description it writes.
struct LocalParams {
  std::string iceUfrag;
  std::string icePwd;
  std::vector<Fingerprint> fingerprints;  // our DTLS certificate
  std::vector<Candidate> candidates;      // all of them: ICE-lite has nothing to trickle
  std::vector<CodecCapability> codecs = defaultCodecs();        // preference order
  std::vector<ExtensionCapability> extensions = defaultExtensions();
  std::string sessionId = "1";  // o= of our descriptions; the caller bumps the version each time
  uint64_t sessionVersion = 1;
  bool preferOffererCodecOrder = false;  // pick the offer's first supported codec, not ours
  size_t maxSimulcastLayers = 3;         // rids accepted per section; more are dropped
};

struct NegotiatedCodec {
  uint8_t payloadType = 0;
  std::string name;  // as the offer wrote it
  uint32_t clockRate = 0;
  uint16_t channels = 0;  // 0 = not given
  std::string fmtp;
  std::optional<uint8_t> rtxPayloadType;
  std::vector<std::string> rtcpFb;
  bool operator==(const NegotiatedCodec&) const = default;
};

struct NegotiatedExtension {
  uint16_t id = 0;
  std::string uri;
  bool operator==(const NegotiatedExtension&) const = default;
};

// Returns the id negotiated for `uri`, if any.
std::optional<uint16_t> extensionId(const std::vector<NegotiatedExtension>& extensions, std::string_view uri);

// The remote end of the transport: what ICE and DTLS need to talk to the browser.
struct RemoteTransport {
  std::string iceUfrag;
  std::string icePwd;
  std::vector<Fingerprint> fingerprints;
  Setup setup = Setup::kActPass;  // as the browser wrote it; we are always the DTLS server
  std::vector<Candidate> candidates;
};

enum class StreamType : uint8_t { kUnknown, kAudio, kMain, kSub };  // main = camera, sub = screen

struct SsrcLayer {  // a=ssrc with its RTX partner from a=ssrc-group:FID
  uint32_t ssrc = 0;
  std::optional<uint32_t> rtxSsrc;
  bool operator==(const SsrcLayer&) const = default;
};

struct RidLayer {
  std::string rid;
  RidDirection direction = RidDirection::kSend;  // as the publisher declared it
  bool paused = false;
  bool operator==(const RidLayer&) const = default;
};

struct PublishSection {
  std::string mid;
  MediaKind kind = MediaKind::kAudio;
  std::optional<Msid> msid;
  bool rejected = false;  // port 0 in our answer
  std::string rejectReason;
  bool active = false;  // the browser sends on it now (offer sendonly/sendrecv, not rejected)
  std::vector<NegotiatedCodec> codecs;  // answer order: the first is what the browser sends
  std::vector<NegotiatedExtension> extensions;
  std::vector<SsrcLayer> ssrcs;  // a=ssrc-group:SIM order (lowest layer first) when present
  std::vector<RidLayer> rids;    // accepted simulcast layers, offer order
  std::string cname;
  bool rtcpRsize = false;
  StreamType streamType = StreamType::kUnknown;  // set by applyStreamTypes
};

struct PublishParams {
  RemoteTransport remote;
  std::vector<PublishSection> sections;  // one per offered m= section, in order
};

struct PublishAnswer {
  SessionDescription answer;
  PublishParams params;
};

// Answers a publisher's (re)offer: every section recvonly or inactive, unsupported ones rejected
// with port 0. Errors: kSdpInvalidOffer (no mid, duplicate mids, no BUNDLE with several
// sections, missing ICE credentials or fingerprint), kSdpUnsupported (setup passive/holdconn,
// or no live audio/video section could be accepted), kSdpInvalidArgument (bad `local`).
base::Result<PublishAnswer> answerPublishOffer(const SessionDescription& offer, const LocalParams& local);

// Tags sections with the stream types the signaling layer decided, by mid. Audio sections must
// be kAudio, video ones kMain or kSub, and main/sub each name at most one live section.
base::Status applyStreamTypes(PublishParams& params, const std::map<std::string, StreamType, std::less<>>& byMid);

struct SubscribeTrack {  // one forwarded track = one sendonly m= section
  std::string mid;      // chosen by the caller, never reused for another track
  MediaKind kind = MediaKind::kVideo;
  bool active = true;   // false: keep the section, inactive (paused)
  Msid msid;
  std::string cname;
  uint32_t ssrc = 0;
  std::optional<uint32_t> rtxSsrc;      // RTX is offered only with an RTX SSRC
  std::vector<NegotiatedCodec> codecs;  // the publisher's, primary first
};

struct SubscribeSpec {
  std::vector<SubscribeTrack> tracks;
  // The previous offer on this connection, or null for the first one. Its sections keep their
  // place; tracks no longer listed are stopped (port 0) and their slots later reused.
  const SessionDescription* previousOffer = nullptr;
  // URIs the subscriber supports; empty = offer every extension with `subscribe` set.
  std::vector<std::string> subscriberExtensions;
};

// Errors: kSdpInvalidArgument (empty or repeated mid, bad SSRCs, no codecs on an active track,
// kind changed under a mid, too many sections, bad `local`).
base::Result<SessionDescription> buildSubscribeOffer(const SubscribeSpec& spec, const LocalParams& local);

struct SubscribeSection {
  std::string mid;
  MediaKind kind = MediaKind::kVideo;
  bool rejected = false;  // port 0 in the answer (or in our offer)
  bool active = false;    // the browser receives on it now
  uint32_t ssrc = 0;
  std::optional<uint32_t> rtxSsrc;
  std::vector<NegotiatedCodec> codecs;  // accepted, offer order and payload types
  std::vector<NegotiatedExtension> extensions;
  bool rtcpRsize = false;
};

struct SubscribeParams {
  RemoteTransport remote;
  std::vector<SubscribeSection> sections;
};

// Errors: kSdpInvalidAnswer (section count or mids differ from the offer, missing ICE
// credentials or fingerprint, setup not active).
base::Result<SubscribeParams> applySubscribeAnswer(const SessionDescription& offer, const SessionDescription& answer);

}  // namespace atrium::sdp
