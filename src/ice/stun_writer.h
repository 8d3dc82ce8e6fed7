// StunWriter: builds one STUN message (RFC 8489) into a caller-provided buffer.
//
// Attributes are appended in call order, each padded to 4 bytes (RFC 8489 §14), and the
// header's Length is kept current after every append, so MESSAGE-INTEGRITY (§14.5, HMAC-SHA1
// with the short-term password as key) and FINGERPRINT (§14.7, CRC-32 XOR 0x5354554e) are
// computed over exactly what precedes them. Order rules are enforced: after
// MESSAGE-INTEGRITY only FINGERPRINT may follow, and nothing follows FINGERPRINT.
//
// ERROR-CODE (RFC 8489 §14.8):
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |           Reserved, should be 0         |Class|     Number    |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |      Reason Phrase (variable)                                ..
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Packet path: no allocation, no exceptions. A message that does not fit, or an attribute out
// of order or too long, makes the writer fail; finish() then returns nullopt and the buffer's
// contents are unspecified.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "ice/endpoint.h"
#include "ice/stun_message.h"

namespace atrium::ice {

enum class StunErrorCode : uint16_t {
  kBadRequest = 400,    // RFC 8489 §14.8: malformed, or USERNAME/MESSAGE-INTEGRITY missing
  kUnauthorized = 401,  // unknown USERNAME or wrong MESSAGE-INTEGRITY
  kRoleConflict = 487,  // RFC 8445 §7.3.1.1
};

std::string_view reasonPhrase(StunErrorCode code);

// The largest response the ICE agent writes (an IPv6 success response is 76 bytes); a buffer
// of this size always suffices for writeBindingSuccess / writeBindingError.
inline constexpr size_t kMaxStunResponseBytes = 128;

class StunWriter {
 public:
  StunWriter(std::span<uint8_t> out, uint16_t type, stun::TransactionId transactionId);

  // `padByte` fills the padding; RFC 8489 allows any value (RFC 5769's vectors use spaces).
  StunWriter& addAttribute(uint16_t type, std::span<const uint8_t> value, uint8_t padByte = 0);
  StunWriter& addString(uint16_t type, std::string_view value, uint8_t padByte = 0);
  StunWriter& addUint32(uint16_t type, uint32_t value);
  StunWriter& addUint64(uint16_t type, uint64_t value);
  StunWriter& addFlag(uint16_t type);  // a zero-length attribute such as USE-CANDIDATE
  StunWriter& addXorMappedAddress(const Endpoint& mapped);
  StunWriter& addErrorCode(StunErrorCode code);
  StunWriter& addMessageIntegrity(std::span<const uint8_t> key);
  StunWriter& addMessageIntegrity(std::string_view password);
  StunWriter& addFingerprint();

  bool ok() const { return ok_; }
  size_t size() const { return size_; }
  // The message's size in bytes, or nullopt when any step failed.
  std::optional<size_t> finish() const;

 private:
  uint8_t* reserve(uint16_t type, size_t valueLength);  // nullptr on failure
  void setLength();

  std::span<uint8_t> out_;
  size_t size_ = 0;
  bool ok_ = true;
  bool sealedByIntegrity_ = false;
  bool sealedByFingerprint_ = false;
};

// A Binding success response to `request` (same transaction id) with XOR-MAPPED-ADDRESS =
// `mapped`, MESSAGE-INTEGRITY keyed with `password` and FINGERPRINT (RFC 8445 §7.3.1).
std::optional<size_t> writeBindingSuccess(std::span<uint8_t> out, const StunMessage& request,
                                          const Endpoint& mapped, std::string_view password);
// A Binding error response with ERROR-CODE and FINGERPRINT; MESSAGE-INTEGRITY only when
// `password` is non-empty (RFC 8489 §9.1.3: 400 and 401 answers to an unauthenticated request
// carry none, a 487 to an authenticated one does).
std::optional<size_t> writeBindingError(std::span<uint8_t> out, const StunMessage& request, StunErrorCode code,
                                        std::string_view password = {});

}  // namespace atrium::ice
