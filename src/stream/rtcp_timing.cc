#include "stream/rtcp_timing.h"

namespace atrium::stream {
namespace {

// Rounding tolerance for RTTs that come out slightly negative: the peer rounds DLSR to
// 1/65536 s and we round our send time to 1 ms.
constexpr int64_t kNegativeRttToleranceMs = 2;

}  // namespace

uint64_t ntpFromUnixMs(int64_t unixMs) {
  const uint64_t ms = static_cast<uint64_t>(unixMs);
  const uint64_t seconds = ms / 1000 + kNtpUnixOffsetSeconds;
  const uint64_t fraction = ((ms % 1000) << 32) / 1000;
  return (seconds << 32) | fraction;
}

int64_t unixMsFromNtp(uint64_t ntp) {
  const uint64_t seconds = (ntp >> 32) - kNtpUnixOffsetSeconds;
  const uint64_t ms = ((ntp & 0xffffffffULL) * 1000 + (1ULL << 31)) >> 32;  // nearest ms
  return static_cast<int64_t>(seconds * 1000 + ms);
}

uint32_t compactFromMs(int64_t ms) {
  if (ms <= 0) return 0;
  return static_cast<uint32_t>((static_cast<uint64_t>(ms) * 65536 + 500) / 1000);
}

int64_t msFromCompact(uint32_t compact) {
  return static_cast<int64_t>((static_cast<uint64_t>(compact) * 1000 + 32768) >> 16);
}

std::optional<int64_t> rttMsFromCompact(uint32_t arrivalCompact, uint32_t lsr, uint32_t dlsr) {
  if (lsr == 0) return std::nullopt;
  // Unsigned wrap-around subtraction is what the RFC intends: compact NTP wraps every 18 h.
  const auto rtt = static_cast<int32_t>(arrivalCompact - lsr - dlsr);
  const int64_t ms = rtt < 0 ? -msFromCompact(static_cast<uint32_t>(-static_cast<int64_t>(rtt)))
                             : msFromCompact(static_cast<uint32_t>(rtt));
  if (ms < -kNegativeRttToleranceMs) return std::nullopt;
  return ms < 0 ? 0 : ms;
}

void SenderReportHistory::onSent(uint32_t compact, int64_t sentMs) {
  entries_[next_] = Entry{compact, sentMs, true};
  next_ = (next_ + 1) % kSize;
}

std::optional<int64_t> SenderReportHistory::rttMs(uint32_t lsr, uint32_t dlsr, int64_t nowMs) const {
  if (lsr == 0) return std::nullopt;
  for (const Entry& e : entries_) {
    if (!e.used || e.compact != lsr) continue;
    const int64_t rtt = nowMs - e.sentMs - msFromCompact(dlsr);
    if (rtt < -kNegativeRttToleranceMs) return std::nullopt;
    return rtt < 0 ? 0 : rtt;
  }
  return std::nullopt;
}

}  // namespace atrium::stream
