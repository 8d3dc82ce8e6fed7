// RtpPacket: a mutable, non-owning view over one RTP packet (RFC 3550 §5.1) with RFC 8285
// header extensions. Parsing validates everything once so that accessors can trust the layout;
// setters rewrite fields in place (the SFU rewrites SSRC/seq/timestamp per subscriber and
// restamps abs-send-time / transport-wide seq). Nothing here allocates or throws.
//
// RFC 3550 §5.1 fixed header:
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |V=2|P|X|  CC   |M|     PT      |       sequence number         |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                           timestamp                           |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |           synchronization source (SSRC) identifier            |
//   +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//   |            contributing source (CSRC) identifiers             |
//   |                             ....                              |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// RFC 3550 §5.3.1 header extension (X=1), RFC 8285 §4.2 one-byte / §4.3 two-byte forms:
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |  0xBE  |  0xDE  (or 0x100 + appbits)|   length (32-bit words)  |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   one-byte elements:  | ID(4) | L(4) | L+1 data bytes |   (ID 0 = padding byte, ID 15 = stop)
//   two-byte elements:  | ID(8) | L(8) | L data bytes   |   (ID 0 = padding byte)
// Padding (P=1, §5.1): the last octet counts the padding octets, itself included.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace atrium::rtp {

enum class ExtensionProfile : uint8_t {
  kNone,     // X=0
  kOneByte,  // 0xBEDE
  kTwoByte,  // 0x100X
  kOther,    // some other profile: kept intact, but no element lookup
};

class RtpPacket {
 public:
  static constexpr size_t kFixedHeaderSize = 12;
  static constexpr uint16_t kOneByteProfileId = 0xBEDE;
  static constexpr uint16_t kTwoByteProfileId = 0x1000;  // low 4 bits are "appbits"
  static constexpr uint8_t kMaxOneByteId = 14;

  // RFC 7983 / RFC 5761 demux: version 2 and a second byte outside RTCP's 192..223 range.
  static bool looksLikeRtp(std::span<const uint8_t> data);
  // Validates version, CSRC list, the extension block (every RFC 8285 element must fit) and
  // padding. The view borrows `data`, which must outlive it.
  static std::optional<RtpPacket> parse(std::span<uint8_t> data);

  bool hasPadding() const { return (data_[0] & 0x20) != 0; }
  bool hasExtension() const { return (data_[0] & 0x10) != 0; }
  uint8_t csrcCount() const { return data_[0] & 0x0f; }
  bool marker() const { return (data_[1] & 0x80) != 0; }
  uint8_t payloadType() const { return data_[1] & 0x7f; }
  uint16_t sequenceNumber() const;
  uint32_t timestamp() const;
  uint32_t ssrc() const;
  uint32_t csrc(size_t index) const;  // index < csrcCount()

  void setMarker(bool marker);
  void setPayloadType(uint8_t pt);  // pt & 0x7f is written
  void setSequenceNumber(uint16_t seq);
  void setTimestamp(uint32_t ts);
  void setSsrc(uint32_t ssrc);

  std::span<const uint8_t> data() const { return data_; }
  std::span<uint8_t> data() { return data_; }
  size_t size() const { return data_.size(); }
  size_t headerSize() const { return headerSize_; }  // fixed + CSRCs + extension block
  size_t paddingSize() const { return paddingSize_; }
  size_t payloadSize() const { return data_.size() - headerSize_ - paddingSize_; }
  std::span<const uint8_t> payload() const { return data_.subspan(headerSize_, payloadSize()); }
  std::span<uint8_t> payload() { return data_.subspan(headerSize_, payloadSize()); }

  ExtensionProfile extensionProfile() const { return profile_; }
  uint16_t extensionProfileId() const { return profileId_; }
  // The extension block's body (after the 4-byte profile/length word), padding included.
  std::span<const uint8_t> extensionBlock() const { return data_.subspan(extOffset_, extSize_); }

  // Value of the first element with this id; empty when absent (or the profile is unknown).
  // One-byte ids are 1..14, two-byte ids 1..255.
  std::span<const uint8_t> extension(uint8_t id) const;
  std::span<uint8_t> extension(uint8_t id);
  bool hasExtension(uint8_t id) const { return findExtension(id).found; }
  // Overwrites the value of an existing element of exactly value.size() bytes. Returns false
  // (and leaves the packet untouched) when the element is absent or has another length:
  // growing the header would shift the payload, which is a different operation.
  bool setExtension(uint8_t id, std::span<const uint8_t> value);

  // Calls f(id, std::span<const uint8_t> value) for each element in wire order.
  template <typename F>
  void forEachExtension(F&& f) const {
    walkElements(extensionBlock(), profile_, [&](uint8_t id, size_t off, size_t len) {
      f(id, extensionBlock().subspan(off, len));
      return true;
    });
  }

 private:
  struct Found {
    bool found = false;
    size_t offset = 0;  // absolute offset into data_
    size_t length = 0;
  };
  explicit RtpPacket(std::span<uint8_t> data) : data_(data) {}
  Found findExtension(uint8_t id) const;

  // Walks RFC 8285 elements, calling visit(id, offsetInBlock, length) -> bool (false stops).
  // Returns false when an element runs past the block (malformed).
  template <typename Visit>
  static bool walkElements(std::span<const uint8_t> block, ExtensionProfile profile,
                           Visit&& visit);

  std::span<uint8_t> data_;
  uint32_t headerSize_ = kFixedHeaderSize;
  uint32_t extOffset_ = 0;
  uint32_t extSize_ = 0;
  uint32_t paddingSize_ = 0;
  uint16_t profileId_ = 0;
  ExtensionProfile profile_ = ExtensionProfile::kNone;
};

template <typename Visit>
bool RtpPacket::walkElements(std::span<const uint8_t> block, ExtensionProfile profile,
                             Visit&& visit) {
  const size_t n = block.size();
  size_t i = 0;
  if (profile == ExtensionProfile::kOneByte) {
    while (i < n) {
      const uint8_t b = block[i];
      const uint8_t id = b >> 4;
      // Id 0 is padding (RFC 8285 §4.2). Padding bytes should be 0; like libwebrtc we skip a
      // single byte whatever its length nibble says, rather than read an "element 0".
      if (id == 0) {
        ++i;
        continue;
      }
      // RFC 8285 §4.2: id 15 is reserved; a receiver stops parsing the block there.
      if (id == 15) return true;
      const size_t len = (b & 0x0f) + 1u;
      if (i + 1 + len > n) return false;
      if (!visit(id, i + 1, len)) return true;
      i += 1 + len;
    }
  } else if (profile == ExtensionProfile::kTwoByte) {
    while (i < n) {
      const uint8_t id = block[i];
      if (id == 0) {
        ++i;
        continue;
      }
      if (i + 2 > n) return false;
      const size_t len = block[i + 1];
      if (i + 2 + len > n) return false;
      if (!visit(id, i + 2, len)) return true;
      i += 2 + len;
    }
  }
  return true;
}

}  // namespace atrium::rtp
