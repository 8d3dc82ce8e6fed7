// StunWriter: byte-exact RFC 5769 reproduction, responses the agent sends, bounds and order.
#include "ice/stun_writer.h"

#include <gtest/gtest.h>

#include <vector>

#include "ice/stun_test_vectors.h"

namespace atrium::ice {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes written(const Bytes& buffer, std::optional<size_t> size) {
  if (!size) return {};
  return Bytes(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(*size));
}

Bytes toBytes(std::span<const uint8_t> s) { return Bytes(s.begin(), s.end()); }

TEST(StunWriter, ReproducesRfc5769SampleRequest) {
  Bytes buffer(256);
  StunWriter w(buffer, stun::kBindingRequest, rfc5769::kTransactionId);
  w.addString(stun::kAttrSoftware, rfc5769::kRequestSoftware)
      .addUint32(stun::kAttrPriority, 0x6e0001ff)
      .addUint64(stun::kAttrIceControlled, 0x932ff9b151263b36ull)
      .addString(stun::kAttrUsername, rfc5769::kUsername, ' ')
      .addMessageIntegrity(rfc5769::kPassword)
      .addFingerprint();
  EXPECT_EQ(written(buffer, w.finish()), toBytes(rfc5769::kRequest));
}

TEST(StunWriter, ReproducesRfc5769Responses) {
  Bytes buffer(256);
  StunWriter v4(buffer, stun::kBindingSuccessResponse, rfc5769::kTransactionId);
  v4.addString(stun::kAttrSoftware, rfc5769::kResponseSoftware, ' ')
      .addXorMappedAddress(Endpoint::ipv4({192, 0, 2, 1}, 32853))
      .addMessageIntegrity(rfc5769::kPassword)
      .addFingerprint();
  EXPECT_EQ(written(buffer, v4.finish()), toBytes(rfc5769::kIpv4Response));

  StunWriter v6(buffer, stun::kBindingSuccessResponse, rfc5769::kTransactionId);
  v6.addString(stun::kAttrSoftware, rfc5769::kResponseSoftware, ' ')
      .addXorMappedAddress(*Endpoint::parse("[2001:db8:1234:5678:11:2233:4455:6677]:32853"))
      .addMessageIntegrity(rfc5769::kPassword)
      .addFingerprint();
  EXPECT_EQ(written(buffer, v6.finish()), toBytes(rfc5769::kIpv6Response));
}

TEST(StunWriter, BindingSuccessRoundTrips) {
  const auto request = StunMessage::parse(rfc5769::kRequest);
  ASSERT_TRUE(request);
  for (const Endpoint& mapped :
       {Endpoint::ipv4({203, 0, 113, 7}, 50000), *Endpoint::parse("[2001:db8::42]:1"), Endpoint::ipv4({0, 0, 0, 0}, 0)}) {
    Bytes buffer(kMaxStunResponseBytes);
    const auto size = writeBindingSuccess(buffer, *request, mapped, "local-password-0123456789");
    ASSERT_TRUE(size);
    EXPECT_LE(*size, kMaxStunResponseBytes);
    const auto response = StunMessage::parse(std::span<const uint8_t>(buffer.data(), *size));
    ASSERT_TRUE(response);
    EXPECT_EQ(response->type(), stun::kBindingSuccessResponse);
    EXPECT_EQ(toBytes(response->transactionId()), toBytes(rfc5769::kTransactionId));
    EXPECT_EQ(response->xorMappedAddress(), mapped);
    EXPECT_TRUE(response->verifyMessageIntegrity("local-password-0123456789"));
    EXPECT_TRUE(response->verifyFingerprint());
  }
}

TEST(StunWriter, ErrorResponses) {
  const auto request = StunMessage::parse(rfc5769::kRequest);
  ASSERT_TRUE(request);
  for (StunErrorCode code : {StunErrorCode::kBadRequest, StunErrorCode::kUnauthorized, StunErrorCode::kRoleConflict}) {
    Bytes buffer(kMaxStunResponseBytes);
    const bool withIntegrity = code == StunErrorCode::kRoleConflict;
    const auto size = writeBindingError(buffer, *request, code, withIntegrity ? "pw" : "");
    ASSERT_TRUE(size);
    const auto response = StunMessage::parse(std::span<const uint8_t>(buffer.data(), *size));
    ASSERT_TRUE(response);
    EXPECT_EQ(response->type(), stun::kBindingErrorResponse);
    EXPECT_EQ(response->errorCode(), static_cast<uint16_t>(code));
    EXPECT_EQ(response->hasMessageIntegrity(), withIntegrity);
    if (withIntegrity) {
      EXPECT_TRUE(response->verifyMessageIntegrity("pw"));
    }
    EXPECT_TRUE(response->verifyFingerprint());
  }
  EXPECT_EQ(reasonPhrase(StunErrorCode::kRoleConflict), "Role Conflict");
}

TEST(StunWriter, NeverWritesPastTheBuffer) {
  const auto request = StunMessage::parse(rfc5769::kRequest);
  ASSERT_TRUE(request);
  const Endpoint mapped = *Endpoint::parse("[2001:db8::1]:9");
  Bytes full(kMaxStunResponseBytes);
  const size_t needed = *writeBindingSuccess(full, *request, mapped, "pw");
  EXPECT_EQ(needed, 76u);
  for (size_t n = 0; n < needed; ++n) {
    Bytes buffer(n + 16, 0xee);
    EXPECT_FALSE(writeBindingSuccess(std::span<uint8_t>(buffer.data(), n), *request, mapped, "pw")) << n;
    for (size_t i = n; i < buffer.size(); ++i) ASSERT_EQ(buffer[i], 0xee) << "wrote past " << n;
  }
}

TEST(StunWriter, EnforcesAttributeOrder) {
  Bytes buffer(256);
  StunWriter afterIntegrity(buffer, stun::kBindingRequest, rfc5769::kTransactionId);
  afterIntegrity.addMessageIntegrity("pw").addFlag(stun::kAttrUseCandidate);
  EXPECT_FALSE(afterIntegrity.finish());

  StunWriter afterFingerprint(buffer, stun::kBindingRequest, rfc5769::kTransactionId);
  afterFingerprint.addFingerprint().addFingerprint();
  EXPECT_FALSE(afterFingerprint.finish());

  StunWriter integrityThenFingerprint(buffer, stun::kBindingRequest, rfc5769::kTransactionId);
  integrityThenFingerprint.addMessageIntegrity("pw").addFingerprint();
  EXPECT_EQ(integrityThenFingerprint.finish(), 20u + 24u + 8u);

  StunWriter badType(buffer, 0xC001, rfc5769::kTransactionId);
  EXPECT_FALSE(badType.finish());
}

TEST(StunWriter, RejectsValuesBeyondTheLengthField) {
  Bytes buffer(70000);
  const Bytes big(65535 - 4 + 1);  // header + this value exceeds the 16-bit Length
  StunWriter w(buffer, stun::kBindingIndication, rfc5769::kTransactionId);
  w.addAttribute(stun::kAttrSoftware, big);
  EXPECT_FALSE(w.finish());
  StunWriter fits(buffer, stun::kBindingIndication, rfc5769::kTransactionId);
  fits.addAttribute(stun::kAttrSoftware, Bytes(65532 - 4));
  ASSERT_TRUE(fits.finish());
  EXPECT_TRUE(StunMessage::parse(std::span<const uint8_t>(buffer.data(), *fits.finish())));
}

}  // namespace
}  // namespace atrium::ice
