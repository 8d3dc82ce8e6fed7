#include "rtp/codecs/codec.h"

#include <cctype>

#include "rtp/codecs/av1.h"
#include "rtp/codecs/h264.h"
#include "rtp/codecs/opus.h"
#include "rtp/codecs/vp8.h"
#include "rtp/codecs/vp9.h"

namespace atrium::rtp {

namespace {
bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}
}  // namespace

CodecKind codecKindFromName(std::string_view name) {
  if (equalsIgnoreCase(name, "opus")) return CodecKind::kOpus;
  if (equalsIgnoreCase(name, "VP8")) return CodecKind::kVp8;
  if (equalsIgnoreCase(name, "VP9")) return CodecKind::kVp9;
  if (equalsIgnoreCase(name, "H264")) return CodecKind::kH264;
  if (equalsIgnoreCase(name, "AV1")) return CodecKind::kAv1;
  return CodecKind::kUnknown;
}

std::string_view codecKindName(CodecKind kind) {
  switch (kind) {
    case CodecKind::kOpus: return "opus";
    case CodecKind::kVp8: return "VP8";
    case CodecKind::kVp9: return "VP9";
    case CodecKind::kH264: return "H264";
    case CodecKind::kAv1: return "AV1";
    case CodecKind::kUnknown: break;
  }
  return "unknown";
}

std::optional<PayloadInfo> describePayload(CodecKind kind, std::span<const uint8_t> payload) {
  PayloadInfo info;
  switch (kind) {
    case CodecKind::kOpus: {
      if (!OpusToc::parse(payload)) return std::nullopt;
      info.startOfFrame = true;
      return info;
    }
    case CodecKind::kVp8: {
      const auto d = Vp8Descriptor::parse(payload);
      if (!d) return std::nullopt;
      info.keyframe = d->keyframe;
      info.startOfFrame = d->startOfFrame();
      info.hasLayerIds = d->hasTid;
      info.temporalId = d->tid;
      return info;
    }
    case CodecKind::kVp9: {
      const auto d = Vp9Descriptor::parse(payload);
      if (!d) return std::nullopt;
      info.keyframe = d->keyframe;
      info.startOfFrame = d->startOfFrame;
      info.hasLayerIds = d->hasLayerIndices;
      info.spatialId = d->spatialId;
      info.temporalId = d->temporalId;
      return info;
    }
    case CodecKind::kH264: {
      const auto d = H264PayloadInfo::parse(payload);
      if (!d) return std::nullopt;
      info.keyframe = d->keyframe;
      info.startOfFrame = d->startOfNal;
      return info;
    }
    case CodecKind::kAv1: {
      const auto d = Av1PayloadInfo::parse(payload);
      if (!d) return std::nullopt;
      info.keyframe = d->keyframe;
      info.startOfFrame = !d->continuesObu;
      info.hasLayerIds = d->hasLayerIds;
      info.spatialId = d->spatialId;
      info.temporalId = d->temporalId;
      return info;
    }
    case CodecKind::kUnknown: break;
  }
  return std::nullopt;
}

bool isKeyframe(CodecKind kind, std::span<const uint8_t> payload) {
  const auto info = describePayload(kind, payload);
  return info && info->keyframe;
}

}  // namespace atrium::rtp
