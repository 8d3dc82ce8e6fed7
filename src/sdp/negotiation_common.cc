// Capabilities and the helpers shared by publish_answer.cc and subscribe_offer.cc.
#include <algorithm>

#include "sdp/attribute_parsers.h"
#include "sdp/negotiation_internal.h"

namespace atrium::sdp {

namespace {

const std::vector<std::string> kVideoFeedback = {"goog-remb", "transport-cc", "ccm fir", "nack", "nack pli"};

}  // namespace

std::vector<CodecCapability> defaultCodecs() {
  std::vector<CodecCapability> codecs;
  // Opus FEC (useinbandfec) and DTX are the sender's business; we echo what was offered.
  codecs.push_back({MediaKind::kAudio, "opus", 48000, 2, false, {"transport-cc", "nack"}, {}});
  // RFC 2198 redundancy around Opus; only ever negotiated together with Opus.
  codecs.push_back({MediaKind::kAudio, "red", 48000, 2, false, {}, {}});
  codecs.push_back({MediaKind::kVideo, "VP8", 90000, 0, true, kVideoFeedback, {}});
  codecs.push_back({MediaKind::kVideo, "VP9", 90000, 0, true, kVideoFeedback, {"0", "2"}});
  // Constrained baseline first: the one profile every browser decodes in hardware or software.
  codecs.push_back({MediaKind::kVideo, "H264", 90000, 0, true, kVideoFeedback, {"42e01f", "42001f"}});
  codecs.push_back({MediaKind::kVideo, "AV1", 90000, 0, true, kVideoFeedback, {}});
  return codecs;
}

std::vector<ExtensionCapability> defaultExtensions() {
  // offerId: Chrome's own numbering, so our offers look like the ones browsers already accept.
  return {
      {std::string(kExtAudioLevel), 1, true, false, true},
      {std::string(kExtAbsSendTime), 2, true, true, true},
      {std::string(kExtTransportCc), 3, true, true, true},
      {std::string(kExtMid), 4, true, true, true},
      {std::string(kExtRid), 10, false, true, false},
      {std::string(kExtRepairedRid), 11, false, true, false},
  };
}

std::optional<uint16_t> extensionId(const std::vector<NegotiatedExtension>& extensions, std::string_view uri) {
  for (const auto& e : extensions) {
    if (e.uri == uri) return e.id;
  }
  return std::nullopt;
}

namespace detail {

bool isSafeToken(std::string_view text) {
  return !text.empty() && text.find_first_of(std::string_view(" \t\r\n\0", 5)) == std::string_view::npos;
}

bool isSafeLineText(std::string_view text) {
  return text.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

bool isValidMid(std::string_view mid) { return mid.size() <= 32 && isRidId(mid); }

namespace {

base::Error invalidArgument(std::string message) {
  return base::makeError(std::string(kSdpInvalidArgument), std::move(message));
}

bool candidateIsSafe(const Candidate& c) {
  if (!isSafeToken(c.foundation) || !isSafeToken(c.transport) || !isSafeToken(c.address) || !isSafeToken(c.type)) {
    return false;
  }
  if ((!c.relatedAddress.empty() && !isSafeToken(c.relatedAddress)) || (!c.tcpType.empty() && !isSafeToken(c.tcpType))) {
    return false;
  }
  return std::all_of(c.extensions.begin(), c.extensions.end(),
                     [](const auto& e) { return isSafeToken(e.first) && isSafeToken(e.second); });
}

}  // namespace

base::Status validateLocal(const LocalParams& local) {
  if (!isSafeToken(local.iceUfrag) || !isSafeToken(local.icePwd)) return invalidArgument("bad local ICE credentials");
  if (local.fingerprints.empty()) return invalidArgument("no local DTLS fingerprint");
  for (const auto& fp : local.fingerprints) {
    if (!isSafeToken(fp.algorithm) || !isSafeToken(fp.value)) return invalidArgument("bad local fingerprint");
  }
  for (const auto& c : local.candidates) {
    if (!candidateIsSafe(c)) return invalidArgument("bad local candidate");
  }
  if (!isSafeToken(local.sessionId)) return invalidArgument("bad session id");
  for (size_t i = 0; i < local.extensions.size(); ++i) {
    const auto& e = local.extensions[i];
    if (!isSafeToken(e.uri) || e.offerId == 0 || e.offerId > 255) return invalidArgument("bad extension capability");
    for (size_t j = 0; j < i; ++j) {  // one id per URI and one URI per id in our offers
      if (local.extensions[j].uri == e.uri || local.extensions[j].offerId == e.offerId) {
        return invalidArgument("extension capability repeated");
      }
    }
  }
  return base::Ok{};
}

base::Status validateCodec(const NegotiatedCodec& codec) {
  if (!isSafeToken(codec.name) || codec.payloadType > 127 || codec.clockRate == 0) {
    return invalidArgument("bad codec");
  }
  if (!isSafeLineText(codec.fmtp) || (!codec.fmtp.empty() && codec.fmtp.front() == ' ')) {
    return invalidArgument("bad codec fmtp");
  }
  if (codec.rtxPayloadType && (*codec.rtxPayloadType > 127 || *codec.rtxPayloadType == codec.payloadType)) {
    return invalidArgument("bad RTX payload type");
  }
  for (const auto& fb : codec.rtcpFb) {
    if (!isSafeLineText(fb) || joinTokens(fb) != fb || fb.empty()) return invalidArgument("bad rtcp-fb");
  }
  return base::Ok{};
}

SessionDescription localSession(const LocalParams& local) {
  SessionDescription s;
  s.origin.sessionId = local.sessionId;
  s.origin.sessionVersion = local.sessionVersion;
  s.iceLite = true;
  s.msidSemantic = MsidSemantic{"WMS", {"*"}};
  return s;
}

void addLocalTransport(MediaSection& m, const LocalParams& local, Setup setup) {
  m.connection = "IN IP4 0.0.0.0";  // JSEP: the real addresses travel in candidates
  m.candidates = local.candidates;
  m.endOfCandidates = true;  // ICE-lite: nothing will be trickled later
  m.transport.iceUfrag = local.iceUfrag;
  m.transport.icePwd = local.icePwd;
  m.transport.fingerprints = local.fingerprints;
  m.transport.setup = setup;
}

void markRejected(MediaSection& m) {
  m.port = 0;
  m.direction = Direction::kInactive;
  if (m.payloadTypes.size() > 1) m.payloadTypes.resize(1);
  if (m.formats.size() > 1) m.formats.resize(1);
  for (auto& p : m.payloadTypes) {
    p.fmtp.clear();
    p.rtcpFb.clear();
  }
  m.connection = "IN IP4 0.0.0.0";
  m.candidates.clear();
  m.endOfCandidates = false;
  m.transport = {};
  m.extmaps.clear();
  m.msids.clear();
  m.rtcpMux = false;
  m.rtcpRsize = false;
  m.ssrcGroups.clear();
  m.ssrcs.clear();
  m.rids.clear();
  m.simulcast.reset();
  m.otherAttributes.clear();
}

base::Result<RemoteTransport> remoteTransport(const SessionDescription& d, const MediaSection& tag,
                                              std::string_view errorCode) {
  RemoteTransport r;
  const TransportAttributes& t = tag.transport;
  r.iceUfrag = !t.iceUfrag.empty() ? t.iceUfrag : d.transport.iceUfrag;
  r.icePwd = !t.icePwd.empty() ? t.icePwd : d.transport.icePwd;
  r.fingerprints = !t.fingerprints.empty() ? t.fingerprints : d.transport.fingerprints;
  // RFC 5763 §5: an offer without a=setup means actpass; answers must carry one (checked by caller).
  r.setup = t.setup.value_or(d.transport.setup.value_or(Setup::kActPass));
  r.candidates = tag.candidates;
  if (r.iceUfrag.empty() || r.icePwd.empty()) {
    return base::makeError(std::string(errorCode), "missing a=ice-ufrag or a=ice-pwd");
  }
  if (r.fingerprints.empty()) return base::makeError(std::string(errorCode), "missing a=fingerprint");
  return r;
}

void addCodecFormats(MediaSection& m, const NegotiatedCodec& codec) {
  PayloadType p;
  p.pt = codec.payloadType;
  p.encoding = codec.name;
  p.clockRate = codec.clockRate;
  p.channels = codec.channels;
  p.fmtp = codec.fmtp;
  p.rtcpFb = codec.rtcpFb;
  m.payloadTypes.push_back(std::move(p));
  if (codec.rtxPayloadType) {
    PayloadType rtx;
    rtx.pt = *codec.rtxPayloadType;
    rtx.encoding = "rtx";
    rtx.clockRate = codec.clockRate;
    rtx.fmtp = "apt=" + std::to_string(codec.payloadType);
    m.payloadTypes.push_back(std::move(rtx));
  }
}

}  // namespace detail
}  // namespace atrium::sdp
