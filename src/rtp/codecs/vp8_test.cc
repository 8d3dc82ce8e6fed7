#include "rtp/codecs/vp8.h"

#include <gtest/gtest.h>

#include "rtp/rtp_packet.h"
#include "rtp/rtp_test_vectors.h"

namespace atrium::rtp {
namespace {

using testing::Bytes;

TEST(Vp8Descriptor, ChromeKeyframe) {
  Bytes b = testing::kChromeVp8Keyframe;
  auto p = RtpPacket::parse(b);
  ASSERT_TRUE(p);
  auto d = Vp8Descriptor::parse(p->payload());
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->startOfPartition);
  EXPECT_EQ(d->partitionIndex, 0);
  EXPECT_TRUE(d->startOfFrame());
  EXPECT_TRUE(d->hasPictureId);
  EXPECT_TRUE(d->pictureId15Bit);
  EXPECT_EQ(d->pictureId, 0x1f1c);
  EXPECT_FALSE(d->hasTl0PicIdx);
  EXPECT_FALSE(d->hasTid);
  EXPECT_EQ(d->size, 4);
  EXPECT_TRUE(d->keyframe);
}

TEST(Vp8Descriptor, AllOptionalFields) {
  // X N S PID=0 | I L T K | M=0 PictureID 0x55 | TL0PICIDX 9 | TID 2 Y KEYIDX 17 | P=1
  const Bytes b = {0xb0, 0xf0, 0x55, 0x09, 0xb1, 0x01, 0xff};
  auto d = Vp8Descriptor::parse(b);
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->nonReference);
  EXPECT_FALSE(d->pictureId15Bit);
  EXPECT_EQ(d->pictureId, 0x55);
  EXPECT_EQ(d->tl0PicIdx, 9);
  EXPECT_TRUE(d->hasTid);
  EXPECT_EQ(d->tid, 2);
  EXPECT_TRUE(d->layerSync);
  EXPECT_TRUE(d->hasKeyIdx);
  EXPECT_EQ(d->keyIdx, 17);
  EXPECT_EQ(d->size, 5);
  EXPECT_FALSE(d->keyframe);  // P bit set: interframe
}

TEST(Vp8Descriptor, KeyframeNeedsStartOfPartitionZero) {
  const Bytes notStart = {0x80, 0x00, 0x50};  // X, S=0
  EXPECT_FALSE(Vp8Descriptor::parse(notStart)->keyframe);
  const Bytes partition1 = {0x11, 0x50};  // S=1 PID=1
  auto d = Vp8Descriptor::parse(partition1);
  ASSERT_TRUE(d);
  EXPECT_FALSE(d->keyframe);
  EXPECT_FALSE(d->startOfFrame());
  const Bytes minimal = {0x10, 0x50};  // S=1 PID=0, no X
  EXPECT_TRUE(Vp8Descriptor::parse(minimal)->keyframe);
  // Only T (no K) and only K (no T) still share the one byte.
  const Bytes onlyK = {0x90, 0x10, 0x1f, 0x00};
  d = Vp8Descriptor::parse(onlyK);
  ASSERT_TRUE(d);
  EXPECT_FALSE(d->hasTid);
  EXPECT_EQ(d->keyIdx, 31);
  EXPECT_EQ(d->size, 3);
}

TEST(Vp8Descriptor, TruncationRejects) {
  const Bytes full = {0x90, 0xf0, 0x80, 0x55, 0x09, 0xb1, 0x00};
  ASSERT_TRUE(Vp8Descriptor::parse(full));
  for (size_t n = 0; n < full.size(); ++n) {
    EXPECT_FALSE(Vp8Descriptor::parse(std::span(full).first(n))) << n;
  }
}

TEST(Vp8Descriptor, RewritesPictureIdAndTl0PicIdx) {
  Bytes b = {0x90, 0xe0, 0x80, 0x55, 0x09, 0x40, 0x00};
  auto d = Vp8Descriptor::parse(b);
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->setPictureId(b, 0x7abc));
  EXPECT_TRUE(d->setTl0PicIdx(b, 200));
  auto e = Vp8Descriptor::parse(b);
  EXPECT_EQ(e->pictureId, 0x7abc);
  EXPECT_EQ(e->tl0PicIdx, 200);
  EXPECT_EQ(e->tid, 1);  // neighbours untouched
  Bytes small = {0x90, 0x80, 0x05, 0x01};
  d = Vp8Descriptor::parse(small);
  EXPECT_TRUE(d->setPictureId(small, 0x1ff));  // 7-bit field keeps its width
  EXPECT_EQ(Vp8Descriptor::parse(small)->pictureId, 0x7f);
  EXPECT_FALSE(d->setTl0PicIdx(small, 1));
}

}  // namespace
}  // namespace atrium::rtp
