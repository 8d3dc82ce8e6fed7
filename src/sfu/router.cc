#include "sfu/router.h"

#include <algorithm>
#include <cstring>

#include "rtp/rtcp/rtcp_fir.h"
#include "rtp/rtcp/rtcp_header.h"
#include "rtp/rtcp/rtcp_nack.h"
#include "rtp/rtcp/rtcp_pli.h"
#include "rtp/rtp_packet.h"

namespace atrium::sfu {
namespace {

uint64_t downKey(PeerId subscriber, uint32_t outSsrc) { return (subscriber << 32) ^ outSsrc; }

}  // namespace

void Router::addTrack(TrackId id, PeerId publisher, const TrackSpec& spec) {
  stream::RetransmissionBufferOptions history;
  history.capacity = spec.video ? 1024 : 128;
  history.minResendIntervalMs = 0;  // several subscribers may ask for the same packet
  auto track = std::make_unique<Track>(
      Track{id, publisher, spec, stream::KeyframeRequestThrottle(), stream::RetransmissionBuffer(history), {}});
  bySsrc_[spec.ssrc] = track.get();
  tracks_[id] = std::move(track);
}

void Router::removeTrack(TrackId id) {
  auto it = tracks_.find(id);
  if (it == tracks_.end()) return;
  for (auto& d : it->second->downTracks) byOutSsrc_.erase(downKey(d->subscriber, d->rewriter.ssrc()));
  bySsrc_.erase(it->second->spec.ssrc);
  tracks_.erase(it);
}

void Router::addDownTrack(TrackId trackId, PeerId subscriber, uint32_t outSsrc, int64_t nowMs) {
  auto it = tracks_.find(trackId);
  if (it == tracks_.end()) return;
  Track& track = *it->second;
  stream::RewriterOptions options;
  options.ssrc = outSsrc;
  options.clockRate = track.spec.clockRate;
  options.video = track.spec.video;
  options.initialSeq = static_cast<uint16_t>(outSsrc * 2654435761u >> 16);
  options.initialTimestamp = outSsrc * 40503u;
  auto down = std::make_unique<DownTrack>(DownTrack{&track, subscriber, stream::RtpRewriter(options)});
  byOutSsrc_[downKey(subscriber, outSsrc)] = down.get();
  track.downTracks.push_back(std::move(down));
  if (track.spec.video) requestKeyframe(track, nowMs);  // a new viewer needs a keyframe to start
}

void Router::removeDownTrack(TrackId trackId, PeerId subscriber) {
  auto it = tracks_.find(trackId);
  if (it == tracks_.end()) return;
  auto& downs = it->second->downTracks;
  for (auto& d : downs)
    if (d->subscriber == subscriber) byOutSsrc_.erase(downKey(subscriber, d->rewriter.ssrc()));
  std::erase_if(downs, [&](const auto& d) { return d->subscriber == subscriber; });
}

void Router::removePeer(PeerId peer) {
  std::vector<TrackId> published;
  for (auto& [id, t] : tracks_)
    if (t->publisher == peer) published.push_back(id);
  for (TrackId id : published) removeTrack(id);
  for (auto& [id, t] : tracks_) removeDownTrack(id, peer);
}

void Router::onRtp(PeerId from, std::span<uint8_t> packet, int64_t nowMs) {
  ++stats_.rtpIn;
  auto parsed = rtp::RtpPacket::parse(packet);
  if (!parsed) {
    ++stats_.dropped;
    return;
  }
  auto it = bySsrc_.find(parsed->ssrc());
  if (it == bySsrc_.end() || it->second->publisher != from) {
    ++stats_.unknownSsrc;
    return;
  }
  Track& track = *it->second;
  stream::RtpInput in;
  in.seq = parsed->sequenceNumber();
  in.timestamp = parsed->timestamp();
  in.marker = parsed->marker();
  in.paddingOnly = parsed->payloadSize() == 0;
  in.keyframe = track.spec.video && rtp::isKeyframe(track.spec.codec, parsed->payload());
  in.arrivalMs = nowMs;
  if (in.keyframe) track.keyframes.onKeyframe(nowMs);
  // Header extensions are left out: their ids were negotiated with the publisher, not with the
  // subscribers (a publisher's MID would even misroute the packet in a subscriber).
  size_t fixed = rtp::RtpPacket::kFixedHeaderSize + 4u * parsed->csrcCount();
  size_t rest = packet.size() - parsed->headerSize();
  std::memcpy(stripped_.data(), packet.data(), fixed);
  stripped_[0] &= static_cast<uint8_t>(~0x10);
  std::memcpy(stripped_.data() + fixed, packet.data() + parsed->headerSize(), rest);
  std::span<const uint8_t> original(stripped_.data(), fixed + rest);
  track.history.store(in.seq, original, nowMs);
  for (auto& down : track.downTracks) {
    auto decision = down->rewriter.rewrite(in);
    if (!decision.forwarded()) {
      ++stats_.dropped;
      if (down->rewriter.needsKeyframe()) requestKeyframe(track, nowMs);
      continue;
    }
    // The one copy SRTP needs: each subscriber gets its own header and encryption.
    size_t len = rewriteInto(original, decision.ssrc, decision.seq, decision.timestamp);
    if (len && out_.sendRtp(down->subscriber, scratch_, len)) ++stats_.forwarded;
  }
}

size_t Router::rewriteInto(std::span<const uint8_t> source, uint32_t ssrc, uint16_t seq, uint32_t timestamp) {
  std::memcpy(scratch_.data(), source.data(), source.size());
  auto copy = rtp::RtpPacket::parse(std::span(scratch_).first(source.size()));
  if (!copy) return 0;
  copy->setSsrc(ssrc);
  copy->setSequenceNumber(seq);
  copy->setTimestamp(timestamp);
  return source.size();
}

void Router::onRtcp(PeerId from, std::span<const uint8_t> packet, int64_t nowMs) {
  // Feedback about our down-tracks comes from subscribers; publishers' own reports (SR, SDES)
  // are not forwarded yet.
  onSubscriberFeedback(from, packet, nowMs);
}

void Router::onSubscriberFeedback(PeerId from, std::span<const uint8_t> packet, int64_t nowMs) {
  auto compound = rtp::RtcpCompound::parse(packet);
  if (!compound) return;
  for (const rtp::RtcpHeader& h : *compound) {
    if (h.packetType() == rtp::kRtcpRtpfb && h.fmt() == 1) {
      auto nack = rtp::RtcpNack::parse(h.packet());
      if (!nack) continue;
      auto d = byOutSsrc_.find(downKey(from, nack->mediaSsrc()));
      if (d == byOutSsrc_.end()) continue;
      ++stats_.nacksReceived;
      DownTrack& down = *d->second;
      nack->forEachLost([&](uint16_t outSeq) {
        auto ref = down.rewriter.toIncomingSeq(outSeq);
        if (!ref) return;
        auto original = down.track->history.find(ref->seq, nowMs);
        if (original.size() < rtp::RtpPacket::kFixedHeaderSize) return;
        uint32_t incomingTs = (uint32_t{original[4]} << 24) | (uint32_t{original[5]} << 16) |
                              (uint32_t{original[6]} << 8) | original[7];
        size_t len = rewriteInto(original, down.rewriter.ssrc(), outSeq, ref->outgoingTimestamp(incomingTs));
        if (len && out_.sendRtp(from, scratch_, len)) ++stats_.retransmitted;
      });
    } else if (h.packetType() == rtp::kRtcpPsfb && (h.fmt() == 1 || h.fmt() == 4)) {
      uint32_t mediaSsrc = 0;
      if (h.fmt() == 1) {
        auto pli = rtp::RtcpPli::parse(h.packet());
        if (!pli) continue;
        mediaSsrc = pli->mediaSsrc();
      } else {
        auto fir = rtp::RtcpFir::parse(h.packet());
        if (!fir || fir->entryCount() == 0) continue;
        mediaSsrc = fir->entry(0).ssrc;
      }
      auto d = byOutSsrc_.find(downKey(from, mediaSsrc));
      if (d == byOutSsrc_.end()) continue;
      ++stats_.keyframeRequestsIn;
      requestKeyframe(*d->second->track, nowMs);
    }
  }
}

void Router::requestKeyframe(Track& track, int64_t nowMs) {
  if (track.keyframes.request(nowMs).send) sendKeyframeRequest(track);
}

void Router::sendKeyframeRequest(Track& track) {
  std::array<uint8_t, 64> buf{};
  size_t n = rtp::RtcpPli::build(buf, kRtcpSenderSsrc, track.spec.ssrc);
  if (n > 0 && out_.sendRtcp(track.publisher, buf, n)) ++stats_.keyframeRequestsUp;
}

void Router::tick(int64_t nowMs) {
  for (auto& [id, t] : tracks_)
    if (t->keyframes.poll(nowMs).send) sendKeyframeRequest(*t);
}

}  // namespace atrium::sfu
