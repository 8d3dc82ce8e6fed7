#include "crypto/cert.h"

#include "crypto/openssl_ptr.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace atrium::crypto {
namespace {

using ossl::Bio;
using ossl::Cert;
using ossl::PKey;
using ossl::Ext;

std::string bioText(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

bool addExtension(X509* cert, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  Ext ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  return ext && X509_add_ext(cert, ext.get(), -1) == 1;
}

}  // namespace

base::Result<PemPair> makeSelfSignedCertificate(const std::string& commonName,
                                                const std::vector<std::string>& subjectAltNames, int validDays) {
  auto fail = [](const char* what) { return base::makeError("CERT", std::string("certificate generation failed: ") + what); };
  PKey key(EVP_EC_gen("P-256"));
  if (!key) return fail("key");
  Cert cert(X509_new());
  if (!cert) return fail("x509");
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(validDays) * 86400);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("Atrium development"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(commonName.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  std::string sans;
  for (const auto& s : subjectAltNames) sans += (sans.empty() ? "" : ",") + s;
  if (!sans.empty() && !addExtension(cert.get(), NID_subject_alt_name, sans)) return fail("subjectAltName");
  // CA:TRUE lets clients pin this certificate as their trust anchor (as the tests do).
  if (!addExtension(cert.get(), NID_basic_constraints, "critical,CA:TRUE")) return fail("basicConstraints");
  if (!addExtension(cert.get(), NID_key_usage, "critical,digitalSignature,keyCertSign")) return fail("keyUsage");
  if (!addExtension(cert.get(), NID_ext_key_usage, "serverAuth")) return fail("extKeyUsage");
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) return fail("sign");

  Bio certBio(BIO_new(BIO_s_mem())), keyBio(BIO_new(BIO_s_mem()));
  if (!PEM_write_bio_X509(certBio.get(), cert.get())) return fail("PEM cert");
  if (!PEM_write_bio_PrivateKey(keyBio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr)) return fail("PEM key");
  return PemPair{bioText(certBio.get()), bioText(keyBio.get())};
}

base::Result<std::string> certificateFingerprint(const std::string& certificatePem) {
  Bio bio(BIO_new_mem_buf(certificatePem.data(), static_cast<int>(certificatePem.size())));
  Cert cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) return base::makeError("CERT", "not a PEM certificate");
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  X509_digest(cert.get(), EVP_sha256(), md, &n);
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned int i = 0; i < n; ++i) {
    if (i) out += ':';
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

}  // namespace atrium::crypto
