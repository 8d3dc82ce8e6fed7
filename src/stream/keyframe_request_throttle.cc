#include "stream/keyframe_request_throttle.h"

namespace atrium::stream {

KeyframeDecision KeyframeRequestThrottle::sendNow(int64_t nowMs) {
  pending_ = false;
  sentOnce_ = true;
  lastSentMs_ = nowMs;
  ++stats_.sent;
  KeyframeDecision decision;
  decision.send = true;
  decision.firSeqNr = nextFirSeqNr_++;  // uint8_t: wraps modulo 2^8 as RFC 5104 asks
  return decision;
}

KeyframeDecision KeyframeRequestThrottle::request(int64_t nowMs) {
  ++stats_.requests;
  if (allowed(nowMs)) return sendNow(nowMs);
  ++stats_.suppressed;
  pending_ = true;
  return {};
}

KeyframeDecision KeyframeRequestThrottle::poll(int64_t nowMs) {
  if (pending_ && allowed(nowMs)) return sendNow(nowMs);
  return {};
}

void KeyframeRequestThrottle::onKeyframe(int64_t /*nowMs*/) { pending_ = false; }

}  // namespace atrium::stream
