// Expected bytes were produced by Node 20 (zlib 1.3.1-e00f703, Chromium's fork) with
// zlib.deflateSync(input), i.e. what the official UserSig npm package runs.
#include <gtest/gtest.h>

#include <string>

#include "crypto/crypto.h"

namespace atrium::crypto {
namespace {

// Geometrically skewed bytes: deep Huffman trees that exceed 15 bits and need zlib's rebalancing.
Bytes skewedBytes(size_t n) {
  uint32_t s = 2463534242u;
  Bytes out;
  for (size_t i = 0; i < n; ++i) {
    s ^= s << 13;
    s ^= s >> 17;
    s ^= s << 5;
    uint32_t v = s | (1u << 30);
    uint8_t zeros = 0;
    while ((v & 1) == 0) v >>= 1, ++zeros;
    out.push_back(zeros);
  }
  return out;
}

std::string repeated(std::string_view unit, int times) {
  std::string s;
  for (int i = 0; i < times; ++i) s += unit;
  return s;
}

TEST(NodeDeflate, SmallInputsMatchNodeExactly) {
  EXPECT_EQ(toHex(zlibCompressNodeCompatible({})), "789c030000000001");
  EXPECT_EQ(toHex(zlibCompressNodeCompatible(asBytes("a"))), "789c4b040000620062");
  EXPECT_EQ(toHex(zlibCompressNodeCompatible(asBytes(std::string(56, 'a')))), "789c4b4c240f00005d121539");
  EXPECT_EQ(toHex(zlibCompressNodeCompatible(asBytes(repeated("abcabcabcabcXabcabcabd", 20)))),
            "789c4b4c4a4e84a108182b25715474908b020082d8a7bd");
}

TEST(NodeDeflate, StoredFixedAndDynamicBlocksMatchNode) {
  Bytes all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<uint8_t>(i));  // incompressible: stored
  EXPECT_EQ(toHex(sha256(zlibCompressNodeCompatible(all))),
            "7e2335f752e46b5df645ae653060fc7a8540f6b8d43483381be05f9a57a31800");
  EXPECT_EQ(toHex(sha256(zlibCompressNodeCompatible(skewedBytes(5000)))),
            "c01b374dfb239109276357423e7b5a46ecfa99918152171229d4e0fb018d62a5");
  EXPECT_EQ(toHex(sha256(zlibCompressNodeCompatible(skewedBytes(kNodeDeflateMaxInput)))),
            "f49e2113aed8451fb18310aefd84688e7c686ecc6de81a88939609e34d471a36");
}

TEST(NodeDeflate, OutputAlwaysInflatesBack) {
  for (size_t n : {size_t{0}, size_t{1}, size_t{3}, size_t{4}, size_t{300}, kNodeDeflateMaxInput,
                   kNodeDeflateMaxInput + 1}) {
    const Bytes input = skewedBytes(n);
    const auto back = zlibInflate(zlibCompressNodeCompatible(input), n);
    ASSERT_TRUE(back) << n;
    EXPECT_EQ(*back, input) << n;
  }
  const Bytes random = randomBytes(2000);
  EXPECT_EQ(zlibInflate(zlibCompressNodeCompatible(random), random.size()), random);
}

}  // namespace
}  // namespace atrium::crypto
