#include "stream/sinks.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace atrium::stream {
namespace {

// The seam is used through a base reference, as the sfu will hold it.
class RecordingSink final : public RtpSink, public RtcpSink {
 public:
  void onRtp(std::span<const uint8_t> packet, const RtpMeta& meta) override {
    rtp.emplace_back(packet.begin(), packet.end());
    metas.push_back(meta);
  }
  void onRtcp(std::span<const uint8_t> packet) override { rtcp.emplace_back(packet.begin(), packet.end()); }

  std::vector<std::vector<uint8_t>> rtp;
  std::vector<RtpMeta> metas;
  std::vector<std::vector<uint8_t>> rtcp;
};

TEST(Sinks, CarryBytesAndMeta) {
  RecordingSink sink;
  RtpSink& rtpSink = sink;
  RtcpSink& rtcpSink = sink;
  const uint8_t rtp[] = {0x80, 0x60, 0x00, 0x01};
  const uint8_t rtcp[] = {0x81, 0xcd, 0x00, 0x03};
  RtpMeta meta;
  meta.ssrc = 7;
  meta.seq = 1;
  meta.keyframe = true;
  rtpSink.onRtp(rtp, meta);
  rtcpSink.onRtcp(rtcp);
  ASSERT_EQ(sink.rtp.size(), 1u);
  EXPECT_EQ(sink.rtp[0], std::vector<uint8_t>(std::begin(rtp), std::end(rtp)));
  EXPECT_EQ(sink.metas[0].ssrc, 7u);
  EXPECT_TRUE(sink.metas[0].keyframe);
  ASSERT_EQ(sink.rtcp.size(), 1u);
  EXPECT_EQ(sink.rtcp[0][1], 0xcd);
}

}  // namespace
}  // namespace atrium::stream
