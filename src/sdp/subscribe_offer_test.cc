// buildSubscribeOffer / applySubscribeAnswer: the SFU offering forwarded tracks to a subscriber,
// the browser's answer, and renegotiation that keeps m= sections in place.
#include <gtest/gtest.h>

#include "sdp/negotiation.h"
#include "sdp/negotiation_test_util.h"

namespace atrium::sdp {
namespace {

using testing::chromeOffer;
using testing::hasLine;
using testing::parseOk;
using testing::sfuLocal;

// Forwarded tracks as signaling would describe them, codecs from a publisher's negotiation.
std::vector<SubscribeTrack> publishedTracks() {
  const auto published = answerPublishOffer(chromeOffer(), sfuLocal());
  EXPECT_TRUE(published.ok());
  const auto& s = published->params.sections;
  SubscribeTrack audio{"a0", MediaKind::kAudio, true, {"alice", "alice-audio"}, "sfu-cname", 1001, std::nullopt,
                       s[0].codecs};
  SubscribeTrack camera{"v0", MediaKind::kVideo, true, {"alice", "alice-camera"}, "sfu-cname", 2001, 2002,
                        s[1].codecs};
  SubscribeTrack screen{"v1", MediaKind::kVideo, true, {"alice", "alice-screen"}, "sfu-cname", 3001, 3002,
                        s[2].codecs};
  return {audio, camera, screen};
}

SessionDescription offerOk(const SubscribeSpec& spec, const LocalParams& local = sfuLocal()) {
  auto r = buildSubscribeOffer(spec, local);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().code + ": " + r.error().message);
  if (!r.ok()) return {};
  EXPECT_EQ(parseOk(r->serialize()), *r);
  return std::move(r).value();
}

std::string offerError(const SubscribeSpec& spec, const LocalParams& local = sfuLocal()) {
  auto r = buildSubscribeOffer(spec, local);
  return r.ok() ? "OK" : r.error().code;
}

// What Chrome answers: recvonly, DTLS client, its own ICE credentials, no SSRCs of its own.
SessionDescription browserAnswer(const SessionDescription& offer) {
  SessionDescription answer = parseOk(offer.serialize());
  answer.origin = Origin{"-", "6620985135722741297", 2, "IN", "IP4", "127.0.0.1"};
  answer.iceLite = false;
  answer.msidSemantic = MsidSemantic{"WMS", {}};
  for (auto& m : answer.media) {
    if (m.port == 0) continue;
    m.direction = m.direction == Direction::kSendOnly ? Direction::kRecvOnly : Direction::kInactive;
    m.candidates.clear();
    m.endOfCandidates = false;
    m.transport = {"Sb9q", "3p8vQm1XcR7tLk2Wz5NbYh0d", {"trickle"}, {{"sha-256", "5A:1F:3C:88"}}, Setup::kActive};
    m.msids.clear();
    m.ssrcs.clear();
    m.ssrcGroups.clear();
  }
  return parseOk(answer.serialize());  // through text, like the real thing
}

SubscribeParams applyOk(const SessionDescription& offer, const SessionDescription& answer) {
  auto r = applySubscribeAnswer(offer, answer);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().code + ": " + r.error().message);
  return r.ok() ? std::move(r).value() : SubscribeParams{};
}

TEST(SubscribeOffer, OneSendonlySectionPerTrack) {
  const SessionDescription offer = offerOk({publishedTracks(), nullptr, {}});
  const std::string text = offer.serialize();
  EXPECT_TRUE(offer.iceLite);
  EXPECT_EQ(offer.origin.sessionId, "4242");
  EXPECT_EQ(offer.findGroup("BUNDLE")->mids, (std::vector<std::string>{"a0", "v0", "v1"}));
  ASSERT_EQ(offer.media.size(), 3u);
  for (const auto& m : offer.media) {
    EXPECT_EQ(m.direction, Direction::kSendOnly);
    EXPECT_EQ(m.transport.setup, Setup::kActPass);
    EXPECT_TRUE(m.rtcpMux);
    EXPECT_TRUE(m.endOfCandidates);
  }
  EXPECT_TRUE(hasLine(text, "a=ice-lite"));
  EXPECT_TRUE(hasLine(text, "m=audio 9 UDP/TLS/RTP/SAVPF 63 111"));
  EXPECT_TRUE(hasLine(text, "a=fmtp:63 111/111"));
  EXPECT_TRUE(hasLine(text, "a=fmtp:111 minptime=10;useinbandfec=1"));
  EXPECT_TRUE(hasLine(text, "a=msid:alice alice-camera"));
  EXPECT_TRUE(hasLine(text, "a=ssrc-group:FID 2001 2002"));
  EXPECT_TRUE(hasLine(text, "a=ssrc:2002 cname:sfu-cname"));
  EXPECT_TRUE(hasLine(text, "a=ssrc:1001 msid:alice alice-audio"));
  EXPECT_TRUE(hasLine(text, "a=rtcp-fb:96 nack pli"));
  EXPECT_TRUE(hasLine(text, "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level"));
  EXPECT_TRUE(hasLine(text, "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"));
  EXPECT_FALSE(hasLine(text, "a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"));
  // Audio goes without RTX; video gets apt-mapped RTX.
  EXPECT_EQ(offer.media[0].ssrcGroups.size(), 0u);
  EXPECT_TRUE(hasLine(text, "a=fmtp:97 apt=96"));
}

TEST(SubscribeOffer, OnlyExtensionsTheSubscriberSupports) {
  SubscribeSpec spec{publishedTracks(), nullptr, {std::string(kExtMid), std::string(kExtTransportCc)}};
  const SessionDescription offer = offerOk(spec);
  for (const auto& m : offer.media) {
    ASSERT_EQ(m.extmaps.size(), 2u);
    EXPECT_EQ(m.extmaps[0].uri, kExtTransportCc);
    EXPECT_EQ(m.extmaps[1].uri, kExtMid);
  }
}

TEST(SubscribeOffer, BrowserAnswerRoundTrip) {
  const SessionDescription offer = offerOk({publishedTracks(), nullptr, {}});
  const SubscribeParams p = applyOk(offer, browserAnswer(offer));
  EXPECT_EQ(p.remote.iceUfrag, "Sb9q");
  EXPECT_EQ(p.remote.setup, Setup::kActive);
  ASSERT_EQ(p.sections.size(), 3u);
  const auto tracks = publishedTracks();
  for (size_t i = 0; i < 3; ++i) {
    const SubscribeSection& s = p.sections[i];
    EXPECT_EQ(s.mid, tracks[i].mid);
    EXPECT_FALSE(s.rejected);
    EXPECT_TRUE(s.active);
    EXPECT_EQ(s.ssrc, tracks[i].ssrc);
    EXPECT_TRUE(s.rtcpRsize);
  }
  EXPECT_EQ(p.sections[0].codecs, tracks[0].codecs);  // red + opus, same numbers
  EXPECT_EQ(p.sections[1].codecs, tracks[1].codecs);  // VP8 with RTX 97
  EXPECT_EQ(p.sections[1].rtxSsrc, 2002u);
  EXPECT_EQ(extensionId(p.sections[1].extensions, kExtTransportCc), 3);
  EXPECT_EQ(extensionId(p.sections[0].extensions, kExtAudioLevel), 1);
}

TEST(SubscribeOffer, AnswerDroppingCodecsAndSections) {
  const SessionDescription offer = offerOk({publishedTracks(), nullptr, {}});
  SessionDescription answer = browserAnswer(offer);
  answer.media[0].payloadTypes.erase(answer.media[0].payloadTypes.begin());  // no RED at this subscriber
  answer.media[1].payloadTypes.resize(1);                                   // VP8 without RTX
  answer.media[2].port = 0;                                                 // screen refused
  answer.groups[0].mids = {"a0", "v0"};
  const SubscribeParams p = applyOk(offer, answer);
  ASSERT_EQ(p.sections[0].codecs.size(), 1u);
  EXPECT_EQ(p.sections[0].codecs[0].name, "opus");
  EXPECT_EQ(p.sections[1].codecs[0].rtxPayloadType, std::nullopt);
  EXPECT_TRUE(p.sections[2].rejected);
  EXPECT_FALSE(p.sections[2].active);
}

TEST(SubscribeOffer, CollidingPayloadTypesAreRenumbered) {
  auto tracks = publishedTracks();
  tracks.resize(2);
  SubscribeTrack h264{"v9", MediaKind::kVideo, true, {"bob", "bob-camera"}, "sfu-cname", 4001, 4002,
                      {{96, "H264", 90000, 0, "packetization-mode=1;profile-level-id=42e01f", 97, {"nack"}}}};
  tracks.push_back(h264);
  const SessionDescription offer = offerOk({tracks, nullptr, {}});
  const MediaSection& m = offer.media[2];
  ASSERT_EQ(m.payloadTypes.size(), 2u);
  EXPECT_EQ(m.payloadTypes[0].encoding, "H264");
  EXPECT_NE(m.payloadTypes[0].pt, 96);
  EXPECT_NE(m.payloadTypes[1].pt, 97);
  EXPECT_EQ(m.payloadTypes[1].fmtp, "apt=" + std::to_string(m.payloadTypes[0].pt));
  const SubscribeParams p = applyOk(offer, browserAnswer(offer));
  EXPECT_EQ(p.sections[2].codecs[0].payloadType, m.payloadTypes[0].pt);  // what the SFU must write
}

TEST(SubscribeOffer, RenegotiationStopsRecyclesAndPauses) {
  LocalParams local = sfuLocal();
  auto tracks = publishedTracks();
  const SessionDescription first = offerOk({tracks, nullptr, {}}, local);

  // The camera goes away: its section stays, stopped and out of BUNDLE.
  local.sessionVersion = 2;
  const SessionDescription second = offerOk({{tracks[0], tracks[2]}, &first, {}}, local);
  ASSERT_EQ(second.media.size(), 3u);
  EXPECT_EQ(second.media[1].port, 0);
  EXPECT_EQ(second.media[1].mid, "v0");
  EXPECT_TRUE(second.media[1].ssrcs.empty());
  EXPECT_EQ(second.findGroup("BUNDLE")->mids, (std::vector<std::string>{"a0", "v1"}));
  EXPECT_EQ(second.media[2], first.media[2]);  // untouched tracks are written identically
  const SubscribeParams p2 = applyOk(second, browserAnswer(second));
  EXPECT_TRUE(p2.sections[1].rejected);

  // A new video track reuses the stopped slot under its own mid; the audio is paused.
  local.sessionVersion = 3;
  SubscribeTrack carol = tracks[1];
  carol.mid = "v2";
  carol.msid = {"carol", "carol-camera"};
  carol.ssrc = 5001;
  carol.rtxSsrc = 5002;
  SubscribeTrack pausedAudio = tracks[0];
  pausedAudio.active = false;
  const SessionDescription third = offerOk({{pausedAudio, tracks[2], carol}, &second, {}}, local);
  ASSERT_EQ(third.media.size(), 3u);
  EXPECT_EQ(third.media[1].mid, "v2");
  EXPECT_EQ(third.media[1].port, 9);
  EXPECT_TRUE(hasLine(third.serialize(), "a=ssrc:5001 msid:carol carol-camera"));
  EXPECT_EQ(third.media[0].direction, Direction::kInactive);
  EXPECT_TRUE(third.media[0].ssrcs.empty());
  EXPECT_EQ(third.findGroup("BUNDLE")->mids, (std::vector<std::string>{"a0", "v2", "v1"}));
  const SubscribeParams p3 = applyOk(third, browserAnswer(third));
  EXPECT_FALSE(p3.sections[0].active);
  EXPECT_TRUE(p3.sections[1].active);

  // Everything but the screen goes: the first section (BUNDLE tag) is only made inactive.
  const SessionDescription fourth = offerOk({{tracks[2]}, &third, {}}, local);
  EXPECT_EQ(fourth.media[0].port, 9);
  EXPECT_EQ(fourth.media[0].direction, Direction::kInactive);
  EXPECT_EQ(fourth.media[1].port, 0);
  EXPECT_EQ(fourth.findGroup("BUNDLE")->mids, (std::vector<std::string>{"a0", "v1"}));
}

TEST(SubscribeOffer, NewTracksAppendWhenNoSlotOfTheirKind) {
  auto tracks = publishedTracks();
  const SessionDescription first = offerOk({{tracks[0], tracks[1]}, nullptr, {}});
  const SessionDescription second = offerOk({{tracks[0]}, &first, {}});  // v0 stopped
  SubscribeTrack audio2 = tracks[0];
  audio2.mid = "a1";
  audio2.ssrc = 7001;
  const SessionDescription third = offerOk({{tracks[0], audio2}, &second, {}});
  ASSERT_EQ(third.media.size(), 3u);  // the stopped video slot is not taken by audio
  EXPECT_EQ(third.media[1].port, 0);
  EXPECT_EQ(third.media[2].mid, "a1");
}

TEST(SubscribeOffer, InvalidSpecs) {
  auto tracks = publishedTracks();
  EXPECT_EQ(offerError({{}, nullptr, {}}), kSdpInvalidArgument);
  EXPECT_EQ(offerError({{tracks[0], tracks[0]}, nullptr, {}}), kSdpInvalidArgument);  // same mid
  SubscribeTrack bad = tracks[1];
  bad.mid = "v 0";
  EXPECT_EQ(offerError({{bad}, nullptr, {}}), kSdpInvalidArgument);
  bad = tracks[1];
  bad.ssrc = 0;
  EXPECT_EQ(offerError({{bad}, nullptr, {}}), kSdpInvalidArgument);
  bad = tracks[1];
  bad.rtxSsrc = bad.ssrc;
  EXPECT_EQ(offerError({{bad}, nullptr, {}}), kSdpInvalidArgument);
  bad = tracks[1];
  bad.codecs.clear();
  EXPECT_EQ(offerError({{bad}, nullptr, {}}), kSdpInvalidArgument);
  bad = tracks[1];
  bad.codecs[0].fmtp = "x=1\r\na=injected";
  EXPECT_EQ(offerError({{bad}, nullptr, {}}), kSdpInvalidArgument);
  bad = tracks[1];
  bad.cname = "two words";
  EXPECT_EQ(offerError({{bad}, nullptr, {}}), kSdpInvalidArgument);

  const SessionDescription first = offerOk({tracks, nullptr, {}});
  bad = tracks[1];
  bad.kind = MediaKind::kAudio;
  bad.codecs = tracks[0].codecs;
  EXPECT_EQ(offerError({{tracks[0], bad}, &first, {}}), kSdpInvalidArgument);  // v0 changes kind
  const SessionDescription second = offerOk({{tracks[0]}, &first, {}});
  EXPECT_EQ(offerError({{tracks[0], tracks[1]}, &second, {}}), kSdpInvalidArgument);  // v0 was stopped

  LocalParams local = sfuLocal();
  local.fingerprints.clear();
  EXPECT_EQ(offerError({tracks, nullptr, {}}, local), kSdpInvalidArgument);
}

TEST(SubscribeOffer, InvalidAnswers) {
  const SessionDescription offer = offerOk({publishedTracks(), nullptr, {}});
  auto errorOf = [&](const SessionDescription& answer) {
    auto r = applySubscribeAnswer(offer, answer);
    return r.ok() ? std::string("OK") : r.error().code;
  };
  SessionDescription answer = browserAnswer(offer);
  answer.media.pop_back();
  EXPECT_EQ(errorOf(answer), kSdpInvalidAnswer);
  answer = browserAnswer(offer);
  answer.media[1].mid = "zz";
  EXPECT_EQ(errorOf(answer), kSdpInvalidAnswer);
  answer = browserAnswer(offer);
  for (auto& m : answer.media) m.transport.setup = Setup::kPassive;
  EXPECT_EQ(errorOf(answer), kSdpInvalidAnswer);
  for (auto& m : answer.media) m.transport.setup.reset();
  EXPECT_EQ(errorOf(answer), kSdpInvalidAnswer);
  answer = browserAnswer(offer);
  for (auto& m : answer.media) m.transport.fingerprints.clear();
  EXPECT_EQ(errorOf(answer), kSdpInvalidAnswer);
  answer = browserAnswer(offer);
  answer.groups.clear();
  EXPECT_EQ(errorOf(answer), kSdpInvalidAnswer);
}

}  // namespace
}  // namespace atrium::sdp
