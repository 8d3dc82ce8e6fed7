// Self-signed TLS certificates for development mode (ECDSA P-256, SHA-256, SANs).
#pragma once

#include <string>
#include <vector>

#include "base/result.h"

namespace atrium::crypto {

struct PemPair {
  std::string certificatePem;
  std::string privateKeyPem;
};

// subjectAltNames entries: "DNS:localhost", "IP:127.0.0.1", ...
base::Result<PemPair> makeSelfSignedCertificate(const std::string& commonName,
                                                const std::vector<std::string>& subjectAltNames, int validDays);

// SHA-256 fingerprint of the first certificate in a PEM text, as "AB:CD:..." (what browsers show).
base::Result<std::string> certificateFingerprint(const std::string& certificatePem);

}  // namespace atrium::crypto
