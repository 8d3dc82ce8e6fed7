#include "ice/stun_message.h"

#include <algorithm>
#include <array>

#include "crypto/crypto.h"

namespace atrium::ice {
namespace {

constexpr size_t padded(size_t length) { return (length + 3) & ~size_t{3}; }

uint16_t loadU16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }

uint32_t loadU32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

// Sizes fixed by the RFCs for the attributes this view reads; nullopt = any size.
std::optional<size_t> fixedSize(uint16_t type) {
  switch (type) {
    case stun::kAttrMessageIntegrity: return stun::kIntegrityBytes;
    case stun::kAttrFingerprint: return 4;
    case stun::kAttrPriority: return 4;
    case stun::kAttrUseCandidate: return 0;
    case stun::kAttrIceControlled:
    case stun::kAttrIceControlling: return 8;
    default: return std::nullopt;
  }
}

}  // namespace

bool StunMessage::looksLikeStun(std::span<const uint8_t> datagram) {
  return datagram.size() >= stun::kHeaderBytes && datagram[0] <= 3 &&
         loadU32(datagram.data() + 4) == stun::kMagicCookie;
}

std::optional<StunMessage> StunMessage::parse(std::span<const uint8_t> datagram) {
  if (datagram.size() < stun::kHeaderBytes || (datagram[0] & 0xC0) != 0) return std::nullopt;
  if (loadU32(datagram.data() + 4) != stun::kMagicCookie) return std::nullopt;
  const size_t length = loadU16(datagram.data() + 2);
  if (length % 4 != 0 || stun::kHeaderBytes + length != datagram.size()) return std::nullopt;

  StunMessage m(datagram);
  m.type_ = loadU16(datagram.data());
  bool afterIntegrity = false;
  size_t at = stun::kHeaderBytes;
  while (at < datagram.size()) {
    if (m.fingerprintAt_ != 0) return std::nullopt;  // FINGERPRINT must be last (§14.7)
    if (datagram.size() - at < stun::kAttributeHeaderBytes) return std::nullopt;
    if (++m.attributeCount_ > stun::kMaxAttributes) return std::nullopt;
    const uint16_t type = loadU16(datagram.data() + at);
    const size_t valueLength = loadU16(datagram.data() + at + 2);
    const size_t valueAt = at + stun::kAttributeHeaderBytes;
    if (padded(valueLength) > datagram.size() - valueAt) return std::nullopt;
    at = valueAt + padded(valueLength);

    if (const auto size = fixedSize(type); size && *size != valueLength) return std::nullopt;
    const auto offset = static_cast<uint32_t>(valueAt);
    if (type == stun::kAttrFingerprint) {
      m.fingerprintAt_ = offset;
      continue;
    }
    if (afterIntegrity) continue;  // §14.5: ignored, but still had to be well-formed
    switch (type) {
      case stun::kAttrMessageIntegrity:
        m.integrityAt_ = offset;
        afterIntegrity = true;
        break;
      case stun::kAttrUsername:
        if (valueLength > stun::kMaxUsernameBytes) return std::nullopt;
        if (m.usernameAt_ == 0) {
          m.usernameAt_ = offset;
          m.usernameLength_ = static_cast<uint16_t>(valueLength);
        }
        break;
      case stun::kAttrPriority:
        if (m.priorityAt_ == 0) m.priorityAt_ = offset;
        break;
      case stun::kAttrUseCandidate:
        if (m.useCandidateAt_ == 0) m.useCandidateAt_ = offset;
        break;
      case stun::kAttrIceControlling:
        if (m.controllingAt_ == 0) m.controllingAt_ = offset;
        break;
      case stun::kAttrIceControlled:
        if (m.controlledAt_ == 0) m.controlledAt_ = offset;
        break;
      case stun::kAttrXorMappedAddress: {
        if (valueLength != 8 && valueLength != 20) return std::nullopt;
        const uint8_t family = datagram[valueAt + 1];
        if ((family == 0x01 && valueLength != 8) || (family == 0x02 && valueLength != 20) ||
            (family != 0x01 && family != 0x02)) {
          return std::nullopt;
        }
        if (m.xorMappedAt_ == 0) {
          m.xorMappedAt_ = offset;
          m.xorMappedLength_ = static_cast<uint16_t>(valueLength);
        }
        break;
      }
      case stun::kAttrErrorCode:
        if (valueLength < 4) return std::nullopt;
        if (m.errorCodeAt_ == 0) m.errorCodeAt_ = offset;
        break;
      default:
        break;
    }
  }
  return m;
}

uint16_t StunMessage::readU16(size_t at) const { return loadU16(data_.data() + at); }
uint32_t StunMessage::readU32(size_t at) const { return loadU32(data_.data() + at); }
uint64_t StunMessage::readU64(size_t at) const { return (uint64_t{readU32(at)} << 32) | readU32(at + 4); }

uint16_t StunMessage::method() const {
  return static_cast<uint16_t>((type_ & 0x000F) | ((type_ & 0x00E0) >> 1) | ((type_ & 0x3E00) >> 2));
}

stun::MessageClass StunMessage::messageClass() const {
  return static_cast<stun::MessageClass>(((type_ >> 7) & 0x2) | ((type_ >> 4) & 0x1));
}

std::optional<std::string_view> StunMessage::username() const {
  if (usernameAt_ == 0) return std::nullopt;
  return std::string_view(reinterpret_cast<const char*>(data_.data() + usernameAt_), usernameLength_);
}

std::optional<uint32_t> StunMessage::priority() const {
  if (priorityAt_ == 0) return std::nullopt;
  return readU32(priorityAt_);
}

std::optional<uint64_t> StunMessage::iceControlling() const {
  if (controllingAt_ == 0) return std::nullopt;
  return readU64(controllingAt_);
}

std::optional<uint64_t> StunMessage::iceControlled() const {
  if (controlledAt_ == 0) return std::nullopt;
  return readU64(controlledAt_);
}

std::optional<Endpoint> StunMessage::xorMappedAddress() const {
  if (xorMappedAt_ == 0) return std::nullopt;
  const uint16_t port = static_cast<uint16_t>(readU16(xorMappedAt_ + 2) ^ (stun::kMagicCookie >> 16));
  // The XOR pad is the cookie followed by the transaction id, i.e. header bytes 4..19.
  const uint8_t* pad = data_.data() + 4;
  const uint8_t* x = data_.data() + xorMappedAt_ + 4;
  if (xorMappedLength_ == 8) {
    return Endpoint::ipv4({static_cast<uint8_t>(x[0] ^ pad[0]), static_cast<uint8_t>(x[1] ^ pad[1]),
                           static_cast<uint8_t>(x[2] ^ pad[2]), static_cast<uint8_t>(x[3] ^ pad[3])},
                          port);
  }
  std::array<uint8_t, Endpoint::kIpv6Bytes> address{};
  for (size_t i = 0; i < address.size(); ++i) address[i] = static_cast<uint8_t>(x[i] ^ pad[i]);
  return Endpoint::ipv6(address, port);
}

std::optional<uint16_t> StunMessage::errorCode() const {
  if (errorCodeAt_ == 0) return std::nullopt;
  const uint8_t errorClass = data_[errorCodeAt_ + 2] & 0x07;
  const uint8_t number = data_[errorCodeAt_ + 3];
  if (errorClass < 3 || errorClass > 6 || number > 99) return std::nullopt;
  return static_cast<uint16_t>(errorClass * 100 + number);
}

bool StunMessage::verifyMessageIntegrity(std::span<const uint8_t> key) const {
  if (integrityAt_ == 0) return false;
  const size_t attributeAt = integrityAt_ - stun::kAttributeHeaderBytes;
  // The header as it was when the sender computed the HMAC: Length ends after this attribute.
  std::array<uint8_t, stun::kHeaderBytes> header{};
  std::copy(data_.begin(), data_.begin() + stun::kHeaderBytes, header.begin());
  const size_t adjusted = attributeAt + stun::kAttributeHeaderBytes + stun::kIntegrityBytes - stun::kHeaderBytes;
  header[2] = static_cast<uint8_t>(adjusted >> 8);
  header[3] = static_cast<uint8_t>(adjusted);
  const std::array<std::span<const uint8_t>, 2> parts{
      std::span<const uint8_t>(header), data_.subspan(stun::kHeaderBytes, attributeAt - stun::kHeaderBytes)};
  const crypto::Sha1Digest expected = crypto::hmacSha1(key, parts);
  return crypto::constantTimeEqual(expected, data_.subspan(integrityAt_, stun::kIntegrityBytes));
}

bool StunMessage::verifyMessageIntegrity(std::string_view password) const {
  return verifyMessageIntegrity(crypto::asBytes(password));
}

bool StunMessage::verifyFingerprint() const {
  if (fingerprintAt_ == 0) return false;
  // FINGERPRINT is last, so the header's Length already covers it as the sender's did.
  const size_t attributeAt = fingerprintAt_ - stun::kAttributeHeaderBytes;
  const uint32_t expected = crypto::crc32(data_.first(attributeAt)) ^ stun::kFingerprintXor;
  return readU32(fingerprintAt_) == expected;
}

}  // namespace atrium::ice
