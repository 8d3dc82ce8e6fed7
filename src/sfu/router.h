// Router: the forwarding core of one media worker. Publishers' tracks (by SSRC) fan out to
// down-tracks (one per subscriber and track) with their own SSRC, sequence and timestamp space
// (stream::RtpRewriter). Each track keeps ONE retransmission buffer of the packets as received
// (not one per subscriber: 1000 subscribers would otherwise hold 1000 copies); a subscriber's
// NACK is translated back to the publisher's sequence number through its rewriter and the
// packet rewritten again for that subscriber. Keyframe requests go upstream at most once per
// interval however many subscribers ask.
//
// The router knows peers only by id and sends through PeerOutput, so it never includes the
// transport (the app wires WebRtcTransport to it). Single-threaded: the worker's loop calls it.
// Packet path (onRtp/onRtcp): no allocation — tracks and down-tracks are created on the control
// path and looked up in hash maps; each forwarded copy is written into one scratch buffer.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <unordered_map>
#include <vector>

#include "rtp/codecs/codec.h"
#include "stream/keyframe_request_throttle.h"
#include "stream/retransmission_buffer.h"
#include "stream/rtp_rewriter.h"

namespace atrium::sfu {

using PeerId = uint64_t;
using TrackId = uint64_t;

class PeerOutput {
 public:
  virtual ~PeerOutput() = default;
  // Encrypt packet buffer[0..len) in place (the buffer has room for the SRTP trailer) and send.
  virtual bool sendRtp(PeerId peer, std::span<uint8_t> buffer, size_t len) = 0;
  virtual bool sendRtcp(PeerId peer, std::span<uint8_t> buffer, size_t len) = 0;
};

struct TrackSpec {
  uint32_t ssrc = 0;
  uint32_t clockRate = 90000;
  bool video = true;
  rtp::CodecKind codec = rtp::CodecKind::kUnknown;
};

struct RouterStats {
  uint64_t rtpIn = 0;
  uint64_t unknownSsrc = 0;
  uint64_t forwarded = 0;
  uint64_t dropped = 0;
  uint64_t nacksReceived = 0;
  uint64_t retransmitted = 0;
  uint64_t keyframeRequestsIn = 0;
  uint64_t keyframeRequestsUp = 0;
};

class Router {
 public:
  static constexpr size_t kScratchBytes = 1500 + 64;
  static constexpr uint32_t kRtcpSenderSsrc = 1;  // our own SSRC in feedback we originate

  explicit Router(PeerOutput& out) : out_(out) {}

  // Control path.
  void addTrack(TrackId id, PeerId publisher, const TrackSpec& spec);
  void removeTrack(TrackId id);
  // Starts forwarding `track` to `subscriber` as outSsrc; asks the publisher for a keyframe.
  void addDownTrack(TrackId track, PeerId subscriber, uint32_t outSsrc, int64_t nowMs);
  void removeDownTrack(TrackId track, PeerId subscriber);
  void removePeer(PeerId peer);  // as publisher and as subscriber

  // Packet path (decrypted packets).
  void onRtp(PeerId from, std::span<uint8_t> packet, int64_t nowMs);
  void onRtcp(PeerId from, std::span<const uint8_t> packet, int64_t nowMs);
  void tick(int64_t nowMs);  // delayed keyframe requests

  const RouterStats& stats() const { return stats_; }
  size_t trackCount() const { return tracks_.size(); }

 private:
  struct Track;
  struct DownTrack {
    Track* track;
    PeerId subscriber;
    stream::RtpRewriter rewriter;
  };
  struct Track {
    TrackId id;
    PeerId publisher;
    TrackSpec spec;
    stream::KeyframeRequestThrottle keyframes;
    stream::RetransmissionBuffer history;  // packets as received, extensions stripped
    std::vector<std::unique_ptr<DownTrack>> downTracks;
  };

  void requestKeyframe(Track& track, int64_t nowMs);
  void sendKeyframeRequest(Track& track);
  void onSubscriberFeedback(PeerId from, std::span<const uint8_t> packet, int64_t nowMs);
  // Copies `source` into scratch_ with this down-track's header; returns the length or 0.
  size_t rewriteInto(std::span<const uint8_t> source, uint32_t ssrc, uint16_t seq, uint32_t timestamp);

  PeerOutput& out_;
  std::unordered_map<TrackId, std::unique_ptr<Track>> tracks_;
  std::unordered_map<uint32_t, Track*> bySsrc_;                 // publisher SSRC -> track
  std::unordered_map<uint64_t, DownTrack*> byOutSsrc_;          // (subscriber, out SSRC) -> down-track
  std::array<uint8_t, kScratchBytes> stripped_{};  // the incoming packet without extensions
  std::array<uint8_t, kScratchBytes> scratch_{};   // one subscriber's copy, encrypted in place
  RouterStats stats_;
};

}  // namespace atrium::sfu
