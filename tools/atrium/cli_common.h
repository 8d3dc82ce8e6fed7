// Shared plumbing of the atrium CLI commands: turning store errors into "error: ..." on stderr
// with exit code 1, and time formatting.
#pragma once

#include <time.h>

#include <cstdint>
#include <iostream>
#include <string>
#include <utility>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "base/result.h"

namespace atrium::cli {

[[noreturn]] inline void fail(const base::Error& e) {
  std::cerr << "error: " << e.message << " (" << e.code << ")\n";
  throw CLI::RuntimeError(1);
}

template <typename T>
T orFail(base::Result<T> r) {
  if (!r) fail(r.error());
  return std::move(r).value();
}

inline void orFail(const base::Status& s) {
  if (!s) fail(s.error());
}

// UTC ISO 8601 ("2026-11-29T08:00:00Z", or with ".123" milliseconds); "-" for 0 when asked.
inline std::string isoTime(int64_t ms, bool withMillis = false, bool zeroAsDash = true) {
  if (ms == 0 && zeroAsDash) return "-";
  time_t seconds = static_cast<time_t>(ms / 1000);
  struct tm utc {};
  gmtime_r(&seconds, &utc);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &utc);
  return withMillis ? fmt::format("{}.{:03}Z", buf, ms % 1000) : fmt::format("{}Z", buf);
}

}  // namespace atrium::cli
