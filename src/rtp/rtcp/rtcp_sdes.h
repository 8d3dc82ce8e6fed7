// Source Description (RFC 3550 §6.5), PT 202. Only CNAME matters to an SFU (it ties a
// participant's audio and video SSRCs together); other items are walked over and skipped.
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |V=2|P|    SC   |  PT=SDES=202  |             length            |
//   +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//   |                          SSRC/CSRC_1                          |  chunk 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |    CNAME=1    |     length    | user and domain name        ...
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |  END=0 | zero padding to the next 32-bit boundary             |
//   +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//   |                          SSRC/CSRC_2 ...                      |  chunk 2
// Each chunk's item list ends with at least one null octet (§6.5), then pads to 32 bits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "rtp/rtcp/rtcp_header.h"

namespace atrium::rtp {

inline constexpr uint8_t kSdesEnd = 0;
inline constexpr uint8_t kSdesCname = 1;

struct SdesChunk {
  uint32_t ssrc = 0;
  std::string_view cname;  // empty when the chunk carries no CNAME
};

class RtcpSdes {
 public:
  // Requires exactly SC well-formed chunks filling the body.
  static std::optional<RtcpSdes> parse(std::span<const uint8_t> data);

  size_t chunkCount() const { return header_.count(); }
  // Calls f(SdesChunk) per chunk, with the chunk's first CNAME (views into the packet).
  template <typename F>
  void forEachChunk(F&& f) const {
    walk(header_.body(), header_.count(), [&](uint32_t ssrc, uint8_t type, std::string_view v) {
      if (type == kSdesCname) f(SdesChunk{ssrc, v});
      if (type == kSdesEnd) f(SdesChunk{ssrc, {}});
    });
  }
  // The CNAME of the first chunk, if it has one.
  std::optional<SdesChunk> firstChunk() const;

  static size_t sizeFor(std::span<const SdesChunk> chunks);
  // CNAME-only chunks. Returns the length written, 0 if out is too small, there are more than
  // 31 chunks or a CNAME is longer than 255 bytes. Chunks with an empty CNAME carry no item.
  static size_t build(std::span<uint8_t> out, std::span<const SdesChunk> chunks);

  // Visits every item as visit(ssrc, type, value); a chunk whose item list holds no CNAME is
  // reported once more with type kSdesEnd. Returns false if the chunks are malformed.
  template <typename Visit>
  static bool walk(std::span<const uint8_t> body, size_t chunkCount, Visit&& visit);

 private:
  explicit RtcpSdes(RtcpHeader h) : header_(h) {}
  RtcpHeader header_;
};

template <typename Visit>
bool RtcpSdes::walk(std::span<const uint8_t> body, size_t chunkCount, Visit&& visit) {
  const size_t n = body.size();
  size_t off = 0;
  for (size_t c = 0; c < chunkCount; ++c) {
    if (off + 4 > n) return false;
    const uint32_t ssrc = (uint32_t{body[off]} << 24) | (uint32_t{body[off + 1]} << 16) |
                          (uint32_t{body[off + 2]} << 8) | uint32_t{body[off + 3]};
    off += 4;
    bool sawCname = false;
    for (;;) {
      if (off >= n) return false;
      const uint8_t type = body[off];
      if (type == kSdesEnd) {
        off = (off + 4) & ~size_t{3};  // the null octet, then pad to the chunk's 32-bit grid
        if (off > n) return false;
        if (!sawCname) visit(ssrc, kSdesEnd, std::string_view{});
        break;
      }
      if (off + 2 > n) return false;
      const size_t len = body[off + 1];
      if (off + 2 + len > n) return false;
      const std::string_view value(reinterpret_cast<const char*>(&body[off + 2]), len);
      if (type != kSdesCname || !sawCname) visit(ssrc, type, value);
      if (type == kSdesCname) sawCname = true;
      off += 2 + len;
    }
  }
  return off == n;
}

}  // namespace atrium::rtp
