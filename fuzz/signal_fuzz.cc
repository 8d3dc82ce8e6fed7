// Fuzzes the signaling protocol parser and the service state machine behind it. The input is
// split at 0xFF bytes into frames sent on two connections; a byte 0xFE advances the clock so
// timeouts and grace periods run too. Any crash, sanitizer report or hang is a bug.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "auth/ticket.h"
#include "base/clock.h"
#include "signal/protocol.h"
#include "signal/signaling_service.h"

namespace {

using namespace atrium;

struct NullSink : signal::ConnectionSink {
  void send(signal::ConnId, std::string) override {}
  void close(signal::ConnId, uint16_t, std::string_view) override {}
};

struct OneApp : signal::AppSource {
  base::Result<std::optional<signal::AppInfo>> findApp(uint32_t id) override {
    if (id != 1400000000) return std::optional<signal::AppInfo>{};
    signal::AppInfo a;
    a.sdkAppId = id;
    a.secretKey = "fuzz-key";
    return std::optional<signal::AppInfo>{a};
  }
};

struct NullRecorder : signal::EntryRecorder {
  void recordEntry(const signal::EntryRecord&) override {}
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  // The parser alone, on the whole input.
  (void)signal::parseRequest(input);

  base::ManualClock clock;
  NullSink sink;
  OneApp apps;
  NullRecorder recorder;
  signal::SignalingLimits limits;
  limits.maxBadMessages = 1000;
  limits.messageBurst = 1000;
  signal::SignalingService service(limits, clock, sink, apps, recorder);
  service.onOpen(1, "10.0.0.1");
  service.onOpen(2, "10.0.0.2");
  // A valid entry first, so the fuzzer reaches in-room states quickly.
  std::string sig = auth::generateUserSig(1400000000, "fuzz-key", "fuzzer", 3600, clock.unixSeconds());
  std::string enter = R"({"v":1,"id":1,"type":"enterRoom","data":{"sdkAppId":1400000000,"userId":"fuzzer","userSig":")" +
                      sig + R"(","roomId":7}})";
  service.onText(2, enter);

  signal::ConnId conn = 1;
  size_t start = 0;
  for (size_t i = 0; i <= input.size(); ++i) {
    if (i < input.size() && static_cast<uint8_t>(input[i]) < 0xFE) continue;
    if (i > start) service.onText(conn, input.substr(start, i - start));
    if (i < input.size() && static_cast<uint8_t>(input[i]) == 0xFE) {
      clock.advanceMs(7000);
      service.tick();
    }
    conn = conn == 1 ? 2 : 1;
    start = i + 1;
  }
  service.onClose(1);
  clock.advanceMs(60000);
  service.tick();
  service.onClose(2);
  return 0;
}
