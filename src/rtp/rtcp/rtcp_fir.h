// Full Intra Request (RFC 5104 §4.3.1): PSFB (PT 206), FMT 4. The media-source SSRC field is
// unused (0); each FCI entry names the SSRC that must send a decoder refresh and a command
// sequence number, incremented per new request, so that repeats are recognisable.
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |V=2|P|  FMT=4  |    PT=206     |          length               |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                  SSRC of packet sender                        |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |             SSRC of media source (unused) = 0                 |
//   +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//   |                              SSRC                             |  x N >= 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   | Seq nr.       |    Reserved = 0                               |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "rtp/rtcp/rtcp_feedback.h"

namespace atrium::rtp {

struct FirEntry {
  uint32_t ssrc = 0;
  uint8_t seqNr = 0;
  bool operator==(const FirEntry&) const = default;
};

class RtcpFir {
 public:
  static constexpr size_t kEntrySize = 8;

  // Requires at least one whole entry and no partial one.
  static std::optional<RtcpFir> parse(std::span<const uint8_t> data);

  uint32_t senderSsrc() const { return fb_.senderSsrc(); }
  size_t entryCount() const { return fb_.fci().size() / kEntrySize; }
  FirEntry entry(size_t index) const;  // index < entryCount()

  static size_t sizeFor(size_t entries) {
    return RtcpFeedback::kHeaderSize + kEntrySize * entries;
  }
  // Returns the length written, 0 if entries is empty or out is too small.
  static size_t build(std::span<uint8_t> out, uint32_t senderSsrc,
                      std::span<const FirEntry> entries);

 private:
  explicit RtcpFir(RtcpFeedback fb) : fb_(fb) {}
  RtcpFeedback fb_;
};

}  // namespace atrium::rtp
