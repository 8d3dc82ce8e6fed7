// answerPublishOffer: the SFU as answerer on a publisher's connection (JSEP §5.3.1). Every
// section is answered recvonly (or inactive) with one codec of our choosing, its RTX, and the
// header extensions both sides know; simulcast rids are accepted as recv.
#include <algorithm>
#include <set>
#include <tuple>

#include "sdp/attribute_parsers.h"
#include "sdp/codec_params.h"
#include "sdp/negotiation_internal.h"

namespace atrium::sdp {

namespace {

using namespace detail;

base::Error invalidOffer(std::string message) {
  return base::makeError(std::string(kSdpInvalidOffer), std::move(message));
}

// Live: carries media now, or will through BUNDLE (bundle-only sections have port 0, RFC 8843 §6).
bool isLive(const MediaSection& m) { return m.port != 0 || m.hasAttribute("bundle-only"); }

bool isNamed(const CodecCapability& cap, std::string_view name) { return equalsIgnoreCase(cap.name, name); }

std::vector<std::string> commonFeedback(const PayloadType& offered, const CodecCapability& cap) {
  std::vector<std::string> out;
  for (const auto& fb : offered.rtcpFb) {
    if (std::find(cap.rtcpFb.begin(), cap.rtcpFb.end(), fb) != cap.rtcpFb.end()) out.push_back(fb);
  }
  return out;
}

NegotiatedCodec negotiated(const PayloadType& p, const CodecCapability& cap) {
  return NegotiatedCodec{p.pt, p.encoding, p.clockRate, p.channels, p.fmtp, std::nullopt, commonFeedback(p, cap)};
}

// RED (RFC 2198) whose fmtp "111/111" names only `primary`; empty fmtp leaves it unspecified.
bool redCarries(const PayloadType& red, uint8_t primary) {
  const std::string pt = std::to_string(primary);
  for (std::string_view part : splitAll(red.fmtp, '/')) {
    if (!red.fmtp.empty() && part != pt) return false;
  }
  return true;
}

// Our pick of codecs for one section: the best primary, its RTX, and (audio) RED first, since
// Chrome sends whatever the answer lists first and RED only helps if it is what gets sent.
std::vector<NegotiatedCodec> chooseCodecs(const MediaSection& m, const LocalParams& local) {
  const MediaKind kind = m.kind();
  const PayloadType* best = nullptr;
  const CodecCapability* bestCap = nullptr;
  std::tuple<size_t, size_t, size_t> bestKey{SIZE_MAX, SIZE_MAX, SIZE_MAX};
  for (size_t i = 0; i < m.payloadTypes.size(); ++i) {
    const PayloadType& p = m.payloadTypes[i];
    for (size_t c = 0; c < local.codecs.size(); ++c) {
      const CodecCapability& cap = local.codecs[c];
      if (cap.kind != kind || isNamed(cap, "red") || isNamed(cap, "rtx") || !matchesCapability(p, cap)) continue;
      const auto key = local.preferOffererCodecOrder ? std::make_tuple(i, size_t{0}, size_t{0})
                                                     : std::make_tuple(c, profileRank(p, cap), i);
      if (key < bestKey) {
        bestKey = key;
        best = &p;
        bestCap = &cap;
      }
      break;
    }
  }
  if (best == nullptr) return {};
  NegotiatedCodec primary = negotiated(*best, *bestCap);
  if (bestCap->rtx) {
    const PayloadType* rtx = findRtx(m, best->pt);
    if (rtx != nullptr && rtx->clockRate == best->clockRate) primary.rtxPayloadType = rtx->pt;
  }
  std::vector<NegotiatedCodec> codecs;
  if (kind == MediaKind::kAudio) {
    const auto redCap = std::find_if(local.codecs.begin(), local.codecs.end(),
                                     [](const auto& c) { return c.kind == MediaKind::kAudio && isNamed(c, "red"); });
    if (redCap != local.codecs.end()) {
      for (const auto& p : m.payloadTypes) {
        if (matchesCapability(p, *redCap) && redCarries(p, best->pt)) {
          codecs.push_back(negotiated(p, *redCap));
          break;
        }
      }
    }
  }
  codecs.push_back(std::move(primary));
  return codecs;
}

void negotiateExtensions(const MediaSection& m, const LocalParams& local, MediaSection& answer, PublishSection& ps) {
  const bool audio = m.kind() == MediaKind::kAudio;
  for (const Extmap& offered : m.extmaps) {
    // An extension the publisher only wants to receive is of no use on its upstream.
    if (offered.direction && !sends(*offered.direction)) continue;
    const bool known = std::any_of(local.extensions.begin(), local.extensions.end(), [&](const auto& e) {
      return e.uri == offered.uri && (audio ? e.audio : e.video);
    });
    const bool taken = std::any_of(ps.extensions.begin(), ps.extensions.end(),
                                   [&](const auto& e) { return e.uri == offered.uri || e.id == offered.id; });
    if (!known || taken) continue;
    answer.extmaps.push_back(Extmap{offered.id, std::nullopt, offered.uri, ""});
    ps.extensions.push_back(NegotiatedExtension{offered.id, offered.uri});
  }
}

// a=simulcast:send h;l + a=rid:h send / a=rid:l send → a=rid:h recv / a=rid:l recv +
// a=simulcast:recv h;l (RFC 8853 §5.3). Without the rid header extension the layers could not be
// told apart, so simulcast is then declined and the browser sends one encoding.
void negotiateSimulcast(const MediaSection& m, const LocalParams& local, uint8_t primaryPt, MediaSection& answer,
                        PublishSection& ps) {
  if (!m.simulcast || m.simulcast->send.empty() || !extensionId(ps.extensions, kExtRid)) return;
  const std::string pt = std::to_string(primaryPt);
  auto usable = [&](const SimulcastRid& candidate) {
    for (const Rid& rid : m.rids) {
      if (rid.id != candidate.rid || rid.direction != RidDirection::kSend) continue;
      const auto pts = fmtpValue(rid.params, "pt");  // rid restrictions share fmtp's k=v;k=v form
      if (!pts) return true;
      const auto list = splitAll(*pts, ',');
      return std::find(list.begin(), list.end(), pt) != list.end();
    }
    return false;
  };
  Simulcast accepted;
  for (const SimulcastStream& stream : m.simulcast->send) {
    if (ps.rids.size() >= local.maxSimulcastLayers) break;
    const auto alt = std::find_if(stream.begin(), stream.end(), usable);
    if (alt == stream.end()) continue;
    if (std::any_of(ps.rids.begin(), ps.rids.end(), [&](const auto& r) { return r.rid == alt->rid; })) continue;
    ps.rids.push_back(RidLayer{alt->rid, RidDirection::kSend, alt->paused});
    answer.rids.push_back(Rid{alt->rid, RidDirection::kRecv, ""});
    accepted.recv.push_back({*alt});
  }
  if (!accepted.recv.empty()) answer.simulcast = std::move(accepted);
}

// RFC 5576: SIM lists the layers (lowest first), FID pairs a media SSRC with its RTX SSRC.
void collectSsrcs(const MediaSection& m, PublishSection& ps) {
  std::vector<std::pair<uint32_t, uint32_t>> fid;
  std::set<uint32_t> repair;
  const SsrcGroup* sim = nullptr;
  for (const auto& g : m.ssrcGroups) {
    if ((g.semantics == "FID" || g.semantics == "FEC-FR") && g.ssrcs.size() == 2) {
      if (g.semantics == "FID") fid.emplace_back(g.ssrcs[0], g.ssrcs[1]);
      repair.insert(g.ssrcs[1]);
    } else if (g.semantics == "SIM" && sim == nullptr) {
      sim = &g;
    }
  }
  auto layer = [&](uint32_t ssrc) {
    SsrcLayer l{ssrc, std::nullopt};
    for (const auto& [media, rtx] : fid) {
      if (media == ssrc) l.rtxSsrc = rtx;
    }
    return l;
  };
  if (sim != nullptr) {
    for (uint32_t ssrc : sim->ssrcs) ps.ssrcs.push_back(layer(ssrc));
  } else {
    for (const auto& s : m.ssrcs) {
      const bool seen = std::any_of(ps.ssrcs.begin(), ps.ssrcs.end(), [&](const auto& l) { return l.ssrc == s.ssrc; });
      if (!seen && repair.count(s.ssrc) == 0) ps.ssrcs.push_back(layer(s.ssrc));
    }
  }
  for (const auto& s : m.ssrcs) {
    if (s.attribute == "cname" && ps.cname.empty()) ps.cname = s.value;
  }
}

// Fills `answer` and `ps` for one offered section; returns the reason when it is rejected.
std::string negotiateSection(const MediaSection& m, const Group* bundle, const LocalParams& local,
                             MediaSection& answer, PublishSection& ps) {
  if (!isLive(m)) return "stopped by the offerer";
  if (m.kind() != MediaKind::kAudio && m.kind() != MediaKind::kVideo) return "unsupported media kind";
  if (!m.isRtp() || m.protocol.find("SAVPF") == std::string::npos) return "unsupported protocol";
  if (bundle != nullptr && std::find(bundle->mids.begin(), bundle->mids.end(), m.mid) == bundle->mids.end()) {
    return "not in the BUNDLE group";
  }
  if (!m.rtcpMux) return "rtcp-mux required";  // RFC 8858: we have no separate RTCP port
  ps.codecs = chooseCodecs(m, local);
  if (ps.codecs.empty()) return "no supported codec";
  answer.payloadTypes.clear();
  for (const auto& codec : ps.codecs) addCodecFormats(answer, codec);
  answer.port = 9;
  addLocalTransport(answer, local, Setup::kPassive);
  negotiateExtensions(m, local, answer, ps);
  answer.direction = sends(m.direction) ? Direction::kRecvOnly : Direction::kInactive;
  answer.rtcpMux = true;
  answer.rtcpRsize = m.rtcpRsize;
  ps.rtcpRsize = m.rtcpRsize;
  ps.active = sends(m.direction);
  negotiateSimulcast(m, local, ps.codecs.back().payloadType, answer, ps);
  collectSsrcs(m, ps);
  return {};
}

}  // namespace

base::Result<PublishAnswer> answerPublishOffer(const SessionDescription& offer, const LocalParams& local) {
  if (auto status = validateLocal(local); !status) return status.error();
  if (offer.media.empty()) return invalidOffer("no media sections");
  std::set<std::string, std::less<>> mids;
  const MediaSection* firstLive = nullptr;
  size_t live = 0;
  for (const auto& m : offer.media) {
    if (!isLive(m)) continue;
    ++live;
    if (firstLive == nullptr) firstLive = &m;
    if (!isValidMid(m.mid)) return invalidOffer("a live m= section without a usable a=mid");
    if (!mids.insert(m.mid).second) return invalidOffer("a=mid:" + m.mid + " repeated");
  }
  const Group* bundle = offer.findGroup("BUNDLE");
  if (live > 1 && bundle == nullptr) return invalidOffer("several m= sections without a=group:BUNDLE");

  PublishAnswer out;
  if (firstLive != nullptr) {
    // The BUNDLE tag is the group's first mid naming a live section (RFC 8843 §7.2.1).
    const MediaSection* tag = firstLive;
    for (const auto& mid : bundle != nullptr ? bundle->mids : std::vector<std::string>{}) {
      const MediaSection* m = offer.findMedia(mid);
      if (m != nullptr && isLive(*m)) {
        tag = m;
        break;
      }
    }
    auto remote = remoteTransport(offer, *tag, kSdpInvalidOffer);
    if (!remote) return remote.error();
    if (remote->setup == Setup::kPassive || remote->setup == Setup::kHoldConn) {
      return base::makeError(std::string(kSdpUnsupported), "the SFU is DTLS passive; offer actpass or active");
    }
    out.params.remote = std::move(*remote);
  }

  out.answer = localSession(local);
  out.answer.extmapAllowMixed = offer.extmapAllowMixed;
  out.answer.timing = offer.timing;  // RFC 3264 §6: t= of the answer equals the offer's
  size_t accepted = 0;
  for (const auto& m : offer.media) {
    MediaSection answer;
    answer.media = m.media;
    answer.protocol = m.protocol;
    answer.payloadTypes = m.payloadTypes;
    answer.formats = m.formats;
    answer.mid = m.mid;
    PublishSection ps;
    ps.mid = m.mid;
    ps.kind = m.kind();
    if (!m.msids.empty()) ps.msid = m.msids.front();
    ps.rejectReason = negotiateSection(m, bundle, local, answer, ps);
    if (!ps.rejectReason.empty()) {
      PublishSection rejected;  // nothing negotiated survives a rejection
      rejected.mid = m.mid;
      rejected.kind = m.kind();
      rejected.msid = ps.msid;
      rejected.rejected = true;
      rejected.rejectReason = std::move(ps.rejectReason);
      ps = std::move(rejected);
      markRejected(answer);
    } else {
      ++accepted;
    }
    out.answer.media.push_back(std::move(answer));
    out.params.sections.push_back(std::move(ps));
  }
  if (live > 0 && accepted == 0) {
    std::string why;
    for (const auto& s : out.params.sections) {
      if (s.rejectReason != "stopped by the offerer") why += (why.empty() ? "" : "; ") + s.mid + ": " + s.rejectReason;
    }
    return base::makeError(std::string(kSdpUnsupported), "nothing to accept (" + why + ")");
  }
  if (bundle != nullptr && accepted > 0) {
    Group group{"BUNDLE", {}};
    for (const auto& mid : bundle->mids) {
      const auto it = std::find_if(out.params.sections.begin(), out.params.sections.end(),
                                   [&](const auto& s) { return s.mid == mid && !s.rejected; });
      if (it != out.params.sections.end()) group.mids.push_back(mid);
    }
    out.answer.groups.push_back(std::move(group));
  }
  return out;
}

base::Status applyStreamTypes(PublishParams& params, const std::map<std::string, StreamType, std::less<>>& byMid) {
  auto invalid = [](std::string message) { return base::makeError(std::string(kSdpInvalidArgument), std::move(message)); };
  bool main = false, sub = false;
  for (const auto& entry : byMid) {  // not a structured binding: clang 14 cannot capture those
    const std::string& mid = entry.first;
    const StreamType type = entry.second;
    const auto it = std::find_if(params.sections.begin(), params.sections.end(), [&](const auto& s) { return s.mid == mid; });
    if (it == params.sections.end()) return invalid("no section with mid " + mid);
    const bool fits = it->kind == MediaKind::kAudio ? type == StreamType::kAudio
                                                     : it->kind == MediaKind::kVideo &&
                                                           (type == StreamType::kMain || type == StreamType::kSub);
    if (!fits) return invalid("stream type does not fit the kind of mid " + mid);
    if (!it->rejected && (type == StreamType::kMain || type == StreamType::kSub)) {
      bool& seen = type == StreamType::kMain ? main : sub;
      if (seen) return invalid("two live sections for one video stream type");
      seen = true;
    }
  }
  for (auto& s : params.sections) {
    const auto it = byMid.find(s.mid);
    s.streamType = it != byMid.end() ? it->second : StreamType::kUnknown;
  }
  return base::Ok{};
}

}  // namespace atrium::sdp
