// AV1 RTP payload (AOMedia "RTP Payload Format for AV1" v1.0, §4.4 aggregation header). A
// packet with N=1 starts a new coded video sequence, which is what a keyframe request gets.
//
//    0 1 2 3 4 5 6 7
//   +-+-+-+-+-+-+-+-+
//   |Z|Y| W |N|-|-|-|   Z: first OBU element continues the previous packet's OBU
//   +-+-+-+-+-+-+-+-+   Y: last OBU element continues in the next packet
//                       W: element count (0 = every element has a LEB128 length prefix;
//                          1..3 = that many elements, the last without a length)
//                       N: first packet of a coded video sequence
// When Z=0 the first element starts with an OBU header (AV1 spec §5.3.1):
//   |F| type(4) |X|S|R|   and with X=1 an extension byte |tid(3)|sid(2)|res(3)|
// from which the layer ids are read.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

namespace atrium::rtp {

struct Av1PayloadInfo {
  bool continuesObu = false;   // Z
  bool obuContinues = false;   // Y
  uint8_t elementCount = 0;    // W
  bool newCodedVideoSequence = false;  // N
  bool hasFirstObu = false;    // Z=0 and an OBU header could be read
  uint8_t firstObuType = 0;
  bool hasLayerIds = false;    // the first OBU has an extension header
  uint8_t temporalId = 0;
  uint8_t spatialId = 0;
  bool keyframe = false;

  // nullopt for an empty payload, a header with no element after it, or a malformed length.
  static std::optional<Av1PayloadInfo> parse(std::span<const uint8_t> payload);
};

}  // namespace atrium::rtp
