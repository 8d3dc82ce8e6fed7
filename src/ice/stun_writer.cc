#include "ice/stun_writer.h"

#include <algorithm>
#include <array>

#include "crypto/crypto.h"

namespace atrium::ice {
namespace {

constexpr size_t padded(size_t length) { return (length + 3) & ~size_t{3}; }
constexpr size_t kMaxReasonBytes = 127;  // RFC 8489 §14.8: fewer than 128 characters

void storeU16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}

void storeU32(uint8_t* p, uint32_t v) {
  storeU16(p, static_cast<uint16_t>(v >> 16));
  storeU16(p + 2, static_cast<uint16_t>(v));
}

}  // namespace

std::string_view reasonPhrase(StunErrorCode code) {
  switch (code) {
    case StunErrorCode::kBadRequest: return "Bad Request";
    case StunErrorCode::kUnauthorized: return "Unauthorized";
    case StunErrorCode::kRoleConflict: return "Role Conflict";
  }
  return "Error";
}

StunWriter::StunWriter(std::span<uint8_t> out, uint16_t type, stun::TransactionId transactionId) : out_(out) {
  if (out_.size() < stun::kHeaderBytes || (type & 0xC000) != 0) {
    ok_ = false;
    return;
  }
  storeU16(out_.data(), type);
  storeU32(out_.data() + 4, stun::kMagicCookie);
  std::copy(transactionId.begin(), transactionId.end(), out_.begin() + 8);
  size_ = stun::kHeaderBytes;
  setLength();
}

void StunWriter::setLength() { storeU16(out_.data() + 2, static_cast<uint16_t>(size_ - stun::kHeaderBytes)); }

uint8_t* StunWriter::reserve(uint16_t type, size_t valueLength) {
  if (!ok_ || sealedByFingerprint_ || (sealedByIntegrity_ && type != stun::kAttrFingerprint)) {
    ok_ = false;
    return nullptr;
  }
  const size_t total = stun::kAttributeHeaderBytes + padded(valueLength);
  // The Length field is 16 bits; the buffer is the other bound.
  if (valueLength > 0xFFFF || out_.size() - size_ < total || size_ - stun::kHeaderBytes + total > 0xFFFF) {
    ok_ = false;
    return nullptr;
  }
  uint8_t* attribute = out_.data() + size_;
  storeU16(attribute, type);
  storeU16(attribute + 2, static_cast<uint16_t>(valueLength));
  size_ += total;
  setLength();
  return attribute + stun::kAttributeHeaderBytes;
}

StunWriter& StunWriter::addAttribute(uint16_t type, std::span<const uint8_t> value, uint8_t padByte) {
  if (uint8_t* v = reserve(type, value.size())) {
    std::copy(value.begin(), value.end(), v);
    std::fill(v + value.size(), v + padded(value.size()), padByte);
  }
  return *this;
}

StunWriter& StunWriter::addString(uint16_t type, std::string_view value, uint8_t padByte) {
  return addAttribute(type, crypto::asBytes(value), padByte);
}

StunWriter& StunWriter::addUint32(uint16_t type, uint32_t value) {
  if (uint8_t* v = reserve(type, 4)) storeU32(v, value);
  return *this;
}

StunWriter& StunWriter::addUint64(uint16_t type, uint64_t value) {
  if (uint8_t* v = reserve(type, 8)) {
    storeU32(v, static_cast<uint32_t>(value >> 32));
    storeU32(v + 4, static_cast<uint32_t>(value));
  }
  return *this;
}

StunWriter& StunWriter::addFlag(uint16_t type) {
  reserve(type, 0);
  return *this;
}

StunWriter& StunWriter::addXorMappedAddress(const Endpoint& mapped) {
  const std::span<const uint8_t> address = mapped.addressBytes();
  if (uint8_t* v = reserve(stun::kAttrXorMappedAddress, 4 + address.size())) {
    v[0] = 0;
    v[1] = mapped.isIpv4() ? 0x01 : 0x02;
    storeU16(v + 2, static_cast<uint16_t>(mapped.port() ^ (stun::kMagicCookie >> 16)));
    const uint8_t* pad = out_.data() + 4;  // cookie || transaction id
    for (size_t i = 0; i < address.size(); ++i) v[4 + i] = static_cast<uint8_t>(address[i] ^ pad[i]);
  }
  return *this;
}

StunWriter& StunWriter::addErrorCode(StunErrorCode code) {
  const std::string_view reason = reasonPhrase(code).substr(0, kMaxReasonBytes);
  const auto number = static_cast<uint16_t>(code);
  if (uint8_t* v = reserve(stun::kAttrErrorCode, 4 + reason.size())) {
    v[0] = 0;
    v[1] = 0;
    v[2] = static_cast<uint8_t>(number / 100);
    v[3] = static_cast<uint8_t>(number % 100);
    std::copy(reason.begin(), reason.end(), v + 4);
    std::fill(v + 4 + reason.size(), v + padded(4 + reason.size()), uint8_t{0});
  }
  return *this;
}

StunWriter& StunWriter::addMessageIntegrity(std::span<const uint8_t> key) {
  const size_t covered = size_;  // reserve() already set Length to include the attribute
  if (uint8_t* v = reserve(stun::kAttrMessageIntegrity, stun::kIntegrityBytes)) {
    const std::array<std::span<const uint8_t>, 1> parts{std::span<const uint8_t>(out_.data(), covered)};
    const crypto::Sha1Digest mac = crypto::hmacSha1(key, parts);
    std::copy(mac.begin(), mac.end(), v);
    sealedByIntegrity_ = true;
  }
  return *this;
}

StunWriter& StunWriter::addMessageIntegrity(std::string_view password) {
  return addMessageIntegrity(crypto::asBytes(password));
}

StunWriter& StunWriter::addFingerprint() {
  const size_t covered = size_;
  if (uint8_t* v = reserve(stun::kAttrFingerprint, 4)) {
    storeU32(v, crypto::crc32(std::span<const uint8_t>(out_.data(), covered)) ^ stun::kFingerprintXor);
    sealedByFingerprint_ = true;
  }
  return *this;
}

std::optional<size_t> StunWriter::finish() const {
  if (!ok_) return std::nullopt;
  return size_;
}

std::optional<size_t> writeBindingSuccess(std::span<uint8_t> out, const StunMessage& request,
                                          const Endpoint& mapped, std::string_view password) {
  StunWriter w(out, stun::kBindingSuccessResponse, request.transactionId());
  w.addXorMappedAddress(mapped).addMessageIntegrity(password).addFingerprint();
  return w.finish();
}

std::optional<size_t> writeBindingError(std::span<uint8_t> out, const StunMessage& request, StunErrorCode code,
                                        std::string_view password) {
  StunWriter w(out, stun::kBindingErrorResponse, request.transactionId());
  w.addErrorCode(code);
  if (!password.empty()) w.addMessageIntegrity(password);
  w.addFingerprint();
  return w.finish();
}

}  // namespace atrium::ice
