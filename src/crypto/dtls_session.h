// DtlsSession: one OpenSSL DTLS 1.2 connection over an in-memory datagram pipe. This is the only
// DTLS code that sees OpenSSL; src/dtls (DtlsTransport) builds the WebRTC rules on top of it
// (fingerprint check, deadlines, states, SRTP key split).
//
// No sockets: feed() hands it one received datagram, popOutgoing() yields the datagrams to send,
// one OpenSSL record write per datagram (OpenSSL 3.0 writes one record per datagram, each at
// most `mtu` bytes). BIO_s_mem would merge datagrams into a byte stream and BIO_s_dgram_mem only
// exists from OpenSSL 3.2, hence a small custom BIO that keeps datagram boundaries.
//
// Retransmission timers run on OpenSSL's own clock (gettimeofday): OpenSSL 3.0 offers no way to
// inject time. timeoutRemainingMs() reports what is left; handleTimeout() retransmits when due.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "crypto/crypto.h"
#include "crypto/dtls_context.h"

namespace atrium::crypto {

enum class DtlsRole : uint8_t { kClient, kServer };

// IANA "DTLS-SRTP Protection Profiles" (RFC 5764 §4.1.2, RFC 7714 §14.2).
inline constexpr uint16_t kSrtpAes128CmHmacSha1_80 = 0x0001;
inline constexpr uint16_t kSrtpAeadAes128Gcm = 0x0007;
inline constexpr uint16_t kSrtpAeadAes256Gcm = 0x0008;

struct DtlsSessionOptions {
  DtlsRole role = DtlsRole::kServer;
  // use_srtp profiles in preference order (the server's order decides). Must not be empty.
  std::vector<uint16_t> srtpProfiles{kSrtpAeadAes128Gcm, kSrtpAeadAes256Gcm, kSrtpAes128CmHmacSha1_80};
  // Largest datagram written, DTLS record headers included (at least kMinMtu).
  size_t mtu = 1200;
  // Retransmission backoff: first wait, doubled per timeout up to the cap (mediasoup's values;
  // RFC 6347's 1 s start is slow for interactive media). Both must be over 15 ms.
  uint32_t initialRetransmitMs = 100;
  uint32_t maxRetransmitMs = 4000;
};

enum class DtlsSessionState : uint8_t {
  kHandshaking,
  kEstablished,  // handshake complete; the peer certificate is NOT yet checked (caller's job)
  kPeerClosed,   // close_notify received
  kShutdown,     // we sent close_notify
  kFailed,       // fatal alert sent or received, or too many retransmissions
};

class DtlsSession {
 public:
  struct Impl;  // OpenSSL objects and the datagram pipe (dtls_session.cc)

  static base::Result<std::unique_ptr<DtlsSession>> create(const DtlsContext& context,
                                                           const DtlsSessionOptions& options);
  explicit DtlsSession(std::unique_ptr<Impl> impl);  // only create() can make an Impl
  ~DtlsSession();
  DtlsSession(const DtlsSession&) = delete;
  DtlsSession& operator=(const DtlsSession&) = delete;

  // Client: writes the ClientHello flight. Server: nothing (it waits for the ClientHello).
  void startHandshake();
  // One received datagram (must be at most kMaxDatagramBytes; larger ones are truncated).
  void feed(std::span<const uint8_t> datagram);
  // Retransmits the last flight when OpenSSL's timer has expired; true when it did.
  bool handleTimeout();
  // Milliseconds until handleTimeout() should be called; nullopt when no timer is running.
  std::optional<uint32_t> timeoutRemainingMs() const;

  std::optional<Bytes> popOutgoing();
  // Application data (e.g. SCTP for data channels) after the handshake.
  std::optional<Bytes> popReceived();
  // One record per call; DTLS never splits records, so callers (SCTP) keep data under the MTU.
  bool send(std::span<const uint8_t> data);
  // Sends close_notify (RFC 5246 §7.2.1); the session takes no more input.
  void shutdown();

  DtlsSessionState state() const { return state_; }
  // Why the session failed (OpenSSL's reason), empty otherwise.
  const std::string& error() const { return error_; }

  // Valid once established. `algorithm` is an SDP hash name ("sha-256", "sha-1", "sha-384",
  // "sha-512", "sha-224"); the result is upper-case hex with colons. nullopt: unknown algorithm
  // or no peer certificate.
  std::optional<std::string> peerCertificateFingerprint(std::string_view algorithm) const;
  uint16_t srtpProfile() const;  // negotiated IANA id, 0 when use_srtp was not negotiated
  // The smallest fragment a record protected by the chosen cipher suite can have (explicit nonce
  // or IV + tag or MAC + CBC padding; a lower bound), from the moment the suite is chosen
  // (ServerHello); 0 before. DtlsTransport refuses shorter protected records.
  size_t minProtectedRecordLength() const;
  std::optional<Bytes> exportKeyingMaterial(std::string_view label, size_t length) const;

  // Largest record DTLS 1.2 allows (2^14 + 2048 ciphertext + 13-byte header, RFC 6347 §4.1).
  static constexpr size_t kMaxDatagramBytes = 16384 + 2048 + 13;
  // Smallest MTU: every unfragmentable record (CCS, alerts, an AEAD Finished of 61 bytes) fits.
  static constexpr size_t kMinMtu = 128;

 private:
  void afterIo(int ret, bool handshake);
  void readApplicationData();

  std::unique_ptr<Impl> impl_;
  DtlsSessionState state_ = DtlsSessionState::kHandshaking;
  std::string error_;
};

}  // namespace atrium::crypto
