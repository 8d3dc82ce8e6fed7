// SRTP cost per packet for each profile: protect / unprotect of a 1000-byte RTP packet (the
// packet-life floor in docs: one protect per subscriber per packet), and RTCP protect.
// Run pinned: taskset -c 1 ./bench/bench_srtp
#include <benchmark/benchmark.h>

#include <memory>
#include <vector>

#include "srtp/srtp_session.h"

namespace {

using atrium::srtp::SrtpProfile;
using atrium::srtp::SrtpSession;
using atrium::srtp::SrtpStatus;

constexpr size_t kPacketBytes = 1000;  // RTP header (12) + payload

std::unique_ptr<SrtpSession> makeSession(SrtpProfile profile, bool mirrored) {
  std::vector<uint8_t> a(atrium::srtp::masterKeyLength(profile), 0xA5), b(a.size(), 0x5A);
  std::vector<uint8_t> sa(atrium::srtp::masterSaltLength(profile), 0x0F), sb(sa.size(), 0xF0);
  auto s = mirrored ? SrtpSession::create(profile, b, sb, a, sa) : SrtpSession::create(profile, a, sa, b, sb);
  return std::move(*s);
}

std::vector<uint8_t> rtpPacket(uint16_t seq) {
  std::vector<uint8_t> p(kPacketBytes + atrium::srtp::kMaxTrailerBytes, 0x42);
  const uint8_t header[12] = {0x80, 96, static_cast<uint8_t>(seq >> 8), static_cast<uint8_t>(seq), 0, 0, 0, 1,
                              0x12, 0x34, 0x56, 0x78};
  std::copy(std::begin(header), std::end(header), p.begin());
  return p;
}

void protectRtp(benchmark::State& state, SrtpProfile profile) {
  auto session = makeSession(profile, false);
  auto packet = rtpPacket(0);
  uint16_t seq = 0;
  for (auto _ : state) {
    ++seq;
    packet[2] = static_cast<uint8_t>(seq >> 8);
    packet[3] = static_cast<uint8_t>(seq);
    size_t len = kPacketBytes;
    const SrtpStatus status = session->protectRtp(packet, len);
    benchmark::DoNotOptimize(status);
    benchmark::DoNotOptimize(packet.data());
    if (status != SrtpStatus::kOk) state.SkipWithError("protect failed");
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(kPacketBytes));
}

void unprotectRtp(benchmark::State& state, SrtpProfile profile) {
  // Unprotect consumes each index once (replay protection), so protect a batch up front and
  // start a fresh receiver whenever the batch is used up.
  constexpr size_t kBatch = 4096;
  auto sender = makeSession(profile, false);
  std::vector<std::vector<uint8_t>> wire;
  std::vector<size_t> lengths;
  for (uint16_t seq = 1; seq <= kBatch; ++seq) {
    wire.push_back(rtpPacket(seq));
    size_t len = kPacketBytes;
    if (sender->protectRtp(wire.back(), len) != SrtpStatus::kOk) state.SkipWithError("protect failed");
    lengths.push_back(len);
  }
  auto work = wire;
  auto receiver = makeSession(profile, true);
  size_t next = 0;
  for (auto _ : state) {
    if (next == kBatch) {
      state.PauseTiming();
      work = wire;
      receiver = makeSession(profile, true);
      next = 0;
      state.ResumeTiming();
    }
    size_t len = lengths[next];
    const SrtpStatus status = receiver->unprotectRtp(work[next], len);
    benchmark::DoNotOptimize(status);
    if (status != SrtpStatus::kOk) state.SkipWithError("unprotect failed");
    ++next;
  }
  state.SetItemsProcessed(state.iterations());
}

void protectRtcp(benchmark::State& state, SrtpProfile profile) {
  auto session = makeSession(profile, false);
  std::vector<uint8_t> packet(32 + atrium::srtp::kMaxTrailerBytes, 0x11);
  packet[0] = 0x81;
  packet[1] = 201;
  packet[3] = 7;
  for (auto _ : state) {
    size_t len = 32;
    const SrtpStatus status = session->protectRtcp(packet, len);
    benchmark::DoNotOptimize(status);
    if (status != SrtpStatus::kOk) state.SkipWithError("protect failed");
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK_CAPTURE(protectRtp, AES_CM_128_HMAC_SHA1_80, SrtpProfile::kAes128CmHmacSha1_80);
BENCHMARK_CAPTURE(protectRtp, AEAD_AES_128_GCM, SrtpProfile::kAeadAes128Gcm);
BENCHMARK_CAPTURE(protectRtp, AEAD_AES_256_GCM, SrtpProfile::kAeadAes256Gcm);
BENCHMARK_CAPTURE(unprotectRtp, AES_CM_128_HMAC_SHA1_80, SrtpProfile::kAes128CmHmacSha1_80);
BENCHMARK_CAPTURE(unprotectRtp, AEAD_AES_128_GCM, SrtpProfile::kAeadAes128Gcm);
BENCHMARK_CAPTURE(unprotectRtp, AEAD_AES_256_GCM, SrtpProfile::kAeadAes256Gcm);
BENCHMARK_CAPTURE(protectRtcp, AES_CM_128_HMAC_SHA1_80, SrtpProfile::kAes128CmHmacSha1_80);
BENCHMARK_CAPTURE(protectRtcp, AEAD_AES_128_GCM, SrtpProfile::kAeadAes128Gcm);

}  // namespace
