#include "metrics/process_stats.h"

#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace atrium::metrics {
namespace {

std::optional<uint64_t> toU64(std::string_view s) {
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::vector<std::string_view> fields(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\n' || s[i] == '\t')) ++i;
    size_t j = i;
    while (j < s.size() && s[j] != ' ' && s[j] != '\n' && s[j] != '\t') ++j;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

std::optional<std::string> slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

std::optional<ProcStat> parseProcStat(std::string_view text) {
  size_t close = text.rfind(')');
  if (close == std::string_view::npos || text.find('(') > close) return std::nullopt;
  // After "pid (comm)" the fields are numbered from 3 (state); proc(5) numbers them from 1.
  auto f = fields(text.substr(close + 1));
  constexpr size_t kFirst = 3, kUtime = 14, kStime = 15, kStart = 22, kVsize = 23;
  if (f.size() <= kVsize - kFirst) return std::nullopt;
  auto utime = toU64(f[kUtime - kFirst]), stime = toU64(f[kStime - kFirst]);
  auto start = toU64(f[kStart - kFirst]), vsize = toU64(f[kVsize - kFirst]);
  if (!utime || !stime || !start || !vsize) return std::nullopt;
  return ProcStat{*utime, *stime, *start, *vsize};
}

std::optional<uint64_t> parseStatmResidentPages(std::string_view text) {
  auto f = fields(text);
  if (f.size() < 2) return std::nullopt;
  return toU64(f[1]);
}

std::optional<uint64_t> parseBootTime(std::string_view text) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    std::string_view line = text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    auto f = fields(line);
    if (f.size() == 2 && f[0] == "btime") return toU64(f[1]);
    if (end == std::string_view::npos) break;
    pos = end + 1;
  }
  return std::nullopt;
}

std::optional<ProcessStats> readProcessStats(const std::string& procRoot) {
  auto statText = slurp(procRoot + "/self/stat");
  if (!statText) return std::nullopt;
  auto stat = parseProcStat(*statText);
  if (!stat) return std::nullopt;
  const double hz = static_cast<double>(::sysconf(_SC_CLK_TCK));
  const uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  ProcessStats out;
  out.cpuSeconds = static_cast<double>(stat->utimeTicks + stat->stimeTicks) / hz;
  out.virtualBytes = stat->vsizeBytes;
  if (auto statm = slurp(procRoot + "/self/statm"))
    if (auto pages = parseStatmResidentPages(*statm)) out.residentBytes = *pages * page;
  if (auto all = slurp(procRoot + "/stat"))
    if (auto boot = parseBootTime(*all)) out.startTimeSeconds = static_cast<double>(*boot) + stat->startTicks / hz;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(procRoot + "/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
    ++out.openFds;
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY) out.maxFds = lim.rlim_cur;
  return out;
}

}  // namespace atrium::metrics
