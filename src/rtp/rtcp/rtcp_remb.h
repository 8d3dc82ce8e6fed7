// Receiver Estimated Maximum Bitrate (draft-alvestrand-rmcat-remb-03 §2.2): an application-
// layer feedback message, PSFB (PT 206) FMT 15, tagged 'REMB'. The bitrate is
// mantissa * 2^exp bits per second and applies to all the listed SSRCs together.
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |V=2|P| FMT=15  |   PT=206      |             length            |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                  SSRC of packet sender                        |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                  SSRC of media source = 0                     |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |  Unique identifier 'R' 'E' 'M' 'B'                            |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |  Num SSRC     | BR Exp    |  BR Mantissa (18 bits)            |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |   SSRC feedback                                               |  x Num SSRC
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "rtp/rtcp/rtcp_feedback.h"

namespace atrium::rtp {

class RtcpRemb {
 public:
  static constexpr size_t kFciFixedSize = 8;
  static constexpr uint32_t kMaxMantissa = (1u << 18) - 1;

  // Rejects other application-layer messages, a short SSRC list and a bitrate that does not
  // fit 64 bits (mantissa << exp overflowing).
  static std::optional<RtcpRemb> parse(std::span<const uint8_t> data);

  uint32_t senderSsrc() const { return fb_.senderSsrc(); }
  uint8_t exponent() const { return fb_.fci()[5] >> 2; }
  uint32_t mantissa() const;
  uint64_t bitrateBps() const { return uint64_t{mantissa()} << exponent(); }
  size_t ssrcCount() const { return fb_.fci()[4]; }
  uint32_t ssrc(size_t index) const;  // index < ssrcCount()

  struct Encoded {
    uint8_t exponent = 0;
    uint32_t mantissa = 0;
  };
  // The smallest exponent whose mantissa fits 18 bits; the mantissa is rounded down so the
  // advertised rate never exceeds the estimate.
  static Encoded encode(uint64_t bitrateBps);

  static size_t sizeFor(size_t ssrcCount) {
    return RtcpFeedback::kHeaderSize + kFciFixedSize + 4 * ssrcCount;
  }
  // Returns the length written, 0 if out is too small or there are more than 255 SSRCs.
  static size_t build(std::span<uint8_t> out, uint32_t senderSsrc, uint64_t bitrateBps,
                      std::span<const uint32_t> ssrcs);

 private:
  explicit RtcpRemb(RtcpFeedback fb) : fb_(fb) {}
  RtcpFeedback fb_;
};

}  // namespace atrium::rtp
