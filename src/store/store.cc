#include "store/store.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "base/quality_metrics.h"

namespace atrium::store {
namespace {

constexpr size_t kMaxNameBytes = 128;
constexpr size_t kMaxRegionBytes = 64;
constexpr size_t kMaxUrlBytes = 2048;
// Imported TRTC keys are not always hex (the compat vectors use "trtc-selfhost-test-key-..."),
// so any printable key is accepted, but not one short enough to guess.
constexpr size_t kMinKeyBytes = 16;
constexpr size_t kMaxKeyBytes = 128;

bool isPrintableNoSpace(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

bool isRegionChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

base::Error invalid(std::string message) { return base::makeError(kErrInvalidArgument, std::move(message)); }

// The names are TRTC's, kept in one place for the protocol, the store and the API.
static_assert(static_cast<size_t>(QualityMetric::kJitter) + 1 == kQualityMetricCount);
static_assert(base::kQualityMetricNames.size() == kQualityMetricCount);
static_assert(base::kQualityMetricNames[static_cast<size_t>(QualityMetric::kRtt)] == "rtt");

}  // namespace

std::string_view toString(QualityMetric m) {
  auto i = static_cast<size_t>(m);
  return i < base::kQualityMetricNames.size() ? base::kQualityMetricNames[i] : "unknown";
}

std::optional<QualityMetric> qualityMetricFromString(std::string_view name) {
  auto i = base::qualityMetricIndex(name);
  return i ? std::optional(static_cast<QualityMetric>(*i)) : std::nullopt;
}

base::Status validateQualitySample(const QualitySample& s) {
  if (s.commId.empty() || s.userId.empty()) return invalid("a quality sample needs a CommId and a user id");
  if (s.source != "sdk" && s.source != "server") return invalid("quality sample source must be sdk or server");
  // NaN/inf would not survive PostgreSQL's text protocol the same way as SQLite's REAL, and no
  // metric is meaningfully infinite: refuse them at the door.
  for (const auto& v : s.values)
    if (v && !std::isfinite(*v)) return invalid("quality metric values must be finite");
  return base::Ok{};
}

base::Status validateSurgeNotice(const SurgeNoticeRecord& n) {
  if (n.sdkAppId == 0) return invalid("a surge notice needs an app");
  if (n.endMs <= n.startMs) return invalid("a surge notice must end after it starts");
  if (n.note.size() > 256 ||
      std::any_of(n.note.begin(), n.note.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; }))
    return invalid("a surge note is at most 256 bytes without control characters");
  return base::Ok{};
}

size_t PurgeReport::total() const {
  size_t n = 0;
  for (const auto& [table, rows] : rowsByTable) n += rows;
  return n;
}

void PurgeReport::add(std::string_view table, size_t rows) {
  for (auto& [name, n] : rowsByTable)
    if (name == table) {
      n += rows;
      return;
    }
  rowsByTable.emplace_back(std::string(table), rows);
}

std::string_view toString(AppStatus status) {
  switch (status) {
    case AppStatus::kActive: return "active";
    case AppStatus::kDisabled: return "disabled";
    case AppStatus::kDeleted: return "deleted";
  }
  return "unknown";
}

std::optional<AppStatus> appStatusFromString(std::string_view text) {
  for (auto s : {AppStatus::kActive, AppStatus::kDisabled, AppStatus::kDeleted})
    if (toString(s) == text) return s;
  return std::nullopt;
}

base::Status validateApp(const App& app) {
  if (app.name.empty() || app.name.size() > kMaxNameBytes)
    return invalid("name must be 1.." + std::to_string(kMaxNameBytes) + " bytes");
  if (std::any_of(app.name.begin(), app.name.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; }))
    return invalid("name must not contain control characters");
  if (app.region.empty() || app.region.size() > kMaxRegionBytes ||
      !std::all_of(app.region.begin(), app.region.end(), isRegionChar))
    return invalid("region must be 1.." + std::to_string(kMaxRegionBytes) + " characters of [A-Za-z0-9_-]");
  auto keyOk = [](const std::string& key) {
    return key.empty() || (key.size() >= kMinKeyBytes && key.size() <= kMaxKeyBytes && isPrintableNoSpace(key));
  };
  if (!keyOk(app.secretKey))
    return invalid("secret key must be " + std::to_string(kMinKeyBytes) + ".." + std::to_string(kMaxKeyBytes) +
                   " printable characters without spaces");
  if (!keyOk(app.callbackKey))
    return invalid("callback key must be " + std::to_string(kMinKeyBytes) + ".." + std::to_string(kMaxKeyBytes) +
                   " printable characters without spaces");
  const std::string& url = app.callbackUrl;
  bool schemeOk = url.starts_with("https://") || url.starts_with("http://");
  if (!url.empty() && (!schemeOk || url.size() > kMaxUrlBytes || !isPrintableNoSpace(url)))
    return invalid("callback URL must be an http(s) URL of at most " + std::to_string(kMaxUrlBytes) + " bytes");
  return base::Ok{};
}

base::Status validateEntryEvent(const EntryEvent& event) {
  if (event.cause != "none" && event.cause != "client" && event.cause != "service")
    return invalid("cause must be none, client or service");
  if (event.success != (event.cause == "none"))
    return invalid("a successful entry has cause none, a failed one client or service");
  return base::Ok{};
}

}  // namespace atrium::store
