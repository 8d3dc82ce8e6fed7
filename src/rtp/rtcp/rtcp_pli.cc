#include "rtp/rtcp/rtcp_pli.h"

namespace atrium::rtp {

std::optional<RtcpPli> RtcpPli::parse(std::span<const uint8_t> data) {
  const auto fb = RtcpFeedback::parse(data, kRtcpPsfb, kPsfbPli);
  if (!fb) return std::nullopt;
  return RtcpPli(*fb);
}

size_t RtcpPli::build(std::span<uint8_t> out, uint32_t senderSsrc, uint32_t mediaSsrc) {
  return writeFeedbackHeader(out, kRtcpPsfb, kPsfbPli, kSize, senderSsrc, mediaSsrc) ? kSize : 0;
}

}  // namespace atrium::rtp
