#include "rtp/rtcp/rtcp_nack.h"

#include <bit>

#include "rtp/byte_io.h"

namespace atrium::rtp {

namespace {
// Groups seqs into PID/BLP items, calling emit(NackItem) for each. A seq within 1..16 after
// the current PID joins its BLP; anything else starts a new item, so the encoding is right for
// any order and minimal for ascending input.
template <typename Emit>
void groupSeqs(std::span<const uint16_t> seqs, Emit&& emit) {
  bool open = false;
  NackItem cur;
  for (uint16_t s : seqs) {
    const uint16_t d = static_cast<uint16_t>(s - cur.pid);
    if (open && d == 0) continue;
    if (open && d <= 16) {
      cur.blp = static_cast<uint16_t>(cur.blp | (1u << (d - 1)));
      continue;
    }
    if (open) emit(cur);
    cur = NackItem{s, 0};
    open = true;
  }
  if (open) emit(cur);
}
}  // namespace

std::optional<RtcpNack> RtcpNack::parse(std::span<const uint8_t> data) {
  const auto fb = RtcpFeedback::parse(data, kRtcpRtpfb, kRtpfbNack);
  if (!fb) return std::nullopt;
  const size_t fci = fb->fci().size();
  if (fci == 0 || fci % kItemSize != 0) return std::nullopt;
  return RtcpNack(*fb);
}

NackItem RtcpNack::item(size_t index) const {
  const uint8_t* p = &fb_.fci()[index * kItemSize];
  return NackItem{readU16(p), readU16(p + 2)};
}

size_t RtcpNack::lostCount() const {
  size_t n = 0;
  for (size_t i = 0; i < itemCount(); ++i) n += 1 + std::popcount(item(i).blp);
  return n;
}

size_t RtcpNack::lostSequenceNumbers(std::span<uint16_t> out) const {
  size_t n = 0;
  forEachLost([&](uint16_t s) {
    if (n < out.size()) out[n++] = s;
  });
  return n;
}

size_t RtcpNack::itemCountFor(std::span<const uint16_t> seqs) {
  size_t n = 0;
  groupSeqs(seqs, [&](const NackItem&) { ++n; });
  return n;
}

size_t RtcpNack::build(std::span<uint8_t> out, uint32_t senderSsrc, uint32_t mediaSsrc,
                       std::span<const uint16_t> seqs) {
  if (seqs.empty()) return 0;
  const size_t total = sizeFor(seqs);
  if (out.size() < total ||
      !writeFeedbackHeader(out, kRtcpRtpfb, kRtpfbNack, total, senderSsrc, mediaSsrc)) {
    return 0;
  }
  size_t off = RtcpFeedback::kHeaderSize;
  groupSeqs(seqs, [&](const NackItem& it) {
    writeU16(&out[off], it.pid);
    writeU16(&out[off + 2], it.blp);
    off += kItemSize;
  });
  return total;
}

}  // namespace atrium::rtp
