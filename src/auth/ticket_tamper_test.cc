// Hostile and odd tickets: every rejection has its own code, every tolerated encoding verifies.
#include <gtest/gtest.h>

#include "auth/ticket.h"
#include "auth/ticket_test_util.h"

namespace atrium::auth {
namespace {

using testing::expectError;
using testing::packTicket;
using testing::signedDoc;

constexpr uint32_t kApp = 1400000000;
constexpr std::string_view kKey = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";
constexpr std::string_view kUser = "xiaojun";
constexpr int64_t kTime = 1700000000;
constexpr int64_t kExpire = 15552000;
// V1 of trtc-compat §1.5, as the npm package wrote it.
constexpr std::string_view kV1 =
    "eJyrVgrxCdYrSy1SslIy0jNQ0gHzM1NS80oy0zLBwhWZiflZpXlQqeKU7MSCgswUJStDEwMogMiUZOamKlkZmqOKplYUZBaBxE1NTY3gos"
    "WZ6UpWSj5ljuYp*p7l5unBxXnF2WVhVU4uAf7Ozi5JpX7O5SbuHuUhzgZJmQXaTia2SrUAohcx8g__";

base::Result<VerifiedTicket> verify(std::string_view token, int64_t now = kTime) {
  return verifyUserSig(token, kApp, kKey, kUser, now);
}

void expectUserSigError(std::string_view token, std::string_view code) {
  expectError(verify(token), code, token, kKey);
}

TEST(TicketTamper, FlippedSignatureByteIsBadSignature) {
  auto doc = nlohmann::json::parse(testing::inflateTicket(kV1));
  auto sig = *crypto::base64Decode(doc["TLS.sig"].get<std::string>());
  for (size_t i : {size_t{0}, size_t{13}, size_t{31}}) {
    auto flipped = sig;
    flipped[i] ^= 0x01;
    doc["TLS.sig"] = crypto::base64Encode(flipped);
    expectUserSigError(packTicket(doc.dump()), kTicketBadSignature);
  }
}

TEST(TicketTamper, EditedFieldsBreakTheSignature) {
  const auto original = nlohmann::json::parse(testing::inflateTicket(kV1));
  auto doc = original;
  doc["TLS.expire"] = kExpire + 1;
  expectUserSigError(packTicket(doc.dump()), kTicketBadSignature);
  doc = original;
  doc["TLS.time"] = kTime + 1;
  expectUserSigError(packTicket(doc.dump()), kTicketBadSignature);
  doc = original;
  doc["TLS.identifier"] = "mallory";
  const std::string token = packTicket(doc.dump());
  expectError(verifyUserSig(token, kApp, kKey, "mallory", kTime), kTicketBadSignature, token, kKey);
  doc = original;
  doc["TLS.sdkappid"] = kApp + 1;
  const std::string otherApp = packTicket(doc.dump());
  expectError(verifyUserSig(otherApp, kApp + 1, kKey, kUser, kTime), kTicketBadSignature, otherApp, kKey);
  expectError(verifyUserSig(kV1, kApp, "another-secret-key-000000", kUser, kTime), kTicketBadSignature, kV1, kKey);
}

TEST(TicketTamper, WrongUserAndWrongApp) {
  expectError(verifyUserSig(kV1, kApp, kKey, "xiaojun2", kTime), kTicketWrongUser, kV1, kKey);
  expectError(verifyUserSig(kV1, kApp, kKey, "XIAOJUN", kTime), kTicketWrongUser, kV1, kKey);
  expectError(verifyUserSig(kV1, kApp + 1, kKey, kUser, kTime), kTicketWrongApp, kV1, kKey);
  // Precedence: app before user before signature before expiry.
  expectError(verifyUserSig(kV1, kApp + 1, "wrong-key-0000000", "other", kTime + kExpire + 9), kTicketWrongApp, kV1, kKey);
  expectError(verifyUserSig(kV1, kApp, "wrong-key-0000000", "other", kTime + kExpire + 9), kTicketWrongUser, kV1, kKey);
  expectError(verifyUserSig(kV1, kApp, "wrong-key-0000000", kUser, kTime + kExpire + 9), kTicketBadSignature, kV1, kKey);
}

TEST(TicketTamper, BrokenEncodingsAreMalformed) {
  expectUserSigError("", kTicketEmpty);
  expectUserSigError(kV1.substr(0, kV1.size() - 1), kTicketMalformed);   // base64 length
  expectUserSigError(kV1.substr(0, kV1.size() - 12), kTicketMalformed);  // zlib stream cut short
  expectUserSigError("not a ticket at all!", kTicketMalformed);
  expectUserSigError("eJyrVgrxCdYr$y1SslIy", kTicketMalformed);
  std::string plainJson = crypto::base64Encode(crypto::asBytes(testing::inflateTicket(kV1)));
  expectUserSigError(plainJson, kTicketMalformed);  // base64 of JSON without zlib
  expectUserSigError(std::string(kMaxTicketChars + 4, 'A'), kTicketMalformed);
  // A compression bomb: small token, huge JSON (padding whitespace is legal JSON).
  const std::string padded = std::string(kMaxTicketJsonBytes, ' ') + testing::inflateTicket(kV1);
  const std::string bomb = packTicket(padded, 9);
  ASSERT_LT(bomb.size(), kMaxTicketChars);
  expectUserSigError(bomb, kTicketMalformed);
}

TEST(TicketTamper, PayloadMustBeAnObjectWithTypedFields) {
  for (std::string_view text : {"[1,2,3]", "\"TLS.sig\"", "null", "42", "{", "{\"TLS.ver\":\"2.0\",}", "",
                                "{} {}", "{\"TLS.identifier\":\"\xff\"}"}) {
    expectUserSigError(packTicket(text), kTicketMalformed);
  }
  const auto original = signedDoc(kKey, kUser, kApp, kTime, kExpire);
  ASSERT_TRUE(verify(packTicket(original.dump())).ok());
  for (const char* name : {"TLS.ver", "TLS.identifier", "TLS.sdkappid", "TLS.time", "TLS.expire", "TLS.sig"}) {
    auto doc = original;
    doc.erase(name);
    expectUserSigError(packTicket(doc.dump()), kTicketMalformed);
  }
  const std::pair<const char*, nlohmann::ordered_json> wrongTypes[] = {
      {"TLS.ver", 2.0},
      {"TLS.identifier", 12345},
      {"TLS.sdkappid", "1400000000"},
      {"TLS.sdkappid", -1},
      {"TLS.sdkappid", 1400000000.0},
      {"TLS.time", 1.7e9},
      {"TLS.time", -5},
      {"TLS.time", "1700000000"},
      {"TLS.time", uint64_t{1} << 50},
      {"TLS.expire", -1},
      {"TLS.expire", nullptr},
      {"TLS.expire", nlohmann::ordered_json::array({1})},
      {"TLS.sig", 7},
      {"TLS.sig", "c2hvcnQ="},          // valid base64, but not 32 bytes
      {"TLS.sig", "not base64!"},
      {"TLS.userbuf", 5},
      {"TLS.userbuf", "%%%"},
  };
  for (const auto& [name, value] : wrongTypes) {
    auto doc = original;
    doc[name] = value;
    SCOPED_TRACE(doc.dump());
    expectUserSigError(packTicket(doc.dump()), kTicketMalformed);
  }
}

TEST(TicketTamper, ToleratesEveryOfficialEncoderShape) {
  const auto doc = signedDoc(kKey, kUser, kApp, kTime, kExpire);
  // Pretty-printed (Python-like separators), trailing newline (Go), every zlib level.
  for (int level : {0, 1, 2, 6, 9}) {
    EXPECT_TRUE(verify(packTicket(doc.dump(), level)).ok()) << level;
    EXPECT_TRUE(verify(packTicket(doc.dump(2) + "\n", level)).ok()) << level;
  }
  // PHP escapes '/' inside the signature; unknown extra fields are ignored.
  std::string phpStyle = doc.dump();
  for (size_t at = phpStyle.find('/'); at != std::string::npos; at = phpStyle.find('/', at + 2)) {
    phpStyle.replace(at, 1, "\\/");
  }
  ASSERT_NE(phpStyle.find("\\/"), std::string::npos);
  EXPECT_TRUE(verify(packTicket(phpStyle)).ok());
  auto extra = doc;
  extra["TLS.extra"] = {{"nested", true}};
  EXPECT_TRUE(verify(packTicket(extra.dump())).ok());
  // Standard base64 characters in place of * - _ are tolerated, as the Go and PHP verifiers do.
  std::string standard(kV1);
  for (char& c : standard) c = c == '*' ? '+' : c == '-' ? '/' : c == '_' ? '=' : c;
  EXPECT_TRUE(verify(standard).ok());
}

TEST(TicketTamper, UserbufOnPlainUserSigIsRefused) {
  UserBuf buf;
  buf.account = std::string(kUser);
  buf.sdkAppId = kApp;
  const std::string ub = testing::userbufBase64(buf);
  const std::string token = packTicket(signedDoc(kKey, kUser, kApp, kTime, kExpire, &ub).dump());
  expectUserSigError(token, kTicketUnexpectedUserbuf);
}

TEST(TicketTamper, FutureTicketsBeyondADayAreMalformed) {
  const int64_t now = kTime;
  const auto later = [&](int64_t t) { return packTicket(signedDoc(kKey, kUser, kApp, t, 3600).dump()); };
  EXPECT_TRUE(verify(later(now + 24 * 3600), now).ok());
  expectUserSigError(later(now + 24 * 3600 + 1), kTicketMalformed);
  EXPECT_TRUE(verifyUserSig(later(now + 24 * 3600 + 30), kApp, kKey, kUser, now, 30).ok());
  // A huge "now" from the caller must not overflow anything.
  expectError(verifyUserSig(kV1, kApp, kKey, kUser, INT64_MAX, INT64_MAX), kTicketExpired, kV1, kKey);
  EXPECT_TRUE(verifyUserSig(kV1, kApp, kKey, kUser, kTime, -100).ok());
}

}  // namespace
}  // namespace atrium::auth
