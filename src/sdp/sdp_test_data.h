// Test descriptions shared by the sdp tests (and written out as fuzz seeds in fuzz/corpus/sdp).
//
// kChromeOffer is a Chrome unified-plan publish offer: the session part, candidate, ICE, codec and
// extension lines are Chrome's own (its video codec block and PT numbering are from a Chrome
// M100-era createOffer() in millicast/flutter-sdk test/mocks/sdp_mock.dart; the audio block from
// the same capture), turned into a publisher's offer the way Chrome writes one for
//   addTransceiver(mic, {direction: 'sendonly'})
//   addTransceiver(camera, {direction: 'sendonly', sendEncodings: [{rid: 'h'}, {rid: 'l', scaleResolutionDownBy: 2}]})
//   addTransceiver(screen, {direction: 'sendonly'})
// i.e. a=msid + a=ssrc lines for single-encoding tracks, a=rid + a=simulcast and no a=ssrc for the
// simulcast one, line order as webrtc_sdp.cc writes it. serialize(parse(kChromeOffer)) must
// reproduce it byte for byte.
#pragma once

#include <string>
#include <string_view>

namespace atrium::sdp::testdata {

inline constexpr std::string_view kFingerprint =
    "sha-256 03:63:4B:E0:AA:51:4E:82:82:EE:A6:A9:4F:6E:4E:95:72:E5:AE:CD:CB:89:F0:1F:E4:C9:CA:27:02:1F:26:6A";

inline constexpr std::string_view kChromeSession =
    "v=0\r\n"
    "o=- 8302999682125171423 2 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=group:BUNDLE 0 1 2\r\n"
    "a=extmap-allow-mixed\r\n"
    "a=msid-semantic: WMS 4f1c9a7e-3b2d-4c55-9a61-0d6b8e2f7c11\r\n";

inline constexpr std::string_view kChromeTransport =
    "a=ice-ufrag:gydc\r\n"
    "a=ice-pwd:qEA+KCGezaoGknNYbpAADXBK\r\n"
    "a=ice-options:trickle\r\n"
    "a=fingerprint:sha-256 "
    "03:63:4B:E0:AA:51:4E:82:82:EE:A6:A9:4F:6E:4E:95:72:E5:AE:CD:CB:89:F0:1F:E4:C9:CA:27:02:1F:26:6A\r\n"
    "a=setup:actpass\r\n";

inline constexpr std::string_view kChromeAudio =
    "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 103 104 9 0 8 106 105 13 110 112 113 126\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=rtcp:9 IN IP4 0.0.0.0\r\n"
    "a=candidate:1560499547 1 udp 2113937151 2cf0b2c0-0842-4fe3-aaa0-4556a2dfbadc.local 54264 typ host "
    "generation 0 network-cost 999\r\n"
    "a=candidate:842163049 1 udp 1677729535 186.50.9.10 57217 typ srflx raddr 0.0.0.0 rport 0 generation 0 "
    "network-cost 999\r\n"
    "a=candidate:3387623704 1 tcp 1518280447 192.168.1.23 9 typ host tcptype active generation 0 network-id 1\r\n"
    "<TRANSPORT>"
    "a=mid:0\r\n"
    "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
    "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
    "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
    "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
    "a=sendonly\r\n"
    "a=msid:4f1c9a7e-3b2d-4c55-9a61-0d6b8e2f7c11 0b7c6a2e-5d1f-4e3a-8c9b-2a4d6f8e0c13\r\n"
    "a=rtcp-mux\r\n"
    "a=rtpmap:111 opus/48000/2\r\n"
    "a=rtcp-fb:111 transport-cc\r\n"
    "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
    "a=rtpmap:63 red/48000/2\r\n"
    "a=fmtp:63 111/111\r\n"
    "a=rtpmap:103 ISAC/16000\r\n"
    "a=rtpmap:104 ISAC/32000\r\n"
    "a=rtpmap:9 G722/8000\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:106 CN/32000\r\n"
    "a=rtpmap:105 CN/16000\r\n"
    "a=rtpmap:13 CN/8000\r\n"
    "a=rtpmap:110 telephone-event/48000\r\n"
    "a=rtpmap:112 telephone-event/32000\r\n"
    "a=rtpmap:113 telephone-event/16000\r\n"
    "a=rtpmap:126 telephone-event/8000\r\n"
    "a=ssrc:1604958316 cname:Yk0a2dM6Fq1vPz3T\r\n"
    "a=ssrc:1604958316 msid:4f1c9a7e-3b2d-4c55-9a61-0d6b8e2f7c11 0b7c6a2e-5d1f-4e3a-8c9b-2a4d6f8e0c13\r\n";

// Chrome's video m= line and codec block (VP8, VP9 profiles 0/2/1, H264 in eight flavours, AV1,
// RED, ULPFEC, FlexFEC), each with RTX where Chrome offers it.
inline constexpr std::string_view kChromeVideoMline =
    "UDP/TLS/RTP/SAVPF 96 97 98 99 100 101 102 122 127 121 125 107 108 109 124 120 123 119 35 36 37 38 39 40 41 "
    "42 114 115 116 43\r\n";

inline constexpr std::string_view kChromeVideoExtmaps =
    "a=extmap:14 urn:ietf:params:rtp-hdrext:toffset\r\n"
    "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
    "a=extmap:13 urn:3gpp:video-orientation\r\n"
    "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
    "a=extmap:5 http://www.webrtc.org/experiments/rtp-hdrext/playout-delay\r\n"
    "a=extmap:6 http://www.webrtc.org/experiments/rtp-hdrext/video-content-type\r\n"
    "a=extmap:7 http://www.webrtc.org/experiments/rtp-hdrext/video-timing\r\n"
    "a=extmap:8 http://www.webrtc.org/experiments/rtp-hdrext/color-space\r\n"
    "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
    "a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id\r\n"
    "a=extmap:11 urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id\r\n";

#define ATRIUM_SDP_FB(pt)                                                                           \
  "a=rtcp-fb:" pt " goog-remb\r\na=rtcp-fb:" pt " transport-cc\r\na=rtcp-fb:" pt " ccm fir\r\n" \
  "a=rtcp-fb:" pt " nack\r\na=rtcp-fb:" pt " nack pli\r\n"
#define ATRIUM_SDP_RTX(pt, apt) "a=rtpmap:" pt " rtx/90000\r\na=fmtp:" pt " apt=" apt "\r\n"
#define ATRIUM_SDP_H264(pt, fmtp) "a=rtpmap:" pt " H264/90000\r\n" ATRIUM_SDP_FB(pt) "a=fmtp:" pt " " fmtp "\r\n"

inline constexpr std::string_view kChromeVideoCodecs =
    "a=rtpmap:96 VP8/90000\r\n" ATRIUM_SDP_FB("96") ATRIUM_SDP_RTX("97", "96")
    "a=rtpmap:98 VP9/90000\r\n" ATRIUM_SDP_FB("98") "a=fmtp:98 profile-id=0\r\n" ATRIUM_SDP_RTX("99", "98")
    "a=rtpmap:100 VP9/90000\r\n" ATRIUM_SDP_FB("100") "a=fmtp:100 profile-id=2\r\n" ATRIUM_SDP_RTX("101", "100")
    "a=rtpmap:102 VP9/90000\r\n" ATRIUM_SDP_FB("102") "a=fmtp:102 profile-id=1\r\n" ATRIUM_SDP_RTX("122", "102")
    ATRIUM_SDP_H264("127", "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f")
    ATRIUM_SDP_RTX("121", "127")
    ATRIUM_SDP_H264("125", "level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42001f")
    ATRIUM_SDP_RTX("107", "125")
    ATRIUM_SDP_H264("108", "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f")
    ATRIUM_SDP_RTX("109", "108")
    ATRIUM_SDP_H264("124", "level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42e01f")
    ATRIUM_SDP_RTX("120", "124")
    ATRIUM_SDP_H264("123", "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=4d001f")
    ATRIUM_SDP_RTX("119", "123")
    ATRIUM_SDP_H264("35", "level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=4d001f")
    ATRIUM_SDP_RTX("36", "35")
    ATRIUM_SDP_H264("37", "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=f4001f")
    ATRIUM_SDP_RTX("38", "37")
    ATRIUM_SDP_H264("39", "level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=f4001f")
    ATRIUM_SDP_RTX("40", "39")
    "a=rtpmap:41 AV1/90000\r\n" ATRIUM_SDP_FB("41") ATRIUM_SDP_RTX("42", "41")
    "a=rtpmap:114 red/90000\r\n" ATRIUM_SDP_RTX("115", "114")
    "a=rtpmap:116 ulpfec/90000\r\n"
    "a=rtpmap:43 flexfec-03/90000\r\n"
    "a=rtcp-fb:43 goog-remb\r\n"
    "a=rtcp-fb:43 transport-cc\r\n"
    "a=fmtp:43 repair-window=10000000\r\n";

#undef ATRIUM_SDP_FB
#undef ATRIUM_SDP_RTX
#undef ATRIUM_SDP_H264

// Camera: two simulcast layers by rid, so no a=ssrc lines (Chrome signals rids instead).
inline constexpr std::string_view kChromeCameraTail =
    "a=rid:h send\r\n"
    "a=rid:l send\r\n"
    "a=simulcast:send h;l\r\n";

// Screen share: one encoding, SSRC and RTX SSRC tied by a=ssrc-group:FID.
inline constexpr std::string_view kChromeScreenTail =
    "a=ssrc-group:FID 2231627014 632943048\r\n"
    "a=ssrc:2231627014 cname:Yk0a2dM6Fq1vPz3T\r\n"
    "a=ssrc:2231627014 msid:4f1c9a7e-3b2d-4c55-9a61-0d6b8e2f7c11 9e3f1d2c-7b6a-4c58-8e0d-1f2a3b4c5d6e\r\n"
    "a=ssrc:632943048 cname:Yk0a2dM6Fq1vPz3T\r\n"
    "a=ssrc:632943048 msid:4f1c9a7e-3b2d-4c55-9a61-0d6b8e2f7c11 9e3f1d2c-7b6a-4c58-8e0d-1f2a3b4c5d6e\r\n";

inline std::string replaceAll(std::string text, std::string_view from, std::string_view to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

inline std::string chromeVideo(std::string_view mid, std::string_view trackId, std::string_view tail) {
  return "m=video 9 " + std::string(kChromeVideoMline) +
         "c=IN IP4 0.0.0.0\r\n"
         "a=rtcp:9 IN IP4 0.0.0.0\r\n" +
         std::string(kChromeTransport) + "a=mid:" + std::string(mid) + "\r\n" + std::string(kChromeVideoExtmaps) +
         "a=sendonly\r\n"
         "a=msid:4f1c9a7e-3b2d-4c55-9a61-0d6b8e2f7c11 " +
         std::string(trackId) + "\r\na=rtcp-mux\r\na=rtcp-rsize\r\n" + std::string(kChromeVideoCodecs) +
         std::string(tail);
}

inline std::string chromeAudio() { return replaceAll(std::string(kChromeAudio), "<TRANSPORT>", kChromeTransport); }

// Audio (mid 0), camera with simulcast h/l (mid 1), screen share (mid 2).
inline std::string chromeOffer() {
  return std::string(kChromeSession) + chromeAudio() +
         chromeVideo("1", "5c2e8f1a-9d3b-4a6c-b7e2-3f4d5a6b7c8d", kChromeCameraTail) +
         chromeVideo("2", "9e3f1d2c-7b6a-4c58-8e0d-1f2a3b4c5d6e", kChromeScreenTail);
}

// What Chrome answers to an SFU subscribe offer (recvonly, DTLS client): built from our offer
// text by the same substitutions Chrome's answer makes, for the round-trip tests.
inline constexpr std::string_view kSubscriberTransport =
    "a=ice-ufrag:Sb9q\r\n"
    "a=ice-pwd:3p8vQm1XcR7tLk2Wz5NbYh0d\r\n"
    "a=ice-options:trickle\r\n"
    "a=fingerprint:sha-256 "
    "5A:1F:3C:88:0D:6E:B2:47:91:AC:E0:5D:7B:22:6F:C4:19:8A:3E:D1:70:5B:C2:9F:04:E6:8D:31:A7:5C:0B:F2\r\n"
    "a=setup:active\r\n";

}  // namespace atrium::sdp::testdata
