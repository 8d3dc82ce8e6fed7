// Renderings of an SlaReport (JSON, a text table, an SVG chart) and the JSON form of surge notices
// an operator hands to `atrium sla report --notices FILE`. Pure: strings in, strings out.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "telemetry/sla_report.h"

namespace atrium::telemetry {

// The summary, the detected surges, and one entry per unit that had requests or was excluded
// (units without either are available by definition and left out to keep the document small).
nlohmann::json slaReportJson(const SlaReport& report);
// Summary lines, the runs of unavailable units (downtime or excluded), and the surges.
std::string slaReportTable(const SlaReport& report);
// A standalone SVG heatmap: one row per day of the service month, 288 five-minute cells per row,
// coloured by CSR_sla, unavailable units red, excluded units grey (light red when they were
// unavailable), with hour and day labels.
// Units without service-attributable requests show the row's background. Under 1 MB for any month.
std::string slaReportSvg(const SlaReport& report);

// A JSON array of notices: {"sdkAppId": N, "start": T, "end": T, "noticeGivenAt": T, "kind": "..."}
// where each T is Unix ms or "YYYY-MM-DDTHH:MM[:SS]Z"; "kind" is optional.
base::Result<std::vector<SurgeNotice>> parseSurgeNotices(std::string_view json);

}  // namespace atrium::telemetry
