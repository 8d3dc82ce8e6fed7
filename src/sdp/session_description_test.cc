// SessionDescription: parsing a Chrome publish offer into the model, and serialize() giving back
// the same bytes. Malformed input lives in sdp_malformed_test.cc.
#include <gtest/gtest.h>

#include "sdp/sdp_test_data.h"
#include "sdp/session_description.h"

namespace atrium::sdp {
namespace {

SessionDescription parseOk(std::string_view text) {
  auto r = SessionDescription::parse(text);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().code + ": " + r.error().message);
  return r.ok() ? std::move(r).value() : SessionDescription{};
}

TEST(SessionDescription, ChromeOfferRoundTripsByteForByte) {
  const std::string text = testdata::chromeOffer();
  const SessionDescription d = parseOk(text);
  EXPECT_EQ(d.serialize(), text);
  EXPECT_EQ(parseOk(d.serialize()), d);
}

TEST(SessionDescription, ChromeOfferSessionLevel) {
  const SessionDescription d = parseOk(testdata::chromeOffer());
  EXPECT_EQ(d.origin.sessionId, "8302999682125171423");
  EXPECT_EQ(d.origin.sessionVersion, 2u);
  EXPECT_EQ(d.origin.address, "127.0.0.1");
  ASSERT_NE(d.findGroup("BUNDLE"), nullptr);
  EXPECT_EQ(d.findGroup("BUNDLE")->mids, (std::vector<std::string>{"0", "1", "2"}));
  EXPECT_TRUE(d.extmapAllowMixed);
  ASSERT_TRUE(d.msidSemantic.has_value());
  EXPECT_EQ(d.msidSemantic->semantic, "WMS");
  EXPECT_FALSE(d.iceLite);
  ASSERT_EQ(d.media.size(), 3u);
}

TEST(SessionDescription, ChromeOfferAudioSection) {
  const SessionDescription d = parseOk(testdata::chromeOffer());
  const MediaSection& a = d.media[0];
  EXPECT_EQ(a.kind(), MediaKind::kAudio);
  EXPECT_TRUE(a.isRtp());
  EXPECT_EQ(a.port, 9);
  EXPECT_EQ(a.mid, "0");
  EXPECT_EQ(a.direction, Direction::kSendOnly);
  EXPECT_TRUE(a.rtcpMux);
  EXPECT_FALSE(a.rtcpRsize);
  ASSERT_EQ(a.payloadTypes.size(), 14u);
  const PayloadType* opus = a.findPayloadType(111);
  ASSERT_NE(opus, nullptr);
  EXPECT_EQ(opus->encoding, "opus");
  EXPECT_EQ(opus->clockRate, 48000u);
  EXPECT_EQ(opus->channels, 2);
  EXPECT_EQ(opus->fmtp, "minptime=10;useinbandfec=1");
  EXPECT_EQ(opus->rtcpFb, std::vector<std::string>{"transport-cc"});
  EXPECT_EQ(a.findPayloadType(0)->encoding, "PCMU");
  EXPECT_EQ(a.findPayloadType(0)->channels, 0);
  ASSERT_EQ(a.extmaps.size(), 4u);
  EXPECT_EQ(a.extmaps[0].id, 1);
  EXPECT_EQ(a.extmaps[0].uri, "urn:ietf:params:rtp-hdrext:ssrc-audio-level");
  ASSERT_EQ(a.msids.size(), 1u);
  EXPECT_EQ(a.msids[0].trackId, "0b7c6a2e-5d1f-4e3a-8c9b-2a4d6f8e0c13");
  ASSERT_EQ(a.ssrcs.size(), 2u);
  EXPECT_EQ(a.ssrcs[0].ssrc, 1604958316u);
  EXPECT_EQ(a.ssrcs[0].attribute, "cname");
  EXPECT_EQ(a.ssrcs[0].value, "Yk0a2dM6Fq1vPz3T");
  EXPECT_EQ(a.transport.iceUfrag, "gydc");
  EXPECT_EQ(a.transport.icePwd, "qEA+KCGezaoGknNYbpAADXBK");
  EXPECT_EQ(a.transport.iceOptions, std::vector<std::string>{"trickle"});
  ASSERT_EQ(a.transport.fingerprints.size(), 1u);
  EXPECT_EQ(a.transport.fingerprints[0].algorithm, "sha-256");
  EXPECT_EQ(a.transport.setup, Setup::kActPass);
}

TEST(SessionDescription, ChromeOfferCandidates) {
  const SessionDescription d = parseOk(testdata::chromeOffer());
  const auto& c = d.media[0].candidates;
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[0].address, "2cf0b2c0-0842-4fe3-aaa0-4556a2dfbadc.local");  // mDNS host name
  EXPECT_EQ(c[0].port, 54264);
  EXPECT_EQ(c[0].type, "host");
  EXPECT_EQ(c[1].type, "srflx");
  EXPECT_EQ(c[1].relatedAddress, "0.0.0.0");
  EXPECT_EQ(c[1].relatedPort, 0);
  EXPECT_EQ(c[1].priority, 1677729535u);
  EXPECT_EQ(c[2].transport, "tcp");
  EXPECT_EQ(c[2].tcpType, "active");
  EXPECT_EQ(c[2].extensions, (std::vector<std::pair<std::string, std::string>>{{"generation", "0"}, {"network-id", "1"}}));
}

TEST(SessionDescription, ChromeOfferSimulcastCamera) {
  const SessionDescription d = parseOk(testdata::chromeOffer());
  const MediaSection& v = d.media[1];
  EXPECT_EQ(v.kind(), MediaKind::kVideo);
  EXPECT_TRUE(v.rtcpRsize);
  EXPECT_EQ(v.payloadTypes.size(), 30u);
  EXPECT_EQ(v.findPayloadType(97)->fmtp, "apt=96");
  EXPECT_EQ(v.findPayloadType(96)->rtcpFb,
            (std::vector<std::string>{"goog-remb", "transport-cc", "ccm fir", "nack", "nack pli"}));
  EXPECT_EQ(v.findPayloadType(108)->fmtp, "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f");
  ASSERT_EQ(v.rids.size(), 2u);
  EXPECT_EQ(v.rids[0].id, "h");
  EXPECT_EQ(v.rids[1].direction, RidDirection::kSend);
  ASSERT_TRUE(v.simulcast.has_value());
  ASSERT_EQ(v.simulcast->send.size(), 2u);
  EXPECT_EQ(v.simulcast->send[1][0].rid, "l");
  EXPECT_TRUE(v.simulcast->recv.empty());
  EXPECT_TRUE(v.ssrcs.empty());
}

TEST(SessionDescription, ChromeOfferScreenShareSsrcGroup) {
  const SessionDescription d = parseOk(testdata::chromeOffer());
  const MediaSection& s = d.media[2];
  ASSERT_EQ(s.ssrcGroups.size(), 1u);
  EXPECT_EQ(s.ssrcGroups[0].semantics, "FID");
  EXPECT_EQ(s.ssrcGroups[0].ssrcs, (std::vector<uint32_t>{2231627014u, 632943048u}));
  EXPECT_EQ(s.ssrcs.size(), 4u);
  EXPECT_FALSE(s.simulcast.has_value());
}

TEST(SessionDescription, LineFeedOnlyParsesLikeCrlf) {
  const std::string crlf = testdata::chromeOffer();
  const std::string lf = testdata::replaceAll(crlf, "\r\n", "\n");
  EXPECT_EQ(parseOk(lf), parseOk(crlf));
  EXPECT_EQ(parseOk(lf).serialize(), crlf);
}

TEST(SessionDescription, UnknownAttributesAndLinesSurvive) {
  const std::string text =
      "v=0\r\no=- 1 0 IN IP4 0.0.0.0\r\ns=-\r\ni=ignored\r\nt=0 0\r\na=x-session-thing:1 2\r\na=flag\r\n"
      "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\nb=AS:30\r\na=mid:2\r\n"
      "a=sctp-port:5000\r\na=max-message-size:262144\r\na=rtcp-fb:* nack\r\n";
  const SessionDescription d = parseOk(text);
  ASSERT_EQ(d.otherAttributes.size(), 2u);
  EXPECT_EQ(d.otherAttributes[0].name, "x-session-thing");
  EXPECT_EQ(d.otherAttributes[0].value, "1 2");
  const MediaSection& m = d.media[0];
  EXPECT_EQ(m.kind(), MediaKind::kApplication);
  EXPECT_FALSE(m.isRtp());
  EXPECT_EQ(m.formats, std::vector<std::string>{"webrtc-datachannel"});
  EXPECT_EQ(m.bandwidths, std::vector<std::string>{"AS:30"});
  EXPECT_TRUE(m.hasAttribute("sctp-port"));
  EXPECT_EQ(parseOk(d.serialize()), d);
}

TEST(SessionDescription, DefaultsForMissingOptionalLines) {
  const SessionDescription d = parseOk("v=0\no=- 7 1 IN IP4 0.0.0.0\nm=audio 0 RTP/AVP 0\n");
  EXPECT_EQ(d.sessionName, "-");
  EXPECT_EQ(d.timing, "0 0");
  EXPECT_EQ(d.media[0].direction, Direction::kSendRecv);  // RFC 8866 default
  EXPECT_EQ(d.media[0].port, 0);
  EXPECT_EQ(parseOk(d.serialize()), d);
}

TEST(SessionDescription, SimulcastAlternativesPausedAndBothDirections) {
  const SessionDescription d = parseOk(
      "v=0\r\no=- 1 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
      "a=rid:f send pt=96;max-width=1280\r\na=rid:q send\r\na=rid:x recv\r\n"
      "a=simulcast:recv x send f,~h;~q\r\n");
  const auto& sc = *d.media[0].simulcast;
  ASSERT_EQ(sc.send.size(), 2u);
  EXPECT_EQ(sc.send[0], (SimulcastStream{{"f", false}, {"h", true}}));
  EXPECT_EQ(sc.send[1], (SimulcastStream{{"q", true}}));
  EXPECT_EQ(sc.recv, (std::vector<SimulcastStream>{{{"x", false}}}));
  EXPECT_EQ(d.media[0].rids[0].params, "pt=96;max-width=1280");
  const std::string out = d.serialize();
  EXPECT_NE(out.find("a=simulcast:send f,~h;~q recv x\r\n"), std::string::npos);
  EXPECT_EQ(parseOk(out), d);
}

TEST(SessionDescription, ExtmapDirectionAndAttributes) {
  const SessionDescription d = parseOk(
      "v=0\r\no=- 1 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
      "a=extmap:4096/sendonly urn:x:y some attrs\r\na=extmap:255 urn:a\r\n");
  ASSERT_EQ(d.media[0].extmaps.size(), 2u);
  EXPECT_EQ(d.media[0].extmaps[0].id, 4096);
  EXPECT_EQ(d.media[0].extmaps[0].direction, Direction::kSendOnly);
  EXPECT_EQ(d.media[0].extmaps[0].attributes, "some attrs");
  EXPECT_EQ(parseOk(d.serialize()), d);
}

TEST(Candidate, ParsesTrickledFormsAndPrintsChromeOrder) {
  const std::string line =
      "candidate:3387623704 1 tcp 1518280447 192.168.1.23 9 typ host tcptype passive generation 0 network-id 1";
  for (const std::string& form : {line, "a=" + line + "\r\n", line.substr(10)}) {
    const auto c = Candidate::parse(form);
    ASSERT_TRUE(c.ok()) << form;
    EXPECT_EQ(c->tcpType, "passive");
    EXPECT_EQ(c->toString(), line);
  }
  EXPECT_FALSE(Candidate::parse("candidate:1 1 udp 1 1.2.3.4 70000 typ host").ok());
  EXPECT_FALSE(Candidate::parse("candidate:1 1 udp 1 1.2.3.4 9 host").ok());
  EXPECT_FALSE(Candidate::parse("candidate:1 1 udp 1 1.2.3.4 9 typ host generation").ok());
  EXPECT_FALSE(Candidate::parse("candidate:1 1 udp 1 1.2.3.4 9 typ host\r\nx").ok());
}

}  // namespace
}  // namespace atrium::sdp
