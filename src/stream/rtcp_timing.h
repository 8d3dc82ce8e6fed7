// NTP time arithmetic for RTCP sender/receiver reports (RFC 3550 §4, §6.4.1): 64-bit NTP
// timestamps, the "compact" middle-32-bit form used by LSR/DLSR, and round-trip time from a
// report block. Pure functions plus a tiny history of the SRs we sent, so an RR's LSR can be
// matched to our own steady clock instead of trusting the wall clock twice.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

namespace atrium::stream {

// Seconds between the NTP epoch (1900-01-01) and the Unix epoch (1970-01-01).
inline constexpr uint64_t kNtpUnixOffsetSeconds = 2'208'988'800ULL;

// 64-bit NTP timestamp (32.32 fixed point seconds since 1900) for a Unix time in ms.
uint64_t ntpFromUnixMs(int64_t unixMs);
// Unix ms for a 64-bit NTP timestamp (fraction rounded to the nearest millisecond).
int64_t unixMsFromNtp(uint64_t ntp);

// The middle 32 bits of an NTP timestamp (16.16 fixed point seconds): the LSR field.
constexpr uint32_t compactNtp(uint64_t ntp) { return static_cast<uint32_t>(ntp >> 16); }

// A duration in compact NTP units (1/65536 s) and back, rounding to nearest. DLSR is one.
uint32_t compactFromMs(int64_t ms);
int64_t msFromCompact(uint32_t compact);

// RFC 3550 §6.4.1: RTT = A - LSR - DLSR, all in compact NTP, where A is when the report block
// arrived. nullopt when the peer has not received an SR yet (LSR == 0) or the result is
// negative by more than rounding (clock skew or a corrupt block); small negatives clamp to 0.
std::optional<int64_t> rttMsFromCompact(uint32_t arrivalCompact, uint32_t lsr, uint32_t dlsr);

// Remembers the last few SRs we sent (their compact NTP and our steady-clock send time), so
// that an RR quoting one of them yields RTT = now - sentAt - DLSR on a single clock.
class SenderReportHistory {
 public:
  static constexpr size_t kSize = 8;  // SRs go out every ~1 s; an RR older than 8 s is useless

  void onSent(uint32_t compact, int64_t sentMs);
  // RTT in ms, or nullopt when LSR is 0 or not one of ours (too old, or never sent).
  std::optional<int64_t> rttMs(uint32_t lsr, uint32_t dlsr, int64_t nowMs) const;

 private:
  struct Entry {
    uint32_t compact = 0;
    int64_t sentMs = 0;
    bool used = false;
  };
  std::array<Entry, kSize> entries_{};
  size_t next_ = 0;
};

}  // namespace atrium::stream
