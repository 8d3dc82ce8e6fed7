// UserSig v2 and PrivateMapKey (trtc-compat §1-2): generation and verification.
//
// A ticket is base64url'(zlib(JSON)) where base64url' maps + / = to * - _. The JSON carries
// TLS.ver, TLS.identifier, TLS.sdkappid, TLS.time, TLS.expire, [TLS.userbuf], TLS.sig and
// TLS.sig = base64(HMAC-SHA256(secretKey as ASCII, content)) with content =
//   "TLS.identifier:<id>\nTLS.sdkappid:<app>\nTLS.time:<t>\nTLS.expire:<e>\n[TLS.userbuf:<b64>\n]".
// Official encoders differ in key order, zlib level and escaping, so the verifier parses and
// recomputes; it never compares encodings.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/ids.h"
#include "base/result.h"

namespace atrium::auth {

// Error codes (base::Error::code) returned by the verifiers. Each failure has its own code.
inline constexpr std::string_view kTicketEmpty = "USERSIG_EMPTY";
inline constexpr std::string_view kTicketMalformed = "USERSIG_MALFORMED";        // base64/zlib/JSON/fields
inline constexpr std::string_view kTicketBadSignature = "USERSIG_BAD_SIGNATURE";
inline constexpr std::string_view kTicketExpired = "USERSIG_EXPIRED";
inline constexpr std::string_view kTicketWrongApp = "USERSIG_WRONG_APP";
inline constexpr std::string_view kTicketWrongUser = "USERSIG_WRONG_USER";
inline constexpr std::string_view kTicketUnexpectedUserbuf = "USERSIG_UNEXPECTED_USERBUF";
inline constexpr std::string_view kPmkMissing = "PRIVMAPKEY_MISSING";
inline constexpr std::string_view kPmkMalformed = "PRIVMAPKEY_MALFORMED";        // incl. bad userbuf
inline constexpr std::string_view kPmkBadSignature = "PRIVMAPKEY_BAD_SIGNATURE";
inline constexpr std::string_view kPmkExpired = "PRIVMAPKEY_EXPIRED";
inline constexpr std::string_view kPmkWrongApp = "PRIVMAPKEY_WRONG_APP";
inline constexpr std::string_view kPmkWrongUser = "PRIVMAPKEY_WRONG_USER";
inline constexpr std::string_view kPmkWrongRoom = "PRIVMAPKEY_WRONG_ROOM";
inline constexpr std::string_view kPmkNoPrivilege = "PRIVMAPKEY_NO_PRIVILEGE";

// Privilege bits of a PrivateMapKey (trtc-compat §2.2).
enum Privilege : uint32_t {
  kPrivCreateRoom = 1,
  kPrivEnterRoom = 2,
  kPrivSendAudio = 4,
  kPrivRecvAudio = 8,
  kPrivSendVideo = 16,
  kPrivRecvVideo = 32,
  kPrivSendSubVideo = 64,
  kPrivRecvSubVideo = 128,
  kPrivAll = 255,
};

// Upper bound on a ticket's text and inflated JSON: anything larger is malformed, not parsed.
inline constexpr size_t kMaxTicketChars = 4096;
inline constexpr size_t kMaxTicketJsonBytes = 4096;

// The fields of a decoded ticket, exactly as found (no signature check).
struct DecodedTicket {
  std::string version;
  std::string identifier;
  uint64_t sdkAppId = 0;
  int64_t time = 0;
  int64_t expire = 0;
  std::optional<std::string> userbufBase64;
  std::string sigBase64;
};

// Parses a ticket: any zlib level, any key order, whitespace, "\/" escapes.
base::Result<DecodedTicket> decodeTicket(std::string_view token);

// The PrivateMapKey userbuf (trtc-compat §2.1, big-endian).
struct UserBuf {
  std::string account;
  uint32_t sdkAppId = 0;
  uint32_t roomId = 0;        // numeric room; 0 with a string room
  uint32_t expireAt = 0;      // absolute Unix seconds
  uint32_t privileges = 0;
  uint32_t accountType = 0;
  std::optional<std::string> strRoomId;  // present iff cVer == 1
};
std::string encodeUserBuf(const UserBuf& buf);                 // raw bytes
std::optional<UserBuf> decodeUserBuf(std::string_view raw);    // strict: exact length

struct GenerateOptions {
  int zlibLevel = 6;  // node uses 6, the C++ library 1, Go 0: all are valid
};
std::string generateUserSig(uint32_t sdkAppId, std::string_view secretKey, std::string_view userId,
                            int64_t expireSeconds, int64_t nowSeconds, GenerateOptions options = {});
// roomId is either numeric (strRoomId empty) or a string room.
std::string generatePrivateMapKey(uint32_t sdkAppId, std::string_view secretKey, std::string_view userId,
                                  const base::RoomId& room, uint32_t privileges, int64_t expireSeconds,
                                  int64_t nowSeconds, GenerateOptions options = {});

struct VerifiedTicket {
  int64_t expiresAt = 0;  // Unix seconds
};

// Verifies a plain UserSig for (sdkAppId, userId) at nowSeconds, tolerating clockSkewSeconds of
// difference between our clock and the issuer's. A ticket carrying a userbuf is refused.
base::Result<VerifiedTicket> verifyUserSig(std::string_view token, uint32_t sdkAppId, std::string_view secretKey,
                                           std::string_view userId, int64_t nowSeconds,
                                           int64_t clockSkewSeconds = 0);

struct PrivateMapGrant {
  uint32_t privileges = 0;
  int64_t expiresAt = 0;  // min(ticket expiry, userbuf expiry)
};

// Verifies a PrivateMapKey for (app, user, room) and checks that it grants `required` bits.
base::Result<PrivateMapGrant> verifyPrivateMapKey(std::string_view token, uint32_t sdkAppId,
                                                  std::string_view secretKey, std::string_view userId,
                                                  const base::RoomId& room, uint32_t required,
                                                  int64_t nowSeconds, int64_t clockSkewSeconds = 0);

}  // namespace atrium::auth
