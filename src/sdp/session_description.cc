// SessionDescription::parse: one pass over the lines, session part then one media section per m=.
#include "sdp/session_description.h"

#include <algorithm>
#include <array>

#include "sdp/attribute_parsers.h"

namespace atrium::sdp {

namespace {

using namespace detail;

base::Error malformed(size_t lineNo, std::string_view what) {
  return base::makeError(std::string(kSdpMalformed), "line " + std::to_string(lineNo) + ": " + std::string(what));
}

base::Error tooLarge(std::string_view what) {
  return base::makeError(std::string(kSdpTooLarge), std::string(what));
}

enum class Handled { kYes, kNo, kBad };

// Position of each RTP payload type in the current section's payloadTypes (-1 = not listed), so
// each rtpmap / fmtp / rtcp-fb line costs O(1) instead of a scan of up to 128 formats.
using PtIndex = std::array<int16_t, 128>;

// ICE / DTLS attributes, identical at session and media level.
Handled parseTransportAttribute(std::string_view name, std::string_view value, TransportAttributes& t) {
  if (name == "ice-ufrag") {
    t.iceUfrag = std::string(value);
  } else if (name == "ice-pwd") {
    t.icePwd = std::string(value);
  } else if (name == "ice-options") {
    t.iceOptions.clear();
    for (std::string_view option : splitTokens(value)) t.iceOptions.emplace_back(option);
  } else if (name == "fingerprint") {
    auto fp = parseFingerprint(value);
    if (!fp) return Handled::kBad;
    t.fingerprints.push_back(std::move(*fp));
  } else if (name == "setup") {
    t.setup = parseSetup(value);
    if (!t.setup) return Handled::kBad;
  } else {
    return Handled::kNo;
  }
  return Handled::kYes;
}

Handled parseSessionAttribute(std::string_view name, std::string_view value, SessionDescription& s) {
  if (name == "group") {
    const auto tokens = splitTokens(value);
    if (tokens.empty()) return Handled::kBad;
    Group group{std::string(tokens[0]), {}};
    for (size_t i = 1; i < tokens.size(); ++i) group.mids.emplace_back(tokens[i]);
    s.groups.push_back(std::move(group));
  } else if (name == "msid-semantic") {
    const auto tokens = splitTokens(value);  // Chrome writes "msid-semantic: WMS", with a space
    MsidSemantic ms;
    if (!tokens.empty()) ms.semantic = std::string(tokens[0]);
    for (size_t i = 1; i < tokens.size(); ++i) ms.ids.emplace_back(tokens[i]);
    s.msidSemantic = std::move(ms);
  } else if (name == "ice-lite") {
    s.iceLite = true;
  } else if (name == "extmap-allow-mixed") {
    s.extmapAllowMixed = true;
  } else {
    return parseTransportAttribute(name, value, s.transport);
  }
  return Handled::kYes;
}

Handled parseRtpAttribute(std::string_view name, std::string_view value, MediaSection& m, const PtIndex& index) {
  if (name == "rtpmap") {
    auto map = parseRtpMap(value);
    if (!map) return Handled::kBad;
    // An rtpmap for a format the m= line does not list describes nothing; browsers ignore it too.
    if (index[map->pt] < 0) return Handled::kYes;
    PayloadType& p = m.payloadTypes[static_cast<size_t>(index[map->pt])];
    p.encoding = std::move(map->encoding);
    p.clockRate = map->clockRate;
    p.channels = map->channels;
    return Handled::kYes;
  }
  if (name != "fmtp" && name != "rtcp-fb") return Handled::kNo;
  std::optional<uint8_t> pt;
  std::string_view rest;
  if (!splitPtValue(value, pt, rest)) return Handled::kBad;
  if (!pt) return Handled::kNo;  // "*" wildcard: kept verbatim as an unknown attribute
  if (index[*pt] < 0) return Handled::kYes;
  PayloadType& p = m.payloadTypes[static_cast<size_t>(index[*pt])];
  if (name == "fmtp") {
    p.fmtp = std::string(rest);
  } else if (std::string fb = joinTokens(rest); !fb.empty()) {
    p.rtcpFb.push_back(std::move(fb));
  }
  return Handled::kYes;
}

Handled parseMediaAttribute(std::string_view name, std::string_view value, MediaSection& m, const PtIndex& index) {
  if (m.isRtp()) {
    if (Handled h = parseRtpAttribute(name, value, m, index); h != Handled::kNo) return h;
  }
  if (auto direction = parseDirection(name)) {
    m.direction = *direction;
  } else if (name == "mid") {
    m.mid = std::string(value);
  } else if (name == "extmap") {
    auto ext = parseExtmap(value);
    if (!ext) return Handled::kBad;
    m.extmaps.push_back(std::move(*ext));
  } else if (name == "msid") {
    auto msid = parseMsid(value);
    if (!msid) return Handled::kBad;
    m.msids.push_back(std::move(*msid));
  } else if (name == "ssrc") {
    auto ssrc = parseSsrc(value);
    if (!ssrc) return Handled::kBad;
    m.ssrcs.push_back(std::move(*ssrc));
  } else if (name == "ssrc-group") {
    auto group = parseSsrcGroup(value);
    if (!group) return Handled::kBad;
    m.ssrcGroups.push_back(std::move(*group));
  } else if (name == "rid") {
    auto rid = parseRid(value);
    if (!rid) return Handled::kBad;
    m.rids.push_back(std::move(*rid));
  } else if (name == "simulcast") {
    m.simulcast = parseSimulcast(value);
    if (!m.simulcast) return Handled::kBad;
  } else if (name == "rtcp-mux") {
    m.rtcpMux = true;
  } else if (name == "rtcp-rsize") {
    m.rtcpRsize = true;
  } else if (name == "extmap-allow-mixed") {
    m.extmapAllowMixed = true;
  } else if (name == "rtcp") {
    m.rtcp = std::string(value);
  } else if (name == "candidate") {
    auto candidate = parseCandidateValue(value);
    if (!candidate) return Handled::kBad;
    m.candidates.push_back(std::move(*candidate));
  } else if (name == "end-of-candidates") {
    m.endOfCandidates = true;
  } else {
    return parseTransportAttribute(name, value, m.transport);
  }
  return Handled::kYes;
}

// m=<media> <port>[/<count>] <proto> <fmt> ...
std::optional<base::Error> parseMediaLine(size_t lineNo, std::string_view value, MediaSection& m, PtIndex& index) {
  const auto tokens = splitTokens(value);
  if (tokens.size() < 4) return malformed(lineNo, "m= needs media, port, protocol and formats");
  if (tokens.size() - 3 > kMaxFormatsPerSection) return tooLarge("more than 256 formats in an m= line");
  m.media = std::string(tokens[0]);
  std::string_view port = tokens[1];
  if (const size_t slash = port.find('/'); slash != std::string_view::npos) {
    uint16_t count = 0;  // a port range is meaningless for ICE; checked, then dropped
    if (!parseNumber(port.substr(slash + 1), count)) return malformed(lineNo, "bad port count in m=");
    port = port.substr(0, slash);
  }
  if (!parseNumber(port, m.port)) return malformed(lineNo, "bad port in m=");
  m.protocol = std::string(tokens[2]);
  index.fill(-1);
  for (size_t i = 3; i < tokens.size(); ++i) {
    if (!m.isRtp()) {
      m.formats.emplace_back(tokens[i]);
      continue;
    }
    PayloadType p;
    if (!parseNumber(tokens[i], p.pt) || p.pt > 127) return malformed(lineNo, "bad RTP payload type in m=");
    if (index[p.pt] >= 0) return malformed(lineNo, "repeated payload type in m=");
    index[p.pt] = static_cast<int16_t>(m.payloadTypes.size());
    m.payloadTypes.push_back(std::move(p));
  }
  return std::nullopt;
}

bool isIgnoredType(char type) {
  // i u e p r z k: descriptive or obsolete lines no WebRTC endpoint acts on.
  return type == 'i' || type == 'u' || type == 'e' || type == 'p' || type == 'r' || type == 'z' || type == 'k';
}

}  // namespace

base::Result<SessionDescription> SessionDescription::parse(std::string_view text) {
  if (text.size() > kMaxSdpBytes) return tooLarge("description larger than 64 KB");
  SessionDescription s;
  bool seenVersion = false, seenOrigin = false;
  MediaSection* m = nullptr;
  PtIndex ptIndex;
  ptIndex.fill(-1);
  size_t pos = 0, lineNo = 0;
  while (pos < text.size()) {
    const size_t end = text.find('\n', pos);
    ++lineNo;
    if (lineNo > kMaxLines) return tooLarge("more than 4096 lines");
    if (end == std::string_view::npos) return malformed(lineNo, "unterminated line (no line feed)");
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_of(std::string_view("\r\0", 2)) != std::string_view::npos) {
      return malformed(lineNo, "stray carriage return or NUL");
    }
    if (line.empty()) continue;  // blank lines carry nothing; tolerated
    if (line.size() < 2 || line[1] != '=') return malformed(lineNo, "not a <type>=<value> line");
    const char type = line[0];
    const std::string_view value = line.substr(2);
    if (!seenVersion) {
      if (type != 'v' || value != "0") return malformed(lineNo, "the first line must be v=0");
      seenVersion = true;
      continue;
    }
    if (type == 'm') {
      if (!seenOrigin) return malformed(lineNo, "m= before o=");
      if (s.media.size() == kMaxMediaSections) return tooLarge("more than 64 media sections");
      m = &s.media.emplace_back();
      if (auto error = parseMediaLine(lineNo, value, *m, ptIndex)) return *error;
      continue;
    }
    if (type == 'a') {
      const size_t colon = value.find(':');
      const std::string_view name = value.substr(0, colon);
      const std::string_view attrValue = colon == std::string_view::npos ? std::string_view() : value.substr(colon + 1);
      if (name.empty()) return malformed(lineNo, "attribute without a name");
      const Handled h = m != nullptr ? parseMediaAttribute(name, attrValue, *m, ptIndex)
                                     : parseSessionAttribute(name, attrValue, s);
      if (h == Handled::kBad) return malformed(lineNo, "malformed a=" + std::string(name));
      if (h == Handled::kNo) {
        (m != nullptr ? m->otherAttributes : s.otherAttributes).push_back({std::string(name), std::string(attrValue)});
      }
      continue;
    }
    if (type == 'c') {
      (m != nullptr ? m->connection : s.connection) = std::string(value);
      continue;
    }
    if (type == 'b') {
      (m != nullptr ? m->bandwidths : s.bandwidths).emplace_back(value);
      continue;
    }
    if (isIgnoredType(type)) continue;
    if (m != nullptr) return malformed(lineNo, "session-level line inside a media section");
    if (type == 'o') {
      const auto t = splitTokens(value);
      if (seenOrigin) return malformed(lineNo, "repeated o=");
      if (t.size() != 6 || !parseNumber(t[2], s.origin.sessionVersion)) return malformed(lineNo, "bad o= line");
      s.origin = Origin{std::string(t[0]), std::string(t[1]), s.origin.sessionVersion,
                        std::string(t[3]),  std::string(t[4]), std::string(t[5])};
      seenOrigin = true;
    } else if (type == 's') {
      s.sessionName = std::string(value);
    } else if (type == 't') {
      s.timing = std::string(value);
    } else {
      return malformed(lineNo, std::string("unknown line type '") + type + "'");
    }
  }
  if (!seenVersion) return malformed(lineNo, "missing v=0");
  if (!seenOrigin) return malformed(lineNo, "missing o=");
  return s;
}

base::Result<Candidate> Candidate::parse(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.remove_suffix(1);
  if (text.substr(0, 2) == "a=") text.remove_prefix(2);
  if (text.substr(0, 10) == "candidate:") text.remove_prefix(10);
  if (text.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos) {
    return base::makeError(std::string(kSdpMalformed), "candidate: control character");
  }
  auto candidate = parseCandidateValue(text);
  if (!candidate) return base::makeError(std::string(kSdpMalformed), "candidate: malformed");
  return std::move(*candidate);
}

std::string_view toString(MediaKind kind) {
  switch (kind) {
    case MediaKind::kAudio: return "audio";
    case MediaKind::kVideo: return "video";
    case MediaKind::kApplication: return "application";
    case MediaKind::kOther: break;
  }
  return "other";
}

std::string_view toString(Direction direction) {
  switch (direction) {
    case Direction::kSendRecv: return "sendrecv";
    case Direction::kSendOnly: return "sendonly";
    case Direction::kRecvOnly: return "recvonly";
    case Direction::kInactive: break;
  }
  return "inactive";
}

std::string_view toString(Setup setup) {
  switch (setup) {
    case Setup::kActPass: return "actpass";
    case Setup::kActive: return "active";
    case Setup::kPassive: return "passive";
    case Setup::kHoldConn: break;
  }
  return "holdconn";
}

bool sends(Direction direction) { return direction == Direction::kSendRecv || direction == Direction::kSendOnly; }
bool receives(Direction direction) { return direction == Direction::kSendRecv || direction == Direction::kRecvOnly; }

MediaKind MediaSection::kind() const {
  if (media == "audio") return MediaKind::kAudio;
  if (media == "video") return MediaKind::kVideo;
  if (media == "application") return MediaKind::kApplication;
  return MediaKind::kOther;
}

bool MediaSection::isRtp() const { return protocol.find("RTP/") != std::string::npos; }

const PayloadType* MediaSection::findPayloadType(uint8_t pt) const {
  const auto it = std::find_if(payloadTypes.begin(), payloadTypes.end(), [&](const auto& p) { return p.pt == pt; });
  return it == payloadTypes.end() ? nullptr : &*it;
}

bool MediaSection::hasAttribute(std::string_view name) const {
  return std::any_of(otherAttributes.begin(), otherAttributes.end(), [&](const auto& a) { return a.name == name; });
}

const Group* SessionDescription::findGroup(std::string_view semantics) const {
  const auto it = std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.semantics == semantics; });
  return it == groups.end() ? nullptr : &*it;
}

const MediaSection* SessionDescription::findMedia(std::string_view mid) const {
  const auto it = std::find_if(media.begin(), media.end(), [&](const auto& m) { return !mid.empty() && m.mid == mid; });
  return it == media.end() ? nullptr : &*it;
}

}  // namespace atrium::sdp
