// The PictureID field VP8 (RFC 7741 §4.2) and VP9 (RFC 9628 §4.2) descriptors share: 7 bits, or
// 15 bits with the M flag set in the first byte.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace atrium::rtp {

inline void writePictureId(std::span<uint8_t> payload, size_t offset, bool fifteenBit, uint16_t value) {
  if (fifteenBit) {
    payload[offset] = static_cast<uint8_t>(0x80 | ((value >> 8) & 0x7f));
    payload[offset + 1] = static_cast<uint8_t>(value);
  } else {
    payload[offset] = static_cast<uint8_t>(value & 0x7f);
  }
}

// The in-place rewrites both descriptors offer, for a payload `d` was parsed from; false when the
// field is absent or the payload is shorter than the descriptor.
template <typename Descriptor>
bool rewritePictureId(const Descriptor& d, std::span<uint8_t> payload, uint16_t value) {
  if (!d.hasPictureId || payload.size() < d.size) return false;
  writePictureId(payload, d.pictureIdOffset, d.pictureId15Bit, value);
  return true;
}

template <typename Descriptor>
bool rewriteTl0PicIdx(const Descriptor& d, std::span<uint8_t> payload, uint8_t value) {
  if (!d.hasTl0PicIdx || payload.size() < d.size) return false;
  payload[d.tl0PicIdxOffset] = value;
  return true;
}

}  // namespace atrium::rtp
