// Goodbye (RFC 3550 §6.6), PT 203: the listed sources are leaving, with an optional reason.
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |V=2|P|    SC   |   PT=BYE=203  |             length            |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                           SSRC/CSRC                           |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   :                              ...                              :
//   +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//   |     length    |               reason for leaving            ... (opt)
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "rtp/rtcp/rtcp_header.h"

namespace atrium::rtp {

class RtcpBye {
 public:
  static std::optional<RtcpBye> parse(std::span<const uint8_t> data);

  size_t ssrcCount() const { return header_.count(); }
  uint32_t ssrc(size_t index) const;  // index < ssrcCount()
  std::string_view reason() const;   // empty when absent; a view into the packet

  static size_t sizeFor(size_t ssrcCount, std::string_view reason);
  // Returns the length written, 0 if out is too small, more than 31 SSRCs or a reason
  // longer than 255 bytes.
  static size_t build(std::span<uint8_t> out, std::span<const uint32_t> ssrcs,
                      std::string_view reason = {});

 private:
  explicit RtcpBye(RtcpHeader h) : header_(h) {}
  RtcpHeader header_;
};

}  // namespace atrium::rtp
