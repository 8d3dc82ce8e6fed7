// VP8 RTP payload descriptor (RFC 7741 §4.2) and the keyframe bit of the VP8 payload header
// (RFC 7741 §4.3). The SFU reads the temporal layer to thin a stream and rewrites PictureID /
// TL0PICIDX in place when it switches simulcast streams.
//
//        0 1 2 3 4 5 6 7
//       +-+-+-+-+-+-+-+-+
//       |X|R|N|S|R| PID | (REQUIRED)
//       +-+-+-+-+-+-+-+-+
//  X:   |I|L|T|K| RSV   | (OPTIONAL)
//       +-+-+-+-+-+-+-+-+
//  I:   |M| PictureID   | (OPTIONAL; M=1: 15-bit PictureID, one more byte)
//       +-+-+-+-+-+-+-+-+
//       |   PictureID   |
//       +-+-+-+-+-+-+-+-+
//  L:   |   TL0PICIDX   | (OPTIONAL)
//       +-+-+-+-+-+-+-+-+
//  T/K: |TID|Y| KEYIDX  | (OPTIONAL)
//       +-+-+-+-+-+-+-+-+
// VP8 payload header, first bytes of partition 0 (S=1, PID=0):
//       |Size0|H| VER |P|   P = inverse keyframe flag (0 = keyframe)
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace atrium::rtp {

struct Vp8Descriptor {
  bool nonReference = false;      // N
  bool startOfPartition = false;  // S
  uint8_t partitionIndex = 0;     // PID
  bool hasPictureId = false;
  bool pictureId15Bit = false;    // M
  uint16_t pictureId = 0;
  bool hasTl0PicIdx = false;
  uint8_t tl0PicIdx = 0;
  bool hasTid = false;            // T
  uint8_t tid = 0;
  bool layerSync = false;         // Y
  bool hasKeyIdx = false;         // K
  uint8_t keyIdx = 0;
  uint8_t size = 1;               // descriptor bytes; the VP8 payload follows
  uint8_t pictureIdOffset = 0;    // 0 when absent
  uint8_t tl0PicIdxOffset = 0;    // 0 when absent
  bool keyframe = false;

  bool startOfFrame() const { return startOfPartition && partitionIndex == 0; }

  // nullopt when the descriptor is truncated or no payload byte follows it.
  static std::optional<Vp8Descriptor> parse(std::span<const uint8_t> payload);

  // In-place rewrites for a payload this descriptor was parsed from. A 7-bit PictureID keeps
  // its width (the value is masked); false when the field is absent.
  bool setPictureId(std::span<uint8_t> payload, uint16_t value) const;
  bool setTl0PicIdx(std::span<uint8_t> payload, uint8_t value) const;
};

}  // namespace atrium::rtp
