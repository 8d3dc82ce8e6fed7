// Signaling service costs without sockets: a full enterRoom (parse, UserSig verification, room
// entry, response and event encoding) and custom-message fan-out to rooms of N members.
#include <benchmark/benchmark.h>

#include <nlohmann/json.hpp>

#include "auth/ticket.h"
#include "base/clock.h"
#include "base/log.h"
#include "signal/signaling_service.h"

namespace {

using namespace atrium;

constexpr uint32_t kApp = 1400000000;
constexpr const char* kKey = "bench-secret-key";

// Keep per-entry info logs out of the measurement.
const bool kQuiet = (base::log::setLevel(base::log::Level::kWarn), true);

struct CountingSink : signal::ConnectionSink {
  size_t bytes = 0;
  void send(signal::ConnId, std::string text) override { bytes += text.size(); }
  void close(signal::ConnId, uint16_t, std::string_view) override {}
};

struct OneApp : signal::AppSource {
  base::Result<std::optional<signal::AppInfo>> findApp(uint32_t) override {
    signal::AppInfo a;
    a.sdkAppId = kApp;
    a.secretKey = kKey;
    return std::optional<signal::AppInfo>{a};
  }
};

struct NullRecorder : signal::EntryRecorder {
  void recordEntry(const signal::EntryRecord&) override {}
};

struct Fixture {
  base::ManualClock clock;
  CountingSink sink;
  OneApp apps;
  NullRecorder recorder;
  signal::SignalingService service;
  static signal::SignalingLimits limits() {
    signal::SignalingLimits l;
    l.entriesPerIpPerSecond = l.entryBurstPerIp = 1e12;
    l.messagesPerSecond = l.messageBurst = 1e12;
    l.customMessagesPerSecond = l.customBytesPerSecond = 1e12;
    l.maxConnectionsPerIp = 1 << 30;
    return l;
  }
  Fixture() : service(limits(), clock, sink, apps, recorder) {}
  std::string enterText(const std::string& user, uint32_t room) {
    nlohmann::json m{{"v", 1}, {"id", 1}, {"type", "enterRoom"},
                     {"data", {{"sdkAppId", kApp}, {"userId", user}, {"userSig", auth::generateUserSig(kApp, kKey, user, 86400, clock.unixSeconds())},
                               {"roomId", room}}}};
    return m.dump();
  }
};

void BM_EnterAndExitRoom(benchmark::State& state) {
  Fixture f;
  f.service.onOpen(1, "10.0.0.1");
  std::string enter = f.enterText("bench_user", 77);
  const std::string exit = R"({"v":1,"id":2,"type":"exitRoom"})";
  for (auto _ : state) {
    f.service.onText(1, enter);
    f.service.onText(1, exit);
  }
  state.counters["entries/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_EnterAndExitRoom);

void BM_CustomMessageFanOut(benchmark::State& state) {
  Fixture f;
  const auto members = static_cast<int>(state.range(0));
  for (int i = 1; i <= members; ++i) {
    f.service.onOpen(static_cast<signal::ConnId>(i), "10.0.0.1");
    f.service.onText(static_cast<signal::ConnId>(i), f.enterText("u" + std::to_string(i), 5));
  }
  const std::string msg = R"({"v":1,"id":3,"type":"sendCustomMessage","data":{"cmdId":1,"data":"aGVsbG8gd29ybGQ="}})";
  for (auto _ : state) f.service.onText(1, msg);
  state.counters["deliveries/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * (members - 1), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_CustomMessageFanOut)->Arg(2)->Arg(10)->Arg(100)->Arg(300);

}  // namespace
