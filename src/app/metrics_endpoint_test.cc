#include "app/metrics_endpoint.h"

#include <gtest/gtest.h>

namespace atrium::app {
namespace {

web::HttpRequest get(std::string target, std::string method = "GET") {
  web::HttpRequest r;
  r.method = std::move(method);
  r.target = std::move(target);
  return r;
}

TEST(MetricsEndpoint, Routes) {
  metrics::Metrics m([](std::string_view) { return false; });
  Readiness readiness;
  auto metricsRes = handleMetricsHttp(m, readiness, get("/metrics"));
  EXPECT_EQ(metricsRes.status, 200);
  EXPECT_EQ(metricsRes.contentType, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(metricsRes.body.find("atrium_entry_requests_total"), std::string::npos);
  EXPECT_NE(metricsRes.body.find("atrium_ready 0"), std::string::npos);
  EXPECT_EQ(handleMetricsHttp(m, readiness, get("/healthz")).status, 200);
  EXPECT_EQ(handleMetricsHttp(m, readiness, get("/readyz")).status, 503);
  readiness.ready = true;
  EXPECT_EQ(handleMetricsHttp(m, readiness, get("/readyz")).status, 200);
  EXPECT_EQ(handleMetricsHttp(m, readiness, get("/metrics?x=1")).status, 200);
  EXPECT_EQ(handleMetricsHttp(m, readiness, get("/")).status, 404);
  EXPECT_EQ(handleMetricsHttp(m, readiness, get("/metrics", "POST")).status, 405);
}

TEST(MetricsEndpoint, FailingStoreWritesMakeTheNodeNotReadyUntilTheyRecover) {
  metrics::Metrics m([](std::string_view) { return false; });
  base::ManualClock clock;
  store::WriteHealth writes(clock);
  Readiness readiness;
  readiness.ready = true;
  readiness.storeWrites = &writes;
  EXPECT_EQ(handleMetricsHttp(m, readiness, get("/readyz")).status, 200);
  writes.record(store::StoreWrite::kCallback, false);
  auto red = handleMetricsHttp(m, readiness, get("/readyz"));
  EXPECT_EQ(red.status, 503);
  EXPECT_NE(red.body.find("store writes are failing"), std::string::npos);
  writes.record(store::StoreWrite::kCallback, true);
  EXPECT_EQ(handleMetricsHttp(m, readiness, get("/readyz")).status, 200);
  readiness.ready = false;  // shutting down: not ready, whatever the store does
  EXPECT_EQ(handleMetricsHttp(m, readiness, get("/readyz")).body, "not ready\n");
}

}  // namespace
}  // namespace atrium::app
