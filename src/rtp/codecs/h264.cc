#include "rtp/codecs/h264.h"

namespace atrium::rtp {

namespace {
void noteNal(H264PayloadInfo& info, uint8_t type) {
  if (type == kH264NalIdr) info.hasIdr = true;
  if (type == kH264NalSps) info.hasSps = true;
  if (type == kH264NalPps) info.hasPps = true;
}
}  // namespace

std::optional<H264PayloadInfo> H264PayloadInfo::parse(std::span<const uint8_t> payload) {
  if (payload.empty()) return std::nullopt;
  H264PayloadInfo info;
  info.packetType = payload[0] & 0x1f;
  if (info.packetType >= 1 && info.packetType <= 23) {
    info.nalType = info.packetType;
    noteNal(info, info.nalType);
  } else if (info.packetType == kH264StapA) {
    size_t off = 1;
    info.nalCount = 0;
    while (off < payload.size()) {
      if (payload.size() - off < 2) return std::nullopt;
      const size_t size = (size_t{payload[off]} << 8) | payload[off + 1];
      off += 2;
      if (size == 0 || payload.size() - off < size) return std::nullopt;
      const uint8_t type = payload[off] & 0x1f;
      if (info.nalCount == 0) info.nalType = type;
      if (info.nalCount < 255) ++info.nalCount;
      noteNal(info, type);
      off += size;
    }
    if (info.nalCount == 0) return std::nullopt;
  } else if (info.packetType == kH264FuA) {
    if (payload.size() < 2) return std::nullopt;
    const uint8_t fu = payload[1];
    info.startOfNal = (fu & 0x80) != 0;
    info.endOfNal = (fu & 0x40) != 0;
    info.nalType = fu & 0x1f;
    if (info.startOfNal) noteNal(info, info.nalType);
  } else {
    return std::nullopt;
  }
  info.keyframe = info.hasIdr || info.hasSps || info.hasPps;
  return info;
}

}  // namespace atrium::rtp
