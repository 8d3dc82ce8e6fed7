// HMAC-SHA1 (RFC 2104 over FIPS 180-4 SHA-1) and CRC-32 for STUN's MESSAGE-INTEGRITY and
// FINGERPRINT attributes.
//
// Why the low-level SHA1_* calls instead of EVP: in OpenSSL 3.0 every EVP_MAC_init (a re-key)
// and every EVP_DigestInit allocates, and a STUN check arrives on the media thread, where
// nothing may allocate. SHA_CTX lives on the stack; the calls are deprecated, not removed, and
// this is the only file that uses them.
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <zlib.h>

#include <algorithm>
#include <array>

#include "crypto/crypto.h"

namespace atrium::crypto {
namespace {

constexpr size_t kSha1BlockBytes = 64;

using Block = std::array<uint8_t, kSha1BlockBytes>;

// RFC 2104 §2: keys longer than the block are hashed first; shorter ones are zero-padded.
Block paddedKey(std::span<const uint8_t> key) {
  Block block{};
  if (key.size() > kSha1BlockBytes) {
    // Not the one-shot SHA1(): in OpenSSL 3.0 that goes through EVP and allocates.
    SHA_CTX ctx;
    SHA1_Init(&ctx);
    SHA1_Update(&ctx, key.data(), key.size());
    SHA1_Final(block.data(), &ctx);
    OPENSSL_cleanse(&ctx, sizeof(ctx));
  } else if (!key.empty()) {
    std::copy(key.begin(), key.end(), block.begin());
  }
  return block;
}

Block xored(const Block& key, uint8_t pad) {
  Block out{};
  for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<uint8_t>(key[i] ^ pad);
  return out;
}

}  // namespace

Sha1Digest hmacSha1(std::span<const uint8_t> key, std::span<const std::span<const uint8_t>> parts) {
  Block k = paddedKey(key);
  Block inner = xored(k, 0x36);
  Block outer = xored(k, 0x5c);
  Sha1Digest innerHash{};
  Sha1Digest out{};
  SHA_CTX ctx;
  SHA1_Init(&ctx);
  SHA1_Update(&ctx, inner.data(), inner.size());
  for (const auto& part : parts) {
    if (!part.empty()) SHA1_Update(&ctx, part.data(), part.size());
  }
  SHA1_Final(innerHash.data(), &ctx);
  SHA1_Init(&ctx);
  SHA1_Update(&ctx, outer.data(), outer.size());
  SHA1_Update(&ctx, innerHash.data(), innerHash.size());
  SHA1_Final(out.data(), &ctx);
  // The padded key is secret material; do not leave it in dead stack slots.
  OPENSSL_cleanse(k.data(), k.size());
  OPENSSL_cleanse(inner.data(), inner.size());
  OPENSSL_cleanse(outer.data(), outer.size());
  OPENSSL_cleanse(&ctx, sizeof(ctx));
  return out;
}

Sha1Digest hmacSha1(std::span<const uint8_t> key, std::span<const uint8_t> message) {
  const std::array<std::span<const uint8_t>, 1> parts{message};
  return hmacSha1(key, parts);
}

uint32_t crc32(std::span<const uint8_t> data, uint32_t previous) {
  if (data.empty()) return previous;
  return static_cast<uint32_t>(::crc32_z(previous, data.data(), data.size()));
}

}  // namespace atrium::crypto
