#include "rtp/codecs/av1.h"

#include <cstddef>

namespace atrium::rtp {

namespace {
// LEB128 as AV1 uses it (§4.10.5): at most 8 bytes.
bool readLeb128(std::span<const uint8_t> p, size_t& off, uint64_t& value) {
  value = 0;
  for (unsigned i = 0; i < 8; ++i) {
    if (off >= p.size()) return false;
    const uint8_t b = p[off++];
    value |= uint64_t{b & 0x7fu} << (7 * i);
    if ((b & 0x80) == 0) return true;
  }
  return false;
}
}  // namespace

std::optional<Av1PayloadInfo> Av1PayloadInfo::parse(std::span<const uint8_t> payload) {
  if (payload.size() < 2) return std::nullopt;
  Av1PayloadInfo info;
  const uint8_t h = payload[0];
  info.continuesObu = (h & 0x80) != 0;
  info.obuContinues = (h & 0x40) != 0;
  info.elementCount = (h >> 4) & 0x03;
  info.newCodedVideoSequence = (h & 0x08) != 0;
  info.keyframe = info.newCodedVideoSequence;
  size_t off = 1;
  // Every element but the last of a W=1..3 packet carries a length prefix.
  if (info.elementCount != 1) {
    uint64_t len = 0;
    if (!readLeb128(payload, off, len) || len == 0 || len > payload.size() - off) {
      return std::nullopt;
    }
  }
  if (off >= payload.size()) return std::nullopt;
  if (!info.continuesObu) {
    const uint8_t obu = payload[off];
    info.hasFirstObu = true;
    info.firstObuType = (obu >> 3) & 0x0f;
    if ((obu & 0x04) && off + 1 < payload.size()) {
      const uint8_t ext = payload[off + 1];
      info.hasLayerIds = true;
      info.temporalId = ext >> 5;
      info.spatialId = (ext >> 3) & 0x03;
    }
  }
  return info;
}

}  // namespace atrium::rtp
