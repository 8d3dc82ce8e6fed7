// TC3-HMAC-SHA256 verification and signing (trtc-compat §3).
//
// Why the check order is malformed → expired → unknown SecretId → bad signature: each step only
// needs what the previous ones established, and the cheap, public checks come first, so a
// flood of garbage or replayed-late requests costs neither a secret lookup nor any HMAC.
// An unknown SecretId is reported before the signature because that tells an honest client
// what it got wrong; SecretIds are public identifiers (they travel in clear in every request),
// so this leaks nothing an observer does not already see.
//
// Leniency is deliberate and narrow: whitespace around Authorization fields, hex case of the
// signature, and the Host with or without its port (§3.3). Anything ambiguous — a signed header
// sent twice, duplicate Authorization fields, upper-case SignedHeaders names — is refused as
// malformed rather than guessed at, so that the bytes we verify are the bytes the client meant.
#include "auth/tc3.h"

#include <algorithm>
#include <array>
#include <cstdio>

namespace atrium::auth {
namespace {

constexpr std::string_view kScopeTerminator = "tc3_request";
constexpr std::string_view kSignatureFailureMessage =
    "The provided credentials could not be validated. Please check your signature is correct.";
constexpr size_t kSignatureHexChars = 64;
constexpr size_t kMaxTimestampDigits = 18;  // any value fits in int64_t

base::Error fail(std::string_view code, std::string message) {
  return base::makeError(std::string(code), std::move(message));
}
base::Error malformed(std::string message) { return fail(kTc3InvalidAuthorization, std::move(message)); }

bool isOws(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && isOws(s.front())) s.remove_prefix(1);
  while (!s.empty() && isOws(s.back())) s.remove_suffix(1);
  return s;
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return lower(x) == lower(y);
         });
}

void appendLower(std::string& out, std::string_view s) {
  for (char c : s) out.push_back(lower(c));
}

bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool allDigits(std::string_view s) { return !s.empty() && std::all_of(s.begin(), s.end(), isDigit); }

// RFC 9110 token characters, lower-case letters only: SignedHeaders names as the doc defines them.
bool isLowerTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || isDigit(c)) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// Visible ASCII other than the separators of the Credential value.
bool isScopeChar(char c) { return c > ' ' && c < 0x7f && c != '/' && c != ','; }

enum class Presence { kAbsent, kOnce, kRepeated };
struct HeaderHit {
  Presence presence = Presence::kAbsent;
  std::string_view value;
};

HeaderHit findHeader(const Tc3Request& req, std::string_view name) {
  HeaderHit hit;
  for (const auto& [n, v] : req.headers) {
    if (!equalsIgnoreCase(n, name)) continue;
    if (hit.presence != Presence::kAbsent) return {Presence::kRepeated, {}};
    hit = {Presence::kOnce, v};
  }
  return hit;
}

struct Authorization {
  std::string_view secretId;
  std::string_view date;
  std::string_view service;
  std::string_view signedHeaders;  // the literal list: it is part of the canonical request
  std::vector<std::string_view> headerNames;
  std::array<uint8_t, 32> signature{};
};

int hexDigit(char c) {
  if (isDigit(c)) return c - '0';
  const char l = lower(c);
  return l >= 'a' && l <= 'f' ? l - 'a' + 10 : -1;
}

base::Status parseCredential(std::string_view value, Authorization& out) {
  std::array<std::string_view, 4> parts;
  size_t n = 0;
  while (true) {
    const size_t slash = value.find('/');
    if (n == parts.size()) return malformed("Credential must be <SecretId>/<YYYY-MM-DD>/<service>/tc3_request");
    parts[n++] = value.substr(0, slash);
    if (slash == std::string_view::npos) break;
    value.remove_prefix(slash + 1);
  }
  if (n != parts.size() || parts[3] != kScopeTerminator) {
    return malformed("Credential must be <SecretId>/<YYYY-MM-DD>/<service>/tc3_request");
  }
  for (std::string_view part : {parts[0], parts[2]}) {
    if (part.empty() || !std::all_of(part.begin(), part.end(), isScopeChar)) {
      return malformed("Credential SecretId and service must be non-empty printable ASCII");
    }
  }
  const std::string_view date = parts[1];
  const bool dateShape = date.size() == 10 && date[4] == '-' && date[7] == '-' && allDigits(date.substr(0, 4)) &&
                         allDigits(date.substr(5, 2)) && allDigits(date.substr(8, 2));
  if (!dateShape) return malformed("Credential date must be YYYY-MM-DD");
  out.secretId = parts[0];
  out.date = date;
  out.service = parts[2];
  return base::Ok{};
}

base::Status parseSignedHeaders(std::string_view value, Authorization& out) {
  out.signedHeaders = value;
  while (true) {
    const size_t semi = value.find(';');
    const std::string_view name = value.substr(0, semi);
    if (name.empty() || !std::all_of(name.begin(), name.end(), isLowerTokenChar)) {
      return malformed("SignedHeaders must be lower-case header names separated by ';'");
    }
    if (std::find(out.headerNames.begin(), out.headerNames.end(), name) != out.headerNames.end()) {
      return malformed("SignedHeaders names the header '" + std::string(name) + "' twice");
    }
    if (out.headerNames.size() == kTc3MaxSignedHeaders) {
      return malformed("SignedHeaders lists more than " + std::to_string(kTc3MaxSignedHeaders) + " headers");
    }
    out.headerNames.push_back(name);
    if (semi == std::string_view::npos) break;
    value.remove_prefix(semi + 1);
  }
  for (std::string_view required : {"content-type", "host"}) {
    if (std::find(out.headerNames.begin(), out.headerNames.end(), required) == out.headerNames.end()) {
      return malformed("SignedHeaders must include content-type and host");
    }
  }
  return base::Ok{};
}

base::Status parseSignature(std::string_view value, Authorization& out) {
  if (value.size() != kSignatureHexChars) return malformed("Signature must be 64 hexadecimal digits");
  for (size_t i = 0; i < out.signature.size(); ++i) {
    const int hi = hexDigit(value[2 * i]);
    const int lo = hexDigit(value[2 * i + 1]);
    if (hi < 0 || lo < 0) return malformed("Signature must be 64 hexadecimal digits");
    out.signature[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return base::Ok{};
}

// "TC3-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=..." (fields in any order,
// each exactly once, optional whitespace around them).
base::Result<Authorization> parseAuthorization(std::string_view header) {
  if (header.size() > kTc3MaxAuthorizationChars) {
    return malformed("Authorization header is longer than " + std::to_string(kTc3MaxAuthorizationChars) +
                     " characters");
  }
  header = trim(header);
  if (header.size() <= kTc3Algorithm.size() || header.substr(0, kTc3Algorithm.size()) != kTc3Algorithm ||
      !isOws(header[kTc3Algorithm.size()])) {
    return malformed("Authorization header must start with 'TC3-HMAC-SHA256 '");
  }
  header.remove_prefix(kTc3Algorithm.size());
  Authorization out;
  bool seenCredential = false, seenSignedHeaders = false, seenSignature = false;
  while (true) {
    const size_t comma = header.find(',');
    const std::string_view field = trim(header.substr(0, comma));
    const size_t eq = field.find('=');
    const std::string_view key = field.substr(0, eq);
    const std::string_view value = eq == std::string_view::npos ? std::string_view() : field.substr(eq + 1);
    bool* seen = key == "Credential" ? &seenCredential
                 : key == "SignedHeaders" ? &seenSignedHeaders
                 : key == "Signature" ? &seenSignature
                                          : nullptr;
    if (eq == std::string_view::npos || seen == nullptr) {
      return malformed("Authorization fields must be Credential=, SignedHeaders= and Signature=");
    }
    if (*seen) return malformed("Authorization repeats the field " + std::string(key));
    *seen = true;
    const base::Status parsed = key == "Credential"      ? parseCredential(value, out)
                                : key == "SignedHeaders" ? parseSignedHeaders(value, out)
                                                         : parseSignature(value, out);
    if (!parsed.ok()) return parsed.error();
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  if (!seenCredential || !seenSignedHeaders || !seenSignature) {
    return malformed("Authorization must carry Credential, SignedHeaders and Signature");
  }
  return out;
}

// "host:port" → "host", "[v6]:port" → "[v6]"; nullopt when there is no port to strip.
std::optional<std::string_view> stripPort(std::string_view host) {
  size_t colon;
  if (!host.empty() && host.front() == '[') {
    const size_t close = host.find(']');
    if (close == std::string_view::npos || close + 1 >= host.size() || host[close + 1] != ':') return std::nullopt;
    colon = close + 1;
  } else {
    colon = host.find(':');
    if (colon == std::string_view::npos || host.find(':', colon + 1) != std::string_view::npos) return std::nullopt;
  }
  if (colon == 0 || !allDigits(host.substr(colon + 1))) return std::nullopt;
  return host.substr(0, colon);
}

// hex(SHA256(payload)); X-TC-Content-SHA256: UNSIGNED-PAYLOAD hashes that constant instead.
std::string payloadHash(const Tc3Request& req, bool& payloadSigned) {
  const HeaderHit hit = findHeader(req, "x-tc-content-sha256");
  payloadSigned = !(hit.presence == Presence::kOnce && trim(hit.value) == kTc3UnsignedPayload);
  return crypto::toHex(crypto::sha256(crypto::asBytes(payloadSigned ? std::string_view(req.body)
                                                                    : kTc3UnsignedPayload)));
}

// A signed header's name (lower-cased) and its value as it goes into CanonicalHeaders.
struct CanonicalHeader {
  std::string_view name;
  std::string_view value;  // trimmed, still in the case it was received
};

std::string canonicalRequest(const Tc3Request& req, const std::vector<CanonicalHeader>& headers,
                             std::string_view signedHeaders, std::string_view hashHex) {
  std::string out;
  out.reserve(req.method.size() + req.path.size() + req.query.size() + signedHeaders.size() + hashHex.size() + 256);
  out.append(req.method).append("\n").append(req.path).append("\n").append(req.query).append("\n");
  for (const CanonicalHeader& h : headers) {
    out.append(h.name).push_back(':');
    appendLower(out, h.value);
    out.push_back('\n');
  }
  out.append("\n").append(signedHeaders).append("\n").append(hashHex);
  return out;
}

crypto::Digest signatureOf(const crypto::Digest& signingKey, std::string_view timestamp, std::string_view date,
                           std::string_view service, std::string_view canonical) {
  std::string toSign;
  toSign.reserve(kTc3Algorithm.size() + timestamp.size() + date.size() + service.size() + 96);
  toSign.append(kTc3Algorithm).append("\n").append(timestamp).append("\n");
  toSign.append(date).append("/").append(service).append("/").append(kScopeTerminator).append("\n");
  toSign.append(crypto::toHex(crypto::sha256(crypto::asBytes(canonical))));
  return crypto::hmacSha256(signingKey, crypto::asBytes(toSign));
}

}  // namespace

std::string tc3Date(int64_t unixSeconds) {
  // Days-to-civil conversion (H. Hinnant): exact for every int64 second count, unlike gmtime_r
  // whose time_t and int year can overflow on hostile timestamps.
  int64_t days = unixSeconds / 86400;
  if (unixSeconds % 86400 < 0) --days;
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  char buf[64];  // room for any int64 year
  std::snprintf(buf, sizeof buf, "%04lld-%02d-%02d", static_cast<long long>(year), static_cast<int>(month),
                static_cast<int>(day));
  return buf;
}

crypto::Digest tc3SigningKey(std::string_view secretKey, std::string_view date, std::string_view service) {
  std::string key = "TC3";
  key.append(secretKey);
  const crypto::Digest kDate = crypto::hmacSha256(key, date);
  std::fill(key.begin(), key.end(), '\0');  // best effort: do not leave a second copy of the key around
  const crypto::Digest kService = crypto::hmacSha256(kDate, crypto::asBytes(service));
  return crypto::hmacSha256(kService, crypto::asBytes(kScopeTerminator));
}

base::Result<Tc3Verified> verifyTc3(const Tc3Request& req, const SecretLookup& lookup, int64_t nowSeconds,
                                    int64_t maxSkewSeconds) {
  // 1. Malformed.
  const HeaderHit authHeader = findHeader(req, "authorization");
  if (authHeader.presence == Presence::kAbsent) return malformed("Authorization header is missing");
  if (authHeader.presence == Presence::kRepeated) return malformed("Authorization header is sent more than once");
  auto parsed = parseAuthorization(authHeader.value);
  if (!parsed.ok()) return parsed.error();
  const Authorization& auth = *parsed;

  std::vector<CanonicalHeader> headers;
  headers.reserve(auth.headerNames.size());
  size_t hostIndex = 0;
  for (std::string_view name : auth.headerNames) {
    const HeaderHit hit = findHeader(req, name);
    if (hit.presence == Presence::kAbsent) {
      return malformed("signed header '" + std::string(name) + "' is missing from the request");
    }
    if (hit.presence == Presence::kRepeated) {
      return malformed("signed header '" + std::string(name) + "' is sent more than once");
    }
    if (name == "host") hostIndex = headers.size();
    headers.push_back({name, trim(hit.value)});
  }

  const HeaderHit tsHeader = findHeader(req, "x-tc-timestamp");
  if (tsHeader.presence != Presence::kOnce) return malformed("X-TC-Timestamp header must be sent exactly once");
  const std::string_view tsText = trim(tsHeader.value);
  if (!allDigits(tsText) || tsText.size() > kMaxTimestampDigits) {
    return malformed("X-TC-Timestamp must be a Unix time in seconds");
  }
  int64_t timestamp = 0;
  for (char c : tsText) timestamp = timestamp * 10 + (c - '0');
  const std::string expectedDate = tc3Date(timestamp);
  if (auth.date != expectedDate) {
    return malformed("Credential date " + std::string(auth.date) + " is not the UTC date of X-TC-Timestamp (" +
                     expectedDate + ")");
  }

  // 2. Expired. Unsigned arithmetic: the distance between two int64 values always fits.
  const uint64_t ts = static_cast<uint64_t>(timestamp);
  const uint64_t now = static_cast<uint64_t>(nowSeconds);
  const uint64_t distance = timestamp >= nowSeconds ? ts - now : now - ts;
  const uint64_t limit = static_cast<uint64_t>(std::max<int64_t>(maxSkewSeconds, 0));
  if (distance > limit) {
    return fail(kTc3SignatureExpire, "X-TC-Timestamp is " + std::to_string(distance) +
                                         " s away from the server clock; the limit is " + std::to_string(limit) + " s");
  }

  // 3. Unknown SecretId.
  std::optional<std::string> secretKey = lookup ? lookup(auth.secretId) : std::nullopt;
  if (!secretKey) return fail(kTc3SecretIdNotFound, "the SecretId in the Credential is not known to this server");

  // 4. Signature: the Host as sent first, then without its port (Node SDK, §3.3 quirk 1).
  const crypto::Digest signingKey = tc3SigningKey(*secretKey, auth.date, auth.service);
  std::fill(secretKey->begin(), secretKey->end(), '\0');
  Tc3Verified verified{std::string(auth.secretId), std::string(auth.service), timestamp, true};
  const std::string hashHex = payloadHash(req, verified.payloadSigned);
  const std::string_view sentHost = headers[hostIndex].value;
  std::optional<std::string_view> portless = stripPort(sentHost);
  if (portless) portless = trim(*portless);  // every canonical value is trimmed, this one too
  for (const std::optional<std::string_view>& host : {std::optional<std::string_view>(sentHost), portless}) {
    if (!host) continue;
    headers[hostIndex].value = *host;
    const std::string canonical = canonicalRequest(req, headers, auth.signedHeaders, hashHex);
    const crypto::Digest expected = signatureOf(signingKey, tsText, auth.date, auth.service, canonical);
    if (crypto::constantTimeEqual(expected, auth.signature)) return verified;
  }
  return fail(kTc3SignatureFailure, std::string(kSignatureFailureMessage));
}

std::string signTc3(std::string_view secretId, std::string_view secretKey, std::string_view service,
                    const Tc3Request& req, int64_t timestamp, std::string_view signedHost) {
  constexpr std::string_view kSignedHeaders = "content-type;host";
  const HeaderHit contentType = findHeader(req, "content-type");
  const std::vector<CanonicalHeader> headers{{"content-type", trim(contentType.value)}, {"host", trim(signedHost)}};
  bool payloadSigned = true;
  const std::string hashHex = payloadHash(req, payloadSigned);
  const std::string date = tc3Date(timestamp);
  const std::string tsText = std::to_string(timestamp);
  const crypto::Digest signature = signatureOf(tc3SigningKey(secretKey, date, service), tsText, date, service,
                                               canonicalRequest(req, headers, kSignedHeaders, hashHex));
  std::string out(kTc3Algorithm);
  out.append(" Credential=").append(secretId).append("/").append(date).append("/").append(service);
  out.append("/").append(kScopeTerminator).append(", SignedHeaders=").append(kSignedHeaders);
  out.append(", Signature=").append(crypto::toHex(signature));
  return out;
}

}  // namespace atrium::auth
