// Ticket verification cost: every signaling join verifies one UserSig (and one PrivateMapKey when
// room permissions are on), so this bounds how fast a node can admit users. Target: >= 100 000
// UserSig verifications per second on one core.
#include <benchmark/benchmark.h>

#include "auth/ticket.h"

namespace {

using namespace atrium;

// trtc-compat §1.5 V1 and §2.3 V3, both written by the official npm package.
constexpr uint32_t kApp = 1400000000;
constexpr std::string_view kKey = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";
constexpr std::string_view kUser = "xiaojun";
constexpr int64_t kTime = 1700000000;
constexpr std::string_view kUserSig =
    "eJyrVgrxCdYrSy1SslIy0jNQ0gHzM1NS80oy0zLBwhWZiflZpXlQqeKU7MSCgswUJStDEwMogMiUZOamKlkZmqOKplYUZBaBxE1NTY3gos"
    "WZ6UpWSj5ljuYp*p7l5unBxXnF2WVhVU4uAf7Ozi5JpX7O5SbuHuUhzgZJmQXaTia2SrUAohcx8g__";
constexpr std::string_view kPrivateMapKey =
    "eJxVjU0LgkAURf-L2xoympUMtHgEWWShJEHutJmxUTPxq5Hov0eWi*7iwj1ncZ8QuEe94xVQMHUCk2FLxotGCjlgJaN72hY-VbMsKkvJgBoW"
    "*eVrGnnjQI3FP*WqlBUHOh1BW-MqbgVQQMQNd-JrbJZGnB-6IEHE1cUPT17vIiJ69qdxfJYJUCDa3trNrXwbrGeZZqeN70S5IiJRzIgePFREhG"
    "fBii7MlvB6A36tQqM_";

void BM_VerifyUserSig(benchmark::State& state) {
  for (auto _ : state) {
    auto r = auth::verifyUserSig(kUserSig, kApp, kKey, kUser, kTime + 60);
    if (!r.ok()) state.SkipWithError(r.error().message.c_str());
    benchmark::DoNotOptimize(r);
  }
  state.counters["verifications/s"] = benchmark::Counter(static_cast<double>(state.iterations()),
                                                         benchmark::Counter::kIsRate);
}
BENCHMARK(BM_VerifyUserSig);

void BM_VerifyPrivateMapKey(benchmark::State& state) {
  const base::RoomId room{10000, ""};
  for (auto _ : state) {
    auto r = auth::verifyPrivateMapKey(kPrivateMapKey, kApp, kKey, kUser, room, auth::kPrivEnterRoom, kTime + 60);
    if (!r.ok()) state.SkipWithError(r.error().message.c_str());
    benchmark::DoNotOptimize(r);
  }
  state.counters["verifications/s"] = benchmark::Counter(static_cast<double>(state.iterations()),
                                                         benchmark::Counter::kIsRate);
}
BENCHMARK(BM_VerifyPrivateMapKey);

// The failure path matters too: a flood of garbage tickets must stay cheap.
void BM_RejectGarbage(benchmark::State& state) {
  const std::string garbage(400, 'A');
  for (auto _ : state) {
    auto r = auth::verifyUserSig(garbage, kApp, kKey, kUser, kTime);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_RejectGarbage);

void BM_GenerateUserSig(benchmark::State& state) {
  for (auto _ : state) {
    auto token = auth::generateUserSig(kApp, kKey, kUser, 86400, kTime);
    benchmark::DoNotOptimize(token);
  }
}
BENCHMARK(BM_GenerateUserSig);

}  // namespace
