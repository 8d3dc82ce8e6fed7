#include "rtp/rtcp/rtcp_transport_feedback.h"

#include <algorithm>

#include "rtp/byte_io.h"

namespace atrium::rtp {

using twcc_detail::chunkCapacity;
using twcc_detail::chunkSymbol;

std::optional<RtcpTransportFeedback> RtcpTransportFeedback::parse(
    std::span<const uint8_t> data) {
  const auto fb = RtcpFeedback::parse(data, kRtcpRtpfb, kRtpfbTransportCc);
  if (!fb) return std::nullopt;
  const auto fci = fb->fci();
  if (fci.size() < kFciFixedSize) return std::nullopt;
  uint32_t remaining = readU16(&fci[2]);
  if (remaining == 0) return std::nullopt;  // libwebrtc rejects empty feedback too
  size_t off = kFciFixedSize;
  size_t deltaBytes = 0;
  size_t received = 0;
  while (remaining > 0) {
    if (off + 2 > fci.size()) return std::nullopt;
    const uint16_t chunk = readU16(&fci[off]);
    off += 2;
    const uint32_t n = std::min<uint32_t>(chunkCapacity(chunk), remaining);
    if ((chunk & 0x8000) == 0) {
      const uint8_t s = chunkSymbol(chunk, 0);
      if (s == 3) return std::nullopt;
      deltaBytes += size_t{n} * s;
      if (s != 0) received += n;
    } else {
      for (unsigned i = 0; i < n; ++i) {
        const uint8_t s = chunkSymbol(chunk, i);
        if (s == 3) return std::nullopt;
        deltaBytes += s;
        if (s != 0) ++received;
      }
    }
    remaining -= n;
  }
  if (off + deltaBytes > fci.size() || fci.size() - off - deltaBytes > 3) return std::nullopt;
  return RtcpTransportFeedback(*fb, off, received);
}

uint16_t RtcpTransportFeedback::baseSequenceNumber() const { return readU16(&fb_.fci()[0]); }
uint16_t RtcpTransportFeedback::packetStatusCount() const { return readU16(&fb_.fci()[2]); }
int32_t RtcpTransportFeedback::referenceTime() const { return readS24(&fb_.fci()[4]); }

RtcpTransportFeedback::PacketIterator RtcpTransportFeedback::packets() const {
  PacketIterator it;
  it.fci_ = fb_.fci();
  it.chunkOff_ = kFciFixedSize;
  it.deltaOff_ = deltaOffset_;
  it.remaining_ = packetStatusCount();
  it.seq_ = baseSequenceNumber();
  it.timeUs_ = referenceTimeUs();
  return it;
}

bool RtcpTransportFeedback::PacketIterator::next(TwccPacket& out) {
  if (remaining_ == 0) return false;
  while (chunkLeft_ == 0) {  // parse() proved the chunks cover the count
    chunk_ = readU16(&fci_[chunkOff_]);
    chunkOff_ += 2;
    chunkLeft_ = static_cast<uint16_t>(std::min<uint32_t>(chunkCapacity(chunk_), remaining_));
    chunkPos_ = 0;
  }
  const uint8_t s = chunkSymbol(chunk_, chunkPos_);
  ++chunkPos_;
  --chunkLeft_;
  --remaining_;
  out = TwccPacket{};
  out.seq = seq_++;
  out.status = static_cast<TwccStatus>(s);
  if (s == 1) {
    out.deltaTicks = fci_[deltaOff_];
    deltaOff_ += 1;
  } else if (s == 2) {
    out.deltaTicks = static_cast<int16_t>(readU16(&fci_[deltaOff_]));
    deltaOff_ += 2;
  }
  if (s != 0) {
    timeUs_ += out.deltaUs();
    out.arrivalUs = timeUs_;
  }
  return true;
}

size_t RtcpTransportFeedback::packets(std::span<TwccPacket> out) const {
  auto it = packets();
  size_t n = 0;
  while (n < out.size() && it.next(out[n])) ++n;
  return n;
}

}  // namespace atrium::rtp
