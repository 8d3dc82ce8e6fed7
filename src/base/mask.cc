#include "base/mask.h"

namespace atrium::base {

std::string maskUserId(std::string_view userId) {
  // Show at most 40 % of the id and never more than two characters at each end, so a short id
  // ("alice") cannot be guessed from its mask: 0-4 bytes show nothing, 5-9 one at each end,
  // 10 and more two at each end. The "****" in the middle hides the length too.
  const size_t keep = userId.size() <= 4 ? 0 : userId.size() <= 9 ? 1 : 2;
  if (keep == 0) return "****";
  std::string out(userId.substr(0, keep));
  out += "****";
  out += userId.substr(userId.size() - keep);
  return out;
}

std::string legacyMaskUserId(std::string_view userId) {
  if (userId.size() <= 4) return "****";
  return std::string(userId.substr(0, 2)) + "****" + std::string(userId.substr(userId.size() - 2));
}

std::string maskIp(std::string_view ip) {
  // Strip a port or brackets the caller may have left on ("[::1]:443", "1.2.3.4:80").
  if (!ip.empty() && ip.front() == '[') {
    auto close = ip.find(']');
    ip = ip.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1);
  }
  if (ip.find(':') == std::string_view::npos || ip.find('.') != std::string_view::npos) {
    // IPv4 (possibly with :port or as ::ffff:a.b.c.d): keep everything up to the last dot.
    auto colon = ip.rfind(':');
    if (colon != std::string_view::npos && ip.find('.') != std::string_view::npos && colon > ip.rfind('.'))
      ip = ip.substr(0, colon);
    auto dot = ip.rfind('.');
    if (dot == std::string_view::npos) return "*";
    return std::string(ip.substr(0, dot)) + ".*";
  }
  // IPv6: keep three groups.
  std::string out;
  size_t pos = 0;
  for (int groups = 0; groups < 3; ++groups) {
    auto next = ip.find(':', pos);
    if (next == std::string_view::npos || next == pos) break;
    out.append(ip.substr(pos, next - pos)).push_back(':');
    pos = next + 1;
  }
  return out + "*";
}

}  // namespace atrium::base
