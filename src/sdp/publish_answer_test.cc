// answerPublishOffer: what the SFU answers a publishing browser, and the PublishParams it derives.
#include <gtest/gtest.h>

#include "sdp/negotiation.h"
#include "sdp/negotiation_test_util.h"

namespace atrium::sdp {
namespace {

using testing::chromeOffer;
using testing::hasLine;
using testing::keepPayloadTypes;
using testing::onlySections;
using testing::parseOk;
using testing::sfuLocal;

PublishAnswer answerOk(const SessionDescription& offer, const LocalParams& local = sfuLocal()) {
  auto r = answerPublishOffer(offer, local);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().code + ": " + r.error().message);
  if (!r.ok()) return {};
  // Whatever we answer must survive our own parser unchanged.
  EXPECT_EQ(parseOk(r->answer.serialize()), r->answer);
  return std::move(r).value();
}

std::string answerError(const SessionDescription& offer, const LocalParams& local = sfuLocal()) {
  auto r = answerPublishOffer(offer, local);
  return r.ok() ? "OK" : r.error().code;
}

TEST(PublishAnswer, ChromeOfferSessionAndTransport) {
  const PublishAnswer a = answerOk(chromeOffer());
  const std::string text = a.answer.serialize();
  EXPECT_TRUE(a.answer.iceLite);
  EXPECT_TRUE(a.answer.extmapAllowMixed);
  EXPECT_EQ(a.answer.origin.sessionId, "4242");
  ASSERT_NE(a.answer.findGroup("BUNDLE"), nullptr);
  EXPECT_EQ(a.answer.findGroup("BUNDLE")->mids, (std::vector<std::string>{"0", "1", "2"}));
  EXPECT_TRUE(hasLine(text, "a=ice-lite"));
  EXPECT_TRUE(hasLine(text, "a=setup:passive"));
  EXPECT_TRUE(hasLine(text, "a=candidate:2 1 tcp 1518280447 203.0.113.5 443 typ host tcptype passive"));
  EXPECT_TRUE(hasLine(text, "a=end-of-candidates"));
  EXPECT_EQ(a.params.remote.iceUfrag, "gydc");
  EXPECT_EQ(a.params.remote.icePwd, "qEA+KCGezaoGknNYbpAADXBK");
  EXPECT_EQ(a.params.remote.setup, Setup::kActPass);
  ASSERT_EQ(a.params.remote.fingerprints.size(), 1u);
  EXPECT_EQ(a.params.remote.candidates.size(), 3u);
  for (const auto& m : a.answer.media) {
    EXPECT_EQ(m.direction, Direction::kRecvOnly);
    EXPECT_TRUE(m.rtcpMux);
    EXPECT_EQ(m.transport.setup, Setup::kPassive);
    EXPECT_EQ(m.transport.iceUfrag, "sfu1");
  }
}

TEST(PublishAnswer, ChromeOfferAudioKeepsOpusFecAndPutsRedFirst) {
  const PublishAnswer a = answerOk(chromeOffer());
  const PublishSection& audio = a.params.sections[0];
  EXPECT_EQ(audio.mid, "0");
  EXPECT_EQ(audio.kind, MediaKind::kAudio);
  EXPECT_TRUE(audio.active);
  ASSERT_EQ(audio.codecs.size(), 2u);
  EXPECT_EQ(audio.codecs[0], (NegotiatedCodec{63, "red", 48000, 2, "111/111", std::nullopt, {}}));
  EXPECT_EQ(audio.codecs[1],
            (NegotiatedCodec{111, "opus", 48000, 2, "minptime=10;useinbandfec=1", std::nullopt, {"transport-cc"}}));
  EXPECT_EQ(audio.extensions, (std::vector<NegotiatedExtension>{{1, std::string(kExtAudioLevel)},
                                                                 {2, std::string(kExtAbsSendTime)},
                                                                 {3, std::string(kExtTransportCc)},
                                                                 {4, std::string(kExtMid)}}));
  EXPECT_EQ(audio.ssrcs, (std::vector<SsrcLayer>{{1604958316u, std::nullopt}}));
  EXPECT_EQ(audio.cname, "Yk0a2dM6Fq1vPz3T");
  ASSERT_TRUE(audio.msid.has_value());
  EXPECT_EQ(audio.msid->trackId, "0b7c6a2e-5d1f-4e3a-8c9b-2a4d6f8e0c13");
  const std::string text = a.answer.serialize();
  EXPECT_TRUE(hasLine(text, "m=audio 9 UDP/TLS/RTP/SAVPF 63 111"));
  EXPECT_TRUE(hasLine(text, "a=fmtp:111 minptime=10;useinbandfec=1"));
}

TEST(PublishAnswer, ChromeOfferVideoSimulcast) {
  const PublishAnswer a = answerOk(chromeOffer());
  const PublishSection& camera = a.params.sections[1];
  ASSERT_EQ(camera.codecs.size(), 1u);
  EXPECT_EQ(camera.codecs[0].name, "VP8");
  EXPECT_EQ(camera.codecs[0].payloadType, 96);
  EXPECT_EQ(camera.codecs[0].rtxPayloadType, 97);
  EXPECT_EQ(camera.codecs[0].rtcpFb,
            (std::vector<std::string>{"goog-remb", "transport-cc", "ccm fir", "nack", "nack pli"}));
  EXPECT_EQ(camera.rids, (std::vector<RidLayer>{{"h", RidDirection::kSend, false}, {"l", RidDirection::kSend, false}}));
  EXPECT_TRUE(camera.ssrcs.empty());
  EXPECT_TRUE(camera.rtcpRsize);
  EXPECT_EQ(extensionId(camera.extensions, kExtRid), 10);
  EXPECT_EQ(extensionId(camera.extensions, kExtRepairedRid), 11);
  EXPECT_EQ(extensionId(camera.extensions, kExtMid), 4);
  EXPECT_EQ(extensionId(camera.extensions, kExtAudioLevel), std::nullopt);
  EXPECT_EQ(extensionId(camera.extensions, "urn:3gpp:video-orientation"), std::nullopt);
  const MediaSection& m = a.answer.media[1];
  EXPECT_EQ(m.rids, (std::vector<Rid>{{"h", RidDirection::kRecv, ""}, {"l", RidDirection::kRecv, ""}}));
  const std::string text = a.answer.serialize();
  EXPECT_TRUE(hasLine(text, "a=simulcast:recv h;l"));
  EXPECT_TRUE(hasLine(text, "m=video 9 UDP/TLS/RTP/SAVPF 96 97"));
  EXPECT_TRUE(hasLine(text, "a=fmtp:97 apt=96"));
}

TEST(PublishAnswer, ChromeOfferScreenShareSsrcs) {
  const PublishAnswer a = answerOk(chromeOffer());
  const PublishSection& screen = a.params.sections[2];
  EXPECT_EQ(screen.ssrcs, (std::vector<SsrcLayer>{{2231627014u, 632943048u}}));
  EXPECT_TRUE(screen.rids.empty());
  EXPECT_FALSE(a.answer.media[2].simulcast.has_value());
}

TEST(PublishAnswer, AudioOnly) {
  const PublishAnswer a = answerOk(onlySections(chromeOffer(), {"0"}));
  ASSERT_EQ(a.params.sections.size(), 1u);
  EXPECT_EQ(a.answer.findGroup("BUNDLE")->mids, std::vector<std::string>{"0"});
  EXPECT_EQ(a.params.sections[0].codecs.back().name, "opus");
}

TEST(PublishAnswer, AudioWithoutRedOffersOpusOnly) {
  SessionDescription offer = onlySections(chromeOffer(), {"0"});
  keepPayloadTypes(offer.media[0], {111, 0});
  const PublishAnswer a = answerOk(offer);
  ASSERT_EQ(a.params.sections[0].codecs.size(), 1u);
  EXPECT_EQ(a.params.sections[0].codecs[0].payloadType, 111);
}

TEST(PublishAnswer, SimulcastLayersFromSsrcGroupSim) {
  SessionDescription offer = onlySections(chromeOffer(), {"2"});
  MediaSection& m = offer.media[0];
  m.ssrcGroups = {{"SIM", {10, 20}}, {"FID", {10, 11}}, {"FID", {20, 21}}};
  m.ssrcs = {{10, "cname", "c"}, {11, "cname", "c"}, {20, "cname", "c"}, {21, "cname", "c"}};
  const PublishAnswer a = answerOk(offer);
  EXPECT_EQ(a.params.sections[0].ssrcs, (std::vector<SsrcLayer>{{10u, 11u}, {20u, 21u}}));
}

TEST(PublishAnswer, CodecWithoutRtx) {
  SessionDescription offer = onlySections(chromeOffer(), {"2"});
  keepPayloadTypes(offer.media[0], {96});
  const PublishAnswer a = answerOk(offer);
  ASSERT_EQ(a.params.sections[0].codecs.size(), 1u);
  EXPECT_EQ(a.params.sections[0].codecs[0].rtxPayloadType, std::nullopt);
  EXPECT_TRUE(hasLine(a.answer.serialize(), "m=video 9 UDP/TLS/RTP/SAVPF 96"));
}

TEST(PublishAnswer, OnlyH264PrefersConstrainedBaseline) {
  SessionDescription offer = onlySections(chromeOffer(), {"2"});
  keepPayloadTypes(offer.media[0], {127, 121, 125, 107, 108, 109, 124, 120, 123, 119, 35, 36});
  PublishAnswer a = answerOk(offer);
  const NegotiatedCodec& codec = a.params.sections[0].codecs[0];
  EXPECT_EQ(codec.payloadType, 108);  // 42e01f, packetization-mode=1
  EXPECT_EQ(codec.rtxPayloadType, 109);
  EXPECT_EQ(codec.fmtp, "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f");

  keepPayloadTypes(offer.media[0], {127, 121, 125, 123});  // no 42e01f: baseline 42001f next
  a = answerOk(offer);
  EXPECT_EQ(a.params.sections[0].codecs[0].payloadType, 127);
  EXPECT_EQ(a.params.sections[0].codecs[0].rtxPayloadType, 121);
}

TEST(PublishAnswer, H264ProfileMatchedExactlyLevelMayDiffer) {
  SessionDescription offer = onlySections(chromeOffer(), {"2"});
  keepPayloadTypes(offer.media[0], {123, 35});  // Main profile only
  EXPECT_EQ(answerError(offer), kSdpUnsupported);
  offer = onlySections(chromeOffer(), {"2"});
  keepPayloadTypes(offer.media[0], {108});
  offer.media[0].payloadTypes[0].fmtp = "profile-level-id=42e034;packetization-mode=1";  // level 5.2
  EXPECT_EQ(answerOk(offer).params.sections[0].codecs[0].payloadType, 108);
  offer.media[0].payloadTypes[0].fmtp = "profile-level-id=42e01f";  // mode 0 by default
  EXPECT_EQ(answerError(offer), kSdpUnsupported);
}

TEST(PublishAnswer, Vp9ProfilesZeroAndTwoOnly) {
  SessionDescription offer = onlySections(chromeOffer(), {"2"});
  keepPayloadTypes(offer.media[0], {102, 122});  // profile-id=1
  EXPECT_EQ(answerError(offer), kSdpUnsupported);
  offer = onlySections(chromeOffer(), {"2"});
  keepPayloadTypes(offer.media[0], {102, 122, 100, 101});
  EXPECT_EQ(answerOk(offer).params.sections[0].codecs[0].payloadType, 100);  // profile-id=2
}

TEST(PublishAnswer, Av1ForwardedAsOffered) {
  SessionDescription offer = onlySections(chromeOffer(), {"2"});
  keepPayloadTypes(offer.media[0], {41, 42});
  const auto codec = answerOk(offer).params.sections[0].codecs[0];
  EXPECT_EQ(codec.name, "AV1");
  EXPECT_EQ(codec.rtxPayloadType, 42);
}

TEST(PublishAnswer, OffererOrderWhenConfigured) {
  SessionDescription offer = onlySections(chromeOffer(), {"2"});
  std::rotate(offer.media[0].payloadTypes.begin(), offer.media[0].payloadTypes.begin() + 6,
              offer.media[0].payloadTypes.end());  // VP9 profile 1, then H264 127; VP8 last
  EXPECT_EQ(answerOk(offer).params.sections[0].codecs[0].name, "VP8");
  LocalParams local = sfuLocal();
  local.preferOffererCodecOrder = true;
  EXPECT_EQ(answerOk(offer, local).params.sections[0].codecs[0].payloadType, 127);
}

TEST(PublishAnswer, UnsupportedCodecOnlyIsAnError) {
  SessionDescription offer = onlySections(chromeOffer(), {"0"});
  keepPayloadTypes(offer.media[0], {9, 0, 8});  // G722, PCMU, PCMA
  EXPECT_EQ(answerError(offer), kSdpUnsupported);
  offer = onlySections(chromeOffer(), {"2"});
  keepPayloadTypes(offer.media[0], {125, 107, 116, 43});  // H264 mode 0, ulpfec, flexfec
  EXPECT_EQ(answerError(offer), kSdpUnsupported);
}

TEST(PublishAnswer, UnsupportedSectionRejectedOthersAccepted) {
  SessionDescription offer = chromeOffer();
  keepPayloadTypes(offer.media[0], {0, 8});
  const PublishAnswer a = answerOk(offer);
  EXPECT_TRUE(a.params.sections[0].rejected);
  EXPECT_EQ(a.params.sections[0].rejectReason, "no supported codec");
  EXPECT_FALSE(a.params.sections[0].active);
  EXPECT_EQ(a.answer.media[0].port, 0);
  EXPECT_EQ(a.answer.media[0].mid, "0");
  EXPECT_EQ(a.answer.media[0].payloadTypes.size(), 1u);
  EXPECT_EQ(a.answer.findGroup("BUNDLE")->mids, (std::vector<std::string>{"1", "2"}));
  EXPECT_FALSE(a.params.sections[1].rejected);
}

TEST(PublishAnswer, DataChannelSectionRejected) {
  SessionDescription offer = chromeOffer();
  offer.media.push_back(parseOk("v=0\r\no=- 1 0 IN IP4 0.0.0.0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
                                "a=mid:3\r\na=sctp-port:5000\r\n")
                            .media[0]);
  offer.groups[0].mids.push_back("3");
  const PublishAnswer a = answerOk(offer);
  EXPECT_TRUE(a.params.sections[3].rejected);
  EXPECT_TRUE(hasLine(a.answer.serialize(), "m=application 0 UDP/DTLS/SCTP webrtc-datachannel"));
}

TEST(PublishAnswer, InactiveSectionStaysNegotiatedButInactive) {
  SessionDescription offer = chromeOffer();
  offer.media[2].direction = Direction::kInactive;
  const PublishAnswer a = answerOk(offer);
  EXPECT_FALSE(a.params.sections[2].rejected);
  EXPECT_FALSE(a.params.sections[2].active);
  EXPECT_FALSE(a.params.sections[2].codecs.empty());
  EXPECT_EQ(a.answer.media[2].direction, Direction::kInactive);
  EXPECT_EQ(a.answer.findGroup("BUNDLE")->mids.size(), 3u);
  offer.media[2].direction = Direction::kRecvOnly;  // the publisher wants media from us: not here
  EXPECT_EQ(answerOk(offer).answer.media[2].direction, Direction::kInactive);
}

TEST(PublishAnswer, RenegotiationAddsThenStopsSections) {
  LocalParams local = sfuLocal();
  SessionDescription first = onlySections(chromeOffer(), {"0", "1"});
  const PublishAnswer a1 = answerOk(first, local);
  ASSERT_EQ(a1.params.sections.size(), 2u);

  // Screen share starts: Chrome appends mid 2 and bumps its version.
  SessionDescription second = chromeOffer();
  second.origin.sessionVersion = 3;
  local.sessionVersion = 2;
  const PublishAnswer a2 = answerOk(second, local);
  ASSERT_EQ(a2.params.sections.size(), 3u);
  EXPECT_EQ(a2.answer.origin.sessionVersion, 2u);
  EXPECT_EQ(a2.params.sections[0].codecs, a1.params.sections[0].codecs);  // same choice again
  EXPECT_EQ(a2.params.sections[1].codecs, a1.params.sections[1].codecs);
  EXPECT_TRUE(a2.params.sections[2].active);

  // Camera stops: its transceiver is stopped, so port 0 and out of the BUNDLE group.
  SessionDescription third = second;
  third.media[1].port = 0;
  third.media[1].direction = Direction::kInactive;
  third.groups[0].mids = {"0", "2"};
  local.sessionVersion = 3;
  const PublishAnswer a3 = answerOk(third, local);
  ASSERT_EQ(a3.answer.media.size(), 3u);
  EXPECT_TRUE(a3.params.sections[1].rejected);
  EXPECT_EQ(a3.params.sections[1].rejectReason, "stopped by the offerer");
  EXPECT_EQ(a3.answer.media[1].port, 0);
  EXPECT_EQ(a3.answer.media[1].mid, "1");
  EXPECT_EQ(a3.answer.findGroup("BUNDLE")->mids, (std::vector<std::string>{"0", "2"}));
  EXPECT_EQ(a3.params.sections[2].codecs, a2.params.sections[2].codecs);
}

TEST(PublishAnswer, AllSectionsStoppedIsNotAnError) {
  SessionDescription offer = onlySections(chromeOffer(), {"0"});
  offer.media[0].port = 0;
  offer.groups.clear();
  const PublishAnswer a = answerOk(offer);
  EXPECT_TRUE(a.params.sections[0].rejected);
  EXPECT_EQ(a.answer.findGroup("BUNDLE"), nullptr);
}

TEST(PublishAnswer, SimulcastNeedsTheRidExtensionAndUsableRids) {
  SessionDescription offer = onlySections(chromeOffer(), {"1"});
  std::erase_if(offer.media[0].extmaps, [](const auto& e) { return e.uri == kExtRid; });
  PublishAnswer a = answerOk(offer);
  EXPECT_TRUE(a.params.sections[0].rids.empty());
  EXPECT_FALSE(a.answer.media[0].simulcast.has_value());

  offer = onlySections(chromeOffer(), {"1"});
  offer.media[0].rids[1].params = "pt=98";  // layer l restricted to VP9, but we pick VP8
  a = answerOk(offer);
  EXPECT_EQ(a.params.sections[0].rids, (std::vector<RidLayer>{{"h", RidDirection::kSend, false}}));

  LocalParams local = sfuLocal();
  local.maxSimulcastLayers = 1;
  a = answerOk(onlySections(chromeOffer(), {"1"}), local);
  EXPECT_EQ(a.params.sections[0].rids.size(), 1u);
  EXPECT_TRUE(hasLine(a.answer.serialize(), "a=simulcast:recv h"));
}

TEST(PublishAnswer, DtlsRoles) {
  SessionDescription offer = chromeOffer();
  for (auto& m : offer.media) m.transport.setup = Setup::kActive;
  EXPECT_EQ(answerError(offer), "OK");
  for (auto& m : offer.media) m.transport.setup = Setup::kPassive;
  EXPECT_EQ(answerError(offer), kSdpUnsupported);
  for (auto& m : offer.media) m.transport.setup.reset();  // RFC 5763: absent means actpass
  EXPECT_EQ(answerError(offer), "OK");
}

TEST(PublishAnswer, InvalidOffers) {
  SessionDescription offer = chromeOffer();
  for (auto& m : offer.media) m.transport.fingerprints.clear();
  EXPECT_EQ(answerError(offer), kSdpInvalidOffer);
  offer = chromeOffer();
  for (auto& m : offer.media) m.transport.icePwd.clear();
  EXPECT_EQ(answerError(offer), kSdpInvalidOffer);
  offer = chromeOffer();
  offer.media[1].mid.clear();
  EXPECT_EQ(answerError(offer), kSdpInvalidOffer);
  offer.media[1].mid = "0";
  EXPECT_EQ(answerError(offer), kSdpInvalidOffer);
  offer = chromeOffer();
  offer.groups.clear();
  EXPECT_EQ(answerError(offer), kSdpInvalidOffer);
  offer.media.clear();
  EXPECT_EQ(answerError(offer), kSdpInvalidOffer);
  LocalParams local = sfuLocal();
  local.iceUfrag = "bad ufrag";
  EXPECT_EQ(answerError(chromeOffer(), local), kSdpInvalidArgument);
}

TEST(PublishAnswer, StreamTypesFromSignaling) {
  PublishAnswer a = answerOk(chromeOffer());
  using T = StreamType;
  ASSERT_TRUE(applyStreamTypes(a.params, {{"0", T::kAudio}, {"1", T::kMain}, {"2", T::kSub}}).ok());
  EXPECT_EQ(a.params.sections[0].streamType, T::kAudio);
  EXPECT_EQ(a.params.sections[1].streamType, T::kMain);
  EXPECT_EQ(a.params.sections[2].streamType, T::kSub);
  EXPECT_FALSE(applyStreamTypes(a.params, {{"0", T::kMain}}).ok());
  EXPECT_FALSE(applyStreamTypes(a.params, {{"1", T::kMain}, {"2", T::kMain}}).ok());
  EXPECT_FALSE(applyStreamTypes(a.params, {{"9", T::kAudio}}).ok());
  ASSERT_TRUE(applyStreamTypes(a.params, {{"1", T::kMain}}).ok());
  EXPECT_EQ(a.params.sections[2].streamType, T::kUnknown);
}

}  // namespace
}  // namespace atrium::sdp
