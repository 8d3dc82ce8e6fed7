#include "crypto/dtls_session.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/time.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <deque>
#include <cctype>

namespace atrium::crypto {

struct DtlsSession::Impl {
  ~Impl() { SSL_free(ssl); }  // frees the BIO too

  SSL* ssl = nullptr;
  DtlsSessionOptions options;
  // The datagram pipe the BIO reads from and writes to.
  std::span<const uint8_t> inbound;  // valid only during feed()
  bool inboundPending = false;
  std::deque<Bytes> outbound;
  std::deque<Bytes> received;
  std::array<uint8_t, kMaxDatagramBytes> readBuffer{};
  long mtuOverhead = 0;  // see create()
};

namespace {

using Impl = DtlsSession::Impl;

// Application data nobody collects must not grow without bound.
constexpr size_t kMaxReceivedQueue = 1024;
// AES-GCM record expansion in DTLS 1.2: 8-byte explicit nonce + 16-byte tag (RFC 5288 §3).
constexpr long kAeadExpansion = 24;

int pipeWrite(BIO* bio, const char* data, int length) {
  BIO_clear_retry_flags(bio);
  if (length <= 0) return 0;
  auto* impl = static_cast<Impl*>(BIO_get_data(bio));
  const auto* bytes = reinterpret_cast<const uint8_t*>(data);
  impl->outbound.emplace_back(bytes, bytes + length);
  return length;
}

// Datagram semantics: one read returns one whole datagram (truncated to the buffer, like recv).
int pipeRead(BIO* bio, char* out, int size) {
  BIO_clear_retry_flags(bio);
  auto* impl = static_cast<Impl*>(BIO_get_data(bio));
  if (!impl->inboundPending) {
    BIO_set_retry_read(bio);
    return -1;
  }
  impl->inboundPending = false;
  const size_t n = std::min(static_cast<size_t>(std::max(size, 0)), impl->inbound.size());
  if (n > 0) std::memcpy(out, impl->inbound.data(), n);
  return static_cast<int>(n);
}

long pipeCtrl(BIO* bio, int command, long /*larg*/, void* /*parg*/) {
  switch (command) {
    case BIO_CTRL_FLUSH:
      return 1;
    case BIO_CTRL_DGRAM_GET_MTU_OVERHEAD:
      return static_cast<Impl*>(BIO_get_data(bio))->mtuOverhead;
    // Everything else (MTU queries, peer address, pending bytes, timeouts) has no meaning for
    // a pipe; 0 is what OpenSSL expects for "not supported".
    default:
      return 0;
  }
}

int pipeCreate(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

BIO_METHOD* pipeMethod() {
  static BIO_METHOD* method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "atrium datagram pipe");
    BIO_meth_set_write(m, pipeWrite);
    BIO_meth_set_read(m, pipeRead);
    BIO_meth_set_ctrl(m, pipeCtrl);
    BIO_meth_set_create(m, pipeCreate);
    return m;  // lives for the process
  }();
  return method;
}

// OpenSSL asks for each retransmission wait: 0 means "first flight".
unsigned int retransmitTimerUs(SSL* ssl, unsigned int previousUs) {
  const auto* impl = static_cast<const Impl*>(SSL_get_app_data(ssl));
  const uint64_t initialUs = uint64_t{impl->options.initialRetransmitMs} * 1000;
  const uint64_t capUs = std::max<uint64_t>(initialUs, uint64_t{impl->options.maxRetransmitMs} * 1000);
  const uint64_t next = previousUs == 0 ? initialUs : std::min<uint64_t>(uint64_t{previousUs} * 2, capUs);
  return static_cast<unsigned int>(std::min<uint64_t>(next, UINT32_MAX));
}

const char* profileName(uint16_t id) {
  switch (id) {
    case kSrtpAes128CmHmacSha1_80: return "SRTP_AES128_CM_SHA1_80";
    case kSrtpAeadAes128Gcm: return "SRTP_AEAD_AES_128_GCM";
    case kSrtpAeadAes256Gcm: return "SRTP_AEAD_AES_256_GCM";
    default: return nullptr;
  }
}

const EVP_MD* digestByName(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (lower == "sha-1") return EVP_sha1();
  if (lower == "sha-224") return EVP_sha224();
  if (lower == "sha-256") return EVP_sha256();
  if (lower == "sha-384") return EVP_sha384();
  if (lower == "sha-512") return EVP_sha512();
  return nullptr;  // md5/md2 are not acceptable (RFC 8122 §5)
}

std::string drainErrors() {
  std::string text;
  while (unsigned long code = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof buffer);
    if (!text.empty()) text += "; ";
    text += buffer;
  }
  return text.empty() ? "DTLS error" : text;
}

base::Error fail(const std::string& what) { return base::makeError("DTLS_SESSION", "DTLS session: " + what); }

}  // namespace

base::Result<std::unique_ptr<DtlsSession>> DtlsSession::create(const DtlsContext& context,
                                                               const DtlsSessionOptions& options) {
  std::string profiles;
  for (uint16_t id : options.srtpProfiles) {
    const char* name = profileName(id);
    if (!name) return fail("unsupported SRTP profile " + std::to_string(id));
    if (!profiles.empty()) profiles += ':';
    profiles += name;
  }
  if (profiles.empty()) return fail("no SRTP profile");
  // OpenSSL counts a timer with under 15 ms left as expired, so a shorter one would retransmit in
  // a loop inside a single call until it gives up.
  if (options.initialRetransmitMs <= 15 || options.maxRetransmitMs < options.initialRetransmitMs)
    return fail("retransmission timeouts must be over 15 ms, and max at least initial");
  if (options.mtu < kMinMtu || options.mtu > kMaxDatagramBytes) return fail("MTU out of range");

  auto impl = std::make_unique<Impl>();
  impl->options = options;
  // OpenSSL 3.0 sizes handshake fragments counting MAC and CBC padding but not an AEAD suite's
  // explicit nonce and tag, so encrypted handshake records would overshoot by 24 bytes: tell it
  // that much less. It also refuses link MTUs under 256 bytes, and takes the datagram size as the
  // link MTU minus the BIO's per-datagram overhead. Our datagrams carry no overhead (the caller
  // adds UDP/IP), so the overhead it is told only serves to admit small MTUs -- which nothing
  // needs in production, but which lets tests make OpenSSL fragment its ~180-byte ClientHello the
  // way Chrome's 1.4 KB one arrives.
  const long opensslMtu = static_cast<long>(options.mtu) - kAeadExpansion;
  impl->mtuOverhead = opensslMtu < 256 ? 256 - opensslMtu : 0;
  ERR_clear_error();
  impl->ssl = SSL_new(context.native());
  if (!impl->ssl) return fail("SSL_new: " + drainErrors());
  BIO* bio = BIO_new(pipeMethod());
  if (!bio) return fail("BIO_new: " + drainErrors());
  BIO_set_data(bio, impl.get());
  SSL_set_bio(impl->ssl, bio, bio);  // one reference, owned by the SSL from here on
  SSL_set_app_data(impl->ssl, impl.get());
  // Note the inverted convention: SSL_set_tlsext_use_srtp returns 0 on success.
  if (SSL_set_tlsext_use_srtp(impl->ssl, profiles.c_str()) != 0) return fail("use_srtp: " + drainErrors());
  if (DTLS_set_link_mtu(impl->ssl, opensslMtu + impl->mtuOverhead) != 1)
    return fail("MTU refused");
  DTLS_set_timer_cb(impl->ssl, retransmitTimerUs);
  if (options.role == DtlsRole::kClient) {
    SSL_set_connect_state(impl->ssl);
  } else {
    SSL_set_accept_state(impl->ssl);
  }
  return std::make_unique<DtlsSession>(std::move(impl));
}

DtlsSession::DtlsSession(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DtlsSession::~DtlsSession() = default;

void DtlsSession::startHandshake() {
  if (state_ != DtlsSessionState::kHandshaking || impl_->options.role != DtlsRole::kClient) return;
  ERR_clear_error();
  afterIo(SSL_do_handshake(impl_->ssl), true);
}

void DtlsSession::feed(std::span<const uint8_t> datagram) {
  if (state_ != DtlsSessionState::kHandshaking && state_ != DtlsSessionState::kEstablished) return;
  impl_->inbound = datagram;
  impl_->inboundPending = true;
  if (state_ == DtlsSessionState::kHandshaking) {
    ERR_clear_error();
    afterIo(SSL_do_handshake(impl_->ssl), true);
  }
  // Also right after the handshake completes: the same datagram may carry more records.
  if (state_ == DtlsSessionState::kEstablished) readApplicationData();
  impl_->inboundPending = false;
  impl_->inbound = {};
}

void DtlsSession::readApplicationData() {
  for (;;) {
    ERR_clear_error();
    const int n = SSL_read(impl_->ssl, impl_->readBuffer.data(), static_cast<int>(impl_->readBuffer.size()));
    if (n <= 0) {
      afterIo(n, false);
      return;
    }
    if (impl_->received.size() < kMaxReceivedQueue)
      impl_->received.emplace_back(impl_->readBuffer.begin(), impl_->readBuffer.begin() + n);
  }
}

void DtlsSession::afterIo(int ret, bool handshake) {
  if (ret == 1 && handshake) {
    state_ = DtlsSessionState::kEstablished;
    return;
  }
  switch (SSL_get_error(impl_->ssl, ret)) {
    case SSL_ERROR_NONE:
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
      return;
    case SSL_ERROR_ZERO_RETURN:
      state_ = DtlsSessionState::kPeerClosed;
      return;
    default:
      state_ = DtlsSessionState::kFailed;
      error_ = drainErrors();
      return;
  }
}

bool DtlsSession::handleTimeout() {
  if (state_ != DtlsSessionState::kHandshaking && state_ != DtlsSessionState::kEstablished) return false;
  ERR_clear_error();
  const int ret = DTLSv1_handle_timeout(impl_->ssl);
  if (ret < 0) {
    state_ = DtlsSessionState::kFailed;
    error_ = drainErrors();
    return false;
  }
  return ret > 0;
}

std::optional<uint32_t> DtlsSession::timeoutRemainingMs() const {
  if (state_ != DtlsSessionState::kHandshaking && state_ != DtlsSessionState::kEstablished) return std::nullopt;
  timeval left{};
  if (DTLSv1_get_timeout(impl_->ssl, &left) != 1) return std::nullopt;
  // Round up: waking a little late costs nothing, waking early means a second wake-up.
  const int64_t ms = int64_t{left.tv_sec} * 1000 + (left.tv_usec + 999) / 1000;
  return static_cast<uint32_t>(std::clamp<int64_t>(ms, 0, UINT32_MAX));
}

std::optional<Bytes> DtlsSession::popOutgoing() {
  if (impl_->outbound.empty()) return std::nullopt;
  Bytes datagram = std::move(impl_->outbound.front());
  impl_->outbound.pop_front();
  return datagram;
}

std::optional<Bytes> DtlsSession::popReceived() {
  if (impl_->received.empty()) return std::nullopt;
  Bytes data = std::move(impl_->received.front());
  impl_->received.pop_front();
  return data;
}

bool DtlsSession::send(std::span<const uint8_t> data) {
  if (state_ != DtlsSessionState::kEstablished || data.empty() || data.size() > 16384) return false;
  ERR_clear_error();
  const int n = SSL_write(impl_->ssl, data.data(), static_cast<int>(data.size()));
  if (n > 0) return true;
  afterIo(n, false);
  return false;
}

void DtlsSession::shutdown() {
  if (state_ == DtlsSessionState::kEstablished) {
    ERR_clear_error();
    SSL_shutdown(impl_->ssl);  // writes close_notify; we do not wait for the peer's
    ERR_clear_error();
  }
  if (state_ == DtlsSessionState::kHandshaking || state_ == DtlsSessionState::kEstablished)
    state_ = DtlsSessionState::kShutdown;
}

std::optional<std::string> DtlsSession::peerCertificateFingerprint(std::string_view algorithm) const {
  const EVP_MD* md = digestByName(algorithm);
  X509* peer = SSL_get0_peer_certificate(impl_->ssl);
  if (!md || !peer) return std::nullopt;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (X509_digest(peer, md, digest, &length) != 1) return std::nullopt;
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string text;
  for (unsigned int i = 0; i < length; ++i) {
    if (i) text += ':';
    text += kHex[digest[i] >> 4];
    text += kHex[digest[i] & 15];
  }
  return text;
}

uint16_t DtlsSession::srtpProfile() const {
  const SRTP_PROTECTION_PROFILE* profile = SSL_get_selected_srtp_profile(impl_->ssl);
  return profile ? static_cast<uint16_t>(profile->id) : 0;
}

size_t DtlsSession::minProtectedRecordLength() const {
  const SSL_CIPHER* suite = SSL_get_pending_cipher(impl_->ssl);
  if (!suite) suite = SSL_get_current_cipher(impl_->ssl);
  if (!suite) return 0;
  const EVP_CIPHER* cipher = EVP_get_cipherbynid(SSL_CIPHER_get_cipher_nid(suite));
  // Every suite in our list has a known cipher; were one unknown, 1 keeps its records flowing.
  if (!cipher) return 1;
  if (SSL_CIPHER_is_aead(suite)) {
    // GCM (and CCM) send an 8-byte explicit nonce before the tag; ChaCha20-Poly1305 has none.
    const int mode = EVP_CIPHER_get_mode(cipher);
    const bool explicitNonce = mode == EVP_CIPH_GCM_MODE || mode == EVP_CIPH_CCM_MODE;
    return (explicitNonce ? EVP_GCM_TLS_EXPLICIT_IV_LEN : 0) + EVP_GCM_TLS_TAG_LEN;
  }
  // CBC: explicit IV, then at least one block holding the MAC and a padding byte (mac-then-
  // encrypt; encrypt-then-MAC records are longer still).
  const EVP_MD* mac = EVP_get_digestbynid(SSL_CIPHER_get_digest_nid(suite));
  const size_t block = static_cast<size_t>(std::max(EVP_CIPHER_get_block_size(cipher), 1));
  const size_t macSize = mac ? static_cast<size_t>(EVP_MD_get_size(mac)) : 0;
  return static_cast<size_t>(EVP_CIPHER_get_iv_length(cipher)) + (macSize + 1 + block - 1) / block * block;
}

std::optional<Bytes> DtlsSession::exportKeyingMaterial(std::string_view label, size_t length) const {
  if (state_ != DtlsSessionState::kEstablished) return std::nullopt;
  Bytes out(length);
  if (SSL_export_keying_material(impl_->ssl, out.data(), out.size(), label.data(), label.size(), nullptr, 0, 0) != 1)
    return std::nullopt;
  return out;
}

}  // namespace atrium::crypto
