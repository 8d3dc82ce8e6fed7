// Label values. Prometheus keeps one time series per distinct label set, so a label value taken
// from a request would let any client create series without bound (and could leak user data).
// Every value that comes from outside passes through one of these maps to a small fixed set.
#pragma once

#include <string>
#include <string_view>

namespace atrium::metrics {

// outcome "success"|"failure" and cause "none"|"client"|"service". A failure with a cause we do
// not know counts as the service's, as the SLA engine does (src/telemetry/sla.h).
struct EntryLabels {
  const char* outcome;
  const char* cause;
};
EntryLabels entryLabels(bool success, std::string_view cause);

// An API action name is kept only when the API implements it; anything else is "unknown".
inline constexpr const char* kUnknownAction = "unknown";

// An API error code: "ok" for success; a TRTC code ("Family" or "Family.Detail") whose family
// is one the API answers with keeps its name, any other string becomes "other". The caller also
// caps the number of distinct codes (see Metrics::kMaxApiCodes).
std::string apiCodeLabel(std::string_view errorCode);
// The family part of a code label ("AuthFailure.SignatureExpire" -> "AuthFailure").
std::string_view apiCodeFamily(std::string_view code);

}  // namespace atrium::metrics
