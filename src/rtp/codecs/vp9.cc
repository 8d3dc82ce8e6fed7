#include "rtp/codecs/vp9.h"

#include "rtp/codecs/picture_id.h"

namespace atrium::rtp {

namespace {

std::optional<Vp9ScalabilityStructure> parseSs(std::span<const uint8_t> p, size_t& off) {
  if (off >= p.size()) return std::nullopt;
  Vp9ScalabilityStructure ss;
  const uint8_t b = p[off++];
  ss.spatialLayers = static_cast<uint8_t>((b >> 5) + 1);
  ss.hasResolutions = (b & 0x10) != 0;
  ss.hasPictureGroup = (b & 0x08) != 0;
  if (ss.hasResolutions) {
    if (p.size() - off < 4u * ss.spatialLayers) return std::nullopt;
    for (size_t i = 0; i < ss.spatialLayers; ++i) {
      ss.width[i] = static_cast<uint16_t>((p[off] << 8) | p[off + 1]);
      ss.height[i] = static_cast<uint16_t>((p[off + 2] << 8) | p[off + 3]);
      off += 4;
    }
  }
  if (ss.hasPictureGroup) {
    if (off >= p.size()) return std::nullopt;
    ss.pictureGroupSize = p[off++];
    const size_t start = off;
    for (size_t i = 0; i < ss.pictureGroupSize; ++i) {
      if (off >= p.size()) return std::nullopt;
      const size_t refs = (p[off++] >> 2) & 0x03;
      if (p.size() - off < refs) return std::nullopt;
      off += refs;
    }
    ss.pictureGroup = p.subspan(start, off - start);
  }
  return ss;
}

}  // namespace

std::optional<Vp9Descriptor> Vp9Descriptor::parse(std::span<const uint8_t> payload) {
  if (payload.empty()) return std::nullopt;
  Vp9Descriptor d;
  size_t off = 0;
  const uint8_t b0 = payload[off++];
  d.interPicturePredicted = (b0 & 0x40) != 0;
  const bool hasLayers = (b0 & 0x20) != 0;
  d.flexibleMode = (b0 & 0x10) != 0;
  d.startOfFrame = (b0 & 0x08) != 0;
  d.endOfFrame = (b0 & 0x04) != 0;
  const bool hasSs = (b0 & 0x02) != 0;
  d.notRefForUpperSpatial = (b0 & 0x01) != 0;
  if (b0 & 0x80) {  // I
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
  if (hasLayers) {
    if (off >= payload.size()) return std::nullopt;
    const uint8_t l = payload[off++];
    d.hasLayerIndices = true;
    d.temporalId = l >> 5;
    d.switchingUp = (l & 0x10) != 0;
    d.spatialId = (l >> 1) & 0x07;
    d.interLayerDependency = (l & 0x01) != 0;
    if (!d.flexibleMode) {
      if (off >= payload.size()) return std::nullopt;
      d.hasTl0PicIdx = true;
      d.tl0PicIdxOffset = static_cast<uint8_t>(off);
      d.tl0PicIdx = payload[off++];
    }
  }
  if (d.flexibleMode && d.interPicturePredicted) {
    for (;;) {
      if (off >= payload.size() || d.referenceCount == 3) return std::nullopt;
      const uint8_t r = payload[off++];
      d.pDiff[d.referenceCount++] = r >> 1;
      if ((r & 0x01) == 0) break;  // N: another P_DIFF follows
    }
  }
  if (hasSs) {
    d.scalability = parseSs(payload, off);
    if (!d.scalability) return std::nullopt;
  }
  d.size = off;
  d.keyframe = !d.interPicturePredicted && d.startOfFrame && d.spatialId == 0;
  return d;
}

bool Vp9Descriptor::setPictureId(std::span<uint8_t> payload, uint16_t value) const {
  return rewritePictureId(*this, payload, value);
}

bool Vp9Descriptor::setTl0PicIdx(std::span<uint8_t> payload, uint8_t value) const {
  return rewriteTl0PicIdx(*this, payload, value);
}

}  // namespace atrium::rtp
