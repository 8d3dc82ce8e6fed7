#include "metrics/process_stats.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <fstream>

namespace atrium::metrics {
namespace {

// A real line from proc(5)'s layout; fields 14/15 (utime/stime) = 120/30, 22 (start) = 5000,
// 23 (vsize) = 104857600.
constexpr const char* kStat =
    "4242 (atriumd) S 1 4242 4242 0 -1 4194560 1000 0 0 0 120 30 0 0 20 0 7 0 5000 104857600 2560 "
    "18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0\n";

TEST(ProcessStats, ParsesStat) {
  auto s = parseProcStat(kStat);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->utimeTicks, 120u);
  EXPECT_EQ(s->stimeTicks, 30u);
  EXPECT_EQ(s->startTicks, 5000u);
  EXPECT_EQ(s->vsizeBytes, 104857600u);
}

TEST(ProcessStats, CommandNamesWithSpacesAndParentheses) {
  // A thread name is chosen by the program (prctl): ") 9 9 (" must not shift the fields.
  std::string stat = kStat;
  stat.replace(stat.find("(atriumd)"), 9, "(a) 9 9 (b c)");
  auto s = parseProcStat(stat);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->utimeTicks, 120u);
  EXPECT_EQ(s->vsizeBytes, 104857600u);
}

TEST(ProcessStats, MalformedInputIsNotAValue) {
  EXPECT_FALSE(parseProcStat(""));
  EXPECT_FALSE(parseProcStat("4242 atriumd S 1"));
  EXPECT_FALSE(parseProcStat("4242 (atriumd) S 1 2 3"));
  EXPECT_FALSE(parseProcStat("4242 (x) S 1 4242 4242 0 -1 4194560 1000 0 0 0 abc 30 0 0 20 0 7 0 5000 1 2"));
  EXPECT_FALSE(parseStatmResidentPages("12"));
  EXPECT_FALSE(parseStatmResidentPages("12 x 3"));
  EXPECT_FALSE(parseBootTime("cpu 1 2 3\nintr 5\n"));
}

TEST(ProcessStats, StatmAndBootTime) {
  EXPECT_EQ(parseStatmResidentPages("25600 2560 512 10 0 3000 0\n"), 2560u);
  EXPECT_EQ(parseBootTime("cpu  1 2 3\nctxt 99\nbtime 1700000000\nprocesses 5\n"), 1700000000u);
}

TEST(ProcessStats, ReadsAFakeProcTree) {
  auto root = std::filesystem::temp_directory_path() / ("atrium-proc-" + std::to_string(::getpid()));
  std::filesystem::create_directories(root / "self" / "fd");
  std::ofstream(root / "self" / "stat") << kStat;
  std::ofstream(root / "self" / "statm") << "25600 2560 512 10 0 3000 0\n";
  std::ofstream(root / "stat") << "cpu 1 2 3\nbtime 1700000000\n";
  for (const char* f : {"0", "1", "2"}) std::ofstream(root / "self" / "fd" / f) << "";
  auto p = readProcessStats(root.string());
  std::filesystem::remove_all(root);
  ASSERT_TRUE(p);
  const double hz = static_cast<double>(::sysconf(_SC_CLK_TCK));
  EXPECT_DOUBLE_EQ(p->cpuSeconds, 150 / hz);
  EXPECT_EQ(p->residentBytes, 2560u * static_cast<uint64_t>(::sysconf(_SC_PAGESIZE)));
  EXPECT_EQ(p->virtualBytes, 104857600u);
  EXPECT_DOUBLE_EQ(p->startTimeSeconds, 1700000000 + 5000 / hz);
  EXPECT_EQ(p->openFds, 3u);
}

TEST(ProcessStats, ReadsThisProcess) {
  auto p = readProcessStats();
  ASSERT_TRUE(p);
  EXPECT_GT(p->residentBytes, 0u);
  EXPECT_GE(p->openFds, 3u);  // stdin, stdout, stderr at least
  double now = static_cast<double>(std::time(nullptr));
  EXPECT_GT(p->startTimeSeconds, now - 24 * 3600 * 365.0);
  EXPECT_LE(p->startTimeSeconds, now + 1);
}

TEST(ProcessStats, MissingProcIsNotAValue) { EXPECT_FALSE(readProcessStats("/nonexistent-proc")); }

}  // namespace
}  // namespace atrium::metrics
