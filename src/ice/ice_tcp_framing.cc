#include "ice/ice_tcp_framing.h"

#include <algorithm>

namespace atrium::ice {

IceTcpFrameDecoder::IceTcpFrameDecoder(size_t maxFrameBytes)
    : maxFrameBytes_(std::min(maxFrameBytes, kIceTcpMaxFrameBytes)),
      buffer_(std::make_unique<uint8_t[]>(std::max<size_t>(maxFrameBytes_, 1))) {}

size_t IceTcpFrameDecoder::pendingBytes() const { return prefixHave_ + bodyHave_; }

size_t IceTcpFrameDecoder::step(std::span<const uint8_t> chunk, std::span<const uint8_t>& frame) {
  if (!expected_) {
    // Fast path: a whole frame at the start of the chunk goes out without a copy.
    if (prefixHave_ == 0 && chunk.size() >= kIceTcpLengthBytes) {
      const size_t length = (size_t{chunk[0]} << 8) | chunk[1];
      if (length > maxFrameBytes_) {
        failed_ = true;
        return chunk.size();
      }
      if (length == 0) {
        ++emptyFrames_;
        return kIceTcpLengthBytes;
      }
      if (chunk.size() - kIceTcpLengthBytes >= length) {
        frame = chunk.subspan(kIceTcpLengthBytes, length);
        ++framesDecoded_;
        return kIceTcpLengthBytes + length;
      }
    }
    // Slow path: gather the prefix byte by byte (it may itself be split).
    const size_t take = std::min(kIceTcpLengthBytes - prefixHave_, chunk.size());
    std::copy_n(chunk.begin(), take, prefix_.begin() + static_cast<std::ptrdiff_t>(prefixHave_));
    prefixHave_ += take;
    if (prefixHave_ < kIceTcpLengthBytes) return take;
    const size_t length = (size_t{prefix_[0]} << 8) | prefix_[1];
    prefixHave_ = 0;
    if (length > maxFrameBytes_) {
      failed_ = true;
      return chunk.size();
    }
    if (length == 0) {
      ++emptyFrames_;
      return take;
    }
    expected_ = length;
    bodyHave_ = 0;
    return take;
  }
  const size_t take = std::min(*expected_ - bodyHave_, chunk.size());
  std::copy_n(chunk.begin(), take, buffer_.get() + bodyHave_);
  bodyHave_ += take;
  if (bodyHave_ == *expected_) {
    frame = std::span<const uint8_t>(buffer_.get(), bodyHave_);
    ++framesDecoded_;
    expected_.reset();
    bodyHave_ = 0;
  }
  return take;
}

std::optional<std::array<uint8_t, kIceTcpLengthBytes>> iceTcpLengthPrefix(size_t payloadBytes) {
  if (payloadBytes == 0 || payloadBytes > kIceTcpMaxFrameBytes) return std::nullopt;
  return std::array<uint8_t, kIceTcpLengthBytes>{static_cast<uint8_t>(payloadBytes >> 8),
                                                 static_cast<uint8_t>(payloadBytes)};
}

std::optional<size_t> writeIceTcpFrame(std::span<uint8_t> out, std::span<const uint8_t> payload) {
  const auto prefix = iceTcpLengthPrefix(payload.size());
  if (!prefix || out.size() < kIceTcpLengthBytes + payload.size()) return std::nullopt;
  std::copy(prefix->begin(), prefix->end(), out.begin());
  std::copy(payload.begin(), payload.end(), out.begin() + kIceTcpLengthBytes);
  return kIceTcpLengthBytes + payload.size();
}

}  // namespace atrium::ice
