// Readers and in-place writers for the RTP header extensions a WebRTC SFU routes and
// restamps. Ids are negotiated per session (SDP a=extmap), so every helper takes the id; 0
// means "not negotiated" and always reads as absent.
//
// sdes:mid (RFC 9143 §15), sdes:rtp-stream-id and repaired-rtp-stream-id (RFC 8852 §3):
//   the value is the identifier's bytes, no terminator:
//   |  ID   |  L=n-1 |  'a'  |  'b'  | ...
// abs-send-time (webrtc.org/experiments/rtp-hdrext/abs-send-time): 24-bit 6.18 fixed-point
//   seconds, i.e. the middle bits of the NTP timestamp:
//   |  ID   | L=2   |       absolute send time (24 bits)            |
// transport-wide-cc (draft-holmer-rmcat-transport-wide-cc-extensions-01 §2): 16-bit seq
//   (the -02 variant appends a 2-byte feedback request that we preserve but ignore):
//   |  ID   | L=1   |  transport-wide sequence number |
// ssrc-audio-level (RFC 6464 §3): V = voice activity, level = -dBov (0 loudest, 127 silence):
//   |  ID   | L=0   |V| level       |
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "rtp/rtp_packet.h"

namespace atrium::rtp {

inline constexpr std::string_view kUriMid = "urn:ietf:params:rtp-hdrext:sdes:mid";
inline constexpr std::string_view kUriRid = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id";
inline constexpr std::string_view kUriRepairedRid =
    "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id";
inline constexpr std::string_view kUriAbsSendTime =
    "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time";
inline constexpr std::string_view kUriTransportCc =
    "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";
inline constexpr std::string_view kUriAudioLevel = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";

// Negotiated ids for one transport; 0 = not negotiated.
struct ExtensionIds {
  uint8_t mid = 0;
  uint8_t rid = 0;
  uint8_t repairedRid = 0;
  uint8_t absSendTime = 0;
  uint8_t transportSeq = 0;
  uint8_t audioLevel = 0;
};

struct AudioLevel {
  bool voice = false;
  uint8_t level = 127;  // -dBov, 0..127
  bool operator==(const AudioLevel&) const = default;
};

// mid / rid / repaired-rid: the identifier, without trailing NUL bytes (some senders pad the
// element with NULs; libwebrtc strips them too). Absent, empty or NUL-led values read as
// nullopt. The view points into the packet.
std::optional<std::string_view> readStringExtension(const RtpPacket& p, uint8_t id);
// Rewrites an existing string element in place. A value shorter than the element is NUL-padded
// (readers strip that); a longer one does not fit and returns false.
bool writeStringExtension(RtpPacket& p, uint8_t id, std::string_view value);

inline std::optional<std::string_view> readMid(const RtpPacket& p, uint8_t id) {
  return readStringExtension(p, id);
}
inline std::optional<std::string_view> readRid(const RtpPacket& p, uint8_t id) {
  return readStringExtension(p, id);
}
inline std::optional<std::string_view> readRepairedRid(const RtpPacket& p, uint8_t id) {
  return readStringExtension(p, id);
}

// 24-bit 6.18 seconds.
std::optional<uint32_t> readAbsSendTime(const RtpPacket& p, uint8_t id);
bool writeAbsSendTime(RtpPacket& p, uint8_t id, uint32_t value24);
// Microseconds of any monotonic clock → the 24-bit wire value. The value wraps every 64 s, so
// reduce first: shifting a raw uptime left by 18 would overflow after ~2 years.
constexpr uint32_t absSendTimeFromUs(int64_t us) {
  constexpr int64_t kPeriodUs = 64'000'000;
  const auto r = static_cast<uint64_t>(((us % kPeriodUs) + kPeriodUs) % kPeriodUs);
  return static_cast<uint32_t>((r << 18) / 1'000'000u);
}

std::optional<uint16_t> readTransportSeq(const RtpPacket& p, uint8_t id);
bool writeTransportSeq(RtpPacket& p, uint8_t id, uint16_t seq);

std::optional<AudioLevel> readAudioLevel(const RtpPacket& p, uint8_t id);
bool writeAudioLevel(RtpPacket& p, uint8_t id, AudioLevel level);

}  // namespace atrium::rtp
