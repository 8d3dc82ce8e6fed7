#include "rtp/rtcp/rtcp_feedback.h"

#include "rtp/byte_io.h"

namespace atrium::rtp {

std::optional<RtcpFeedback> RtcpFeedback::parse(std::span<const uint8_t> data) {
  const auto h = RtcpHeader::parse(data);
  if (!h) return std::nullopt;
  if (h->packetType() != kRtcpRtpfb && h->packetType() != kRtcpPsfb) return std::nullopt;
  if (h->body().size() < kCommonSize) return std::nullopt;
  return RtcpFeedback(*h);
}

std::optional<RtcpFeedback> RtcpFeedback::parse(std::span<const uint8_t> data, uint8_t packetType,
                                                uint8_t fmt) {
  auto fb = parse(data);
  if (!fb || fb->packetType() != packetType || fb->fmt() != fmt) return std::nullopt;
  return fb;
}

uint32_t RtcpFeedback::senderSsrc() const { return readU32(&header_.body()[0]); }
uint32_t RtcpFeedback::mediaSsrc() const { return readU32(&header_.body()[4]); }

bool writeFeedbackHeader(std::span<uint8_t> out, uint8_t packetType, uint8_t fmt,
                         size_t totalSize, uint32_t senderSsrc, uint32_t mediaSsrc) {
  if (out.size() < RtcpFeedback::kHeaderSize || totalSize < RtcpFeedback::kHeaderSize) {
    return false;
  }
  if (!writeRtcpHeader(out, fmt, packetType, totalSize)) return false;
  writeU32(&out[4], senderSsrc);
  writeU32(&out[8], mediaSsrc);
  return true;
}

}  // namespace atrium::rtp
