#include "rtp/codecs/vp9.h"

#include <gtest/gtest.h>

#include "rtp/rtp_test_vectors.h"

namespace atrium::rtp {
namespace {

using testing::Bytes;

TEST(Vp9Descriptor, NonFlexibleKeyframeWithScalabilityStructure) {
  auto d = Vp9Descriptor::parse(testing::kVp9KeyframeWithSs);
  ASSERT_TRUE(d);
  EXPECT_FALSE(d->interPicturePredicted);
  EXPECT_FALSE(d->flexibleMode);
  EXPECT_TRUE(d->startOfFrame);
  EXPECT_FALSE(d->endOfFrame);
  EXPECT_TRUE(d->pictureId15Bit);
  EXPECT_EQ(d->pictureId, 42);
  EXPECT_TRUE(d->hasLayerIndices);
  EXPECT_EQ(d->spatialId, 0);
  EXPECT_EQ(d->temporalId, 0);
  EXPECT_EQ(d->tl0PicIdx, 7);
  ASSERT_TRUE(d->scalability);
  const auto& ss = *d->scalability;
  EXPECT_EQ(ss.spatialLayers, 2);
  EXPECT_TRUE(ss.hasResolutions);
  EXPECT_EQ(ss.width[0], 320);
  EXPECT_EQ(ss.height[0], 180);
  EXPECT_EQ(ss.width[1], 640);
  EXPECT_EQ(ss.height[1], 360);
  EXPECT_TRUE(ss.hasPictureGroup);
  EXPECT_EQ(ss.pictureGroupSize, 2);
  EXPECT_EQ(ss.pictureGroup.size(), 4u);
  EXPECT_EQ(d->size, 19u);
  EXPECT_TRUE(d->keyframe);
}

TEST(Vp9Descriptor, FlexibleModeReferences) {
  auto d = Vp9Descriptor::parse(testing::kVp9FlexibleDelta);
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->flexibleMode);
  EXPECT_TRUE(d->interPicturePredicted);
  EXPECT_TRUE(d->endOfFrame);
  EXPECT_FALSE(d->pictureId15Bit);
  EXPECT_EQ(d->pictureId, 42);
  EXPECT_EQ(d->temporalId, 2);
  EXPECT_EQ(d->spatialId, 1);
  EXPECT_TRUE(d->interLayerDependency);
  EXPECT_FALSE(d->hasTl0PicIdx);  // flexible mode has none
  ASSERT_EQ(d->referenceCount, 2);
  EXPECT_EQ(d->pDiff[0], 1);
  EXPECT_EQ(d->pDiff[1], 2);
  EXPECT_EQ(d->size, 5u);
  EXPECT_FALSE(d->keyframe);
}

TEST(Vp9Descriptor, KeyframeRules) {
  // P=0 B=1 on spatial layer 1 is an upper-layer start, not a keyframe.
  const Bytes upper = {0x28, 0x02, 0x07, 0x00};  // L B; SID 1; TL0PICIDX
  auto d = Vp9Descriptor::parse(upper);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->spatialId, 1);
  EXPECT_FALSE(d->keyframe);
  // No layer indices: spatial layer 0 is implied.
  const Bytes plain = {0x08, 0x00};
  EXPECT_TRUE(Vp9Descriptor::parse(plain)->keyframe);
  const Bytes notStart = {0x00, 0x00};
  EXPECT_FALSE(Vp9Descriptor::parse(notStart)->keyframe);
}

TEST(Vp9Descriptor, RejectsMalformed) {
  for (const Bytes* v : {&testing::kVp9KeyframeWithSs, &testing::kVp9FlexibleDelta}) {
    const size_t size = Vp9Descriptor::parse(*v)->size;
    for (size_t n = 0; n < size; ++n) {
      EXPECT_FALSE(Vp9Descriptor::parse(std::span(*v).first(n))) << n;
    }
  }
  const Bytes fourRefs = {0x50, 0x03, 0x03, 0x03, 0x02};  // P F, three P_DIFFs all with N=1
  EXPECT_FALSE(Vp9Descriptor::parse(fourRefs));
  const Bytes ssTooShort = {0x0a, 0xf0, 0x01};  // V; N_S=7 with Y: 32 bytes of sizes missing
  EXPECT_FALSE(Vp9Descriptor::parse(ssTooShort));
  const Bytes groupTooShort = {0x0a, 0x08, 0x01, 0x0c};  // G, N_G=1, R=3 without P_DIFFs
  EXPECT_FALSE(Vp9Descriptor::parse(groupTooShort));
}

TEST(Vp9Descriptor, RewritesPictureIdAndTl0PicIdx) {
  Bytes b = testing::kVp9KeyframeWithSs;
  auto d = Vp9Descriptor::parse(b);
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->setPictureId(b, 0x1234));
  EXPECT_TRUE(d->setTl0PicIdx(b, 99));
  auto e = Vp9Descriptor::parse(b);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->pictureId, 0x1234);
  EXPECT_EQ(e->tl0PicIdx, 99);
  EXPECT_EQ(e->scalability->width[1], 640);
  Bytes flex = testing::kVp9FlexibleDelta;
  d = Vp9Descriptor::parse(flex);
  EXPECT_FALSE(d->setTl0PicIdx(flex, 1));
}

}  // namespace
}  // namespace atrium::rtp
