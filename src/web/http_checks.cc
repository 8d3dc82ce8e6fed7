#include "web/http_checks.h"

namespace atrium::web {

namespace {
bool isBase64Char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}
bool isTchar(char c) {
  if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return true;
  for (char t : std::string_view("!#$%&'*+-.^_`|~"))
    if (c == t) return true;
  return false;
}

bool isDigit(char c) { return c >= '0' && c <= '9'; }

// Longer request lines than this are refused whatever they hold (Beast's header limit is 16 KiB).
constexpr size_t kMaxRequestLine = 8192;

}  // namespace

RequestLine checkRequestLine(std::string_view received) {
  while (received.starts_with("\r\n")) received.remove_prefix(2);
  const size_t lf = received.find('\n');
  if (lf == std::string_view::npos) {
    if (received.size() > kMaxRequestLine) return RequestLine::kInvalid;
    return RequestLine::kIncomplete;
  }
  if (lf == 0 || received[lf - 1] != '\r' || lf > kMaxRequestLine) return RequestLine::kInvalid;
  std::string_view line = received.substr(0, lf - 1);
  const size_t sp1 = line.find(' ');
  const size_t sp2 = line.rfind(' ');
  if (sp1 == std::string_view::npos || sp1 == 0 || sp2 == sp1) return RequestLine::kInvalid;
  for (char c : line.substr(0, sp1))
    if (!isTchar(c)) return RequestLine::kInvalid;
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  if (target.empty()) return RequestLine::kInvalid;
  for (char c : target)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return RequestLine::kInvalid;
  std::string_view version = line.substr(sp2 + 1);
  if (version.size() != 8 || !version.starts_with("HTTP/") || !isDigit(version[5]) || version[6] != '.' ||
      !isDigit(version[7]))
    return RequestLine::kInvalid;
  return RequestLine::kValid;
}

bool isValidWebSocketKey(std::string_view key) {
  // Optional whitespace around a header value is stripped by the parser already.
  if (key.size() != 24 || key[22] != '=' || key[23] != '=') return false;
  for (size_t i = 0; i < 22; ++i)
    if (!isBase64Char(key[i])) return false;
  return true;
}

}  // namespace atrium::web
