// RFC 4571 §2 framing, as ICE-TCP uses it (RFC 6544 §3): on a TCP connection every STUN,
// DTLS and RTP/RTCP packet is preceded by its length.
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   -----------------------------------------------------------------
//   |             LENGTH            |  RTP or RTCP packet ...       |
//   -----------------------------------------------------------------
//
// LENGTH is a 16-bit unsigned integer in network order, so a frame carries at most 65535
// bytes. A byte stream has no markers: once a length is wrong the rest cannot be delimited, so
// the decoder fails for good and the connection must be closed.
//
// Packet path: feed() allocates nothing (its one buffer, for a frame split across reads, is
// allocated at construction), never throws, and hands out frames that lie wholly inside the
// chunk without copying them.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

namespace atrium::ice {

inline constexpr size_t kIceTcpLengthBytes = 2;
inline constexpr size_t kIceTcpMaxFrameBytes = 65535;

class IceTcpFrameDecoder {
 public:
  // A frame longer than `maxFrameBytes` (at most 65535) breaks the stream.
  explicit IceTcpFrameDecoder(size_t maxFrameBytes = kIceTcpMaxFrameBytes);

  // Consumes one chunk read from the socket and calls onFrame(std::span<const uint8_t>) for
  // each complete frame, in order; a span is valid only during its call. Returns false once
  // the stream is broken (now or earlier): the caller closes the connection.
  template <typename OnFrame>
  bool feed(std::span<const uint8_t> chunk, OnFrame&& onFrame) {
    while (!chunk.empty() && !failed_) {
      std::span<const uint8_t> frame;
      const size_t used = step(chunk, frame);
      chunk = chunk.subspan(used);
      if (frame.data() != nullptr) onFrame(frame);
    }
    return !failed_;
  }

  bool failed() const { return failed_; }
  // Bytes of an unfinished frame (prefix included) held from earlier chunks.
  size_t pendingBytes() const;
  uint64_t framesDecoded() const { return framesDecoded_; }
  uint64_t emptyFrames() const { return emptyFrames_; }  // LENGTH 0: skipped, nothing to deliver

 private:
  // Consumes a prefix of `chunk`; sets `frame` when that completed one (else leaves it null).
  size_t step(std::span<const uint8_t> chunk, std::span<const uint8_t>& frame);

  size_t maxFrameBytes_;
  std::unique_ptr<uint8_t[]> buffer_;  // a frame's body split across reads
  std::array<uint8_t, kIceTcpLengthBytes> prefix_{};
  size_t prefixHave_ = 0;
  std::optional<size_t> expected_;  // the current frame's LENGTH once the prefix is complete
  size_t bodyHave_ = 0;
  bool failed_ = false;
  uint64_t framesDecoded_ = 0;
  uint64_t emptyFrames_ = 0;
};

// The 2-byte prefix for a payload (for a gathered write: prefix, then the payload unchanged);
// nullopt when the payload is empty or longer than 65535 bytes.
std::optional<std::array<uint8_t, kIceTcpLengthBytes>> iceTcpLengthPrefix(size_t payloadBytes);
// Prefix and payload into `out`; the bytes written, or nullopt when it does not fit or the
// payload cannot be framed.
std::optional<size_t> writeIceTcpFrame(std::span<uint8_t> out, std::span<const uint8_t> payload);

}  // namespace atrium::ice
