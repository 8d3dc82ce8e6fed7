#include "rtp/rtx.h"

#include <cstring>

#include "rtp/byte_io.h"

namespace atrium::rtp {

std::optional<uint16_t> rtxOriginalSequenceNumber(const RtpPacket& rtx) {
  const auto payload = rtx.payload();
  if (payload.size() < kRtxOsnSize) return std::nullopt;
  return readU16(payload.data());
}

size_t buildRtxPacket(const RtpPacket& original, std::span<uint8_t> out, uint8_t rtxPayloadType,
                      uint32_t rtxSsrc, uint16_t rtxSequenceNumber) {
  const size_t header = original.headerSize();
  const size_t total = rtxPacketSize(original);
  if (out.size() < total) return 0;
  std::memcpy(out.data(), original.data().data(), header);
  out[0] = static_cast<uint8_t>(out[0] & ~0x20);  // the original's padding is not carried
  writeU16(&out[header], original.sequenceNumber());
  const auto payload = original.payload();
  if (!payload.empty()) std::memcpy(&out[header + kRtxOsnSize], payload.data(), payload.size());
  out[1] = static_cast<uint8_t>((out[1] & 0x80) | (rtxPayloadType & 0x7f));
  writeU16(&out[2], rtxSequenceNumber);
  writeU32(&out[8], rtxSsrc);
  return total;
}

std::optional<RtpPacket> decodeRtxInPlace(RtpPacket rtx, uint8_t originalPayloadType,
                                          uint32_t originalSsrc) {
  const auto osn = rtxOriginalSequenceNumber(rtx);
  if (!osn) return std::nullopt;
  auto data = rtx.data();
  const size_t header = rtx.headerSize();
  // Payload and padding move together so the padding count stays the last byte.
  const size_t tail = data.size() - header - kRtxOsnSize;
  std::memmove(&data[header], &data[header + kRtxOsnSize], tail);
  rtx.setSequenceNumber(*osn);
  rtx.setPayloadType(originalPayloadType);
  rtx.setSsrc(originalSsrc);
  return RtpPacket::parse(data.first(data.size() - kRtxOsnSize));
}

}  // namespace atrium::rtp
