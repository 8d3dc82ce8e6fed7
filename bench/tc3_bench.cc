// TC3-HMAC-SHA256 verification cost: every REST API call verifies one signature, so this bounds
// how many API calls a node can authenticate. Target: >= 100 000 verifications per second on
// one core for the captured Node SDK request (trtc-compat §3.6), which takes the slow path: the
// Host as sent fails and the port-less Host is tried second.
#include <benchmark/benchmark.h>

#include <optional>
#include <string>
#include <string_view>

#include "auth/tc3.h"

namespace {

using namespace atrium;

constexpr std::string_view kSecretId = "AKIDtestSecretId";
constexpr std::string_view kSecretKey = "testSecretKey0123456789";
constexpr int64_t kTime = 1700000000;
constexpr std::string_view kAuthorization =
    "TC3-HMAC-SHA256 Credential=AKIDtestSecretId/2023-11-14/trtc/tc3_request, SignedHeaders=content-type;host, "
    "Signature=73484df72182e459c145a5fe2dc20af95d9c8b300f89c90acbca7114b4ff1c47";

auth::Tc3Request capturedRequest(std::string_view host) {
  // Built as one aggregate: assigning "/" to a member trips GCC 12's -Wrestrict false positive at -O3.
  const std::string body = R"({"SdkAppId":1400000000,"RoomId":12345})";
  return auth::Tc3Request{"POST",
                          "/",
                          "",
                          {{"x-tc-traceid", "6f1e4a0c-2b1d-4c39-9a53-0d2c7c1f9e11"},
                           {"host", std::string(host)},
                           {"x-tc-action", "DismissRoom"},
                           {"x-tc-region", "ap-guangzhou"},
                           {"x-tc-timestamp", std::to_string(kTime)},
                           {"x-tc-version", "2019-07-22"},
                           {"x-tc-requestclient", "SDK_NODEJS_4.1.313"},
                           {"content-type", "application/json"},
                           {"authorization", std::string(kAuthorization)},
                           {"accept", "*/*"},
                           {"content-length", std::to_string(body.size())},
                           {"user-agent", "node-fetch/1.0 (+https://github.com/bitinn/node-fetch)"},
                           {"accept-encoding", "gzip,deflate"},
                           {"connection", "close"}},
                          body};
}

std::optional<std::string> lookup(std::string_view secretId) {
  if (secretId == kSecretId) return std::string(kSecretKey);
  return std::nullopt;
}

void run(benchmark::State& state, const auth::Tc3Request& req, bool expectOk) {
  const auth::SecretLookup secrets = lookup;
  for (auto _ : state) {
    auto r = auth::verifyTc3(req, secrets, kTime + 60);
    if (r.ok() != expectOk) state.SkipWithError(r.ok() ? "unexpectedly verified" : r.error().message.c_str());
    benchmark::DoNotOptimize(r);
  }
  state.counters["verifications/s"] = benchmark::Counter(static_cast<double>(state.iterations()),
                                                         benchmark::Counter::kIsRate);
}

// Node SDK: Host sent with the port, signed without it (two canonical requests hashed).
void BM_VerifyNodeCapture(benchmark::State& state) { run(state, capturedRequest("trtc.tencentcloudapi.com:18080"), true); }
BENCHMARK(BM_VerifyNodeCapture);

// Host sent as signed (Go SDK, or Node without a port): one canonical request.
void BM_VerifyHostAsSent(benchmark::State& state) { run(state, capturedRequest("trtc.tencentcloudapi.com"), true); }
BENCHMARK(BM_VerifyHostAsSent);

// A forged signature costs the full work of both Host forms; it must stay as cheap as success.
void BM_RejectBadSignature(benchmark::State& state) {
  auth::Tc3Request req = capturedRequest("trtc.tencentcloudapi.com:18080");
  req.body += " ";
  run(state, req, false);
}
BENCHMARK(BM_RejectBadSignature);

// Garbage Authorization headers are refused before any hashing.
void BM_RejectGarbage(benchmark::State& state) {
  auth::Tc3Request req = capturedRequest("trtc.tencentcloudapi.com:18080");
  req.headers[8].second = std::string(2000, 'A');
  run(state, req, false);
}
BENCHMARK(BM_RejectGarbage);

void BM_SignNodeStyle(benchmark::State& state) {
  const auth::Tc3Request req = capturedRequest("trtc.tencentcloudapi.com:18080");
  for (auto _ : state) {
    auto header = auth::signTc3(kSecretId, kSecretKey, "trtc", req, kTime, "trtc.tencentcloudapi.com");
    benchmark::DoNotOptimize(header);
  }
}
BENCHMARK(BM_SignNodeStyle);

}  // namespace
