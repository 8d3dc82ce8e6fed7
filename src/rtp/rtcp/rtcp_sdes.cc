#include "rtp/rtcp/rtcp_sdes.h"

#include <cstring>

#include "rtp/byte_io.h"

namespace atrium::rtp {

std::optional<RtcpSdes> RtcpSdes::parse(std::span<const uint8_t> data) {
  const auto h = RtcpHeader::parse(data);
  if (!h || h->packetType() != kRtcpSdes) return std::nullopt;
  if (!walk(h->body(), h->count(), [](uint32_t, uint8_t, std::string_view) {})) {
    return std::nullopt;
  }
  return RtcpSdes(*h);
}

std::optional<SdesChunk> RtcpSdes::firstChunk() const {
  std::optional<SdesChunk> first;
  forEachChunk([&](const SdesChunk& c) {
    if (!first) first = c;
  });
  return first;
}

namespace {
size_t chunkSize(const SdesChunk& c) {
  const size_t items = c.cname.empty() ? 0 : 2 + c.cname.size();
  return 4 + ((items + 1 + 3) & ~size_t{3});  // SSRC + items + END, padded to 32 bits
}
}  // namespace

size_t RtcpSdes::sizeFor(std::span<const SdesChunk> chunks) {
  size_t total = RtcpHeader::kSize;
  for (const auto& c : chunks) total += chunkSize(c);
  return total;
}

size_t RtcpSdes::build(std::span<uint8_t> out, std::span<const SdesChunk> chunks) {
  if (chunks.size() > 31) return 0;
  for (const auto& c : chunks) {
    if (c.cname.size() > 255) return 0;
  }
  const size_t total = sizeFor(chunks);
  if (out.size() < total) return 0;
  if (!writeRtcpHeader(out, static_cast<uint8_t>(chunks.size()), kRtcpSdes, total)) return 0;
  size_t off = RtcpHeader::kSize;
  for (const auto& c : chunks) {
    const size_t size = chunkSize(c);
    std::memset(&out[off], 0, size);
    writeU32(&out[off], c.ssrc);
    if (!c.cname.empty()) {
      out[off + 4] = kSdesCname;
      out[off + 5] = static_cast<uint8_t>(c.cname.size());
      std::memcpy(&out[off + 6], c.cname.data(), c.cname.size());
    }
    off += size;
  }
  return total;
}

}  // namespace atrium::rtp
