// Tencent Cloud API 3.0 request signatures, TC3-HMAC-SHA256 (trtc-compat §3): the server-side
// verifier for the TRTC-compatible REST API, and a signer that behaves like the official SDKs.
//
//   CanonicalRequest = Method \n Path \n Query \n CanonicalHeaders \n SignedHeaders \n hex(SHA256(body))
//   StringToSign     = "TC3-HMAC-SHA256" \n X-TC-Timestamp \n <date>/<service>/tc3_request \n
//                      hex(SHA256(CanonicalRequest))
//   kSigning         = HMAC(HMAC(HMAC("TC3" + SecretKey, date), service), "tc3_request")
//   Signature        = hex(HMAC(kSigning, StringToSign))
//
// The verifier tolerates the official clients' differences (§3.3): the Node SDK signs the Host
// without its port, the Go SDK with it; the service is whatever the credential scope names;
// hand-written clients sign extra headers with lower-cased values.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "crypto/crypto.h"

namespace atrium::auth {

// Error codes (base::Error::code): the Tencent Cloud common error codes (trtc-compat §4.5), so
// the API layer can pass them to clients unchanged.
inline constexpr std::string_view kTc3InvalidAuthorization = "AuthFailure.InvalidAuthorization";
inline constexpr std::string_view kTc3SignatureExpire = "AuthFailure.SignatureExpire";
inline constexpr std::string_view kTc3SecretIdNotFound = "AuthFailure.SecretIdNotFound";
inline constexpr std::string_view kTc3SignatureFailure = "AuthFailure.SignatureFailure";

inline constexpr std::string_view kTc3Algorithm = "TC3-HMAC-SHA256";
// X-TC-Content-SHA256 value that replaces the body by this constant in the payload hash.
inline constexpr std::string_view kTc3UnsignedPayload = "UNSIGNED-PAYLOAD";
// Bounds checked before any parsing work; the official SDKs stay far below them.
inline constexpr size_t kTc3MaxAuthorizationChars = 2048;
inline constexpr size_t kTc3MaxSignedHeaders = 20;
inline constexpr int64_t kTc3DefaultMaxSkewSeconds = 300;  // "within 5 minutes" [doc]

struct Tc3Request {
  std::string method;  // as sent, e.g. "POST"
  std::string path;    // URI path as sent, e.g. "/"
  std::string query;   // raw query string without '?', "" when none
  // Names lower-cased (matched case-insensitively anyway), values exactly as received.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct Tc3Verified {
  std::string secretId;
  std::string service;  // from the credential scope: "trtc", or whatever a Node client's endpoint implies
  int64_t timestamp = 0;
  // False when the client sent X-TC-Content-SHA256: UNSIGNED-PAYLOAD: the body is then NOT
  // covered by the signature, and the caller decides whether the action may accept that.
  bool payloadSigned = true;
};

// Returns the secret key of a SecretId, or nullopt when unknown.
using SecretLookup = std::function<std::optional<std::string>(std::string_view secretId)>;

// Verifies the Authorization header of `req`. The first failing check decides the code:
//   1. malformed (Authorization missing, repeated, > 2048 chars or unparsable; SignedHeaders
//      without content-type or host, with upper-case or repeated names, or > 20 names; a signed
//      header missing or repeated in the request; X-TC-Timestamp missing, repeated or not an
//      unsigned integer; credential date != UTC date of X-TC-Timestamp; Signature not 64 hex
//      digits — either case)                                               kTc3InvalidAuthorization
//   2. |nowSeconds - X-TC-Timestamp| > maxSkewSeconds                    kTc3SignatureExpire
//   3. lookup(SecretId) is nullopt                                         kTc3SecretIdNotFound
//   4. signature differs for both Host forms                              kTc3SignatureFailure
base::Result<Tc3Verified> verifyTc3(const Tc3Request& req, const SecretLookup& lookup, int64_t nowSeconds,
                                    int64_t maxSkewSeconds = kTc3DefaultMaxSkewSeconds);

// Signs like the official SDKs (for tests, benchmarks and our own clients): returns the
// Authorization header value. SignedHeaders is "content-type;host" with the request's
// Content-Type header and `signedHost` (the Node SDK passes the host without port, the Go SDK
// with it); X-TC-Content-SHA256: UNSIGNED-PAYLOAD in `req` is honoured.
std::string signTc3(std::string_view secretId, std::string_view secretKey, std::string_view service,
                    const Tc3Request& req, int64_t timestamp, std::string_view signedHost);

// Building blocks, exposed for tests and for clients that sign other header sets.
std::string tc3Date(int64_t unixSeconds);  // UTC "YYYY-MM-DD"
crypto::Digest tc3SigningKey(std::string_view secretKey, std::string_view date, std::string_view service);

}  // namespace atrium::auth
