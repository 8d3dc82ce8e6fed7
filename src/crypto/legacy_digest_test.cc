// HMAC-SHA1 against RFC 2202 §3, CRC-32 against the standard check value, and the property the
// STUN path relies on: neither function touches OpenSSL's allocator.
#include <openssl/crypto.h>

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cstdlib>
#include <string>

#include "crypto/crypto.h"

namespace atrium::crypto {
namespace {

// Installed before main(), i.e. before anything in this binary can have allocated through
// OpenSSL (CRYPTO_set_mem_functions refuses once an allocation has happened).
std::atomic<int> opensslAllocations{0};
void* countingMalloc(size_t n, const char*, int) {
  opensslAllocations.fetch_add(1);
  return std::malloc(n);
}
void* countingRealloc(void* p, size_t n, const char*, int) {
  opensslAllocations.fetch_add(1);
  return std::realloc(p, n);
}
void plainFree(void* p, const char*, int) { std::free(p); }
const bool kAllocatorHooked = CRYPTO_set_mem_functions(countingMalloc, countingRealloc, plainFree) == 1;

Bytes repeat(uint8_t byte, size_t n) { return Bytes(n, byte); }

TEST(HmacSha1, Rfc2202) {
  EXPECT_EQ(toHex(hmacSha1(repeat(0x0b, 20), asBytes("Hi There"))), "b617318655057264e28bc0b6fb378c8ef146be00");
  EXPECT_EQ(toHex(hmacSha1(asBytes("Jefe"), asBytes("what do ya want for nothing?"))),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
  EXPECT_EQ(toHex(hmacSha1(repeat(0xaa, 20), repeat(0xdd, 50))), "125d7342b9ac11cd91a39af48aa17b4f63f175d3");
  Bytes key4;
  for (uint8_t i = 1; i <= 25; ++i) key4.push_back(i);
  EXPECT_EQ(toHex(hmacSha1(key4, repeat(0xcd, 50))), "4c9007f4026250c6bc8414f9bf50c86c2d7235da");
  // Test cases 6 and 7: an 80-byte key is longer than the block and is hashed first.
  EXPECT_EQ(toHex(hmacSha1(repeat(0xaa, 80), asBytes("Test Using Larger Than Block-Size Key - Hash Key First"))),
            "aa4ae5e15272d00e95705637ce8a3b55ed402112");
  EXPECT_EQ(toHex(hmacSha1(repeat(0xaa, 80),
                           asBytes("Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data"))),
            "e8e99d0f45237d786d6bbaa7965c7808bbff1a91");
  EXPECT_EQ(toHex(hmacSha1(Bytes{}, Bytes{})), "fbdb1d1b18aa6c08324b7d64b71fb76370690e1d");
}

TEST(HmacSha1, PartsEqualTheConcatenation) {
  const std::string whole = "Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data";
  for (size_t cut1 = 0; cut1 <= whole.size(); cut1 += 7) {
    for (size_t cut2 = cut1; cut2 <= whole.size(); cut2 += 11) {
      const std::string_view w = whole;
      const std::array<std::span<const uint8_t>, 3> parts{asBytes(w.substr(0, cut1)),
                                                          asBytes(w.substr(cut1, cut2 - cut1)),
                                                          asBytes(w.substr(cut2))};
      EXPECT_EQ(hmacSha1(asBytes("key"), parts), hmacSha1(asBytes("key"), asBytes(whole)));
    }
  }
  EXPECT_EQ(hmacSha1(asBytes("key"), std::span<const std::span<const uint8_t>>{}),
            hmacSha1(asBytes("key"), Bytes{}));
}

TEST(Crc32, CheckValueAndRunningChecksum) {
  EXPECT_EQ(crc32(asBytes("123456789")), 0xcbf43926u);
  EXPECT_EQ(crc32(asBytes("")), 0u);
  EXPECT_EQ(crc32(asBytes("56789"), crc32(asBytes("1234"))), 0xcbf43926u);
}

TEST(LegacyDigest, NeverAllocatesThroughOpenSsl) {
  if (!kAllocatorHooked) GTEST_SKIP() << "OpenSSL allocated before the counting hook was installed";
  const Bytes key = repeat(0xaa, 80);  // the long-key branch hashes the key as well
  const Bytes message = repeat(0x42, 1500);
  const int before = opensslAllocations.load();
  for (int i = 0; i < 100; ++i) {
    (void)hmacSha1(key, message);
    (void)hmacSha1(asBytes("VOkJxbRl1RmTxUk/WvJxBt"), message);
    (void)crc32(message);
  }
  EXPECT_EQ(opensslAllocations.load(), before);
}

}  // namespace
}  // namespace atrium::crypto
