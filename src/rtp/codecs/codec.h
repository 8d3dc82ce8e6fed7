// One entry point over the per-codec payload parsers, for code that only knows the negotiated
// codec: keyframe detection (to answer PLI/FIR and to gate a subscriber's first frame) and a
// codec-neutral summary of the layer info the forwarder uses.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace atrium::rtp {

enum class CodecKind : uint8_t { kUnknown, kOpus, kVp8, kVp9, kH264, kAv1 };

// From an SDP rtpmap encoding name ("VP8", "opus", "AV1", "H264"), case-insensitive.
CodecKind codecKindFromName(std::string_view encodingName);
std::string_view codecKindName(CodecKind kind);

struct PayloadInfo {
  bool keyframe = false;
  // Best effort per codec: VP8 S=1 and PID=0; VP9 B; H264 a NAL start (single, STAP-A or FU-A
  // S=1) — H264 cannot tell a frame's first NAL from a later one; AV1 Z=0; Opus always.
  bool startOfFrame = false;
  bool hasLayerIds = false;
  uint8_t spatialId = 0;
  uint8_t temporalId = 0;
};

// nullopt when the payload does not parse for that codec (or the kind is unknown).
std::optional<PayloadInfo> describePayload(CodecKind kind, std::span<const uint8_t> payload);
// False for audio, unknown kinds and payloads that do not parse.
bool isKeyframe(CodecKind kind, std::span<const uint8_t> payload);

}  // namespace atrium::rtp
