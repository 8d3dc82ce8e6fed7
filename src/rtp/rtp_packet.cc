#include "rtp/rtp_packet.h"

#include <cstring>

#include "rtp/byte_io.h"

namespace atrium::rtp {

bool RtpPacket::looksLikeRtp(std::span<const uint8_t> data) {
  if (data.size() < kFixedHeaderSize) return false;
  if ((data[0] >> 6) != 2) return false;
  // RFC 5761 §4: RTCP packet types 192..223 would alias RTP payload types 64..95 with M set.
  return data[1] < 192 || data[1] > 223;
}

std::optional<RtpPacket> RtpPacket::parse(std::span<uint8_t> data) {
  if (data.size() < kFixedHeaderSize) return std::nullopt;
  if ((data[0] >> 6) != 2) return std::nullopt;
  RtpPacket p(data);
  size_t header = kFixedHeaderSize + 4u * p.csrcCount();
  if (data.size() < header) return std::nullopt;
  if (p.hasExtension()) {
    if (data.size() < header + 4) return std::nullopt;
    const uint16_t profileId = readU16(&data[header]);
    const size_t extSize = 4u * readU16(&data[header + 2]);
    if (data.size() < header + 4 + extSize) return std::nullopt;
    p.profileId_ = profileId;
    p.extOffset_ = static_cast<uint32_t>(header + 4);
    p.extSize_ = static_cast<uint32_t>(extSize);
    if (profileId == kOneByteProfileId) {
      p.profile_ = ExtensionProfile::kOneByte;
    } else if ((profileId & 0xfff0) == kTwoByteProfileId) {
      p.profile_ = ExtensionProfile::kTwoByte;
    } else {
      p.profile_ = ExtensionProfile::kOther;
    }
    // Validate once here so lookups never need to report malformed blocks.
    if (!walkElements(p.extensionBlock(), p.profile_,
                      [](uint8_t, size_t, size_t) { return true; })) {
      return std::nullopt;
    }
    header += 4 + extSize;
  }
  p.headerSize_ = static_cast<uint32_t>(header);
  if (p.hasPadding()) {
    // The count includes itself, so 0 is malformed; it may not eat into the header.
    const size_t pad = data.back();
    if (pad == 0 || pad > data.size() - header) return std::nullopt;
    p.paddingSize_ = static_cast<uint32_t>(pad);
  }
  return p;
}

uint16_t RtpPacket::sequenceNumber() const { return readU16(&data_[2]); }
uint32_t RtpPacket::timestamp() const { return readU32(&data_[4]); }
uint32_t RtpPacket::ssrc() const { return readU32(&data_[8]); }
uint32_t RtpPacket::csrc(size_t index) const {
  return index < csrcCount() ? readU32(&data_[kFixedHeaderSize + 4 * index]) : 0;
}

void RtpPacket::setMarker(bool marker) {
  data_[1] = static_cast<uint8_t>((data_[1] & 0x7f) | (marker ? 0x80 : 0));
}
void RtpPacket::setPayloadType(uint8_t pt) {
  data_[1] = static_cast<uint8_t>((data_[1] & 0x80) | (pt & 0x7f));
}
void RtpPacket::setSequenceNumber(uint16_t seq) { writeU16(&data_[2], seq); }
void RtpPacket::setTimestamp(uint32_t ts) { writeU32(&data_[4], ts); }
void RtpPacket::setSsrc(uint32_t ssrc) { writeU32(&data_[8], ssrc); }

RtpPacket::Found RtpPacket::findExtension(uint8_t id) const {
  Found out;
  if (id == 0) return out;
  if (profile_ == ExtensionProfile::kOneByte && id > kMaxOneByteId) return out;
  walkElements(extensionBlock(), profile_, [&](uint8_t elemId, size_t off, size_t len) {
    if (elemId != id) return true;
    out = Found{true, extOffset_ + off, len};
    return false;
  });
  return out;
}

std::span<const uint8_t> RtpPacket::extension(uint8_t id) const {
  const Found f = findExtension(id);
  if (!f.found) return {};
  return std::span<const uint8_t>(data_).subspan(f.offset, f.length);
}

std::span<uint8_t> RtpPacket::extension(uint8_t id) {
  const Found f = findExtension(id);
  if (!f.found) return {};
  return data_.subspan(f.offset, f.length);
}

bool RtpPacket::setExtension(uint8_t id, std::span<const uint8_t> value) {
  const Found f = findExtension(id);
  if (!f.found || f.length != value.size()) return false;
  if (!value.empty()) std::memmove(&data_[f.offset], value.data(), value.size());
  return true;
}

}  // namespace atrium::rtp
