#include "base/admission.h"

#include <arpa/inet.h>

#include <cstring>

namespace atrium::base {

std::string addressKey(std::string_view ip) {
  std::string text(ip);
  in6_addr v6{};
  if (text.find(':') == std::string::npos || inet_pton(AF_INET6, text.c_str(), &v6) != 1) return text;
  static const uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(v6.s6_addr, kMapped, sizeof kMapped) == 0) {
    char buf[INET_ADDRSTRLEN];
    return inet_ntop(AF_INET, v6.s6_addr + 12, buf, sizeof buf) ? std::string(buf) : text;
  }
  std::memset(v6.s6_addr + 8, 0, 8);  // one host owns a /64
  char buf[INET6_ADDRSTRLEN];
  if (!inet_ntop(AF_INET6, &v6, buf, sizeof buf)) return text;
  return std::string(buf) + "/64";
}

AdmitDecision Admission::admit(uint64_t id, std::string_view address, int64_t nowMs) {
  std::string key(address);
  Counts& counts = perAddress_[key];
  if (counts.pending >= limits_.maxPendingPerAddress) {
    if (counts.pending == 0 && counts.established == 0) perAddress_.erase(key);
    return {AdmitVerdict::kRefuseAddressFull, 0};
  }
  AdmitDecision decision;
  if (pending_.size() >= limits_.maxPending) {
    if (pending_.empty()) {
      if (counts.pending == 0 && counts.established == 0) perAddress_.erase(key);
      return {AdmitVerdict::kRefuseFull, 0};
    }
    auto oldest = pending_.begin();
    decision = {AdmitVerdict::kAdmitEvictingOldest, oldest->first};
    // `counts` may be the evicted one's: count the newcomer only after uncounting.
    std::string evictedAddress = std::move(oldest->second.address);
    pending_.erase(oldest);
    uncount(evictedAddress, false);
  }
  ++perAddress_[key].pending;
  pending_.emplace(id, Entry{std::move(key), nowMs});
  return decision;
}

PromoteVerdict Admission::promote(uint64_t id) {
  auto it = pending_.find(id);
  if (it == pending_.end()) return established_.contains(id) ? PromoteVerdict::kPromoted : PromoteVerdict::kUnknown;
  Counts& counts = perAddress_[it->second.address];
  if (established_.size() >= limits_.maxEstablished || counts.established >= limits_.maxEstablishedPerAddress)
    return PromoteVerdict::kEstablishedFull;
  --counts.pending;
  ++counts.established;
  established_.insert(pending_.extract(it));
  return PromoteVerdict::kPromoted;
}

void Admission::release(uint64_t id) {
  if (auto it = pending_.find(id); it != pending_.end()) {
    std::string address = std::move(it->second.address);
    pending_.erase(it);
    uncount(address, false);
  } else if (auto est = established_.find(id); est != established_.end()) {
    std::string address = std::move(est->second.address);
    established_.erase(est);
    uncount(address, true);
  }
}

bool Admission::isPending(uint64_t id) const { return pending_.contains(id); }

size_t Admission::pendingFrom(std::string_view address) const {
  auto it = perAddress_.find(std::string(address));
  return it == perAddress_.end() ? 0 : it->second.pending;
}

void Admission::uncount(const std::string& address, bool established) {
  auto it = perAddress_.find(address);
  if (it == perAddress_.end()) return;
  (established ? it->second.established : it->second.pending) -= 1;
  if (it->second.pending == 0 && it->second.established == 0) perAddress_.erase(it);
}

}  // namespace atrium::base
