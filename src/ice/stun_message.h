// StunMessage: a parsed, non-owning view of one STUN message (RFC 8489, formerly RFC 5389),
// with the ICE attributes of RFC 8445 §16.1.
//
// RFC 8489 §5, message header:
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |0 0|     STUN Message Type     |         Message Length        |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                         Magic Cookie                          |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                     Transaction ID (96 bits)                  |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Message type (14 bits): M11..M0 method interleaved with the class bits C1 C0:
//
//    0                 1
//    2  3  4 5 6 7 8 9 0 1 2 3 4 5
//   +--+--+-+-+-+-+-+-+-+-+-+-+-+-+
//   |M |M |M|M|M|C|M|M|M|C|M|M|M|M|
//   |11|10|9|8|7|1|6|5|4|0|3|2|1|0|
//   +--+--+-+-+-+-+-+-+-+-+-+-+-+-+
//
// RFC 8489 §14, attributes (type-length-value, value padded to a multiple of 4 bytes; the
// Length field counts the value without padding, and padding bytes may hold anything):
//
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |         Type                  |            Length             |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                         Value (variable)                ....
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// RFC 8489 §14.2, XOR-MAPPED-ADDRESS (port XOR the cookie's top 16 bits; an IPv4 address XOR
// the cookie, an IPv6 address XOR cookie || transaction id):
//
//   |0 0 0 0 0 0 0 0|    Family     |         X-Port                |
//   |                X-Address (32 bits or 128 bits)                |
//
// What parse() checks: at least a 20-byte header, the two top bits zero, the magic cookie, a
// length that is a multiple of 4 and equals the rest of the datagram exactly, every attribute
// inside the message, at most kMaxAttributes of them, the sizes of the attributes this class
// reads (a wrong size makes the message malformed), and FINGERPRINT last. Attributes after
// MESSAGE-INTEGRITY other than FINGERPRINT are walked but ignored (§14.5); of a repeated
// attribute only the first counts. Unknown attributes are skipped, comprehension-required or
// not (no 420 response: ICE peers send none we would need to refuse).
//
// Packet path: parse() and every accessor are allocation-free and never throw; the view
// borrows the datagram, which must outlive it. Integrity keys are ICE short-term passwords
// (RFC 8489 §9.1: the key is the password itself).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "ice/endpoint.h"

namespace atrium::ice {

namespace stun {
inline constexpr uint32_t kMagicCookie = 0x2112A442;
inline constexpr uint32_t kFingerprintXor = 0x5354554e;  // "STUN"
inline constexpr size_t kHeaderBytes = 20;
inline constexpr size_t kTransactionIdBytes = 12;
inline constexpr size_t kAttributeHeaderBytes = 4;
inline constexpr size_t kIntegrityBytes = 20;          // HMAC-SHA1
inline constexpr size_t kMaxAttributes = 32;           // a binding request carries about 6
inline constexpr size_t kMaxUsernameBytes = 513;       // RFC 5389 §15.3 (RFC 8489: < 509)

// Message types (method | class bits) used by ICE.
inline constexpr uint16_t kBindingRequest = 0x0001;
inline constexpr uint16_t kBindingIndication = 0x0011;
inline constexpr uint16_t kBindingSuccessResponse = 0x0101;
inline constexpr uint16_t kBindingErrorResponse = 0x0111;
inline constexpr uint16_t kMethodBinding = 0x001;

// Attribute types: RFC 8489 §18.3, RFC 8445 §16.1.
inline constexpr uint16_t kAttrUsername = 0x0006;
inline constexpr uint16_t kAttrMessageIntegrity = 0x0008;
inline constexpr uint16_t kAttrErrorCode = 0x0009;
inline constexpr uint16_t kAttrXorMappedAddress = 0x0020;
inline constexpr uint16_t kAttrPriority = 0x0024;
inline constexpr uint16_t kAttrUseCandidate = 0x0025;
inline constexpr uint16_t kAttrSoftware = 0x8022;
inline constexpr uint16_t kAttrFingerprint = 0x8028;
inline constexpr uint16_t kAttrIceControlled = 0x8029;
inline constexpr uint16_t kAttrIceControlling = 0x802A;

enum class MessageClass : uint8_t { kRequest = 0, kIndication = 1, kSuccessResponse = 2, kErrorResponse = 3 };

using TransactionId = std::span<const uint8_t, kTransactionIdBytes>;
}  // namespace stun

class StunMessage {
 public:
  // Cheap classification for a demultiplexer (RFC 7983 §7 byte range plus the cookie); a true
  // result still needs parse().
  static bool looksLikeStun(std::span<const uint8_t> datagram);
  // nullopt for anything that is not one well-formed STUN message.
  static std::optional<StunMessage> parse(std::span<const uint8_t> datagram);
  // The view borrows its bytes: parsing a temporary buffer would leave it dangling.
  static std::optional<StunMessage> parse(std::vector<uint8_t>&&) = delete;

  uint16_t type() const { return type_; }
  uint16_t method() const;
  stun::MessageClass messageClass() const;
  bool isBindingRequest() const { return type_ == stun::kBindingRequest; }
  stun::TransactionId transactionId() const { return data_.subspan<8, stun::kTransactionIdBytes>(); }
  std::span<const uint8_t> bytes() const { return data_; }
  size_t attributeCount() const { return attributeCount_; }

  std::optional<std::string_view> username() const;
  std::optional<uint32_t> priority() const;
  bool useCandidate() const { return useCandidateAt_ != 0; }
  std::optional<uint64_t> iceControlling() const;  // the tie-breaker
  std::optional<uint64_t> iceControlled() const;
  std::optional<Endpoint> xorMappedAddress() const;
  // 300..699, or nullopt when absent or not a valid class/number pair.
  std::optional<uint16_t> errorCode() const;

  bool hasMessageIntegrity() const { return integrityAt_ != 0; }
  bool hasFingerprint() const { return fingerprintAt_ != 0; }
  // RFC 8489 §14.5: HMAC-SHA1 over the message up to MESSAGE-INTEGRITY, with the header length
  // adjusted to end right after it; compared in constant time. False when absent.
  bool verifyMessageIntegrity(std::span<const uint8_t> key) const;
  bool verifyMessageIntegrity(std::string_view password) const;
  // RFC 8489 §14.7: CRC-32 of the message up to FINGERPRINT, XOR 0x5354554e. False when absent.
  bool verifyFingerprint() const;

 private:
  explicit StunMessage(std::span<const uint8_t> data) : data_(data) {}
  uint16_t readU16(size_t at) const;
  uint32_t readU32(size_t at) const;
  uint64_t readU64(size_t at) const;

  std::span<const uint8_t> data_;
  uint16_t type_ = 0;
  uint16_t attributeCount_ = 0;
  // Offsets of attribute values in data_; 0 means absent (a value never starts before byte 24).
  uint32_t usernameAt_ = 0;
  uint16_t usernameLength_ = 0;
  uint32_t priorityAt_ = 0;
  uint32_t useCandidateAt_ = 0;
  uint32_t controllingAt_ = 0;
  uint32_t controlledAt_ = 0;
  uint32_t xorMappedAt_ = 0;
  uint16_t xorMappedLength_ = 0;
  uint32_t errorCodeAt_ = 0;
  uint32_t integrityAt_ = 0;
  uint32_t fingerprintAt_ = 0;
};

}  // namespace atrium::ice
