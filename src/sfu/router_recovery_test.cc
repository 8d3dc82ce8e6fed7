// Loss recovery toward publishers: NACKs for holes in what they send, their RTX answers restored
// to the original packets, and the loss-injection switch the e2e loss test uses.
#include <gtest/gtest.h>

#include "rtp/rtcp/rtcp_header.h"
#include "rtp/rtcp/rtcp_nack.h"
#include "rtp/rtcp/rtcp_sr.h"
#include "rtp/rtp_packet.h"
#include "sfu/router.h"

namespace atrium::sfu {
namespace {

constexpr PeerId kPub = 1, kSub = 2;
constexpr TrackId kTrack = 5;
constexpr uint32_t kSsrc = 0xA000, kRtxSsrc = 0xB000;
constexpr uint8_t kPt = 96, kRtxPt = 97;

struct Out : PeerOutput {
  std::vector<std::pair<PeerId, std::vector<uint8_t>>> rtp, rtcp;
  bool sendRtp(PeerId p, std::span<uint8_t> b, size_t n) override {
    rtp.push_back({p, {b.begin(), b.begin() + static_cast<long>(n)}});
    return true;
  }
  bool sendRtcp(PeerId p, std::span<uint8_t> b, size_t n) override {
    rtcp.push_back({p, {b.begin(), b.begin() + static_cast<long>(n)}});
    return true;
  }
  std::vector<uint16_t> nackedSeqs() const {
    std::vector<uint16_t> out;
    for (const auto& [peer, bytes] : rtcp)
      if (peer == kPub && bytes[1] == rtp::kRtcpRtpfb && (bytes[0] & 0x1f) == 1)
        rtp::RtcpNack::parse(bytes)->forEachLost([&](uint16_t s) { out.push_back(s); });
    return out;
  }
};

std::vector<uint8_t> header(uint8_t pt, uint32_t ssrc, uint16_t seq, uint32_t ts) {
  return {0x80, pt, static_cast<uint8_t>(seq >> 8), static_cast<uint8_t>(seq), static_cast<uint8_t>(ts >> 24),
          static_cast<uint8_t>(ts >> 16), static_cast<uint8_t>(ts >> 8), static_cast<uint8_t>(ts),
          static_cast<uint8_t>(ssrc >> 24), static_cast<uint8_t>(ssrc >> 16), static_cast<uint8_t>(ssrc >> 8),
          static_cast<uint8_t>(ssrc)};
}

std::vector<uint8_t> vp8(uint16_t seq, bool key) {
  auto p = header(kPt, kSsrc, seq, seq * 3000u);
  p.insert(p.end(), {0x10, static_cast<uint8_t>(key ? 0x00 : 0x01), static_cast<uint8_t>(seq), 0xEE});
  return p;
}

// The RTX form of vp8(seq): RTX SSRC/PT/own seq, then the original seq (OSN) and payload.
std::vector<uint8_t> rtx(uint16_t rtxSeq, uint16_t seq) {
  auto p = header(kRtxPt, kRtxSsrc, rtxSeq, seq * 3000u);
  p.insert(p.end(), {static_cast<uint8_t>(seq >> 8), static_cast<uint8_t>(seq), 0x10, 0x01, static_cast<uint8_t>(seq), 0xEE});
  return p;
}

class RecoveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router.addTrack(kTrack, kPub, {kSsrc, 90000, true, rtp::CodecKind::kVp8, kPt, kRtxPt, kRtxSsrc});
    router.addDownTrack(kTrack, kSub, 0x51, 0);
  }
  void send(std::vector<uint8_t> p, int64_t now) { router.onRtp(kPub, p, now); }
  Out out;
  Router router{out};
};

TEST_F(RecoveryTest, HolesInAPublishersStreamAreNackedAndRtxFillsThem) {
  send(vp8(10, true), 0);
  send(vp8(11, false), 5);
  send(vp8(14, false), 10);  // 12 and 13 lost upstream
  router.tick(15);           // within the reorder delay: not yet
  EXPECT_TRUE(out.nackedSeqs().empty());
  router.tick(40);
  EXPECT_EQ(out.nackedSeqs(), (std::vector<uint16_t>{12, 13}));
  EXPECT_EQ(router.stats().nacksSent, 1u);
  size_t before = out.rtp.size();
  send(rtx(1, 12), 50);
  send(rtx(2, 13), 51);
  EXPECT_EQ(router.stats().rtxReceived, 2u);
  ASSERT_EQ(out.rtp.size(), before + 2) << "the repaired packets reach the subscriber";
  auto first = rtp::RtpPacket::parse(out.rtp[before].second);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->ssrc(), 0x51u);
  EXPECT_EQ(first->payloadType(), kPt) << "restored from RTX";
  EXPECT_EQ(first->payload()[2], 12) << "the original payload, OSN removed";
  // Sequence numbers fill the hole the subscriber saw: 10, 11, [12, 13], 14.
  auto seqOf = [&](size_t i) { return rtp::RtpPacket::parse(out.rtp[i].second)->sequenceNumber(); };
  EXPECT_EQ(static_cast<uint16_t>(seqOf(before) - seqOf(1)), 1);
  router.tick(200);
  EXPECT_EQ(out.nackedSeqs().size(), 2u) << "repaired holes are not NACKed again";
}

TEST_F(RecoveryTest, SubscribersGetSenderReportsInTheirOwnTimestampSpace) {
  send(vp8(10, true), 0);
  router.tick(1000);
  size_t before = out.rtcp.size();
  EXPECT_EQ(router.stats().senderReportsSent, 0u) << "no mapping before the publisher's SR";
  // The publisher says: RTP 10 * 3000 was NTP second 5000.
  std::array<uint8_t, 64> sr{};
  rtp::RtcpSenderInfo pub{uint64_t{5000} << 32, 30000, 1, 100};
  size_t n = rtp::RtcpSenderReport::build(sr, kSsrc, pub);
  router.onRtcp(kPub, std::span(sr).first(n), 1100);
  router.tick(2100);  // one second after the SR
  ASSERT_EQ(router.stats().senderReportsSent, 1u);
  auto toSub = std::find_if(out.rtcp.begin() + static_cast<long>(before), out.rtcp.end(),
                           [](const auto& r) { return r.first == kSub; });
  ASSERT_NE(toSub, out.rtcp.end());
  auto ours = rtp::RtcpSenderReport::parse(toSub->second);
  ASSERT_TRUE(ours);
  EXPECT_EQ(ours->senderSsrc(), 0x51u);
  auto info = ours->senderInfo();
  EXPECT_EQ(info.ntpTime >> 32, 5001u) << "the publisher's clock, advanced by the elapsed second";
  auto first = rtp::RtpPacket::parse(out.rtp[0].second);
  // RTP 30000 + 1 s of 90 kHz, moved into the down-track's space (where 30000 became first's ts).
  EXPECT_EQ(info.rtpTimestamp, first->timestamp() + 90000u);
  EXPECT_EQ(info.packetCount, 1u);
}

TEST_F(RecoveryTest, RtxProbesWithoutPayloadAreDroppedQuietly) {
  send(vp8(10, true), 0);
  auto probe = header(kRtxPt, kRtxSsrc, 7, 0);
  send(probe, 1);
  EXPECT_EQ(router.stats().rtxPadding, 1u);
  EXPECT_EQ(router.stats().rtxReceived, 0u);
}

TEST_F(RecoveryTest, AudioIsNotNacked) {
  router.addTrack(6, kPub, {0xC000, 48000, false, rtp::CodecKind::kOpus});
  for (uint16_t s : {1, 2, 5}) {
    auto p = header(111, 0xC000, s, s * 960u);
    p.push_back(0xF8);
    send(p, s);
  }
  router.tick(500);
  EXPECT_EQ(router.stats().nacksSent, 0u);
}

TEST_F(RecoveryTest, InjectedLossDropsBothWaysAtTheAskedRate) {
  router.setLossInjection(1.0, 42);
  send(vp8(10, true), 0);
  EXPECT_TRUE(out.rtp.empty());
  EXPECT_EQ(router.stats().injectedDrops, 1u);
  router.setLossInjection(0.2, 42);
  for (uint16_t s = 11; s < 2011; ++s) send(vp8(s, s < 40), s);  // keyframes until one gets through
  // Packets from the publisher and to the subscriber are each dropped with p = 0.2.
  double delivered = static_cast<double>(out.rtp.size()) / 2000.0;
  EXPECT_NEAR(delivered, 0.8 * 0.8, 0.05);
  router.setLossInjection(0, 0);
  size_t before = out.rtp.size();
  send(vp8(3000, false), 3000);
  EXPECT_EQ(out.rtp.size(), before + 1);
}

}  // namespace
}  // namespace atrium::sfu
