// zlib stream (RFC 1950) compression and capped inflation over the system zlib.
#include <zlib.h>

#include <algorithm>
#include <memory>

#include "crypto/crypto.h"

namespace atrium::crypto {
namespace {

// One inflate state per thread, reset between uses: inflateInit allocates about 7 KB, which was
// a visible share of a ticket verification when done per call.
struct Inflater {
  z_stream stream{};
  bool ready = false;
  Inflater() { ready = inflateInit(&stream) == Z_OK; }
  ~Inflater() {
    if (ready) inflateEnd(&stream);
  }
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;
};

}  // namespace

Bytes zlibCompress(std::span<const uint8_t> data, int level) {
  // Out-of-range levels are clamped rather than rejected: any level yields a valid stream.
  level = level < 0 ? Z_DEFAULT_COMPRESSION : std::min(level, 9);
  uLongf outLen = compressBound(static_cast<uLong>(data.size()));
  Bytes out(outLen);
  if (compress2(out.data(), &outLen, data.data(), static_cast<uLong>(data.size()), level) != Z_OK) {
    // compressBound guarantees room, so only an allocation failure gets here.
    return {};
  }
  out.resize(outLen);
  return out;
}

std::optional<Bytes> zlibInflate(std::span<const uint8_t> data, size_t maxOutput) {
  thread_local Inflater inflater;
  if (!inflater.ready || inflateReset(&inflater.stream) != Z_OK) return std::nullopt;
  z_stream& zs = inflater.stream;
  // Room for one byte past the cap, so "exactly maxOutput" and "more than maxOutput" differ.
  const size_t limit = maxOutput + 1;
  Bytes out(std::min(limit, std::max<size_t>(256, data.size() * 4)));
  zs.next_in = const_cast<Bytef*>(data.data());  // zlib's API is not const-correct
  zs.avail_in = static_cast<uInt>(data.size());
  size_t produced = 0;
  for (;;) {
    zs.next_out = out.data() + produced;
    zs.avail_out = static_cast<uInt>(out.size() - produced);
    // Z_FINISH lets zlib skip allocating its 32 KB window when the output fits.
    const int rc = inflate(&zs, Z_FINISH);
    produced = out.size() - zs.avail_out;
    if (produced > maxOutput) return std::nullopt;
    if (rc == Z_STREAM_END) break;
    if (rc != Z_OK && rc != Z_BUF_ERROR) return std::nullopt;  // corrupt data or bad checksum
    if (zs.avail_out != 0) return std::nullopt;                // input ended before the stream did
    if (out.size() >= limit) return std::nullopt;
    out.resize(std::min(limit, out.size() * 2));
  }
  // Bytes after the Adler-32 trailer are not part of any ticket an official encoder writes.
  if (zs.avail_in != 0) return std::nullopt;
  out.resize(produced);
  return out;
}

}  // namespace atrium::crypto
