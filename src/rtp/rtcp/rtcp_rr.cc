#include "rtp/rtcp/rtcp_rr.h"

#include "rtp/byte_io.h"

namespace atrium::rtp {

std::optional<RtcpReceiverReport> RtcpReceiverReport::parse(std::span<const uint8_t> data) {
  const auto h = RtcpHeader::parse(data);
  if (!h || h->packetType() != kRtcpRr) return std::nullopt;
  if (h->body().size() < kFixedBodySize + h->count() * RtcpReportBlock::kSize) {
    return std::nullopt;
  }
  return RtcpReceiverReport(*h);
}

uint32_t RtcpReceiverReport::senderSsrc() const { return readU32(&header_.body()[0]); }

RtcpReportBlock RtcpReceiverReport::reportBlock(size_t index) const {
  return readReportBlock(header_.body(), kFixedBodySize, index);
}

size_t RtcpReceiverReport::build(std::span<uint8_t> out, uint32_t senderSsrc,
                                 std::span<const RtcpReportBlock> blocks) {
  if (blocks.size() > 31) return 0;
  const size_t total = sizeFor(blocks.size());
  if (out.size() < total) return 0;
  if (!writeRtcpHeader(out, static_cast<uint8_t>(blocks.size()), kRtcpRr, total)) return 0;
  writeU32(&out[4], senderSsrc);
  writeReportBlocks(out, RtcpHeader::kSize + kFixedBodySize, blocks);
  return total;
}

}  // namespace atrium::rtp
