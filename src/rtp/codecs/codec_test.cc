// H264, AV1, Opus and the CodecKind dispatch.
#include "rtp/codecs/codec.h"

#include <gtest/gtest.h>

#include "rtp/codecs/av1.h"
#include "rtp/codecs/h264.h"
#include "rtp/codecs/opus.h"
#include "rtp/rtp_packet.h"
#include "rtp/rtp_test_vectors.h"

namespace atrium::rtp {
namespace {

using testing::Bytes;

TEST(H264, SingleNalUnits) {
  const Bytes idr = {0x65, 0x88, 0x84};
  auto i = H264PayloadInfo::parse(idr);
  ASSERT_TRUE(i);
  EXPECT_EQ(i->packetType, 5);
  EXPECT_TRUE(i->hasIdr);
  EXPECT_TRUE(i->keyframe);
  const Bytes slice = {0x41, 0x9a, 0x02};
  i = H264PayloadInfo::parse(slice);
  ASSERT_TRUE(i);
  EXPECT_EQ(i->nalType, 1);
  EXPECT_FALSE(i->keyframe);
  const Bytes sei = {0x06, 0x05};
  EXPECT_FALSE(H264PayloadInfo::parse(sei)->keyframe);
}

TEST(H264, StapAWithSpsPps) {
  auto i = H264PayloadInfo::parse(testing::kH264StapASpsPps);
  ASSERT_TRUE(i);
  EXPECT_EQ(i->packetType, kH264StapA);
  EXPECT_EQ(i->nalType, kH264NalSps);
  EXPECT_EQ(i->nalCount, 2);
  EXPECT_TRUE(i->hasSps);
  EXPECT_TRUE(i->hasPps);
  EXPECT_FALSE(i->hasIdr);
  EXPECT_TRUE(i->keyframe);
  // Every truncation breaks a length prefix.
  for (size_t n = 0; n < testing::kH264StapASpsPps.size(); ++n) {
    if (n == 8) continue;  // cutting right after the SPS leaves one well-formed unit
    EXPECT_FALSE(H264PayloadInfo::parse(std::span(testing::kH264StapASpsPps).first(n))) << n;
  }
  EXPECT_TRUE(H264PayloadInfo::parse(std::span(testing::kH264StapASpsPps).first(8)));
  const Bytes zeroSize = {0x78, 0x00, 0x00, 0x00, 0x01, 0x65};
  EXPECT_FALSE(H264PayloadInfo::parse(zeroSize));
  const Bytes nonKey = {0x78, 0x00, 0x02, 0x09, 0xf0, 0x00, 0x02, 0x41, 0x9a};  // AUD + slice
  i = H264PayloadInfo::parse(nonKey);
  ASSERT_TRUE(i);
  EXPECT_FALSE(i->keyframe);
}

TEST(H264, FuAOnlyTheStartFragmentCounts) {
  auto s = H264PayloadInfo::parse(testing::kH264FuAIdrStart);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->packetType, kH264FuA);
  EXPECT_EQ(s->nalType, kH264NalIdr);
  EXPECT_TRUE(s->startOfNal);
  EXPECT_FALSE(s->endOfNal);
  EXPECT_TRUE(s->keyframe);
  auto m = H264PayloadInfo::parse(testing::kH264FuAIdrMiddle);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->nalType, kH264NalIdr);
  EXPECT_FALSE(m->startOfNal);
  EXPECT_FALSE(m->keyframe);
  const Bytes end = {0x7c, 0x45, 0x00};
  EXPECT_TRUE(H264PayloadInfo::parse(end)->endOfNal);
  const Bytes shortFu = {0x7c};
  EXPECT_FALSE(H264PayloadInfo::parse(shortFu));
}

TEST(H264, RejectsUnsupportedPacketTypes) {
  for (uint8_t t : {0, 25, 26, 27, 29, 30, 31}) {
    const Bytes b = {static_cast<uint8_t>(0x60 | t), 0x00, 0x00, 0x00};
    EXPECT_FALSE(H264PayloadInfo::parse(b)) << int(t);
  }
  EXPECT_FALSE(H264PayloadInfo::parse({}));
}

TEST(Av1, NewCodedVideoSequenceIsKeyframe) {
  auto i = Av1PayloadInfo::parse(testing::kAv1NewSequence);
  ASSERT_TRUE(i);
  EXPECT_TRUE(i->newCodedVideoSequence);
  EXPECT_EQ(i->elementCount, 1);
  EXPECT_TRUE(i->hasFirstObu);
  EXPECT_EQ(i->firstObuType, 1);  // sequence header
  EXPECT_FALSE(i->hasLayerIds);
  EXPECT_TRUE(i->keyframe);
}

TEST(Av1, LayerIdsFromTheObuExtension) {
  auto i = Av1PayloadInfo::parse(testing::kAv1WithLayers);
  ASSERT_TRUE(i);
  EXPECT_FALSE(i->keyframe);
  EXPECT_EQ(i->elementCount, 2);
  EXPECT_EQ(i->firstObuType, 6);
  ASSERT_TRUE(i->hasLayerIds);
  EXPECT_EQ(i->temporalId, 2);
  EXPECT_EQ(i->spatialId, 1);
  const Bytes continuation = {0xd0, 0x12, 0x34};  // Z Y W=1: a middle fragment
  i = Av1PayloadInfo::parse(continuation);
  ASSERT_TRUE(i);
  EXPECT_TRUE(i->continuesObu);
  EXPECT_TRUE(i->obuContinues);
  EXPECT_FALSE(i->hasFirstObu);
}

TEST(Av1, RejectsMalformed) {
  EXPECT_FALSE(Av1PayloadInfo::parse(Bytes{0x18}));              // header only
  EXPECT_FALSE(Av1PayloadInfo::parse(Bytes{0x20, 0x05, 0x30}));  // length past the end
  EXPECT_FALSE(Av1PayloadInfo::parse(Bytes{0x00, 0x00, 0x30}));  // zero-length element
  EXPECT_FALSE(Av1PayloadInfo::parse(Bytes{0x00, 0x80, 0x80}));  // unterminated LEB128
}

TEST(Opus, TocFrameDurations) {
  auto t = OpusToc::parse(Bytes{0x78, 0x0b});  // config 15: hybrid FB 20 ms, code 0
  ASSERT_TRUE(t);
  EXPECT_EQ(t->config, 15);
  EXPECT_EQ(t->mode, OpusMode::kHybrid);
  EXPECT_FALSE(t->stereo);
  EXPECT_EQ(t->frameCount, 1);
  EXPECT_EQ(t->frameDurationUs, 20000u);
  t = OpusToc::parse(Bytes{0x05});  // config 0 SILK NB 10 ms, stereo, code 1
  ASSERT_TRUE(t);
  EXPECT_EQ(t->mode, OpusMode::kSilk);
  EXPECT_TRUE(t->stereo);
  EXPECT_EQ(t->packetDurationUs, 20000u);
  t = OpusToc::parse(Bytes{0x83, 0x06});  // config 16 CELT NB 2.5 ms, code 3, M=6
  ASSERT_TRUE(t);
  EXPECT_EQ(t->mode, OpusMode::kCelt);
  EXPECT_EQ(t->frameDurationUs, 2500u);
  EXPECT_EQ(t->frameCount, 6);
  EXPECT_EQ(t->packetDurationUs, 15000u);
  t = OpusToc::parse(Bytes{0x1b, 0x02});  // config 3: SILK 60 ms, code 3, M=2
  EXPECT_EQ(t->packetDurationUs, 120000u);
  EXPECT_FALSE(OpusToc::parse(Bytes{0x1b, 0x03}));  // 180 ms: over the limit
  EXPECT_FALSE(OpusToc::parse(Bytes{0x83}));        // code 3 without the count byte
  EXPECT_FALSE(OpusToc::parse(Bytes{0x83, 0x00}));  // M = 0
  EXPECT_FALSE(OpusToc::parse({}));
}

TEST(Codec, NamesAndDispatch) {
  EXPECT_EQ(codecKindFromName("vp8"), CodecKind::kVp8);
  EXPECT_EQ(codecKindFromName("OPUS"), CodecKind::kOpus);
  EXPECT_EQ(codecKindFromName("h264"), CodecKind::kH264);
  EXPECT_EQ(codecKindFromName("Av1"), CodecKind::kAv1);
  EXPECT_EQ(codecKindFromName("VP9"), CodecKind::kVp9);
  EXPECT_EQ(codecKindFromName("rtx"), CodecKind::kUnknown);
  EXPECT_EQ(codecKindName(CodecKind::kVp9), "VP9");
  EXPECT_EQ(codecKindName(CodecKind::kUnknown), "unknown");

  Bytes vp8 = testing::kChromeVp8Keyframe;
  const auto payload = RtpPacket::parse(vp8)->payload();
  EXPECT_TRUE(isKeyframe(CodecKind::kVp8, payload));
  EXPECT_TRUE(isKeyframe(CodecKind::kVp9, testing::kVp9KeyframeWithSs));
  EXPECT_TRUE(isKeyframe(CodecKind::kH264, testing::kH264StapASpsPps));
  EXPECT_TRUE(isKeyframe(CodecKind::kH264, testing::kH264FuAIdrStart));
  EXPECT_FALSE(isKeyframe(CodecKind::kH264, testing::kH264FuAIdrMiddle));
  EXPECT_TRUE(isKeyframe(CodecKind::kAv1, testing::kAv1NewSequence));
  EXPECT_FALSE(isKeyframe(CodecKind::kOpus, Bytes{0x78, 0x01}));
  EXPECT_FALSE(isKeyframe(CodecKind::kUnknown, payload));
  EXPECT_FALSE(isKeyframe(CodecKind::kVp8, {}));

  auto info = describePayload(CodecKind::kVp9, testing::kVp9FlexibleDelta);
  ASSERT_TRUE(info);
  EXPECT_FALSE(info->keyframe);
  EXPECT_TRUE(info->startOfFrame);
  EXPECT_TRUE(info->hasLayerIds);
  EXPECT_EQ(info->spatialId, 1);
  EXPECT_EQ(info->temporalId, 2);
  info = describePayload(CodecKind::kAv1, testing::kAv1WithLayers);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->temporalId, 2);
  info = describePayload(CodecKind::kOpus, Bytes{0x78});
  ASSERT_TRUE(info);
  EXPECT_TRUE(info->startOfFrame);
  EXPECT_FALSE(describePayload(CodecKind::kH264, Bytes{0x7f}));
}

}  // namespace
}  // namespace atrium::rtp
