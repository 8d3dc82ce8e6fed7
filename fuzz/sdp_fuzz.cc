// Fuzzes the SDP parser and the negotiation built on it.
//
// Invariants (any violation aborts):
//  1. parse(serialize(parse(x))) succeeds and equals parse(x), and serializing again gives the
//     same text: the writer emits only what the parser reads back identically.
//  2. answerPublishOffer on any parsed offer returns a value or an Error with one of our codes;
//     an answer serializes into text that parses back to the same answer.
//  3. A subscribe offer built from that answer's accepted sections (when buildSubscribeOffer
//     accepts them) round-trips the same way, and the SFU's own answer-shaped copy of it can be
//     applied without crashing.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sdp/negotiation.h"
#include "sdp/session_description.h"

namespace {

using namespace atrium::sdp;

void check(bool invariant) {
  if (!invariant) std::abort();
}

bool knownCode(const atrium::base::Error& e) {
  return !e.message.empty() && (e.code == kSdpMalformed || e.code == kSdpTooLarge || e.code == kSdpInvalidOffer ||
                                e.code == kSdpInvalidAnswer || e.code == kSdpUnsupported || e.code == kSdpInvalidArgument);
}

void checkRoundTrip(const SessionDescription& d) {
  const std::string text = d.serialize();
  const auto again = SessionDescription::parse(text);
  check(again.ok());
  check(*again == d);
  check(again->serialize() == text);
}

LocalParams local() {
  LocalParams l;
  l.iceUfrag = "sfu1";
  l.icePwd = "sfuPassword0123456789ab";
  l.fingerprints = {{"sha-256", "8F:21:C0:5D:3A:9E:47:B6:12:7C:E8:04:6B:D3:95:2A"}};
  Candidate c;
  c.foundation = "1";
  c.priority = 2130706431;
  c.address = "203.0.113.5";
  c.port = 40000;
  l.candidates = {c};
  return l;
}

void fuzzSubscribe(const PublishParams& published) {
  SubscribeSpec spec;
  uint32_t ssrc = 1000;
  for (const auto& s : published.sections) {
    if (s.rejected || spec.tracks.size() == 8) continue;
    SubscribeTrack t;
    t.mid = "t" + std::to_string(spec.tracks.size());
    t.kind = s.kind;
    t.msid = {"stream", "track" + std::to_string(ssrc)};
    t.cname = "cname";
    t.ssrc = ++ssrc;
    t.rtxSsrc = ++ssrc;
    t.codecs = s.codecs;
    spec.tracks.push_back(std::move(t));
  }
  const auto offer = buildSubscribeOffer(spec, local());
  if (!offer.ok()) {
    check(knownCode(offer.error()));
    return;
  }
  checkRoundTrip(*offer);
  SessionDescription answer = *offer;
  for (auto& m : answer.media) {
    m.direction = Direction::kRecvOnly;
    m.transport.setup = Setup::kActive;
  }
  const auto params = applySubscribeAnswer(*offer, answer);
  check(params.ok() || knownCode(params.error()));
  if (params.ok()) check(params->sections.size() == offer->media.size());
  // A renegotiation that drops the first track and re-adds the rest keeps every section.
  if (!spec.tracks.empty()) {
    SubscribeSpec next{{spec.tracks.begin() + 1, spec.tracks.end()}, &*offer, {}};
    const auto renegotiated = buildSubscribeOffer(next, local());
    check(renegotiated.ok());
    check(renegotiated->media.size() == offer->media.size());
    checkRoundTrip(*renegotiated);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto parsed = SessionDescription::parse(text);
  if (!parsed.ok()) {
    check(knownCode(parsed.error()));
    return 0;
  }
  checkRoundTrip(*parsed);

  const auto answer = answerPublishOffer(*parsed, local());
  if (!answer.ok()) {
    check(knownCode(answer.error()));
    return 0;
  }
  check(answer->answer.media.size() == parsed->media.size());
  check(answer->params.sections.size() == parsed->media.size());
  checkRoundTrip(answer->answer);
  fuzzSubscribe(answer->params);
  return 0;
}
