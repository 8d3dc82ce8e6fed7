// MediaPlane: the control-plane half of the SFU. It answers publishers' SDP offers, builds the
// SFU's offers for subscribers, creates each peer connection's transport on the room's media
// worker and tells the worker's router what to forward. Runs on the control thread; the workers
// are reached only through MediaWorker::post.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/active_speakers.h"
#include "app/media_worker.h"
#include "crypto/dtls_context.h"
#include "sdp/negotiation.h"
#include "signal/ports.h"
#include "store/store.h"

namespace atrium::app {

struct MediaOptions {
  double testLossPercent = 0;  // media.test_loss_percent: injected random loss, for tests only
  std::string bindAddress = "0.0.0.0";
  std::string announcedAddress = "127.0.0.1";  // the address put in SDP candidates
  uint16_t basePort = 0;                       // worker i binds basePort + i (0: any free port)
  uint32_t workers = 1;
  // ICE-TCP passive candidates (RFC 6544), for networks that block UDP. Worker i listens on
  // tcpBasePort + i, or, with tcpBasePort 0, on the number of its own UDP port (any free port
  // when basePort is 0 too).
  bool tcpEnabled = true;
  uint16_t tcpBasePort = 0;
  transport::TcpMediaPortOptions tcpLimits;
  // Diagnostic/test switch: leave the UDP candidate out of our SDP, so browsers must use ICE-TCP.
  bool udpCandidates = true;
  std::vector<dtls::SrtpProfile> srtpProfiles{dtls::SrtpProfile::kAeadAes128Gcm, dtls::SrtpProfile::kAeadAes256Gcm,
                                              dtls::SrtpProfile::kAes128CmHmacSha1_80};
};

// "aead_aes_128_gcm,aes_cm_128_hmac_sha1_80" -> profiles; an unknown name is an error.
base::Result<std::vector<dtls::SrtpProfile>> parseSrtpProfiles(const std::string& list);

class MediaPlane final : public signal::MediaControl {
 public:
  static base::Result<std::unique_ptr<MediaPlane>> create(const MediaOptions& options, base::Clock& clock);
  MediaPlane(MediaOptions options, base::Clock& clock, std::unique_ptr<crypto::DtlsContext> dtls,
             std::vector<std::unique_ptr<MediaWorker>> workers);
  ~MediaPlane() override;
  void stop();
  std::vector<uint16_t> ports() const;

  // For /metrics, on the control thread: users publishing at least one stream and users
  // receiving at least one, and each worker's counters in worker order.
  struct Census {
    uint64_t publishers = 0;
    uint64_t subscribers = 0;
  };
  Census census() const {
    Census c;
    for (const auto& [session, peer] : peers_) {
      c.publishers += peer.published.empty() ? 0 : 1;
      c.subscribers += peer.subscribed.empty() ? 0 : 1;
    }
    return c;
  }
  std::vector<const MediaWorker*> workers() const {
    std::vector<const MediaWorker*> out;
    for (const auto& w : workers_) out.push_back(w.get());
    return out;
  }

  // The server's own quality view (R10): every publisher's uplink loss and jitter from the
  // receiver reports its worker sends, as quality_samples rows with source "server". Called on
  // the control thread; `sink` runs on the workers' threads (it must be thread-safe).
  using CommIdLookup = std::function<std::optional<std::string>(const base::RoomKey&)>;
  using SampleSink = std::function<void(std::vector<store::QualitySample>)>;
  void sampleServerQuality(const CommIdLookup& commIdOf, const SampleSink& sink, int64_t wallMs);

  // Every audio publisher's volume (0..100, from the audio-level extension), per worker: `sink`
  // runs on each worker's thread with that worker's index and rooms (empty when it has none).
  using VolumeSink = std::function<void(size_t worker, std::vector<RoomVolume>)>;
  void sampleVolumes(const VolumeSink& sink);

  base::Result<signal::PublishResult> publish(const signal::MediaSessionRef& ref, const std::string& offerSdp,
                                              const std::map<std::string, std::string>& streamsByMid, bool reconnect) override;
  void unpublish(const signal::MediaSessionRef& ref) override;
  base::Result<std::string> subscribe(const signal::MediaSessionRef& ref, const std::vector<signal::StreamWant>& streams,
                                      bool iceRestart, bool reconnect) override;
  base::Status subscribeAnswer(const signal::MediaSessionRef& ref, const std::string& answerSdp) override;
  void sessionEnded(const signal::MediaSessionRef& ref) override;
#ifdef ATRIUM_TEST_HOOKS
  void failConnectionForTest(const signal::MediaSessionRef& ref, signal::MediaConnection connection) override;
#endif

  // Failed transports (a DTLS session that died, in its handshake or under live media). Each
  // worker removes its failed transport itself and reports it to `sink` on the worker's thread;
  // the caller posts it to the control thread and calls transportFailed there.
  void watchTransportFailures(MediaWorker::FailureSink sink);
  // Control thread: forgets the connection whose transport failed, and the publications or
  // subscriptions it carried. Returns whose connection it was; nullopt when it is already gone
  // (replaced, or the session ended).
  struct LostConnection {
    room::SessionId session = 0;
    signal::MediaConnection connection = signal::MediaConnection::kPublish;
  };
  std::optional<LostConnection> transportFailed(uint64_t transportId);

 private:
  struct Connection {  // one browser peer connection
    uint64_t transportId = 0;
    ice::IceCredentials ice;
    uint64_t sdpVersion = 1;
    std::string remoteUfrag;  // the browser's, to notice an ICE restart in a new offer
    sdp::Fingerprint remoteFingerprint;  // the browser's certificate: a new one means a new peer connection
  };
  struct Publication {
    sfu::TrackId track = 0;
    sdp::PublishSection section;
  };
  struct Subscription {
    sfu::TrackId track = 0;
    std::string mid;
    uint32_t outSsrc = 0;
    bool small = false;  // main video: the subscriber prefers the low simulcast layer
    uint32_t rtxSsrc = 0;  // video: retransmissions go to the subscriber as RTX on this SSRC
    std::string codec;     // the publisher's codec, to find its payload type in the answer
  };
  struct Peer {
    uint32_t worker = 0;
    base::RoomKey room;
    std::string userId;
    std::optional<Connection> pub;
    std::optional<Connection> sub;
    std::map<std::string, Publication> published;  // by stream ("audio", "main", "sub")
    std::map<std::pair<std::string, std::string>, Subscription> subscribed;  // by (userId, stream)
    std::optional<sdp::SessionDescription> lastOffer;
  };

  MediaWorker& workerOf(const Peer& p) { return *workers_[p.worker % workers_.size()]; }
  Connection& ensureConnection(Peer& peer, std::optional<Connection>& slot);
  sdp::LocalParams localParams(const Peer& peer, Connection& c);
  Peer* findPublisher(const base::RoomKey& room, const std::string& userId);
  void dropPublications(Peer& peer);
  // Removes a connection's transport from its worker and forgets it (and, for the subscribing
  // one, its subscriptions); the next request builds a new one.
  void retirePublishing(Peer& peer);
  void retireSubscribing(Peer& peer);

  MediaOptions options_;
  base::Clock& clock_;
  std::unique_ptr<crypto::DtlsContext> dtls_;
  std::vector<std::unique_ptr<MediaWorker>> workers_;
  std::map<room::SessionId, Peer> peers_;
  uint64_t nextTransportId_ = 1;
  sfu::TrackId nextTrackId_ = 1;
  uint64_t nextMid_ = 1;
};

}  // namespace atrium::app
