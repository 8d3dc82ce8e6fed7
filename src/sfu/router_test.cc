#include "sfu/router.h"

#include <gtest/gtest.h>

#include "rtp/rtcp/rtcp_header.h"
#include "rtp/rtcp/rtcp_nack.h"
#include "rtp/rtcp/rtcp_pli.h"
#include "rtp/rtp_packet.h"

namespace atrium::sfu {
namespace {

struct Sent {
  PeerId peer;
  bool rtcp;
  std::vector<uint8_t> bytes;
};

struct FakeOut : PeerOutput {
  std::vector<Sent> sent;
  bool sendRtp(PeerId p, std::span<uint8_t> b, size_t len) override {
    sent.push_back({p, false, {b.begin(), b.begin() + static_cast<long>(len)}});
    return true;
  }
  bool sendRtcp(PeerId p, std::span<uint8_t> b, size_t len) override {
    sent.push_back({p, true, {b.begin(), b.begin() + static_cast<long>(len)}});
    return true;
  }
  size_t rtcpTo(PeerId p) const {
    return static_cast<size_t>(std::count_if(sent.begin(), sent.end(), [&](const Sent& s) { return s.rtcp && s.peer == p; }));
  }
  std::vector<Sent> rtpTo(PeerId p) const {
    std::vector<Sent> out;
    for (const auto& s : sent)
      if (!s.rtcp && s.peer == p) out.push_back(s);
    return out;
  }
};

// An RTP packet with a VP8 payload; keyframe when `key` (S bit, partition 0, P bit clear).
std::vector<uint8_t> vp8(uint32_t ssrc, uint16_t seq, uint32_t ts, bool key) {
  std::vector<uint8_t> p(12 + 20, 0);
  p[0] = 0x80;
  p[1] = 96;
  p[2] = static_cast<uint8_t>(seq >> 8);
  p[3] = static_cast<uint8_t>(seq);
  for (int i = 0; i < 4; ++i) p[4 + i] = static_cast<uint8_t>(ts >> (24 - 8 * i));
  for (int i = 0; i < 4; ++i) p[8 + i] = static_cast<uint8_t>(ssrc >> (24 - 8 * i));
  p[12] = 0x10;              // VP8 descriptor: S=1, PID=0
  p[13] = key ? 0x00 : 0x01;  // VP8 payload header: P bit (inverse keyframe flag)
  return p;
}

constexpr PeerId kPub = 1, kSubA = 2, kSubB = 3;
constexpr uint32_t kSsrc = 0xAAAA0001;

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router.addTrack(10, kPub, {kSsrc, 90000, true, rtp::CodecKind::kVp8});
    router.addDownTrack(10, kSubA, 0x51, 0);
  }
  void publish(uint16_t seq, bool key, int64_t now = 0) {
    auto p = vp8(kSsrc, seq, seq * 3000u, key);
    router.onRtp(kPub, p, now);
  }
  FakeOut out;
  Router router{out};
};

TEST_F(RouterTest, NewSubscriberRequestsKeyframeAndStartsOnIt) {
  EXPECT_EQ(out.rtcpTo(kPub), 1u) << "PLI upstream on subscribe";
  publish(100, false);
  EXPECT_TRUE(out.rtpTo(kSubA).empty()) << "video starts on a keyframe";
  publish(101, true);
  publish(102, false);
  auto got = out.rtpTo(kSubA);
  ASSERT_EQ(got.size(), 2u);
  auto a = rtp::RtpPacket::parse(got[0].bytes);
  auto b = rtp::RtpPacket::parse(got[1].bytes);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->ssrc(), 0x51u);
  EXPECT_EQ(static_cast<uint16_t>(b->sequenceNumber() - a->sequenceNumber()), 1);
  EXPECT_EQ(b->timestamp() - a->timestamp(), 3000u);
}

TEST_F(RouterTest, FansOutWithSeparateSsrcSpaces) {
  router.addDownTrack(10, kSubB, 0x52, 0);
  publish(1, true);
  ASSERT_EQ(out.rtpTo(kSubA).size(), 1u);
  ASSERT_EQ(out.rtpTo(kSubB).size(), 1u);
  EXPECT_EQ(rtp::RtpPacket::parse(out.rtpTo(kSubB)[0].bytes)->ssrc(), 0x52u);
  EXPECT_EQ(router.stats().forwarded, 2u);
}

TEST_F(RouterTest, NackIsAnsweredFromTheSubscribersHistory) {
  publish(1, true, 0);
  publish(2, false, 0);
  auto sent = out.rtpTo(kSubA);
  uint16_t lostSeq = rtp::RtpPacket::parse(sent[1].bytes)->sequenceNumber();
  std::array<uint8_t, 64> nack{};
  uint16_t seqs[] = {lostSeq};
  size_t n = rtp::RtcpNack::build(nack, 0x99, 0x51, seqs);
  router.onRtcp(kSubA, std::span(nack).first(n), 50);
  auto after = out.rtpTo(kSubA);
  ASSERT_EQ(after.size(), 3u);
  EXPECT_EQ(after[2].bytes, sent[1].bytes) << "the same bytes the subscriber missed";
  EXPECT_EQ(router.stats().retransmitted, 1u);
  // A NACK naming another subscriber's SSRC does nothing.
  n = rtp::RtcpNack::build(nack, 0x99, 0x52, seqs);
  router.onRtcp(kSubA, std::span(nack).first(n), 60);
  EXPECT_EQ(out.rtpTo(kSubA).size(), 3u);
}

TEST_F(RouterTest, NegotiatedPayloadTypeAndRtxAreUsedTowardTheSubscriber) {
  router.setDownTrackFormat(10, kSubA, 100, 101, 0x77);
  publish(1, true, 0);
  publish(2, false, 0);
  auto sent = out.rtpTo(kSubA);
  ASSERT_EQ(sent.size(), 2u);
  auto lost = rtp::RtpPacket::parse(sent[1].bytes);
  EXPECT_EQ(lost->payloadType(), 100) << "the subscriber's payload type, not the publisher's 96";
  std::array<uint8_t, 64> nack{};
  uint16_t seqs[] = {lost->sequenceNumber()};
  size_t n = rtp::RtcpNack::build(nack, 0x99, 0x51, seqs);
  router.onRtcp(kSubA, std::span(nack).first(n), 50);
  auto after = out.rtpTo(kSubA);
  ASSERT_EQ(after.size(), 3u);
  auto rtx = rtp::RtpPacket::parse(after[2].bytes);
  ASSERT_TRUE(rtx);
  EXPECT_EQ(rtx->ssrc(), 0x77u);
  EXPECT_EQ(rtx->payloadType(), 101);
  ASSERT_GE(rtx->payloadSize(), 2u);
  EXPECT_EQ((rtx->payload()[0] << 8 | rtx->payload()[1]), lost->sequenceNumber()) << "OSN: the original sequence number";
  EXPECT_TRUE(std::equal(lost->payload().begin(), lost->payload().end(), rtx->payload().begin() + 2));
  EXPECT_EQ(router.stats().rtxSent, 1u);
}

TEST_F(RouterTest, TwoSubscribersNackTheSamePacketFromOneSharedHistory) {
  router.addDownTrack(10, kSubB, 0x52, 0);
  publish(1, true, 0);
  publish(2, false, 0);
  for (auto [peer, ssrc] : {std::pair{kSubA, 0x51u}, std::pair{kSubB, 0x52u}}) {
    auto sent = out.rtpTo(peer);
    ASSERT_EQ(sent.size(), 2u);
    uint16_t lost = rtp::RtpPacket::parse(sent[1].bytes)->sequenceNumber();
    std::array<uint8_t, 64> nack{};
    uint16_t seqs[] = {lost};
    size_t n = rtp::RtcpNack::build(nack, 0x99, ssrc, seqs);
    router.onRtcp(peer, std::span(nack).first(n), 20);
    auto after = out.rtpTo(peer);
    ASSERT_EQ(after.size(), 3u);
    EXPECT_EQ(after[2].bytes, sent[1].bytes) << "rebuilt for this subscriber exactly as first sent";
  }
  EXPECT_EQ(router.stats().retransmitted, 2u);
}

TEST_F(RouterTest, KeyframeRequestsAreThrottledUpstream) {
  std::array<uint8_t, 32> pli{};
  size_t n = rtp::RtcpPli::build(pli, 0x99, 0x51);
  for (int i = 0; i < 100; ++i) router.onRtcp(kSubA, std::span(pli).first(n), 100 + i);
  EXPECT_EQ(router.stats().keyframeRequestsIn, 100u);
  EXPECT_LE(out.rtcpTo(kPub), 2u) << "one at subscribe, at most one more within the interval";
  router.tick(2000);
  EXPECT_LE(out.rtcpTo(kPub), 3u);
}

TEST_F(RouterTest, UnknownOrForeignSsrcIsDropped) {
  auto p = vp8(0xDEAD, 1, 0, true);
  router.onRtp(kPub, p, 0);
  auto q = vp8(kSsrc, 1, 0, true);
  router.onRtp(kSubA, q, 0);  // a subscriber cannot inject into a publisher's track
  EXPECT_EQ(router.stats().unknownSsrc, 2u);
  std::vector<uint8_t> junk{1, 2, 3};
  router.onRtp(kPub, junk, 0);
  router.onRtcp(kSubA, junk, 0);
  EXPECT_TRUE(out.rtpTo(kSubA).empty());
}

TEST_F(RouterTest, RemovingPeersStopsForwarding) {
  router.removePeer(kSubA);
  publish(1, true);
  EXPECT_TRUE(out.rtpTo(kSubA).empty());
  router.addDownTrack(10, kSubB, 0x52, 0);
  router.removePeer(kPub);
  EXPECT_EQ(router.trackCount(), 0u);
  publish(2, true);
  EXPECT_TRUE(out.rtpTo(kSubB).empty());
}

}  // namespace
}  // namespace atrium::sfu
