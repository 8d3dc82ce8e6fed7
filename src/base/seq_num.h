// Wrapping sequence-number and timestamp math (RFC 1982 serial-number arithmetic) for RTP's
// 16-bit sequence numbers and 32-bit timestamps, plus unwrapping into monotonic 64-bit values.
#pragma once

#include <concepts>
#include <cstdint>
#include <limits>
#include <type_traits>

namespace atrium::base {

// Signed distance a - b on the wrapping circle of T (e.g. seqDiff(2, 65535) == 3).
// The exact half-way point maps to the most negative value, like a two's-complement cast.
template <std::unsigned_integral T>
constexpr std::make_signed_t<T> serialDiff(T a, T b) {
  return static_cast<std::make_signed_t<T>>(static_cast<T>(a - b));
}

// True when a comes after b. RFC 1982 leaves the half-way distance undefined; we break the
// tie by numeric value (as libwebrtc does) so that isNewer(a, b) != isNewer(b, a) whenever
// a != b — a sort or a "max seen" tracker never flips back and forth.
template <std::unsigned_integral T>
constexpr bool serialIsNewer(T a, T b) {
  constexpr T kHalf = static_cast<T>(T{1} << (std::numeric_limits<T>::digits - 1));
  const T d = static_cast<T>(a - b);
  if (d == kHalf) return a > b;
  return d != 0 && d < kHalf;
}

constexpr int16_t seqDiff(uint16_t a, uint16_t b) { return serialDiff<uint16_t>(a, b); }
constexpr bool seqIsNewer(uint16_t a, uint16_t b) { return serialIsNewer<uint16_t>(a, b); }
constexpr bool seqIsOlder(uint16_t a, uint16_t b) { return serialIsNewer<uint16_t>(b, a); }
// The newer of two sequence numbers (a when equal).
constexpr uint16_t seqLatest(uint16_t a, uint16_t b) { return seqIsNewer(b, a) ? b : a; }

constexpr int32_t timestampDiff(uint32_t a, uint32_t b) { return serialDiff<uint32_t>(a, b); }
constexpr bool timestampIsNewer(uint32_t a, uint32_t b) { return serialIsNewer<uint32_t>(a, b); }

// Orders sequence numbers on the wrapping circle; usable as a std::map/sort comparator over
// a window narrower than half the circle.
struct SeqNumLess {
  constexpr bool operator()(uint16_t a, uint16_t b) const { return seqIsNewer(b, a); }
};

// Extends wrapping T values into a monotonic-ish int64 line: each value is placed at the
// position closest to the previous one, so a stream that never jumps by more than half the
// circle unwraps exactly. The first value maps to itself; values slightly older than the
// first may unwrap to negative numbers.
template <std::unsigned_integral T>
class Unwrapper {
 public:
  int64_t unwrap(T value) {
    if (!started_) {
      started_ = true;
      last_ = static_cast<int64_t>(value);
    } else {
      last_ += serialDiff<T>(value, static_cast<T>(last_));
    }
    return last_;
  }
  // Where value would unwrap to, without moving the reference point.
  int64_t peek(T value) const {
    if (!started_) return static_cast<int64_t>(value);
    return last_ + serialDiff<T>(value, static_cast<T>(last_));
  }
  bool started() const { return started_; }
  void reset() { started_ = false; last_ = 0; }

 private:
  bool started_ = false;
  int64_t last_ = 0;
};

using SeqNumUnwrapper = Unwrapper<uint16_t>;
using TimestampUnwrapper = Unwrapper<uint32_t>;

}  // namespace atrium::base
