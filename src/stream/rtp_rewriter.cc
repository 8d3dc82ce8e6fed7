#include "stream/rtp_rewriter.h"

#include <algorithm>
#include <bit>
#include <cstdlib>

#include "base/seq_num.h"

namespace atrium::stream {
namespace {

constexpr size_t kMinHistory = 16;
constexpr size_t kMaxHistory = 32768;  // half the sequence space

size_t slot(int64_t ext, size_t mask) { return static_cast<size_t>(static_cast<uint64_t>(ext)) & mask; }

}  // namespace

RtpRewriter::RtpRewriter(const RewriterOptions& options) : options_(options) {
  if (options_.clockRate == 0) options_.clockRate = 90000;
  if (options_.maxSeqJump < 1) options_.maxSeqJump = 1;
  const size_t size = std::bit_ceil(std::clamp(options_.historySize, kMinHistory, kMaxHistory));
  inHistory_.resize(size);
  outHistory_.resize(size);
  mask_ = size - 1;
  awaitKeyframe_ = options_.video;
  // So that the first packet forwarded gets initialSeq / initialTimestamp.
  outHighest_ = static_cast<int64_t>(options_.initialSeq) - 1;
  lastOutTs_ = options_.initialTimestamp;
}

bool RtpRewriter::needsKeyframe() const {
  return options_.video && !paused_ && (currentLayer_ != targetLayer_ || awaitKeyframe_);
}

void RtpRewriter::pause() {
  if (paused_) return;
  paused_ = true;
  finishFrame_ = started_ && !lastMarker_;
}

void RtpRewriter::resume() {
  if (!paused_) return;
  paused_ = false;
  finishFrame_ = false;
  rebase_ = true;
  awaitKeyframe_ = options_.video;
}

RewriteDecision RtpRewriter::drop(DropReason reason) const {
  RewriteDecision d;
  d.reason = reason;
  d.ssrc = options_.ssrc;
  return d;
}

DropReason RtpRewriter::mediaDropReason(const RtpInput& in) const {
  if (in.paddingOnly) return DropReason::kPadding;
  if (in.temporalLayer > maxTemporalLayer_) return DropReason::kTemporalLayer;
  return DropReason::kNone;
}

RewriteDecision RtpRewriter::rewrite(const RtpInput& in) {
  if (paused_) {
    // Paused mid-frame: the rest of that frame still goes out, so the subscriber's last
    // frame before the pause is complete.
    const bool sameFrame = finishFrame_ && !lastMarker_ && !rebase_ &&
                           in.layer == currentLayer_ && in.timestamp == lastInTs_;
    if (!sameFrame) {
      finishFrame_ = false;
      return drop(DropReason::kPaused);
    }
  }

  auto action = RewriteAction::kForward;
  if (in.layer != currentLayer_ || awaitKeyframe_) {
    if (in.layer != targetLayer_) return drop(DropReason::kOtherLayer);
    if (options_.video && !in.keyframe) return drop(DropReason::kWaitingForKeyframe);
    if (in.layer != currentLayer_) {
      currentLayer_ = in.layer;
      action = RewriteAction::kSwitchedLayer;
    }
    awaitKeyframe_ = false;
    rebase_ = true;
  }
  if (rebase_) {
    rebase(in);
    return inOrder(in, inHighest_ + 1, action);
  }

  const int64_t ext = inHighest_ + base::seqDiff(in.seq, inHighestSeq_);
  const int64_t delta = ext - inHighest_;
  if (delta > options_.maxSeqJump) {
    // The sender restarted its sequence (or lost thousands of packets): no holes for that.
    rebase(in);
    return inOrder(in, inHighest_ + 1, action);
  }
  if (delta > 0) return inOrder(in, ext, action);
  if (-delta > options_.maxSeqJump) {
    // Far behind: a stray, or a sender that restarted lower. RFC 3550 A.1: believe a restart
    // once two packets in sequence say so.
    if (ext == badSeq_) {
      rebase(in);
      return inOrder(in, inHighest_ + 1, action);
    }
    badSeq_ = ext + 1;
    return drop(DropReason::kTooOld);
  }
  return outOfOrder(in, ext);
}

// Starts a new input space with in as its first packet: the next outgoing seq is last + 1
// and the timestamp moves on by the wall time since the last forwarded packet.
void RtpRewriter::rebase(const RtpInput& in) {
  ++epoch_;
  rebase_ = false;
  badSeq_ = -1;
  inHighestSeq_ = static_cast<uint16_t>(in.seq - 1);
  inHighest_ = static_cast<int64_t>(in.seq) - 1;
  seqOffset_ = outHighest_ - inHighest_;
  uint32_t targetTs = options_.initialTimestamp;
  if (started_) {
    const int64_t elapsedMs = std::max<int64_t>(0, in.arrivalMs - lastOutArrivalMs_);
    const int64_t advance = elapsedMs * static_cast<int64_t>(options_.clockRate) / 1000;
    // At least 1 so the new frame never merges with the last one in the receiver.
    targetTs = lastOutTs_ + static_cast<uint32_t>(std::max<int64_t>(1, advance));
  }
  tsDelta_ = targetTs - in.timestamp;
}

RewriteDecision RtpRewriter::inOrder(const RtpInput& in, int64_t ext, RewriteAction action) {
  // Inputs skipped over were lost upstream and may still come (reordered, or repaired by our
  // NACK): keep their outgoing numbers free for them. Only the last historySize matter.
  const int64_t firstSkipped =
      std::max(inHighest_ + 1, ext - static_cast<int64_t>(inHistory_.size()));
  for (int64_t s = firstSkipped; s < ext; ++s) {
    const int64_t outExt = s + seqOffset_;
    recordIn(s, static_cast<uint16_t>(outExt), Fate::kReserved);
    recordOut(outExt, static_cast<uint16_t>(s));
  }
  inHighest_ = ext;
  inHighestSeq_ = in.seq;

  const DropReason why = mediaDropReason(in);
  if (why != DropReason::kNone) {
    // Close the gap: every later packet of this input space moves down by one.
    recordIn(ext, 0, Fate::kDropped);
    --seqOffset_;
    return drop(why);
  }

  const int64_t outExt = ext + seqOffset_;
  const uint32_t ts = in.timestamp + tsDelta_;
  recordIn(ext, static_cast<uint16_t>(outExt), Fate::kForwarded);
  recordOut(outExt, in.seq);
  outHighest_ = outExt;
  lastOutTs_ = ts;
  lastOutArrivalMs_ = in.arrivalMs;
  lastInTs_ = in.timestamp;
  lastMarker_ = in.marker;
  started_ = true;

  RewriteDecision d;
  d.action = action;
  d.seq = static_cast<uint16_t>(outExt);
  d.timestamp = ts;
  d.ssrc = options_.ssrc;
  return d;
}

RewriteDecision RtpRewriter::outOfOrder(const RtpInput& in, int64_t ext) {
  if (ext == inHighest_) return drop(DropReason::kDuplicate);
  if (inHighest_ - ext >= static_cast<int64_t>(inHistory_.size())) return drop(DropReason::kTooOld);
  InEntry& entry = inHistory_[slot(ext, mask_)];
  // Not recorded in this mapping: from before the current layer/resume started.
  if (entry.epoch != epoch_ || entry.inExt != ext || entry.fate == Fate::kNone) {
    return drop(DropReason::kTooOld);
  }
  if (entry.fate != Fate::kReserved) return drop(DropReason::kDuplicate);
  const DropReason why = mediaDropReason(in);
  if (why != DropReason::kNone) {
    // Its number is already out there as a hole; a late padding/temporal packet cannot close
    // it any more. The subscriber's NACK for it will find nothing and give up.
    entry.fate = Fate::kDropped;
    return drop(why);
  }
  entry.fate = Fate::kForwarded;
  RewriteDecision d;
  d.action = RewriteAction::kForward;
  d.seq = entry.outSeq;
  d.timestamp = in.timestamp + tsDelta_;
  d.ssrc = options_.ssrc;
  d.outOfOrder = true;
  return d;
}

void RtpRewriter::recordIn(int64_t ext, uint16_t outSeq, Fate fate) {
  inHistory_[slot(ext, mask_)] = InEntry{ext, epoch_, outSeq, fate};
}

void RtpRewriter::recordOut(int64_t outExt, uint16_t inSeq) {
  outHistory_[slot(outExt, mask_)] = OutEntry{tsDelta_, static_cast<uint16_t>(outExt), inSeq,
                                              static_cast<uint8_t>(currentLayer_), true};
}

std::optional<IncomingRef> RtpRewriter::toIncomingSeq(uint16_t outgoingSeq) const {
  const int32_t behind = base::seqDiff(lastSeq(), outgoingSeq);
  // Reserved numbers can sit just past the newest forwarded one, hence the symmetric window.
  if (std::abs(behind) >= static_cast<int32_t>(outHistory_.size())) return std::nullopt;
  const OutEntry& e = outHistory_[outgoingSeq & mask_];
  if (!e.used || e.outSeq != outgoingSeq) return std::nullopt;
  IncomingRef ref;
  ref.layer = e.layer;
  ref.seq = e.inSeq;
  ref.timestampDelta = e.timestampDelta;
  return ref;
}

}  // namespace atrium::stream
