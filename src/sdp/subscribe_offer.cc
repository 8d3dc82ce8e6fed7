// The SFU as offerer on a subscriber's connection: one sendonly section per forwarded track.
// Renegotiation follows JSEP §5.2.2: sections never move or disappear. A track that goes away
// leaves its section stopped (port 0, out of BUNDLE) for a later track of the same kind to
// recycle under a new mid; the first section is only made inactive, because stopping it would
// take the BUNDLE tag, and with it the transport, away.
#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "sdp/attribute_parsers.h"
#include "sdp/codec_params.h"
#include "sdp/negotiation_internal.h"

namespace atrium::sdp {

namespace {

using namespace detail;

base::Error invalidArgument(std::string message) {
  return base::makeError(std::string(kSdpInvalidArgument), std::move(message));
}

base::Error invalidAnswer(std::string message) {
  return base::makeError(std::string(kSdpInvalidAnswer), std::move(message));
}

// One payload type means one codec configuration across the BUNDLE group (RFC 8843 §9.1.2);
// publishers pick their numbers independently, so colliding ones are moved to free numbers.
class PayloadTypeMap {
 public:
  std::optional<uint8_t> assign(uint8_t wanted, const std::string& key) {
    if (auto it = byPt_.find(wanted); it == byPt_.end() || it->second == key) {
      byPt_[wanted] = key;
      return wanted;
    }
    for (const auto& [pt, k] : byPt_) {
      if (k == key) return pt;
    }
    // The dynamic range, then the lower range Chrome also uses once 96-127 run out.
    for (const auto& [first, last] : {std::pair{96, 127}, std::pair{35, 63}}) {
      for (int pt = first; pt <= last; ++pt) {
        if (byPt_.count(static_cast<uint8_t>(pt)) == 0) {
          byPt_[static_cast<uint8_t>(pt)] = key;
          return static_cast<uint8_t>(pt);
        }
      }
    }
    return std::nullopt;
  }
  // Numbers a kept section already uses; the first user of a number wins.
  void reserve(const std::vector<PayloadType>& formats) {
    for (const auto& p : formats) byPt_.try_emplace(p.pt, keyOf(p));
  }
  static std::string keyOf(const PayloadType& p) {
    if (isRtx(p)) return "rtx/" + std::to_string(p.clockRate) + ";" + p.fmtp;
    return toLower(p.encoding) + "/" + std::to_string(p.clockRate) + "/" + std::to_string(p.channels) + ";" + p.fmtp;
  }

 private:
  std::map<uint8_t, std::string> byPt_;
};

bool isRedCodec(const NegotiatedCodec& c) { return equalsIgnoreCase(c.name, "red"); }

std::string codecKey(const NegotiatedCodec& c) {
  return PayloadTypeMap::keyOf(PayloadType{c.payloadType, c.name, c.clockRate, c.channels, c.fmtp, {}});
}

base::Status validateTrack(const SubscribeTrack& t) {
  if (!isValidMid(t.mid)) return invalidArgument("bad mid '" + t.mid + "'");
  if (t.kind != MediaKind::kAudio && t.kind != MediaKind::kVideo) return invalidArgument("track kind must be audio or video");
  for (const auto& c : t.codecs) {
    if (auto status = validateCodec(c); !status) return status;
  }
  if (!t.active) return base::Ok{};
  if (t.codecs.empty()) return invalidArgument("active track " + t.mid + " without codecs");
  if (t.ssrc == 0 || (t.rtxSsrc && (*t.rtxSsrc == 0 || *t.rtxSsrc == t.ssrc))) return invalidArgument("bad SSRCs");
  if (!isSafeToken(t.cname) || !isSafeToken(t.msid.streamId) || (!t.msid.trackId.empty() && !isSafeToken(t.msid.trackId))) {
    return invalidArgument("bad cname or msid on track " + t.mid);
  }
  return base::Ok{};
}

// Codecs with payload types renumbered through `pts`; RED's "a/b" names its primary by number.
base::Status addTrackCodecs(const SubscribeTrack& t, PayloadTypeMap& pts, MediaSection& m) {
  std::map<uint8_t, uint8_t> renumbered;
  std::vector<NegotiatedCodec> codecs = t.codecs;
  for (auto& c : codecs) {
    if (isRedCodec(c)) continue;  // after its primary, below
    const auto pt = pts.assign(c.payloadType, codecKey(c));
    if (!pt) return invalidArgument("out of payload types");
    renumbered[c.payloadType] = *pt;
  }
  for (auto& c : codecs) {
    if (!isRedCodec(c)) continue;
    std::string fmtp;
    for (std::string_view part : splitAll(c.fmtp, '/')) {
      uint8_t n = 0;
      const bool mapped = parseNumber(part, n) && renumbered.count(n) != 0;
      fmtp += (fmtp.empty() ? "" : "/") + (mapped ? std::to_string(renumbered[n]) : std::string(part));
    }
    c.fmtp = c.fmtp.empty() ? "" : fmtp;
    const auto pt = pts.assign(c.payloadType, codecKey(c));
    if (!pt) return invalidArgument("out of payload types");
    renumbered[c.payloadType] = *pt;
  }
  for (auto& c : codecs) {
    c.payloadType = renumbered[c.payloadType];
    const bool rtx = t.rtxSsrc.has_value() && t.kind == MediaKind::kVideo;
    if (rtx) {
      const auto pt = pts.assign(c.rtxPayloadType.value_or(c.payloadType),
                                 "rtx/" + std::to_string(c.clockRate) + ";apt=" + std::to_string(c.payloadType));
      if (!pt) return invalidArgument("out of payload types");
      c.rtxPayloadType = pt;
    } else {
      c.rtxPayloadType.reset();
    }
    addCodecFormats(m, c);
  }
  return base::Ok{};
}

base::Result<MediaSection> buildSection(const SubscribeTrack& t, const SubscribeSpec& spec, const LocalParams& local,
                                        const MediaSection* previous, PayloadTypeMap& pts) {
  MediaSection m;
  m.media = std::string(toString(t.kind));
  m.mid = t.mid;
  addLocalTransport(m, local, Setup::kActPass);
  for (const auto& e : local.extensions) {
    if (!e.subscribe || !(t.kind == MediaKind::kAudio ? e.audio : e.video)) continue;
    const auto& wanted = spec.subscriberExtensions;
    if (!wanted.empty() && std::find(wanted.begin(), wanted.end(), e.uri) == wanted.end()) continue;
    m.extmaps.push_back(Extmap{e.offerId, std::nullopt, e.uri, ""});
  }
  m.direction = t.active ? Direction::kSendOnly : Direction::kInactive;
  m.rtcpMux = true;
  m.rtcpRsize = true;
  if (t.codecs.empty() && previous != nullptr && !previous->payloadTypes.empty()) {
    m.payloadTypes = previous->payloadTypes;  // a paused track keeps what was negotiated
    pts.reserve(m.payloadTypes);
  } else if (auto status = addTrackCodecs(t, pts, m); !status) {
    return status.error();
  }
  if (m.payloadTypes.empty()) return invalidArgument("track " + t.mid + " has no codecs");
  if (!t.active) return m;
  m.msids.push_back(t.msid);
  const std::string msid = t.msid.trackId.empty() ? t.msid.streamId : t.msid.streamId + " " + t.msid.trackId;
  std::vector<uint32_t> ssrcs{t.ssrc};
  if (t.rtxSsrc && t.kind == MediaKind::kVideo) {
    ssrcs.push_back(*t.rtxSsrc);
    m.ssrcGroups.push_back(SsrcGroup{"FID", ssrcs});
  }
  for (uint32_t ssrc : ssrcs) {
    m.ssrcs.push_back(SsrcAttribute{ssrc, "cname", t.cname});
    m.ssrcs.push_back(SsrcAttribute{ssrc, "msid", msid});
  }
  return m;
}

// The track's previous section, now without a track: stopped, or inactive when it is the first.
MediaSection retire(const MediaSection& previous, bool first, const LocalParams& local) {
  MediaSection m = previous;
  if (!first) {
    markRejected(m);
    return m;
  }
  addLocalTransport(m, local, Setup::kActPass);
  m.direction = Direction::kInactive;
  m.msids.clear();
  m.ssrcGroups.clear();
  m.ssrcs.clear();
  return m;
}

}  // namespace

base::Result<SessionDescription> buildSubscribeOffer(const SubscribeSpec& spec, const LocalParams& local) {
  if (auto status = validateLocal(local); !status) return status.error();
  std::set<std::string, std::less<>> mids;
  for (const auto& t : spec.tracks) {
    if (auto status = validateTrack(t); !status) return status.error();
    if (!mids.insert(t.mid).second) return invalidArgument("mid " + t.mid + " used by two tracks");
  }
  const std::vector<MediaSection> none;
  const auto& previous = spec.previousOffer != nullptr ? spec.previousOffer->media : none;
  auto trackFor = [&](std::string_view mid) -> const SubscribeTrack* {
    const auto it = std::find_if(spec.tracks.begin(), spec.tracks.end(), [&](const auto& t) { return t.mid == mid; });
    return it == spec.tracks.end() ? nullptr : &*it;
  };

  SessionDescription offer = localSession(local);
  PayloadTypeMap pts;
  std::set<std::string, std::less<>> placed;
  std::vector<size_t> recyclable;  // stopped in the previous offer already: free for new tracks
  for (size_t i = 0; i < previous.size(); ++i) {
    const MediaSection& prev = previous[i];
    const SubscribeTrack* t = trackFor(prev.mid);
    if (t != nullptr && prev.port != 0) {
      if (t->kind != prev.kind()) return invalidArgument("mid " + t->mid + " changed kind");
      auto section = buildSection(*t, spec, local, &prev, pts);
      if (!section) return section.error();
      offer.media.push_back(std::move(*section));
      placed.insert(t->mid);
    } else if (t != nullptr) {
      return invalidArgument("mid " + t->mid + " belongs to a stopped section");
    } else if (prev.port == 0) {
      offer.media.push_back(prev);
      recyclable.push_back(i);
    } else {
      offer.media.push_back(retire(prev, i == 0, local));
      if (offer.media.back().port != 0) pts.reserve(offer.media.back().payloadTypes);
    }
  }
  for (const auto& t : spec.tracks) {
    if (placed.count(t.mid) != 0) continue;
    auto section = buildSection(t, spec, local, nullptr, pts);
    if (!section) return section.error();
    const auto slot = std::find_if(recyclable.begin(), recyclable.end(),
                                   [&](size_t i) { return previous[i].kind() == t.kind; });
    if (slot != recyclable.end()) {
      offer.media[*slot] = std::move(*section);
      recyclable.erase(slot);
    } else {
      if (offer.media.size() == kMaxMediaSections) return invalidArgument("more than 64 m= sections");
      offer.media.push_back(std::move(*section));
    }
  }
  if (offer.media.empty()) return invalidArgument("nothing to offer");
  Group bundle{"BUNDLE", {}};
  for (const auto& m : offer.media) {
    if (m.port != 0) bundle.mids.push_back(m.mid);
  }
  if (!bundle.mids.empty()) offer.groups.push_back(std::move(bundle));
  return offer;
}

namespace {

void answeredSection(const MediaSection& ours, const MediaSection& theirs, SubscribeSection& s) {
  for (const auto& p : ours.payloadTypes) {
    if (isRtx(p)) continue;
    const PayloadType* a = theirs.findPayloadType(p.pt);
    if (a == nullptr || !equalsIgnoreCase(a->encoding, p.encoding) || a->clockRate != p.clockRate) continue;
    NegotiatedCodec c{p.pt, p.encoding, p.clockRate, p.channels, a->fmtp, std::nullopt, {}};
    for (const auto& fb : p.rtcpFb) {
      if (std::find(a->rtcpFb.begin(), a->rtcpFb.end(), fb) != a->rtcpFb.end()) c.rtcpFb.push_back(fb);
    }
    if (const PayloadType* rtx = findRtx(ours, p.pt); rtx != nullptr) {
      const PayloadType* answered = theirs.findPayloadType(rtx->pt);
      if (answered != nullptr && isRtx(*answered)) c.rtxPayloadType = rtx->pt;
    }
    s.codecs.push_back(std::move(c));
  }
  for (const auto& e : theirs.extmaps) {
    // JSEP §5.3.1: an answer uses the offer's ids; anything else is not ours to interpret.
    const bool offered = std::any_of(ours.extmaps.begin(), ours.extmaps.end(),
                                     [&](const auto& o) { return o.id == e.id && o.uri == e.uri; });
    if (offered && !extensionId(s.extensions, e.uri)) s.extensions.push_back(NegotiatedExtension{e.id, e.uri});
  }
  s.active = !s.codecs.empty() && sends(ours.direction) && receives(theirs.direction);
  s.rtcpRsize = ours.rtcpRsize && theirs.rtcpRsize;
}

}  // namespace

base::Result<SubscribeParams> applySubscribeAnswer(const SessionDescription& offer, const SessionDescription& answer) {
  if (answer.media.size() != offer.media.size()) return invalidAnswer("m= section count differs from the offer");
  const Group* bundle = answer.findGroup("BUNDLE");
  const MediaSection* tag = nullptr;
  for (size_t i = 0; i < offer.media.size(); ++i) {
    const MediaSection &ours = offer.media[i], &theirs = answer.media[i];
    if (theirs.mid != ours.mid || theirs.media != ours.media) return invalidAnswer("section " + std::to_string(i) + " differs");
    if (ours.port == 0 || theirs.port == 0) continue;
    const bool bundled = bundle != nullptr && std::find(bundle->mids.begin(), bundle->mids.end(), ours.mid) != bundle->mids.end();
    if (!bundled && offer.media.size() > 1) return invalidAnswer("accepted section " + ours.mid + " outside BUNDLE");
    if (tag == nullptr || (bundle != nullptr && !bundle->mids.empty() && bundle->mids.front() == ours.mid)) tag = &theirs;
  }
  SubscribeParams params;
  if (tag != nullptr) {
    auto remote = remoteTransport(answer, *tag, kSdpInvalidAnswer);
    if (!remote) return remote.error();
    const bool explicitSetup = tag->transport.setup.has_value() || answer.transport.setup.has_value();
    // We offered actpass but only serve DTLS: the browser must take the client role.
    if (!explicitSetup || remote->setup != Setup::kActive) return invalidAnswer("answer must say a=setup:active");
    params.remote = std::move(*remote);
  }
  for (size_t i = 0; i < offer.media.size(); ++i) {
    const MediaSection &ours = offer.media[i], &theirs = answer.media[i];
    SubscribeSection s;
    s.mid = ours.mid;
    s.kind = ours.kind();
    for (const auto& g : ours.ssrcGroups) {
      if (g.semantics == "FID" && g.ssrcs.size() == 2) s.rtxSsrc = g.ssrcs[1];
    }
    if (!ours.ssrcs.empty()) s.ssrc = ours.ssrcs.front().ssrc;
    if (ours.port != 0 && theirs.port != 0) answeredSection(ours, theirs, s);
    s.rejected = ours.port == 0 || theirs.port == 0 || s.codecs.empty();
    params.sections.push_back(std::move(s));
  }
  return params;
}

}  // namespace atrium::sdp
