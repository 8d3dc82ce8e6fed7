// RtcpTransportFeedback::build: status symbols → packet chunks, greedily packed the way
// libwebrtc does (a run while every symbol is equal, else the densest status vector).
#include <cstring>

#include "base/seq_num.h"
#include "rtp/byte_io.h"
#include "rtp/rtcp/rtcp_transport_feedback.h"

namespace atrium::rtp {

namespace {

constexpr uint8_t kNotReceived = 0;
constexpr uint8_t kSmall = 1;
constexpr uint8_t kLarge = 2;
constexpr size_t kMaxRunLength = 0x1fff;
constexpr size_t kOneBitCapacity = 14;
constexpr size_t kTwoBitCapacity = 7;

int64_t floorDiv(int64_t a, int64_t b) {
  const int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

// Collects symbols and emits 16-bit chunks through a callback.
class ChunkEncoder {
 public:
  template <typename Emit>
  void add(uint8_t s, Emit&& emit) {
    if (!canAdd(s)) flushFull(emit);
    push(s);
  }
  template <typename Emit>
  void finish(Emit&& emit) {
    if (size_ == 0) return;
    if (allSame_) {
      emit(runLength(symbols_[0], size_));
    } else if (size_ <= kTwoBitCapacity) {
      emit(twoBit(size_));
    } else {
      emit(oneBit(size_));
    }
    clear();
  }

 private:
  bool canAdd(uint8_t s) const {
    if (size_ < kTwoBitCapacity) return true;
    if (size_ < kOneBitCapacity && !hasLarge_ && s != kLarge) return true;
    return allSame_ && s == symbols_[0] && size_ < kMaxRunLength;
  }
  void push(uint8_t s) {
    if (size_ < kOneBitCapacity) symbols_[size_] = s;
    if (size_ > 0 && s != symbols_[0]) allSame_ = false;
    if (s == kLarge) hasLarge_ = true;
    ++size_;
  }
  template <typename Emit>
  void flushFull(Emit&& emit) {
    if (allSame_) {
      emit(runLength(symbols_[0], size_));
      clear();
    } else if (size_ == kOneBitCapacity) {  // 14 symbols without a large delta
      emit(oneBit(size_));
      clear();
    } else {  // 7..13 mixed symbols: send the first 7, keep the rest
      emit(twoBit(kTwoBitCapacity));
      const size_t keep = size_ - kTwoBitCapacity;
      uint8_t rest[kOneBitCapacity];
      std::memcpy(rest, symbols_ + kTwoBitCapacity, keep);
      clear();
      for (size_t i = 0; i < keep; ++i) push(rest[i]);
    }
  }
  void clear() {
    size_ = 0;
    allSame_ = true;
    hasLarge_ = false;
  }
  static uint16_t runLength(uint8_t s, size_t n) {
    return static_cast<uint16_t>((s << 13) | n);
  }
  uint16_t oneBit(size_t n) const {
    uint16_t c = 0x8000;
    for (size_t i = 0; i < n; ++i) c = static_cast<uint16_t>(c | (symbols_[i] << (13 - i)));
    return c;
  }
  uint16_t twoBit(size_t n) const {
    uint16_t c = 0xc000;
    for (size_t i = 0; i < n; ++i) c = static_cast<uint16_t>(c | (symbols_[i] << (2 * (6 - i))));
    return c;
  }

  uint8_t symbols_[kOneBitCapacity] = {};
  size_t size_ = 0;
  bool allSame_ = true;
  bool hasLarge_ = false;
};

// Walks every seq from the first arrival to the last, calling f(symbol, deltaTicks).
// Returns false if the deltas do not fit the wire format.
template <typename F>
bool forEachSymbol(std::span<const TwccArrival> arrivals, int64_t referenceTicks, F&& f) {
  constexpr int64_t kTicksPerRef =
      RtcpTransportFeedback::kReferenceTickUs / RtcpTransportFeedback::kDeltaTickUs;
  int64_t lastTicks = referenceTicks * kTicksPerRef;
  uint16_t seq = arrivals[0].seq;
  for (const auto& a : arrivals) {
    while (seq != a.seq) {
      f(kNotReceived, 0);
      ++seq;
    }
    const int64_t ticks = floorDiv(a.arrivalUs, RtcpTransportFeedback::kDeltaTickUs);
    const int64_t delta = ticks - lastTicks;
    if (delta < INT16_MIN || delta > INT16_MAX) return false;
    lastTicks = ticks;
    f(delta >= 0 && delta <= 0xff ? kSmall : kLarge, static_cast<int32_t>(delta));
    ++seq;
  }
  return true;
}

}  // namespace

size_t RtcpTransportFeedback::build(std::span<uint8_t> out, uint32_t senderSsrc,
                                    uint32_t mediaSsrc, uint8_t feedbackPacketCount,
                                    std::span<const TwccArrival> arrivals) {
  if (arrivals.empty()) return 0;
  // Sum the steps rather than subtracting the ends: steps that are each "newer" can still
  // wrap past the first seq in total.
  size_t statusCount = 1;
  for (size_t i = 1; i < arrivals.size(); ++i) {
    if (!base::seqIsNewer(arrivals[i].seq, arrivals[i - 1].seq)) return 0;
    statusCount += static_cast<uint16_t>(arrivals[i].seq - arrivals[i - 1].seq);
    if (statusCount > 0xffff) return 0;
  }
  const int64_t referenceTicks = floorDiv(arrivals[0].arrivalUs, kReferenceTickUs);

  // Pass 1: sizes (and delta range check).
  size_t chunkCount = 0;
  size_t deltaBytes = 0;
  ChunkEncoder counter;
  auto countChunk = [&](uint16_t) { ++chunkCount; };
  if (!forEachSymbol(arrivals, referenceTicks, [&](uint8_t s, int32_t) {
        deltaBytes += s;
        counter.add(s, countChunk);
      })) {
    return 0;
  }
  counter.finish(countChunk);
  const size_t body = kFciFixedSize + 2 * chunkCount + deltaBytes;
  const size_t total = RtcpFeedback::kHeaderSize + ((body + 3) & ~size_t{3});
  if (out.size() < total || !writeFeedbackHeader(out, kRtcpRtpfb, kRtpfbTransportCc, total,
                                                 senderSsrc, mediaSsrc)) {
    return 0;
  }

  // Pass 2: write.
  uint8_t* fci = &out[RtcpFeedback::kHeaderSize];
  writeU16(&fci[0], arrivals[0].seq);
  writeU16(&fci[2], static_cast<uint16_t>(statusCount));
  writeU24(&fci[4], static_cast<uint32_t>(referenceTicks) & 0xffffffu);
  fci[7] = feedbackPacketCount;
  size_t chunkOff = kFciFixedSize;
  size_t deltaOff = kFciFixedSize + 2 * chunkCount;
  ChunkEncoder encoder;
  auto writeChunk = [&](uint16_t c) {
    writeU16(&fci[chunkOff], c);
    chunkOff += 2;
  };
  forEachSymbol(arrivals, referenceTicks, [&](uint8_t s, int32_t delta) {
    if (s == kSmall) {
      fci[deltaOff++] = static_cast<uint8_t>(delta);
    } else if (s == kLarge) {
      writeU16(&fci[deltaOff], static_cast<uint16_t>(static_cast<int16_t>(delta)));
      deltaOff += 2;
    }
    encoder.add(s, writeChunk);
  });
  encoder.finish(writeChunk);
  std::memset(&fci[deltaOff], 0, total - RtcpFeedback::kHeaderSize - deltaOff);
  return total;
}

}  // namespace atrium::rtp
