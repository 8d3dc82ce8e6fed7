#include "stream/retransmission_buffer.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include "base/seq_num.h"

namespace atrium::stream {
namespace {

constexpr size_t kMaxCapacity = 32768;  // half the sequence space: older vs newer stays decidable
constexpr size_t kMaxSlotBytes = 65535;  // Slot::size is 16 bits

}  // namespace

RetransmissionBuffer::RetransmissionBuffer(const RetransmissionBufferOptions& options)
    : maxPacketSize_(std::clamp<size_t>(options.maxPacketSize, 1, kMaxSlotBytes)),
      maxAgeMs_(options.maxAgeMs),
      minResendIntervalMs_(options.minResendIntervalMs) {
  const size_t capacity = std::bit_ceil(std::clamp<size_t>(options.capacity, 1, kMaxCapacity));
  slots_.resize(capacity);
  storage_.resize(capacity * maxPacketSize_);
  mask_ = capacity - 1;
}

void RetransmissionBuffer::clear() {
  for (Slot& slot : slots_) slot = Slot{};
  haveHighest_ = false;
}

bool RetransmissionBuffer::store(uint16_t seq, std::span<const uint8_t> packet, int64_t nowMs) {
  if (packet.size() > maxPacketSize_) {
    ++stats_.rejected;
    return false;
  }
  if (!haveHighest_) {
    haveHighest_ = true;
    highest_ = seq;
  } else if (base::seqIsNewer(seq, highest_)) {
    highest_ = seq;
  } else if (static_cast<size_t>(-base::seqDiff(seq, highest_)) >= slots_.size()) {
    // Its slot now belongs to a newer packet.
    ++stats_.rejected;
    return false;
  }
  const size_t index = seq & mask_;
  Slot& slot = slots_[index];
  slot = Slot{nowMs, -1, seq, static_cast<uint16_t>(packet.size()), true};
  if (!packet.empty()) std::memcpy(storage_.data() + index * maxPacketSize_, packet.data(), packet.size());
  ++stats_.stored;
  return true;
}

const RetransmissionBuffer::Slot* RetransmissionBuffer::lookup(uint16_t seq) const {
  if (!haveHighest_) return nullptr;
  const int32_t behind = base::seqDiff(highest_, seq);
  if (behind < 0 || static_cast<size_t>(behind) >= slots_.size()) return nullptr;
  const Slot& slot = slots_[seq & mask_];
  if (!slot.used || slot.seq != seq) return nullptr;
  return &slot;
}

std::span<const uint8_t> RetransmissionBuffer::bytes(size_t index) const {
  return {storage_.data() + index * maxPacketSize_, slots_[index].size};
}

std::span<const uint8_t> RetransmissionBuffer::find(uint16_t seq, int64_t nowMs) const {
  const Slot* slot = lookup(seq);
  if (slot == nullptr || nowMs - slot->storedMs > maxAgeMs_) return {};
  return bytes(seq & mask_);
}

ResendResult RetransmissionBuffer::fetchForResend(uint16_t seq, int64_t nowMs) {
  ResendResult result;
  const Slot* found = lookup(seq);
  if (found == nullptr) {
    ++stats_.missing;
    result.status = ResendStatus::kMissing;
    return result;
  }
  if (nowMs - found->storedMs > maxAgeMs_) {
    ++stats_.tooOld;
    result.status = ResendStatus::kTooOld;
    return result;
  }
  Slot& slot = slots_[seq & mask_];
  if (slot.resentMs >= 0 && nowMs - slot.resentMs < std::max(minResendIntervalMs_, rttMs_)) {
    ++stats_.rateLimited;
    result.status = ResendStatus::kRateLimited;
    return result;
  }
  slot.resentMs = nowMs;
  ++stats_.resent;
  result.status = ResendStatus::kOk;
  result.packet = bytes(seq & mask_);
  return result;
}

}  // namespace atrium::stream
