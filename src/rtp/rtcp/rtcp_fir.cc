#include "rtp/rtcp/rtcp_fir.h"

#include "rtp/byte_io.h"

namespace atrium::rtp {

std::optional<RtcpFir> RtcpFir::parse(std::span<const uint8_t> data) {
  const auto fb = RtcpFeedback::parse(data, kRtcpPsfb, kPsfbFir);
  if (!fb) return std::nullopt;
  const size_t fci = fb->fci().size();
  if (fci == 0 || fci % kEntrySize != 0) return std::nullopt;
  return RtcpFir(*fb);
}

FirEntry RtcpFir::entry(size_t index) const {
  const uint8_t* p = &fb_.fci()[index * kEntrySize];
  return FirEntry{readU32(p), p[4]};
}

size_t RtcpFir::build(std::span<uint8_t> out, uint32_t senderSsrc,
                      std::span<const FirEntry> entries) {
  if (entries.empty()) return 0;
  const size_t total = sizeFor(entries.size());
  if (out.size() < total ||
      !writeFeedbackHeader(out, kRtcpPsfb, kPsfbFir, total, senderSsrc, 0)) {
    return 0;
  }
  size_t off = RtcpFeedback::kHeaderSize;
  for (const auto& e : entries) {
    writeU32(&out[off], e.ssrc);
    out[off + 4] = e.seqNr;
    writeU24(&out[off + 5], 0);
    off += kEntrySize;
  }
  return total;
}

}  // namespace atrium::rtp
