// StunMessage against the RFC 5769 vectors, tampering, truncation and malformed layouts.
#include "ice/stun_message.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "ice/stun_test_vectors.h"
#include "ice/stun_writer.h"

namespace atrium::ice {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes toBytes(std::span<const uint8_t> s) { return Bytes(s.begin(), s.end()); }

// A hand-built message: header + raw attribute bytes, with a correct Length field.
Bytes message(uint16_t type, const Bytes& attributes) {
  Bytes m = {static_cast<uint8_t>(type >> 8), static_cast<uint8_t>(type), static_cast<uint8_t>(attributes.size() >> 8),
             static_cast<uint8_t>(attributes.size()), 0x21, 0x12, 0xa4, 0x42};
  m.insert(m.end(), rfc5769::kTransactionId.begin(), rfc5769::kTransactionId.end());
  m.insert(m.end(), attributes.begin(), attributes.end());
  return m;
}

Bytes attribute(uint16_t type, const Bytes& value) {
  Bytes a = {static_cast<uint8_t>(type >> 8), static_cast<uint8_t>(type), static_cast<uint8_t>(value.size() >> 8),
             static_cast<uint8_t>(value.size())};
  a.insert(a.end(), value.begin(), value.end());
  while (a.size() % 4 != 0) a.push_back(0);
  return a;
}

bool parses(const Bytes& bytes) { return StunMessage::parse(bytes).has_value(); }

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

TEST(StunMessage, Rfc5769SampleRequest) {
  const auto m = StunMessage::parse(rfc5769::kRequest);
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->isBindingRequest());
  EXPECT_EQ(m->method(), stun::kMethodBinding);
  EXPECT_EQ(m->messageClass(), stun::MessageClass::kRequest);
  EXPECT_EQ(toBytes(m->transactionId()), toBytes(rfc5769::kTransactionId));
  EXPECT_EQ(m->attributeCount(), 6u);
  EXPECT_EQ(m->username(), rfc5769::kUsername);
  EXPECT_EQ(m->priority(), 0x6e0001ffu);
  EXPECT_EQ(m->iceControlled(), 0x932ff9b151263b36ull);
  EXPECT_FALSE(m->iceControlling());
  EXPECT_FALSE(m->useCandidate());
  EXPECT_FALSE(m->xorMappedAddress());
  EXPECT_TRUE(m->hasMessageIntegrity());
  EXPECT_TRUE(m->verifyMessageIntegrity(rfc5769::kPassword));
  EXPECT_FALSE(m->verifyMessageIntegrity("VOkJxbRl1RmTxUk/WvJxBT"));
  EXPECT_FALSE(m->verifyMessageIntegrity(""));
  EXPECT_TRUE(m->hasFingerprint());
  EXPECT_TRUE(m->verifyFingerprint());
}

TEST(StunMessage, Rfc5769Ipv4Response) {
  const auto m = StunMessage::parse(rfc5769::kIpv4Response);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->type(), stun::kBindingSuccessResponse);
  EXPECT_EQ(m->method(), stun::kMethodBinding);
  EXPECT_EQ(m->messageClass(), stun::MessageClass::kSuccessResponse);
  EXPECT_EQ(m->xorMappedAddress(), Endpoint::ipv4({192, 0, 2, 1}, 32853));
  EXPECT_TRUE(m->verifyMessageIntegrity(rfc5769::kPassword));
  EXPECT_TRUE(m->verifyFingerprint());
  EXPECT_FALSE(m->username());
}

TEST(StunMessage, Rfc5769Ipv6Response) {
  const auto m = StunMessage::parse(rfc5769::kIpv6Response);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->xorMappedAddress(), Endpoint::parse("[2001:db8:1234:5678:11:2233:4455:6677]:32853"));
  EXPECT_TRUE(m->verifyMessageIntegrity(rfc5769::kPassword));
  EXPECT_TRUE(m->verifyFingerprint());
}

// Every single-byte change is caught: by the parser, by FINGERPRINT, and (before the
// MESSAGE-INTEGRITY value ends) by the HMAC.
TEST(StunMessage, EveryTamperedByteIsDetected) {
  for (const std::span<const uint8_t> vector :
       {std::span<const uint8_t>(rfc5769::kRequest), std::span<const uint8_t>(rfc5769::kIpv4Response),
        std::span<const uint8_t>(rfc5769::kIpv6Response)}) {
    const size_t integrityEnd = vector.size() - 8;
    for (size_t i = 0; i < vector.size(); ++i) {
      for (uint8_t flip : {uint8_t{0x01}, uint8_t{0x80}}) {
        Bytes tampered = toBytes(vector);
        tampered[i] ^= flip;
        const auto m = StunMessage::parse(tampered);
        if (!m) continue;
        EXPECT_FALSE(m->verifyFingerprint()) << "byte " << i;
        if (i < integrityEnd) {
          EXPECT_FALSE(m->verifyMessageIntegrity(rfc5769::kPassword)) << "byte " << i;
        }
      }
    }
  }
}

TEST(StunMessage, RejectsTruncatedAndOversized) {
  const Bytes full = toBytes(rfc5769::kRequest);
  for (size_t n = 0; n < full.size(); ++n) {
    EXPECT_FALSE(StunMessage::parse(std::span<const uint8_t>(full.data(), n))) << n;
  }
  Bytes longer = full;
  longer.push_back(0);
  EXPECT_FALSE(StunMessage::parse(longer));
  longer.insert(longer.end(), {0, 0, 0});  // 4 extra bytes: still not what Length says
  EXPECT_FALSE(StunMessage::parse(longer));
  // Length claims more than the datagram holds.
  Bytes lying = full;
  lying[3] = 0x5c;
  EXPECT_FALSE(StunMessage::parse(lying));
}

TEST(StunMessage, RejectsBadHeaders) {
  const Bytes empty = message(stun::kBindingRequest, {});
  EXPECT_TRUE(StunMessage::parse(empty));
  Bytes topBits = empty;
  topBits[0] |= 0x40;
  EXPECT_FALSE(StunMessage::parse(topBits));
  Bytes cookie = empty;
  cookie[7] ^= 1;
  EXPECT_FALSE(StunMessage::parse(cookie));
  EXPECT_FALSE(StunMessage::looksLikeStun(cookie));
  EXPECT_TRUE(StunMessage::looksLikeStun(empty));
  Bytes unaligned = message(stun::kBindingRequest, {0, 0x80, 0, 2, 0xaa, 0xbb});
  EXPECT_FALSE(StunMessage::parse(unaligned));
}

TEST(StunMessage, GarbageNeverParsesAsSomethingElse) {
  std::mt19937 rng(5769);
  for (int i = 0; i < 20000; ++i) {
    Bytes g(rng() % 120);
    for (auto& b : g) b = static_cast<uint8_t>(rng());
    if (g.size() >= 8 && i % 2 == 0) {  // give half of them a plausible header
      g[0] &= 0x3f;
      g[4] = 0x21;
      g[5] = 0x12;
      g[6] = 0xa4;
      g[7] = 0x42;
      if (g.size() >= 20) {
        g[2] = static_cast<uint8_t>((g.size() - 20) >> 8);
        g[3] = static_cast<uint8_t>(g.size() - 20);
      }
    }
    if (const auto m = StunMessage::parse(g)) {
      EXPECT_EQ(m->bytes().size(), g.size());
      (void)m->verifyFingerprint();
      (void)m->verifyMessageIntegrity(rfc5769::kPassword);
      (void)m->xorMappedAddress();
      (void)m->errorCode();
    }
  }
}

TEST(StunMessage, BoundsTheAttributeCount) {
  Bytes attrs;
  for (size_t i = 0; i < stun::kMaxAttributes; ++i) attrs = concat({attrs, attribute(0x8000 + i, {1})});
  EXPECT_TRUE(parses(message(stun::kBindingRequest, attrs)));
  attrs = concat({attrs, attribute(0x8100, {})});
  EXPECT_FALSE(parses(message(stun::kBindingRequest, attrs)));
}

TEST(StunMessage, RejectsAttributesOverrunningTheMessage) {
  Bytes attr = attribute(stun::kAttrSoftware, {'a', 'b', 'c', 'd'});
  attr[3] = 9;  // claims 9 bytes (12 padded), 4 present
  EXPECT_FALSE(parses(message(stun::kBindingRequest, attr)));
  attr[3] = 5;  // 5 bytes pad to 8, 4 present
  EXPECT_FALSE(parses(message(stun::kBindingRequest, attr)));
  // A length near the 16-bit limit.
  EXPECT_FALSE(parses(message(stun::kBindingRequest, {0x80, 0x22, 0xff, 0xff})));
}

TEST(StunMessage, RejectsWrongSizesOfKnownAttributes) {
  EXPECT_FALSE(parses(message(stun::kBindingRequest, attribute(stun::kAttrPriority, {1, 2, 3}))));
  EXPECT_FALSE(parses(message(stun::kBindingRequest, attribute(stun::kAttrUseCandidate, {1}))));
  EXPECT_FALSE(parses(message(stun::kBindingRequest, attribute(stun::kAttrIceControlling, {1, 2, 3, 4}))));
  EXPECT_FALSE(parses(message(stun::kBindingRequest, attribute(stun::kAttrMessageIntegrity, Bytes(16)))));
  EXPECT_FALSE(parses(message(stun::kBindingRequest, attribute(stun::kAttrFingerprint, Bytes(8)))));
  EXPECT_FALSE(parses(message(stun::kBindingRequest, attribute(stun::kAttrErrorCode, {0, 0}))));
  // XOR-MAPPED-ADDRESS: family and size must agree.
  EXPECT_FALSE(parses(message(stun::kBindingSuccessResponse, attribute(stun::kAttrXorMappedAddress, Bytes(20)))));
  EXPECT_FALSE(parses(
      message(stun::kBindingSuccessResponse, attribute(stun::kAttrXorMappedAddress, {0, 2, 0, 0, 0, 0, 0, 0}))));
  EXPECT_FALSE(parses(
      message(stun::kBindingSuccessResponse, attribute(stun::kAttrXorMappedAddress, {0, 3, 0, 0, 0, 0, 0, 0}))));
  EXPECT_FALSE(parses(message(stun::kBindingRequest, attribute(stun::kAttrUsername, Bytes(514, 'a')))));
  EXPECT_TRUE(parses(message(stun::kBindingRequest, attribute(stun::kAttrUsername, Bytes(513, 'a')))));
}

TEST(StunMessage, FingerprintMustBeLast) {
  const Bytes fp = attribute(stun::kAttrFingerprint, {0, 0, 0, 0});
  EXPECT_TRUE(parses(message(stun::kBindingRequest, fp)));
  EXPECT_FALSE(parses(message(stun::kBindingRequest, concat({fp, attribute(stun::kAttrSoftware, {'x'})}))));
  EXPECT_FALSE(parses(message(stun::kBindingRequest, concat({fp, fp}))));
}

TEST(StunMessage, IgnoresAttributesAfterIntegrityAndRepeats) {
  const Bytes attrs = concat({attribute(stun::kAttrUsername, {'a', ':', 'b'}), attribute(stun::kAttrUsername, {'c'}),
                              attribute(stun::kAttrMessageIntegrity, Bytes(20)), attribute(stun::kAttrUseCandidate, {}),
                              attribute(stun::kAttrPriority, {0, 0, 0, 7})});
  const Bytes bytes = message(stun::kBindingRequest, attrs);  // the view borrows it
  const auto m = StunMessage::parse(bytes);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->username(), "a:b");
  EXPECT_FALSE(m->useCandidate());
  EXPECT_FALSE(m->priority());
  EXPECT_FALSE(m->hasFingerprint());
  EXPECT_FALSE(m->verifyFingerprint());
}

TEST(StunMessage, AbsentIntegrityNeverVerifies) {
  const Bytes bytes = message(stun::kBindingRequest, attribute(stun::kAttrUsername, {'a'}));
  const auto m = StunMessage::parse(bytes);
  ASSERT_TRUE(m);
  EXPECT_FALSE(m->verifyMessageIntegrity(rfc5769::kPassword));
  EXPECT_FALSE(m->verifyMessageIntegrity(""));
}

TEST(StunMessage, DecodesMessageClasses) {
  for (const auto& [type, cls] : {std::pair{stun::kBindingRequest, stun::MessageClass::kRequest},
                                  std::pair{stun::kBindingIndication, stun::MessageClass::kIndication},
                                  std::pair{stun::kBindingSuccessResponse, stun::MessageClass::kSuccessResponse},
                                  std::pair{stun::kBindingErrorResponse, stun::MessageClass::kErrorResponse}}) {
    const Bytes bytes = message(type, {});
    const auto m = StunMessage::parse(bytes);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->messageClass(), cls);
    EXPECT_EQ(m->method(), stun::kMethodBinding);
  }
  // TURN Allocate (method 0x003) request and its error response (RFC 8656).
  const Bytes allocate = message(0x0003, {});
  EXPECT_EQ(StunMessage::parse(allocate)->method(), 0x003);
  const Bytes allocateError = message(0x0113, {});
  EXPECT_EQ(StunMessage::parse(allocateError)->messageClass(), stun::MessageClass::kErrorResponse);
  // Highest method bits: 0x3EEF is method 0xFFF as a request.
  const Bytes highest = message(0x3EEF, {});
  EXPECT_EQ(StunMessage::parse(highest)->method(), 0xFFF);
}

TEST(StunMessage, ErrorCodeValues) {
  const auto code = [](const Bytes& value) -> std::optional<uint16_t> {
    const Bytes bytes = message(stun::kBindingErrorResponse, attribute(stun::kAttrErrorCode, value));
    return StunMessage::parse(bytes)->errorCode();
  };
  EXPECT_EQ(code({0, 0, 4, 87}), 487);
  EXPECT_EQ(code({0, 0, 3, 0}), 300);
  EXPECT_FALSE(code({0, 0, 2, 0}));
  EXPECT_FALSE(code({0, 0, 4, 100}));
}

}  // namespace
}  // namespace atrium::ice
