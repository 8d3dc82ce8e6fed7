#include "metrics/labels.h"

#include <array>

namespace atrium::metrics {
namespace {

// The families of src/api/api_error.h (TRTC's common and per-action error codes).
constexpr std::array<std::string_view, 13> kApiFamilies{
    "AuthFailure",      "UnauthorizedOperation", "InvalidAction",         "NoSuchVersion",
    "InvalidRequest",   "UnsupportedProtocol",   "MissingParameter",      "InvalidParameter",
    "InvalidParameterValue", "UnknownParameter", "RequestLimitExceeded",  "FailedOperation",
    "InternalError"};

bool isWord(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
  return true;
}

}  // namespace

EntryLabels entryLabels(bool success, std::string_view cause) {
  if (success) return {"success", "none"};
  return {"failure", cause == "client" ? "client" : "service"};
}

std::string_view apiCodeFamily(std::string_view code) { return code.substr(0, code.find('.')); }

std::string apiCodeLabel(std::string_view errorCode) {
  if (errorCode.empty()) return "ok";
  constexpr size_t kMaxLength = 64;
  std::string_view family = apiCodeFamily(errorCode);
  bool knownFamily = false;
  for (auto f : kApiFamilies) knownFamily = knownFamily || f == family;
  if (!knownFamily) return "other";
  if (errorCode.size() == family.size()) return std::string(family);
  std::string_view detail = errorCode.substr(family.size() + 1);
  if (errorCode.size() > kMaxLength || !isWord(detail)) return std::string(family);
  return std::string(errorCode);
}

}  // namespace atrium::metrics
