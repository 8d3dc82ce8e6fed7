// RtpRewriter: the sequence-number and timestamp munging of one subscriber's down-track (what
// LiveKit's rtpmunger and mediasoup's SeqManager do), as a pure decision per packet.
//
// Whatever the SFU does upstream — switch simulcast layer, pause and resume, drop padding or
// temporal layers the subscriber cannot take — the subscriber must see one RTP stream: its
// own SSRC, sequence numbers without holes the SFU made (a hole is a loss to the receiver:
// it NACKs it and its jitter buffer waits), and timestamps that advance with real time.
//
// - Layers: packets of the current layer are forwarded; setTargetLayer() asks for another
//   one, and the switch happens on the first keyframe of the target layer (any packet for
//   audio), so the decoder never gets a frame it cannot decode. Each layer is a separate
//   seq/timestamp space; on a switch (and on resume, or a restart jump) the mapping is re-
//   based so the next sequence number is last + 1 and the timestamp advances by the wall time
//   elapsed since the last forwarded packet × clock rate.
// - Drops: padding-only packets and packets above the max temporal layer are dropped and the
//   sequence numbers after them shift down, so they leave no hole.
// - Losses upstream stay holes (the subscriber should NACK them); their outgoing numbers are
//   reserved, so a late or retransmitted packet still gets the number it should have had.
// - History: a bounded ring remembers each recent input packet's fate (forwarded as N,
//   dropped, reserved) and each outgoing number's source (layer, input seq, timestamp
//   offset), so toIncomingSeq() turns a subscriber's NACK into a lookup in the publisher's
//   RetransmissionBuffer.
//
// No allocation after construction, O(1) per packet (plus O(gap) to reserve a hole).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace atrium::stream {

struct RewriterOptions {
  uint32_t ssrc = 0;  // the down-track's outgoing SSRC, chosen by the caller
  uint32_t clockRate = 90000;
  uint16_t initialSeq = 0;        // callers pick these at random (RFC 3550 §5.1)
  uint32_t initialTimestamp = 0;
  bool video = true;              // video (re)starts only on a keyframe
  size_t historySize = 1024;      // rounded up to a power of two
  // A forward jump larger than this within one layer is a restarted sender, not a loss
  // (RFC 3550 A.1 MAX_DROPOUT): re-base instead of leaving 3000 holes.
  int64_t maxSeqJump = 3000;
};

// The parts of an incoming packet the rewriter needs.
struct RtpInput {
  uint16_t seq = 0;
  uint32_t timestamp = 0;
  uint8_t layer = 0;          // spatial layer / simulcast stream of the source SSRC
  uint8_t temporalLayer = 0;
  bool keyframe = false;      // first packet of a keyframe
  bool marker = false;
  bool paddingOnly = false;
  int64_t arrivalMs = 0;      // steady clock
};

enum class RewriteAction : uint8_t { kDrop, kForward, kSwitchedLayer };

enum class DropReason : uint8_t {
  kNone,
  kOtherLayer,           // not the layer being forwarded
  kWaitingForKeyframe,   // target layer (or resume) needs a keyframe first
  kPaused,
  kPadding,
  kTemporalLayer,        // above the max temporal layer
  kDuplicate,            // already forwarded or dropped
  kTooOld,               // older than the history, or before the current mapping began
};

struct RewriteDecision {
  RewriteAction action = RewriteAction::kDrop;
  DropReason reason = DropReason::kNone;
  uint16_t seq = 0;          // outgoing, valid when forwarded
  uint32_t timestamp = 0;    // outgoing, valid when forwarded
  uint32_t ssrc = 0;         // outgoing SSRC
  bool outOfOrder = false;   // forwarded into a hole left earlier (late or retransmitted input)
  bool forwarded() const { return action != RewriteAction::kDrop; }
};

// Where an outgoing sequence number came from.
struct IncomingRef {
  uint8_t layer = 0;
  uint16_t seq = 0;
  uint32_t timestampDelta = 0;  // outgoing timestamp = incoming timestamp + delta (mod 2^32)
  uint32_t outgoingTimestamp(uint32_t incomingTimestamp) const {
    return incomingTimestamp + timestampDelta;
  }
};

class RtpRewriter {
 public:
  explicit RtpRewriter(const RewriterOptions& options);

  RewriteDecision rewrite(const RtpInput& in);

  // The spatial layer to switch to (on its next keyframe).
  void setTargetLayer(uint8_t layer) { targetLayer_ = layer; }
  // Packets with a higher temporal layer id are dropped (gaps closed). The caller changes
  // it at a temporal switching point; codec payload munging (VP8 picture id) is not done here.
  void setMaxTemporalLayer(uint8_t layer) { maxTemporalLayer_ = layer; }
  // Stops forwarding; the current frame is finished first if it is under way.
  void pause();
  // Forwarding restarts on the next keyframe (video) or packet (audio), continuing the
  // outgoing sequence without a gap.
  void resume();

  // The incoming packet an outgoing sequence number was (or is reserved to be) made from;
  // nullopt when it is out of the history or was never assigned.
  std::optional<IncomingRef> toIncomingSeq(uint16_t outgoingSeq) const;

  uint32_t ssrc() const { return options_.ssrc; }
  int currentLayer() const { return currentLayer_; }
  uint8_t targetLayer() const { return targetLayer_; }
  bool paused() const { return paused_; }
  // True while forwarding waits for a keyframe: the caller should request one upstream.
  bool needsKeyframe() const;
  bool started() const { return started_; }
  uint16_t lastSeq() const { return static_cast<uint16_t>(outHighest_); }
  uint32_t lastTimestamp() const { return lastOutTs_; }

 private:
  enum class Fate : uint8_t { kNone, kForwarded, kDropped, kReserved };
  struct InEntry {  // indexed by extended input seq
    int64_t inExt = 0;
    uint32_t epoch = 0;
    uint16_t outSeq = 0;
    Fate fate = Fate::kNone;
  };
  struct OutEntry {  // indexed by outgoing seq
    uint32_t timestampDelta = 0;
    uint16_t outSeq = 0;
    uint16_t inSeq = 0;
    uint8_t layer = 0;
    bool used = false;
  };

  RewriteDecision drop(DropReason reason) const;
  RewriteDecision inOrder(const RtpInput& in, int64_t ext, RewriteAction action);
  RewriteDecision outOfOrder(const RtpInput& in, int64_t ext);
  void rebase(const RtpInput& in);
  DropReason mediaDropReason(const RtpInput& in) const;
  void recordIn(int64_t ext, uint16_t outSeq, Fate fate);
  void recordOut(int64_t outExt, uint16_t inSeq);

  RewriterOptions options_;
  size_t mask_;
  std::vector<InEntry> inHistory_;
  std::vector<OutEntry> outHistory_;

  int currentLayer_ = -1;
  uint8_t targetLayer_ = 0;
  uint8_t maxTemporalLayer_ = 0xff;
  bool paused_ = false;
  bool finishFrame_ = false;   // paused mid-frame: let the rest of that frame through
  bool awaitKeyframe_ = true;  // (re)start only on a keyframe
  bool rebase_ = true;         // next accepted packet starts a new mapping
  bool started_ = false;       // forwarded at least one packet

  // Mapping of the current input space: out seq = in ext + seqOffset_, out ts = in ts + tsDelta_.
  uint32_t epoch_ = 0;
  int64_t inHighest_ = 0;
  uint16_t inHighestSeq_ = 0;
  int64_t seqOffset_ = 0;
  uint32_t tsDelta_ = 0;
  int64_t badSeq_ = -1;

  int64_t outHighest_ = 0;  // extended outgoing seq of the newest forwarded packet
  uint32_t lastOutTs_ = 0;
  int64_t lastOutArrivalMs_ = 0;
  uint32_t lastInTs_ = 0;
  bool lastMarker_ = true;
};

}  // namespace atrium::stream
