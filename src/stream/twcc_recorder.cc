#include "stream/twcc_recorder.h"

#include <algorithm>

namespace atrium::stream {

TwccRecorder::TwccRecorder() : arrivalUs_(kWindow, -1) { out_.reserve(kWindow); }

int64_t TwccRecorder::unwrap(uint16_t seq) {
  // Nearest to the last value seen: a difference beyond half the space is a wrap.
  auto diff = static_cast<int16_t>(static_cast<uint16_t>(seq - static_cast<uint16_t>(lastUnwrapped_)));
  lastUnwrapped_ += diff;
  return lastUnwrapped_;
}

void TwccRecorder::onPacket(uint16_t transportSeq, int64_t arrivalUs) {
  int64_t seq;
  if (!started_) {
    started_ = true;
    lastUnwrapped_ = transportSeq;
    seq = transportSeq;
    base_ = seq;
  } else {
    seq = unwrap(transportSeq);
  }
  if (seq < base_) {
    ++lateDropped_;
    return;
  }
  if (seq - base_ >= static_cast<int64_t>(kWindow)) {
    // The window slid: forget what would be overwritten (reported as lost, the sender learns).
    int64_t newBase = seq - static_cast<int64_t>(kWindow) + 1;
    for (int64_t s = base_; s < std::min(newBase, highest_ + 1); ++s) arrivalUs_[static_cast<size_t>(s % kWindow)] = -1;
    base_ = newBase;
  }
  arrivalUs_[static_cast<size_t>(seq % static_cast<int64_t>(kWindow))] = arrivalUs;
  highest_ = std::max(highest_, seq);
}

std::span<const rtp::TwccArrival> TwccRecorder::collect() {
  out_.clear();
  if (highest_ < base_) return {};
  for (int64_t s = base_; s <= highest_; ++s) {
    int64_t& slot = arrivalUs_[static_cast<size_t>(s % static_cast<int64_t>(kWindow))];
    if (slot >= 0) out_.push_back({static_cast<uint16_t>(s), slot});
    slot = -1;
  }
  base_ = highest_ + 1;
  return out_;
}

}  // namespace atrium::stream
