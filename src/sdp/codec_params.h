// Internal to src/sdp: codec format parameters (fmtp) and the codec-specific matching rules the
// negotiation uses. H264 profiles follow RFC 6184 §8.1 profile-level-id and the profile table
// libwebrtc uses (h264_profile_level_id.cc), so "the same profile" means what browsers mean.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sdp/negotiation.h"
#include "sdp/session_description.h"

namespace atrium::sdp::detail {

// The value of `key` in "k1=v1;k2=v2" (keys any case, spaces around ';' tolerated).
std::optional<std::string_view> fmtpValue(std::string_view fmtp, std::string_view key);

enum class H264Profile : uint8_t {
  kConstrainedBaseline,
  kBaseline,
  kMain,
  kConstrainedHigh,
  kHigh,
  kPredictiveHigh444,
};
// Profile of a 6-hex-digit profile-level-id ("42e01f"); nullopt when unknown or malformed.
std::optional<H264Profile> h264Profile(std::string_view profileLevelId);

// Whether the offered format `offered` satisfies `cap` (name, clock, channels, codec rules).
bool matchesCapability(const PayloadType& offered, const CodecCapability& cap);
// Lower is better among formats matching `cap`: index of an exact H264 profile-level-id in
// cap.profiles, else cap.profiles.size(); 0 for other codecs.
size_t profileRank(const PayloadType& offered, const CodecCapability& cap);

// The RTX format whose apt= names `pt`, if offered.
const PayloadType* findRtx(const MediaSection& m, uint8_t pt);
bool isRtx(const PayloadType& p);
bool isRed(const PayloadType& p);

}  // namespace atrium::sdp::detail
