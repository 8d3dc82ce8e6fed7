// SessionDescription::parse on malformed or oversized input: always an Error with a stable code,
// never a crash or a partial result.
#include <gtest/gtest.h>

#include "sdp/sdp_test_data.h"
#include "sdp/session_description.h"

namespace atrium::sdp {
namespace {

constexpr std::string_view kHead = "v=0\r\no=- 1 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n";
constexpr std::string_view kVideo = "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n";

std::string errorCode(std::string_view text) {
  const auto r = SessionDescription::parse(text);
  if (r.ok()) return "OK";
  EXPECT_FALSE(r.error().message.empty());
  return r.error().code;
}

std::string withMedia(std::string_view lines) { return std::string(kHead) + std::string(kVideo) + std::string(lines); }

TEST(SdpMalformed, EmptyOrMissingVersion) {
  EXPECT_EQ(errorCode(""), kSdpMalformed);
  EXPECT_EQ(errorCode("\r\n\r\n"), kSdpMalformed);
  EXPECT_EQ(errorCode("o=- 1 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"), kSdpMalformed);
  EXPECT_EQ(errorCode("v=1\r\no=- 1 0 IN IP4 0.0.0.0\r\n"), kSdpMalformed);
  EXPECT_EQ(errorCode("v=0\r\ns=-\r\n"), kSdpMalformed);  // no o=
}

TEST(SdpMalformed, BadMediaLines) {
  EXPECT_EQ(errorCode(std::string(kHead) + "m=video 9 UDP/TLS/RTP/SAVPF\r\n"), kSdpMalformed);  // no formats
  EXPECT_EQ(errorCode(std::string(kHead) + "m=video\r\n"), kSdpMalformed);
  EXPECT_EQ(errorCode(std::string(kHead) + "m=video x UDP/TLS/RTP/SAVPF 96\r\n"), kSdpMalformed);
  EXPECT_EQ(errorCode(std::string(kHead) + "m=video -9 UDP/TLS/RTP/SAVPF 96\r\n"), kSdpMalformed);
  EXPECT_EQ(errorCode(std::string(kHead) + "m=video 9/x UDP/TLS/RTP/SAVPF 96\r\n"), kSdpMalformed);
  EXPECT_EQ(errorCode(std::string(kHead) + "m=video 9 UDP/TLS/RTP/SAVPF 96 abc\r\n"), kSdpMalformed);
  EXPECT_EQ(errorCode(std::string(kHead) + "m=video 9 UDP/TLS/RTP/SAVPF 96 96\r\n"), kSdpMalformed);
  EXPECT_EQ(errorCode(std::string(kHead) + "m=video 9 UDP/TLS/RTP/SAVPF 128\r\n"), kSdpMalformed);
  EXPECT_EQ(errorCode("v=0\r\nm=audio 9 RTP/AVP 0\r\no=- 1 0 IN IP4 0.0.0.0\r\n"), kSdpMalformed);  // m= before o=
}

TEST(SdpMalformed, HugeNumbers) {
  EXPECT_EQ(errorCode("v=0\r\no=- 1 99999999999999999999999 IN IP4 0.0.0.0\r\n"), kSdpMalformed);
  EXPECT_EQ(errorCode("v=0\r\no=- 1 18446744073709551616 IN IP4 0.0.0.0\r\n"), kSdpMalformed);  // 2^64
  EXPECT_EQ(errorCode("v=0\r\no=- 1 18446744073709551615 IN IP4 0.0.0.0\r\n"), "OK");         // 2^64-1
  EXPECT_EQ(errorCode(std::string(kHead) + "m=video 65536 UDP/TLS/RTP/SAVPF 96\r\n"), kSdpMalformed);
  EXPECT_EQ(errorCode(withMedia("a=ssrc:4294967296 cname:x\r\n")), kSdpMalformed);
  EXPECT_EQ(errorCode(withMedia("a=ssrc:4294967295 cname:x\r\n")), "OK");
  EXPECT_EQ(errorCode(withMedia("a=rtpmap:96 VP8/4294967296\r\n")), kSdpMalformed);
  EXPECT_EQ(errorCode(withMedia("a=rtpmap:96 opus/48000/65536\r\n")), kSdpMalformed);
  EXPECT_EQ(errorCode(withMedia("a=candidate:1 1 udp 4294967296 1.2.3.4 9 typ host\r\n")), kSdpMalformed);
  EXPECT_EQ(errorCode(withMedia("a=extmap:4352 urn:x\r\n")), kSdpMalformed);
  EXPECT_EQ(errorCode(withMedia("a=ssrc-group:FID 1 99999999999\r\n")), kSdpMalformed);
}

TEST(SdpMalformed, UnterminatedAndControlCharacters) {
  EXPECT_EQ(errorCode("v=0\r\no=- 1 0 IN IP4 0.0.0.0"), kSdpMalformed);  // last line without LF
  EXPECT_EQ(errorCode(withMedia("a=mid:0")), kSdpMalformed);
  EXPECT_EQ(errorCode(withMedia("a=mid:0\r")), kSdpMalformed);
  EXPECT_EQ(errorCode(withMedia("a=mid:0\rx\r\n")), kSdpMalformed);  // bare CR inside a line
  EXPECT_EQ(errorCode(withMedia(std::string("a=mid:0\0x\r\n", 11))), kSdpMalformed);
  EXPECT_EQ(errorCode(withMedia("a=mid:0\r\r\n")), kSdpMalformed);
}

TEST(SdpMalformed, LineStructure) {
  EXPECT_EQ(errorCode(withMedia("a\r\n")), kSdpMalformed);
  EXPECT_EQ(errorCode(withMedia("a:mid=0\r\n")), kSdpMalformed);
  EXPECT_EQ(errorCode(withMedia("x=unknown\r\n")), kSdpMalformed);  // RFC 8866: unknown type letter
  EXPECT_EQ(errorCode(withMedia("A=mid:0\r\n")), kSdpMalformed);
  EXPECT_EQ(errorCode(withMedia("a=:value\r\n")), kSdpMalformed);
  EXPECT_EQ(errorCode(withMedia("o=- 1 0 IN IP4 0.0.0.0\r\n")), kSdpMalformed);  // session line in media
  EXPECT_EQ(errorCode("v=0\r\no=- 1 0 IN IP4\r\n"), kSdpMalformed);
  EXPECT_EQ(errorCode("v=0\r\no=- 1 0 IN IP4 0.0.0.0\r\no=- 1 0 IN IP4 0.0.0.0\r\n"), kSdpMalformed);
}

TEST(SdpMalformed, KnownAttributesWithBadValues) {
  for (const char* line : {
           "a=rtpmap:96\r\n", "a=rtpmap:96 VP8\r\n", "a=rtpmap:96 VP8/0\r\n", "a=rtpmap:200 VP8/90000\r\n",
           "a=rtpmap:96 /90000\r\n", "a=rtpmap:96 opus/48000/0\r\n", "a=fmtp:x apt=96\r\n", "a=rtcp-fb:-1 nack\r\n",
           "a=extmap:0 urn:x\r\n", "a=extmap:256 urn:x\r\n", "a=extmap:1/sideways urn:x\r\n", "a=extmap:1\r\n",
           "a=ssrc:1\r\n", "a=ssrc:x cname:y\r\n", "a=ssrc:1 :y\r\n", "a=ssrc-group:\r\n", "a=rid:h sideways\r\n",
           "a=rid:h\r\n", "a=rid:h! send\r\n", "a=simulcast:send\r\n", "a=simulcast:send h;;l\r\n",
           "a=simulcast:send h send l\r\n", "a=simulcast:up h\r\n", "a=simulcast:send h recv\r\n",
           "a=setup:maybe\r\n", "a=fingerprint:sha-256\r\n", "a=msid:\r\n", "a=msid:a b c\r\n",
           "a=candidate:1 1 udp 1 1.2.3.4 9 typ\r\n", "a=candidate:1 0 udp 1 1.2.3.4 9 typ host\r\n",
       }) {
    EXPECT_EQ(errorCode(withMedia(line)), kSdpMalformed) << line;
  }
}

TEST(SdpMalformed, TenThousandAttributesIsTooLarge) {
  std::string text = withMedia("");
  for (int i = 0; i < 10000; ++i) text += "a=x\r\n";
  ASSERT_LT(text.size(), kMaxSdpBytes);  // the line bound trips, not the byte bound
  EXPECT_EQ(errorCode(text), kSdpTooLarge);
}

TEST(SdpMalformed, SizeBounds) {
  EXPECT_EQ(errorCode(std::string(kMaxSdpBytes + 1, 'a')), kSdpTooLarge);
  std::string big = withMedia("");
  big += "a=x:" + std::string(kMaxSdpBytes - big.size() - 6, 'y') + "\r\n";
  EXPECT_EQ(big.size(), kMaxSdpBytes);
  EXPECT_EQ(errorCode(big), "OK");

  std::string sections(kHead);
  for (size_t i = 0; i <= kMaxMediaSections; ++i) sections += "m=audio 9 RTP/AVP 0\r\n";
  EXPECT_EQ(errorCode(sections), kSdpTooLarge);
  sections.resize(sections.size() - std::string_view("m=audio 9 RTP/AVP 0\r\n").size());
  EXPECT_EQ(errorCode(sections), "OK");

  std::string formats = std::string(kHead) + "m=application 9 UDP/DTLS/SCTP";
  for (int i = 0; i < 257; ++i) formats += " f" + std::to_string(i);
  EXPECT_EQ(errorCode(formats + "\r\n"), kSdpTooLarge);
  std::string rtp = std::string(kHead) + "m=video 9 UDP/TLS/RTP/SAVPF";
  for (int pt = 0; pt < 128; ++pt) rtp += " " + std::to_string(pt);
  EXPECT_EQ(errorCode(rtp + "\r\n"), "OK");  // every RTP payload type once is fine
}

TEST(SdpMalformed, TruncatedChromeOfferNeverCrashes) {
  // Every prefix ending at a line feed is either a valid description or a clean error.
  const std::string text = testdata::chromeOffer();
  size_t ok = 0;
  for (size_t at = text.find('\n'); at != std::string::npos; at = text.find('\n', at + 1)) {
    if (SessionDescription::parse(std::string_view(text).substr(0, at + 1)).ok()) ++ok;
  }
  EXPECT_GT(ok, 100u);
}

}  // namespace
}  // namespace atrium::sdp
