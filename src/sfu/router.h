// Router: the forwarding core of one media worker. Publishers' tracks fan out to down-tracks
// (one per subscriber and track) with their own SSRC, sequence and timestamp space
// (stream::RtpRewriter). Each track keeps ONE retransmission buffer per layer of the packets as
// received (not one per subscriber: 1000 subscribers would otherwise hold 1000 copies); a
// subscriber's NACK is translated back to the publisher's sequence number through its rewriter
// and the packet rewritten again for that subscriber. Keyframe requests go upstream at most once
// per interval and layer however many subscribers ask.
//
// Simulcast: a main-video track may have up to kMaxLayers layers, lowest first. Their SSRCs are
// either declared (a=ssrc-group:SIM) or learned from the first packet that carries the track's
// MID and a RID the publisher offered (Chrome declares no SSRCs for rid-based simulcast). Each
// down-track has a preferred layer (the subscriber's "big" or "small"); the router forwards the
// best layer at or below it that is actually arriving, so a layer the publisher's encoder turned
// off (its bandwidth estimate fell) never leaves a subscriber without video.
//
// Publishers hear back from us: transport-wide-cc feedback every 100 ms (Chrome raises its send
// rate only on feedback) and receiver reports every second (loss and jitter, and the LSR/DLSR
// Chrome computes its RTT from).
//
// The router knows peers only by id and sends through PeerOutput, so it never includes the
// transport (the app wires WebRtcTransport to it). Single-threaded: the worker's loop calls it.
// Packet path (onRtp/onRtcp): no allocation in steady state — tracks and down-tracks are
// created on the control path and looked up in hash maps; each forwarded copy is written into
// one scratch buffer. (Learning a simulcast SSRC inserts once per layer.)
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "rtp/codecs/codec.h"
#include "rtp/header_extensions.h"
#include "stream/audio_level.h"
#include "stream/keyframe_request_throttle.h"
#include "stream/nack_generator.h"
#include "stream/receive_stats.h"
#include "stream/retransmission_buffer.h"
#include "stream/rtp_rewriter.h"
#include "stream/twcc_recorder.h"

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
  uint32_t ssrc = 0;  // single-layer tracks; 0 for a simulcast track (see LayerSpec)
  uint32_t clockRate = 90000;
  bool video = true;
  rtp::CodecKind codec = rtp::CodecKind::kUnknown;
  // RTX (RFC 4588) from the publisher: its payload type and, for a single-layer track, its SSRC
  // (a=ssrc-group:FID). 0 = none. Retransmissions we ask for arrive this way.
  uint8_t payloadType = 0;
  uint8_t rtxPayloadType = 0;
  uint32_t rtxSsrc = 0;
};

// Simulcast layers of a track, lowest first: either rids (SSRCs learned from the rid extension)
// or declared SSRCs. At most kMaxLayers; more are ignored.
struct LayerSpec {
  std::string mid;
  std::vector<std::string> rids;
  std::vector<uint32_t> ssrcs;
  std::vector<uint32_t> rtxSsrcs;  // parallel to ssrcs, 0 = none (rid layers learn theirs from repaired-rid)
};

inline constexpr size_t kMaxLayers = 3;
// A down-track's preference meaning "the highest layer there is".
inline constexpr uint8_t kHighestLayer = 0xff;

struct RouterStats {
  uint64_t rtpIn = 0;
  uint64_t unknownSsrc = 0;
  uint64_t forwarded = 0;
  uint64_t dropped = 0;
  uint64_t nacksReceived = 0;
  uint64_t retransmitted = 0;
  uint64_t keyframeRequestsIn = 0;
  uint64_t keyframeRequestsUp = 0;
  uint64_t layerSwitches = 0;
  uint64_t ssrcsLearned = 0;
  uint64_t twccFeedbackSent = 0;
  uint64_t receiverReportsSent = 0;
  uint64_t nacksSent = 0;          // NACK packets to publishers (upstream loss)
  uint64_t rtxSent = 0;            // retransmissions to subscribers sent as RTX
  uint64_t congestionDowngrades = 0;  // a subscriber's loss pushed it to a lower layer
  uint64_t senderReportsSent = 0;     // to subscribers, one per down-track and second
  uint64_t rtxReceived = 0;        // retransmissions from publishers, restored to the original
  uint64_t rtxPadding = 0;         // RTX probes without payload (bandwidth probing), dropped
  uint64_t injectedDrops = 0;      // packets dropped by setLossInjection (tests only)
};

class Router {
 public:
  static constexpr size_t kScratchBytes = 1500 + 64;
  static constexpr uint32_t kRtcpSenderSsrc = 1;  // our own SSRC in feedback we originate
  static constexpr int64_t kTwccIntervalMs = 100;
  static constexpr int64_t kReceiverReportIntervalMs = 1000;
  // A layer with no packet for this long is taken as switched off by the publisher.
  static constexpr int64_t kLayerIdleMs = 1500;
  static constexpr int64_t kLayerCheckIntervalMs = 250;
  // Per-subscriber downgrade on loss: a link losing more than kLossyFraction of a simulcast
  // stream in kLossyReportsToDown receiver reports in a row (~2 s) gets the next lower layer;
  // kCleanReportsToUp clean reports (under kCleanFraction, ~10 s) let it try one layer up again.
  // Slow up, fast down: an upgrade that fails costs a keyframe and another freeze.
  static constexpr uint8_t kLossyFraction = 26;  // of 256: ~10 %
  static constexpr uint8_t kCleanFraction = 5;   // ~2 %
  static constexpr int kLossyReportsToDown = 2;
  static constexpr int kCleanReportsToUp = 10;

  explicit Router(PeerOutput& out) : out_(out) {}

  // Control path.
  // The header-extension ids negotiated with a publisher (mid/rid to learn simulcast SSRCs,
  // transport-wide seq for feedback). Zero ids are "not negotiated".
  void setPublisherExtensions(PeerId publisher, const rtp::ExtensionIds& ids);
  void addTrack(TrackId id, PeerId publisher, const TrackSpec& spec, const LayerSpec& layers = {});
  void removeTrack(TrackId id);
  // Starts forwarding `track` to `subscriber` as outSsrc; asks the publisher for a keyframe.
  void addDownTrack(TrackId track, PeerId subscriber, uint32_t outSsrc, int64_t nowMs,
                    uint8_t preferredLayer = kHighestLayer);
  // What the subscriber's answer settled for a down-track: the payload type it receives the codec
  // as (BUNDLE may renumber the publisher's), and RTX (RFC 4588: retransmissions on their own SSRC
  // and payload type, so the receiver can tell them from late originals). 0 = unchanged / no RTX.
  void setDownTrackFormat(TrackId track, PeerId subscriber, uint8_t payloadType, uint8_t rtxPayloadType, uint32_t rtxSsrc);
  // The subscriber's choice of layer (0 = the small stream, kHighestLayer = the big one).
  void setPreferredLayer(TrackId track, PeerId subscriber, uint8_t layer, int64_t nowMs);
  void removeDownTrack(TrackId track, PeerId subscriber);
  void removePeer(PeerId peer);  // as publisher and as subscriber

  // Packet path (decrypted packets).
  void onRtp(PeerId from, std::span<uint8_t> packet, int64_t nowMs);
  void onRtcp(PeerId from, std::span<const uint8_t> packet, int64_t nowMs);
  void tick(int64_t nowMs);  // delayed keyframe requests, layer choice, publisher feedback

  // Test and diagnostic switch (setting media.test_loss_percent): drops this fraction of the
  // RTP packets arriving from publishers and of those sent to subscribers, at random, so the
  // loss-recovery paths (NACK both ways, RTX) can be exercised end to end without netem.
  void setLossInjection(double probability, uint64_t seed);

  const RouterStats& stats() const { return stats_; }
  size_t trackCount() const { return tracks_.size(); }
  // The layer a down-track forwards now (-1 before its first packet); for tests and stats.
  int currentLayer(TrackId track, PeerId subscriber) const;
  // What our last receiver report said about a track (its highest reported layer): the server's
  // own view of a publisher's uplink for the quality log. nullopt before the first report.
  struct ReceiveReport {
    bool video = false;
    double lossPercent = 0;
    double jitterMs = 0;
  };
  std::optional<ReceiveReport> receiveReport(TrackId track) const;
  // An audio track's loudest volume (0..100) since the previous call, from the audio-level
  // extension its publisher sends.
  int takeAudioVolume(TrackId track, int64_t nowMs);

 private:
  struct Track;
  struct DownTrack {
    Track* track;
    PeerId subscriber;
    stream::RtpRewriter rewriter;
    uint8_t preferredLayer = kHighestLayer;
    uint8_t payloadType = 0;  // outgoing payload type, 0 = as the publisher sends it
    uint8_t rtxPayloadType = 0;
    uint32_t rtxSsrc = 0;
    uint16_t rtxSeq = 0;
    // The subscriber's own loss-based estimate (from its receiver reports): the highest layer
    // its link carries now, kHighestLayer until loss says otherwise.
    uint8_t congestionCap = kHighestLayer;
    int lossyReports = 0;
    int cleanReports = 0;
    // For our sender reports: the incoming timestamp of the last forwarded packet (with the
    // rewriter's last outgoing one it gives the current timestamp offset) and what was sent.
    uint32_t lastInTimestamp = 0;
    uint32_t packetsSent = 0;
    uint32_t octetsSent = 0;
  };
  struct Layer {
    uint32_t ssrc = 0;
    std::string rid;
    stream::KeyframeRequestThrottle keyframes;
    std::unique_ptr<stream::RetransmissionBuffer> history;  // packets as received, extensions stripped
    std::optional<stream::ReceiveStats> stats;
    int64_t lastPacketMs = -1;
    std::optional<ReceiveReport> lastReport;  // of the last RR we sent about this layer
    uint32_t rtxSsrc = 0;
    std::unique_ptr<stream::NackGenerator> nacks;  // video layers: holes to NACK upstream
    // The publisher's last sender report on this layer: its wall clock ↔ RTP timestamp mapping,
    // which subscribers need (translated into the down-track's timestamps) for lip sync.
    uint64_t srNtp = 0;
    uint32_t srRtp = 0;
    int64_t srArrivalMs = -1;
  };
  struct Track {
    TrackId id;
    PeerId publisher;
    TrackSpec spec;
    std::string mid;
    std::vector<Layer> layers;  // at least one
    std::vector<std::unique_ptr<DownTrack>> downTracks;
    stream::AudioLevelMeter audioLevel;  // audio tracks
  };
  struct SsrcRef {
    Track* track;
    uint8_t layer;
    bool rtx = false;  // the layer's retransmission stream
  };
  struct Publisher {
    rtp::ExtensionIds ext;
    stream::TwccRecorder twcc;
    uint32_t lastMediaSsrc = 0;
    int64_t lastTwccMs = 0;
    int64_t lastReportMs = 0;
    std::vector<Track*> tracks;
  };

  const SsrcRef* learnSsrc(PeerId from, const rtp::RtpPacket& packet);
  void mapSsrc(Track& track, uint8_t layer, uint32_t ssrc);
  void mapRtxSsrc(Track& track, uint8_t layer, uint32_t ssrc);
  bool dropInjected();
  void sendNacks(Track& track, int64_t nowMs);
  void sendSenderReports(Track& track, int64_t nowMs);
  void chooseLayer(DownTrack& down, int64_t nowMs);
  void requestKeyframe(Track& track, uint8_t layer, int64_t nowMs);
  void sendKeyframeRequest(Track& track, uint8_t layer);
  void onSubscriberFeedback(PeerId from, std::span<const uint8_t> packet, int64_t nowMs);
  void onPublisherReport(std::span<const uint8_t> packet, int64_t nowMs);
  void onSubscriberLoss(DownTrack& down, uint8_t fractionLost, int64_t nowMs);
  void sendPublisherFeedback(PeerId id, Publisher& pub, int64_t nowMs);
  // Copies `source` into scratch_ with this down-track's header; returns the length or 0.
  size_t rewriteInto(std::span<const uint8_t> source, uint32_t ssrc, uint16_t seq, uint32_t timestamp, uint8_t payloadType);
  void retransmit(DownTrack& down, std::span<const uint8_t> original, uint16_t outSeq, uint32_t outTimestamp);

  PeerOutput& out_;
  std::unordered_map<TrackId, std::unique_ptr<Track>> tracks_;
  std::unordered_map<uint32_t, SsrcRef> bySsrc_;          // publisher SSRC -> track and layer
  std::unordered_map<uint64_t, DownTrack*> byOutSsrc_;    // (subscriber, out SSRC) -> down-track
  std::unordered_map<PeerId, Publisher> publishers_;
  std::array<uint8_t, kScratchBytes> stripped_{};  // the incoming packet without extensions
  std::array<uint8_t, kScratchBytes> scratch_{};   // one subscriber's copy, encrypted in place
  int64_t lastLayerCheckMs_ = 0;
  int64_t lastSenderReportsMs_ = 0;
  uint64_t lossThreshold_ = 0;  // of 2^64: 0 = no injected loss
  uint64_t lossState_ = 0;
  RouterStats stats_;
};

}  // namespace atrium::sfu
