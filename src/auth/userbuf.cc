// The PrivateMapKey userbuf (trtc-compat §2.1): a packed big-endian record.
//
//   cVer(1) wAccountLen(2) account(n) dwSdkAppid(4) dwAuthID(4) dwExpTime(4) dwPrivilegeMap(4)
//   dwAccountType(4) [wRoomStrLen(2) roomStr(m)]   <- tail only when cVer == 1
#include <limits>

#include "auth/ticket.h"

namespace atrium::auth {
namespace {

constexpr size_t kFixedBytes = 1 + 2 + 5 * 4;  // everything but the account and the room tail
constexpr size_t kMaxField16 = std::numeric_limits<uint16_t>::max();

void putU16(std::string& out, size_t v) {
  out.push_back(static_cast<char>((v >> 8) & 0xff));
  out.push_back(static_cast<char>(v & 0xff));
}

void putU32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}

// Reads big-endian integers from a buffer whose length the caller has already checked.
class Reader {
 public:
  explicit Reader(std::string_view raw) : raw_(raw) {}
  uint32_t u8() { return byte(pos_++); }
  uint32_t u16() {
    const uint32_t v = (byte(pos_) << 8) | byte(pos_ + 1);
    pos_ += 2;
    return v;
  }
  uint32_t u32() {
    const uint32_t v = (byte(pos_) << 24) | (byte(pos_ + 1) << 16) | (byte(pos_ + 2) << 8) | byte(pos_ + 3);
    pos_ += 4;
    return v;
  }
  std::string bytes(size_t n) {
    std::string s(raw_.substr(pos_, n));
    pos_ += n;
    return s;
  }

 private:
  uint32_t byte(size_t i) const { return static_cast<unsigned char>(raw_[i]); }
  std::string_view raw_;
  size_t pos_ = 0;
};

}  // namespace

std::string encodeUserBuf(const UserBuf& buf) {
  // Lengths travel in 16 bits; longer strings are cut rather than written inconsistently. Valid
  // user ids (32 bytes) and room strings (64 bytes) are far below the limit.
  const std::string_view account = std::string_view(buf.account).substr(0, kMaxField16);
  std::string out;
  out.push_back(static_cast<char>(buf.strRoomId ? 1 : 0));
  putU16(out, account.size());
  out += account;
  putU32(out, buf.sdkAppId);
  putU32(out, buf.roomId);
  putU32(out, buf.expireAt);
  putU32(out, buf.privileges);
  putU32(out, buf.accountType);
  if (buf.strRoomId) {
    const std::string_view room = std::string_view(*buf.strRoomId).substr(0, kMaxField16);
    putU16(out, room.size());
    out += room;
  }
  return out;
}

std::optional<UserBuf> decodeUserBuf(std::string_view raw) {
  if (raw.size() < kFixedBytes) return std::nullopt;
  Reader r(raw);
  const uint32_t version = r.u8();
  if (version > 1) return std::nullopt;
  const size_t accountLen = r.u16();
  if (raw.size() < kFixedBytes + accountLen) return std::nullopt;
  UserBuf buf;
  buf.account = r.bytes(accountLen);
  buf.sdkAppId = r.u32();
  buf.roomId = r.u32();
  buf.expireAt = r.u32();
  buf.privileges = r.u32();
  buf.accountType = r.u32();
  size_t expected = kFixedBytes + accountLen;
  if (version == 1) {
    if (raw.size() < expected + 2) return std::nullopt;
    const size_t roomLen = r.u16();
    expected += 2 + roomLen;
    if (raw.size() != expected) return std::nullopt;
    buf.strRoomId = r.bytes(roomLen);
  }
  // Strict: trailing bytes mean the buffer is not what its header claims.
  if (raw.size() != expected) return std::nullopt;
  return buf;
}

}  // namespace atrium::auth
