// Helpers for the auth tests: the vector file and hand-built (possibly hostile) tickets.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "auth/ticket.h"
#include "crypto/crypto.h"

namespace atrium::auth::testing {

inline nlohmann::json loadVectors() {
  std::ifstream in(std::string(ATRIUM_TEST_DATA) + "/trtc-vectors.json");
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json doc = nlohmann::json::parse(text.str(), nullptr, false);
  EXPECT_TRUE(doc.is_object()) << "cannot read " << ATRIUM_TEST_DATA << "/trtc-vectors.json";
  return doc;
}

// base64url'(zlib(text)) for any text, valid JSON or not.
inline std::string packTicket(std::string_view text, int level = 6) {
  std::string b64 = crypto::base64Encode(crypto::zlibCompress(crypto::asBytes(text), level));
  for (char& c : b64) c = c == '+' ? '*' : c == '/' ? '-' : c == '=' ? '_' : c;
  return b64;
}

inline std::string inflateTicket(std::string_view token) {
  std::string b64(token);
  for (char& c : b64) c = c == '*' ? '+' : c == '-' ? '/' : c == '_' ? '=' : c;
  const auto packed = crypto::base64Decode(b64);
  if (!packed) return {};
  const auto text = crypto::zlibInflate(*packed, 1 << 20);
  return text ? std::string(text->begin(), text->end()) : std::string();
}

inline std::string signFields(std::string_view key, std::string_view id, uint64_t app, int64_t time, int64_t expire,
                              const std::string* userbuf) {
  std::string content = "TLS.identifier:" + std::string(id) + "\nTLS.sdkappid:" + std::to_string(app) +
                        "\nTLS.time:" + std::to_string(time) + "\nTLS.expire:" + std::to_string(expire) + "\n";
  if (userbuf != nullptr) content += "TLS.userbuf:" + *userbuf + "\n";
  return crypto::base64Encode(crypto::hmacSha256(key, content));
}

// A correctly signed ticket in the C++ library's key order, from arbitrary field values.
inline nlohmann::ordered_json signedDoc(std::string_view key, std::string_view id, uint64_t app, int64_t time,
                                        int64_t expire, const std::string* userbuf = nullptr) {
  nlohmann::ordered_json doc;
  doc["TLS.ver"] = "2.0";
  doc["TLS.sdkappid"] = app;
  doc["TLS.identifier"] = id;
  doc["TLS.time"] = time;
  doc["TLS.expire"] = expire;
  if (userbuf != nullptr) doc["TLS.userbuf"] = *userbuf;
  doc["TLS.sig"] = signFields(key, id, app, time, expire, userbuf);
  return doc;
}

inline std::string userbufBase64(const UserBuf& buf) {
  return crypto::base64Encode(crypto::asBytes(encodeUserBuf(buf)));
}

// Checks the code and that the message leaks neither the ticket nor the key.
template <typename T>
void expectError(const base::Result<T>& r, std::string_view code, std::string_view token, std::string_view key) {
  ASSERT_FALSE(r.ok()) << "expected " << code;
  EXPECT_EQ(r.error().code, code) << r.error().message;
  EXPECT_FALSE(r.error().message.empty());
  if (token.size() >= 8) {
    EXPECT_EQ(r.error().message.find(token), std::string::npos);
  }
  if (key.size() >= 8) {
    EXPECT_EQ(r.error().message.find(key), std::string::npos);
  }
}

}  // namespace atrium::auth::testing
