// Sustained quality-data ingest (R10): N participants each report every 2 s — one upstream row
// (own CPU, bitrate, capture fps ...) and one row per received peer (3 peers: rooms of 4) — and
// the telemetry writer stores each 2-second tick as one appendQuality batch. Measures how long a
// tick takes on each engine and whether the store keeps up (every tick done within 2 s), with
// the table growing as it would. A plain main, not Google Benchmark: the question is a sustained
// rate over a growing table, not a per-op time.
//
//   bench_quality_insert [--engine sqlite|postgres] [--participants 10000] [--ticks 30]
//   PostgreSQL: scripts/with-postgres build/bench/bench_quality_insert --engine postgres
//   (uses ATRIUM_TEST_PG_DSN; writes into that database's current schema, so point it at a
//   throwaway database such as the one scripts/with-postgres creates)
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "base/clock.h"
#include "store/store.h"

namespace {

using namespace atrium;
using Clock = std::chrono::steady_clock;

constexpr int64_t kTickMs = 2000;
constexpr int kPeers = 3;  // rooms of 4: every participant receives 3 others

std::vector<store::QualitySample> tick(uint32_t app, int participants, int64_t t) {
  std::vector<store::QualitySample> out;
  out.reserve(static_cast<size_t>(participants) * (1 + kPeers));
  for (int p = 0; p < participants; ++p) {
    const int room = p / (1 + kPeers);
    const std::string comm = std::to_string(app) + "_" + std::to_string(room) + "_1700000000";
    const std::string user = "user_" + std::to_string(p);
    store::QualitySample up{app, comm, user, "", t, "sdk", {}};
    for (size_t m = 0; m < store::kQualityMetricCount; ++m) up.values[m] = static_cast<double>((p + m) % 97) + 0.5;
    out.push_back(up);
    for (int k = 1; k <= kPeers; ++k) {
      const int peer = room * (1 + kPeers) + (p % (1 + kPeers) + k) % (1 + kPeers);
      store::QualitySample rx{app, comm, user, "user_" + std::to_string(peer), t, "sdk", {}};
      // Receive-side metrics only, as a subscriber reports them.
      for (auto m : {store::QualityMetric::kABit, store::QualityMetric::kABlock, store::QualityMetric::kBigvBit,
                     store::QualityMetric::kBigvDecFps, store::QualityMetric::kBigvRecFps,
                     store::QualityMetric::kBigvBlock, store::QualityMetric::kALoss, store::QualityMetric::kBigvLoss,
                     store::QualityMetric::kBigvWidth, store::QualityMetric::kBigvHeight,
                     store::QualityMetric::kAPlayEnergy, store::QualityMetric::kRtt, store::QualityMetric::kJitter})
        rx.values[static_cast<size_t>(m)] = static_cast<double>((p * k) % 89) + 0.25;
      out.push_back(std::move(rx));
    }
  }
  return out;
}

int usage() {
  std::fprintf(stderr, "usage: bench_quality_insert [--engine sqlite|postgres] [--participants N] [--ticks N]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string engine = "sqlite";
  int participants = 10'000, ticks = 30;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--engine") engine = value;
    else if (flag == "--participants") participants = std::stoi(value);
    else if (flag == "--ticks") ticks = std::stoi(value);
    else return usage();
  }
  if ((argc - 1) % 2 != 0 || (engine != "sqlite" && engine != "postgres") || participants <= 0 || ticks <= 0)
    return usage();

  base::ManualClock clock;
  const std::vector<uint8_t> key(32, 0x42);
  std::filesystem::path dir;
  auto open = [&]() -> base::Result<std::unique_ptr<store::Store>> {
    if (engine == "postgres") {
      const char* dsn = getenv("ATRIUM_TEST_PG_DSN");
      if (dsn == nullptr) return base::makeError("USAGE", "set ATRIUM_TEST_PG_DSN (scripts/with-postgres does)");
      return store::openPostgresStore(dsn, key, clock);
    }
    std::string tmpl = (std::filesystem::temp_directory_path() / "atrium-bench-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) return base::makeError("IO", "mkdtemp failed");
    dir = tmpl;
    return store::openSqliteStore((dir / "bench.db").string(), key, clock);
  };
  auto opened = open();
  if (!opened) {
    std::fprintf(stderr, "open: %s\n", opened.error().message.c_str());
    return 1;
  }
  auto db = std::move(*opened);

  const uint32_t app = 1400000999;
  const int64_t t0 = 1'700'000'000'000;
  std::vector<double> tickMs;
  size_t rows = 0;
  double busySeconds = 0;
  for (int i = 0; i < ticks; ++i) {
    auto batch = tick(app, participants, t0 + i * kTickMs);  // built outside the timed part
    auto start = Clock::now();
    auto s = db->appendQuality(batch);
    double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    if (!s) {
      std::fprintf(stderr, "appendQuality: %s\n", s.error().message.c_str());
      return 1;
    }
    rows += batch.size();
    busySeconds += seconds;
    tickMs.push_back(seconds * 1000);
  }
  std::vector<double> sorted = tickMs;
  std::sort(sorted.begin(), sorted.end());
  const double worst = sorted.back(), median = sorted[sorted.size() / 2];
  std::printf("engine=%s participants=%d rows/tick=%zu ticks=%d rows=%zu\n", engine.c_str(), participants,
              rows / static_cast<size_t>(ticks), ticks, rows);
  std::printf("tick ms: first %.0f, median %.0f, worst %.0f (budget %lld)\n", tickMs.front(), median, worst,
              static_cast<long long>(kTickMs));
  std::printf("insert rate: %.0f rows/s while busy; load %.0f %% of one 2-s tick\n", rows / busySeconds,
              100.0 * busySeconds / (ticks * kTickMs / 1000.0));
  std::printf("keeps up: %s\n", worst < kTickMs ? "yes (every tick within 2 s)" : "NO (a tick took longer than 2 s)");

  db.reset();
  if (!dir.empty()) std::filesystem::remove_all(dir);
  return 0;
}
