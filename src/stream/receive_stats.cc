#include "stream/receive_stats.h"

#include <algorithm>

#include "stream/rtcp_timing.h"

namespace atrium::stream {
namespace {

constexpr uint32_t kSeqMod = 1u << 16;

}  // namespace

ReceiveStats::ReceiveStats(uint32_t ssrc, uint32_t clockRate, int minSequential)
    : ssrc_(ssrc), clockRate_(clockRate == 0 ? 90000 : clockRate),
      minSequential_(std::max(1, minSequential)) {}

void ReceiveStats::initSeq(uint16_t seq) {
  baseSeq_ = seq;
  maxSeq_ = seq;
  badSeq_ = kSeqMod + 1;  // so seq == badSeq_ is false
  cycles_ = 0;
  received_ = 0;
  receivedPrior_ = 0;
  expectedPrior_ = 0;
}

bool ReceiveStats::onPacket(uint16_t seq, uint32_t timestamp, int64_t arrivalMs, size_t payloadBytes) {
  ++packets_;
  bytes_ += payloadBytes;
  if (!started_) {
    // A.1 init: the source starts on probation with max_seq one below the first packet.
    started_ = true;
    initSeq(seq);
    maxSeq_ = static_cast<uint16_t>(seq - 1);
    probation_ = minSequential_;
  }

  const auto udelta = static_cast<uint16_t>(seq - maxSeq_);
  if (probation_ > 0) {
    if (seq == static_cast<uint16_t>(maxSeq_ + 1)) {
      --probation_;
      maxSeq_ = seq;
      if (probation_ == 0) {
        initSeq(seq);
        ++received_;
        updateJitter(timestamp, arrivalMs);
        return true;
      }
    } else {
      probation_ = minSequential_ - 1;
      maxSeq_ = seq;
    }
    return false;
  }

  if (udelta == 0) {
    // A duplicate of the highest packet: A.1 counts it (its "duplicate or reordered" branch).
  } else if (udelta < kMaxDropout) {
    // In order, possibly with a gap.
    if (seq < maxSeq_) cycles_ += kSeqMod;
    maxSeq_ = seq;
    updateJitter(timestamp, arrivalMs);
  } else if (udelta <= kSeqMod - kMaxMisorder) {
    // A very large jump. Two packets in sequence after it mean the sender restarted.
    if (seq == badSeq_) {
      initSeq(seq);
      haveTransit_ = false;  // the timestamp base moved with the restart
      updateJitter(timestamp, arrivalMs);
    } else {
      badSeq_ = (static_cast<uint32_t>(seq) + 1) & (kSeqMod - 1);
      return false;
    }
  } else {
    // Duplicate or reordered packet: counted, but the jitter only follows in-order packets
    // (a late packet's transit says more about reordering than about network jitter).
  }
  ++received_;
  return true;
}

// A.8 with the RFC's integer arithmetic: J += (|D| - J) / 16, kept ×16 to avoid floats.
// Like libwebrtc we sample once per RTP timestamp (per frame): the packets of one video frame
// share a timestamp but leave the sender paced over several ms, and that pacing is not
// network jitter.
void ReceiveStats::updateJitter(uint32_t timestamp, int64_t arrivalMs) {
  const int64_t arrival = arrivalMs * static_cast<int64_t>(clockRate_) / 1000;
  if (haveTransit_ && timestamp == lastJitterTimestamp_) return;
  // transit = arrival - timestamp, taken modulo 2^32 so that timestamp wrap cancels out in d.
  const int64_t transit = static_cast<int32_t>(static_cast<uint32_t>(arrival) - timestamp);
  if (haveTransit_) {
    int64_t d = static_cast<int32_t>(static_cast<uint32_t>(transit - lastTransit_));
    if (d < 0) d = -d;
    jitterQ4_ += d - ((jitterQ4_ + 8) >> 4);
  }
  lastTransit_ = transit;
  lastJitterTimestamp_ = timestamp;
  haveTransit_ = true;
}

void ReceiveStats::onSenderReport(uint64_t ntpTimestamp, int64_t arrivalMs) {
  lastSr_ = compactNtp(ntpTimestamp);
  lastSrArrivalMs_ = arrivalMs;
  haveSr_ = true;
}

int32_t ReceiveStats::cumulativeLost() const {
  if (!valid()) return 0;
  const int64_t lost = static_cast<int64_t>(expected()) - static_cast<int64_t>(received_);
  return static_cast<int32_t>(std::clamp<int64_t>(lost, kMinCumulativeLost, kMaxCumulativeLost));
}

ReportBlock ReceiveStats::report(int64_t nowMs) {
  ReportBlock block;
  block.ssrc = ssrc_;
  if (haveSr_) {
    block.lastSr = lastSr_;
    block.delaySinceLastSr = compactFromMs(nowMs - lastSrArrivalMs_);
  }
  if (!valid()) return block;

  block.extendedHighestSeq = extendedHighestSeq();
  block.cumulativeLost = cumulativeLost();
  block.jitter = jitter();

  // A.3: fraction lost over the interval since the previous report.
  const uint32_t expected = this->expected();
  const uint32_t expectedInterval = expected - expectedPrior_;
  expectedPrior_ = expected;
  const uint32_t receivedInterval = received_ - receivedPrior_;
  receivedPrior_ = received_;
  const int64_t lostInterval =
      static_cast<int64_t>(expectedInterval) - static_cast<int64_t>(receivedInterval);
  if (expectedInterval != 0 && lostInterval > 0) {
    block.fractionLost =
        static_cast<uint8_t>(std::min<int64_t>(255, (lostInterval << 8) / expectedInterval));
  }
  return block;
}

}  // namespace atrium::stream
