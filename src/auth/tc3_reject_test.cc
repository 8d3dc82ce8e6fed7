// TC3-HMAC-SHA256 failures: each gets its Tencent Cloud code, in the documented order
// (malformed → expired → unknown SecretId → bad signature), without leaking key or signature.
//
// Signature shape decision: a Signature that is not exactly 64 hex digits (wrong length, a
// non-hex character) is AuthFailure.InvalidAuthorization; 64 hex digits of the wrong value are
// AuthFailure.SignatureFailure. Hex case is ignored.
#include <gtest/gtest.h>

#include "auth/tc3.h"
#include "auth/tc3_test_util.h"

namespace atrium::auth {
namespace {

using testing::capturedRequest;
using testing::expectTc3Error;
using testing::loadTc3Vector;
using testing::lookupOf;
using testing::removeHeader;
using testing::setHeader;

class Tc3Reject : public ::testing::Test {
 protected:
  base::Result<Tc3Verified> verify(const Tc3Request& req, int64_t now) {
    return verifyTc3(req, [this](std::string_view id) {
      ++lookups_;
      return lookupOf(t_.secretId, t_.secretKey)(id);
    }, now);
  }
  base::Result<Tc3Verified> verify(const Tc3Request& req) { return verify(req, t_.timestamp); }
  void expectCode(const Tc3Request& req, std::string_view code, int64_t now) {
    expectTc3Error(verify(req, now), code, t_.secretKey, t_.signature);
  }
  void expectCode(const Tc3Request& req, std::string_view code) { expectCode(req, code, t_.timestamp); }
  Tc3Request withAuthorization(std::string value) const {
    Tc3Request req = capturedRequest(t_);
    setHeader(req, "authorization", std::move(value));
    return req;
  }

  const testing::Tc3Vector t_ = loadTc3Vector();
  const Tc3Request good_ = capturedRequest(t_);
  int lookups_ = 0;
};

TEST_F(Tc3Reject, WrongKeyIsSignatureFailure) {
  const auto r = verifyTc3(good_, lookupOf(t_.secretId, "testSecretKey0123456788"), t_.timestamp);
  expectTc3Error(r, kTc3SignatureFailure, "testSecretKey0123456788", t_.signature);
  EXPECT_EQ(r.error().message.find(t_.secretKey), std::string::npos);
}

TEST_F(Tc3Reject, TamperedRequestIsSignatureFailure) {
  Tc3Request req = good_;
  req.body = R"({"SdkAppId":1400000000,"RoomId":12346})";
  expectCode(req, kTc3SignatureFailure);
  req = good_;
  req.body += " ";
  expectCode(req, kTc3SignatureFailure);
  req = good_;
  req.method = "PUT";
  expectCode(req, kTc3SignatureFailure);
  req = good_;
  req.path = "/v2";
  expectCode(req, kTc3SignatureFailure);
  req = good_;
  req.query = "a=b";
  expectCode(req, kTc3SignatureFailure);
  req = good_;
  setHeader(req, "content-type", "text/plain");
  expectCode(req, kTc3SignatureFailure);
  req = good_;
  setHeader(req, "host", "evil.example.com:18080");  // neither form matches
  expectCode(req, kTc3SignatureFailure);
  req = good_;
  setHeader(req, "host", "trtc.tencentcloudapi.com:x18080");  // not a port: nothing to strip
  expectCode(req, kTc3SignatureFailure);
  req = good_;
  setHeader(req, "x-tc-content-sha256", "UNSIGNED-PAYLOAD");  // cannot be added after signing
  expectCode(req, kTc3SignatureFailure);
}

TEST_F(Tc3Reject, TamperedScopeIsSignatureFailure) {
  // Another service, or another SecretId with the same key, changes kSigning or nothing at all:
  // the service must change the signature; the SecretId is only looked up.
  expectCode(withAuthorization("TC3-HMAC-SHA256 Credential=AKIDtestSecretId/2023-11-14/trtd/tc3_request, "
                               "SignedHeaders=content-type;host, Signature=" + t_.signature),
             kTc3SignatureFailure);
}

TEST_F(Tc3Reject, WrongSignatureValueIsSignatureFailure) {
  std::string sig = t_.signature;
  sig[10] = sig[10] == '0' ? '1' : '0';
  expectCode(withAuthorization("TC3-HMAC-SHA256 Credential=AKIDtestSecretId/2023-11-14/trtc/tc3_request, "
                               "SignedHeaders=content-type;host, Signature=" + sig),
             kTc3SignatureFailure);
  expectCode(withAuthorization("TC3-HMAC-SHA256 Credential=AKIDtestSecretId/2023-11-14/trtc/tc3_request, "
                               "SignedHeaders=content-type;host, Signature=" + std::string(64, '0')),
             kTc3SignatureFailure);
}

TEST_F(Tc3Reject, UnknownSecretId) {
  expectCode(withAuthorization("TC3-HMAC-SHA256 Credential=AKIDother/2023-11-14/trtc/tc3_request, "
                               "SignedHeaders=content-type;host, Signature=" + t_.signature),
             kTc3SecretIdNotFound);
  EXPECT_EQ(lookups_, 1);
  EXPECT_EQ(verifyTc3(good_, SecretLookup(), t_.timestamp).error().code, kTc3SecretIdNotFound);
}

TEST_F(Tc3Reject, TimestampSkewBoundaryIsThreeHundredSeconds) {
  for (int64_t delta : {-300, -1, 0, 1, 300}) {
    SCOPED_TRACE(delta);
    EXPECT_TRUE(verify(good_, t_.timestamp + delta).ok());
  }
  for (int64_t delta : {-301, 301, -86400, 86400}) {
    SCOPED_TRACE(delta);
    expectCode(good_, kTc3SignatureExpire, t_.timestamp + delta);
  }
  EXPECT_EQ(verifyTc3(good_, lookupOf(t_.secretId, t_.secretKey), t_.timestamp + 61, 60).error().code,
            kTc3SignatureExpire);
  EXPECT_TRUE(verifyTc3(good_, lookupOf(t_.secretId, t_.secretKey), t_.timestamp + 60, 60).ok());
  // Hostile clocks do not overflow the distance.
  expectCode(good_, kTc3SignatureExpire, INT64_MIN);
  expectCode(good_, kTc3SignatureExpire, INT64_MAX);
}

TEST_F(Tc3Reject, GarbageAuthorizationIsInvalidAuthorization) {
  const std::string sig = t_.signature;
  const std::string cred = "Credential=AKIDtestSecretId/2023-11-14/trtc/tc3_request";
  const std::string sh = "SignedHeaders=content-type;host";
  const std::vector<std::string> cases = {
      "",
      "SKIP",
      "TC3-HMAC-SHA256",
      "TC3-HMAC-SHA256 ",
      "TC3-HMAC-SHA256" + cred + ", " + sh + ", Signature=" + sig,  // no space after the algorithm
      "TC3-HMAC-SHA1 " + cred + ", " + sh + ", Signature=" + sig,
      "tc3-hmac-sha256 " + cred + ", " + sh + ", Signature=" + sig,
      "Bearer abc",
      "TC3-HMAC-SHA256 " + sh + ", Signature=" + sig,          // no Credential
      "TC3-HMAC-SHA256 " + cred + ", Signature=" + sig,        // no SignedHeaders
      "TC3-HMAC-SHA256 " + cred + ", " + sh,                   // no Signature
      "TC3-HMAC-SHA256 " + cred + ", " + sh + ", Signature=" + sig + ", Signature=" + sig,
      "TC3-HMAC-SHA256 " + cred + ", " + sh + ", Signature=" + sig + ", Extra=1",
      "TC3-HMAC-SHA256 " + cred + ", " + sh + ", Signature=" + sig + ",",
      "TC3-HMAC-SHA256 " + cred + ", " + sh + ", Signature " + sig,
      "TC3-HMAC-SHA256 credential=AKIDtestSecretId/2023-11-14/trtc/tc3_request, " + sh + ", Signature=" + sig,
      "TC3-HMAC-SHA256 Credential=AKIDtestSecretId/2023-11-14/trtc, " + sh + ", Signature=" + sig,
      "TC3-HMAC-SHA256 Credential=AKIDtestSecretId/2023-11-14/trtc/tc3_requests, " + sh + ", Signature=" + sig,
      "TC3-HMAC-SHA256 Credential=AKIDtestSecretId/2023-11-14/trtc/tc3_request/x, " + sh + ", Signature=" + sig,
      "TC3-HMAC-SHA256 Credential=/2023-11-14/trtc/tc3_request, " + sh + ", Signature=" + sig,
      "TC3-HMAC-SHA256 Credential=AKIDtestSecretId/2023-11-14//tc3_request, " + sh + ", Signature=" + sig,
      "TC3-HMAC-SHA256 Credential=AKID test/2023-11-14/trtc/tc3_request, " + sh + ", Signature=" + sig,
      "TC3-HMAC-SHA256 Credential=AKIDtestSecretId/2023-11-4/trtc/tc3_request, " + sh + ", Signature=" + sig,
      "TC3-HMAC-SHA256 Credential=AKIDtestSecretId/20231114/trtc/tc3_request, " + sh + ", Signature=" + sig,
      "TC3-HMAC-SHA256 Credential=AKIDtestSecretId/2023_11_14/trtc/tc3_request, " + sh + ", Signature=" + sig,
      "TC3-HMAC-SHA256 " + cred + ", SignedHeaders=, Signature=" + sig,
      "TC3-HMAC-SHA256 " + cred + ", SignedHeaders=content-type;;host, Signature=" + sig,
      "TC3-HMAC-SHA256 " + cred + ", SignedHeaders=content-type;host;, Signature=" + sig,
      "TC3-HMAC-SHA256 " + cred + ", SignedHeaders=Content-Type;Host, Signature=" + sig,
      "TC3-HMAC-SHA256 " + cred + ", SignedHeaders=content-type;host;host, Signature=" + sig,
      "TC3-HMAC-SHA256 " + cred + ", SignedHeaders=content-type;ho st, Signature=" + sig,
      // Signature shape: wrong length or not hex is malformed (see the file comment).
      "TC3-HMAC-SHA256 " + cred + ", " + sh + ", Signature=" + sig.substr(0, 63),
      "TC3-HMAC-SHA256 " + cred + ", " + sh + ", Signature=" + sig + "0",
      "TC3-HMAC-SHA256 " + cred + ", " + sh + ", Signature=",
      "TC3-HMAC-SHA256 " + cred + ", " + sh + ", Signature=g" + sig.substr(1),
      "TC3-HMAC-SHA256 " + cred + ", " + sh + ", Signature=" + sig.substr(0, 62) + " 0",
      "TC3-HMAC-SHA256 " + cred + ", " + sh + ", Signature=" + std::string(kTc3MaxAuthorizationChars, 'a'),
      std::string(kTc3MaxAuthorizationChars + 1, ' '),
      std::string("TC3-HMAC-SHA256 Credential=AKID\0x/2023-11-14/trtc/tc3_request, ", 63) + sh + ", Signature=" + sig,
  };
  for (const std::string& value : cases) {
    SCOPED_TRACE(value.substr(0, 200));
    expectCode(withAuthorization(value), kTc3InvalidAuthorization);
  }
  EXPECT_EQ(lookups_, 0);
}

TEST_F(Tc3Reject, TooManySignedHeaders) {
  Tc3Request req = good_;
  std::string names = "content-type;host";
  for (int i = 0; i < 19; ++i) {
    names += ";x-h" + std::to_string(i);
    setHeader(req, "x-h" + std::to_string(i), "v");
  }
  // 21 names: refused before any header lookup.
  setHeader(req, "authorization", "TC3-HMAC-SHA256 Credential=AKIDtestSecretId/2023-11-14/trtc/tc3_request, "
                                  "SignedHeaders=" + names + ", Signature=" + t_.signature);
  expectCode(req, kTc3InvalidAuthorization);
  // 20 names are parsed and reach the signature check.
  names = names.substr(0, names.rfind(';'));
  setHeader(req, "authorization", "TC3-HMAC-SHA256 Credential=AKIDtestSecretId/2023-11-14/trtc/tc3_request, "
                                  "SignedHeaders=" + names + ", Signature=" + t_.signature);
  expectCode(req, kTc3SignatureFailure);
}

TEST_F(Tc3Reject, MissingOrRepeatedAuthorizationHeader) {
  Tc3Request req = good_;
  removeHeader(req, "authorization");
  expectCode(req, kTc3InvalidAuthorization);
  req = good_;
  req.headers.emplace_back("Authorization", t_.authorization);
  expectCode(req, kTc3InvalidAuthorization);
}

TEST_F(Tc3Reject, SignedHeadersMustIncludeContentTypeAndHost) {
  for (std::string_view list : {"host", "content-type", "host;x-tc-action", "content-type;x-tc-action"}) {
    SCOPED_TRACE(list);
    expectCode(withAuthorization("TC3-HMAC-SHA256 Credential=AKIDtestSecretId/2023-11-14/trtc/tc3_request, "
                                 "SignedHeaders=" + std::string(list) + ", Signature=" + t_.signature),
               kTc3InvalidAuthorization);
  }
}

TEST_F(Tc3Reject, SignedHeaderMissingOrRepeatedInRequest) {
  Tc3Request req = good_;
  removeHeader(req, "host");
  expectCode(req, kTc3InvalidAuthorization);
  req = good_;
  removeHeader(req, "content-type");
  expectCode(req, kTc3InvalidAuthorization);
  req = good_;
  req.headers.emplace_back("host", "other.example.com");  // which one was signed? refuse to guess
  expectCode(req, kTc3InvalidAuthorization);
  req = withAuthorization("TC3-HMAC-SHA256 Credential=AKIDtestSecretId/2023-11-14/trtc/tc3_request, "
                          "SignedHeaders=content-type;host;x-tc-language, Signature=" + t_.signature);
  expectCode(req, kTc3InvalidAuthorization);
}

TEST_F(Tc3Reject, TimestampHeaderMustBeOneUnsignedInteger) {
  for (std::string_view value : {"", " ", "abc", "-1700000000", "+1700000000", "1700000000.0", "1.7e9",
                                 "0x6553F100", "1700000000 1", "1234567890123456789", "１７００"}) {
    SCOPED_TRACE(value);
    Tc3Request req = good_;
    setHeader(req, "x-tc-timestamp", std::string(value));
    expectCode(req, kTc3InvalidAuthorization);
  }
  Tc3Request req = good_;
  removeHeader(req, "x-tc-timestamp");
  expectCode(req, kTc3InvalidAuthorization);
  req = good_;
  req.headers.emplace_back("x-tc-timestamp", "1700000000");
  expectCode(req, kTc3InvalidAuthorization);
}

TEST_F(Tc3Reject, CredentialDateMustBeTheUtcDateOfTheTimestamp) {
  for (std::string_view date : {"2023-11-15", "2023-11-13", "2024-11-14", "9999-99-99"}) {
    SCOPED_TRACE(date);
    expectCode(withAuthorization("TC3-HMAC-SHA256 Credential=AKIDtestSecretId/" + std::string(date) +
                                 "/trtc/tc3_request, SignedHeaders=content-type;host, Signature=" + t_.signature),
               kTc3InvalidAuthorization);
  }
  // A timestamp moved past midnight no longer matches the signed date.
  Tc3Request req = good_;
  setHeader(req, "x-tc-timestamp", "1700006400");
  expectCode(req, kTc3InvalidAuthorization, 1700006400);
  // Same day, other second: the timestamp is in StringToSign, so the signature breaks.
  setHeader(req, "x-tc-timestamp", "1700000001");
  expectCode(req, kTc3SignatureFailure);
}

TEST_F(Tc3Reject, CheckOrderIsMalformedExpiredSecretIdSignature) {
  // Malformed beats expired.
  expectCode(withAuthorization("TC3-HMAC-SHA256 garbage"), kTc3InvalidAuthorization, t_.timestamp + 3600);
  // Expired beats an unknown SecretId, and is decided without a lookup.
  const Tc3Request unknown =
      withAuthorization("TC3-HMAC-SHA256 Credential=AKIDother/2023-11-14/trtc/tc3_request, "
                        "SignedHeaders=content-type;host, Signature=" + std::string(64, 'f'));
  expectCode(unknown, kTc3SignatureExpire, t_.timestamp + 3600);
  EXPECT_EQ(lookups_, 0);
  // An unknown SecretId beats a bad signature.
  expectCode(unknown, kTc3SecretIdNotFound);
  EXPECT_EQ(lookups_, 1);
}

}  // namespace
}  // namespace atrium::auth
