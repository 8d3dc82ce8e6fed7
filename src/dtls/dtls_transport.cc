#include "dtls/dtls_transport.h"

#include <algorithm>
#include <cctype>

#include "dtls/dtls_record.h"

namespace atrium::dtls {
namespace {

// RFC 5705 exporter label for DTLS-SRTP (RFC 5764 §4.2).
constexpr std::string_view kExporterLabel = "EXTRACTOR-dtls_srtp";

// SDP hash names (RFC 8122 §5, IANA "Hash Function Textual Names") we accept, with digest size.
// md2/md5 are excluded on purpose.
std::optional<size_t> digestLength(std::string_view algorithm) {
  if (algorithm == "sha-1") return 20;
  if (algorithm == "sha-224") return 28;
  if (algorithm == "sha-256") return 32;
  if (algorithm == "sha-384") return 48;
  if (algorithm == "sha-512") return 64;
  return std::nullopt;
}

// "ab:CD:..." → "AB:CD:..." when it is exactly `bytes` colon-separated hex pairs.
std::optional<std::string> normalizeFingerprint(std::string_view hex, size_t bytes) {
  if (hex.size() != bytes * 3 - 1) return std::nullopt;
  std::string out(hex);
  for (size_t i = 0; i < out.size(); ++i) {
    const bool separator = i % 3 == 2;
    const auto c = static_cast<unsigned char>(out[i]);
    if (separator ? c != ':' : !std::isxdigit(c)) return std::nullopt;
    out[i] = static_cast<char>(std::toupper(c));
  }
  return out;
}

bool isSupported(uint16_t id) {
  return id == crypto::kSrtpAes128CmHmacSha1_80 || id == crypto::kSrtpAeadAes128Gcm ||
         id == crypto::kSrtpAeadAes256Gcm;
}

}  // namespace

std::string_view toString(DtlsState state) {
  switch (state) {
    case DtlsState::kNew: return "new";
    case DtlsState::kConnecting: return "connecting";
    case DtlsState::kConnected: return "connected";
    case DtlsState::kFailed: return "failed";
    case DtlsState::kClosed: return "closed";
  }
  return "?";
}

std::string_view toString(SrtpProfile profile) {
  switch (profile) {
    case SrtpProfile::kAes128CmHmacSha1_80: return "SRTP_AES128_CM_HMAC_SHA1_80";
    case SrtpProfile::kAeadAes128Gcm: return "SRTP_AEAD_AES_128_GCM";
    case SrtpProfile::kAeadAes256Gcm: return "SRTP_AEAD_AES_256_GCM";
  }
  return "?";
}

size_t srtpMasterKeyLength(SrtpProfile profile) { return profile == SrtpProfile::kAeadAes256Gcm ? 32 : 16; }
size_t srtpMasterSaltLength(SrtpProfile profile) {
  return profile == SrtpProfile::kAes128CmHmacSha1_80 ? 14 : 12;
}

base::Result<std::unique_ptr<DtlsTransport>> DtlsTransport::create(const crypto::DtlsContext& context,
                                                                   DtlsTransportOptions options) {
  if (options.handshakeTimeoutMs <= 0) return base::makeError("DTLS", "handshake timeout must be positive");
  crypto::DtlsSessionOptions sessionOptions;
  sessionOptions.role = options.role;
  sessionOptions.srtpProfiles.clear();
  for (SrtpProfile p : options.srtpProfiles) sessionOptions.srtpProfiles.push_back(static_cast<uint16_t>(p));
  sessionOptions.mtu = options.mtu;
  sessionOptions.initialRetransmitMs = options.initialRetransmitMs;
  sessionOptions.maxRetransmitMs = options.maxRetransmitMs;
  auto session = crypto::DtlsSession::create(context, sessionOptions);
  if (!session) return session.error();
  return std::make_unique<DtlsTransport>(std::move(*session), std::move(options));
}

DtlsTransport::DtlsTransport(std::unique_ptr<crypto::DtlsSession> session, DtlsTransportOptions options)
    : session_(std::move(session)), options_(std::move(options)) {}

void DtlsTransport::start(int64_t nowMs) {
  if (state_ != DtlsState::kNew) return;
  state_ = DtlsState::kConnecting;
  handshakeDeadlineMs_ = nowMs + options_.handshakeTimeoutMs;
  session_->startHandshake();
  sync(nowMs);
}

DtlsState DtlsTransport::feed(std::span<const uint8_t> datagram, int64_t nowMs) {
  if (datagram.size() > crypto::DtlsSession::kMaxDatagramBytes || !isWellFramedDtlsDatagram(datagram)) {
    ++stats_.malformedDropped;
    return state_;
  }
  // A client that has not started has sent nothing a peer could answer.
  if (state_ == DtlsState::kFailed || state_ == DtlsState::kClosed ||
      (state_ == DtlsState::kNew && options_.role == DtlsRole::kClient)) {
    ++stats_.ignoredDropped;
    return state_;
  }
  if (state_ == DtlsState::kNew) start(nowMs);
  const auto admitted = screen(datagram);
  if (admitted.empty()) {
    ++stats_.refusedDatagrams;
    return state_;
  }
  ++stats_.datagramsIn;
  session_->feed(admitted);
  sync(nowMs);
  return state_;
}

std::span<const uint8_t> DtlsTransport::screen(std::span<const uint8_t> datagram) {
  const RecordPolicy policy{session_->state() == crypto::DtlsSessionState::kEstablished,
                            session_->minProtectedRecordLength()};
  // Walks the records of a datagram already known to be well framed.
  auto forEachRecord = [datagram](auto&& visit) {
    for (auto rest = datagram; !rest.empty();) {
      const auto header = DtlsRecordHeader::parse(rest);
      const size_t size = DtlsRecordHeader::kSize + header->length;
      visit(*header, rest.first(size));
      rest = rest.subspan(size);
    }
  };
  uint64_t refused = 0;
  forEachRecord([&](const DtlsRecordHeader& h, auto) { refused += screenRecord(h, policy) != RecordVerdict::kPass; });
  if (refused == 0) return datagram;
  stats_.refusedRecords += refused;
  screened_.clear();
  forEachRecord([&](const DtlsRecordHeader& h, std::span<const uint8_t> record) {
    if (screenRecord(h, policy) == RecordVerdict::kPass) screened_.insert(screened_.end(), record.begin(), record.end());
  });
  return screened_;
}

std::optional<Bytes> DtlsTransport::pollOutgoing() {
  auto datagram = session_->popOutgoing();
  if (datagram) ++stats_.datagramsOut;
  return datagram;
}

std::optional<int64_t> DtlsTransport::nextTimeoutMs() const {
  if (state_ == DtlsState::kConnecting) {
    return retransmitAtMs_ ? std::min(*retransmitAtMs_, handshakeDeadlineMs_) : handshakeDeadlineMs_;
  }
  if (state_ == DtlsState::kConnected) return retransmitAtMs_;
  return std::nullopt;
}

DtlsState DtlsTransport::handleTimeout(int64_t nowMs) {
  if (state_ != DtlsState::kConnecting && state_ != DtlsState::kConnected) return state_;
  // OpenSSL decides on its own clock whether the flight is due; calling early is a no-op.
  if (session_->handleTimeout()) ++stats_.retransmissions;
  sync(nowMs);
  return state_;
}

void DtlsTransport::sync(int64_t nowMs) {
  switch (session_->state()) {
    case crypto::DtlsSessionState::kFailed:
      fail(session_->error());
      break;
    case crypto::DtlsSessionState::kPeerClosed:
      if (state_ == DtlsState::kConnecting || state_ == DtlsState::kConnected) state_ = DtlsState::kClosed;
      break;
    case crypto::DtlsSessionState::kEstablished:
      if (state_ == DtlsState::kConnecting) completeHandshake();
      break;
    case crypto::DtlsSessionState::kHandshaking:
    case crypto::DtlsSessionState::kShutdown:
      break;
  }
  if (state_ == DtlsState::kConnecting && nowMs >= handshakeDeadlineMs_) fail("DTLS handshake timed out");
  retransmitAtMs_.reset();
  if (state_ == DtlsState::kConnecting || state_ == DtlsState::kConnected) {
    if (auto left = session_->timeoutRemainingMs()) retransmitAtMs_ = nowMs + *left;
  }
}

void DtlsTransport::completeHandshake() {
  if (remoteFingerprint_.empty()) return;  // the SDP has not arrived yet: stay connecting
  auto actual = session_->peerCertificateFingerprint(remoteAlgorithm_);
  if (!actual || *actual != remoteFingerprint_) {
    session_->shutdown();  // close_notify tells the peer at once instead of after its timeout
    fail("remote certificate does not match the SDP fingerprint");
    return;
  }
  const uint16_t id = session_->srtpProfile();
  if (!isSupported(id)) {
    fail("no SRTP protection profile negotiated");
    return;
  }
  SrtpKeyMaterial keys;
  keys.profile = static_cast<SrtpProfile>(id);
  const size_t keyLength = srtpMasterKeyLength(keys.profile);
  const size_t saltLength = srtpMasterSaltLength(keys.profile);
  auto material = session_->exportKeyingMaterial(kExporterLabel, 2 * (keyLength + saltLength));
  if (!material) {
    fail("keying material export failed");
    return;
  }
  auto at = material->begin();
  auto take = [&at](size_t n) {
    Bytes part(at, at + static_cast<ptrdiff_t>(n));
    at += static_cast<ptrdiff_t>(n);
    return part;
  };
  keys.clientKey = take(keyLength);
  keys.serverKey = take(keyLength);
  keys.clientSalt = take(saltLength);
  keys.serverSalt = take(saltLength);
  std::fill(material->begin(), material->end(), uint8_t{0});
  keys_ = std::move(keys);
  state_ = DtlsState::kConnected;
}

void DtlsTransport::fail(std::string reason) {
  if (state_ == DtlsState::kFailed) return;
  state_ = DtlsState::kFailed;
  failureReason_ = std::move(reason);
  retransmitAtMs_.reset();
}

base::Status DtlsTransport::setRemoteFingerprint(std::string_view algorithm, std::string_view hex, int64_t nowMs) {
  std::string alg(algorithm);
  std::transform(alg.begin(), alg.end(), alg.begin(), [](unsigned char c) { return std::tolower(c); });
  auto length = digestLength(alg);
  if (!length) return base::makeError("DTLS_FINGERPRINT", "unsupported fingerprint algorithm");
  auto normalized = normalizeFingerprint(hex, *length);
  if (!normalized) return base::makeError("DTLS_FINGERPRINT", "malformed fingerprint");
  if (state_ == DtlsState::kConnected && (alg != remoteAlgorithm_ || *normalized != remoteFingerprint_))
    return base::makeError("DTLS_FINGERPRINT", "a connected transport cannot change its remote fingerprint");
  remoteAlgorithm_ = std::move(alg);
  remoteFingerprint_ = std::move(*normalized);
  if (state_ == DtlsState::kConnecting) sync(nowMs);  // completes a handshake that waited for it
  return base::Ok{};
}

void DtlsTransport::close() {
  if (state_ == DtlsState::kFailed || state_ == DtlsState::kClosed) return;
  session_->shutdown();
  state_ = DtlsState::kClosed;
  retransmitAtMs_.reset();
}

bool DtlsTransport::sendData(std::span<const uint8_t> data) {
  if (state_ != DtlsState::kConnected) return false;
  if (session_->send(data)) return true;
  if (session_->state() == crypto::DtlsSessionState::kFailed) fail(session_->error());
  return false;
}

std::optional<Bytes> DtlsTransport::pollReceivedData() {
  // Data from a peer whose certificate is not yet checked stays queued (and dies with a mismatch).
  if (state_ != DtlsState::kConnected) return std::nullopt;
  return session_->popReceived();
}

}  // namespace atrium::dtls
