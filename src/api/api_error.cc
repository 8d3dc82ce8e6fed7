#include "api/api_error.h"

#include <array>
#include <utility>

namespace atrium::api {

std::string parameterErrorCode(std::string_view family, std::string_view parameter) {
  // TRTC reports StartTime/EndTime problems as StartTs/EndTs.
  if (parameter == "StartTime") parameter = "StartTs";
  if (parameter == "EndTime") parameter = "EndTs";
  // (family, parameter) pairs listed in TRTC's errors.go (trtc-compat §4.5).
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 19> kKnown{{
      {"MissingParameter", "CommId"},    {"MissingParameter", "EndTs"},    {"MissingParameter", "RoomId"},
      {"MissingParameter", "SdkAppId"},  {"MissingParameter", "StartTs"},  {"MissingParameter", "UserId"},
      {"MissingParameter", "UserIds"},   {"InvalidParameter", "EndTs"},    {"InvalidParameter", "PageNumber"},
      {"InvalidParameter", "PageSize"},  {"InvalidParameter", "RoomId"},   {"InvalidParameter", "SdkAppId"},
      {"InvalidParameter", "StartTs"},   {"InvalidParameter", "UserId"},   {"InvalidParameter", "UserIds"},
      {"InvalidParameterValue", "RoomId"}, {"InvalidParameter", "PageSizeOversize"},
      {"InvalidParameter", "StartTimeExpire"}, {"InvalidParameter", "QueryScaleOversize"},
  }};
  for (const auto& [f, p] : kKnown)
    if (f == family && p == parameter) return std::string(family) + "." + std::string(parameter);
  return std::string(family);
}

}  // namespace atrium::api
