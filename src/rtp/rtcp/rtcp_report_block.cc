#include "rtp/rtcp/rtcp_report_block.h"

#include <algorithm>

#include "rtp/byte_io.h"

namespace atrium::rtp {

RtcpReportBlock RtcpReportBlock::read(std::span<const uint8_t> in) {
  RtcpReportBlock b;
  b.ssrc = readU32(&in[0]);
  b.fractionLost = in[4];
  b.cumulativeLost = readS24(&in[5]);
  b.extendedHighestSeq = readU32(&in[8]);
  b.jitter = readU32(&in[12]);
  b.lastSr = readU32(&in[16]);
  b.delaySinceLastSr = readU32(&in[20]);
  return b;
}

void RtcpReportBlock::write(std::span<uint8_t> out) const {
  writeU32(&out[0], ssrc);
  out[4] = fractionLost;
  const int32_t lost = std::clamp(cumulativeLost, -0x800000, 0x7fffff);
  writeU24(&out[5], static_cast<uint32_t>(lost) & 0xffffffu);
  writeU32(&out[8], extendedHighestSeq);
  writeU32(&out[12], jitter);
  writeU32(&out[16], lastSr);
  writeU32(&out[20], delaySinceLastSr);
}

}  // namespace atrium::rtp
