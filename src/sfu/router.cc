#include "sfu/router.h"

#include <algorithm>
#include <cstring>

#include "rtp/rtcp/rtcp_fir.h"
#include "rtp/rtcp/rtcp_header.h"
#include "rtp/rtcp/rtcp_nack.h"
#include "rtp/rtcp/rtcp_pli.h"
#include "rtp/rtcp/rtcp_rr.h"
#include "rtp/rtcp/rtcp_sr.h"
#include "rtp/rtcp/rtcp_transport_feedback.h"
#include "rtp/rtp_packet.h"
#include "rtp/rtx.h"

namespace atrium::sfu {
namespace {

uint64_t downKey(PeerId subscriber, uint32_t outSsrc) { return (subscriber << 32) ^ outSsrc; }

bool layerActive(int64_t lastPacketMs, int64_t nowMs) {
  return lastPacketMs >= 0 && nowMs - lastPacketMs < Router::kLayerIdleMs;
}

}  // namespace

void Router::setPublisherExtensions(PeerId publisher, const rtp::ExtensionIds& ids) { publishers_[publisher].ext = ids; }

void Router::addTrack(TrackId id, PeerId publisher, const TrackSpec& spec, const LayerSpec& layers) {
  auto track = std::make_unique<Track>();
  track->id = id;
  track->publisher = publisher;
  track->spec = spec;
  track->mid = layers.mid;
  size_t count = std::clamp<size_t>(std::max(layers.rids.size(), layers.ssrcs.size()), 1, kMaxLayers);
  track->layers.resize(count);
  stream::RetransmissionBufferOptions history;
  history.capacity = spec.video ? 1024 : 128;
  history.minResendIntervalMs = 0;  // several subscribers may ask for the same packet
  for (size_t i = 0; i < count; ++i) {
    Layer& l = track->layers[i];
    if (i < layers.rids.size()) l.rid = layers.rids[i];
    l.history = std::make_unique<stream::RetransmissionBuffer>(history);
    // Audio is not NACKed: a late Opus frame is concealed better than waited for.
    if (spec.video) l.nacks = std::make_unique<stream::NackGenerator>();
  }
  Track& t = *track;
  tracks_[id] = std::move(track);
  publishers_[publisher].tracks.push_back(&t);
  if (spec.ssrc && layers.ssrcs.empty()) {
    mapSsrc(t, 0, spec.ssrc);
    if (spec.rtxSsrc) mapRtxSsrc(t, 0, spec.rtxSsrc);
  }
  for (size_t i = 0; i < std::min(count, layers.ssrcs.size()); ++i) {
    mapSsrc(t, static_cast<uint8_t>(i), layers.ssrcs[i]);
    if (i < layers.rtxSsrcs.size() && layers.rtxSsrcs[i]) mapRtxSsrc(t, static_cast<uint8_t>(i), layers.rtxSsrcs[i]);
  }
}

void Router::mapRtxSsrc(Track& track, uint8_t layer, uint32_t ssrc) {
  Layer& l = track.layers[layer];
  if (l.rtxSsrc) bySsrc_.erase(l.rtxSsrc);
  l.rtxSsrc = ssrc;
  bySsrc_[ssrc] = SsrcRef{&track, layer, true};
}

void Router::setLossInjection(double probability, uint64_t seed) {
  constexpr double kTwo64 = 18446744073709551616.0;
  lossThreshold_ = probability <= 0 ? 0 : probability >= 1 ? UINT64_MAX : static_cast<uint64_t>(probability * kTwo64);
  lossState_ = seed | 1;
}

bool Router::dropInjected() {
  if (!lossThreshold_) return false;
  lossState_ ^= lossState_ << 13;  // xorshift64: cheap, deterministic for a seed
  lossState_ ^= lossState_ >> 7;
  lossState_ ^= lossState_ << 17;
  if (lossState_ >= lossThreshold_) return false;
  ++stats_.injectedDrops;
  return true;
}

void Router::mapSsrc(Track& track, uint8_t layer, uint32_t ssrc) {
  Layer& l = track.layers[layer];
  if (l.ssrc) bySsrc_.erase(l.ssrc);  // a publisher restarting a layer gets a new SSRC
  l.ssrc = ssrc;
  l.stats.emplace(ssrc, track.spec.clockRate);
  bySsrc_[ssrc] = SsrcRef{&track, layer};
}

void Router::removeTrack(TrackId id) {
  auto it = tracks_.find(id);
  if (it == tracks_.end()) return;
  Track* t = it->second.get();
  for (auto& d : t->downTracks) byOutSsrc_.erase(downKey(d->subscriber, d->rewriter.ssrc()));
  for (auto& l : t->layers) {
    if (l.ssrc) bySsrc_.erase(l.ssrc);
    if (l.rtxSsrc) bySsrc_.erase(l.rtxSsrc);
  }
  if (auto p = publishers_.find(t->publisher); p != publishers_.end()) std::erase(p->second.tracks, t);
  tracks_.erase(it);
}

void Router::addDownTrack(TrackId trackId, PeerId subscriber, uint32_t outSsrc, int64_t nowMs, uint8_t preferredLayer) {
  auto it = tracks_.find(trackId);
  if (it == tracks_.end()) return;
  Track& track = *it->second;
  stream::RewriterOptions options;
  options.ssrc = outSsrc;
  options.clockRate = track.spec.clockRate;
  options.video = track.spec.video;
  options.initialSeq = static_cast<uint16_t>(outSsrc * 2654435761u >> 16);
  options.initialTimestamp = outSsrc * 40503u;
  auto down = std::make_unique<DownTrack>(DownTrack{&track, subscriber, stream::RtpRewriter(options), preferredLayer});
  DownTrack& d = *down;
  byOutSsrc_[downKey(subscriber, outSsrc)] = down.get();
  track.downTracks.push_back(std::move(down));
  d.rewriter.setTargetLayer(static_cast<uint8_t>(track.layers.size() - 1));
  chooseLayer(d, nowMs);
  if (track.spec.video) requestKeyframe(track, d.rewriter.targetLayer(), nowMs);  // a new viewer needs a keyframe
}

void Router::setDownTrackFormat(TrackId trackId, PeerId subscriber, uint8_t payloadType, uint8_t rtxPayloadType,
                                uint32_t rtxSsrc) {
  auto it = tracks_.find(trackId);
  if (it == tracks_.end()) return;
  for (auto& d : it->second->downTracks) {
    if (d->subscriber != subscriber) continue;
    d->payloadType = payloadType;
    d->rtxPayloadType = rtxSsrc ? rtxPayloadType : 0;
    d->rtxSsrc = rtxPayloadType ? rtxSsrc : 0;
    d->rtxSeq = static_cast<uint16_t>(rtxSsrc * 2246822519u >> 16);
  }
}

void Router::setPreferredLayer(TrackId trackId, PeerId subscriber, uint8_t layer, int64_t nowMs) {
  auto it = tracks_.find(trackId);
  if (it == tracks_.end()) return;
  for (auto& d : it->second->downTracks)
    if (d->subscriber == subscriber) {
      d->preferredLayer = layer;
      chooseLayer(*d, nowMs);
    }
}

int Router::currentLayer(TrackId trackId, PeerId subscriber) const {
  auto it = tracks_.find(trackId);
  if (it == tracks_.end()) return -1;
  for (const auto& d : it->second->downTracks)
    if (d->subscriber == subscriber) return d->rewriter.currentLayer();
  return -1;
}

int Router::takeAudioVolume(TrackId trackId, int64_t nowMs) {
  auto it = tracks_.find(trackId);
  return it == tracks_.end() ? 0 : it->second->audioLevel.takePeak(nowMs);
}

std::optional<Router::ReceiveReport> Router::receiveReport(TrackId trackId) const {
  auto it = tracks_.find(trackId);
  if (it == tracks_.end()) return std::nullopt;
  const auto& layers = it->second->layers;
  for (auto l = layers.rbegin(); l != layers.rend(); ++l)
    if (l->lastReport) return l->lastReport;
  return std::nullopt;
}

void Router::chooseLayer(DownTrack& down, int64_t nowMs) {
  Track& t = *down.track;
  int count = static_cast<int>(t.layers.size());
  if (count == 1) return;
  int preferred = std::min<int>({down.preferredLayer, down.congestionCap, count - 1});
  // The best layer at or below the preference that is arriving; failing that the lowest above
  // it; failing that (nothing arrives yet) the preference itself.
  int best = -1;
  for (int l = preferred; l >= 0 && best < 0; --l)
    if (layerActive(t.layers[static_cast<size_t>(l)].lastPacketMs, nowMs)) best = l;
  for (int l = preferred + 1; l < count && best < 0; ++l)
    if (layerActive(t.layers[static_cast<size_t>(l)].lastPacketMs, nowMs)) best = l;
  if (best < 0) best = preferred;
  if (best == down.rewriter.targetLayer()) return;
  down.rewriter.setTargetLayer(static_cast<uint8_t>(best));
  ++stats_.layerSwitches;
  requestKeyframe(t, static_cast<uint8_t>(best), nowMs);
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
  publishers_.erase(peer);
}

const Router::SsrcRef* Router::learnSsrc(PeerId from, const rtp::RtpPacket& packet) {
  auto pub = publishers_.find(from);
  if (pub == publishers_.end() || !pub->second.ext.mid || !pub->second.ext.rid) return nullptr;
  auto mid = rtp::readMid(packet, pub->second.ext.mid);
  if (!mid) return nullptr;
  // A layer's retransmissions carry repaired-rid naming the layer they repair.
  bool rtx = false;
  auto rid = rtp::readRid(packet, pub->second.ext.rid);
  if (!rid && pub->second.ext.repairedRid) {
    rid = rtp::readRepairedRid(packet, pub->second.ext.repairedRid);
    rtx = true;
  }
  if (!rid) return nullptr;
  for (Track* t : pub->second.tracks) {
    if (t->mid != *mid) continue;
    for (size_t i = 0; i < t->layers.size(); ++i)
      if (!t->layers[i].rid.empty() && t->layers[i].rid == *rid) {
        if (rtx) mapRtxSsrc(*t, static_cast<uint8_t>(i), packet.ssrc());
        else mapSsrc(*t, static_cast<uint8_t>(i), packet.ssrc());
        ++stats_.ssrcsLearned;
        return &bySsrc_[packet.ssrc()];
      }
  }
  return nullptr;
}

void Router::onRtp(PeerId from, std::span<uint8_t> packet, int64_t nowMs) {
  ++stats_.rtpIn;
  auto parsed = rtp::RtpPacket::parse(packet);
  if (!parsed) {
    ++stats_.dropped;
    return;
  }
  if (dropInjected()) return;  // as if lost on the way in: not even transport feedback sees it
  auto pub = publishers_.find(from);
  if (pub != publishers_.end() && pub->second.ext.transportSeq) {
    if (auto seq = rtp::readTransportSeq(*parsed, pub->second.ext.transportSeq)) {
      pub->second.twcc.onPacket(*seq, nowMs * 1000);
      pub->second.lastMediaSsrc = parsed->ssrc();
    }
  }
  const SsrcRef* ref = nullptr;
  if (auto it = bySsrc_.find(parsed->ssrc()); it != bySsrc_.end()) ref = &it->second;
  else ref = learnSsrc(from, *parsed);
  if (!ref || ref->track->publisher != from) {
    ++stats_.unknownSsrc;
    return;
  }
  Track& track = *ref->track;
  Layer& layer = track.layers[ref->layer];
  if (ref->rtx) {
    // A retransmission we asked for (or a bandwidth probe): restore the original packet.
    if (!layer.ssrc || !track.spec.payloadType) {
      ++stats_.dropped;
      return;
    }
    auto original = rtp::decodeRtxInPlace(*parsed, track.spec.payloadType, layer.ssrc);
    if (!original || original->payloadSize() == 0) {
      ++stats_.rtxPadding;
      return;
    }
    ++stats_.rtxReceived;
    packet = packet.first(packet.size() - rtp::kRtxOsnSize);
    parsed = rtp::RtpPacket::parse(packet);
    if (!parsed) return;
  }
  layer.lastPacketMs = nowMs;
  if (!track.spec.video && pub != publishers_.end() && pub->second.ext.audioLevel)
    if (auto level = rtp::readAudioLevel(*parsed, pub->second.ext.audioLevel)) track.audioLevel.onPacket(level->level, nowMs);
  stream::RtpInput in;
  in.seq = parsed->sequenceNumber();
  in.timestamp = parsed->timestamp();
  in.layer = ref->layer;
  in.marker = parsed->marker();
  in.paddingOnly = parsed->payloadSize() == 0;
  in.keyframe = track.spec.video && rtp::isKeyframe(track.spec.codec, parsed->payload());
  in.arrivalMs = nowMs;
  if (layer.stats) layer.stats->onPacket(in.seq, in.timestamp, nowMs, parsed->payloadSize());
  if (in.keyframe) layer.keyframes.onKeyframe(nowMs);
  if (layer.nacks && layer.nacks->onPacket(in.seq, nowMs, in.keyframe).keyframeNeeded)
    requestKeyframe(track, ref->layer, nowMs);  // holes we gave up on: only a keyframe repairs them
  // Header extensions are left out: their ids were negotiated with the publisher, not with the
  // subscribers (a publisher's MID would even misroute the packet in a subscriber).
  size_t fixed = rtp::RtpPacket::kFixedHeaderSize + 4u * parsed->csrcCount();
  size_t rest = packet.size() - parsed->headerSize();
  std::memcpy(stripped_.data(), packet.data(), fixed);
  stripped_[0] &= static_cast<uint8_t>(~0x10);
  std::memcpy(stripped_.data() + fixed, packet.data() + parsed->headerSize(), rest);
  std::span<const uint8_t> original(stripped_.data(), fixed + rest);
  layer.history->store(in.seq, original, nowMs);
  for (auto& down : track.downTracks) {
    auto decision = down->rewriter.rewrite(in);
    if (!decision.forwarded()) {
      // Packets of layers this subscriber does not take are the normal case, not a loss.
      if (decision.reason != stream::DropReason::kOtherLayer) ++stats_.dropped;
      if (down->rewriter.needsKeyframe()) requestKeyframe(track, down->rewriter.targetLayer(), nowMs);
      continue;
    }
    if (dropInjected()) continue;
    // The one copy SRTP needs: each subscriber gets its own header and encryption.
    size_t len = rewriteInto(original, decision.ssrc, decision.seq, decision.timestamp, down->payloadType);
    if (len && out_.sendRtp(down->subscriber, scratch_, len)) {
      ++stats_.forwarded;
      down->lastInTimestamp = in.timestamp;
      ++down->packetsSent;
      down->octetsSent += static_cast<uint32_t>(len - fixed);
    }
  }
}

size_t Router::rewriteInto(std::span<const uint8_t> source, uint32_t ssrc, uint16_t seq, uint32_t timestamp,
                           uint8_t payloadType) {
  std::memcpy(scratch_.data(), source.data(), source.size());
  auto copy = rtp::RtpPacket::parse(std::span(scratch_).first(source.size()));
  if (!copy) return 0;
  copy->setSsrc(ssrc);
  copy->setSequenceNumber(seq);
  copy->setTimestamp(timestamp);
  if (payloadType) copy->setPayloadType(payloadType);
  return source.size();
}

void Router::retransmit(DownTrack& down, std::span<const uint8_t> original, uint16_t outSeq, uint32_t outTimestamp) {
  if (dropInjected()) return;
  size_t len = rewriteInto(original, down.rewriter.ssrc(), outSeq, outTimestamp, down.payloadType);
  if (!len) return;
  if (down.rtxSsrc) {
    // The packet as first sent, wrapped in RTX: stripped_ is free outside onRtp.
    std::memcpy(stripped_.data(), scratch_.data(), len);
    auto sent = rtp::RtpPacket::parse(std::span(stripped_).first(len));
    if (!sent) return;
    len = rtp::buildRtxPacket(*sent, scratch_, down.rtxPayloadType, down.rtxSsrc, down.rtxSeq++);
    if (!len) return;
    if (out_.sendRtp(down.subscriber, scratch_, len)) ++stats_.rtxSent, ++stats_.retransmitted;
    return;
  }
  if (out_.sendRtp(down.subscriber, scratch_, len)) ++stats_.retransmitted;
}

void Router::onRtcp(PeerId from, std::span<const uint8_t> packet, int64_t nowMs) {
  // Publishers and subscribers use separate transports, so the sender tells which kind of
  // report this is: a publisher's SRs feed our receiver reports; everything a subscriber sends
  // is feedback about its down-tracks.
  if (publishers_.count(from)) onPublisherReport(packet, nowMs);
  else onSubscriberFeedback(from, packet, nowMs);
}

void Router::onPublisherReport(std::span<const uint8_t> packet, int64_t nowMs) {
  auto compound = rtp::RtcpCompound::parse(packet);
  if (!compound) return;
  for (const rtp::RtcpHeader& h : *compound) {
    if (h.packetType() != rtp::kRtcpSr) continue;
    auto sr = rtp::RtcpSenderReport::parse(h.packet());
    if (!sr) continue;
    auto it = bySsrc_.find(sr->senderSsrc());
    if (it == bySsrc_.end() || it->second.rtx) continue;
    Layer& layer = it->second.track->layers[it->second.layer];
    auto info = sr->senderInfo();
    if (layer.stats) layer.stats->onSenderReport(info.ntpTime, nowMs);
    layer.srNtp = info.ntpTime;
    layer.srRtp = info.rtpTimestamp;
    layer.srArrivalMs = nowMs;
  }
}

void Router::onSubscriberFeedback(PeerId from, std::span<const uint8_t> packet, int64_t nowMs) {
  auto compound = rtp::RtcpCompound::parse(packet);
  if (!compound) return;
  for (const rtp::RtcpHeader& h : *compound) {
    if (h.packetType() == rtp::kRtcpRr || h.packetType() == rtp::kRtcpSr) {
      // The subscriber's reports about our down-tracks: its link's loss.
      auto body = h.packet();
      size_t fixed = h.packetType() == rtp::kRtcpRr ? rtp::RtcpReceiverReport::kFixedBodySize
                                                   : rtp::RtcpSenderReport::kFixedBodySize;
      if (body.size() < rtp::RtcpHeader::kSize + fixed + h.count() * rtp::RtcpReportBlock::kSize) continue;
      for (size_t i = 0; i < h.count(); ++i) {
        auto block = rtp::readReportBlock(body.subspan(rtp::RtcpHeader::kSize), fixed, i);
        auto d = byOutSsrc_.find(downKey(from, block.ssrc));
        if (d != byOutSsrc_.end()) onSubscriberLoss(*d->second, block.fractionLost, nowMs);
      }
    } else if (h.packetType() == rtp::kRtcpRtpfb && h.fmt() == 1) {
      auto nack = rtp::RtcpNack::parse(h.packet());
      if (!nack) continue;
      auto d = byOutSsrc_.find(downKey(from, nack->mediaSsrc()));
      if (d == byOutSsrc_.end()) continue;
      ++stats_.nacksReceived;
      DownTrack& down = *d->second;
      nack->forEachLost([&](uint16_t outSeq) {
        auto ref = down.rewriter.toIncomingSeq(outSeq);
        if (!ref || ref->layer >= down.track->layers.size()) return;
        auto original = down.track->layers[ref->layer].history->find(ref->seq, nowMs);
        if (original.size() < rtp::RtpPacket::kFixedHeaderSize) return;
        uint32_t incomingTs = (uint32_t{original[4]} << 24) | (uint32_t{original[5]} << 16) |
                              (uint32_t{original[6]} << 8) | original[7];
        retransmit(down, original, outSeq, ref->outgoingTimestamp(incomingTs));
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
      requestKeyframe(*d->second->track, d->second->rewriter.targetLayer(), nowMs);
    }
  }
}

void Router::onSubscriberLoss(DownTrack& down, uint8_t fractionLost, int64_t nowMs) {
  int layers = static_cast<int>(down.track->layers.size());
  if (layers < 2) return;
  int current = std::min<int>(down.congestionCap, layers - 1);
  if (fractionLost > kLossyFraction) {
    down.cleanReports = 0;
    if (++down.lossyReports >= kLossyReportsToDown && current > 0) {
      down.congestionCap = static_cast<uint8_t>(current - 1);
      down.lossyReports = 0;
      ++stats_.congestionDowngrades;
      chooseLayer(down, nowMs);
    }
  } else if (fractionLost < kCleanFraction) {
    down.lossyReports = 0;
    if (down.congestionCap != kHighestLayer && ++down.cleanReports >= kCleanReportsToUp) {
      down.congestionCap = current + 1 >= layers ? kHighestLayer : static_cast<uint8_t>(current + 1);
      down.cleanReports = 0;
      chooseLayer(down, nowMs);
    }
  }
}

void Router::requestKeyframe(Track& track, uint8_t layer, int64_t nowMs) {
  if (!track.spec.video || layer >= track.layers.size()) return;
  if (track.layers[layer].keyframes.request(nowMs).send) sendKeyframeRequest(track, layer);
}

void Router::sendKeyframeRequest(Track& track, uint8_t layer) {
  uint32_t ssrc = track.layers[layer].ssrc;
  if (!ssrc) return;  // not learned yet: the first packets of a new layer start with a keyframe
  std::array<uint8_t, 64> buf{};
  size_t n = rtp::RtcpPli::build(buf, kRtcpSenderSsrc, ssrc);
  if (n > 0 && out_.sendRtcp(track.publisher, buf, n)) ++stats_.keyframeRequestsUp;
}

void Router::sendPublisherFeedback(PeerId id, Publisher& pub, int64_t nowMs) {
  std::array<uint8_t, 1200> buf{};
  if (nowMs - pub.lastTwccMs >= kTwccIntervalMs) {
    pub.lastTwccMs = nowMs;
    auto arrivals = pub.twcc.collect();
    if (!arrivals.empty()) {
      size_t n = rtp::RtcpTransportFeedback::build(buf, kRtcpSenderSsrc, pub.lastMediaSsrc, pub.twcc.nextFeedbackCount(),
                                                   arrivals);
      if (n > 0 && out_.sendRtcp(id, buf, n)) ++stats_.twccFeedbackSent;
    }
  }
  if (nowMs - pub.lastReportMs >= kReceiverReportIntervalMs) {
    pub.lastReportMs = nowMs;
    std::array<rtp::RtcpReportBlock, 31> blocks{};
    size_t count = 0;
    for (Track* t : pub.tracks)
      for (auto& l : t->layers) {
        if (!l.stats || !l.stats->valid() || count == blocks.size()) continue;
        stream::ReportBlock r = l.stats->report(nowMs);
        blocks[count++] = {r.ssrc, r.fractionLost, r.cumulativeLost, r.extendedHighestSeq, r.jitter, r.lastSr, r.delaySinceLastSr};
        l.lastReport = ReceiveReport{t->spec.video, r.fractionLost * 100.0 / 256.0, l.stats->jitterMs()};
      }
    if (count == 0) return;
    size_t n = rtp::RtcpReceiverReport::build(buf, kRtcpSenderSsrc, std::span(blocks).first(count));
    if (n > 0 && out_.sendRtcp(id, buf, n)) ++stats_.receiverReportsSent;
  }
}

void Router::sendNacks(Track& track, int64_t nowMs) {
  constexpr size_t kMaxPerPacket = 64;  // seqs per NACK packet: fits a datagram with room to spare
  std::array<uint8_t, 1200> buf{};
  for (auto& l : track.layers) {
    if (!l.nacks || !l.ssrc) continue;
    auto seqs = l.nacks->collect(nowMs);
    for (size_t at = 0; at < seqs.size(); at += kMaxPerPacket) {
      size_t n = rtp::RtcpNack::build(buf, kRtcpSenderSsrc, l.ssrc, seqs.subspan(at, std::min(kMaxPerPacket, seqs.size() - at)));
      if (n > 0 && out_.sendRtcp(track.publisher, buf, n)) ++stats_.nacksSent;
    }
  }
}

void Router::sendSenderReports(Track& track, int64_t nowMs) {
  std::array<uint8_t, 64> buf{};
  for (auto& d : track.downTracks) {
    int layer = d->rewriter.currentLayer();
    if (!d->rewriter.started() || layer < 0) continue;
    const Layer& l = track.layers[static_cast<size_t>(layer)];
    if (l.srArrivalMs < 0) continue;  // no mapping from the publisher yet
    // The publisher's mapping, advanced to now, in this down-track's timestamp space.
    int64_t elapsedMs = nowMs - l.srArrivalMs;
    uint32_t offset = d->rewriter.lastTimestamp() - d->lastInTimestamp;
    rtp::RtcpSenderInfo info;
    info.ntpTime = l.srNtp + static_cast<uint64_t>((elapsedMs << 32) / 1000);
    info.rtpTimestamp = l.srRtp + static_cast<uint32_t>(elapsedMs * track.spec.clockRate / 1000) + offset;
    info.packetCount = d->packetsSent;
    info.octetCount = d->octetsSent;
    size_t n = rtp::RtcpSenderReport::build(buf, d->rewriter.ssrc(), info);
    if (n > 0 && out_.sendRtcp(d->subscriber, buf, n)) ++stats_.senderReportsSent;
  }
}

void Router::tick(int64_t nowMs) {
  for (auto& [id, t] : tracks_) {
    for (size_t i = 0; i < t->layers.size(); ++i)
      if (t->layers[i].keyframes.poll(nowMs).send) sendKeyframeRequest(*t, static_cast<uint8_t>(i));
    if (t->spec.video) sendNacks(*t, nowMs);
  }
  if (nowMs - lastSenderReportsMs_ >= kReceiverReportIntervalMs) {
    lastSenderReportsMs_ = nowMs;
    for (auto& [id, t] : tracks_) sendSenderReports(*t, nowMs);
  }
  if (nowMs - lastLayerCheckMs_ >= kLayerCheckIntervalMs) {
    lastLayerCheckMs_ = nowMs;
    for (auto& [id, t] : tracks_)
      if (t->layers.size() > 1)
        for (auto& d : t->downTracks) chooseLayer(*d, nowMs);
  }
  for (auto& [id, pub] : publishers_) sendPublisherFeedback(id, pub, nowMs);
}

}  // namespace atrium::sfu
