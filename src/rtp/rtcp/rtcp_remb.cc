#include "rtp/rtcp/rtcp_remb.h"

#include "rtp/byte_io.h"

namespace atrium::rtp {

namespace {
constexpr uint32_t kRembTag = 0x52454d42;  // 'R' 'E' 'M' 'B'
}

std::optional<RtcpRemb> RtcpRemb::parse(std::span<const uint8_t> data) {
  const auto fb = RtcpFeedback::parse(data, kRtcpPsfb, kPsfbApplicationLayer);
  if (!fb) return std::nullopt;
  const auto fci = fb->fci();
  if (fci.size() < kFciFixedSize || readU32(fci.data()) != kRembTag) return std::nullopt;
  if (fci.size() < kFciFixedSize + 4u * fci[4]) return std::nullopt;
  const RtcpRemb remb(*fb);
  const uint64_t m = remb.mantissa();
  if (((m << remb.exponent()) >> remb.exponent()) != m) return std::nullopt;
  return remb;
}

uint32_t RtcpRemb::mantissa() const {
  const auto fci = fb_.fci();
  return (uint32_t{fci[5] & 0x03u} << 16) | readU16(&fci[6]);
}

uint32_t RtcpRemb::ssrc(size_t index) const {
  return readU32(&fb_.fci()[kFciFixedSize + 4 * index]);
}

RtcpRemb::Encoded RtcpRemb::encode(uint64_t bitrateBps) {
  Encoded e;
  while ((bitrateBps >> e.exponent) > kMaxMantissa) ++e.exponent;
  e.mantissa = static_cast<uint32_t>(bitrateBps >> e.exponent);
  return e;
}

size_t RtcpRemb::build(std::span<uint8_t> out, uint32_t senderSsrc, uint64_t bitrateBps,
                       std::span<const uint32_t> ssrcs) {
  if (ssrcs.size() > 255) return 0;
  const size_t total = sizeFor(ssrcs.size());
  if (out.size() < total || !writeFeedbackHeader(out, kRtcpPsfb, kPsfbApplicationLayer, total,
                                                 senderSsrc, 0)) {
    return 0;
  }
  const Encoded e = encode(bitrateBps);
  size_t off = RtcpFeedback::kHeaderSize;
  writeU32(&out[off], kRembTag);
  out[off + 4] = static_cast<uint8_t>(ssrcs.size());
  out[off + 5] = static_cast<uint8_t>((e.exponent << 2) | (e.mantissa >> 16));
  writeU16(&out[off + 6], static_cast<uint16_t>(e.mantissa));
  off += kFciFixedSize;
  for (uint32_t s : ssrcs) {
    writeU32(&out[off], s);
    off += 4;
  }
  return total;
}

}  // namespace atrium::rtp
