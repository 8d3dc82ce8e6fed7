#include "srtp/srtp_session.h"

#include <arpa/inet.h>
#include <srtp2/srtp.h>

#include <climits>
#include <cstring>
#include <string>

namespace atrium::srtp {
namespace {

constexpr size_t kRtpHeaderBytes = 12;   // RFC 3550 §5.1 fixed header
constexpr size_t kRtcpHeaderBytes = 8;   // RFC 3550 §6.4.1 header + sender SSRC
constexpr size_t kSrtcpIndexBytes = 4;   // E flag + 31-bit SRTCP index (RFC 3711 §3.4)
// libsrtp takes int lengths; keep far away from overflow when it adds the trailer.
constexpr size_t kMaxPacketBytes = 65536;

bool isVersion2(std::span<const uint8_t> buffer) { return (buffer[0] >> 6) == 2; }

// Static initialisation of a local is thread-safe, so this runs srtp_init exactly once.
srtp_err_status_t initOnce() {
  static const srtp_err_status_t status = srtp_init();
  return status;
}

SrtpStatus fromLibsrtp(srtp_err_status_t status) {
  switch (status) {
    case srtp_err_status_ok: return SrtpStatus::kOk;
    case srtp_err_status_auth_fail: return SrtpStatus::kAuthFailed;
    case srtp_err_status_replay_fail:
    case srtp_err_status_replay_old: return SrtpStatus::kReplayed;
    case srtp_err_status_bad_param:
    case srtp_err_status_parse_err: return SrtpStatus::kMalformed;
    default: return SrtpStatus::kFailed;
  }
}

// libsrtp copies (derives from) the master key during srtp_create, so the buffer is wiped after.
srtp_t makeContext(SrtpProfile profile, std::span<const uint8_t> key, std::span<const uint8_t> salt,
                   srtp_ssrc_type_t direction, std::string& error) {
  srtp_policy_t policy;
  std::memset(&policy, 0, sizeof policy);
  const auto libProfile = static_cast<srtp_profile_t>(profile);
  if (srtp_crypto_policy_set_from_profile_for_rtp(&policy.rtp, libProfile) != srtp_err_status_ok ||
      srtp_crypto_policy_set_from_profile_for_rtcp(&policy.rtcp, libProfile) != srtp_err_status_ok) {
    error = "libsrtp does not support this profile";
    return nullptr;
  }
  unsigned char keyAndSalt[SRTP_MAX_KEY_LEN];
  std::memcpy(keyAndSalt, key.data(), key.size());
  std::memcpy(keyAndSalt + key.size(), salt.data(), salt.size());
  policy.ssrc.type = direction;
  policy.key = keyAndSalt;
  policy.window_size = 0;  // libsrtp's default, 128
  // NACK retransmissions re-send identical packets; the replay check belongs to the receiver.
  policy.allow_repeat_tx = direction == ssrc_any_outbound ? 1 : 0;
  policy.next = nullptr;
  srtp_t context = nullptr;
  const srtp_err_status_t status = srtp_create(&context, &policy);
  explicit_bzero(keyAndSalt, sizeof keyAndSalt);
  if (status != srtp_err_status_ok) {
    error = "srtp_create failed (" + std::to_string(static_cast<int>(status)) + ")";
    return nullptr;
  }
  return context;
}

}  // namespace

size_t masterKeyLength(SrtpProfile profile) { return profile == SrtpProfile::kAeadAes256Gcm ? 32 : 16; }
size_t masterSaltLength(SrtpProfile profile) { return profile == SrtpProfile::kAes128CmHmacSha1_80 ? 14 : 12; }
size_t rtpTrailerBytes(SrtpProfile profile) { return profile == SrtpProfile::kAes128CmHmacSha1_80 ? 10 : 16; }
size_t rtcpTrailerBytes(SrtpProfile profile) { return rtpTrailerBytes(profile) + kSrtcpIndexBytes; }

std::string_view toString(SrtpStatus status) {
  switch (status) {
    case SrtpStatus::kOk: return "ok";
    case SrtpStatus::kMalformed: return "malformed";
    case SrtpStatus::kNoSpace: return "no space for the trailer";
    case SrtpStatus::kAuthFailed: return "authentication failed";
    case SrtpStatus::kReplayed: return "replayed";
    case SrtpStatus::kFailed: return "failed";
  }
  return "?";
}

base::Result<std::unique_ptr<SrtpSession>> SrtpSession::create(SrtpProfile profile,
                                                               std::span<const uint8_t> localKey,
                                                               std::span<const uint8_t> localSalt,
                                                               std::span<const uint8_t> remoteKey,
                                                               std::span<const uint8_t> remoteSalt) {
  if (profile != SrtpProfile::kAes128CmHmacSha1_80 && profile != SrtpProfile::kAeadAes128Gcm &&
      profile != SrtpProfile::kAeadAes256Gcm)
    return base::makeError("SRTP", "unsupported SRTP profile");
  const size_t keyLength = masterKeyLength(profile), saltLength = masterSaltLength(profile);
  if (localKey.size() != keyLength || remoteKey.size() != keyLength || localSalt.size() != saltLength ||
      remoteSalt.size() != saltLength)
    return base::makeError("SRTP", "wrong master key or salt length for the profile");
  if (initOnce() != srtp_err_status_ok) return base::makeError("SRTP", "srtp_init failed");
  std::string error;
  srtp_t outbound = makeContext(profile, localKey, localSalt, ssrc_any_outbound, error);
  if (!outbound) return base::makeError("SRTP", error);
  srtp_t inbound = makeContext(profile, remoteKey, remoteSalt, ssrc_any_inbound, error);
  if (!inbound) {
    srtp_dealloc(outbound);
    return base::makeError("SRTP", error);
  }
  return std::make_unique<SrtpSession>(profile, outbound, inbound);
}

SrtpSession::SrtpSession(SrtpProfile profile, srtp_ctx_t_* outbound, srtp_ctx_t_* inbound)
    : profile_(profile), outbound_(outbound), inbound_(inbound) {}

SrtpSession::~SrtpSession() {
  srtp_dealloc(outbound_);
  srtp_dealloc(inbound_);
}

SrtpStatus SrtpSession::count(SrtpStatus status, uint64_t& okCounter) {
  switch (status) {
    case SrtpStatus::kOk: ++okCounter; break;
    case SrtpStatus::kMalformed: ++counters_.malformed; break;
    case SrtpStatus::kNoSpace: ++counters_.noSpace; break;
    case SrtpStatus::kAuthFailed: ++counters_.authFailed; break;
    case SrtpStatus::kReplayed: ++counters_.replayed; break;
    case SrtpStatus::kFailed: ++counters_.failed; break;
  }
  return status;
}

SrtpStatus SrtpSession::protectRtp(std::span<uint8_t> buffer, size_t& len) {
  if (len < kRtpHeaderBytes || len > buffer.size() || len > kMaxPacketBytes || !isVersion2(buffer))
    return count(SrtpStatus::kMalformed, counters_.protectedRtp);
  if (buffer.size() - len < rtpTrailerBytes(profile_)) return count(SrtpStatus::kNoSpace, counters_.protectedRtp);
  int length = static_cast<int>(len);
  const SrtpStatus status = fromLibsrtp(srtp_protect(outbound_, buffer.data(), &length));
  if (status == SrtpStatus::kOk) len = static_cast<size_t>(length);
  return count(status, counters_.protectedRtp);
}

SrtpStatus SrtpSession::unprotectRtp(std::span<uint8_t> buffer, size_t& len) {
  if (len < kRtpHeaderBytes + rtpTrailerBytes(profile_) || len > buffer.size() || len > kMaxPacketBytes ||
      !isVersion2(buffer))
    return count(SrtpStatus::kMalformed, counters_.unprotectedRtp);
  int length = static_cast<int>(len);
  const SrtpStatus status = fromLibsrtp(srtp_unprotect(inbound_, buffer.data(), &length));
  if (status == SrtpStatus::kOk) len = static_cast<size_t>(length);
  return count(status, counters_.unprotectedRtp);
}

SrtpStatus SrtpSession::protectRtcp(std::span<uint8_t> buffer, size_t& len) {
  if (len < kRtcpHeaderBytes || len > buffer.size() || len > kMaxPacketBytes || !isVersion2(buffer))
    return count(SrtpStatus::kMalformed, counters_.protectedRtcp);
  if (buffer.size() - len < rtcpTrailerBytes(profile_))
    return count(SrtpStatus::kNoSpace, counters_.protectedRtcp);
  int length = static_cast<int>(len);
  const SrtpStatus status = fromLibsrtp(srtp_protect_rtcp(outbound_, buffer.data(), &length));
  if (status == SrtpStatus::kOk) len = static_cast<size_t>(length);
  return count(status, counters_.protectedRtcp);
}

SrtpStatus SrtpSession::unprotectRtcp(std::span<uint8_t> buffer, size_t& len) {
  if (len < kRtcpHeaderBytes + rtcpTrailerBytes(profile_) || len > buffer.size() || len > kMaxPacketBytes ||
      !isVersion2(buffer))
    return count(SrtpStatus::kMalformed, counters_.unprotectedRtcp);
  int length = static_cast<int>(len);
  const SrtpStatus status = fromLibsrtp(srtp_unprotect_rtcp(inbound_, buffer.data(), &length));
  if (status == SrtpStatus::kOk) len = static_cast<size_t>(length);
  return count(status, counters_.unprotectedRtcp);
}

void SrtpSession::removeStream(uint32_t ssrc) {
  // libsrtp keys streams by the SSRC in network byte order.
  const unsigned int networkOrder = htonl(ssrc);
  srtp_remove_stream(outbound_, networkOrder);
  srtp_remove_stream(inbound_, networkOrder);
}

}  // namespace atrium::srtp
