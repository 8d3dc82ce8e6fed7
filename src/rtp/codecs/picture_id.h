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

}  // namespace atrium::rtp
