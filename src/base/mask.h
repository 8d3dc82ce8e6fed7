// PII masking (R11): the only way user ids and IP addresses reach logs, alerts or console output.
#pragma once

#include <string>
#include <string_view>

#include <fmt/format.h>

namespace atrium::base {

// At most 40 % of the id, at most two characters at each end: "alice" -> "a****e",
// "user_0001" -> "u****1", "user_00001" -> "us****01"; ids of 4 bytes or fewer become "****".
std::string maskUserId(std::string_view userId);
// The mask before issue 15 (two characters at each end from 5 bytes on). Only erasure uses it:
// rows written by older versions carry it and must still be found.
std::string legacyMaskUserId(std::string_view userId);
// "203.0.113.7" -> "203.0.113.*"; IPv6 keeps the first three groups: "2001:db8:1:*".
std::string maskIp(std::string_view ip);

// Wrappers that format masked, so call sites cannot forget: log("{}", MaskedUser{id}).
struct MaskedUser { std::string_view value; };
struct MaskedIp { std::string_view value; };

}  // namespace atrium::base

template <>
struct fmt::formatter<atrium::base::MaskedUser> : fmt::formatter<std::string> {
  auto format(const atrium::base::MaskedUser& u, format_context& ctx) const {
    return fmt::formatter<std::string>::format(atrium::base::maskUserId(u.value), ctx);
  }
};
template <>
struct fmt::formatter<atrium::base::MaskedIp> : fmt::formatter<std::string> {
  auto format(const atrium::base::MaskedIp& ip, format_context& ctx) const {
    return fmt::formatter<std::string>::format(atrium::base::maskIp(ip.value), ctx);
  }
};
