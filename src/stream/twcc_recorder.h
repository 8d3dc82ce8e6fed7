// TwccRecorder: the receive side of transport-wide congestion control
// (draft-holmer-rmcat-transport-wide-cc-extensions-01) for one publisher transport. It notes the
// arrival time of every transport-wide sequence number and, when asked (every ~100 ms), hands out
// the arrivals since the last feedback in ascending order, ready for RtcpTransportFeedback::build.
//
// Why the SFU must answer: Chrome's congestion controller (GoogCC) only raises its send rate on
// feedback. A publisher that never hears back stays near its start bitrate (~300 kbps), which is
// too little for the high simulcast layer to be switched on at all.
//
// Reordering: arrivals are kept in a window indexed by the unwrapped sequence number, so a packet
// that arrives late but before the next feedback is reported in order. One that arrives after its
// feedback went out is dropped (counted): the sender already took it as lost, and feedback must
// move forward. No allocation after construction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "rtp/rtcp/rtcp_transport_feedback.h"

namespace atrium::stream {

class TwccRecorder {
 public:
  // A feedback covers at most this many sequence numbers; more waiting means the window slid
  // and the oldest are dropped (a sender that sent 1024 packets within one feedback interval).
  static constexpr size_t kWindow = 1024;

  TwccRecorder();

  void onPacket(uint16_t transportSeq, int64_t arrivalUs);

  // Arrivals since the last call, ascending; empty when nothing new arrived. The span points
  // into the recorder and is valid until the next call.
  std::span<const rtp::TwccArrival> collect();

  uint8_t nextFeedbackCount() { return feedbackCount_++; }
  uint64_t lateDropped() const { return lateDropped_; }

 private:
  int64_t unwrap(uint16_t seq);

  std::vector<int64_t> arrivalUs_;  // by unwrapped seq % kWindow; -1 = not received
  std::vector<rtp::TwccArrival> out_;
  bool started_ = false;
  int64_t lastUnwrapped_ = 0;
  int64_t base_ = 0;     // first seq not yet reported
  int64_t highest_ = -1;  // highest seq recorded
  uint8_t feedbackCount_ = 0;
  uint64_t lateDropped_ = 0;
};

}  // namespace atrium::stream
