// RTCP common header (RFC 3550 §6.4.1) and the compound-packet walker (RFC 3550 §6.1). Every
// message parser in this folder starts from RtcpHeader, so length and padding checks live here.
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |V=2|P| RC/FMT  |      PT       |   length (32-bit words - 1)   |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                    body (length * 4 bytes)                    |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// With P=1 the last body octet counts the padding octets, itself included.
//
// A compound packet is such packets back to back. RFC 3550 wants it to start with SR/RR, but
// reduced-size RTCP (RFC 5506) allows a lone feedback message, so the walker accepts any order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <span>

namespace atrium::rtp {

inline constexpr uint8_t kRtcpSr = 200;
inline constexpr uint8_t kRtcpRr = 201;
inline constexpr uint8_t kRtcpSdes = 202;
inline constexpr uint8_t kRtcpBye = 203;
inline constexpr uint8_t kRtcpApp = 204;
inline constexpr uint8_t kRtcpRtpfb = 205;  // RFC 4585 transport-layer feedback
inline constexpr uint8_t kRtcpPsfb = 206;   // RFC 4585 payload-specific feedback
inline constexpr uint8_t kRtcpXr = 207;

class RtcpHeader {
 public:
  static constexpr size_t kSize = 4;

  // RFC 5761 §4 demux: version 2 and packet type in 192..223.
  static bool looksLikeRtcp(std::span<const uint8_t> data);
  // The first RTCP packet in `data` (which may continue with more packets): version 2, the
  // declared length fits, and any padding count is non-zero and within the body.
  static std::optional<RtcpHeader> parse(std::span<const uint8_t> data);

  bool hasPadding() const { return (packet_[0] & 0x20) != 0; }
  uint8_t count() const { return packet_[0] & 0x1f; }  // RC, SC or FMT by packet type
  uint8_t fmt() const { return count(); }
  uint8_t packetType() const { return packet_[1]; }
  size_t size() const { return packet_.size(); }  // whole packet, header and padding included
  std::span<const uint8_t> packet() const { return packet_; }
  // After the 4-byte header, without padding.
  std::span<const uint8_t> body() const {
    return packet_.subspan(kSize, packet_.size() - kSize - paddingSize_);
  }
  size_t paddingSize() const { return paddingSize_; }

 private:
  explicit RtcpHeader(std::span<const uint8_t> packet) : packet_(packet) {}
  std::span<const uint8_t> packet_;
  size_t paddingSize_ = 0;
};

// Writes a header for a packet of totalSize bytes (a multiple of 4, at least 4, fitting the
// 16-bit length). Returns false if those conditions or out.size() >= 4 fail.
bool writeRtcpHeader(std::span<uint8_t> out, uint8_t count, uint8_t packetType,
                     size_t totalSize);

// A validated compound (or reduced-size, single) RTCP packet; iterate to get each RtcpHeader.
class RtcpCompound {
 public:
  // Every packet must pass RtcpHeader::parse and together they must cover `data` exactly.
  static std::optional<RtcpCompound> parse(std::span<const uint8_t> data);

  class Iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = RtcpHeader;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = RtcpHeader;
    Iterator() = default;
    explicit Iterator(std::span<const uint8_t> rest) : rest_(rest) {}
    RtcpHeader operator*() const { return *RtcpHeader::parse(rest_); }
    Iterator& operator++();
    Iterator operator++(int) {
      Iterator t = *this;
      ++*this;
      return t;
    }
    bool operator==(const Iterator& o) const { return rest_.size() == o.rest_.size(); }

   private:
    std::span<const uint8_t> rest_;
  };

  Iterator begin() const { return Iterator(data_); }
  Iterator end() const { return Iterator(data_.last(0)); }
  size_t packetCount() const { return count_; }
  std::span<const uint8_t> data() const { return data_; }

 private:
  RtcpCompound(std::span<const uint8_t> data, size_t count) : data_(data), count_(count) {}
  std::span<const uint8_t> data_;
  size_t count_ = 0;
};

}  // namespace atrium::rtp
