// TC3-HMAC-SHA256: the captured Node SDK request and every client style of trtc-compat §3.3 must
// verify. Failures live in tc3_reject_test.cc.
#include <gtest/gtest.h>

#include "auth/tc3.h"
#include "auth/tc3_test_util.h"

namespace atrium::auth {
namespace {

using testing::capturedRequest;
using testing::handSign;
using testing::hexSha256;
using testing::loadTc3Vector;
using testing::lookupOf;
using testing::setHeader;

TEST(Tc3Vector, CapturedNodeRequestVerifiesWithPortInHostHeader) {
  const auto t = loadTc3Vector();
  const Tc3Request req = capturedRequest(t);
  ASSERT_EQ(t.hostSent, "trtc.tencentcloudapi.com:18080");  // sent WITH the port, signed without
  const auto r = verifyTc3(req, lookupOf(t.secretId, t.secretKey), t.timestamp);
  ASSERT_TRUE(r.ok()) << r.error().code << ": " << r.error().message;
  EXPECT_EQ(r->secretId, "AKIDtestSecretId");
  EXPECT_EQ(r->service, "trtc");
  EXPECT_EQ(r->timestamp, 1700000000);
  EXPECT_TRUE(r->payloadSigned);
}

TEST(Tc3Vector, SignerReproducesTheNodeAuthorizationExactly) {
  const auto t = loadTc3Vector();
  EXPECT_EQ(signTc3(t.secretId, t.secretKey, t.service, capturedRequest(t), t.timestamp, t.hostSigned),
            t.authorization);
}

TEST(Tc3Vector, IntermediateValuesMatchTheCapture) {
  const auto t = loadTc3Vector();
  EXPECT_EQ(tc3Date(t.timestamp), "2023-11-14");
  EXPECT_EQ(hexSha256(t.body), "25ad42edb82231e318c2dc267d7d25fe882094a37948dabbae45c626146f90e4");
  // The canonical request as §3.2 defines it, from the request fields.
  const std::string canonical = "POST\n/\n\ncontent-type:" + t.contentType + "\nhost:" + t.hostSigned +
                                "\n\ncontent-type;host\n" + hexSha256(t.body);
  EXPECT_EQ(canonical, t.canonicalRequest);
  EXPECT_EQ(t.stringToSign, "TC3-HMAC-SHA256\n1700000000\n2023-11-14/trtc/tc3_request\n" + hexSha256(canonical));
  const auto kDate = crypto::hmacSha256("TC3" + t.secretKey, "2023-11-14");
  const auto kService = crypto::hmacSha256(kDate, crypto::asBytes("trtc"));
  const auto kSigning = crypto::hmacSha256(kService, crypto::asBytes("tc3_request"));
  EXPECT_EQ(crypto::toHex(kDate), t.kDate);
  EXPECT_EQ(crypto::toHex(kService), t.kService);
  EXPECT_EQ(crypto::toHex(kSigning), t.kSigning);
  EXPECT_EQ(crypto::toHex(tc3SigningKey(t.secretKey, "2023-11-14", "trtc")), t.kSigning);
  EXPECT_EQ(crypto::toHex(crypto::hmacSha256(kSigning, crypto::asBytes(t.stringToSign))), t.signature);
  EXPECT_EQ(handSign(t.secretKey, "2023-11-14", "trtc", "1700000000", t.canonicalRequest), t.signature);
}

TEST(Tc3Vector, HostSignedWithThePortAsSentVerifies) {
  // The captured signature does not verify for host:trtc.tencentcloudapi.com:18080 (§3.6), so a
  // verifier that only tried the Host as sent would fail: make sure the fallback is what passes.
  const auto t = loadTc3Vector();
  const std::string canonicalWithPort = "POST\n/\n\ncontent-type:application/json\nhost:" + t.hostSent +
                                        "\n\ncontent-type;host\n" + hexSha256(t.body);
  EXPECT_NE(handSign(t.secretKey, "2023-11-14", "trtc", "1700000000", canonicalWithPort), t.signature);
}

TEST(Tc3ClientStyles, GoSdkSignsHostWithPort) {
  const auto t = loadTc3Vector();
  Tc3Request req = capturedRequest(t);
  setHeader(req, "authorization", signTc3(t.secretId, t.secretKey, "trtc", req, t.timestamp, t.hostSent));
  EXPECT_NE(req.headers.back().second, t.authorization);
  const auto r = verifyTc3(req, lookupOf(t.secretId, t.secretKey), t.timestamp);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->service, "trtc");
}

TEST(Tc3ClientStyles, NodeSdkServiceFromEndpointFirstLabel) {
  // Endpoint 127.0.0.1:18080 gives scope .../127/tc3_request; localhost:8443 gives "localhost:8443".
  const auto t = loadTc3Vector();
  for (const auto& [endpoint, hostname, service] :
       {std::tuple<std::string, std::string, std::string>{"127.0.0.1:18080", "127.0.0.1", "127"},
        {"localhost:8443", "localhost", "localhost:8443"},
        {"trtc.localhost:18080", "trtc.localhost", "trtc"}}) {
    SCOPED_TRACE(endpoint);
    Tc3Request req = capturedRequest(t);
    setHeader(req, "host", endpoint);
    setHeader(req, "authorization", signTc3(t.secretId, t.secretKey, service, req, t.timestamp, hostname));
    const auto r = verifyTc3(req, lookupOf(t.secretId, t.secretKey), t.timestamp);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->service, service);
  }
}

TEST(Tc3ClientStyles, Ipv6HostWithAndWithoutPort) {
  const auto t = loadTc3Vector();
  for (std::string_view signedHost : {"[::1]", "[::1]:443"}) {
    SCOPED_TRACE(signedHost);
    Tc3Request req = capturedRequest(t);
    setHeader(req, "host", "[::1]:443");
    setHeader(req, "authorization", signTc3(t.secretId, t.secretKey, "trtc", req, t.timestamp, signedHost));
    EXPECT_TRUE(verifyTc3(req, lookupOf(t.secretId, t.secretKey), t.timestamp).ok());
  }
}

TEST(Tc3ClientStyles, PortStrippedHostIsTrimmedLikeEveryValue) {
  // Found by fuzz_tc3: "name :port" stripped to "name " must canonicalise like the signer's "name".
  const auto t = loadTc3Vector();
  Tc3Request req = capturedRequest(t);
  setHeader(req, "host", "trtc.tencentcloudapi.com :18080");
  EXPECT_TRUE(verifyTc3(req, lookupOf(t.secretId, t.secretKey), t.timestamp).ok());
}

TEST(Tc3ClientStyles, HostWithoutPortAndMixedCaseHeaderNames) {
  const auto t = loadTc3Vector();
  Tc3Request req = capturedRequest(t);
  setHeader(req, "host", "trtc.tencentcloudapi.com");
  for (auto& [name, value] : req.headers) {
    if (name == "host") name = "Host";
    if (name == "content-type") name = "Content-Type";
  }
  EXPECT_TRUE(verifyTc3(req, lookupOf(t.secretId, t.secretKey), t.timestamp).ok());
}

TEST(Tc3ClientStyles, HandWrittenClientSignsActionLowerCased) {
  // The doc sample (§3.3 quirk 4): content-type;host;x-tc-action, values lower-cased and trimmed.
  const auto t = loadTc3Vector();
  Tc3Request req = capturedRequest(t);
  setHeader(req, "host", "trtc.tencentcloudapi.com");
  setHeader(req, "content-type", "application/json; charset=utf-8");
  setHeader(req, "x-tc-action", " DismissRoom ");
  const std::string canonical =
      "POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:trtc.tencentcloudapi.com\n"
      "x-tc-action:dismissroom\n\ncontent-type;host;x-tc-action\n" + hexSha256(t.body);
  const std::string sig = handSign(t.secretKey, "2023-11-14", "trtc", "1700000000", canonical);
  setHeader(req, "authorization",
            "TC3-HMAC-SHA256 Credential=AKIDtestSecretId/2023-11-14/trtc/tc3_request, "
            "SignedHeaders=content-type;host;x-tc-action, Signature=" + sig);
  const auto r = verifyTc3(req, lookupOf(t.secretId, t.secretKey), t.timestamp);
  ASSERT_TRUE(r.ok()) << r.error().message;

  // The action is covered: another action under the same signature fails.
  setHeader(req, "x-tc-action", "RemoveUser");
  EXPECT_EQ(verifyTc3(req, lookupOf(t.secretId, t.secretKey), t.timestamp).error().code, kTc3SignatureFailure);
}

TEST(Tc3ClientStyles, GetWithQueryString) {
  const auto t = loadTc3Vector();
  Tc3Request req;
  req.method = "GET";
  req.path = "/";
  req.query = "Action=DismissRoom&RoomId=12345&SdkAppId=1400000000&Version=2019-07-22";
  req.headers = {{"host", "trtc.tencentcloudapi.com:18080"},
                 {"content-type", "application/x-www-form-urlencoded"},
                 {"x-tc-timestamp", "1700000000"}};
  const std::string canonical =
      "GET\n/\n" + req.query +
      "\ncontent-type:application/x-www-form-urlencoded\nhost:trtc.tencentcloudapi.com\n\ncontent-type;host\n" +
      hexSha256("");
  const std::string expected = handSign(t.secretKey, "2023-11-14", "trtc", "1700000000", canonical);
  const std::string authorization =
      signTc3(t.secretId, t.secretKey, "trtc", req, t.timestamp, "trtc.tencentcloudapi.com");
  EXPECT_EQ(authorization.substr(authorization.size() - 64), expected);
  setHeader(req, "authorization", authorization);
  ASSERT_TRUE(verifyTc3(req, lookupOf(t.secretId, t.secretKey), t.timestamp).ok());

  req.query = "Action=DismissRoom&RoomId=12346&SdkAppId=1400000000&Version=2019-07-22";
  EXPECT_EQ(verifyTc3(req, lookupOf(t.secretId, t.secretKey), t.timestamp).error().code, kTc3SignatureFailure);
}

TEST(Tc3ClientStyles, UnsignedPayloadHashesTheConstant) {
  const auto t = loadTc3Vector();
  Tc3Request req = capturedRequest(t);
  setHeader(req, "x-tc-content-sha256", "UNSIGNED-PAYLOAD");
  const std::string canonical = "POST\n/\n\ncontent-type:application/json\nhost:" + t.hostSent +
                                "\n\ncontent-type;host\n" + hexSha256("UNSIGNED-PAYLOAD");
  const std::string authorization = signTc3(t.secretId, t.secretKey, "trtc", req, t.timestamp, t.hostSent);
  EXPECT_EQ(authorization.substr(authorization.size() - 64),
            handSign(t.secretKey, "2023-11-14", "trtc", "1700000000", canonical));
  setHeader(req, "authorization", authorization);
  auto r = verifyTc3(req, lookupOf(t.secretId, t.secretKey), t.timestamp);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->payloadSigned);

  // By definition the body is not covered; the flag is how the caller learns that.
  req.body = R"({"SdkAppId":1400000000,"RoomId":99999})";
  r = verifyTc3(req, lookupOf(t.secretId, t.secretKey), t.timestamp);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->payloadSigned);

  // Dropping the header switches back to the real body hash, which the signature does not cover.
  testing::removeHeader(req, "x-tc-content-sha256");
  EXPECT_EQ(verifyTc3(req, lookupOf(t.secretId, t.secretKey), t.timestamp).error().code, kTc3SignatureFailure);
}

TEST(Tc3ClientStyles, UpperCaseSignatureHexIsAccepted) {
  // The decoded 32 bytes are compared, so hex case does not matter (documented leniency).
  const auto t = loadTc3Vector();
  Tc3Request req = capturedRequest(t);
  std::string upper = t.authorization;
  for (size_t i = upper.size() - 64; i < upper.size(); ++i) upper[i] = static_cast<char>(std::toupper(upper[i]));
  setHeader(req, "authorization", upper);
  EXPECT_TRUE(verifyTc3(req, lookupOf(t.secretId, t.secretKey), t.timestamp).ok());
}

TEST(Tc3ClientStyles, WhitespaceAroundAuthorizationFieldsAndValues) {
  const auto t = loadTc3Vector();
  Tc3Request req = capturedRequest(t);
  setHeader(req, "authorization",
            "  TC3-HMAC-SHA256  Credential=AKIDtestSecretId/2023-11-14/trtc/tc3_request,SignedHeaders=content-type;host"
            " ,  Signature=" + t.signature + " ");
  setHeader(req, "x-tc-timestamp", " 1700000000 ");
  setHeader(req, "content-type", "\tapplication/json ");
  EXPECT_TRUE(verifyTc3(req, lookupOf(t.secretId, t.secretKey), t.timestamp).ok());
}

TEST(Tc3ClientStyles, FieldsInAnyOrder) {
  const auto t = loadTc3Vector();
  Tc3Request req = capturedRequest(t);
  setHeader(req, "authorization", "TC3-HMAC-SHA256 Signature=" + t.signature +
                                      ", SignedHeaders=content-type;host, "
                                      "Credential=AKIDtestSecretId/2023-11-14/trtc/tc3_request");
  EXPECT_TRUE(verifyTc3(req, lookupOf(t.secretId, t.secretKey), t.timestamp).ok());
}

TEST(Tc3ClientStyles, DateRollsOverAtUtcMidnight) {
  const auto t = loadTc3Vector();
  for (const auto& [ts, date] : {std::pair<int64_t, std::string>{1700006399, "2023-11-14"}, {1700006400, "2023-11-15"}}) {
    SCOPED_TRACE(ts);
    Tc3Request req = capturedRequest(t);
    setHeader(req, "x-tc-timestamp", std::to_string(ts));
    const std::string authorization = signTc3(t.secretId, t.secretKey, "trtc", req, ts, t.hostSigned);
    EXPECT_NE(authorization.find("/" + date + "/trtc/"), std::string::npos);
    setHeader(req, "authorization", authorization);
    EXPECT_TRUE(verifyTc3(req, lookupOf(t.secretId, t.secretKey), ts).ok());
  }
}

TEST(Tc3Date, CivilDatesIncludingLeapDaysAndExtremes) {
  EXPECT_EQ(tc3Date(0), "1970-01-01");
  EXPECT_EQ(tc3Date(951782400), "2000-02-29");
  EXPECT_EQ(tc3Date(4107542399), "2100-02-28");
  EXPECT_EQ(tc3Date(4107542400), "2100-03-01");
  EXPECT_EQ(tc3Date(-1), "1969-12-31");
  EXPECT_FALSE(tc3Date(999999999999999999).empty());
  EXPECT_FALSE(tc3Date(INT64_MIN).empty());
  EXPECT_FALSE(tc3Date(INT64_MAX).empty());
}

}  // namespace
}  // namespace atrium::auth
