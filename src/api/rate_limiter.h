// Token bucket per (SecretId, Action) (R18): TRTC documents 20 requests/s per action. Pure: the
// caller passes the time. The map is bounded by forgetting buckets that have refilled.
#pragma once

#include <map>
#include <string>
#include <utility>

#include "base/token_bucket.h"

namespace atrium::api {

class RateLimiter {
 public:
  RateLimiter(double ratePerSecond, double burst, size_t maxKeys = 100000)
      : rate_(ratePerSecond), burst_(burst), maxKeys_(maxKeys) {}

  bool allow(const std::string& secretId, const std::string& action, int64_t nowMs) {
    auto key = std::make_pair(secretId, action);
    auto it = buckets_.find(key);
    if (it == buckets_.end()) {
      if (buckets_.size() >= maxKeys_) forgetFull(nowMs);
      if (buckets_.size() >= maxKeys_) return false;  // every tracked caller is active: shed load
      it = buckets_.emplace(std::move(key), base::TokenBucket(rate_, burst_)).first;
    }
    return it->second.tryTake(nowMs);
  }
  size_t size() const { return buckets_.size(); }

 private:
  void forgetFull(int64_t nowMs) {
    std::erase_if(buckets_, [&](const auto& kv) { return kv.second.available(nowMs) >= burst_; });
  }
  double rate_;
  double burst_;
  size_t maxKeys_;
  std::map<std::pair<std::string, std::string>, base::TokenBucket> buckets_;
};

}  // namespace atrium::api
