// Admission: who may hold a connection slot on a listener before and after it proves itself
// (issue 15, R18). A decision table, not a socket owner: the listener asks, closes what the
// answer names, and reports promotions and closes back. Time comes from the caller.
//
// Two budgets, each with a global and a per-address cap:
//   - pending: connections that have not authenticated yet (TLS handshake, first request, first
//     valid STUN check). These are what a flood creates, so their caps sit well below the
//     descriptor limit. When the global pending cap is full, the *oldest* pending connection is
//     evicted to make room: a flood then only ever holds each slot for cap / rate seconds, and a
//     legitimate client that completes its handshake within that time gets in. A full
//     per-address cap refuses the newcomer instead (evicting would let one address cycle
//     through everybody's slots).
//   - established: connections that have authenticated. A separate budget, so a flood of
//     unauthenticated connections can never push out working clients.
// Addresses are keys chosen by the caller (see addressKey()): IPv4 per address, IPv6 per /64,
// because one host owns a whole /64.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace atrium::base {

struct AdmissionLimits {
  size_t maxPending = 1024;
  size_t maxPendingPerAddress = 32;
  size_t maxEstablished = 10000;
  size_t maxEstablishedPerAddress = 256;
};

enum class AdmitVerdict {
  kAdmit,
  kAdmitEvictingOldest,  // admitted; the caller must close `evicted`
  kRefuseAddressFull,    // this address already holds maxPendingPerAddress pending slots
  kRefuseFull,           // pending budget full and nothing pending to evict (caps of 0)
};

struct AdmitDecision {
  AdmitVerdict verdict = AdmitVerdict::kAdmit;
  uint64_t evicted = 0;  // with kAdmitEvictingOldest: the id to close (already forgotten here)
  bool admitted() const { return verdict == AdmitVerdict::kAdmit || verdict == AdmitVerdict::kAdmitEvictingOldest; }
};

enum class PromoteVerdict {
  kPromoted,
  kEstablishedFull,  // global or per-address established cap reached: the connection stays pending
  kUnknown,          // not admitted here, or already evicted / released
};

// The key connections are counted under: an IPv4 address (or an IPv4-mapped IPv6 one) as is,
// an IPv6 address as its /64 ("2001:db8:1:2::/64"), anything unparsable as itself.
std::string addressKey(std::string_view ip);

class Admission {
 public:
  explicit Admission(AdmissionLimits limits) : limits_(limits) {}

  // A new connection `id` (unique, increasing with time) from address key `address`.
  AdmitDecision admit(uint64_t id, std::string_view address, int64_t nowMs);
  // `id` authenticated: moves it from the pending to the established budget, if there is room.
  PromoteVerdict promote(uint64_t id);
  // `id` closed, in whatever state (no-op when unknown).
  void release(uint64_t id);

  // Pending connections admitted at or before nowMs - timeoutMs, oldest first (they stay
  // admitted until released).
  template <typename Fn>
  void forEachPendingOlderThan(int64_t nowMs, int64_t timeoutMs, Fn&& fn) const {
    for (const auto& [id, e] : pending_) {
      if (e.admittedMs > nowMs - timeoutMs) break;  // ids grow with time: the rest are younger
      fn(id);
    }
  }

  // The oldest pending connection, for a listener whose total is capped elsewhere (ICE-TCP:
  // one cap for both budgets) and must make room itself.
  std::optional<uint64_t> oldestPending() const {
    if (pending_.empty()) return std::nullopt;
    return pending_.begin()->first;
  }
  bool isPending(uint64_t id) const;
  size_t pending() const { return pending_.size(); }
  size_t established() const { return established_.size(); }
  size_t pendingFrom(std::string_view address) const;
  const AdmissionLimits& limits() const { return limits_; }

 private:
  struct Entry {
    std::string address;
    int64_t admittedMs = 0;
  };
  struct Counts {
    size_t pending = 0;
    size_t established = 0;
  };
  void uncount(const std::string& address, bool established);

  AdmissionLimits limits_;
  // Ordered by id = by admission time: pending_.begin() is the oldest pending connection.
  std::map<uint64_t, Entry> pending_;
  std::map<uint64_t, Entry> established_;
  std::unordered_map<std::string, Counts> perAddress_;
};

}  // namespace atrium::base
