#include "rtp/rtcp/rtcp_header.h"

#include "rtp/byte_io.h"

namespace atrium::rtp {

bool RtcpHeader::looksLikeRtcp(std::span<const uint8_t> data) {
  if (data.size() < kSize) return false;
  return (data[0] >> 6) == 2 && data[1] >= 192 && data[1] <= 223;
}

std::optional<RtcpHeader> RtcpHeader::parse(std::span<const uint8_t> data) {
  if (data.size() < kSize || (data[0] >> 6) != 2) return std::nullopt;
  const size_t total = kSize + 4u * readU16(&data[2]);
  if (total > data.size()) return std::nullopt;
  RtcpHeader h(data.first(total));
  if (h.hasPadding()) {
    const size_t pad = h.packet_[total - 1];
    // With length 0 there is no body to hold the count: the last byte read would be the
    // header's own length byte.
    if (total == kSize || pad == 0 || pad > total - kSize) return std::nullopt;
    h.paddingSize_ = pad;
  }
  return h;
}

bool writeRtcpHeader(std::span<uint8_t> out, uint8_t count, uint8_t packetType,
                     size_t totalSize) {
  if (out.size() < RtcpHeader::kSize || totalSize < RtcpHeader::kSize || totalSize % 4 != 0 ||
      totalSize > RtcpHeader::kSize + 4u * 0xffff || count > 31) {
    return false;
  }
  out[0] = static_cast<uint8_t>(0x80 | count);
  out[1] = packetType;
  writeU16(&out[2], static_cast<uint16_t>(totalSize / 4 - 1));
  return true;
}

RtcpCompound::Iterator& RtcpCompound::Iterator::operator++() {
  rest_ = rest_.subspan(RtcpHeader::kSize + 4u * readU16(&rest_[2]));
  return *this;
}

std::optional<RtcpCompound> RtcpCompound::parse(std::span<const uint8_t> data) {
  if (data.empty()) return std::nullopt;
  size_t count = 0;
  auto rest = data;
  while (!rest.empty()) {
    const auto h = RtcpHeader::parse(rest);
    if (!h) return std::nullopt;
    rest = rest.subspan(h->size());
    ++count;
  }
  return RtcpCompound(data, count);
}

}  // namespace atrium::rtp
