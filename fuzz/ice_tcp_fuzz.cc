// Fuzzes the ICE-TCP entry point of the media plane (src/transport): the bytes a TCP
// connection delivers, through RFC 4571 deframing, the binding rule and the RFC 7983 demux
// into a real WebRtcTransport (ICE-lite agent, DTLS server, SRTP) — what TcpMediaPort does per
// connection, without the socket.
//
// Input layout: [flags][chunk size] stream...
//   flags bit 0: first feed a correctly framed, correctly signed check (nominating), so the
//                connection is bound and the rest reaches DTLS/SRTP through a bound session
//         bit 1: the decoder's frame limit is 1500 bytes instead of 65535
//         bit 2: a second connection from another endpoint gets the same stream too
//   the stream is fed in chunks of (chunk size % 64) + 1 bytes, each copied into its own
//   buffer, so the decoder's split-frame path and its zero-copy path are both exercised.
// Invariants: a session that reports broken framing stays broken; a session is bound only to
// the one transport, and only after its agent accepted a check; every packet the transport
// sends goes to a connection's endpoint and fits one RFC 4571 frame.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <span>
#include <vector>

#include "ice/ice_test_peer.h"
#include "ice/ice_tcp_framing.h"
#include "transport/ice_tcp_session.h"

namespace {

using namespace atrium;

void check(bool invariant) {
  if (!invariant) std::abort();
}

const ice::Endpoint kFirst = ice::Endpoint::ipv4({127, 0, 0, 1}, 50000);
const ice::Endpoint kSecond = ice::Endpoint::ipv4({127, 0, 0, 1}, 50001);

struct Wire : transport::DatagramSender {
  void sendDatagram(const ice::Endpoint& to, std::span<const uint8_t> bytes) override {
    check(to == kFirst || to == kSecond);
    check(ice::iceTcpLengthPrefix(bytes.size()).has_value());
  }
};

struct Sink : transport::TransportListener {
  void onRtp(transport::WebRtcTransport&, std::span<uint8_t>, int64_t) override {}
  void onRtcp(transport::WebRtcTransport&, std::span<uint8_t>, int64_t) override {}
  void onStateChanged(transport::WebRtcTransport&) override {}
};

crypto::DtlsContext& context() {
  static std::unique_ptr<crypto::DtlsContext> ctx = std::move(crypto::DtlsContext::create("fuzz")).value();
  return *ctx;
}

void feed(transport::IceTcpSession& s, std::span<const uint8_t> stream, size_t chunkSize,
          const transport::UfragTable& ufrags, transport::IceTcpCounters& counters,
          const transport::WebRtcTransport& t) {
  while (!stream.empty()) {
    const size_t n = std::min(chunkSize, stream.size());
    std::vector<uint8_t> chunk(stream.begin(), stream.begin() + static_cast<std::ptrdiff_t>(n));
    const bool wasBroken = s.broken();
    const bool ok = s.onBytes(chunk, ufrags, 1000, counters);
    check(ok == !s.broken());
    check(!(wasBroken && ok));
    // Bound only to the one transport, and only through an accepted check.
    if (s.transport() != nullptr) check(s.transport() == &t && counters.bound > 0 && t.ice().counters().accepted > 0);
    stream = stream.subspan(n);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t flags = data[0];
  const size_t chunkSize = (data[1] % 64) + 1;
  std::span<const uint8_t> stream(data + 2, size - 2);

  Wire udp, tcp;
  Sink sink;
  auto dtls = dtls::DtlsTransport::create(context());
  check(dtls.ok());
  transport::WebRtcTransport t(1, ice::IceLiteAgent(), std::move(*dtls), sink, udp);
  t.setTcpSender(&tcp);
  check(t.setRemoteIce("brwsr", "browserpassword0123456789xy").ok());
  transport::UfragTable ufrags{{t.localIce().ufrag, &t}};
  transport::IceTcpCounters counters;
  const size_t maxFrame = (flags & 2) ? 1500 : ice::kIceTcpMaxFrameBytes;

  transport::IceTcpSession first(kFirst, 0, maxFrame);
  if (flags & 1) {
    auto req = ice::testing::buildCheck({t.localIce().ufrag + ":brwsr", t.localIce().pwd, true});
    std::vector<uint8_t> framed(req.size() + 2);
    check(ice::writeIceTcpFrame(framed, req).has_value());
    check(first.onBytes(framed, ufrags, 1000, counters));
    check(first.transport() == &t);
  }
  feed(first, stream, chunkSize, ufrags, counters, t);
  if (flags & 4) {
    transport::IceTcpSession second(kSecond, 0, maxFrame);
    feed(second, stream, chunkSize, ufrags, counters, t);
  }
  t.close();
  return 0;
}
