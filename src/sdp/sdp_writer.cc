// SessionDescription::serialize and Candidate::toString. Lines end in CRLF and come in the order
// Chrome writes them (session: v o s c b t, then attributes; media: m c b, transport, mid,
// extmap, direction, msid, rtcp-mux/rsize, codecs, ssrc, rid/simulcast), which every browser
// parses; attributes we do not model follow their section's modelled lines.
#include <string>

#include "sdp/attribute_parsers.h"
#include "sdp/session_description.h"

namespace atrium::sdp {

namespace {

class Writer {
 public:
  void line(std::string_view type, std::string_view value) {
    out_ += type;
    out_ += value;
    out_ += "\r\n";
  }
  void attribute(std::string_view name, std::string_view value = {}) {
    out_ += "a=";
    out_ += name;
    if (!value.empty()) {
      out_ += ':';
      out_ += value;
    }
    out_ += "\r\n";
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

void writeTransport(Writer& w, const TransportAttributes& t) {
  if (!t.iceUfrag.empty()) w.attribute("ice-ufrag", t.iceUfrag);
  if (!t.icePwd.empty()) w.attribute("ice-pwd", t.icePwd);
  if (!t.iceOptions.empty()) {
    std::string options;
    for (const auto& o : t.iceOptions) options += (options.empty() ? "" : " ") + o;
    w.attribute("ice-options", options);
  }
  for (const auto& fp : t.fingerprints) w.attribute("fingerprint", fp.algorithm + " " + fp.value);
  if (t.setup) w.attribute("setup", toString(*t.setup));
}

void writeOthers(Writer& w, const std::vector<Attribute>& attributes) {
  for (const auto& a : attributes) w.attribute(a.name, a.value);
}

std::string ptPrefix(uint8_t pt) { return std::to_string(pt) + " "; }

void writeCodecs(Writer& w, const MediaSection& m) {
  for (const auto& p : m.payloadTypes) {
    if (!p.encoding.empty()) {
      std::string map = ptPrefix(p.pt) + p.encoding + "/" + std::to_string(p.clockRate);
      if (p.channels != 0) map += "/" + std::to_string(p.channels);
      w.attribute("rtpmap", map);
    }
    for (const auto& fb : p.rtcpFb) w.attribute("rtcp-fb", ptPrefix(p.pt) + fb);
    if (!p.fmtp.empty()) w.attribute("fmtp", ptPrefix(p.pt) + p.fmtp);
  }
}

void writeMedia(Writer& w, const MediaSection& m) {
  std::string mline = m.media + " " + std::to_string(m.port) + " " + m.protocol;
  if (m.isRtp()) {
    for (const auto& p : m.payloadTypes) mline += " " + std::to_string(p.pt);
  } else {
    for (const auto& f : m.formats) mline += " " + f;
  }
  w.line("m=", mline);
  if (m.connection) w.line("c=", *m.connection);
  for (const auto& b : m.bandwidths) w.line("b=", b);
  if (m.rtcp) w.attribute("rtcp", *m.rtcp);
  for (const auto& c : m.candidates) w.attribute(c.toString());
  if (m.endOfCandidates) w.attribute("end-of-candidates");
  writeTransport(w, m.transport);
  if (!m.mid.empty()) w.attribute("mid", m.mid);
  for (const auto& e : m.extmaps) {
    std::string value = std::to_string(e.id);
    if (e.direction) value += "/" + std::string(toString(*e.direction));
    value += " " + e.uri;
    if (!e.attributes.empty()) value += " " + e.attributes;
    w.attribute("extmap", value);
  }
  w.attribute(toString(m.direction));
  for (const auto& msid : m.msids) {
    w.attribute("msid", msid.trackId.empty() ? msid.streamId : msid.streamId + " " + msid.trackId);
  }
  if (m.rtcpMux) w.attribute("rtcp-mux");
  if (m.rtcpRsize) w.attribute("rtcp-rsize");
  if (m.extmapAllowMixed) w.attribute("extmap-allow-mixed");
  writeCodecs(w, m);
  for (const auto& g : m.ssrcGroups) {
    std::string value = g.semantics;
    for (uint32_t ssrc : g.ssrcs) value += " " + std::to_string(ssrc);
    w.attribute("ssrc-group", value);
  }
  for (const auto& s : m.ssrcs) {
    w.attribute("ssrc", std::to_string(s.ssrc) + " " + s.attribute + (s.value.empty() ? "" : ":" + s.value));
  }
  for (const auto& r : m.rids) {
    std::string value = r.id + (r.direction == RidDirection::kSend ? " send" : " recv");
    if (!r.params.empty()) value += " " + r.params;
    w.attribute("rid", value);
  }
  if (m.simulcast) {
    std::string value;
    if (!m.simulcast->send.empty()) value = "send " + detail::simulcastList(m.simulcast->send);
    if (!m.simulcast->recv.empty()) {
      value += (value.empty() ? "recv " : " recv ") + detail::simulcastList(m.simulcast->recv);
    }
    w.attribute("simulcast", value);
  }
  writeOthers(w, m.otherAttributes);
}

}  // namespace

std::string Candidate::toString() const {
  std::string out = "candidate:" + foundation + " " + std::to_string(component) + " " + transport + " " +
                    std::to_string(priority) + " " + address + " " + std::to_string(port) + " typ " + type;
  if (!relatedAddress.empty()) out += " raddr " + relatedAddress;
  if (relatedPort) out += " rport " + std::to_string(*relatedPort);
  if (!tcpType.empty()) out += " tcptype " + tcpType;
  for (const auto& [name, value] : extensions) out += " " + name + " " + value;
  return out;
}

std::string SessionDescription::serialize() const {
  Writer w;
  w.line("v=", "0");
  w.line("o=", origin.username + " " + origin.sessionId + " " + std::to_string(origin.sessionVersion) + " " +
                   origin.netType + " " + origin.addrType + " " + origin.address);
  w.line("s=", sessionName);
  if (connection) w.line("c=", *connection);
  for (const auto& b : bandwidths) w.line("b=", b);
  w.line("t=", timing);
  if (iceLite) w.attribute("ice-lite");
  for (const auto& g : groups) {
    std::string value = g.semantics;
    for (const auto& mid : g.mids) value += " " + mid;
    w.attribute("group", value);
  }
  if (extmapAllowMixed) w.attribute("extmap-allow-mixed");
  if (msidSemantic) {
    std::string value = " " + msidSemantic->semantic;  // "a=msid-semantic: WMS", as Chrome writes it
    for (const auto& id : msidSemantic->ids) value += " " + id;
    w.attribute("msid-semantic", value);
  }
  writeTransport(w, transport);
  writeOthers(w, otherAttributes);
  for (const auto& m : media) writeMedia(w, m);
  return w.take();
}

}  // namespace atrium::sdp
