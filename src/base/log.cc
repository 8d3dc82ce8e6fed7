#include "base/log.h"

#include <atomic>
#include <memory>

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace atrium::base::log {
namespace {

std::atomic<Level> gLevel{Level::kInfo};

std::shared_ptr<spdlog::logger>& logger() {
  static std::shared_ptr<spdlog::logger> l = spdlog::stderr_logger_mt("atrium");
  return l;
}

spdlog::level::level_enum toSpd(Level level) {
  switch (level) {
    case Level::kDebug: return spdlog::level::debug;
    case Level::kInfo: return spdlog::level::info;
    case Level::kWarn: return spdlog::level::warn;
    case Level::kError: return spdlog::level::err;
  }
  return spdlog::level::info;
}

}  // namespace

void init(Level level, const std::string& filePath) {
  if (!filePath.empty()) {
    auto sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(filePath, false);
    logger() = std::make_shared<spdlog::logger>("atrium", sink);
  }
  logger()->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %l %v");
  logger()->flush_on(spdlog::level::info);
  setLevel(level);
}

void setLevel(Level level) {
  gLevel = level;
  logger()->set_level(toSpd(level));
}

bool enabled(Level level) { return level >= gLevel.load(std::memory_order_relaxed); }

void write(Level level, std::string_view message) { logger()->log(toSpd(level), message); }

Level parseLevel(std::string_view name, Level fallback) {
  if (name == "debug") return Level::kDebug;
  if (name == "info") return Level::kInfo;
  if (name == "warn") return Level::kWarn;
  if (name == "error") return Level::kError;
  return fallback;
}

}  // namespace atrium::base::log
