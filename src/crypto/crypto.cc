// Hashing, HMAC, AES-256-GCM and randomness over OpenSSL 3 EVP.
#include "crypto/crypto.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>

namespace atrium::crypto {
namespace {

constexpr size_t kGcmNonceBytes = 12;
constexpr size_t kGcmTagBytes = 16;

// Algorithm objects are fetched once: an implicit fetch on every call (EVP_sha256() and friends)
// costs a provider lookup, which dominated a UserSig verification in profiles.
const EVP_MD* sha256Md() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

EVP_MAC* hmacAlgorithm() {
  static EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  return mac;
}

const EVP_CIPHER* aes256Gcm() {
  static EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  return cipher;
}

// A failure of the library itself (allocation, missing provider) leaves no safe way to go on:
// returning a zero digest or predictable bytes would be worse than stopping.
[[noreturn]] void fatal(const char* what) {
  std::fprintf(stderr, "atrium crypto: fatal OpenSSL failure in %s\n", what);
  std::abort();
}

struct MacCtxDeleter {
  void operator()(EVP_MAC_CTX* ctx) const { EVP_MAC_CTX_free(ctx); }
};
struct CipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};

// One HMAC context per thread, already bound to SHA-256; each call only re-keys it.
EVP_MAC_CTX* threadHmacCtx() {
  thread_local std::unique_ptr<EVP_MAC_CTX, MacCtxDeleter> ctx = [] {
    EVP_MAC* mac = hmacAlgorithm();
    if (mac == nullptr) fatal("EVP_MAC_fetch(HMAC)");
    std::unique_ptr<EVP_MAC_CTX, MacCtxDeleter> c(EVP_MAC_CTX_new(mac));
    if (!c) fatal("EVP_MAC_CTX_new");
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                           OSSL_PARAM_construct_end()};
    if (EVP_MAC_CTX_set_params(c.get(), params) != 1) fatal("EVP_MAC_CTX_set_params");
    return c;
  }();
  return ctx.get();
}

}  // namespace

std::span<const uint8_t> asBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

Digest sha256(std::span<const uint8_t> data) {
  Digest out{};
  unsigned int len = 0;
  const EVP_MD* md = sha256Md();
  if (md == nullptr || EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr) != 1 ||
      len != out.size()) {
    fatal("EVP_Digest(SHA256)");
  }
  return out;
}

Digest hmacSha256(std::span<const uint8_t> key, std::span<const uint8_t> message) {
  // HMAC accepts an empty key, but EVP_MAC_init treats a null key pointer as "keep the old key".
  static const uint8_t kEmpty = 0;
  const uint8_t* keyPtr = key.empty() ? &kEmpty : key.data();
  EVP_MAC_CTX* ctx = threadHmacCtx();
  Digest out{};
  size_t len = 0;
  if (EVP_MAC_init(ctx, keyPtr, key.size(), nullptr) != 1 ||
      EVP_MAC_update(ctx, message.data(), message.size()) != 1 ||
      EVP_MAC_final(ctx, out.data(), &len, out.size()) != 1 || len != out.size()) {
    fatal("HMAC-SHA256");
  }
  return out;
}

bool constantTimeEqual(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  // Lengths are public (a digest is always 32 bytes); only the contents must not leak.
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

Bytes randomBytes(size_t n) {
  Bytes out(n);
  if (n > 0 && RAND_bytes(out.data(), static_cast<int>(n)) != 1) fatal("RAND_bytes");
  return out;
}

std::string randomHex(size_t nBytes) { return toHex(randomBytes(nBytes)); }

Bytes aeadSeal(std::span<const uint8_t> key, std::span<const uint8_t> plaintext, std::string_view aad) {
  // A wrong key size is a caller bug; an empty result can never be opened, so nothing leaks.
  if (key.size() != kAeadKeyBytes) return {};
  std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter> ctx(EVP_CIPHER_CTX_new());
  if (!ctx) fatal("EVP_CIPHER_CTX_new");
  Bytes out = randomBytes(kGcmNonceBytes);
  out.resize(kGcmNonceBytes + plaintext.size() + kGcmTagBytes);
  int aadLen = 0;
  int len = 0;
  uint8_t* cipherText = out.data() + kGcmNonceBytes;
  if (EVP_EncryptInit_ex2(ctx.get(), aes256Gcm(), key.data(), out.data(), nullptr) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &aadLen, asBytes(aad).data(), static_cast<int>(aad.size())) != 1 ||
      (!plaintext.empty() &&
       EVP_EncryptUpdate(ctx.get(), cipherText, &len, plaintext.data(), static_cast<int>(plaintext.size())) != 1) ||
      EVP_EncryptFinal_ex(ctx.get(), cipherText + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kGcmTagBytes,
                          out.data() + kGcmNonceBytes + plaintext.size()) != 1) {
    fatal("AES-256-GCM seal");
  }
  return out;
}

std::optional<Bytes> aeadOpen(std::span<const uint8_t> key, std::span<const uint8_t> sealed, std::string_view aad) {
  if (key.size() != kAeadKeyBytes || sealed.size() < kGcmNonceBytes + kGcmTagBytes) return std::nullopt;
  const size_t textLen = sealed.size() - kGcmNonceBytes - kGcmTagBytes;
  std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter> ctx(EVP_CIPHER_CTX_new());
  if (!ctx) fatal("EVP_CIPHER_CTX_new");
  Bytes plain(textLen);
  // The tag is copied out because the ctrl call takes a non-const pointer.
  std::array<uint8_t, kGcmTagBytes> tag{};
  std::copy(sealed.end() - kGcmTagBytes, sealed.end(), tag.begin());
  int aadLen = 0;
  int len = 0;
  if (EVP_DecryptInit_ex2(ctx.get(), aes256Gcm(), key.data(), sealed.data(), nullptr) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &aadLen, asBytes(aad).data(), static_cast<int>(aad.size())) != 1 ||
      (textLen > 0 && EVP_DecryptUpdate(ctx.get(), plain.data(), &len, sealed.data() + kGcmNonceBytes,
                                        static_cast<int>(textLen)) != 1) ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kGcmTagBytes, tag.data()) != 1) {
    return std::nullopt;
  }
  int finalLen = 0;
  // Final fails exactly when the tag does not authenticate nonce, aad and ciphertext.
  if (EVP_DecryptFinal_ex(ctx.get(), plain.data() + len, &finalLen) != 1) return std::nullopt;
  return plain;
}

}  // namespace atrium::crypto
