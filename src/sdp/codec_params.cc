#include "sdp/codec_params.h"

#include <string>

#include "sdp/attribute_parsers.h"

namespace atrium::sdp::detail {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

int hexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// profile_idc plus a profile-iop bit pattern, most significant bit first ('x' = any).
struct ProfilePattern {
  uint8_t profileIdc;
  const char* iop;
  H264Profile profile;
};

// RFC 6184 §8.1 table 5, in libwebrtc's order: constrained baseline is tried before baseline.
constexpr ProfilePattern kProfilePatterns[] = {
    {0x42, "x1xx0000", H264Profile::kConstrainedBaseline}, {0x4D, "1xxx0000", H264Profile::kConstrainedBaseline},
    {0x58, "11xx0000", H264Profile::kConstrainedBaseline}, {0x42, "x0xx0000", H264Profile::kBaseline},
    {0x58, "10xx0000", H264Profile::kBaseline},            {0x4D, "0x0x0000", H264Profile::kMain},
    {0x64, "00000000", H264Profile::kHigh},                {0x64, "00001100", H264Profile::kConstrainedHigh},
    {0xF4, "00000000", H264Profile::kPredictiveHigh444},
};

bool iopMatches(const char* pattern, uint8_t iop) {
  for (int bit = 0; bit < 8; ++bit) {
    const bool set = (iop & (0x80 >> bit)) != 0;
    if (pattern[bit] == '1' && !set) return false;
    if (pattern[bit] == '0' && set) return false;
  }
  return true;
}

// RFC 6184 §8.1: no profile-level-id means Baseline level 1.
constexpr std::string_view kH264DefaultProfileLevelId = "42000a";

bool inList(const std::vector<std::string>& list, std::string_view value) {
  if (list.empty()) return true;  // no restriction configured
  for (const auto& v : list) {
    if (equalsIgnoreCase(v, value)) return true;
  }
  return false;
}

}  // namespace

std::optional<std::string_view> fmtpValue(std::string_view fmtp, std::string_view key) {
  for (std::string_view param : splitAll(fmtp, ';')) {
    param = trim(param);
    const size_t eq = param.find('=');
    if (eq == std::string_view::npos) continue;
    if (equalsIgnoreCase(trim(param.substr(0, eq)), key)) return trim(param.substr(eq + 1));
  }
  return std::nullopt;
}

std::optional<H264Profile> h264Profile(std::string_view profileLevelId) {
  if (profileLevelId.size() != 6) return std::nullopt;
  int bytes[3];
  for (int i = 0; i < 3; ++i) {
    const int hi = hexDigit(profileLevelId[2 * i]), lo = hexDigit(profileLevelId[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    bytes[i] = hi * 16 + lo;
  }
  if (bytes[2] == 0) return std::nullopt;  // level_idc 0 is not a level
  for (const auto& p : kProfilePatterns) {
    if (p.profileIdc == bytes[0] && iopMatches(p.iop, static_cast<uint8_t>(bytes[1]))) return p.profile;
  }
  return std::nullopt;
}

bool matchesCapability(const PayloadType& offered, const CodecCapability& cap) {
  if (!equalsIgnoreCase(offered.encoding, cap.name) || offered.clockRate != cap.clockRate) return false;
  // RFC 8866 §6.6: audio without encoding parameters has one channel.
  if (cap.channels != 0 && (offered.channels == 0 ? 1 : offered.channels) != cap.channels) return false;
  if (equalsIgnoreCase(cap.name, "VP9")) {
    return inList(cap.profiles, fmtpValue(offered.fmtp, "profile-id").value_or("0"));
  }
  if (equalsIgnoreCase(cap.name, "AV1")) {
    return inList(cap.profiles, fmtpValue(offered.fmtp, "profile").value_or("0"));
  }
  if (equalsIgnoreCase(cap.name, "H264")) {
    // Mode 0 (single NAL unit) would need a different packetizer on every subscriber.
    if (fmtpValue(offered.fmtp, "packetization-mode").value_or("0") != "1") return false;
    const auto profile = h264Profile(fmtpValue(offered.fmtp, "profile-level-id").value_or(kH264DefaultProfileLevelId));
    if (!profile) return false;
    if (cap.profiles.empty()) return true;
    for (const auto& accepted : cap.profiles) {
      if (h264Profile(accepted) == profile) return true;
    }
    return false;
  }
  return true;
}

size_t profileRank(const PayloadType& offered, const CodecCapability& cap) {
  if (!equalsIgnoreCase(cap.name, "H264")) return 0;
  const std::string_view id = fmtpValue(offered.fmtp, "profile-level-id").value_or(kH264DefaultProfileLevelId);
  for (size_t i = 0; i < cap.profiles.size(); ++i) {
    if (equalsIgnoreCase(cap.profiles[i], id)) return i;
  }
  return cap.profiles.size();
}

bool isRtx(const PayloadType& p) { return equalsIgnoreCase(p.encoding, "rtx"); }
bool isRed(const PayloadType& p) { return equalsIgnoreCase(p.encoding, "red"); }

const PayloadType* findRtx(const MediaSection& m, uint8_t pt) {
  const std::string apt = std::to_string(pt);
  for (const auto& p : m.payloadTypes) {
    if (isRtx(p) && fmtpValue(p.fmtp, "apt") == std::optional<std::string_view>(apt)) return &p;
  }
  return nullptr;
}

}  // namespace atrium::sdp::detail
