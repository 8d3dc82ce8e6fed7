// Picture Loss Indication (RFC 4585 §6.3.1): PSFB (PT 206), FMT 1, no FCI. Asks the sender of
// `mediaSsrc` for a keyframe.
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |V=2|P|  FMT=1  |    PT=206     |          length=2             |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                  SSRC of packet sender                        |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                  SSRC of media source                         |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "rtp/rtcp/rtcp_feedback.h"

namespace atrium::rtp {

class RtcpPli {
 public:
  static constexpr size_t kSize = RtcpFeedback::kHeaderSize;

  // Trailing FCI bytes are tolerated (libwebrtc does the same); PLI defines none.
  static std::optional<RtcpPli> parse(std::span<const uint8_t> data);

  uint32_t senderSsrc() const { return fb_.senderSsrc(); }
  uint32_t mediaSsrc() const { return fb_.mediaSsrc(); }

  // Returns kSize, or 0 if out is too small.
  static size_t build(std::span<uint8_t> out, uint32_t senderSsrc, uint32_t mediaSsrc);

 private:
  explicit RtcpPli(RtcpFeedback fb) : fb_(fb) {}
  RtcpFeedback fb_;
};

}  // namespace atrium::rtp
