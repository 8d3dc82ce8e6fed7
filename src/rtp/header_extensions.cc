#include "rtp/header_extensions.h"

#include <cstring>

#include "rtp/byte_io.h"

namespace atrium::rtp {

std::optional<std::string_view> readStringExtension(const RtpPacket& p, uint8_t id) {
  const auto v = p.extension(id);
  if (v.empty() || v[0] == 0) return std::nullopt;
  size_t n = v.size();
  while (n > 0 && v[n - 1] == 0) --n;
  return std::string_view(reinterpret_cast<const char*>(v.data()), n);
}

bool writeStringExtension(RtpPacket& p, uint8_t id, std::string_view value) {
  auto v = p.extension(id);
  if (value.empty() || v.size() < value.size()) return false;
  std::memcpy(v.data(), value.data(), value.size());
  std::memset(v.data() + value.size(), 0, v.size() - value.size());
  return true;
}

std::optional<uint32_t> readAbsSendTime(const RtpPacket& p, uint8_t id) {
  const auto v = p.extension(id);
  if (v.size() != 3) return std::nullopt;
  return readU24(v.data());
}

bool writeAbsSendTime(RtpPacket& p, uint8_t id, uint32_t value24) {
  auto v = p.extension(id);
  if (v.size() != 3) return false;
  writeU24(v.data(), value24 & 0xffffffu);
  return true;
}

std::optional<uint16_t> readTransportSeq(const RtpPacket& p, uint8_t id) {
  const auto v = p.extension(id);
  // 2 bytes (-01) or 4 bytes (-02: seq + feedback request).
  if (v.size() != 2 && v.size() != 4) return std::nullopt;
  return readU16(v.data());
}

bool writeTransportSeq(RtpPacket& p, uint8_t id, uint16_t seq) {
  auto v = p.extension(id);
  if (v.size() != 2 && v.size() != 4) return false;
  writeU16(v.data(), seq);
  return true;
}

std::optional<AudioLevel> readAudioLevel(const RtpPacket& p, uint8_t id) {
  const auto v = p.extension(id);
  // RFC 6464 §3 defines one byte; the two-byte form may pad it, so only the first counts.
  if (v.empty()) return std::nullopt;
  return AudioLevel{(v[0] & 0x80) != 0, static_cast<uint8_t>(v[0] & 0x7f)};
}

bool writeAudioLevel(RtpPacket& p, uint8_t id, AudioLevel level) {
  auto v = p.extension(id);
  if (v.empty()) return false;
  v[0] = static_cast<uint8_t>((level.voice ? 0x80 : 0) | (level.level & 0x7f));
  return true;
}

}  // namespace atrium::rtp
