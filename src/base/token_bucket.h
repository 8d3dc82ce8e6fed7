// TokenBucket: a pure rate limiter (rate per second, burst capacity) driven by caller-supplied time.
#pragma once

#include <algorithm>
#include <cstdint>

namespace atrium::base {

class TokenBucket {
 public:
  // ratePerSec tokens are added each second, up to burst; starts full.
  TokenBucket(double ratePerSec, double burst) : rate_(ratePerSec), burst_(burst), tokens_(burst) {}

  // Takes `cost` tokens at time nowMs if available; returns whether it did.
  bool tryTake(int64_t nowMs, double cost = 1.0) {
    refill(nowMs);
    if (tokens_ < cost) return false;
    tokens_ -= cost;
    return true;
  }
  // Tokens that would be available at nowMs (does not change the bucket).
  double available(int64_t nowMs) const {
    if (last_ < 0 || nowMs <= last_) return tokens_;
    return std::min(burst_, tokens_ + rate_ * static_cast<double>(nowMs - last_) / 1000.0);
  }

 private:
  void refill(int64_t nowMs) {
    if (last_ < 0) last_ = nowMs;
    if (nowMs > last_) {
      tokens_ = std::min(burst_, tokens_ + rate_ * static_cast<double>(nowMs - last_) / 1000.0);
      last_ = nowMs;
    }
  }
  double rate_;
  double burst_;
  double tokens_;
  int64_t last_ = -1;
};

}  // namespace atrium::base
