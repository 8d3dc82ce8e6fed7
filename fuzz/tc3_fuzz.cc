// Fuzzes the TC3-HMAC-SHA256 verifier with whole requests, Authorization header included.
//
// Input layout: <mode byte> method \0 path \0 query \0 headers \0 body, where headers is
// "name:value" lines separated by '\n' (the value is everything after the first ':', untrimmed)
// and the body is the rest of the input. Missing parts are empty.
// Mode bit 0 set: the request is first re-signed with signTc3 (any Authorization and
// X-TC-Timestamp replaced), which must then verify whenever Content-Type and Host are each sent
// exactly once — this reaches the canonicalisation code with inputs that pass the signature
// check, which random bytes never would. Bit 1 picks the Node style (host signed without port).
// Any crash, sanitizer report or broken invariant is a bug.
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "auth/tc3.h"

namespace {

using namespace atrium;

constexpr std::string_view kSecretId = "AKIDtestSecretId";
constexpr std::string_view kSecretKey = "testSecretKey0123456789";
constexpr int64_t kNow = 1700000000;

void check(bool invariant) {
  if (!invariant) std::abort();
}

std::optional<std::string> lookup(std::string_view secretId) {
  if (secretId == kSecretId) return std::string(kSecretKey);
  return std::nullopt;
}

std::string_view nextPart(std::string_view& rest, char separator) {
  const size_t at = rest.find(separator);
  const std::string_view part = rest.substr(0, at);
  rest = at == std::string_view::npos ? std::string_view() : rest.substr(at + 1);
  return part;
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

bool sameName(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

size_t countHeader(const auth::Tc3Request& req, std::string_view name, std::string_view* value) {
  size_t n = 0;
  for (const auto& [k, v] : req.headers) {
    if (!sameName(k, name)) continue;
    ++n;
    if (value != nullptr) *value = v;
  }
  return n;
}

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool isPort(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// What the Node SDK signs for a Host header (trtc-compat §3.3): "name:port" → "name" and
// "[v6]:port" → "[v6]"; anything else is signed as sent.
std::string_view portless(std::string_view host) {
  if (!host.empty() && host.front() == '[') {
    const size_t close = host.find(']');
    if (close != std::string_view::npos && close + 1 < host.size() && host[close + 1] == ':' &&
        isPort(host.substr(close + 2))) {
      return host.substr(0, close + 1);
    }
    return host;
  }
  const size_t colon = host.find(':');
  if (colon == 0 || colon == std::string_view::npos || host.find(':', colon + 1) != std::string_view::npos ||
      !isPort(host.substr(colon + 1))) {
    return host;
  }
  return host.substr(0, colon);
}

void checkResult(const base::Result<auth::Tc3Verified>& r) {
  if (r.ok()) {
    check(r->secretId == kSecretId);
    check(r->timestamp >= kNow - auth::kTc3DefaultMaxSkewSeconds &&
          r->timestamp <= kNow + auth::kTc3DefaultMaxSkewSeconds);
    return;
  }
  const std::string& code = r.error().code;
  check(code == auth::kTc3InvalidAuthorization || code == auth::kTc3SignatureExpire ||
        code == auth::kTc3SecretIdNotFound || code == auth::kTc3SignatureFailure);
  check(!r.error().message.empty());
  check(r.error().message.find(kSecretKey) == std::string::npos);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  auth::Tc3Request req;
  req.method = nextPart(rest, '\0');
  req.path = nextPart(rest, '\0');
  req.query = nextPart(rest, '\0');
  std::string_view headers = nextPart(rest, '\0');
  req.body = rest;
  while (!headers.empty()) {
    std::string_view line = nextPart(headers, '\n');
    const std::string_view name = nextPart(line, ':');
    req.headers.emplace_back(std::string(name), std::string(line));
  }

  if ((mode & 1) == 0) {
    const auto r = auth::verifyTc3(req, lookup, kNow);
    checkResult(r);
    // Verification is a pure function of its inputs.
    const auto again = auth::verifyTc3(req, lookup, kNow);
    check(r.ok() == again.ok() && (r.ok() || r.error().code == again.error().code));
    return 0;
  }

  std::erase_if(req.headers, [](const auto& h) {
    return sameName(h.first, "authorization") || sameName(h.first, "x-tc-timestamp");
  });
  std::string_view host, contentType;
  const bool signable = countHeader(req, "host", &host) == 1 && countHeader(req, "content-type", &contentType) == 1;
  const std::string_view signedHost = (mode & 2) != 0 ? portless(trimmed(host)) : trimmed(host);
  const std::string signedHostCopy(signedHost);  // `host` points into req.headers, which grows below
  req.headers.emplace_back("x-tc-timestamp", std::to_string(kNow));
  req.headers.emplace_back("authorization", auth::signTc3(kSecretId, kSecretKey, "trtc", req, kNow, signedHostCopy));
  const auto r = auth::verifyTc3(req, lookup, kNow);
  checkResult(r);
  if (signable) check(r.ok());
  return 0;
}
