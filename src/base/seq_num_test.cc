#include "base/seq_num.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace atrium::base {

TEST(SeqNum, DiffWrapsAroundZero) {
  EXPECT_EQ(seqDiff(2, 65535), 3);
  EXPECT_EQ(seqDiff(65535, 2), -3);
  EXPECT_EQ(seqDiff(100, 100), 0);
  EXPECT_EQ(seqDiff(0x8000, 0), -32768);
  EXPECT_EQ(seqDiff(0x7fff, 0), 32767);
}

TEST(SeqNum, NewerAcrossWrap) {
  EXPECT_TRUE(seqIsNewer(1, 0));
  EXPECT_TRUE(seqIsNewer(0, 65535));
  EXPECT_TRUE(seqIsNewer(5, 65530));
  EXPECT_FALSE(seqIsNewer(65530, 5));
  EXPECT_FALSE(seqIsNewer(7, 7));
  EXPECT_TRUE(seqIsOlder(65535, 0));
  EXPECT_EQ(seqLatest(65535, 3), 3);
  EXPECT_EQ(seqLatest(3, 65535), 3);
}

TEST(SeqNum, HalfwayTieIsAntisymmetric) {
  EXPECT_TRUE(seqIsNewer(0x8000, 0));
  EXPECT_FALSE(seqIsNewer(0, 0x8000));
  EXPECT_TRUE(seqIsNewer(0x9000, 0x1000));
  EXPECT_FALSE(seqIsNewer(0x1000, 0x9000));
  for (uint32_t a = 0; a < 65536; a += 257) {
    for (uint32_t b = 0; b < 65536; b += 263) {
      if (a == b) continue;
      EXPECT_NE(seqIsNewer(uint16_t(a), uint16_t(b)), seqIsNewer(uint16_t(b), uint16_t(a)));
    }
  }
}

TEST(SeqNum, TimestampComparison) {
  EXPECT_TRUE(timestampIsNewer(10, 0xfffffff0u));
  EXPECT_FALSE(timestampIsNewer(0xfffffff0u, 10));
  EXPECT_EQ(timestampDiff(10, 0xfffffff0u), 26);
  EXPECT_EQ(timestampDiff(0xfffffff0u, 10), -26);
  EXPECT_TRUE(timestampIsNewer(0x80000000u, 0));
  EXPECT_FALSE(timestampIsNewer(0, 0x80000000u));
}

TEST(SeqNum, LessSortsAcrossWrap) {
  std::vector<uint16_t> v{2, 65534, 0, 65535, 1};
  std::sort(v.begin(), v.end(), SeqNumLess{});
  EXPECT_EQ(v, (std::vector<uint16_t>{65534, 65535, 0, 1, 2}));
}

TEST(SeqNumUnwrapper, ForwardThroughSeveralWraps) {
  SeqNumUnwrapper u;
  EXPECT_EQ(u.unwrap(65000), 65000);
  int64_t expect = 65000;
  uint16_t s = 65000;
  for (int i = 0; i < 300000; ++i) {
    s = static_cast<uint16_t>(s + 7);
    expect += 7;
    ASSERT_EQ(u.unwrap(s), expect);
  }
}

TEST(SeqNumUnwrapper, ReorderAndBackwards) {
  SeqNumUnwrapper u;
  EXPECT_EQ(u.unwrap(65535), 65535);
  EXPECT_EQ(u.unwrap(1), 65537);
  EXPECT_EQ(u.unwrap(0), 65536);        // late packet across the wrap
  EXPECT_EQ(u.peek(65534), 65534);      // peek does not move the reference
  EXPECT_EQ(u.unwrap(2), 65538);
  SeqNumUnwrapper v;
  EXPECT_EQ(v.unwrap(3), 3);
  EXPECT_EQ(v.unwrap(65533), -3);       // older than the first value
  EXPECT_EQ(v.unwrap(4), 4);
  v.reset();
  EXPECT_FALSE(v.started());
  EXPECT_EQ(v.unwrap(9), 9);
}

TEST(TimestampUnwrapper, Wraps32Bit) {
  TimestampUnwrapper u;
  EXPECT_EQ(u.unwrap(0xffffff00u), 0xffffff00LL);
  EXPECT_EQ(u.unwrap(0x00000100u), 0x100000100LL);
  EXPECT_EQ(u.unwrap(0xfffffff0u), 0xfffffff0LL);
}

}  // namespace atrium::base
