// SrtpSession: SRTP/SRTCP (RFC 3711, AEAD per RFC 7714) for one transport, over libsrtp2. This
// folder is the only one that includes libsrtp.
//
// One session holds both directions: an outbound context keyed with the local (our write) key
// and an inbound one keyed with the remote key, each matching any SSRC (libsrtp's
// ssrc_any_outbound / ssrc_any_inbound templates; at most one wildcard per libsrtp context, hence
// two). Packets are protected and unprotected in place:
//
//   protect:   [ RTP header | payload ]........  →  [ RTP header | encrypted payload | tag ]
//              ^ buffer.data()    len ^ spare ^         (auth tag: 10 bytes AES-CM, 16 GCM;
//                                                         SRTCP adds a 4-byte E|index word)
//
// The caller reserves the trailer space (buffer.size() >= len + rtpTrailerBytes / rtcpTrailerBytes);
// `len` is updated. Nothing here throws or allocates per packet; libsrtp allocates once per new
// SSRC (the stream cloned from the template), only after a packet authenticates. Replay
// protection is libsrtp's (128-packet window for SRTP, RFC 3711 §3.3.2); outbound repeats of the
// same RTP sequence number are allowed so that NACKed packets can be re-sent unchanged.
//
// Single-threaded per session; srtp_init runs once per process (thread-safe).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "base/result.h"

struct srtp_ctx_t_;  // libsrtp's session, opaque here so only srtp/*.cc sees libsrtp headers

namespace atrium::srtp {

// Values are the IANA DTLS-SRTP profile ids (RFC 5764 §4.1.2, RFC 7714 §14.2), the same numbers
// as libsrtp's srtp_profile_t and dtls::SrtpProfile.
enum class SrtpProfile : uint16_t {
  kAes128CmHmacSha1_80 = 0x0001,
  kAeadAes128Gcm = 0x0007,
  kAeadAes256Gcm = 0x0008,
};

size_t masterKeyLength(SrtpProfile profile);   // 16 or 32
size_t masterSaltLength(SrtpProfile profile);  // 14 (AES-CM) or 12 (AEAD)
size_t rtpTrailerBytes(SrtpProfile profile);   // authentication tag
size_t rtcpTrailerBytes(SrtpProfile profile);  // tag + SRTCP index word
// Room to reserve after any packet whatever the profile.
inline constexpr size_t kMaxTrailerBytes = 16 + 4;

enum class SrtpStatus : uint8_t {
  kOk,
  kMalformed,   // too short, not RTP/RTCP version 2, or inconsistent lengths
  kNoSpace,     // the buffer has no room for the trailer (protect)
  kAuthFailed,  // tag mismatch: tampered, wrong key, or garbage
  kReplayed,    // index already seen or older than the replay window
  kFailed,      // any other libsrtp error
};
std::string_view toString(SrtpStatus status);

// Per-session outcome counters (indexed by SrtpStatus), so drops are visible in telemetry.
struct SrtpCounters {
  uint64_t protectedRtp = 0, unprotectedRtp = 0, protectedRtcp = 0, unprotectedRtcp = 0;
  uint64_t malformed = 0, noSpace = 0, authFailed = 0, replayed = 0, failed = 0;
};

class SrtpSession {
 public:
  // Keys and salts must have the profile's lengths; they are copied into libsrtp's key schedule
  // and not kept.
  static base::Result<std::unique_ptr<SrtpSession>> create(SrtpProfile profile,
                                                           std::span<const uint8_t> localKey,
                                                           std::span<const uint8_t> localSalt,
                                                           std::span<const uint8_t> remoteKey,
                                                           std::span<const uint8_t> remoteSalt);
  SrtpSession(SrtpProfile profile, srtp_ctx_t_* outbound, srtp_ctx_t_* inbound);  // create() only
  ~SrtpSession();
  SrtpSession(const SrtpSession&) = delete;
  SrtpSession& operator=(const SrtpSession&) = delete;

  // In place. `len` is the packet length in `buffer`, updated on success; unchanged on failure
  // (the buffer contents are then unspecified).
  SrtpStatus protectRtp(std::span<uint8_t> buffer, size_t& len);
  SrtpStatus unprotectRtp(std::span<uint8_t> buffer, size_t& len);
  SrtpStatus protectRtcp(std::span<uint8_t> buffer, size_t& len);
  SrtpStatus unprotectRtcp(std::span<uint8_t> buffer, size_t& len);

  // Forgets an SSRC's stream state (both directions), e.g. when a track ends, so long sessions
  // do not accumulate streams. Unknown SSRCs are ignored.
  void removeStream(uint32_t ssrc);

  SrtpProfile profile() const { return profile_; }
  const SrtpCounters& counters() const { return counters_; }

 private:
  SrtpStatus count(SrtpStatus status, uint64_t& okCounter);

  SrtpProfile profile_;
  srtp_ctx_t_* outbound_;  // owned (srtp_dealloc)
  srtp_ctx_t_* inbound_;   // owned
  SrtpCounters counters_;
};

}  // namespace atrium::srtp
