// Not a check: with ATRIUM_RTP_CORPUS_DIR set, writes the test vectors as fuzz seeds
// (<dir>/rtp/*.bin and <dir>/rtcp/*.bin) so the corpora stay in step with the tests.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "rtp/rtcp/rtcp_transport_feedback.h"
#include "rtp/rtp_test_vectors.h"

namespace atrium::rtp {
namespace {

using testing::Bytes;

void writeSeed(const std::filesystem::path& dir, const std::string& name, const Bytes& b) {
  std::filesystem::create_directories(dir);
  std::ofstream(dir / (name + ".bin"), std::ios::binary)
      .write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

// The rtp fuzzer reads its first byte as the codec selector, then the packet.
Bytes withSelector(uint8_t selector, const Bytes& b) {
  Bytes out{selector};
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

// Wraps a codec payload in a minimal RTP header so the rtp fuzzer reaches the codec parser.
Bytes inRtp(const Bytes& payload) {
  Bytes out = {0x80, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2};
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

TEST(CorpusDump, WritesSeedsWhenAsked) {
  const char* root = std::getenv("ATRIUM_RTP_CORPUS_DIR");
  if (root == nullptr) GTEST_SKIP() << "ATRIUM_RTP_CORPUS_DIR not set";
  const std::filesystem::path rtp = std::filesystem::path(root) / "rtp";
  const std::filesystem::path rtcp = std::filesystem::path(root) / "rtcp";
  // Selectors: 0 opus, 1 vp8, 2 vp9, 3 h264, 4 av1 (see fuzz/rtp_fuzz.cc).
  writeSeed(rtp, "chrome_vp8_keyframe", withSelector(1, testing::kChromeVp8Keyframe));
  writeSeed(rtp, "chrome_opus", withSelector(0, testing::kChromeOpus));
  writeSeed(rtp, "two_byte_ext_padded", withSelector(3, testing::kTwoByteExtensionPadded));
  writeSeed(rtp, "vp9_keyframe_ss", withSelector(2, inRtp(testing::kVp9KeyframeWithSs)));
  writeSeed(rtp, "vp9_flexible", withSelector(2, inRtp(testing::kVp9FlexibleDelta)));
  writeSeed(rtp, "h264_stap_a", withSelector(3, inRtp(testing::kH264StapASpsPps)));
  writeSeed(rtp, "h264_fu_a", withSelector(3, inRtp(testing::kH264FuAIdrStart)));
  writeSeed(rtp, "av1_new_sequence", withSelector(4, inRtp(testing::kAv1NewSequence)));
  writeSeed(rtp, "av1_layers", withSelector(4, inRtp(testing::kAv1WithLayers)));

  writeSeed(rtcp, "chrome_sr_sdes", testing::kChromeSrSdes);
  writeSeed(rtcp, "rr_remb", testing::kRrRemb);
  writeSeed(rtcp, "nack", testing::kNack);
  writeSeed(rtcp, "pli", testing::kPli);
  writeSeed(rtcp, "fir", testing::kFir);
  writeSeed(rtcp, "twcc", testing::kTwcc);
  const Bytes bye = {0x81, 0xcb, 0x00, 0x03, 0x11, 0x22, 0x33, 0x44, 0x03, 'b', 'y', 'e'};
  writeSeed(rtcp, "bye", bye);
  Bytes big(2048);
  std::vector<TwccArrival> arrivals;
  for (int i = 0; i < 120; ++i) {
    if (i % 7 != 3) arrivals.push_back({uint16_t(65500 + i), 1'000'000 + i * 900 - (i % 11) * 3000});
  }
  big.resize(RtcpTransportFeedback::build(big, 1, 2, 3, arrivals));
  writeSeed(rtcp, "twcc_built", big);
  // A compound with everything, as one datagram.
  Bytes all;
  for (const Bytes* b : {&testing::kChromeSrSdes, &testing::kRrRemb, &testing::kNack,
                         &testing::kPli, &testing::kFir, &testing::kTwcc, &bye}) {
    all.insert(all.end(), b->begin(), b->end());
  }
  writeSeed(rtcp, "compound_all", all);
}

}  // namespace
}  // namespace atrium::rtp
