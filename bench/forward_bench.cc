// SFU forwarding cost: one incoming 1000-byte VP8 packet fanned out to N subscribers, each copy
// with its header rewritten (SSRC, sequence, timestamp), stored in the subscriber's retransmission
// buffer and SRTP-protected (AEAD_AES_128_GCM, the profile Chrome picks first). No sockets: the
// send step is measured separately (docs/benchmarks.md).
#include <benchmark/benchmark.h>

#include <memory>
#include <vector>

#include "crypto/crypto.h"
#include "sfu/router.h"
#include "srtp/srtp_session.h"

namespace {

using namespace atrium;

struct ProtectingOutput : sfu::PeerOutput {
  std::vector<std::unique_ptr<srtp::SrtpSession>> sessions;  // by peer id
  uint64_t bytes = 0;
  explicit ProtectingOutput(size_t peers, srtp::SrtpProfile profile) {
    sessions.resize(peers + 1);
    for (size_t i = 1; i <= peers; ++i) {
      auto k = crypto::randomBytes(srtp::masterKeyLength(profile));
      auto s = crypto::randomBytes(srtp::masterSaltLength(profile));
      sessions[i] = std::move(srtp::SrtpSession::create(profile, k, s, k, s)).value();
    }
  }
  bool sendRtp(sfu::PeerId peer, std::span<uint8_t> buffer, size_t len) override {
    if (sessions[peer]->protectRtp(buffer, len) != srtp::SrtpStatus::kOk) return false;
    bytes += len;
    return true;
  }
  bool sendRtcp(sfu::PeerId, std::span<uint8_t>, size_t) override { return true; }
};

std::vector<uint8_t> vp8Packet(uint16_t seq, bool keyframe) {
  std::vector<uint8_t> p(1000, 0x42);
  p[0] = 0x80;
  p[1] = 96;
  p[2] = static_cast<uint8_t>(seq >> 8);
  p[3] = static_cast<uint8_t>(seq);
  for (int i = 4; i < 12; ++i) p[i] = 0;  // timestamp 0, SSRC below
  p[8] = 0xAA;  // SSRC 0xAA000001
  p[11] = 0x01;
  p[12] = 0x10;                    // VP8 descriptor: start of partition 0
  p[13] = keyframe ? 0x00 : 0x01;  // P bit clear = keyframe
  return p;
}

void forward(benchmark::State& state, srtp::SrtpProfile profile) {
  const auto subscribers = static_cast<size_t>(state.range(0));
  ProtectingOutput out(subscribers, profile);
  sfu::Router router(out);
  constexpr sfu::PeerId kPublisher = 1'000'000;
  router.addTrack(1, kPublisher, {0xAA000001, 90000, true, rtp::CodecKind::kVp8});
  for (size_t i = 1; i <= subscribers; ++i) router.addDownTrack(1, i, static_cast<uint32_t>(0x1000 + i), 0);
  auto key = vp8Packet(0, true);
  router.onRtp(kPublisher, key, 0);
  uint16_t seq = 1;
  int64_t now = 0;
  std::vector<uint8_t> packet = vp8Packet(seq, false);
  for (auto _ : state) {
    packet[2] = static_cast<uint8_t>(seq >> 8);
    packet[3] = static_cast<uint8_t>(seq);
    router.onRtp(kPublisher, packet, now);
    ++seq;
    if ((seq & 31) == 0) ++now;
  }
  state.counters["forwarded/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * static_cast<double>(subscribers), benchmark::Counter::kIsRate);
  state.counters["ns/copy"] = benchmark::Counter(static_cast<double>(state.iterations()) * static_cast<double>(subscribers),
                                                 benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  if (router.stats().forwarded < static_cast<uint64_t>(state.iterations())) state.SkipWithError("packets were not forwarded");
}

void BM_ForwardGcm128(benchmark::State& s) { forward(s, srtp::SrtpProfile::kAeadAes128Gcm); }
void BM_ForwardAesCm(benchmark::State& s) { forward(s, srtp::SrtpProfile::kAes128CmHmacSha1_80); }
BENCHMARK(BM_ForwardGcm128)->Arg(1)->Arg(10)->Arg(100)->Arg(1000);
BENCHMARK(BM_ForwardAesCm)->Arg(1)->Arg(10)->Arg(100)->Arg(1000);

}  // namespace
