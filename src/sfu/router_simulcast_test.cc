// Simulcast layers learned from the rid extension, layer preference and fallback, and the
// feedback the router sends publishers (transport-cc, receiver reports).
#include <gtest/gtest.h>

#include "rtp/rtcp/rtcp_header.h"
#include "rtp/rtcp/rtcp_pli.h"
#include "rtp/rtcp/rtcp_rr.h"
#include "rtp/rtcp/rtcp_transport_feedback.h"
#include "rtp/rtp_packet.h"
#include "sfu/router.h"

namespace atrium::sfu {
namespace {

constexpr uint8_t kMidId = 1, kRidId = 2, kTwccId = 3;
constexpr PeerId kPub = 1, kSub = 2;
constexpr TrackId kTrack = 7;
constexpr uint32_t kLow = 0x1000, kHigh = 0x2000;

struct Captured {
  PeerId peer;
  bool rtcp;
  std::vector<uint8_t> bytes;
};

struct Out : PeerOutput {
  std::vector<Captured> sent;
  bool sendRtp(PeerId p, std::span<uint8_t> b, size_t n) override {
    sent.push_back({p, false, {b.begin(), b.begin() + static_cast<long>(n)}});
    return true;
  }
  bool sendRtcp(PeerId p, std::span<uint8_t> b, size_t n) override {
    sent.push_back({p, true, {b.begin(), b.begin() + static_cast<long>(n)}});
    return true;
  }
  std::vector<std::vector<uint8_t>> rtcpTo(PeerId p, uint8_t type) const {
    std::vector<std::vector<uint8_t>> out;
    for (const auto& s : sent)
      if (s.rtcp && s.peer == p && s.bytes.size() > 1 && s.bytes[1] == type) out.push_back(s.bytes);
    return out;
  }
  size_t rtpTo(PeerId p) const {
    return static_cast<size_t>(std::count_if(sent.begin(), sent.end(), [&](const auto& s) { return !s.rtcp && s.peer == p; }));
  }
};

// VP8 packet with one-byte header extensions: mid "0", rid, transport-wide seq.
std::vector<uint8_t> packet(uint32_t ssrc, uint16_t seq, bool key, std::string_view rid, uint16_t twcc) {
  std::vector<uint8_t> p = {0x90, 96, static_cast<uint8_t>(seq >> 8), static_cast<uint8_t>(seq), 0, 0, 0, 0,
                            static_cast<uint8_t>(ssrc >> 24), static_cast<uint8_t>(ssrc >> 16),
                            static_cast<uint8_t>(ssrc >> 8), static_cast<uint8_t>(ssrc)};
  uint32_t ts = seq * 3000u;
  for (int i = 0; i < 4; ++i) p[4 + i] = static_cast<uint8_t>(ts >> (24 - 8 * i));
  std::vector<uint8_t> ext = {static_cast<uint8_t>(kMidId << 4 | 0), '0',
                              static_cast<uint8_t>(kRidId << 4 | (rid.size() - 1))};
  ext.insert(ext.end(), rid.begin(), rid.end());
  ext.insert(ext.end(), {static_cast<uint8_t>(kTwccId << 4 | 1), static_cast<uint8_t>(twcc >> 8), static_cast<uint8_t>(twcc)});
  while (ext.size() % 4) ext.push_back(0);
  p.insert(p.end(), {0xBE, 0xDE, 0, static_cast<uint8_t>(ext.size() / 4)});
  p.insert(p.end(), ext.begin(), ext.end());
  p.insert(p.end(), {0x10, static_cast<uint8_t>(key ? 0x00 : 0x01), 1, 2, 3, 4, 5, 6});
  return p;
}

class SimulcastTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router.setPublisherExtensions(kPub, {kMidId, kRidId, 0, 0, kTwccId, 0});
    router.addTrack(kTrack, kPub, {0, 90000, true, rtp::CodecKind::kVp8}, {"0", {"l", "h"}, {}, {}});
  }
  void send(uint32_t ssrc, std::string_view rid, bool key, int64_t now) {
    uint16_t& seq = ssrc == kLow ? lowSeq : highSeq;
    auto p = packet(ssrc, seq++, key, rid, twcc++);
    router.onRtp(kPub, p, now);
  }
  Out out;
  Router router{out};
  uint16_t lowSeq = 100, highSeq = 5000, twcc = 1;
};

TEST_F(SimulcastTest, LearnsLayerSsrcsFromRidAndForwardsTheHighestByDefault) {
  router.addDownTrack(kTrack, kSub, 0x51, 0);
  send(kLow, "l", true, 10);
  send(kHigh, "h", true, 10);
  EXPECT_EQ(router.stats().ssrcsLearned, 2u);
  EXPECT_EQ(router.currentLayer(kTrack, kSub), 1);
  EXPECT_EQ(out.rtpTo(kSub), 1u) << "only the high layer's keyframe";
  send(kLow, "l", false, 20);
  send(kHigh, "h", false, 20);
  EXPECT_EQ(out.rtpTo(kSub), 2u);
}

TEST_F(SimulcastTest, SmallPreferenceSwitchesOnTheLowLayersKeyframeWithoutAGap) {
  router.addDownTrack(kTrack, kSub, 0x51, 0);
  send(kLow, "l", true, 10);
  send(kHigh, "h", true, 10);
  send(kHigh, "h", false, 20);
  size_t plisBefore = out.rtcpTo(kPub, rtp::kRtcpPsfb).size();
  router.setPreferredLayer(kTrack, kSub, 0, 600);
  auto plis = out.rtcpTo(kPub, rtp::kRtcpPsfb);
  ASSERT_EQ(plis.size(), plisBefore + 1) << "a keyframe request for the low layer";
  EXPECT_EQ(rtp::RtcpPli::parse(plis.back())->mediaSsrc(), kLow);
  send(kHigh, "h", false, 610);  // still forwarded until the low keyframe arrives
  send(kLow, "l", false, 610);   // not a keyframe: not yet
  EXPECT_EQ(router.currentLayer(kTrack, kSub), 1);
  send(kLow, "l", true, 650);
  EXPECT_EQ(router.currentLayer(kTrack, kSub), 0);
  send(kHigh, "h", false, 660);  // no longer forwarded
  send(kLow, "l", false, 660);
  // Outgoing sequence numbers stay contiguous across the switch.
  std::vector<uint16_t> seqs;
  for (auto& s : out.sent) {
    if (s.rtcp || s.peer != kSub) continue;
    auto parsed = rtp::RtpPacket::parse(s.bytes);
    seqs.push_back(parsed->sequenceNumber());
    EXPECT_EQ(parsed->ssrc(), 0x51u);
  }
  ASSERT_EQ(seqs.size(), 5u);
  for (size_t i = 1; i < seqs.size(); ++i) EXPECT_EQ(static_cast<uint16_t>(seqs[i] - seqs[i - 1]), 1) << i;
}

TEST_F(SimulcastTest, FallsBackToALayerThatArrivesWhenThePreferredOneStops) {
  router.addDownTrack(kTrack, kSub, 0x51, 0);
  send(kLow, "l", true, 0);
  send(kHigh, "h", true, 0);
  EXPECT_EQ(router.currentLayer(kTrack, kSub), 1);
  // The publisher's encoder turns the high layer off (its bandwidth estimate fell).
  for (int64_t t = 100; t <= 3000; t += 100) {
    send(kLow, "l", t == 2000, t);
    router.tick(t);
  }
  EXPECT_EQ(router.currentLayer(kTrack, kSub), 0) << "low layer forwarded once high went idle";
}

TEST_F(SimulcastTest, PublisherGetsTransportFeedbackAndReceiverReports) {
  for (int i = 0; i < 10; ++i) send(kLow, "l", i == 0, i * 5);
  router.tick(150);
  auto fbs = out.rtcpTo(kPub, rtp::kRtcpRtpfb);
  ASSERT_EQ(fbs.size(), 1u);
  auto fb = rtp::RtcpTransportFeedback::parse(fbs[0]);
  ASSERT_TRUE(fb);
  EXPECT_EQ(fb->baseSequenceNumber(), 1);
  EXPECT_EQ(fb->receivedCount(), 10u);
  router.tick(200);
  EXPECT_EQ(out.rtcpTo(kPub, rtp::kRtcpRtpfb).size(), 1u) << "nothing new, no feedback";
  router.tick(1200);
  auto rrs = out.rtcpTo(kPub, rtp::kRtcpRr);
  ASSERT_EQ(rrs.size(), 1u);
  auto rr = rtp::RtcpReceiverReport::parse(rrs[0]);
  ASSERT_TRUE(rr);
  ASSERT_EQ(rr->reportCount(), 1u);
  EXPECT_EQ(rr->reportBlock(0).ssrc, kLow);
  EXPECT_EQ(rr->reportBlock(0).fractionLost, 0);
  auto report = router.receiveReport(kTrack);
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->video);
  EXPECT_EQ(report->lossPercent, 0);
  EXPECT_FALSE(router.receiveReport(99));
  // Loss shows in the next report: 5 of the next 20 sequence numbers never arrive.
  for (int i = 0; i < 20; ++i) {
    uint16_t seq = lowSeq++;
    if (i % 4 == 0) continue;
    auto p = packet(kLow, seq, false, "l", twcc++);
    router.onRtp(kPub, p, 1300 + i);
  }
  router.tick(2300);
  EXPECT_NEAR(router.receiveReport(kTrack)->lossPercent, 25.0, 1.0);
}

TEST_F(SimulcastTest, ALossySubscriberLinkDropsToTheSmallLayerAndClimbsBackSlowly) {
  router.addDownTrack(kTrack, kSub, 0x51, 0);
  int64_t t = 0;
  auto both = [&](int n) {
    for (int i = 0; i < n; ++i, t += 50) {
      send(kLow, "l", true, t);
      send(kHigh, "h", true, t);
      router.tick(t);
    }
  };
  auto report = [&](uint8_t fraction) {
    std::array<uint8_t, 64> buf{};
    rtp::RtcpReportBlock block{0x51, fraction, 0, 0, 0, 0, 0};
    size_t n = rtp::RtcpReceiverReport::build(buf, 0x99, std::span(&block, 1));
    router.onRtcp(kSub, std::span(buf).first(n), t);
  };
  both(3);
  EXPECT_EQ(router.currentLayer(kTrack, kSub), 1);
  report(60);  // ~23 % lost
  both(2);
  EXPECT_EQ(router.currentLayer(kTrack, kSub), 1) << "one lossy report is not enough";
  report(60);
  both(2);
  EXPECT_EQ(router.currentLayer(kTrack, kSub), 0) << "two in a row: the small layer";
  EXPECT_EQ(router.stats().congestionDowngrades, 1u);
  for (int i = 0; i < 9; ++i) report(0);
  both(2);
  EXPECT_EQ(router.currentLayer(kTrack, kSub), 0) << "nine clean reports: not yet";
  report(0);
  both(2);
  EXPECT_EQ(router.currentLayer(kTrack, kSub), 1) << "ten: back to the big layer";
  report(10);  // between the thresholds: no change either way
  both(2);
  EXPECT_EQ(router.currentLayer(kTrack, kSub), 1);
}

TEST_F(SimulcastTest, AudioLevelExtensionGivesTheTracksVolume) {
  router.setPublisherExtensions(kPub, {kMidId, kRidId, 0, 0, kTwccId, 4});
  router.addTrack(9, kPub, {0x4000, 48000, false, rtp::CodecKind::kOpus});
  for (uint16_t s = 0; s < 50; ++s) {
    // RTP + one-byte extension block with ssrc-audio-level (id 4): voice, -30 dBov.
    std::vector<uint8_t> p = {0x90, 111, 0, static_cast<uint8_t>(s), 0, 0, 0, 0, 0, 0, 0x40, 0x00,
                              0xBE, 0xDE, 0, 1, 0x40, 0x80 | 30, 0, 0, 0xF8};
    router.onRtp(kPub, p, s * 20);
  }
  EXPECT_EQ(router.takeAudioVolume(9, 1000), 50);
  EXPECT_EQ(router.takeAudioVolume(9, 5000), 0) << "stale";
  EXPECT_EQ(router.takeAudioVolume(kTrack, 1000), 0) << "video has none";
}

TEST_F(SimulcastTest, UnknownRidOrMidIsNotLearned) {
  auto p = packet(0x3000, 1, true, "x", 1);
  router.onRtp(kPub, p, 0);
  EXPECT_EQ(router.stats().ssrcsLearned, 0u);
  EXPECT_EQ(router.stats().unknownSsrc, 1u);
  // Another peer cannot claim a layer of this publisher's track.
  auto q = packet(0x3001, 1, true, "l", 2);
  router.onRtp(kSub, q, 0);
  EXPECT_EQ(router.stats().ssrcsLearned, 0u);
}

}  // namespace
}  // namespace atrium::sfu
