#include "rtp/rtcp/rtcp_sr.h"

#include "rtp/byte_io.h"

namespace atrium::rtp {

std::optional<RtcpSenderReport> RtcpSenderReport::parse(std::span<const uint8_t> data) {
  const auto h = RtcpHeader::parse(data);
  if (!h || h->packetType() != kRtcpSr) return std::nullopt;
  if (h->body().size() < kFixedBodySize + h->count() * RtcpReportBlock::kSize) {
    return std::nullopt;
  }
  return RtcpSenderReport(*h);
}

uint32_t RtcpSenderReport::senderSsrc() const { return readU32(&header_.body()[0]); }

RtcpSenderInfo RtcpSenderReport::senderInfo() const {
  const auto b = header_.body();
  return RtcpSenderInfo{readU64(&b[4]), readU32(&b[12]), readU32(&b[16]), readU32(&b[20])};
}

RtcpReportBlock RtcpSenderReport::reportBlock(size_t index) const {
  return readReportBlock(header_.body(), kFixedBodySize, index);
}

size_t RtcpSenderReport::build(std::span<uint8_t> out, uint32_t senderSsrc,
                               const RtcpSenderInfo& info,
                               std::span<const RtcpReportBlock> blocks) {
  if (blocks.size() > 31) return 0;
  const size_t total = sizeFor(blocks.size());
  if (out.size() < total) return 0;
  if (!writeRtcpHeader(out, static_cast<uint8_t>(blocks.size()), kRtcpSr, total)) return 0;
  writeU32(&out[4], senderSsrc);
  writeU64(&out[8], info.ntpTime);
  writeU32(&out[16], info.rtpTimestamp);
  writeU32(&out[20], info.packetCount);
  writeU32(&out[24], info.octetCount);
  writeReportBlocks(out, RtcpHeader::kSize + kFixedBodySize, blocks);
  return total;
}

}  // namespace atrium::rtp
