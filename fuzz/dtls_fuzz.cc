// Fuzzes the media plane's crypto input: datagrams into a DtlsTransport (server, or client after
// start) and packets into SrtpSession::unprotectRtp/unprotectRtcp.
//
// Input layout: <mode byte> [<profile byte> for SRTP modes] then datagrams, each prefixed by a
// 16-bit big-endian length (a last datagram shorter than its prefix is the rest of the input).
// mode % 5: 0 = DTLS server, 1 = DTLS client, 2 = SRTP, 3 = SRTCP, 4 = a server and a client that
// completed their handshake, the datagrams going to the connected server: whatever arrives from a
// forger, the session stays connected and still carries data (issue 9).
// The seed corpus (fuzz/corpus/dtls) holds ClientHellos and a client's flights captured from
// dtls_test (ATRIUM_WRITE_DTLS_CORPUS). Any crash, sanitizer report or broken invariant is a bug.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <span>
#include <vector>

#include "crypto/dtls_context.h"
#include "dtls/dtls_transport.h"
#include "srtp/srtp_session.h"

namespace {

using namespace atrium;

void check(bool invariant) {
  if (!invariant) std::abort();
}

std::vector<std::span<const uint8_t>> splitDatagrams(std::span<const uint8_t> rest) {
  std::vector<std::span<const uint8_t>> out;
  while (rest.size() >= 2) {
    const size_t length = std::min<size_t>(static_cast<size_t>(rest[0] << 8 | rest[1]), rest.size() - 2);
    out.push_back(rest.subspan(2, length));
    rest = rest.subspan(2 + length);
  }
  return out;
}

const crypto::DtlsContext& context() {
  static const auto context = crypto::DtlsContext::create("fuzz");
  check(context.ok());
  return **context;
}

void fuzzDtls(dtls::DtlsRole role, std::span<const uint8_t> rest) {
  dtls::DtlsTransportOptions options;
  options.role = role;
  auto transport = dtls::DtlsTransport::create(context(), options);
  check(transport.ok());
  dtls::DtlsTransport& t = **transport;
  check(t.setRemoteFingerprint("sha-256", context().fingerprintSha256(), 0).ok());
  int64_t now = 0;
  if (role == dtls::DtlsRole::kClient) t.start(now);
  uint64_t fed = 0;
  for (auto datagram : splitDatagrams(rest)) {
    t.feed(datagram, now);
    ++fed;
    now += 50;
    t.handleTimeout(now);
    while (t.pollOutgoing()) {
    }
    while (t.pollReceivedData()) {
    }
    const auto& s = t.stats();
    check(s.datagramsIn + s.malformedDropped + s.ignoredDropped + s.refusedDatagrams == fed);
    // Nobody outside can finish a handshake with our key, and none fakes a Finished.
    check(t.state() != dtls::DtlsState::kConnected);
    check(!t.srtpKeys().has_value());
  }
  t.close();
  while (t.pollOutgoing()) {
  }
}

const crypto::DtlsContext& peerContext() {
  static const auto context = crypto::DtlsContext::create("fuzz peer");
  check(context.ok());
  return **context;
}

std::unique_ptr<dtls::DtlsTransport> endpoint(dtls::DtlsRole role) {
  dtls::DtlsTransportOptions options;
  options.role = role;
  auto t = dtls::DtlsTransport::create(role == dtls::DtlsRole::kServer ? context() : peerContext(), options);
  check(t.ok());
  const auto& other = role == dtls::DtlsRole::kServer ? peerContext() : context();
  check((*t)->setRemoteFingerprint("sha-256", other.fingerprintSha256(), 0).ok());
  return std::move(*t);
}

void pass(dtls::DtlsTransport& from, dtls::DtlsTransport& to) {
  while (auto d = from.pollOutgoing()) to.feed(*d, 0);
}

void fuzzConnected(std::span<const uint8_t> rest) {
  auto server = endpoint(dtls::DtlsRole::kServer);
  auto client = endpoint(dtls::DtlsRole::kClient);
  client->start(0);
  for (int i = 0; i < 8; ++i) {
    pass(*client, *server);
    pass(*server, *client);
  }
  check(server->state() == dtls::DtlsState::kConnected && client->state() == dtls::DtlsState::kConnected);
  for (auto datagram : splitDatagrams(rest)) {
    server->feed(datagram, 0);
    check(server->state() == dtls::DtlsState::kConnected);
    while (server->pollOutgoing()) {
    }
    while (server->pollReceivedData()) {
    }
  }
  const std::vector<uint8_t> message{1, 2, 3};
  check(client->sendData(message));
  pass(*client, *server);
  check(server->pollReceivedData() == message);
}

void fuzzSrtp(bool rtcp, uint8_t profileByte, std::span<const uint8_t> rest) {
  static constexpr srtp::SrtpProfile kProfiles[] = {srtp::SrtpProfile::kAes128CmHmacSha1_80,
                                                    srtp::SrtpProfile::kAeadAes128Gcm,
                                                    srtp::SrtpProfile::kAeadAes256Gcm};
  const srtp::SrtpProfile profile = kProfiles[profileByte % 3];
  std::vector<uint8_t> keyA(srtp::masterKeyLength(profile), 0x11), keyB(srtp::masterKeyLength(profile), 0x22);
  std::vector<uint8_t> saltA(srtp::masterSaltLength(profile), 0x33), saltB(srtp::masterSaltLength(profile), 0x44);
  auto receiver = srtp::SrtpSession::create(profile, keyA, saltA, keyB, saltB);
  auto sender = srtp::SrtpSession::create(profile, keyB, saltB, keyA, saltA);
  check(receiver.ok() && sender.ok());
  bool first = true;
  for (auto datagram : splitDatagrams(rest)) {
    // Garbage in: must be refused (forging a tag is out of reach), never crash.
    std::vector<uint8_t> buffer(datagram.begin(), datagram.end());
    buffer.resize(datagram.size() + srtp::kMaxTrailerBytes);
    size_t len = datagram.size();
    const auto status = rtcp ? (*receiver)->unprotectRtcp(buffer, len) : (*receiver)->unprotectRtp(buffer, len);
    check(status != srtp::SrtpStatus::kOk);
    check(len == datagram.size());
    // The same bytes as plaintext: whatever protects must come back unchanged on the other end
    // (checked for the first packet only: later ones may repeat an index and be replays).
    std::memcpy(buffer.data(), datagram.data(), datagram.size());
    len = datagram.size();
    const auto sent = rtcp ? (*sender)->protectRtcp(buffer, len) : (*sender)->protectRtp(buffer, len);
    if (sent != srtp::SrtpStatus::kOk) continue;
    check(len <= datagram.size() + srtp::kMaxTrailerBytes);
    const auto back = rtcp ? (*receiver)->unprotectRtcp(buffer, len) : (*receiver)->unprotectRtp(buffer, len);
    if (first) {
      check(back == srtp::SrtpStatus::kOk);
      check(len == datagram.size() && std::memcmp(buffer.data(), datagram.data(), len) == 0);
    }
    first = false;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const std::span<const uint8_t> input(data, size);
  switch (input[0] % 5) {
    case 0: fuzzDtls(dtls::DtlsRole::kServer, input.subspan(1)); break;
    case 1: fuzzDtls(dtls::DtlsRole::kClient, input.subspan(1)); break;
    case 4: fuzzConnected(input.subspan(1)); break;
    default:
      if (size < 2) return 0;
      fuzzSrtp(input[0] % 5 == 3, input[1], input.subspan(2));
      break;
  }
  return 0;
}
