#include "rtp/rtcp/rtcp_bye.h"

#include <cstring>

#include "rtp/byte_io.h"

namespace atrium::rtp {

std::optional<RtcpBye> RtcpBye::parse(std::span<const uint8_t> data) {
  const auto h = RtcpHeader::parse(data);
  if (!h || h->packetType() != kRtcpBye) return std::nullopt;
  const auto body = h->body();
  const size_t ssrcBytes = 4u * h->count();
  if (body.size() < ssrcBytes) return std::nullopt;
  if (body.size() > ssrcBytes && ssrcBytes + 1 + body[ssrcBytes] > body.size()) {
    return std::nullopt;
  }
  return RtcpBye(*h);
}

uint32_t RtcpBye::ssrc(size_t index) const { return readU32(&header_.body()[4 * index]); }

std::string_view RtcpBye::reason() const {
  const auto body = header_.body();
  const size_t off = 4u * header_.count();
  if (body.size() <= off) return {};
  return std::string_view(reinterpret_cast<const char*>(&body[off + 1]), body[off]);
}

size_t RtcpBye::sizeFor(size_t ssrcCount, std::string_view reason) {
  const size_t reasonBytes = reason.empty() ? 0 : ((1 + reason.size() + 3) & ~size_t{3});
  return RtcpHeader::kSize + 4 * ssrcCount + reasonBytes;
}

size_t RtcpBye::build(std::span<uint8_t> out, std::span<const uint32_t> ssrcs,
                      std::string_view reason) {
  if (ssrcs.size() > 31 || reason.size() > 255) return 0;
  const size_t total = sizeFor(ssrcs.size(), reason);
  if (out.size() < total) return 0;
  if (!writeRtcpHeader(out, static_cast<uint8_t>(ssrcs.size()), kRtcpBye, total)) return 0;
  size_t off = RtcpHeader::kSize;
  for (uint32_t s : ssrcs) {
    writeU32(&out[off], s);
    off += 4;
  }
  if (!reason.empty()) {
    std::memset(&out[off], 0, total - off);
    out[off] = static_cast<uint8_t>(reason.size());
    std::memcpy(&out[off + 1], reason.data(), reason.size());
  }
  return total;
}

}  // namespace atrium::rtp
