// Helpers shared by the RtpRewriter tests: synthetic packets on a ManualClock.
#pragma once

#include <cstdint>

#include "base/clock.h"
#include "stream/rtp_rewriter.h"

namespace atrium::stream::testing {

inline constexpr uint32_t kOutSsrc = 0xabcdef01;
inline constexpr uint16_t kFirstOut = 40000;
inline constexpr uint32_t kFirstTs = 123456;

inline RewriterOptions videoOptions() {
  RewriterOptions o;
  o.ssrc = kOutSsrc;
  o.initialSeq = kFirstOut;
  o.initialTimestamp = kFirstTs;
  return o;
}

inline RewriterOptions audioOptions() {
  RewriterOptions o = videoOptions();
  o.video = false;
  o.clockRate = 48000;
  return o;
}

// One packet per frame, marker set, unless the test says otherwise.
inline RtpInput packet(const base::ManualClock& clock, uint16_t seq, uint32_t ts, uint8_t layer = 0,
                       bool keyframe = false) {
  RtpInput in;
  in.seq = seq;
  in.timestamp = ts;
  in.layer = layer;
  in.keyframe = keyframe;
  in.marker = true;
  in.arrivalMs = clock.steadyMs();
  return in;
}

}  // namespace atrium::stream::testing
