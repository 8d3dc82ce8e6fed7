// ProcessStats: the conventional process_* metrics of a Prometheus client, read from /proc.
// Parsing is split from reading so tests feed it fixed text (and odd command names).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace atrium::metrics {

struct ProcessStats {
  double cpuSeconds = 0;          // user + system
  double startTimeSeconds = 0;    // Unix time
  uint64_t residentBytes = 0;
  uint64_t virtualBytes = 0;
  uint64_t openFds = 0;
  uint64_t maxFds = 0;
};

struct ProcStat {
  uint64_t utimeTicks = 0, stimeTicks = 0, startTicks = 0, vsizeBytes = 0;
};

// /proc/<pid>/stat. The command name (field 2) is in parentheses and may itself hold spaces and
// ')' — fields are counted from the LAST ')'. nullopt when the text is not of that shape.
std::optional<ProcStat> parseProcStat(std::string_view text);
// /proc/<pid>/statm: "size resident shared ..." in pages; returns resident pages.
std::optional<uint64_t> parseStatmResidentPages(std::string_view text);
// /proc/stat: the "btime <unix seconds>" line (boot time; process start = btime + startTicks/HZ).
std::optional<uint64_t> parseBootTime(std::string_view text);

// Reads the calling process's stats under procRoot ("/proc" outside tests). Fields that cannot
// be read stay 0; nullopt only when /proc/self/stat itself is unreadable.
std::optional<ProcessStats> readProcessStats(const std::string& procRoot = "/proc");

}  // namespace atrium::metrics
