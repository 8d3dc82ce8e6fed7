#include "rtp/codecs/vp8.h"

#include "rtp/codecs/picture_id.h"

namespace atrium::rtp {

std::optional<Vp8Descriptor> Vp8Descriptor::parse(std::span<const uint8_t> payload) {
  if (payload.empty()) return std::nullopt;
  Vp8Descriptor d;
  size_t off = 0;
  const uint8_t b0 = payload[off++];
  d.nonReference = (b0 & 0x20) != 0;
  d.startOfPartition = (b0 & 0x10) != 0;
  d.partitionIndex = b0 & 0x07;
  if (b0 & 0x80) {
    if (off >= payload.size()) return std::nullopt;
    const uint8_t x = payload[off++];
    if (x & 0x80) {  // I
      if (off >= payload.size()) return std::nullopt;
      d.hasPictureId = true;
      d.pictureIdOffset = static_cast<uint8_t>(off);
      const uint8_t p0 = payload[off++];
      if (p0 & 0x80) {
        if (off >= payload.size()) return std::nullopt;
        d.pictureId15Bit = true;
        d.pictureId = static_cast<uint16_t>(((p0 & 0x7f) << 8) | payload[off++]);
      } else {
        d.pictureId = p0 & 0x7f;
      }
    }
    if (x & 0x40) {  // L
      if (off >= payload.size()) return std::nullopt;
      d.hasTl0PicIdx = true;
      d.tl0PicIdxOffset = static_cast<uint8_t>(off);
      d.tl0PicIdx = payload[off++];
    }
    if (x & 0x30) {  // T or K: one shared byte
      if (off >= payload.size()) return std::nullopt;
      const uint8_t tk = payload[off++];
      if (x & 0x20) {
        d.hasTid = true;
        d.tid = tk >> 6;
        d.layerSync = (tk & 0x20) != 0;
      }
      if (x & 0x10) {
        d.hasKeyIdx = true;
        d.keyIdx = tk & 0x1f;
      }
    }
  }
  // A descriptor with nothing after it carries no VP8 data (RFC 7741 §4.2 requires some).
  if (off >= payload.size()) return std::nullopt;
  d.size = static_cast<uint8_t>(off);
  d.keyframe = d.startOfFrame() && (payload[off] & 0x01) == 0;
  return d;
}

bool Vp8Descriptor::setPictureId(std::span<uint8_t> payload, uint16_t value) const {
  return rewritePictureId(*this, payload, value);
}

bool Vp8Descriptor::setTl0PicIdx(std::span<uint8_t> payload, uint8_t value) const {
  return rewriteTl0PicIdx(*this, payload, value);
}

}  // namespace atrium::rtp
