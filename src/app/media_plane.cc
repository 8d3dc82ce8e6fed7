#include "app/media_plane.h"

#include <strings.h>

#include <algorithm>

#include "base/log.h"
#include "crypto/crypto.h"

namespace atrium::app {
namespace {

sdp::StreamType streamTypeOf(const std::string& s) {
  if (s == "audio") return sdp::StreamType::kAudio;
  if (s == "sub") return sdp::StreamType::kSub;
  return sdp::StreamType::kMain;
}

const char* streamName(sdp::StreamType t) {
  switch (t) {
    case sdp::StreamType::kAudio: return "audio";
    case sdp::StreamType::kSub: return "sub";
    default: return "main";
  }
}

base::Error sdpError(const base::Error& e) { return base::makeError("INVALID_SDP", e.message); }

uint8_t extId(const std::vector<sdp::NegotiatedExtension>& exts, std::string_view uri) {
  auto id = sdp::extensionId(exts, uri);
  return id && *id < 256 ? static_cast<uint8_t>(*id) : 0;
}

// BUNDLE shares one id space, so the first section that negotiated an extension names its id.
rtp::ExtensionIds publisherExtensions(const sdp::PublishParams& params) {
  rtp::ExtensionIds ids;
  for (const auto& s : params.sections) {
    if (s.rejected) continue;
    if (!ids.mid) ids.mid = extId(s.extensions, rtp::kUriMid);
    if (!ids.rid) ids.rid = extId(s.extensions, rtp::kUriRid);
    if (!ids.repairedRid) ids.repairedRid = extId(s.extensions, rtp::kUriRepairedRid);
    if (!ids.transportSeq) ids.transportSeq = extId(s.extensions, rtp::kUriTransportCc);
    if (!ids.audioLevel) ids.audioLevel = extId(s.extensions, rtp::kUriAudioLevel);
  }
  return ids;
}

// Simulcast layers of a section, lowest first: the send rids in offer order (the SDK lists the
// small layer first), or the SSRCs of a=ssrc-group:SIM.
sfu::LayerSpec layersOf(const sdp::PublishSection& s) {
  sfu::LayerSpec layers;
  layers.mid = s.mid;
  for (const auto& r : s.rids)
    if (r.direction == sdp::RidDirection::kSend && !r.paused) layers.rids.push_back(r.rid);
  if (layers.rids.empty() && s.ssrcs.size() > 1)
    for (const auto& l : s.ssrcs) {
      layers.ssrcs.push_back(l.ssrc);
      layers.rtxSsrcs.push_back(l.rtxSsrc.value_or(0));
    }
  return layers;
}

// The peer's certificate fingerprint to check: SHA-256 when it offers several.
sdp::Fingerprint chosenFingerprint(const sdp::RemoteTransport& remote) {
  sdp::Fingerprint out;
  for (const auto& fp : remote.fingerprints)
    if (out.algorithm.empty() || fp.algorithm == "sha-256") out = fp;
  return out;
}

uint32_t randomSsrc() {
  auto b = crypto::randomBytes(4);
  uint32_t v = (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
  return v < 16 ? v + 16 : v;  // keep clear of the tiny SSRCs our own feedback uses
}

}  // namespace

base::Result<std::vector<dtls::SrtpProfile>> parseSrtpProfiles(const std::string& list) {
  std::vector<dtls::SrtpProfile> out;
  size_t start = 0;
  while (start <= list.size()) {
    size_t end = list.find(',', start);
    std::string name = list.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (name == "aead_aes_128_gcm") out.push_back(dtls::SrtpProfile::kAeadAes128Gcm);
    else if (name == "aead_aes_256_gcm") out.push_back(dtls::SrtpProfile::kAeadAes256Gcm);
    else if (name == "aes_cm_128_hmac_sha1_80") out.push_back(dtls::SrtpProfile::kAes128CmHmacSha1_80);
    else return base::makeError("CONFIG", "media.srtp_profiles: unknown profile '" + name + "'");
    if (end == std::string::npos) break;
    start = end + 1;
  }
  if (out.empty()) return base::makeError("CONFIG", "media.srtp_profiles must name at least one profile");
  return out;
}

base::Result<std::unique_ptr<MediaPlane>> MediaPlane::create(const MediaOptions& options, base::Clock& clock) {
  auto dtls = crypto::DtlsContext::create("atrium");
  if (!dtls.ok()) return dtls.error();
  std::vector<std::unique_ptr<MediaWorker>> workers;
  for (uint32_t i = 0; i < std::max(1u, options.workers); ++i) {
    uint16_t port = options.basePort ? static_cast<uint16_t>(options.basePort + i) : 0;
    WorkerTcpOptions tcp{options.tcpEnabled, options.tcpBasePort ? static_cast<uint16_t>(options.tcpBasePort + i) : uint16_t{0},
                         options.tcpLimits};
    auto w = MediaWorker::create(options.bindAddress, port, clock, tcp);
    if (!w.ok()) return w.error();
    (*w)->start();
    if (options.testLossPercent > 0)
      (*w)->post([p = options.testLossPercent / 100.0, seed = i + 1](MediaWorker& worker) {
        worker.router().setLossInjection(p, seed * 0x9E3779B97F4A7C15ull);
      });
    workers.push_back(std::move(*w));
  }
  return std::make_unique<MediaPlane>(options, clock, std::move(*dtls), std::move(workers));
}

MediaPlane::MediaPlane(MediaOptions options, base::Clock& clock, std::unique_ptr<crypto::DtlsContext> dtls,
                       std::vector<std::unique_ptr<MediaWorker>> workers)
    : options_(std::move(options)), clock_(clock), dtls_(std::move(dtls)), workers_(std::move(workers)) {}

MediaPlane::~MediaPlane() { stop(); }

void MediaPlane::stop() {
  for (auto& w : workers_) w->stop();
}

std::vector<uint16_t> MediaPlane::ports() const {
  std::vector<uint16_t> out;
  for (const auto& w : workers_) out.push_back(w->port());
  return out;
}

MediaPlane::Connection& MediaPlane::ensureConnection(Peer& peer, std::optional<Connection>& slot) {
  if (slot) return *slot;
  ice::IceLiteAgent agent;
  Connection c{nextTransportId_++, agent.localCredentials(), 1, {}, {}};
  dtls::DtlsTransportOptions dtlsOptions;
  dtlsOptions.role = dtls::DtlsRole::kServer;
  dtlsOptions.srtpProfiles = options_.srtpProfiles;
  auto dtls = dtls::DtlsTransport::create(*dtls_, dtlsOptions);
  MediaWorker& w = workerOf(peer);
  auto t = std::make_shared<std::unique_ptr<transport::WebRtcTransport>>(
      std::make_unique<transport::WebRtcTransport>(c.transportId, std::move(agent), std::move(*dtls), w.listener(), w.sender()));
  w.post([t](MediaWorker& worker) { worker.addTransport(std::move(*t)); });
  slot = c;
  return *slot;
}

sdp::LocalParams MediaPlane::localParams(const Peer& peer, Connection& c) {
  sdp::LocalParams local;
  local.iceUfrag = c.ice.ufrag;
  local.icePwd = c.ice.pwd;
  local.fingerprints = {{"sha-256", dtls_->fingerprintSha256()}};
  sdp::Candidate cand;
  cand.foundation = "1";
  cand.component = 1;
  cand.transport = "udp";
  cand.priority = 2130706431;
  cand.address = options_.announcedAddress;
  const MediaWorker& worker = *workers_[peer.worker % workers_.size()];
  cand.port = worker.port();
  cand.type = "host";
  local.candidates.clear();
  if (options_.udpCandidates) local.candidates.push_back(cand);
  if (worker.tcpPort() != 0) {
    // RFC 6544 §4.2 / RFC 8445 §5.1.2.1: priority = 2^24 type-pref + 2^8 local-pref + (256 - component).
    // Type preference 90 (UDP host is 126) makes browsers prefer UDP whenever it works; the
    // local preference is 2^13 * direction-pref (passive host: 4) + other-pref (8191).
    sdp::Candidate tcp = cand;
    tcp.foundation = "2";
    tcp.transport = "tcp";
    tcp.priority = (90u << 24) | ((4u << 13 | 8191u) << 8) | (256u - 1u);
    tcp.port = worker.tcpPort();
    tcp.tcpType = "passive";
    local.candidates.push_back(tcp);
  }
  local.sessionId = std::to_string(c.transportId);
  local.sessionVersion = ++c.sdpVersion;
  return local;
}

MediaPlane::Peer* MediaPlane::findPublisher(const base::RoomKey& room, const std::string& userId) {
  for (auto& [id, p] : peers_)
    if (p.room == room && p.userId == userId) return &p;
  return nullptr;
}

base::Result<signal::PublishResult> MediaPlane::publish(const signal::MediaSessionRef& ref, const std::string& offerSdp,
                                                        const std::map<std::string, std::string>& streamsByMid,
                                                        bool reconnect) {
  auto offer = sdp::SessionDescription::parse(offerSdp);
  if (!offer.ok()) return sdpError(offer.error());
  Peer& peer = peers_[ref.session];
  peer.worker = ref.worker;
  peer.room = ref.room;
  peer.userId = ref.userId;
  bool fresh = !peer.pub;
  auto answer = sdp::answerPublishOffer(*offer, localParams(peer, ensureConnection(peer, peer.pub)));
  if (!answer.ok()) return sdpError(answer.error());
  // A new peer connection (the client says so, or its certificate changed: browsers make one per
  // connection) needs a new DTLS session, which only a new transport has.
  const sdp::Fingerprint fingerprint = chosenFingerprint(answer->params.remote);
  const bool renewed = !fresh && (reconnect || fingerprint != peer.pub->remoteFingerprint);
  if (renewed) {
    retirePublishing(peer);
    fresh = true;
    answer = sdp::answerPublishOffer(*offer, localParams(peer, ensureConnection(peer, peer.pub)));
    if (!answer.ok()) return sdpError(answer.error());
  }
  Connection& c = *peer.pub;
  c.remoteFingerprint = fingerprint;
  // New ICE credentials in a re-offer are an ICE restart (the browser's network changed, or its
  // ICE failed): answer with new credentials of ours too.
  bool restart = !fresh && answer->params.remote.iceUfrag != c.remoteUfrag;
  if (restart) {
    c.ice = ice::generateIceCredentials();
    answer = sdp::answerPublishOffer(*offer, localParams(peer, c));
    if (!answer.ok()) return sdpError(answer.error());
  }
  c.remoteUfrag = answer->params.remote.iceUfrag;
  signal::PublishResult result;
  result.renewed = renewed;
  std::map<std::string, sdp::StreamType, std::less<>> byMid;
  for (const auto& [mid, stream] : streamsByMid) byMid[mid] = streamTypeOf(stream);
  if (auto st = sdp::applyStreamTypes(answer->params, byMid); !st.ok()) return sdpError(st.error());

  const auto& remote = answer->params.remote;
  uint64_t transportId = c.transportId;
  MediaWorker& w = workerOf(peer);
  if (fresh)
    w.post([transportId, ufrag = remote.iceUfrag, pwd = remote.icePwd, fpAlg = fingerprint.algorithm,
            fpValue = fingerprint.value, now = clock_.steadyMs()](MediaWorker& worker) {
      if (auto* t = worker.transport(transportId)) {
        (void)t->setRemoteIce(ufrag, pwd);
        (void)t->setRemoteFingerprint(fpAlg, fpValue, now);
      }
    });
  else if (restart)
    w.post([transportId, ufrag = remote.iceUfrag, pwd = remote.icePwd, local = c.ice](MediaWorker& worker) {
      worker.restartIce(transportId, ufrag, pwd, local);
    });

  w.post([transportId, ids = publisherExtensions(answer->params)](MediaWorker& worker) {
    worker.router().setPublisherExtensions(transportId, ids);
  });
  // Tracks: one per live section with a known SSRC or simulcast rids.
  std::map<std::string, Publication> next;
  for (const auto& s : answer->params.sections) {
    if (s.rejected || !s.active || (s.ssrcs.empty() && s.rids.empty()) || s.codecs.empty()) continue;
    std::string stream = streamName(s.streamType);
    auto old = peer.published.find(stream);
    bool same = old != peer.published.end() && old->second.section.ssrcs == s.ssrcs && old->second.section.rids == s.rids &&
                old->second.section.mid == s.mid;
    Publication p{same ? old->second.track : nextTrackId_++, s};
    if (!same) {
      sfu::LayerSpec layers = layersOf(s);
      bool single = layers.rids.empty() && layers.ssrcs.empty() && !s.ssrcs.empty();
      const auto& codec = s.codecs.front();
      sfu::TrackSpec spec{single ? s.ssrcs.front().ssrc : 0, codec.clockRate, s.kind == sdp::MediaKind::kVideo,
                          rtp::codecKindFromName(codec.name), codec.payloadType, codec.rtxPayloadType.value_or(0),
                          single ? s.ssrcs.front().rtxSsrc.value_or(0) : 0};
      w.post([id = p.track, transportId, spec, layers](MediaWorker& worker) {
        worker.router().addTrack(id, transportId, spec, layers);
      });
    }
    next[stream] = p;
    result.activeStreams.push_back(stream);
  }
  for (const auto& [stream, p] : peer.published)
    if (!next.count(stream) || next[stream].track != p.track)
      w.post([id = p.track](MediaWorker& worker) { worker.router().removeTrack(id); });
  peer.published = std::move(next);
  result.answerSdp = answer->answer.serialize();
  return result;
}

void MediaPlane::sampleServerQuality(const CommIdLookup& commIdOf, const SampleSink& sink, int64_t wallMs) {
  struct Item {
    sfu::TrackId track;
    bool audio;
    uint32_t sdkAppId;
    std::string commId;
    std::string userId;
  };
  std::map<size_t, std::vector<Item>> byWorker;
  for (const auto& [session, peer] : peers_) {
    if (peer.published.empty()) continue;
    auto commId = commIdOf(peer.room);
    if (!commId) continue;
    // TRTC's metrics cover audio and the main video; a screen share has none of its own.
    for (const auto& [stream, pub] : peer.published)
      if (stream != "sub")
        byWorker[peer.worker % workers_.size()].push_back({pub.track, stream == "audio", peer.room.sdkAppId, *commId, peer.userId});
  }
  for (auto& [index, items] : byWorker)
    workers_[index]->post([items = std::move(items), sink, wallMs](MediaWorker& worker) {
      std::map<std::pair<std::string, std::string>, store::QualitySample> rows;  // by (commId, userId)
      for (const auto& it : items) {
        auto report = worker.router().receiveReport(it.track);
        if (!report) continue;
        auto& s = rows[{it.commId, it.userId}];
        s.sdkAppId = it.sdkAppId;
        s.commId = it.commId;
        s.userId = it.userId;
        s.timeMs = wallMs;
        s.source = "server";
        auto loss = it.audio ? store::QualityMetric::kALoss : store::QualityMetric::kBigvLoss;
        s.values[static_cast<size_t>(loss)] = report->lossPercent;
        auto& jitter = s.values[static_cast<size_t>(store::QualityMetric::kJitter)];
        if (!it.audio || !jitter) jitter = report->jitterMs;  // the video's, when there is one
      }
      if (rows.empty()) return;
      std::vector<store::QualitySample> out;
      for (auto& [key, s] : rows) out.push_back(std::move(s));
      sink(std::move(out));
    });
}

void MediaPlane::sampleVolumes(const VolumeSink& sink) {
  struct Item {
    sfu::TrackId track;
    base::RoomKey room;
    std::string userId;
  };
  std::vector<std::vector<Item>> byWorker(workers_.size());
  for (const auto& [session, peer] : peers_)
    if (auto audio = peer.published.find("audio"); audio != peer.published.end())
      byWorker[peer.worker % workers_.size()].push_back({audio->second.track, peer.room, peer.userId});
  for (size_t w = 0; w < workers_.size(); ++w)
    workers_[w]->post([w, items = std::move(byWorker[w]), sink, &clock = clock_](MediaWorker& worker) {
      std::vector<RoomVolume> out;
      int64_t now = clock.steadyMs();
      for (const auto& it : items) out.push_back({it.room, it.userId, worker.router().takeAudioVolume(it.track, now)});
      sink(w, std::move(out));
    });
}

void MediaPlane::dropPublications(Peer& peer) {
  MediaWorker& w = workerOf(peer);
  for (const auto& [stream, p] : peer.published)
    w.post([id = p.track](MediaWorker& worker) { worker.router().removeTrack(id); });
  peer.published.clear();
}

void MediaPlane::retirePublishing(Peer& peer) {
  dropPublications(peer);
  workerOf(peer).post([id = peer.pub->transportId](MediaWorker& worker) { worker.removeTransport(id); });
  peer.pub.reset();
}

void MediaPlane::retireSubscribing(Peer& peer) {
  // The worker's removeTransport takes the down-tracks with it (Router::removePeer).
  workerOf(peer).post([id = peer.sub->transportId](MediaWorker& worker) { worker.removeTransport(id); });
  peer.sub.reset();
  peer.subscribed.clear();
  peer.lastOffer.reset();
}

void MediaPlane::watchTransportFailures(MediaWorker::FailureSink sink) {
  for (auto& w : workers_) w->post([sink](MediaWorker& worker) { worker.setFailureSink(sink); });
}

std::optional<MediaPlane::LostConnection> MediaPlane::transportFailed(uint64_t transportId) {
  for (auto& [session, peer] : peers_) {
    if (peer.pub && peer.pub->transportId == transportId) {
      retirePublishing(peer);
      return LostConnection{session, signal::MediaConnection::kPublish};
    }
    if (peer.sub && peer.sub->transportId == transportId) {
      retireSubscribing(peer);
      return LostConnection{session, signal::MediaConnection::kSubscribe};
    }
  }
  return std::nullopt;
}

#ifdef ATRIUM_TEST_HOOKS
void MediaPlane::failConnectionForTest(const signal::MediaSessionRef& ref, signal::MediaConnection connection) {
  auto it = peers_.find(ref.session);
  if (it == peers_.end()) return;
  const auto& slot = connection == signal::MediaConnection::kPublish ? it->second.pub : it->second.sub;
  if (slot)
    workerOf(it->second).post([id = slot->transportId](MediaWorker& worker) { worker.failTransportForTest(id); });
}
#endif

void MediaPlane::unpublish(const signal::MediaSessionRef& ref) {
  auto it = peers_.find(ref.session);
  if (it != peers_.end()) dropPublications(it->second);
}

base::Result<std::string> MediaPlane::subscribe(const signal::MediaSessionRef& ref,
                                                const std::vector<signal::StreamWant>& streams, bool iceRestart,
                                                bool reconnect) {
  Peer& peer = peers_[ref.session];
  peer.worker = ref.worker;
  peer.room = ref.room;
  peer.userId = ref.userId;
  if (reconnect && peer.sub) retireSubscribing(peer);
  bool fresh = !peer.sub;
  Connection& c = ensureConnection(peer, peer.sub);
  MediaWorker& w = workerOf(peer);
  if (iceRestart && !fresh) {
    // We offer the restart: new credentials of ours now, the browser's arrive in its answer.
    c.ice = ice::generateIceCredentials();
    w.post([id = c.transportId, local = c.ice](MediaWorker& worker) {
      worker.restartIce(id, "", "", local);
    });
  }
  sdp::SubscribeSpec spec;
  std::map<std::pair<std::string, std::string>, Subscription> next;
  for (const auto& want : streams) {
    std::pair<std::string, std::string> key{want.userId, want.stream};
    Peer* publisher = findPublisher(peer.room, key.first);
    auto pub = publisher ? publisher->published.find(key.second) : decltype(publisher->published.end()){};
    if (!publisher || pub == publisher->published.end())
      return base::makeError("STREAM_NOT_FOUND", "that stream is not published now");
    auto old = peer.subscribed.find(key);
    bool video = pub->second.section.kind == sdp::MediaKind::kVideo;
    Subscription sub = old != peer.subscribed.end() && old->second.track == pub->second.track
                           ? old->second
                           : Subscription{pub->second.track, "t" + std::to_string(nextMid_++), randomSsrc(), false,
                                          video ? randomSsrc() : 0, pub->second.section.codecs.front().name};
    sub.small = want.small;
    sdp::SubscribeTrack t;
    t.mid = sub.mid;
    t.kind = pub->second.section.kind;
    t.msid = {key.first, key.first + "-" + key.second};
    t.cname = key.first;
    t.ssrc = sub.outSsrc;
    if (sub.rtxSsrc) t.rtxSsrc = sub.rtxSsrc;
    t.codecs = pub->second.section.codecs;
    spec.tracks.push_back(std::move(t));
    next[key] = sub;
  }
  spec.previousOffer = peer.lastOffer ? &*peer.lastOffer : nullptr;
  auto offer = sdp::buildSubscribeOffer(spec, localParams(peer, c));
  if (!offer.ok()) return sdpError(offer.error());
  uint64_t subscriber = c.transportId;
  for (const auto& [key, sub] : peer.subscribed)
    if (!next.count(key) || next[key].track != sub.track)
      w.post([track = sub.track, subscriber](MediaWorker& worker) { worker.router().removeDownTrack(track, subscriber); });
  for (const auto& [key, sub] : next) {
    uint8_t layer = sub.small ? 0 : sfu::kHighestLayer;
    auto old = peer.subscribed.find(key);
    if (old == peer.subscribed.end() || old->second.track != sub.track)
      w.post([track = sub.track, subscriber, ssrc = sub.outSsrc, layer, now = clock_.steadyMs()](MediaWorker& worker) {
        worker.router().addDownTrack(track, subscriber, ssrc, now, layer);
      });
    else if (old->second.small != sub.small)
      w.post([track = sub.track, subscriber, layer, now = clock_.steadyMs()](MediaWorker& worker) {
        worker.router().setPreferredLayer(track, subscriber, layer, now);
      });
  }
  peer.subscribed = std::move(next);
  peer.lastOffer = *offer;
  return offer->serialize();
}

base::Status MediaPlane::subscribeAnswer(const signal::MediaSessionRef& ref, const std::string& answerSdp) {
  auto it = peers_.find(ref.session);
  if (it == peers_.end() || !it->second.lastOffer || !it->second.sub)
    return base::makeError("INVALID_STATE", "no subscription offer is waiting for an answer");
  auto answer = sdp::SessionDescription::parse(answerSdp);
  if (!answer.ok()) return sdpError(answer.error());
  auto params = sdp::applySubscribeAnswer(*it->second.lastOffer, *answer);
  if (!params.ok()) return sdpError(params.error());
  const sdp::Fingerprint fp = chosenFingerprint(params->remote);
  workerOf(it->second).post([id = it->second.sub->transportId, ufrag = params->remote.iceUfrag, pwd = params->remote.icePwd,
                             fpAlg = fp.algorithm, fpValue = fp.value, now = clock_.steadyMs()](MediaWorker& worker) {
    if (auto* t = worker.transport(id)) {
      (void)t->setRemoteIce(ufrag, pwd);
      (void)t->setRemoteFingerprint(fpAlg, fpValue, now);
    }
  });
  // The payload types the subscriber receives each track as (BUNDLE may have renumbered the
  // publisher's) and whether it took RTX.
  for (const auto& section : params->sections) {
    if (section.rejected) continue;
    for (const auto& [key, sub] : it->second.subscribed) {
      if (sub.mid != section.mid) continue;
      const std::string& wanted = sub.codec;  // clang 14 cannot capture a structured binding
      auto codec = std::find_if(section.codecs.begin(), section.codecs.end(), [&wanted](const sdp::NegotiatedCodec& c) {
        return strcasecmp(c.name.c_str(), wanted.c_str()) == 0;
      });
      if (codec == section.codecs.end()) continue;
      workerOf(it->second).post([track = sub.track, subscriber = it->second.sub->transportId, pt = codec->payloadType,
                                 rtxPt = codec->rtxPayloadType.value_or(0), rtxSsrc = section.rtxSsrc.value_or(0)](MediaWorker& worker) {
        worker.router().setDownTrackFormat(track, subscriber, pt, rtxPt, rtxSsrc);
      });
    }
  }
  return base::Ok{};
}

void MediaPlane::sessionEnded(const signal::MediaSessionRef& ref) {
  auto it = peers_.find(ref.session);
  if (it == peers_.end()) return;
  Peer& peer = it->second;
  dropPublications(peer);
  MediaWorker& w = workerOf(peer);
  for (auto* c : {&peer.pub, &peer.sub})
    if (*c) w.post([id = (*c)->transportId](MediaWorker& worker) { worker.removeTransport(id); });
  peers_.erase(it);
}

}  // namespace atrium::app
