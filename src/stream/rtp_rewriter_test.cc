// RtpRewriter: start, layer switches, pause/resume, closing gaps of dropped packets, restarts.
// History and NACK translation are in rtp_rewriter_history_test.cc.
#include "stream/rtp_rewriter.h"

#include <gtest/gtest.h>

#include "stream/rtp_rewriter_test_util.h"

namespace atrium::stream {
namespace {

using namespace testing;  // NOLINT: the shared helpers above

class RtpRewriterTest : public ::testing::Test {
 protected:
  RewriteDecision send(uint16_t seq, uint32_t ts, uint8_t layer = 0, bool keyframe = false) {
    return rw.rewrite(packet(clock, seq, ts, layer, keyframe));
  }
  // Forwards `frames` one-packet frames of `layer` 33 ms apart; returns the last decision.
  RewriteDecision run(uint16_t& seq, uint32_t& ts, int frames, uint8_t layer = 0) {
    RewriteDecision d;
    for (int i = 0; i < frames; ++i) {
      clock.advanceMs(33);
      ts += 2970;
      d = send(seq++, ts, layer);
    }
    return d;
  }

  base::ManualClock clock;
  RtpRewriter rw{videoOptions()};
};

TEST(RtpRewriterAudio, StartsAtTheChosenSeqTimestampAndSsrc) {
  base::ManualClock clock;
  RtpRewriter rw(audioOptions());
  RewriteDecision d = rw.rewrite(packet(clock, 50, 960'000));
  EXPECT_EQ(d.action, RewriteAction::kSwitchedLayer) << "the first packet picks the layer";
  EXPECT_EQ(d.seq, kFirstOut);
  EXPECT_EQ(d.timestamp, kFirstTs);
  EXPECT_EQ(d.ssrc, kOutSsrc);
  clock.advanceMs(20);
  d = rw.rewrite(packet(clock, 51, 960'960));
  EXPECT_EQ(d.action, RewriteAction::kForward);
  EXPECT_EQ(d.seq, kFirstOut + 1);
  EXPECT_EQ(d.timestamp, kFirstTs + 960);
  EXPECT_FALSE(rw.needsKeyframe()) << "audio has no keyframes";
}

TEST_F(RtpRewriterTest, VideoWaitsForAKeyframe) {
  EXPECT_TRUE(rw.needsKeyframe());
  RewriteDecision d = send(10, 1000);
  EXPECT_EQ(d.action, RewriteAction::kDrop);
  EXPECT_EQ(d.reason, DropReason::kWaitingForKeyframe);
  d = send(11, 4000, 0, true);
  EXPECT_EQ(d.action, RewriteAction::kSwitchedLayer);
  EXPECT_EQ(d.seq, kFirstOut) << "the dropped packet left no hole";
  EXPECT_FALSE(rw.needsKeyframe());
  EXPECT_EQ(rw.currentLayer(), 0);
}

TEST_F(RtpRewriterTest, OutgoingAndIncomingSeqWrapAt65535) {
  RewriterOptions o = videoOptions();
  o.initialSeq = 65534;
  RtpRewriter wrapping(o);
  uint16_t in = 65533;
  uint16_t expected = 65534;
  for (int i = 0; i < 6; ++i, ++in, ++expected) {
    const RewriteDecision d = wrapping.rewrite(packet(clock, in, 3000u * i, 0, i == 0));
    ASSERT_TRUE(d.forwarded());
    EXPECT_EQ(d.seq, expected);
  }
  EXPECT_EQ(wrapping.lastSeq(), 3);
}

TEST_F(RtpRewriterTest, SwitchesLayerOnlyOnTargetKeyframeAndStaysContinuous) {
  uint16_t low = 100;
  uint32_t lowTs = 90'000;
  send(low++, lowTs, 0, true);
  RewriteDecision last = run(low, lowTs, 9);
  ASSERT_EQ(last.seq, kFirstOut + 9);

  rw.setTargetLayer(1);
  EXPECT_TRUE(rw.needsKeyframe());
  uint16_t high = 5000;
  uint32_t highTs = 777'777;
  clock.advanceMs(10);
  EXPECT_EQ(send(high++, highTs, 1).reason, DropReason::kWaitingForKeyframe);
  last = run(low, lowTs, 1);
  EXPECT_EQ(last.seq, kFirstOut + 10) << "the old layer flows until the switch";

  clock.advanceMs(20);
  highTs += 2970;
  const RewriteDecision sw = send(high++, highTs, 1, true);
  EXPECT_EQ(sw.action, RewriteAction::kSwitchedLayer);
  EXPECT_EQ(sw.seq, kFirstOut + 11) << "no gap across the switch";
  EXPECT_EQ(sw.timestamp, last.timestamp + 20 * 90) << "advanced by wall time × 90 kHz";
  EXPECT_EQ(rw.currentLayer(), 1);
  EXPECT_FALSE(rw.needsKeyframe());

  EXPECT_EQ(send(low++, lowTs + 2970, 0).reason, DropReason::kOtherLayer);
  clock.advanceMs(33);
  const RewriteDecision next = send(high++, highTs + 2970, 1);
  EXPECT_EQ(next.action, RewriteAction::kForward);
  EXPECT_EQ(next.seq, kFirstOut + 12);
  EXPECT_EQ(next.timestamp, sw.timestamp + 2970) << "the new layer's own spacing is kept";
}

TEST_F(RtpRewriterTest, OtherLayersAreDroppedWithoutTouchingTheMapping) {
  uint16_t seq = 1;
  uint32_t ts = 0;
  send(seq++, ts, 0, true);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(send(static_cast<uint16_t>(900 + i), 5u * i, 2, i == 0).reason, DropReason::kOtherLayer);
    const RewriteDecision d = run(seq, ts, 1);
    EXPECT_EQ(d.seq, kFirstOut + 1 + i);
  }
}

TEST_F(RtpRewriterTest, PauseAndResumeContinueWithoutGapAndWithRealTime) {
  uint16_t seq = 300;
  uint32_t ts = 1000;
  send(seq++, ts, 0, true);
  const RewriteDecision before = run(seq, ts, 4);
  rw.pause();
  EXPECT_TRUE(rw.paused());
  EXPECT_FALSE(rw.needsKeyframe()) << "no keyframe wanted while paused";
  for (int i = 0; i < 60; ++i) {  // two seconds of media dropped
    clock.advanceMs(33);
    ts += 2970;
    EXPECT_EQ(send(seq++, ts, 0, i % 30 == 0).reason, DropReason::kPaused);
  }
  rw.resume();
  EXPECT_TRUE(rw.needsKeyframe());
  clock.advanceMs(33);
  ts += 2970;
  EXPECT_EQ(send(seq++, ts).reason, DropReason::kWaitingForKeyframe);
  clock.advanceMs(33);
  ts += 2970;
  const RewriteDecision resumed = send(seq++, ts, 0, true);
  ASSERT_TRUE(resumed.forwarded());
  EXPECT_EQ(resumed.action, RewriteAction::kForward) << "same layer: not a switch";
  EXPECT_EQ(resumed.seq, static_cast<uint16_t>(before.seq + 1));
  EXPECT_EQ(resumed.timestamp, before.timestamp + 62 * 33 * 90);
}

TEST(RtpRewriterAudio, ResumeNeedsNoKeyframe) {
  base::ManualClock clock;
  RtpRewriter rw(audioOptions());
  rw.rewrite(packet(clock, 1, 0));
  rw.pause();
  clock.advanceMs(500);
  EXPECT_EQ(rw.rewrite(packet(clock, 26, 24'000)).reason, DropReason::kPaused);
  rw.resume();
  clock.advanceMs(20);
  const RewriteDecision d = rw.rewrite(packet(clock, 27, 24'960));
  ASSERT_TRUE(d.forwarded());
  EXPECT_EQ(d.seq, kFirstOut + 1);
  EXPECT_EQ(d.timestamp, kFirstTs + 520 * 48);
}

TEST_F(RtpRewriterTest, PauseMidFrameFinishesTheFrame) {
  RtpInput first = packet(clock, 10, 9000, 0, true);
  first.marker = false;
  ASSERT_TRUE(rw.rewrite(first).forwarded());
  rw.pause();
  RtpInput middle = packet(clock, 11, 9000);
  middle.marker = false;
  EXPECT_TRUE(rw.rewrite(middle).forwarded());
  const RewriteDecision end = rw.rewrite(packet(clock, 12, 9000));
  EXPECT_TRUE(end.forwarded());
  EXPECT_EQ(end.seq, kFirstOut + 2);
  EXPECT_EQ(rw.rewrite(packet(clock, 13, 11970)).reason, DropReason::kPaused);
}

TEST_F(RtpRewriterTest, PaddingLeavesNoHole) {
  send(10, 0, 0, true);
  RtpInput pad = packet(clock, 11, 0);
  pad.paddingOnly = true;
  EXPECT_EQ(rw.rewrite(pad).reason, DropReason::kPadding);
  EXPECT_EQ(send(12, 2970).seq, kFirstOut + 1);
  pad.seq = 13;
  rw.rewrite(pad);
  pad.seq = 14;
  rw.rewrite(pad);
  EXPECT_EQ(send(15, 5940).seq, kFirstOut + 2);
}

TEST_F(RtpRewriterTest, DroppedTemporalLayersLeaveNoHole) {
  rw.setMaxTemporalLayer(0);
  uint16_t expected = kFirstOut;
  for (uint16_t i = 0; i < 40; ++i) {
    RtpInput in = packet(clock, static_cast<uint16_t>(65520 + i), 3000u * i, 0, i == 0);
    in.temporalLayer = static_cast<uint8_t>(i % 4 == 0 ? 0 : (i % 2 == 0 ? 1 : 2));
    const RewriteDecision d = rw.rewrite(in);
    if (in.temporalLayer == 0) {
      ASSERT_TRUE(d.forwarded()) << i;
      EXPECT_EQ(d.seq, expected++);
    } else {
      EXPECT_EQ(d.reason, DropReason::kTemporalLayer);
    }
  }
  rw.setMaxTemporalLayer(2);
  EXPECT_EQ(rw.rewrite(packet(clock, static_cast<uint16_t>(65520 + 40), 120'000)).seq, expected);
}

TEST_F(RtpRewriterTest, DuplicateOfTheNewestIsDropped) {
  send(10, 0, 0, true);
  EXPECT_EQ(send(10, 0, 0, true).reason, DropReason::kDuplicate);
  EXPECT_EQ(send(11, 2970).seq, kFirstOut + 1);
}

TEST_F(RtpRewriterTest, HugeForwardJumpIsARestartNotThousandsOfHoles) {
  send(100, 0, 0, true);
  clock.advanceMs(33);
  const RewriteDecision a = send(101, 2970);
  clock.advanceMs(40);
  const RewriteDecision b = send(20'000, 4'000'000);
  ASSERT_TRUE(b.forwarded());
  EXPECT_EQ(b.seq, static_cast<uint16_t>(a.seq + 1));
  EXPECT_EQ(b.timestamp, a.timestamp + 40 * 90);
  clock.advanceMs(33);
  EXPECT_EQ(send(20'001, 4'002'970).seq, static_cast<uint16_t>(a.seq + 2));
}

TEST_F(RtpRewriterTest, SenderRestartingLowerIsFollowedOnTheSecondPacket) {
  send(30'000, 0, 0, true);
  const RewriteDecision a = send(30'001, 2970);
  EXPECT_EQ(send(5, 50).reason, DropReason::kTooOld) << "one stray is ignored";
  const RewriteDecision b = send(6, 3020);
  ASSERT_TRUE(b.forwarded());
  EXPECT_EQ(b.seq, static_cast<uint16_t>(a.seq + 1));
  EXPECT_EQ(send(7, 6000).seq, static_cast<uint16_t>(a.seq + 2));
}

}  // namespace
}  // namespace atrium::stream
