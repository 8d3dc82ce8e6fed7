// DtlsContext: the process-wide DTLS identity (one self-signed ECDSA P-256 certificate, as
// browsers make for WebRTC) and the OpenSSL SSL_CTX that every DtlsSession is created from.
// Create one at start-up and lend it by reference; SSL objects keep their own reference to the
// SSL_CTX, so sessions stay valid even if they outlive the C++ wrapper.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"

struct ssl_ctx_st;  // OpenSSL's SSL_CTX, opaque here so no header outside crypto/ sees OpenSSL

namespace atrium::crypto {

// The OpenSSL library linked at run time ("OpenSSL 3.0.19 27 Jan 2026"): DTLS behaviour at the
// edges differs between builds, so logs and test output name it.
std::string_view openSslVersion();

class DtlsContext {
  struct Token {  // passkey: create() is the only way in, yet make_unique needs a public constructor
    explicit Token() = default;
  };

 public:
  // WebRTC peers authenticate the certificate by its SDP fingerprint, never by a CA, so a
  // short-lived self-signed certificate per process is all that is needed (RFC 5763 §5).
  static base::Result<std::unique_ptr<DtlsContext>> create(const std::string& commonName = "atrium",
                                                           int validDays = 30);
  DtlsContext(Token, ssl_ctx_st* ctx, std::string fingerprint) : ctx_(ctx), fingerprint_(std::move(fingerprint)) {}
  ~DtlsContext();
  DtlsContext(const DtlsContext&) = delete;
  DtlsContext& operator=(const DtlsContext&) = delete;

  // SHA-256 fingerprint "AB:CD:..." for `a=fingerprint:sha-256 ...` (RFC 8122 §5).
  const std::string& fingerprintSha256() const { return fingerprint_; }

  // For DtlsSession only (same folder).
  ssl_ctx_st* native() const { return ctx_; }

 private:
  ssl_ctx_st* ctx_;  // owned (one reference)
  std::string fingerprint_;
};

}  // namespace atrium::crypto
