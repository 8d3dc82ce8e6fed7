// Fuzzes the SFU router's packet entry points with what authenticated peers could send: RTP with
// arbitrary header extensions (simulcast SSRC learning by mid/rid/repaired-rid, RTX restoration,
// audio levels, transport-wide sequence numbers) and RTCP from both publishers (SRs) and
// subscribers (RRs, NACKs, PLIs, FIRs), interleaved with timer ticks.
//
// Input: a sequence of records [op][len hi][len lo][bytes...]; op's low bits pick the action:
// 0 RTP from the publisher, 1 RTCP from the publisher, 2 RTCP from a subscriber, 3 RTP from a
// subscriber (must be dropped), 4 a tick 50 ms later. Invariant: no crash, no sanitizer report,
// and a subscriber never receives an RTP packet that is not a valid RTP header.
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "rtp/rtp_packet.h"
#include "sfu/router.h"

namespace {

using namespace atrium;

struct Out : sfu::PeerOutput {
  bool sendRtp(sfu::PeerId, std::span<uint8_t> b, size_t n) override {
    if (n > b.size() || !rtp::RtpPacket::parse(b.first(n))) std::abort();
    return true;
  }
  bool sendRtcp(sfu::PeerId, std::span<uint8_t> b, size_t n) override {
    if (n > b.size()) std::abort();
    return true;
  }
};

constexpr sfu::PeerId kPub = 1, kSubA = 2, kSubB = 3;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Out out;
  sfu::Router router(out);
  router.setPublisherExtensions(kPub, {1, 2, 3, 4, 5, 6});
  router.addTrack(1, kPub, {0, 90000, true, rtp::CodecKind::kVp8, 96, 97, 0}, {"0", {"l", "m", "h"}, {}, {}});
  router.addTrack(2, kPub, {0x11111111, 90000, true, rtp::CodecKind::kVp8, 98, 99, 0x22222222});
  router.addTrack(3, kPub, {0x33333333, 48000, false, rtp::CodecKind::kOpus, 111, 0, 0});
  for (sfu::TrackId t : {1, 2, 3}) {
    router.addDownTrack(t, kSubA, 0x5100 + static_cast<uint32_t>(t), 0);
    router.addDownTrack(t, kSubB, 0x5200 + static_cast<uint32_t>(t), 0, 0);
    router.setDownTrackFormat(t, kSubB, 100, 101, 0x5300 + static_cast<uint32_t>(t));
  }
  router.setLossInjection(0, 0);
  int64_t now = 0;
  std::vector<uint8_t> packet;
  while (size >= 3) {
    uint8_t op = data[0] % 5;
    size_t len = std::min<size_t>((size_t{data[1]} << 8 | data[2]), size - 3);
    packet.assign(data + 3, data + 3 + len);  // the router may rewrite RTX in place
    data += 3 + len;
    size -= 3 + len;
    now += 5;
    switch (op) {
      case 0: router.onRtp(kPub, packet, now); break;
      case 1: router.onRtcp(kPub, packet, now); break;
      case 2: router.onRtcp(kSubA, packet, now); break;
      case 3: router.onRtp(kSubB, packet, now); break;
      default: now += 50; router.tick(now); break;
    }
  }
  router.tick(now + 2000);
  (void)router.takeAudioVolume(3, now);
  return 0;
}
