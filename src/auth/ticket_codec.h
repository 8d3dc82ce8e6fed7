// Internal to src/auth: the wire form of a ticket (base64url'(zlib(JSON))) and the signed content.
// ticket.h is the public API; this header is shared only by the .cc files of this folder.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "auth/ticket.h"

namespace atrium::auth::codec {

// The names decodeTicket's messages use, so a PrivateMapKey failure does not say "UserSig".
struct Wording {
  std::string_view noun;            // "UserSig" or "PrivateMapKey"
  std::string_view emptyCode;       // kTicketEmpty or kPmkMissing
  std::string_view malformedCode;   // kTicketMalformed or kPmkMalformed
};
inline constexpr Wording kUserSigWording{"UserSig", kTicketEmpty, kTicketMalformed};
inline constexpr Wording kPmkWording{"PrivateMapKey", kPmkMissing, kPmkMalformed};

base::Result<DecodedTicket> decode(std::string_view token, const Wording& wording);

// "TLS.identifier:<id>\nTLS.sdkappid:<app>\nTLS.time:<t>\nTLS.expire:<e>\n[TLS.userbuf:<b64>\n]"
std::string signedContent(std::string_view identifier, uint64_t sdkAppId, int64_t time, int64_t expire,
                          const std::optional<std::string>& userbufBase64);

// JSON in the npm package's key order and JSON.stringify's escaping, then compressed and
// base64url'-encoded. Level 6 reproduces the npm package's bytes exactly.
std::string encode(std::string_view identifier, uint64_t sdkAppId, int64_t time, int64_t expire,
                   const std::optional<std::string>& userbufBase64, std::string_view sigBase64, int zlibLevel);

}  // namespace atrium::auth::codec
