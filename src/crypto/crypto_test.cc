#include "crypto/crypto.h"

#include <gtest/gtest.h>

#include <string>

namespace atrium::crypto {
namespace {

Bytes repeat(uint8_t byte, size_t n) { return Bytes(n, byte); }
std::string hexOf(const Digest& d) { return toHex(d); }

TEST(Sha256, KnownAnswers) {
  EXPECT_EQ(hexOf(sha256(asBytes(""))), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hexOf(sha256(asBytes("abc"))), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hexOf(sha256(asBytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

// RFC 4231 §4.2-4.8 (test case 5 truncates the output, so it is not applicable here).
TEST(HmacSha256, Rfc4231) {
  EXPECT_EQ(hexOf(hmacSha256(repeat(0x0b, 20), asBytes("Hi There"))),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(hexOf(hmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(hexOf(hmacSha256(repeat(0xaa, 20), repeat(0xdd, 50))),
            "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
  Bytes key4;
  for (uint8_t i = 1; i <= 25; ++i) key4.push_back(i);
  EXPECT_EQ(hexOf(hmacSha256(key4, repeat(0xcd, 50))),
            "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
  EXPECT_EQ(hexOf(hmacSha256(repeat(0xaa, 131), asBytes("Test Using Larger Than Block-Size Key - Hash Key First"))),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  EXPECT_EQ(hexOf(hmacSha256(repeat(0xaa, 131),
                             asBytes("This is a test using a larger than block-size key and a larger than block-size "
                                     "data. The key needs to be hashed before being used by the HMAC algorithm."))),
            "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

TEST(HmacSha256, ReKeyingBetweenCallsDoesNotLeakState) {
  const Digest a1 = hmacSha256("key-a", "message");
  const Digest b = hmacSha256("key-b", "message");
  const Digest a2 = hmacSha256("key-a", "message");
  EXPECT_EQ(a1, a2);
  EXPECT_NE(a1, b);
  // An empty key is legal HMAC (padded with zeros) and must not reuse the previous key.
  EXPECT_EQ(hexOf(hmacSha256("", "")), "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST(Hex, RoundTripAndRejects) {
  const Bytes data = {0x00, 0x01, 0xab, 0xff};
  EXPECT_EQ(toHex(data), "0001abff");
  EXPECT_EQ(fromHex("0001abff"), data);
  EXPECT_EQ(fromHex("0001ABFF"), data);
  EXPECT_EQ(fromHex(""), Bytes{});
  EXPECT_FALSE(fromHex("abc"));
  EXPECT_FALSE(fromHex("zz"));
  EXPECT_FALSE(fromHex("0x"));
  EXPECT_EQ(randomHex(16).size(), 32u);
}

TEST(Base64, Rfc4648Vectors) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"}, {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : cases) {
    EXPECT_EQ(base64Encode(asBytes(plain)), encoded);
    const auto decoded = base64Decode(encoded);
    ASSERT_TRUE(decoded) << encoded;
    EXPECT_EQ(std::string(decoded->begin(), decoded->end()), plain);
  }
}

TEST(Base64, RoundTripsAllLengthsAndBytes) {
  for (size_t n = 0; n < 70; ++n) {
    const Bytes data = randomBytes(n);
    EXPECT_EQ(base64Decode(base64Encode(data)), data);
  }
  Bytes all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<uint8_t>(i));
  EXPECT_EQ(base64Decode(base64Encode(all)), all);
}

TEST(Base64, RejectsMalformedInput) {
  for (std::string_view bad : {"Zg", "Zg=", "Zg===", "=Zg=", "Z=g=", "Zm9v\n", " Zm9v", "Zm9v Zg==", "Zm-v",
                               "Zm_v", "Zm*v", "Zm9v====", "====", "Zh==", "Zm9=", "Zg==Zg=="}) {
    EXPECT_FALSE(base64Decode(bad)) << bad;
  }
  EXPECT_FALSE(base64Decode(std::string_view("Zm\0v", 4)));
  EXPECT_FALSE(base64Decode("Zm9v\xff\xff\xff\xff"));
}

TEST(Zlib, RoundTripsAtEveryLevel) {
  std::string text;
  for (int i = 0; i < 200; ++i) text += "TLS.identifier:user" + std::to_string(i) + "\n";
  for (int level : {0, 1, 6, 9}) {
    const Bytes packed = zlibCompress(asBytes(text), level);
    ASSERT_GE(packed.size(), 6u);
    EXPECT_EQ(packed[0], 0x78) << level;  // zlib header, not raw deflate or gzip
    const auto unpacked = zlibInflate(packed, text.size());
    ASSERT_TRUE(unpacked) << level;
    EXPECT_EQ(std::string(unpacked->begin(), unpacked->end()), text);
  }
  const auto empty = zlibInflate(zlibCompress({}, 6), 0);
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
}

TEST(Zlib, InflateEnforcesTheOutputCap) {
  const Bytes big(100000, 'a');
  const Bytes packed = zlibCompress(big, 9);
  EXPECT_LT(packed.size(), 1000u);  // a compression bomb in miniature
  EXPECT_FALSE(zlibInflate(packed, big.size() - 1));
  EXPECT_FALSE(zlibInflate(packed, 4096));
  EXPECT_TRUE(zlibInflate(packed, big.size()));
}

TEST(Zlib, InflateRejectsCorruptInput) {
  const std::string text = "{\"TLS.ver\":\"2.0\",\"TLS.identifier\":\"someone\"}";
  const Bytes packed = zlibCompress(asBytes(text), 6);
  EXPECT_FALSE(zlibInflate({}, 100));
  EXPECT_FALSE(zlibInflate(asBytes(text), 100));  // not compressed at all
  Bytes truncated(packed.begin(), packed.end() - 1);
  EXPECT_FALSE(zlibInflate(truncated, 100));
  Bytes badChecksum = packed;
  badChecksum.back() ^= 0x01;
  EXPECT_FALSE(zlibInflate(badChecksum, 100));
  Bytes trailing = packed;
  trailing.push_back(0);
  EXPECT_FALSE(zlibInflate(trailing, 100));
  Bytes badHeader = packed;
  badHeader[1] ^= 0x01;
  EXPECT_FALSE(zlibInflate(badHeader, 100));
}

TEST(Aead, SealOpenRoundTrip) {
  const Bytes key = randomBytes(kAeadKeyBytes);
  const std::string secret = "app secret key 0123456789";
  const Bytes sealed = aeadSeal(key, asBytes(secret), "app:1400000000:secret");
  ASSERT_EQ(sealed.size(), 12 + secret.size() + 16);
  const auto opened = aeadOpen(key, sealed, "app:1400000000:secret");
  ASSERT_TRUE(opened);
  EXPECT_EQ(std::string(opened->begin(), opened->end()), secret);
  // Fresh nonce per seal: the same plaintext never gives the same ciphertext.
  EXPECT_NE(aeadSeal(key, asBytes(secret), "a"), aeadSeal(key, asBytes(secret), "a"));
  const auto empty = aeadOpen(key, aeadSeal(key, {}, ""), "");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
}

TEST(Aead, TamperingIsDetected) {
  const Bytes key = randomBytes(kAeadKeyBytes);
  const Bytes sealed = aeadSeal(key, asBytes("payload"), "ctx");
  for (size_t i = 0; i < sealed.size(); ++i) {
    Bytes flipped = sealed;
    flipped[i] ^= 0x80;
    EXPECT_FALSE(aeadOpen(key, flipped, "ctx")) << "byte " << i;
  }
  EXPECT_FALSE(aeadOpen(key, sealed, "ctx2"));
  EXPECT_FALSE(aeadOpen(key, sealed, ""));
  Bytes otherKey = key;
  otherKey[0] ^= 1;
  EXPECT_FALSE(aeadOpen(otherKey, sealed, "ctx"));
  EXPECT_FALSE(aeadOpen(Bytes(16, 0), sealed, "ctx"));
  EXPECT_FALSE(aeadOpen(key, std::span(sealed).first(sealed.size() - 1), "ctx"));
  EXPECT_FALSE(aeadOpen(key, std::span(sealed).first(27), "ctx"));
  EXPECT_FALSE(aeadOpen(key, {}, "ctx"));
  EXPECT_TRUE(aeadSeal(Bytes(16, 0), asBytes("x"), "").empty());
}

TEST(ConstantTimeEqual, ComparesContentAndLength) {
  const Bytes a = {1, 2, 3};
  EXPECT_TRUE(constantTimeEqual(a, Bytes{1, 2, 3}));
  EXPECT_FALSE(constantTimeEqual(a, Bytes{1, 2, 4}));
  EXPECT_FALSE(constantTimeEqual(a, Bytes{9, 2, 3}));
  EXPECT_FALSE(constantTimeEqual(a, Bytes{1, 2}));
  EXPECT_TRUE(constantTimeEqual({}, {}));
}

}  // namespace
}  // namespace atrium::crypto
