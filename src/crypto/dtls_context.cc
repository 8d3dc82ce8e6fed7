#include "crypto/dtls_context.h"

#include "crypto/openssl_ptr.h"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "crypto/cert.h"

namespace atrium::crypto {
namespace {

using ossl::Bio;
using ossl::Cert;
using ossl::PKey;
using Ctx = ossl::SslCtx;

// ECDHE only (forward secrecy), AEAD first. Both ECDSA and RSA suites: the suite follows the
// *server's* certificate, and when we are the DTLS client the peer's certificate may be RSA.
constexpr const char* kCipherList =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA:ECDHE-RSA-AES256-SHA";
constexpr const char* kGroups = "X25519:P-256:P-384";

// Self-signed peers never chain to a trust anchor; the certificate is authenticated afterwards
// by comparing its digest with the SDP fingerprint (DtlsTransport). Accepting here is what lets
// the handshake reach that check.
int acceptAnyCertificate(int /*preverifyOk*/, X509_STORE_CTX* /*store*/) { return 1; }

base::Error fail(const std::string& what) { return base::makeError("DTLS_CONTEXT", "DTLS context: " + what); }

}  // namespace

std::string_view openSslVersion() { return OpenSSL_version(OPENSSL_VERSION); }

base::Result<std::unique_ptr<DtlsContext>> DtlsContext::create(const std::string& commonName, int validDays) {
  auto pem = makeSelfSignedCertificate(commonName, {}, validDays);
  if (!pem) return pem.error();
  auto fingerprint = certificateFingerprint(pem->certificatePem);
  if (!fingerprint) return fingerprint.error();

  Bio certBio(BIO_new_mem_buf(pem->certificatePem.data(), static_cast<int>(pem->certificatePem.size())));
  Bio keyBio(BIO_new_mem_buf(pem->privateKeyPem.data(), static_cast<int>(pem->privateKeyPem.size())));
  Cert cert(certBio ? PEM_read_bio_X509(certBio.get(), nullptr, nullptr, nullptr) : nullptr);
  PKey key(keyBio ? PEM_read_bio_PrivateKey(keyBio.get(), nullptr, nullptr, nullptr) : nullptr);
  OPENSSL_cleanse(pem->privateKeyPem.data(), pem->privateKeyPem.size());
  if (!cert || !key) return fail("cannot load the generated certificate");

  Ctx ctx(SSL_CTX_new(DTLS_method()));
  if (!ctx) return fail("SSL_CTX_new");
  // DTLS 1.2 only: OpenSSL 3.0 has no DTLS 1.3, DTLS 1.0 is obsolete (RFC 8996), and browsers
  // that offer 1.3 fall back to 1.2.
  if (SSL_CTX_set_min_proto_version(ctx.get(), DTLS1_2_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(ctx.get(), DTLS1_2_VERSION) != 1)
    return fail("protocol version");
  if (SSL_CTX_use_certificate(ctx.get(), cert.get()) != 1 || SSL_CTX_use_PrivateKey(ctx.get(), key.get()) != 1 ||
      SSL_CTX_check_private_key(ctx.get()) != 1)
    return fail("certificate/key");
  if (SSL_CTX_set_cipher_list(ctx.get(), kCipherList) != 1) return fail("cipher list");
  if (SSL_CTX_set1_groups_list(ctx.get(), kGroups) != 1) return fail("groups");
  // Both roles demand the peer's certificate: without it there is nothing to match against the
  // SDP fingerprint (RFC 5763 §5).
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, acceptAnyCertificate);
  // Memory-BIO transport: MTU is set per session, never probed from a socket. WebRTC sessions are
  // never resumed or renegotiated, and ICE already proves return routability (no cookie exchange).
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_QUERY_MTU | SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION |
                                     SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_OFF);
  return std::make_unique<DtlsContext>(Token{}, ctx.release(), std::move(*fingerprint));
}

DtlsContext::~DtlsContext() { SSL_CTX_free(ctx_); }

}  // namespace atrium::crypto
