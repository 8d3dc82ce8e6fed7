// WriteHealth: whether the writes the control path makes reach the store. Each write site reports
// its outcome; a kind whose latest write failed (within kFailingForMs) makes the node not ready
// (/readyz 503, atrium_store_writes_failing 1), and every failure is counted per kind. A store
// failure — a full disk, a database that is down — is thus never silent, even where the request
// that caused the write still succeeds (issue 10).
//
// Thread-safe: the control thread, the callback dispatcher and the quality writer report.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "base/clock.h"

namespace atrium::store {

enum class StoreWrite : uint8_t { kEntry, kRoomEvent, kCallback, kAudit, kQuality, kCount };

inline const char* storeWriteName(StoreWrite w) {
  static constexpr const char* kNames[] = {"entry", "room_event", "callback", "audit", "quality"};
  return kNames[static_cast<size_t>(w)];
}

class WriteHealth {
 public:
  static constexpr size_t kKinds = static_cast<size_t>(StoreWrite::kCount);
  // A failure with no write of its kind after it stops counting as "failing" this long after:
  // some kinds are rare (audit comes only with API calls), and readiness must not stay red for
  // hours after the store recovered just because no such write came since.
  static constexpr int64_t kFailingForMs = 60'000;

  explicit WriteHealth(base::Clock& clock) : clock_(clock) {}

  void record(StoreWrite what, bool ok) {
    const int64_t nowMs = clock_.steadyMs();
    Kind& k = kinds_[static_cast<size_t>(what)];
    if (ok) {
      k.failing.store(false, std::memory_order_relaxed);
      return;
    }
    k.failures.fetch_add(1, std::memory_order_relaxed);
    k.lastFailureMs.store(nowMs, std::memory_order_relaxed);
    k.failing.store(true, std::memory_order_relaxed);
  }

  // True while some kind's latest write failed less than kFailingForMs ago.
  bool failing() const {
    const int64_t nowMs = clock_.steadyMs();
    for (const Kind& k : kinds_)
      if (k.failing.load(std::memory_order_relaxed) &&
          nowMs - k.lastFailureMs.load(std::memory_order_relaxed) < kFailingForMs)
        return true;
    return false;
  }

  uint64_t failures(StoreWrite what) const {
    return kinds_[static_cast<size_t>(what)].failures.load(std::memory_order_relaxed);
  }

 private:
  struct Kind {
    std::atomic<uint64_t> failures{0};
    std::atomic<int64_t> lastFailureMs{0};
    std::atomic<bool> failing{false};  // its latest write failed
  };
  base::Clock& clock_;
  std::array<Kind, kKinds> kinds_{};
};

}  // namespace atrium::store
