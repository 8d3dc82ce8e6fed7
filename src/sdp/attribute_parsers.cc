#include "sdp/attribute_parsers.h"

namespace atrium::sdp::detail {

std::vector<std::string_view> splitTokens(std::string_view text, char separator) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos < text.size()) {
    while (pos < text.size() && text[pos] == separator) ++pos;
    if (pos >= text.size()) break;
    size_t end = text.find(separator, pos);
    if (end == std::string_view::npos) end = text.size();
    out.push_back(text.substr(pos, end - pos));
    pos = end;
  }
  return out;
}

std::vector<std::string_view> splitAll(std::string_view text, char separator) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (true) {
    const size_t end = text.find(separator, pos);
    if (end == std::string_view::npos) {
      out.push_back(text.substr(pos));
      return out;
    }
    out.push_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
}

std::string_view skipSpaces(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  return text;
}

std::string joinTokens(std::string_view text) {
  std::string out;
  for (std::string_view token : splitTokens(text)) {
    if (!out.empty()) out += ' ';
    out += token;
  }
  return out;
}

namespace {
char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }
}  // namespace

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string toLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = lower(c);
  return out;
}

bool parseUint(std::string_view text, uint64_t max, uint64_t& out) {
  // 20 digits already exceed uint64_t; refusing early keeps the loop overflow-free.
  if (text.empty() || text.size() > 20) return false;
  uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (v > (max - digit) / 10) return false;
    v = v * 10 + digit;
  }
  out = v;
  return true;
}

bool isRidId(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '_';
    if (!ok) return false;
  }
  return true;
}

std::optional<Direction> parseDirection(std::string_view text) {
  if (text == "sendrecv") return Direction::kSendRecv;
  if (text == "sendonly") return Direction::kSendOnly;
  if (text == "recvonly") return Direction::kRecvOnly;
  if (text == "inactive") return Direction::kInactive;
  return std::nullopt;
}

std::optional<Setup> parseSetup(std::string_view text) {
  if (text == "actpass") return Setup::kActPass;
  if (text == "active") return Setup::kActive;
  if (text == "passive") return Setup::kPassive;
  if (text == "holdconn") return Setup::kHoldConn;
  return std::nullopt;
}

std::optional<RtpMap> parseRtpMap(std::string_view value) {
  const auto tokens = splitTokens(value);
  if (tokens.size() != 2) return std::nullopt;
  RtpMap map;
  if (!parseNumber(tokens[0], map.pt) || map.pt > 127) return std::nullopt;
  const auto parts = splitAll(tokens[1], '/');
  if (parts.size() < 2 || parts.size() > 3 || parts[0].empty()) return std::nullopt;
  map.encoding = std::string(parts[0]);
  if (!parseNumber(parts[1], map.clockRate) || map.clockRate == 0) return std::nullopt;
  if (parts.size() == 3 && (!parseNumber(parts[2], map.channels) || map.channels == 0)) return std::nullopt;
  return map;
}

bool splitPtValue(std::string_view value, std::optional<uint8_t>& ptOut, std::string_view& rest) {
  const size_t space = value.find(' ');
  const std::string_view pt = value.substr(0, space);
  rest = space == std::string_view::npos ? std::string_view() : skipSpaces(value.substr(space));
  if (pt == "*") {
    ptOut.reset();
    return true;
  }
  uint8_t n = 0;
  if (!parseNumber(pt, n) || n > 127) return false;
  ptOut = n;
  return true;
}

std::optional<Extmap> parseExtmap(std::string_view value) {
  const auto tokens = splitTokens(value);
  if (tokens.size() < 2) return std::nullopt;
  Extmap ext;
  std::string_view id = tokens[0];
  const size_t slash = id.find('/');
  if (slash != std::string_view::npos) {
    ext.direction = parseDirection(id.substr(slash + 1));
    if (!ext.direction) return std::nullopt;
    id = id.substr(0, slash);
  }
  // 1-14 one-byte, up to 255 two-byte headers; 4096-4351 are offer-only ids (RFC 8285 §7).
  if (!parseNumber(id, ext.id) || ext.id == 0 || (ext.id > 255 && ext.id < 4096) || ext.id > 4351) {
    return std::nullopt;
  }
  ext.uri = std::string(tokens[1]);
  const size_t uriEnd = static_cast<size_t>(tokens[1].data() - value.data()) + tokens[1].size();
  ext.attributes = std::string(skipSpaces(value.substr(uriEnd)));
  return ext;
}

std::optional<SsrcAttribute> parseSsrc(std::string_view value) {
  const size_t space = value.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  SsrcAttribute attr;
  if (!parseNumber(value.substr(0, space), attr.ssrc)) return std::nullopt;
  const std::string_view rest = skipSpaces(value.substr(space));
  const size_t colon = rest.find(':');
  attr.attribute = std::string(rest.substr(0, colon));
  if (attr.attribute.empty() || attr.attribute.find(' ') != std::string::npos) return std::nullopt;
  if (colon != std::string_view::npos) attr.value = std::string(rest.substr(colon + 1));
  return attr;
}

std::optional<SsrcGroup> parseSsrcGroup(std::string_view value) {
  const auto tokens = splitTokens(value);
  if (tokens.empty()) return std::nullopt;
  SsrcGroup group;
  group.semantics = std::string(tokens[0]);
  for (size_t i = 1; i < tokens.size(); ++i) {
    uint32_t ssrc = 0;
    if (!parseNumber(tokens[i], ssrc)) return std::nullopt;
    group.ssrcs.push_back(ssrc);
  }
  return group;
}

std::optional<Rid> parseRid(std::string_view value) {
  const auto tokens = splitTokens(value);
  if (tokens.size() < 2 || !isRidId(tokens[0])) return std::nullopt;
  Rid rid;
  rid.id = std::string(tokens[0]);
  if (tokens[1] == "send") {
    rid.direction = RidDirection::kSend;
  } else if (tokens[1] == "recv") {
    rid.direction = RidDirection::kRecv;
  } else {
    return std::nullopt;
  }
  if (tokens.size() > 2) {
    const size_t start = static_cast<size_t>(tokens[2].data() - value.data());
    rid.params = std::string(value.substr(start));
  }
  return rid;
}

namespace {

// sc-str-list = sc-alt-list *(";" sc-alt-list); sc-alt-list = sc-id *("," sc-id);
// sc-id = ["~"] rid-id. Firefox once prefixed the list with "rid=", which we accept.
bool parseSimulcastList(std::string_view text, std::vector<SimulcastStream>& out) {
  if (text.substr(0, 4) == "rid=") text.remove_prefix(4);
  for (std::string_view alternatives : splitAll(text, ';')) {
    SimulcastStream stream;
    for (std::string_view id : splitAll(alternatives, ',')) {
      SimulcastRid rid;
      if (!id.empty() && id.front() == '~') {
        rid.paused = true;
        id.remove_prefix(1);
      }
      if (!isRidId(id)) return false;
      rid.rid = std::string(id);
      stream.push_back(std::move(rid));
    }
    out.push_back(std::move(stream));
  }
  return true;
}

}  // namespace

std::optional<Simulcast> parseSimulcast(std::string_view value) {
  const auto tokens = splitTokens(value);
  if (tokens.empty() || tokens.size() % 2 != 0 || tokens.size() > 4) return std::nullopt;
  Simulcast sc;
  bool seenSend = false, seenRecv = false;
  for (size_t i = 0; i < tokens.size(); i += 2) {
    bool& seen = tokens[i] == "send" ? seenSend : seenRecv;
    if ((tokens[i] != "send" && tokens[i] != "recv") || seen) return std::nullopt;
    seen = true;
    if (!parseSimulcastList(tokens[i + 1], tokens[i] == "send" ? sc.send : sc.recv)) return std::nullopt;
  }
  return sc;
}

std::string simulcastList(const std::vector<SimulcastStream>& streams) {
  std::string out;
  for (size_t i = 0; i < streams.size(); ++i) {
    if (i > 0) out += ';';
    for (size_t j = 0; j < streams[i].size(); ++j) {
      if (j > 0) out += ',';
      if (streams[i][j].paused) out += '~';
      out += streams[i][j].rid;
    }
  }
  return out;
}

std::optional<Fingerprint> parseFingerprint(std::string_view value) {
  const auto tokens = splitTokens(value);
  if (tokens.size() != 2) return std::nullopt;
  return Fingerprint{std::string(tokens[0]), std::string(tokens[1])};
}

std::optional<Msid> parseMsid(std::string_view value) {
  const auto tokens = splitTokens(value);
  if (tokens.empty() || tokens.size() > 2) return std::nullopt;
  Msid msid;
  msid.streamId = std::string(tokens[0]);
  if (tokens.size() == 2) msid.trackId = std::string(tokens[1]);
  return msid;
}

std::optional<Candidate> parseCandidateValue(std::string_view value) {
  const auto t = splitTokens(value);
  if (t.size() < 8 || t[6] != "typ") return std::nullopt;
  Candidate c;
  c.foundation = std::string(t[0]);
  if (!parseNumber(t[1], c.component) || c.component == 0 || c.component > 256) return std::nullopt;
  c.transport = std::string(t[2]);
  if (!parseNumber(t[3], c.priority)) return std::nullopt;
  c.address = std::string(t[4]);
  if (!parseNumber(t[5], c.port)) return std::nullopt;
  c.type = std::string(t[7]);
  if ((t.size() - 8) % 2 != 0) return std::nullopt;  // the rest are name/value pairs
  for (size_t i = 8; i < t.size(); i += 2) {
    const std::string_view name = t[i], val = t[i + 1];
    if (name == "raddr" && c.relatedAddress.empty()) {
      c.relatedAddress = std::string(val);
    } else if (name == "rport" && !c.relatedPort) {
      uint16_t port = 0;
      if (!parseNumber(val, port)) return std::nullopt;
      c.relatedPort = port;
    } else if (name == "tcptype" && c.tcpType.empty()) {
      c.tcpType = std::string(val);
    } else {
      c.extensions.emplace_back(std::string(name), std::string(val));
    }
  }
  return c;
}

}  // namespace atrium::sdp::detail
