// RtpSink / RtcpSink: the packet seams between transport and sfu (architecture: "sfu and
// transport never include each other; they meet through stream's sink interfaces, wired by
// app"). transport implements them for the send direction, the sfu (and record/) implement
// them for the receive direction; tests plug in fakes.
//
// Calls happen on the owning media worker's thread only and must not allocate, lock or
// throw. The span is borrowed for the duration of the call: a sink that needs the bytes
// later (retransmission buffer, recorder queue) copies them.
#pragma once

#include <cstdint>
#include <span>

namespace atrium::stream {

// What the caller already knows about an RTP packet, so a sink need not parse the header
// again. Values are those of the packet as handed over (after any rewriting).
struct RtpMeta {
  uint32_t ssrc = 0;
  uint16_t seq = 0;
  uint32_t timestamp = 0;
  uint8_t payloadType = 0;
  bool marker = false;
  bool keyframe = false;
  // A resend answering a NACK (pacers and stats treat these apart from fresh media).
  bool retransmission = false;
  // Spatial layer / simulcast stream index the packet belongs to (0 when not layered).
  uint8_t layer = 0;
  // Steady-clock milliseconds when the packet entered the process.
  int64_t arrivalMs = 0;
};

class RtpSink {
 public:
  virtual ~RtpSink() = default;
  virtual void onRtp(std::span<const uint8_t> packet, const RtpMeta& meta) = 0;
};

// A whole (compound) RTCP packet, unencrypted.
class RtcpSink {
 public:
  virtual ~RtcpSink() = default;
  virtual void onRtcp(std::span<const uint8_t> packet) = 0;
};

}  // namespace atrium::stream
