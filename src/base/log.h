// Logging facade. Everything goes through here so one place decides format and sinks.
// Rule: user ids and IPs are passed as MaskedUser/MaskedIp; secrets and tickets are never passed.
#pragma once

#include <string>
#include <string_view>

#include <fmt/format.h>

#include "base/mask.h"

namespace atrium::base::log {

enum class Level { kDebug, kInfo, kWarn, kError };

// Configures the process-wide sink: stderr, or a file when path is non-empty.
void init(Level level, const std::string& filePath = {});
void setLevel(Level level);
bool enabled(Level level);
void write(Level level, std::string_view message);

template <typename... Args>
void debug(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::kDebug)) write(Level::kDebug, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void info(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::kInfo)) write(Level::kInfo, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void warn(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::kWarn)) write(Level::kWarn, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void error(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::kError)) write(Level::kError, fmt::format(f, std::forward<Args>(args)...));
}

Level parseLevel(std::string_view name, Level fallback);

}  // namespace atrium::base::log
