// Clock: every piece of logic that depends on time takes a Clock& so tests can drive time.
#pragma once

#include <cstdint>

namespace atrium::base {

class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic milliseconds, for timers, rate limits and timeouts.
  virtual int64_t steadyMs() const = 0;
  // Wall-clock Unix milliseconds, for tickets, logs and event records.
  virtual int64_t wallMs() const = 0;
  int64_t unixSeconds() const { return wallMs() / 1000; }
};

class SystemClock final : public Clock {
 public:
  int64_t steadyMs() const override;
  int64_t wallMs() const override;
  static SystemClock& instance();
};

// A clock tests move by hand; steady and wall time advance together.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t wallMs = 1'700'000'000'000, int64_t steadyMs = 1'000'000)
      : wall_(wallMs), steady_(steadyMs) {}
  int64_t steadyMs() const override { return steady_; }
  int64_t wallMs() const override { return wall_; }
  void advanceMs(int64_t ms) { wall_ += ms; steady_ += ms; }
  void setWallMs(int64_t ms) { wall_ = ms; }

 private:
  int64_t wall_;
  int64_t steady_;
};

}  // namespace atrium::base
