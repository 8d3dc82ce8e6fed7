// VP9 RTP payload descriptor (RFC 9628 §4.2, formerly draft-ietf-payload-vp9) including the
// scalability structure (§4.2.1). Layer ids drive SVC forwarding; a keyframe is the start
// (B=1) of a non-inter-predicted (P=0) picture in spatial layer 0.
//
//   Flexible mode (F=1)                 Non-flexible mode (F=0)
//        0 1 2 3 4 5 6 7                     0 1 2 3 4 5 6 7
//       +-+-+-+-+-+-+-+-+                   +-+-+-+-+-+-+-+-+
//       |I|P|L|F|B|E|V|Z|                   |I|P|L|F|B|E|V|Z|
//       +-+-+-+-+-+-+-+-+                   +-+-+-+-+-+-+-+-+
//  I:   |M| PICTURE ID  |              I:   |M| PICTURE ID  |
//  M:   | EXTENDED PID  |              M:   | EXTENDED PID  |
//       +-+-+-+-+-+-+-+-+                   +-+-+-+-+-+-+-+-+
//  L:   | TID |U| SID |D|              L:   | TID |U| SID |D|
//       +-+-+-+-+-+-+-+-+                   +-+-+-+-+-+-+-+-+
//  P,F: | P_DIFF      |N| x up to 3         |   TL0PICIDX   | (with L)
//       +-+-+-+-+-+-+-+-+                   +-+-+-+-+-+-+-+-+
//  V:   | SS ...        |              V:   | SS ...        |
// Scalability structure:
//       | N_S |Y|G|-|-|-|
//  Y:   |     WIDTH     | (16 bits) x (N_S + 1)
//       |     HEIGHT    | (16 bits)
//  G:   |      N_G      |
//       | TID |U| R |-|-| x N_G, each followed by R P_DIFF bytes
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace atrium::rtp {

struct Vp9ScalabilityStructure {
  static constexpr size_t kMaxSpatialLayers = 8;
  uint8_t spatialLayers = 1;  // N_S + 1
  bool hasResolutions = false;
  uint16_t width[kMaxSpatialLayers] = {};
  uint16_t height[kMaxSpatialLayers] = {};
  bool hasPictureGroup = false;
  uint8_t pictureGroupSize = 0;  // N_G
  // The N_G picture descriptions, raw (TID|U|R byte + R P_DIFF bytes each); validated.
  std::span<const uint8_t> pictureGroup;
};

struct Vp9Descriptor {
  bool interPicturePredicted = false;  // P
  bool flexibleMode = false;           // F
  bool startOfFrame = false;           // B
  bool endOfFrame = false;             // E
  bool notRefForUpperSpatial = false;  // Z
  bool hasPictureId = false;
  bool pictureId15Bit = false;
  uint16_t pictureId = 0;
  bool hasLayerIndices = false;        // L
  uint8_t temporalId = 0;
  bool switchingUp = false;            // U
  uint8_t spatialId = 0;
  bool interLayerDependency = false;   // D
  bool hasTl0PicIdx = false;
  uint8_t tl0PicIdx = 0;
  uint8_t referenceCount = 0;          // flexible mode P_DIFFs
  uint8_t pDiff[3] = {};
  std::optional<Vp9ScalabilityStructure> scalability;  // V
  uint8_t pictureIdOffset = 0;         // 0 when absent
  uint8_t tl0PicIdxOffset = 0;         // 0 when absent
  size_t size = 1;                     // descriptor bytes
  bool keyframe = false;

  // nullopt when truncated, a 4th P_DIFF is announced, or the SS does not fit.
  static std::optional<Vp9Descriptor> parse(std::span<const uint8_t> payload);

  // In-place rewrites, as for VP8; false when the field is absent.
  bool setPictureId(std::span<uint8_t> payload, uint16_t value) const;
  bool setTl0PicIdx(std::span<uint8_t> payload, uint8_t value) const;
};

}  // namespace atrium::rtp
