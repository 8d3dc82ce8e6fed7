// Fuzzes the RTP packet view, every header-extension helper, RTX and the codec descriptors.
//
// Input layout: <selector byte> <RTP packet>. The selector picks the codec whose descriptor is
// read from the packet's payload (0 opus, 1 vp8, 2 vp9, 3 h264, 4 av1; higher bits choose the
// extension ids the helpers read). Independently of whether the packet parses, the bytes after
// the selector are also fed to every codec parser as a bare payload.
// Invariants (abort on break): sizes add up; setters read back; an in-place rewrite of a
// same-length extension reparses to the same layout; RTX build → decode gives back the
// original (minus padding); PictureID/TL0PICIDX rewrites read back.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <span>
#include <vector>

#include "rtp/codecs/av1.h"
#include "rtp/codecs/codec.h"
#include "rtp/codecs/h264.h"
#include "rtp/codecs/opus.h"
#include "rtp/codecs/vp8.h"
#include "rtp/codecs/vp9.h"
#include "rtp/header_extensions.h"
#include "rtp/rtp_packet.h"
#include "rtp/rtx.h"

namespace {

using namespace atrium::rtp;

void check(bool invariant) {
  if (!invariant) std::abort();
}

constexpr CodecKind kKinds[] = {CodecKind::kOpus, CodecKind::kVp8, CodecKind::kVp9,
                                CodecKind::kH264, CodecKind::kAv1};

void fuzzCodecs(std::span<const uint8_t> payload) {
  for (CodecKind k : kKinds) {
    const auto info = describePayload(k, payload);
    check(isKeyframe(k, payload) == (info && info->keyframe));
  }
  (void)OpusToc::parse(payload);
  (void)H264PayloadInfo::parse(payload);
  (void)Av1PayloadInfo::parse(payload);
  if (const auto d = Vp8Descriptor::parse(payload)) {
    check(d->size < payload.size());
    std::vector<uint8_t> copy(payload.begin(), payload.end());
    check(d->setPictureId(copy, 0x1234) == d->hasPictureId);
    check(d->setTl0PicIdx(copy, 0x56) == d->hasTl0PicIdx);
    const auto e = Vp8Descriptor::parse(copy);
    check(e.has_value() && e->size == d->size && e->tid == d->tid);
    if (d->hasPictureId) check(e->pictureId == (d->pictureId15Bit ? 0x1234 : 0x34));
    if (d->hasTl0PicIdx) check(e->tl0PicIdx == 0x56);
  }
  if (const auto d = Vp9Descriptor::parse(payload)) {
    check(d->size <= payload.size());
    std::vector<uint8_t> copy(payload.begin(), payload.end());
    check(d->setPictureId(copy, 0x1234) == d->hasPictureId);
    check(d->setTl0PicIdx(copy, 0x56) == d->hasTl0PicIdx);
    const auto e = Vp9Descriptor::parse(copy);
    check(e.has_value() && e->size == d->size && e->spatialId == d->spatialId);
    if (d->hasPictureId) check(e->pictureId == (d->pictureId15Bit ? 0x1234 : 0x34));
    if (d->hasTl0PicIdx) check(e->tl0PicIdx == 0x56);
  }
}

void fuzzExtensions(RtpPacket& p, uint8_t selector) {
  p.forEachExtension([&](uint8_t id, std::span<const uint8_t> v) {
    check(id != 0);
    check(p.hasExtension(id));
    (void)v;
  });
  const uint8_t base = static_cast<uint8_t>(1 + (selector >> 3) % 8);
  const ExtensionIds ids{base, uint8_t(base + 1), uint8_t(base + 2), uint8_t(base + 3),
                         uint8_t(base + 4), uint8_t(base + 5)};
  (void)readMid(p, ids.mid);
  (void)readRid(p, ids.rid);
  (void)readRepairedRid(p, ids.repairedRid);
  (void)readAudioLevel(p, ids.audioLevel);
  if (const auto t = readAbsSendTime(p, ids.absSendTime)) {
    check(writeAbsSendTime(p, ids.absSendTime, *t ^ 0x5a5a5a));
    check(readAbsSendTime(p, ids.absSendTime) == ((*t ^ 0x5a5a5a) & 0xffffff));
  }
  if (const auto s = readTransportSeq(p, ids.transportSeq)) {
    check(writeTransportSeq(p, ids.transportSeq, static_cast<uint16_t>(*s + 1)));
    check(readTransportSeq(p, ids.transportSeq) == static_cast<uint16_t>(*s + 1));
  }
  if (const auto mid = readMid(p, ids.mid)) check(writeStringExtension(p, ids.mid, "m"));
  // Same-length rewrite through the generic API, then the layout must be unchanged.
  for (uint8_t id = 1; id < 16; ++id) {
    auto v = p.extension(id);
    if (v.empty()) continue;
    std::vector<uint8_t> flipped(v.begin(), v.end());
    for (auto& b : flipped) b = static_cast<uint8_t>(~b);
    check(p.setExtension(id, flipped));
  }
  const auto again = RtpPacket::parse(p.data());
  check(again.has_value() && again->headerSize() == p.headerSize() &&
        again->paddingSize() == p.paddingSize());
}

void fuzzRtx(const RtpPacket& p) {
  std::vector<uint8_t> rtx(rtxPacketSize(p));
  check(buildRtxPacket(p, rtx, 97, 0xabcdef01, 77) == rtx.size());
  auto r = RtpPacket::parse(rtx);
  check(r.has_value());
  check(rtxOriginalSequenceNumber(*r) == p.sequenceNumber());
  check(r->ssrc() == 0xabcdef01 && r->sequenceNumber() == 77 && r->payloadType() == 97);
  auto back = decodeRtxInPlace(*r, p.payloadType(), p.ssrc());
  check(back.has_value());
  const size_t unpadded = p.size() - p.paddingSize();
  check(back->size() == unpadded);
  check(std::memcmp(back->data().data() + 1, p.data().data() + 1, unpadded - 1) == 0);
  check((back->data()[0] | 0x20) == (p.data()[0] | 0x20));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t selector = data[0];
  std::vector<uint8_t> buf(data + 1, data + size);
  fuzzCodecs(buf);

  (void)RtpPacket::looksLikeRtp(buf);
  auto p = RtpPacket::parse(buf);
  if (!p) return 0;
  check(p->headerSize() + p->payloadSize() + p->paddingSize() == p->size());
  for (size_t i = 0; i < p->csrcCount(); ++i) (void)p->csrc(i);

  const auto payload = p->payload();
  const CodecKind kind = kKinds[selector % std::size(kKinds)];
  (void)isKeyframe(kind, payload);
  fuzzRtx(*p);

  p->setSequenceNumber(static_cast<uint16_t>(p->sequenceNumber() + 1));
  p->setTimestamp(p->timestamp() + 3000);
  p->setSsrc(~p->ssrc());
  p->setMarker(!p->marker());
  const uint8_t pt = p->payloadType();
  p->setPayloadType(static_cast<uint8_t>(pt + 1));
  check(p->payloadType() == ((pt + 1) & 0x7f));
  fuzzExtensions(*p, selector);
  return 0;
}
