// RtpRewriter history: late and retransmitted input, and translating a subscriber's NACKed
// sequence numbers back to the publisher's (toIncomingSeq).
#include <gtest/gtest.h>

#include <vector>

#include "base/seq_num.h"
#include "stream/rtp_rewriter.h"
#include "stream/rtp_rewriter_test_util.h"

namespace atrium::stream {
namespace {

using namespace testing;  // NOLINT: the shared helpers

class RtpRewriterHistoryTest : public ::testing::Test {
 protected:
  RewriteDecision send(uint16_t seq, uint32_t ts, uint8_t layer = 0, bool keyframe = false) {
    return rw.rewrite(packet(clock, seq, ts, layer, keyframe));
  }
  RewriteDecision pad(uint16_t seq) {
    RtpInput in = packet(clock, seq, 0);
    in.paddingOnly = true;
    return rw.rewrite(in);
  }

  base::ManualClock clock;
  RtpRewriter rw{videoOptions()};
};

TEST_F(RtpRewriterHistoryTest, UpstreamLossStaysAHoleThatALateArrivalFills) {
  send(10, 0, 0, true);
  const RewriteDecision after = send(12, 2970);
  EXPECT_EQ(after.seq, kFirstOut + 2) << "a real loss: the subscriber should NACK it";
  const auto reserved = rw.toIncomingSeq(kFirstOut + 1);
  ASSERT_TRUE(reserved.has_value()) << "a NACK for the hole maps to the missing input";
  EXPECT_EQ(reserved->seq, 11);

  const RewriteDecision late = send(11, 0);
  ASSERT_TRUE(late.forwarded());
  EXPECT_TRUE(late.outOfOrder);
  EXPECT_EQ(late.seq, kFirstOut + 1);
  EXPECT_EQ(late.timestamp, kFirstTs);
  EXPECT_EQ(send(11, 0).reason, DropReason::kDuplicate) << "a second copy (RTX) is not resent";
  EXPECT_EQ(send(13, 5940).seq, kFirstOut + 3);
}

TEST_F(RtpRewriterHistoryTest, ReorderingAndDropsTogether) {
  send(10, 0, 0, true);                        // → N
  EXPECT_EQ(send(12, 0).seq, kFirstOut + 2);   // 11 missing → N+1 reserved
  EXPECT_EQ(pad(13).reason, DropReason::kPadding);
  EXPECT_EQ(send(14, 2970).seq, kFirstOut + 3) << "padding closed its own gap";
  EXPECT_EQ(send(11, 0).seq, kFirstOut + 1) << "the late one gets its reserved number";
  EXPECT_EQ(pad(13).reason, DropReason::kDuplicate);
}

TEST_F(RtpRewriterHistoryTest, LatePaddingCannotCloseAnAnnouncedHole) {
  send(10, 0, 0, true);
  send(12, 0);
  EXPECT_EQ(pad(11).reason, DropReason::kPadding);
  EXPECT_EQ(send(13, 2970).seq, kFirstOut + 3) << "numbering after the hole is unchanged";
}

TEST_F(RtpRewriterHistoryTest, TranslatesNacksAcrossALayerSwitch) {
  std::vector<RewriteDecision> low;
  for (uint16_t i = 0; i < 5; ++i) {
    clock.advanceMs(33);
    low.push_back(send(static_cast<uint16_t>(100 + i), 90'000 + 2970u * i, 0, i == 0));
  }
  rw.setTargetLayer(1);
  clock.advanceMs(33);
  const RewriteDecision high = send(7000, 5'000'000, 1, true);
  ASSERT_EQ(high.action, RewriteAction::kSwitchedLayer);
  clock.advanceMs(33);
  const RewriteDecision high2 = send(7001, 5'002'970, 1);

  const auto old = rw.toIncomingSeq(low[2].seq);
  ASSERT_TRUE(old.has_value());
  EXPECT_EQ(old->layer, 0);
  EXPECT_EQ(old->seq, 102);
  EXPECT_EQ(old->outgoingTimestamp(90'000 + 2 * 2970), low[2].timestamp)
      << "a resend from the publisher's buffer gets the timestamp the subscriber saw";

  const auto now = rw.toIncomingSeq(high2.seq);
  ASSERT_TRUE(now.has_value());
  EXPECT_EQ(now->layer, 1);
  EXPECT_EQ(now->seq, 7001);
  EXPECT_EQ(now->outgoingTimestamp(5'002'970), high2.timestamp);

  EXPECT_EQ(rw.toIncomingSeq(static_cast<uint16_t>(high2.seq + 1)), std::nullopt) << "not assigned";
  EXPECT_EQ(send(6999, 4'999'000, 1).reason, DropReason::kTooOld)
      << "input from before the switch point is not wanted";
}

TEST_F(RtpRewriterHistoryTest, ForgetsBeyondTheHistory) {
  RewriterOptions o = videoOptions();
  o.historySize = 64;
  RtpRewriter small(o);
  uint16_t seq = 0;
  small.rewrite(packet(clock, seq++, 0, 0, true));
  for (int i = 0; i < 200; ++i) small.rewrite(packet(clock, seq++, 3000u * i));
  EXPECT_FALSE(small.toIncomingSeq(kFirstOut).has_value());
  EXPECT_TRUE(small.toIncomingSeq(small.lastSeq()).has_value());
  EXPECT_TRUE(small.toIncomingSeq(static_cast<uint16_t>(small.lastSeq() - 63)).has_value());
  EXPECT_FALSE(small.toIncomingSeq(static_cast<uint16_t>(small.lastSeq() - 64)).has_value());
  EXPECT_EQ(small.rewrite(packet(clock, static_cast<uint16_t>(seq - 100), 0)).reason,
            DropReason::kTooOld);
}

// 150 000 input packets (two wraps of both input and output numbering) with losses that
// arrive 3 packets late, padding every 50th packet and a layer switch every 20 000: the
// subscriber must see every number exactly once, in a gap-free range, and every number must
// translate back to the input that produced it.
TEST_F(RtpRewriterHistoryTest, LongRunStaysGapFreeAndTranslatable) {
  struct Sent {
    uint16_t out;
    uint8_t layer;
    uint16_t in;
  };
  std::vector<Sent> sent;
  uint8_t layer = 0;
  uint16_t inSeq[2] = {65000, 123};
  int64_t outCount = 0;
  int64_t padding = 0;
  std::vector<RtpInput> delayed;
  for (int i = 0; i < 150'000; ++i) {
    clock.advanceMs(i % 3 == 0 ? 1 : 0);
    if (i > 0 && i % 20'000 == 0) {
      layer ^= 1;
      rw.setTargetLayer(layer);
    }
    // The layer not selected keeps flowing and is dropped — except right after the target
    // changed, when the old layer still flows until the new one's keyframe.
    const uint8_t other = layer ^ 1;
    const RtpInput otherIn = packet(clock, inSeq[other]++, 0, other, false);
    const RewriteDecision od = rw.rewrite(otherIn);
    if (od.forwarded()) {
      sent.push_back(Sent{od.seq, other, otherIn.seq});
      ++outCount;
    }

    RtpInput in = packet(clock, inSeq[layer]++, static_cast<uint32_t>(i) * 30, layer,
                         i == 0 || i % 20'000 == 0);
    in.paddingOnly = i % 50 == 25;
    // Not just before a layer switch: the late copy would belong to the old layer by then.
    const bool lose = i % 37 == 5 && !in.keyframe && !in.paddingOnly && i % 20'000 < 19'990;
    if (lose) {
      delayed.push_back(in);
      continue;
    }
    auto deliver = [&](const RtpInput& p) {
      const RewriteDecision d = rw.rewrite(p);
      if (p.paddingOnly) {
        EXPECT_FALSE(d.forwarded());
        ++padding;
        return;
      }
      ASSERT_TRUE(d.forwarded()) << "input " << p.seq << " at " << i;
      sent.push_back(Sent{d.seq, p.layer, p.seq});
      ++outCount;
    };
    deliver(in);
    if (!delayed.empty() && i % 37 == 8) {
      for (const RtpInput& d : delayed) deliver(d);
      delayed.clear();
    }
    // Recently sent numbers translate back (the history holds 1024 of them).
    if (i % 101 == 0 && sent.size() > 10) {
      const Sent& s = sent[sent.size() - 10];
      const auto ref = rw.toIncomingSeq(s.out);
      ASSERT_TRUE(ref.has_value());
      EXPECT_EQ(ref->seq, s.in);
      EXPECT_EQ(ref->layer, s.layer);
    }
  }
  EXPECT_GT(padding, 2000);
  // Every outgoing number from the first to the last used exactly once: with more than 2^16
  // of them, each residue modulo 2^16 is used floor(n / 2^16) or one more times.
  std::vector<int64_t> perResidue(65536, 0);
  for (const Sent& s : sent) ++perResidue[static_cast<uint16_t>(s.out - kFirstOut)];
  const int64_t fullCycles = outCount / 65536;
  const int64_t rest = outCount % 65536;
  ASSERT_GE(fullCycles, 1);
  for (int64_t r = 0; r < 65536; ++r) {
    ASSERT_EQ(perResidue[static_cast<size_t>(r)], fullCycles + (r < rest ? 1 : 0)) << r;
  }
}

}  // namespace
}  // namespace atrium::stream
