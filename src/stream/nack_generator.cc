#include "stream/nack_generator.h"

#include <algorithm>

#include "base/seq_num.h"

namespace atrium::stream {
namespace {

// A packet this far behind the highest one is not a late arrival but a sender that restarted
// its sequence numbers (RFC 3550 A.1 MAX_DROPOUT).
constexpr int64_t kMaxBackwardJump = 3000;

}  // namespace

NackGenerator::NackGenerator(const NackOptions& options)
    : options_(options), rttMs_(options.initialRttMs) {
  options_.maxOutstanding = std::max<size_t>(1, options_.maxOutstanding);
  options_.maxRetries = std::max(1, options_.maxRetries);
  missing_.reserve(options_.maxOutstanding);
  batch_.reserve(options_.maxOutstanding);
}

void NackGenerator::reset() {
  started_ = false;
  missing_.clear();
  lastKeyframe_ = -1;
  badSeq_ = -1;
}

int64_t NackGenerator::retryIntervalMs() const {
  return std::max(rttMs_, options_.minRetryIntervalMs);
}

NackUpdate NackGenerator::onPacket(uint16_t seq, int64_t nowMs, bool keyframe) {
  NackUpdate update;
  if (!started_) {
    started_ = true;
    highestSeq_ = seq;
    highest_ = seq;
    if (keyframe) lastKeyframe_ = highest_;
    return update;
  }
  const int64_t ext = highest_ + base::seqDiff(seq, highestSeq_);
  if (keyframe) lastKeyframe_ = std::max(lastKeyframe_, ext);
  if (ext <= highest_) return onOlder(ext, seq);

  badSeq_ = -1;
  const int64_t gap = ext - highest_ - 1;
  highest_ = ext;
  highestSeq_ = seq;
  if (gap == 0) return update;

  if (gap > static_cast<int64_t>(options_.maxOutstanding)) {
    // More holes than we could ever track: NACKing them would flood the sender anyway.
    missing_.clear();
    ++stats_.resets;
    update.keyframeNeeded = true;
    return update;
  }
  if (!makeRoom(static_cast<size_t>(gap))) update.keyframeNeeded = true;
  for (int64_t s = ext - gap; s < ext; ++s) missing_.push_back(Missing{s, nowMs, -1, 0});
  return update;
}

NackUpdate NackGenerator::onOlder(int64_t ext, uint16_t seq) {
  NackUpdate update;
  if (ext == highest_) {
    update.duplicate = true;
    return update;
  }
  auto it = std::lower_bound(missing_.begin(), missing_.end(), ext,
                             [](const Missing& m, int64_t e) { return m.ext < e; });
  if (it != missing_.end() && it->ext == ext) {
    update.filledHole = true;
    if (it->retries > 0) {
      update.recovered = true;
      ++stats_.recovered;
    } else {
      ++stats_.reordered;
    }
    missing_.erase(it);
    badSeq_ = -1;
    return update;
  }
  update.duplicate = true;
  if (highest_ - ext > kMaxBackwardJump) {
    // Two packets in sequence that far back mean the sender restarted: follow it.
    if (ext == badSeq_) {
      reset();
      ++stats_.resets;
      started_ = true;
      highestSeq_ = seq;
      highest_ = seq;
      update.duplicate = false;
      update.keyframeNeeded = true;
    } else {
      badSeq_ = ext + 1;
    }
  }
  return update;
}

// Frees room for `needed` new holes. Returns false when holes the decoder still needs had to
// be dropped (the caller then asks for a keyframe).
bool NackGenerator::makeRoom(size_t needed) {
  const size_t limit = options_.maxOutstanding;
  if (missing_.size() + needed <= limit) return true;
  // Holes before the latest keyframe are not needed to decode from it on.
  auto firstNeeded = std::lower_bound(missing_.begin(), missing_.end(), lastKeyframe_,
                                      [](const Missing& m, int64_t e) { return m.ext < e; });
  size_t drop = std::min<size_t>(static_cast<size_t>(firstNeeded - missing_.begin()),
                                 missing_.size() + needed - limit);
  bool clean = true;
  if (missing_.size() + needed - drop > limit) {
    drop = missing_.size() + needed - limit;
    clean = false;
  }
  missing_.erase(missing_.begin(), missing_.begin() + static_cast<std::ptrdiff_t>(drop));
  stats_.evicted += drop;
  return clean;
}

int64_t NackGenerator::dueMs(const Missing& m) const {
  if (m.lastSentMs < 0) return m.detectedMs + options_.reorderDelayMs;
  return m.lastSentMs + retryIntervalMs();
}

std::span<const uint16_t> NackGenerator::collect(int64_t nowMs) {
  batch_.clear();
  const int64_t interval = retryIntervalMs();
  size_t keep = 0;
  for (size_t i = 0; i < missing_.size(); ++i) {
    Missing m = missing_[i];
    const bool expired = nowMs - m.detectedMs > options_.maxAgeMs;
    // After the last retry we still wait one interval, so a late answer counts as recovered.
    const bool exhausted = m.retries >= options_.maxRetries && nowMs - m.lastSentMs >= interval;
    if (expired || exhausted) {
      ++stats_.givenUp;
      continue;
    }
    if (m.retries < options_.maxRetries && nowMs >= dueMs(m)) {
      if (m.retries == 0) ++stats_.packetsNacked;
      ++m.retries;
      m.lastSentMs = nowMs;
      batch_.push_back(static_cast<uint16_t>(m.ext));
      ++stats_.nacksSent;
    }
    missing_[keep++] = m;
  }
  missing_.resize(keep);
  return batch_;
}

std::optional<int64_t> NackGenerator::nextDueMs() const {
  std::optional<int64_t> next;
  for (const Missing& m : missing_) {
    // An exhausted hole is due when it is to be given up; others when they are to be sent.
    const int64_t due = std::min(dueMs(m), m.detectedMs + options_.maxAgeMs + 1);
    if (!next || due < *next) next = due;
  }
  return next;
}

}  // namespace atrium::stream
