// UserSig / PrivateMapKey generation and verification (trtc-compat §1-2).
//
// Verification order, shared by both ticket kinds; the first failing check decides the code:
//   1. empty                                   kTicketEmpty            / kPmkMissing
//   2. malformed: size, base64, zlib, JSON, field types, sig shape, userbuf presence and
//      layout (a plain UserSig with a userbuf gets its own kTicketUnexpectedUserbuf), and a
//      ticket issued more than skew + 24 h in the future (an issuer with a broken clock would
//      otherwise mint tickets that outlive their intended lifetime)
//                                              kTicketMalformed        / kPmkMalformed
//   3. sdkappid differs (PMK: in JSON or userbuf)  kTicketWrongApp     / kPmkWrongApp
//   4. identifier differs (PMK: or userbuf account) kTicketWrongUser   / kPmkWrongUser
//   5. HMAC differs                            kTicketBadSignature     / kPmkBadSignature
//   6. now > time + expire + skew (PMK: or now > dwExpTime + skew)     kTicketExpired / kPmkExpired
//   7. PMK only: room differs, then missing privilege bits            kPmkWrongRoom, kPmkNoPrivilege
// App and user come before the signature because they tell an honest client what it got wrong
// (they are not secret); everything that grants access (room, privileges) is judged only on an
// authenticated ticket. Messages never quote the ticket, the key or user ids.
#include <algorithm>
#include <ctime>

#include "auth/ticket.h"
#include "auth/ticket_codec.h"
#include "crypto/crypto.h"

namespace atrium::auth {
namespace {

constexpr int64_t kMaxFutureSeconds = 24 * 3600;
constexpr int64_t kMaxSkewSeconds = 7 * 24 * 3600;

struct Codes {
  codec::Wording wording;
  std::string_view wrongApp;
  std::string_view wrongUser;
  std::string_view badSignature;
  std::string_view expired;
};
constexpr Codes kUserSigCodes{codec::kUserSigWording, kTicketWrongApp, kTicketWrongUser, kTicketBadSignature,
                              kTicketExpired};
constexpr Codes kPmkCodes{codec::kPmkWording, kPmkWrongApp, kPmkWrongUser, kPmkBadSignature, kPmkExpired};

std::string isoTime(int64_t unixSeconds) {
  const std::time_t t = static_cast<std::time_t>(unixSeconds);
  std::tm tm{};
  char buf[32];
  if (gmtime_r(&t, &tm) == nullptr || std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
    return std::to_string(unixSeconds);
  }
  return buf;
}

base::Error fail(std::string_view code, std::string message) {
  return base::makeError(std::string(code), std::move(message));
}

std::string sign(std::string_view secretKey, std::string_view content) {
  return crypto::base64Encode(crypto::hmacSha256(secretKey, content));
}

// Steps 2 (future issue time), 3, 4 and 5. Step 6 is the caller's: a PrivateMapKey folds in a
// second expiry. `buf` is the PrivateMapKey's userbuf, whose app and account must agree too.
base::Status checkTicket(const DecodedTicket& t, const UserBuf* buf, const Codes& codes, uint32_t sdkAppId,
                         std::string_view secretKey, std::string_view userId, int64_t now, int64_t skew) {
  const std::string noun(codes.wording.noun);
  // Written as a subtraction: t.time is bounded by the decoder, `now` is the caller's.
  if (t.time - skew - kMaxFutureSeconds > now) {
    return fail(codes.wording.malformedCode,
                noun + " was issued at " + isoTime(t.time) + ", more than 24 h ahead of the server clock");
  }
  if (t.sdkAppId != sdkAppId) {
    return fail(codes.wrongApp, noun + " was issued for SDKAppID " + std::to_string(t.sdkAppId) + ", not " +
                                    std::to_string(sdkAppId));
  }
  if (buf != nullptr && buf->sdkAppId != sdkAppId) {
    return fail(codes.wrongApp, noun + " userbuf was issued for SDKAppID " + std::to_string(buf->sdkAppId) +
                                    ", not " + std::to_string(sdkAppId));
  }
  if (t.identifier != userId) return fail(codes.wrongUser, noun + " was issued for a different UserID");
  if (buf != nullptr && buf->account != userId) {
    return fail(codes.wrongUser, noun + " userbuf was issued for a different UserID");
  }
  const crypto::Digest expected =
      crypto::hmacSha256(secretKey, codec::signedContent(t.identifier, t.sdkAppId, t.time, t.expire, t.userbufBase64));
  const auto actual = crypto::base64Decode(t.sigBase64);  // shape already checked by decode
  if (!actual || !crypto::constantTimeEqual(*actual, expected)) {
    return fail(codes.badSignature, noun + " signature does not match (wrong secret key or altered ticket)");
  }
  return base::Ok{};
}

int64_t clampSkew(int64_t skew) { return skew < 0 ? 0 : (skew > kMaxSkewSeconds ? kMaxSkewSeconds : skew); }

}  // namespace

base::Result<DecodedTicket> decodeTicket(std::string_view token) { return codec::decode(token, codec::kUserSigWording); }

std::string generateUserSig(uint32_t sdkAppId, std::string_view secretKey, std::string_view userId,
                            int64_t expireSeconds, int64_t nowSeconds, GenerateOptions options) {
  const std::string sig = sign(secretKey, codec::signedContent(userId, sdkAppId, nowSeconds, expireSeconds, {}));
  return codec::encode(userId, sdkAppId, nowSeconds, expireSeconds, {}, sig, options.zlibLevel);
}

std::string generatePrivateMapKey(uint32_t sdkAppId, std::string_view secretKey, std::string_view userId,
                                  const base::RoomId& room, uint32_t privileges, int64_t expireSeconds,
                                  int64_t nowSeconds, GenerateOptions options) {
  UserBuf buf;
  buf.account = std::string(userId);
  buf.sdkAppId = sdkAppId;
  // Absolute expiry truncated to 32 bits, as the npm package writes it.
  buf.expireAt = static_cast<uint32_t>(nowSeconds + expireSeconds);
  buf.privileges = privileges;
  if (room.isString()) {
    buf.strRoomId = room.str;
  } else {
    buf.roomId = room.numeric;
  }
  const std::optional<std::string> userbuf = crypto::base64Encode(crypto::asBytes(encodeUserBuf(buf)));
  const std::string sig = sign(secretKey, codec::signedContent(userId, sdkAppId, nowSeconds, expireSeconds, userbuf));
  return codec::encode(userId, sdkAppId, nowSeconds, expireSeconds, userbuf, sig, options.zlibLevel);
}

base::Result<VerifiedTicket> verifyUserSig(std::string_view token, uint32_t sdkAppId, std::string_view secretKey,
                                           std::string_view userId, int64_t nowSeconds, int64_t clockSkewSeconds) {
  auto decoded = codec::decode(token, codec::kUserSigWording);
  if (!decoded) return decoded.error();
  const DecodedTicket& t = *decoded;
  if (t.userbufBase64) {
    return fail(kTicketUnexpectedUserbuf, "UserSig carries a userbuf (it is a PrivateMapKey); a plain UserSig was expected");
  }
  const int64_t skew = clampSkew(clockSkewSeconds);
  if (auto ok = checkTicket(t, nullptr, kUserSigCodes, sdkAppId, secretKey, userId, nowSeconds, skew); !ok) return ok.error();
  const int64_t expiresAt = t.time + t.expire;
  if (nowSeconds > expiresAt + skew) {
    return fail(kTicketExpired, "UserSig expired at " + isoTime(expiresAt) + " (server time " + isoTime(nowSeconds) + ")");
  }
  return VerifiedTicket{expiresAt};
}

base::Result<PrivateMapGrant> verifyPrivateMapKey(std::string_view token, uint32_t sdkAppId,
                                                  std::string_view secretKey, std::string_view userId,
                                                  const base::RoomId& room, uint32_t required, int64_t nowSeconds,
                                                  int64_t clockSkewSeconds) {
  auto decoded = codec::decode(token, codec::kPmkWording);
  if (!decoded) return decoded.error();
  const DecodedTicket& t = *decoded;
  if (!t.userbufBase64) return fail(kPmkMalformed, "PrivateMapKey has no TLS.userbuf (is it a plain UserSig?)");
  const auto raw = crypto::base64Decode(*t.userbufBase64);
  const auto buf = raw ? decodeUserBuf(std::string_view(reinterpret_cast<const char*>(raw->data()), raw->size()))
                       : std::nullopt;
  if (!buf) return fail(kPmkMalformed, "PrivateMapKey userbuf does not have the documented layout");

  const int64_t skew = clampSkew(clockSkewSeconds);
  if (auto ok = checkTicket(t, &*buf, kPmkCodes, sdkAppId, secretKey, userId, nowSeconds, skew); !ok) return ok.error();

  const int64_t ticketExpiry = t.time + t.expire;
  const int64_t expiresAt = std::min<int64_t>(ticketExpiry, buf->expireAt);
  if (nowSeconds > expiresAt + skew) {
    return fail(kPmkExpired, "PrivateMapKey expired at " + isoTime(expiresAt) + " (server time " +
                                 isoTime(nowSeconds) + ")");
  }
  const bool roomMatches = buf->strRoomId ? (room.isString() && !room.str.empty() && *buf->strRoomId == room.str)
                                          : (!room.isString() && buf->roomId == room.numeric);
  if (!roomMatches) return fail(kPmkWrongRoom, "PrivateMapKey was issued for a different room");
  if ((buf->privileges & required) != required) {
    return fail(kPmkNoPrivilege, "PrivateMapKey grants privileges " + std::to_string(buf->privileges) +
                                     ", which lack required bits " + std::to_string(required & ~buf->privileges));
  }
  return PrivateMapGrant{buf->privileges, expiresAt};
}

}  // namespace atrium::auth
