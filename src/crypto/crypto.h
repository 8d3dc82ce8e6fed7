// One adapter over OpenSSL and zlib: hashing, HMAC, AES-256-GCM, randomness, base64, zlib.
// Only this folder includes OpenSSL or zlib headers.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace atrium::crypto {

using Bytes = std::vector<uint8_t>;
using Digest = std::array<uint8_t, 32>;

std::span<const uint8_t> asBytes(std::string_view s);

Digest sha256(std::span<const uint8_t> data);
Digest hmacSha256(std::span<const uint8_t> key, std::span<const uint8_t> message);
inline Digest hmacSha256(std::string_view key, std::string_view message) {
  return hmacSha256(asBytes(key), asBytes(message));
}
std::string toHex(std::span<const uint8_t> data);  // lower-case
std::optional<Bytes> fromHex(std::string_view hex);

// Equal-length comparison whose time does not depend on where the inputs differ.
bool constantTimeEqual(std::span<const uint8_t> a, std::span<const uint8_t> b);

Bytes randomBytes(size_t n);
std::string randomHex(size_t nBytes);  // 2*nBytes hex chars

// Standard base64 (RFC 4648 §4) with padding. Decoding rejects any character outside the
// alphabet and wrong padding; returns nullopt instead of throwing.
std::string base64Encode(std::span<const uint8_t> data);
std::optional<Bytes> base64Decode(std::string_view text);

// zlib stream format (RFC 1950: 2-byte header + Adler-32), i.e. compress()/inflate().
Bytes zlibCompress(std::span<const uint8_t> data, int level);
// Inflates at most maxOutput bytes; nullopt on corrupt input or when the output would exceed it.
std::optional<Bytes> zlibInflate(std::span<const uint8_t> data, size_t maxOutput);

// AES-256-GCM with a random 96-bit nonce. Output: nonce(12) || ciphertext || tag(16).
// `aad` binds the ciphertext to its context (e.g. "app:1400000000:secret").
inline constexpr size_t kAeadKeyBytes = 32;
Bytes aeadSeal(std::span<const uint8_t> key, std::span<const uint8_t> plaintext, std::string_view aad);
std::optional<Bytes> aeadOpen(std::span<const uint8_t> key, std::span<const uint8_t> sealed, std::string_view aad);

// Legacy digests that wire protocols mandate (legacy_digest.cc): STUN's MESSAGE-INTEGRITY is
// HMAC-SHA1 (RFC 8489 §14.5) and its FINGERPRINT is CRC-32 (§14.7). Both run on the media
// packet path, so neither allocates nor locks (unlike an EVP_MAC re-key, which allocates in
// OpenSSL 3.0). Never use them for anything new.
using Sha1Digest = std::array<uint8_t, 20>;
Sha1Digest hmacSha1(std::span<const uint8_t> key, std::span<const uint8_t> message);
// HMAC-SHA1 over the concatenation of `parts`, without joining them (a STUN integrity check
// covers a header copy with an adjusted length followed by the body).
Sha1Digest hmacSha1(std::span<const uint8_t> key, std::span<const std::span<const uint8_t>> parts);
// ITU-T V.42 / zlib CRC-32; pass a previous result to continue a running checksum.
uint32_t crc32(std::span<const uint8_t> data, uint32_t previous = 0);

}  // namespace atrium::crypto
