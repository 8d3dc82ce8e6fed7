// RFC 4571 framing: frames split across reads at every position, limits, the encoder.
#include "ice/ice_tcp_framing.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace atrium::ice {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes frame(const Bytes& payload) {
  Bytes out(kIceTcpLengthBytes + payload.size());
  EXPECT_EQ(writeIceTcpFrame(out, payload), out.size());
  return out;
}

Bytes payload(size_t n, uint8_t seed) {
  Bytes p(n);
  for (size_t i = 0; i < n; ++i) p[i] = static_cast<uint8_t>(seed + i * 31);
  return p;
}

// Feeds `stream` in chunks of the given sizes (cycled) and collects the frames.
std::vector<Bytes> decode(IceTcpFrameDecoder& decoder, const Bytes& stream, const std::vector<size_t>& chunks,
                          bool* ok = nullptr) {
  std::vector<Bytes> frames;
  size_t at = 0;
  size_t k = 0;
  bool good = true;
  while (at < stream.size()) {
    const size_t n = std::min(chunks[k++ % chunks.size()], stream.size() - at);
    good = decoder.feed(std::span<const uint8_t>(stream.data() + at, n),
                        [&](std::span<const uint8_t> f) { frames.emplace_back(f.begin(), f.end()); });
    at += n;
  }
  if (ok != nullptr) *ok = good;
  return frames;
}

TEST(IceTcpFraming, WholeFramesInOneRead) {
  const Bytes a = payload(20, 1), b = payload(100, 2), c = payload(1, 3);
  Bytes stream = frame(a);
  for (const Bytes& f : {frame(b), frame(c)}) stream.insert(stream.end(), f.begin(), f.end());
  IceTcpFrameDecoder decoder;
  const auto frames = decode(decoder, stream, {stream.size()});
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(frames[0], a);
  EXPECT_EQ(frames[1], b);
  EXPECT_EQ(frames[2], c);
  EXPECT_EQ(decoder.framesDecoded(), 3u);
  EXPECT_EQ(decoder.pendingBytes(), 0u);
}

TEST(IceTcpFraming, SplitAtEveryPosition) {
  const Bytes a = payload(300, 7), b = payload(2, 9);
  Bytes stream = frame(a);
  const Bytes fb = frame(b);
  stream.insert(stream.end(), fb.begin(), fb.end());
  for (size_t cut = 1; cut < stream.size(); ++cut) {
    IceTcpFrameDecoder decoder;
    bool ok = false;
    const auto frames = decode(decoder, stream, {cut, stream.size()}, &ok);
    EXPECT_TRUE(ok);
    ASSERT_EQ(frames.size(), 2u) << cut;
    EXPECT_EQ(frames[0], a) << cut;
    EXPECT_EQ(frames[1], b) << cut;
  }
}

TEST(IceTcpFraming, ByteByByteAndRandomChunks) {
  std::mt19937 rng(4571);
  std::vector<Bytes> sent;
  Bytes stream;
  for (int i = 0; i < 200; ++i) {
    sent.push_back(payload(1 + rng() % 1500, static_cast<uint8_t>(i)));
    const Bytes f = frame(sent.back());
    stream.insert(stream.end(), f.begin(), f.end());
  }
  IceTcpFrameDecoder oneByte;
  EXPECT_EQ(decode(oneByte, stream, {1}), sent);
  std::vector<size_t> chunks;
  for (int i = 0; i < 50; ++i) chunks.push_back(1 + rng() % 4000);
  IceTcpFrameDecoder random;
  EXPECT_EQ(decode(random, stream, chunks), sent);
}

TEST(IceTcpFraming, LargestFrame) {
  const Bytes big = payload(kIceTcpMaxFrameBytes, 5);
  const Bytes stream = frame(big);
  IceTcpFrameDecoder decoder;
  const auto frames = decode(decoder, stream, {1000});
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0], big);
}

TEST(IceTcpFraming, OverlongFrameBreaksTheStreamForGood) {
  IceTcpFrameDecoder decoder(1500);
  Bytes stream = frame(payload(1500, 1));
  const Bytes tooLong = frame(payload(1501, 2));
  stream.insert(stream.end(), tooLong.begin(), tooLong.end());
  const Bytes after = frame(payload(10, 3));
  stream.insert(stream.end(), after.begin(), after.end());
  bool ok = true;
  const auto frames = decode(decoder, stream, {7}, &ok);
  EXPECT_FALSE(ok);
  EXPECT_TRUE(decoder.failed());
  EXPECT_EQ(frames.size(), 1u);
  int delivered = 0;
  EXPECT_FALSE(decoder.feed(frame(payload(4, 4)), [&](std::span<const uint8_t>) { ++delivered; }));
  EXPECT_EQ(delivered, 0);
  // Also when the prefix arrives in one piece with the body.
  IceTcpFrameDecoder whole(100);
  EXPECT_FALSE(whole.feed(frame(payload(101, 1)), [&](std::span<const uint8_t>) { ++delivered; }));
  EXPECT_EQ(delivered, 0);
}

TEST(IceTcpFraming, EmptyFramesAreSkipped) {
  const Bytes stream = {0, 0, 0, 2, 0xab, 0xcd, 0, 0};
  for (size_t chunk : {size_t{1}, size_t{3}, stream.size()}) {
    IceTcpFrameDecoder decoder;
    const auto frames = decode(decoder, stream, {chunk});
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_EQ(frames[0], (Bytes{0xab, 0xcd}));
    EXPECT_EQ(decoder.emptyFrames(), 2u);
  }
}

TEST(IceTcpFraming, PendingBytesTrackAPartialFrame) {
  IceTcpFrameDecoder decoder;
  const Bytes f = frame(payload(10, 1));
  int n = 0;
  EXPECT_TRUE(decoder.feed(std::span<const uint8_t>(f.data(), 1), [&](auto) { ++n; }));
  EXPECT_EQ(decoder.pendingBytes(), 1u);
  EXPECT_TRUE(decoder.feed(std::span<const uint8_t>(f.data() + 1, 5), [&](auto) { ++n; }));
  EXPECT_EQ(decoder.pendingBytes(), 4u);
  EXPECT_TRUE(decoder.feed(std::span<const uint8_t>(f.data() + 6, f.size() - 6), [&](auto) { ++n; }));
  EXPECT_EQ(n, 1);
  EXPECT_EQ(decoder.pendingBytes(), 0u);
}

TEST(IceTcpFraming, Encoder) {
  EXPECT_EQ(iceTcpLengthPrefix(0x1234), (std::array<uint8_t, 2>{0x12, 0x34}));
  EXPECT_EQ(iceTcpLengthPrefix(65535), (std::array<uint8_t, 2>{0xff, 0xff}));
  EXPECT_FALSE(iceTcpLengthPrefix(0));
  EXPECT_FALSE(iceTcpLengthPrefix(65536));
  Bytes out(5);
  EXPECT_EQ(writeIceTcpFrame(out, Bytes{1, 2, 3}), 5u);
  EXPECT_EQ(out, (Bytes{0, 3, 1, 2, 3}));
  EXPECT_FALSE(writeIceTcpFrame(out, Bytes{1, 2, 3, 4}));
  EXPECT_FALSE(writeIceTcpFrame(out, Bytes{}));
}

}  // namespace
}  // namespace atrium::ice
