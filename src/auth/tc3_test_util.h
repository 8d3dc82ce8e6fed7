// Helpers for the TC3 tests: the captured Node SDK request (trtc-compat §3.6) and an independent
// signer written straight from the §3.2 formulas, so the tests do not check the code against itself.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "auth/tc3.h"
#include "auth/ticket_test_util.h"
#include "crypto/crypto.h"

namespace atrium::auth::testing {

struct Tc3Vector {
  std::string secretId, secretKey, service, hostSent, hostSigned, contentType, body, authorization, signature;
  std::string canonicalRequest, stringToSign, kDate, kService, kSigning;
  int64_t timestamp = 0;
};

inline Tc3Vector loadTc3Vector() {
  const auto doc = loadVectors();
  const auto& v = doc["tc3"];
  Tc3Vector t;
  t.secretId = v["secret_id"];
  t.secretKey = v["secret_key"];
  t.service = v["service"];
  t.hostSent = v["host_header_sent"];
  t.hostSigned = v["host_signed"];
  t.contentType = v["content_type"];
  t.body = v["body"];
  t.authorization = v["authorization"];
  t.signature = v["signature"];
  t.canonicalRequest = v["canonical_request"];
  t.stringToSign = v["string_to_sign"];
  t.kDate = v["k_date"];
  t.kService = v["k_service"];
  t.kSigning = v["k_signing"];
  t.timestamp = v["timestamp"];
  return t;
}

inline void setHeader(Tc3Request& req, std::string name, std::string value) {
  for (auto& [n, v] : req.headers) {
    if (n == name) {
      v = std::move(value);
      return;
    }
  }
  req.headers.emplace_back(std::move(name), std::move(value));
}

inline void removeHeader(Tc3Request& req, std::string_view name) {
  std::erase_if(req.headers, [&](const auto& h) { return h.first == name; });
}

// The request exactly as the Node SDK sent it (§3.1), headers lower-cased by the HTTP layer.
inline Tc3Request capturedRequest(const Tc3Vector& t) {
  Tc3Request req;
  req.method = "POST";
  req.path = "/";
  req.body = t.body;
  req.headers = {{"x-tc-traceid", "6f1e4a0c-2b1d-4c39-9a53-0d2c7c1f9e11"},
                 {"host", t.hostSent},
                 {"x-tc-action", "DismissRoom"},
                 {"x-tc-region", "ap-guangzhou"},
                 {"x-tc-timestamp", std::to_string(t.timestamp)},
                 {"x-tc-version", "2019-07-22"},
                 {"x-tc-requestclient", "SDK_NODEJS_4.1.313"},
                 {"content-type", t.contentType},
                 {"authorization", t.authorization},
                 {"accept", "*/*"},
                 {"content-length", std::to_string(t.body.size())},
                 {"user-agent", "node-fetch/1.0 (+https://github.com/bitinn/node-fetch)"},
                 {"accept-encoding", "gzip,deflate"},
                 {"connection", "close"}};
  return req;
}

// §3.2 step by step from literal inputs; returns the lower-case hex signature.
inline std::string handSign(std::string_view secretKey, std::string_view date, std::string_view service,
                            std::string_view timestamp, std::string_view canonicalRequest) {
  const auto kDate = crypto::hmacSha256("TC3" + std::string(secretKey), date);
  const auto kService = crypto::hmacSha256(kDate, crypto::asBytes(service));
  const auto kSigning = crypto::hmacSha256(kService, crypto::asBytes("tc3_request"));
  const std::string toSign = "TC3-HMAC-SHA256\n" + std::string(timestamp) + "\n" + std::string(date) + "/" +
                             std::string(service) + "/tc3_request\n" +
                             crypto::toHex(crypto::sha256(crypto::asBytes(canonicalRequest)));
  return crypto::toHex(crypto::hmacSha256(kSigning, crypto::asBytes(toSign)));
}

inline std::string hexSha256(std::string_view s) { return crypto::toHex(crypto::sha256(crypto::asBytes(s))); }

inline SecretLookup lookupOf(std::string secretId, std::string secretKey) {
  return [id = std::move(secretId), key = std::move(secretKey)](std::string_view asked) -> std::optional<std::string> {
    if (asked == id) return key;
    return std::nullopt;
  };
}

// Checks the code, and that the message names neither the secret key nor the full signature.
inline void expectTc3Error(const base::Result<Tc3Verified>& r, std::string_view code, std::string_view secretKey,
                           std::string_view signature) {
  ASSERT_FALSE(r.ok()) << "expected " << code;
  EXPECT_EQ(r.error().code, code) << r.error().message;
  EXPECT_FALSE(r.error().message.empty());
  EXPECT_EQ(r.error().message.find(secretKey), std::string::npos) << r.error().message;
  if (signature.size() >= 16) {
    EXPECT_EQ(r.error().message.find(signature), std::string::npos) << r.error().message;
  }
}

}  // namespace atrium::auth::testing
