// WarnLimiter: decides when a warning about hostile input may reach the info log (issue 15).
// An attack should leave a trace per source prefix without letting the attacker write the log
// at line rate: at most one line per key per interval, and at most `maxKeys` keys remembered
// (the oldest forgotten first), so neither the log nor this table grows with the flood.
// Pure: the caller supplies the time; each allowed line carries how many were suppressed since.
#pragma once

#include <cstdint>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace atrium::base {

class WarnLimiter {
 public:
  WarnLimiter(int64_t intervalMs = 60'000, size_t maxKeys = 1024) : intervalMs_(intervalMs), maxKeys_(maxKeys) {}

  // nullopt: stay quiet. Otherwise log now; the value is how many events of this key were
  // suppressed since its previous line.
  std::optional<uint64_t> allow(std::string_view key, int64_t nowMs) {
    auto it = byKey_.find(std::string(key));
    if (it == byKey_.end()) {
      if (byKey_.size() >= maxKeys_) {
        byKey_.erase(order_.front());
        order_.pop_front();
      }
      order_.emplace_back(key);
      byKey_.emplace(order_.back(), State{nowMs, 0, std::prev(order_.end())});
      return 0;
    }
    State& s = it->second;
    if (nowMs - s.lastMs < intervalMs_) {
      ++s.suppressed;
      return std::nullopt;
    }
    uint64_t suppressed = s.suppressed;
    s = State{nowMs, 0, s.position};
    order_.splice(order_.end(), order_, s.position);  // most recently logged goes last
    return suppressed;
  }

  size_t keys() const { return byKey_.size(); }

 private:
  struct State {
    int64_t lastMs;
    uint64_t suppressed;
    std::list<std::string>::iterator position;
  };
  int64_t intervalMs_;
  size_t maxKeys_;
  std::list<std::string> order_;
  std::unordered_map<std::string, State> byKey_;
};

}  // namespace atrium::base
