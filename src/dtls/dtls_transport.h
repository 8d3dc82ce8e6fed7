// DtlsTransport: the DTLS-SRTP endpoint of one WebRTC transport (RFC 5763, RFC 5764).
//
// Bytes in, bytes out: feed() takes a received DTLS datagram, pollOutgoing() yields datagrams to
// send; the caller owns the socket and the timer. The transport adds the WebRTC rules on top of
// crypto::DtlsSession (the OpenSSL adapter):
//  - the peer certificate must match the SDP fingerprint (setRemoteFingerprint), checked when
//    the handshake ends; if the fingerprint arrives later, the check waits for it;
//  - malformed datagrams are dropped and counted before OpenSSL sees them, and so are well-framed
//    records no legitimate peer sends at that point (screenRecord in dtls_record.h): a forged
//    record never reaches OpenSSL's decision to fail a connection, whatever its version;
//  - a handshake deadline on the caller's clock (`nowMs`), so a stalled peer ends in kFailed;
//  - on success the negotiated SRTP profile and the keys exported with "EXTRACTOR-dtls_srtp",
//    split per RFC 5764 §4.2.
//
// Time: every call takes the caller's monotonic `nowMs`, and nextTimeoutMs() is on that clock.
// The retransmission timer itself runs on OpenSSL's clock (OpenSSL 3.0 cannot be given one), so
// nextTimeoutMs() is "now + what OpenSSL says is left" as of the last call.
//
// Single-threaded: one transport lives on one worker loop. The DtlsContext may be shared.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "crypto/dtls_context.h"
#include "crypto/dtls_session.h"

namespace atrium::dtls {

using DtlsRole = crypto::DtlsRole;
using Bytes = std::vector<uint8_t>;

enum class DtlsState : uint8_t { kNew, kConnecting, kConnected, kFailed, kClosed };
std::string_view toString(DtlsState state);

// DTLS-SRTP protection profiles; the values are the IANA ids, which libsrtp's srtp_profile_t and
// srtp::SrtpProfile use too, so the transport layer converts with a cast.
enum class SrtpProfile : uint16_t {
  kAes128CmHmacSha1_80 = crypto::kSrtpAes128CmHmacSha1_80,
  kAeadAes128Gcm = crypto::kSrtpAeadAes128Gcm,
  kAeadAes256Gcm = crypto::kSrtpAeadAes256Gcm,
};
std::string_view toString(SrtpProfile profile);
size_t srtpMasterKeyLength(SrtpProfile profile);   // 16 or 32
size_t srtpMasterSaltLength(SrtpProfile profile);  // 14 (AES-CM) or 12 (AEAD, RFC 7714 §12)

// Keys for the SRTP session, from the keying material exporter (RFC 5764 §4.2):
//   client_write_key | server_write_key | client_write_salt | server_write_salt
struct SrtpKeyMaterial {
  SrtpProfile profile = SrtpProfile::kAeadAes128Gcm;
  Bytes clientKey, clientSalt, serverKey, serverSalt;
  // "local" protects what we send, "remote" unprotects what we receive.
  const Bytes& localKey(DtlsRole role) const { return role == DtlsRole::kClient ? clientKey : serverKey; }
  const Bytes& localSalt(DtlsRole role) const { return role == DtlsRole::kClient ? clientSalt : serverSalt; }
  const Bytes& remoteKey(DtlsRole role) const { return role == DtlsRole::kClient ? serverKey : clientKey; }
  const Bytes& remoteSalt(DtlsRole role) const { return role == DtlsRole::kClient ? serverSalt : clientSalt; }
};

struct DtlsTransportOptions {
  // The SFU normally answers a=setup:passive (RFC 5763 §5 allows either), i.e. it is the server.
  DtlsRole role = DtlsRole::kServer;
  // use_srtp preference; Chrome offers all three, and GCM is 4x cheaper per packet here.
  std::vector<SrtpProfile> srtpProfiles{SrtpProfile::kAeadAes128Gcm, SrtpProfile::kAeadAes256Gcm,
                                        SrtpProfile::kAes128CmHmacSha1_80};
  size_t mtu = 1200;
  uint32_t initialRetransmitMs = 100;
  uint32_t maxRetransmitMs = 4000;
  // From start (client) or the first datagram (server) to kConnected, on the caller's clock.
  int64_t handshakeTimeoutMs = 30'000;
};

struct DtlsStats {
  uint64_t datagramsIn = 0;       // accepted and given to OpenSSL
  uint64_t datagramsOut = 0;
  uint64_t malformedDropped = 0;  // not a sequence of well-formed DTLS records
  uint64_t ignoredDropped = 0;    // well-formed but arrived after failure/close
  uint64_t refusedRecords = 0;    // well-framed records screenRecord() kept from OpenSSL
  uint64_t refusedDatagrams = 0;  // datagrams none of whose records reached OpenSSL
  // What never reached OpenSSL or arrived too late: the worker's "dtls" drop reason.
  uint64_t dropped() const { return malformedDropped + ignoredDropped + refusedRecords; }
  uint64_t retransmissions = 0;   // flights re-sent by the timer
};

class DtlsTransport {
 public:
  // `context` (certificate + SSL_CTX) is borrowed only for the call.
  static base::Result<std::unique_ptr<DtlsTransport>> create(const crypto::DtlsContext& context,
                                                             DtlsTransportOptions options = {});
  DtlsTransport(std::unique_ptr<crypto::DtlsSession> session, DtlsTransportOptions options);

  // Client: sends the ClientHello. Server: starts the handshake deadline (feed() does it too).
  void start(int64_t nowMs);
  // One received datagram. Returns the state afterwards.
  DtlsState feed(std::span<const uint8_t> datagram, int64_t nowMs);
  std::optional<Bytes> pollOutgoing();
  // When handleTimeout() should run next (caller's clock); nullopt when nothing is pending.
  std::optional<int64_t> nextTimeoutMs() const;
  DtlsState handleTimeout(int64_t nowMs);

  // From the peer's SDP `a=fingerprint:<alg> <hex>` (RFC 8122 §5). Case-insensitive; rejects
  // unknown/weak algorithms and malformed hex. May be called before or after the handshake.
  base::Status setRemoteFingerprint(std::string_view algorithm, std::string_view hex, int64_t nowMs);
  // Sends close_notify and moves to kClosed.
  void close();

  // Application data (SCTP for data channels later); both only in kConnected, i.e. once the
  // peer's certificate matched its fingerprint.
  bool sendData(std::span<const uint8_t> data);
  std::optional<Bytes> pollReceivedData();

  DtlsState state() const { return state_; }
  DtlsRole role() const { return options_.role; }
  // Set once kConnected is reached.
  const std::optional<SrtpKeyMaterial>& srtpKeys() const { return keys_; }
  const std::string& failureReason() const { return failureReason_; }
  // kFailed after having been kConnected: the session died under live media, not in a handshake.
  // (Keys exist only once the handshake completed and the fingerprint matched.)
  bool failedAfterConnect() const { return state_ == DtlsState::kFailed && keys_.has_value(); }
#ifdef ATRIUM_TEST_HOOKS
  // Fails the transport as if OpenSSL had, so tests can drive the recovery of a dead session.
  void failForTest(std::string reason) { fail(std::move(reason)); }
#endif
  const DtlsStats& stats() const { return stats_; }

 private:
  // The records of `datagram` that may reach OpenSSL: the datagram itself when all may (the
  // common case), else a copy of those that may in screened_, possibly empty.
  std::span<const uint8_t> screen(std::span<const uint8_t> datagram);
  void sync(int64_t nowMs);
  void completeHandshake();
  void fail(std::string reason);

  std::unique_ptr<crypto::DtlsSession> session_;
  DtlsTransportOptions options_;

  DtlsState state_ = DtlsState::kNew;
  std::string remoteAlgorithm_;    // lower-case, empty until set
  std::string remoteFingerprint_;  // upper-case hex with colons
  int64_t handshakeDeadlineMs_ = 0;
  std::optional<int64_t> retransmitAtMs_;
  std::optional<SrtpKeyMaterial> keys_;
  std::string failureReason_;
  Bytes screened_;
  DtlsStats stats_;
};

}  // namespace atrium::dtls
