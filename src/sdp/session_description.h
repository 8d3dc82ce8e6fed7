// SDP data model for WebRTC unified-plan descriptions (RFC 8866 syntax), with the attributes an
// SFU negotiates: BUNDLE (RFC 8843), rtcp-mux (RFC 8858), rtcp-rsize (RFC 5506), simulcast and
// rid (RFC 8853, RFC 8851), extmap (RFC 8285), ssrc / ssrc-group (RFC 5576), ICE (RFC 8839) and
// DTLS fingerprint / setup (RFC 8122, RFC 5763).
//
//   v=0                                  session part: v o s [c] [b] t, then a= lines
//   o=- 8302999682125171423 3 IN IP4 127.0.0.1
//   s=-
//   t=0 0
//   a=group:BUNDLE 0 1
//   m=audio 9 UDP/TLS/RTP/SAVPF 111 63   one media section per m= line, in order
//   c=IN IP4 0.0.0.0
//   a=mid:0
//   ...
//
// parse() is tolerant where browsers differ (CRLF or LF, unknown attributes and line types kept or
// skipped) and strict where a wrong value would be misread later (numbers, known attribute
// syntax): a malformed description is an Error, never UB or an exception. Sizes are bounded
// before any work proportional to them. serialize() writes CRLF lines in the order Chrome writes
// them; parse(serialize(parse(x))) == parse(x) for every parseable x (the fuzzer checks it).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace atrium::sdp {

// base::Error::code values of this module.
inline constexpr std::string_view kSdpMalformed = "SDP_MALFORMED";        // syntax error, with line number
inline constexpr std::string_view kSdpTooLarge = "SDP_TOO_LARGE";         // a size bound below was exceeded
inline constexpr std::string_view kSdpInvalidOffer = "SDP_INVALID_OFFER";   // parseable, but not a usable offer
inline constexpr std::string_view kSdpInvalidAnswer = "SDP_INVALID_ANSWER"; // answer does not match our offer
inline constexpr std::string_view kSdpUnsupported = "SDP_UNSUPPORTED";     // nothing we can negotiate
inline constexpr std::string_view kSdpInvalidArgument = "SDP_INVALID_ARGUMENT";  // caller-supplied params

// Bounds: a real browser offer for our use is 5-15 KB and < 600 lines.
inline constexpr size_t kMaxSdpBytes = 64 * 1024;
inline constexpr size_t kMaxLines = 4096;
inline constexpr size_t kMaxMediaSections = 64;
inline constexpr size_t kMaxFormatsPerSection = 256;

enum class MediaKind : uint8_t { kAudio, kVideo, kApplication, kOther };
enum class Direction : uint8_t { kSendRecv, kSendOnly, kRecvOnly, kInactive };
enum class Setup : uint8_t { kActPass, kActive, kPassive, kHoldConn };  // RFC 4145 / 5763
enum class RidDirection : uint8_t { kSend, kRecv };

std::string_view toString(MediaKind kind);
std::string_view toString(Direction direction);
std::string_view toString(Setup setup);
// Whether the side that wrote `direction` sends / receives media.
bool sends(Direction direction);
bool receives(Direction direction);

struct Origin {  // o=<username> <sess-id> <sess-version> <nettype> <addrtype> <address>
  std::string username = "-";
  std::string sessionId = "0";  // kept as text: browsers use up to 19 digits, others any token
  uint64_t sessionVersion = 0;  // must grow with every new description of a session
  std::string netType = "IN";
  std::string addrType = "IP4";
  std::string address = "127.0.0.1";
  bool operator==(const Origin&) const = default;
};

struct Fingerprint {  // a=fingerprint:sha-256 AB:CD:... (RFC 8122 §5)
  std::string algorithm;
  std::string value;
  bool operator==(const Fingerprint&) const = default;
};

// ICE and DTLS transport attributes; allowed at session level and in every media section.
struct TransportAttributes {
  std::string iceUfrag;                 // empty = absent
  std::string icePwd;                   // empty = absent
  std::vector<std::string> iceOptions;  // e.g. "trickle"
  std::vector<Fingerprint> fingerprints;
  std::optional<Setup> setup;
  bool operator==(const TransportAttributes&) const = default;
};

// a=candidate (RFC 8839 §5.1):
//   candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type>
//             [raddr <address>] [rport <port>] *(<extension name> <extension value>)
struct Candidate {
  std::string foundation;
  uint32_t component = 1;
  std::string transport = "udp";  // as written ("udp", "UDP", "tcp")
  uint32_t priority = 0;
  std::string address;            // IP literal or mDNS host name
  uint16_t port = 0;
  std::string type = "host";      // host / srflx / prflx / relay
  std::string relatedAddress;     // empty = absent
  std::optional<uint16_t> relatedPort;
  std::string tcpType;            // "passive" / "active" / "so"; empty = absent (RFC 6544)
  std::vector<std::pair<std::string, std::string>> extensions;  // generation, ufrag, network-id...

  // The attribute value "candidate:..." (no "a=", no line end) as trickled over signaling.
  std::string toString() const;
  // Accepts "candidate:...", "a=candidate:..." or the bare value after "candidate:".
  static base::Result<Candidate> parse(std::string_view text);
  bool operator==(const Candidate&) const = default;
};

struct PayloadType {  // one RTP format of an m= line with its rtpmap / fmtp / rtcp-fb lines
  uint8_t pt = 0;
  std::string encoding;    // rtpmap encoding name as written ("VP8", "opus"); empty = no rtpmap
  uint32_t clockRate = 0;
  uint16_t channels = 0;   // rtpmap encoding parameters; 0 = not given
  std::string fmtp;        // "a=fmtp:<pt> " value as written; empty = absent
  std::vector<std::string> rtcpFb;  // "nack", "nack pli", "transport-cc" (spaces normalised)
  bool operator==(const PayloadType&) const = default;
};

struct Extmap {  // a=extmap:<id>[/<direction>] <uri> [<attributes>] (RFC 8285 §8)
  uint16_t id = 0;
  std::optional<Direction> direction;
  std::string uri;
  std::string attributes;  // empty = absent
  bool operator==(const Extmap&) const = default;
};

struct SsrcAttribute {  // a=ssrc:<ssrc> <attribute>[:<value>] (RFC 5576 §4.1)
  uint32_t ssrc = 0;
  std::string attribute;  // "cname", "msid", ...
  std::string value;      // empty = no value
  bool operator==(const SsrcAttribute&) const = default;
};

struct SsrcGroup {  // a=ssrc-group:<semantics> <ssrc>... (RFC 5576 §4.2): FID, SIM, FEC-FR
  std::string semantics;
  std::vector<uint32_t> ssrcs;
  bool operator==(const SsrcGroup&) const = default;
};

struct Rid {  // a=rid:<id> <send|recv> [<restrictions>] (RFC 8851 §10)
  std::string id;
  RidDirection direction = RidDirection::kSend;
  std::string params;  // "pt=96;max-width=640" as written; empty = none
  bool operator==(const Rid&) const = default;
};

struct SimulcastRid {
  std::string rid;
  bool paused = false;  // written "~rid"
  bool operator==(const SimulcastRid&) const = default;
};
// One simulcast stream: its alternative rids, the first preferred ("h,h2").
using SimulcastStream = std::vector<SimulcastRid>;

struct Simulcast {  // a=simulcast:send h;l [recv ...] (RFC 8853 §5.1)
  std::vector<SimulcastStream> send;
  std::vector<SimulcastStream> recv;
  bool operator==(const Simulcast&) const = default;
};

struct Msid {  // a=msid:<stream id> [<track id>]; Chrome writes "-" for no stream
  std::string streamId;
  std::string trackId;  // empty = absent
  bool operator==(const Msid&) const = default;
};

struct Group {  // a=group:BUNDLE 0 1 2 (RFC 5888)
  std::string semantics;
  std::vector<std::string> mids;
  bool operator==(const Group&) const = default;
};

struct MsidSemantic {  // a=msid-semantic: WMS [ids]
  std::string semantic;
  std::vector<std::string> ids;
  bool operator==(const MsidSemantic&) const = default;
};

struct Attribute {  // any a= line we do not model, kept verbatim so it survives a round trip
  std::string name;
  std::string value;  // empty = flag attribute
  bool operator==(const Attribute&) const = default;
};

struct MediaSection {
  std::string media = "audio";  // m= media token as written
  uint16_t port = 9;            // 0 = rejected / stopped
  std::string protocol = "UDP/TLS/RTP/SAVPF";
  std::vector<PayloadType> payloadTypes;  // RTP profiles: the m= line formats, in order
  std::vector<std::string> formats;       // other profiles, e.g. "webrtc-datachannel"
  std::optional<std::string> connection;  // c= value, e.g. "IN IP4 0.0.0.0"
  std::vector<std::string> bandwidths;    // b= values, e.g. "AS:500"
  std::optional<std::string> rtcp;        // a=rtcp: value
  std::vector<Candidate> candidates;
  bool endOfCandidates = false;
  TransportAttributes transport;
  std::string mid;  // empty = absent
  std::vector<Extmap> extmaps;
  Direction direction = Direction::kSendRecv;  // RFC 8866: sendrecv when absent
  std::vector<Msid> msids;
  bool rtcpMux = false;
  bool rtcpRsize = false;
  bool extmapAllowMixed = false;
  std::vector<SsrcGroup> ssrcGroups;
  std::vector<SsrcAttribute> ssrcs;
  std::vector<Rid> rids;
  std::optional<Simulcast> simulcast;
  std::vector<Attribute> otherAttributes;

  MediaKind kind() const;
  // RTP profiles carry numeric payload types; "UDP/DTLS/SCTP" and friends carry tokens.
  bool isRtp() const;
  const PayloadType* findPayloadType(uint8_t pt) const;
  bool hasAttribute(std::string_view name) const;  // among otherAttributes
  bool operator==(const MediaSection&) const = default;
};

struct SessionDescription {
  Origin origin;
  std::string sessionName = "-";
  std::optional<std::string> connection;
  std::vector<std::string> bandwidths;
  std::string timing = "0 0";
  bool iceLite = false;
  std::vector<Group> groups;
  bool extmapAllowMixed = false;
  std::optional<MsidSemantic> msidSemantic;
  TransportAttributes transport;
  std::vector<Attribute> otherAttributes;
  std::vector<MediaSection> media;

  static base::Result<SessionDescription> parse(std::string_view text);
  std::string serialize() const;

  const Group* findGroup(std::string_view semantics) const;  // e.g. "BUNDLE"
  const MediaSection* findMedia(std::string_view mid) const;
  bool operator==(const SessionDescription&) const = default;
};

}  // namespace atrium::sdp
