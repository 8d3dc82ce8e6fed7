#include "metrics/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <regex>
#include <set>
#include <sstream>

#include "metrics/labels.h"

namespace atrium::metrics {
namespace {

bool isKnown(std::string_view a) { return a == "DismissRoom" || a == "DescribeRoomInfo"; }

struct Series {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

// Parses the sample lines of a text exposition (no escapes in our label values).
std::vector<Series> parse(const std::string& text) {
  std::vector<Series> out;
  std::istringstream in(text);
  std::string line;
  static const std::regex kLine(R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$)");
  static const std::regex kLabel(R"re(([a-zA-Z_][a-zA-Z0-9_]*)="([^"]*)")re");
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::smatch m;
    EXPECT_TRUE(std::regex_match(line, m, kLine)) << line;
    if (m.empty()) continue;
    Series s{m[1], {}, std::stod(m[4])};
    std::string labels = m[3];
    for (std::sregex_iterator it(labels.begin(), labels.end(), kLabel), end; it != end; ++it)
      s.labels[(*it)[1]] = (*it)[2];
    out.push_back(std::move(s));
  }
  return out;
}

std::optional<double> valueOf(const std::vector<Series>& all, const std::string& name,
                              const std::map<std::string, std::string>& labels = {}) {
  for (const auto& s : all) {
    if (s.name != name) continue;
    bool match = true;
    for (const auto& [k, v] : labels) match = match && s.labels.count(k) && s.labels.at(k) == v;
    if (match) return s.value;
  }
  return std::nullopt;
}

TEST(Labels, EntryCauseIsOneOfThree) {
  EXPECT_STREQ(entryLabels(true, "whatever").cause, "none");
  EXPECT_STREQ(entryLabels(false, "client").cause, "client");
  EXPECT_STREQ(entryLabels(false, "service").cause, "service");
  // Unknown causes are the service's, as in the SLA engine.
  EXPECT_STREQ(entryLabels(false, "").cause, "service");
  EXPECT_STREQ(entryLabels(false, "alice").outcome, "failure");
}

TEST(Labels, ApiCodes) {
  EXPECT_EQ(apiCodeLabel(""), "ok");
  EXPECT_EQ(apiCodeLabel("InvalidAction"), "InvalidAction");
  EXPECT_EQ(apiCodeLabel("AuthFailure.SignatureExpire"), "AuthFailure.SignatureExpire");
  EXPECT_EQ(apiCodeLabel("MissingParameter.RoomId"), "MissingParameter.RoomId");
  EXPECT_EQ(apiCodeLabel("NotAFamily.X"), "other");
  EXPECT_EQ(apiCodeLabel("InvalidParameter.a b\"c"), "InvalidParameter");
  EXPECT_EQ(apiCodeLabel("InvalidParameter." + std::string(100, 'x')), "InvalidParameter");
}

TEST(Metrics, RendersEveryFamilyWithZeroesBeforeAnyTraffic) {
  Metrics m(isKnown, "/nonexistent-proc");
  WorkerCounters w0;
  m.addWorker(w0);
  std::string text = m.render();
  for (const char* name :
       {"atrium_entry_requests_total", "atrium_ready", "atrium_rooms", "atrium_participants", "atrium_publishers",
        "atrium_subscribers", "atrium_rate_limited_total", "atrium_callback_deliveries_total",
        "atrium_media_packets_total", "atrium_media_bytes_total", "atrium_media_packets_dropped_total",
        "atrium_media_rtcp_feedback_total", "atrium_media_retransmissions_total", "atrium_media_reported_loss_ratio",
        "atrium_dtls_handshakes_total", "atrium_media_worker_cpu_seconds_total",
        "atrium_media_worker_loop_lag_seconds", "atrium_ice_tcp_connections", "atrium_ice_tcp_connections_closed_total"})
    EXPECT_NE(text.find(std::string("# TYPE ") + name + " "), std::string::npos) << name;
  auto s = parse(text);
  EXPECT_EQ(valueOf(s, "atrium_entry_requests_total", {{"outcome", "failure"}, {"cause", "service"}}), 0.0);
  EXPECT_EQ(valueOf(s, "atrium_entry_requests_total", {{"outcome", "success"}, {"cause", "none"}}), 0.0);
  EXPECT_EQ(valueOf(s, "atrium_build_info"), 1.0);
  // Without /proc the process families are absent rather than wrong.
  EXPECT_EQ(text.find("process_cpu_seconds_total"), std::string::npos);
}

TEST(Metrics, EntryAndApiCounters) {
  Metrics m(isKnown, "/nonexistent-proc");
  m.countEntry(true, "none");
  m.countEntry(true, "none");
  m.countEntry(false, "client");
  m.countEntry(false, "service");
  m.countEntry(false, "mystery");
  m.countApiCall("DismissRoom", "");
  m.countApiCall("DismissRoom", "FailedOperation.RoomNotExist");
  m.countApiCall("user_alice_203.0.113.7", "InvalidAction");
  auto s = parse(m.render());
  EXPECT_EQ(valueOf(s, "atrium_entry_requests_total", {{"outcome", "success"}, {"cause", "none"}}), 2.0);
  EXPECT_EQ(valueOf(s, "atrium_entry_requests_total", {{"outcome", "failure"}, {"cause", "client"}}), 1.0);
  EXPECT_EQ(valueOf(s, "atrium_entry_requests_total", {{"outcome", "failure"}, {"cause", "service"}}), 2.0);
  EXPECT_EQ(valueOf(s, "atrium_api_requests_total", {{"action", "DismissRoom"}, {"code", "ok"}}), 1.0);
  EXPECT_EQ(valueOf(s, "atrium_api_requests_total", {{"action", "DismissRoom"}, {"code", "FailedOperation.RoomNotExist"}}),
            1.0);
  EXPECT_EQ(valueOf(s, "atrium_api_requests_total", {{"action", "unknown"}, {"code", "InvalidAction"}}), 1.0);
}

TEST(Metrics, ApiLabelsStayBoundedUnderAttack) {
  Metrics m(isKnown, "/nonexistent-proc");
  for (int i = 0; i < 5000; ++i) {
    m.countApiCall("Action" + std::to_string(i), "InvalidParameter.P" + std::to_string(i));
    m.countApiCall("DismissRoom", "Garbage" + std::to_string(i));
  }
  auto s = parse(m.render());
  std::set<std::string> actions, codes;
  size_t series = 0;
  double total = 0;
  for (const auto& x : s) {
    if (x.name != "atrium_api_requests_total") continue;
    ++series;
    total += x.value;
    actions.insert(x.labels.at("action"));
    codes.insert(x.labels.at("code"));
  }
  EXPECT_EQ(actions, (std::set<std::string>{"unknown", "DismissRoom"}));
  EXPECT_LE(codes.size(), Metrics::kMaxApiCodes + 13);
  EXPECT_LE(series, 2 * (Metrics::kMaxApiCodes + 13));
  EXPECT_EQ(total, 10000.0);  // nothing is lost, only folded into fewer series
  EXPECT_TRUE(codes.count("other"));
  EXPECT_TRUE(codes.count("InvalidParameter"));
}

TEST(Metrics, ControlSampleIsReadAtScrapeTime) {
  Metrics m(isKnown, "/nonexistent-proc");
  int calls = 0;
  m.setControlSource([&] {
    ++calls;
    ControlSample c;
    c.ready = true;
    c.rooms = 2;
    c.participants = 5;
    c.publishers = 3;
    c.subscribers = 4;
    c.signalingRateLimited = 7;
    c.apiRateLimited = 8;
    c.callbackQueueDepth = 9;
    c.callbackFailedAttempts = 10;
    c.listeners = {{"signal", 3, 1, 2, 4, 5, 6, 7, 8}, {"api", 1, 0}};
    c.storeWriteFailures = {{"entry", 0}, {"callback", 4}};
    c.storeWritesFailing = true;
    c.storeBacklogRows = 11;
    c.storeBacklogDropped = 12;
    return c;
  });
  auto s = parse(m.render());
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(valueOf(s, "atrium_ready"), 1.0);
  EXPECT_EQ(valueOf(s, "atrium_rooms"), 2.0);
  EXPECT_EQ(valueOf(s, "atrium_participants"), 5.0);
  EXPECT_EQ(valueOf(s, "atrium_publishers"), 3.0);
  EXPECT_EQ(valueOf(s, "atrium_subscribers"), 4.0);
  EXPECT_EQ(valueOf(s, "atrium_rate_limited_total", {{"endpoint", "signaling"}}), 7.0);
  EXPECT_EQ(valueOf(s, "atrium_rate_limited_total", {{"endpoint", "api"}}), 8.0);
  EXPECT_EQ(valueOf(s, "atrium_callback_queue_depth"), 9.0);
  EXPECT_EQ(valueOf(s, "atrium_callback_deliveries_total", {{"result", "failed_attempt"}}), 10.0);
  EXPECT_EQ(valueOf(s, "atrium_http_connections", {{"listener", "signal"}}), 3.0);
  EXPECT_EQ(valueOf(s, "atrium_http_connections_refused_total", {{"listener", "signal"}}), 1.0);
  EXPECT_EQ(valueOf(s, "atrium_store_write_failures_total", {{"write", "callback"}}), 4.0);
  EXPECT_EQ(valueOf(s, "atrium_store_write_failures_total", {{"write", "entry"}}), 0.0);
  EXPECT_EQ(valueOf(s, "atrium_store_writes_failing"), 1.0);
  EXPECT_EQ(valueOf(s, "atrium_store_backlog_rows"), 11.0);
  EXPECT_EQ(valueOf(s, "atrium_store_backlog_dropped_total"), 12.0);
  EXPECT_EQ(valueOf(s, "atrium_http_connections_pending", {{"listener", "signal"}}), 2.0);
  const std::pair<const char*, double> closed[] = {
      {"evicted", 4}, {"tls_handshake_timeout", 5}, {"header_timeout", 6}, {"bad_request", 7}, {"budget_full", 8}};
  for (const auto& [reason, value] : closed)
    EXPECT_EQ(valueOf(s, "atrium_http_connections_closed_total", {{"listener", "signal"}, {"reason", reason}}), value) << reason;
  EXPECT_EQ(valueOf(s, "atrium_http_connections_closed_total", {{"listener", "api"}, {"reason", "evicted"}}), 0.0);
}

TEST(Metrics, WorkersAreSummedAndLoadIsPerWorker) {
  Metrics m(isKnown, "/nonexistent-proc");
  WorkerCounters a, b;
  m.addWorker(a);
  m.addWorker(b);
  put(a.rtpIn, 100);
  put(b.rtpIn, 50);
  put(a.bytesOut, 1000);
  bump(a.dropped[static_cast<size_t>(DropReason::kSrtpUnprotect)], 3);
  bump(b.dropped[static_cast<size_t>(DropReason::kSrtpUnprotect)], 2);
  bump(b.feedbackReceived[static_cast<size_t>(FeedbackType::kNack)]);
  bump(a.feedbackSent[static_cast<size_t>(FeedbackType::kPli)], 4);
  bump(b.dtlsFailed);
  bump(a.dtlsFailedAfterConnect, 2);
  bump(b.dropped[static_cast<size_t>(DropReason::kDtls)], 6);
  put(a.tcpConnections, 2);
  put(b.tcpConnections, 3);
  put(b.tcpTimedOut, 2);
  put(a.tcpEvicted, 6);
  put(b.tcpRefusedPerAddress, 1);
  put(a.cpuNs, 1'500'000'000);
  put(b.loopLagUs, 30'000);
  // Three report blocks: 0 %, ~4 % and ~50 % lost.
  for (uint8_t f : {uint8_t{0}, uint8_t{10}, uint8_t{128}}) a.lossReceived.observe(f);
  b.lossSent.observe(255);
  auto s = parse(m.render());
  EXPECT_EQ(valueOf(s, "atrium_media_packets_total", {{"direction", "in"}, {"kind", "rtp"}}), 150.0);
  EXPECT_EQ(valueOf(s, "atrium_media_bytes_total", {{"direction", "out"}}), 1000.0);
  EXPECT_EQ(valueOf(s, "atrium_media_packets_dropped_total", {{"reason", "srtp_unprotect"}}), 5.0);
  EXPECT_EQ(valueOf(s, "atrium_media_packets_dropped_total", {{"reason", "unknown_ssrc"}}), 0.0);
  EXPECT_EQ(valueOf(s, "atrium_media_rtcp_feedback_total", {{"direction", "received"}, {"type", "nack"}}), 1.0);
  EXPECT_EQ(valueOf(s, "atrium_media_rtcp_feedback_total", {{"direction", "sent"}, {"type", "pli"}}), 4.0);
  EXPECT_EQ(valueOf(s, "atrium_dtls_handshakes_total", {{"result", "failed"}}), 1.0);
  EXPECT_EQ(valueOf(s, "atrium_dtls_handshakes_total", {{"result", "failed_after_connect"}}), 2.0);
  EXPECT_EQ(valueOf(s, "atrium_media_packets_dropped_total", {{"reason", "dtls"}}), 6.0);
  EXPECT_EQ(valueOf(s, "atrium_ice_tcp_connections"), 5.0);
  EXPECT_EQ(valueOf(s, "atrium_ice_tcp_connections_closed_total", {{"reason", "handshake_timeout"}}), 2.0);
  EXPECT_EQ(valueOf(s, "atrium_ice_tcp_connections_closed_total", {{"reason", "over_limit"}}), 0.0);
  EXPECT_EQ(valueOf(s, "atrium_ice_tcp_connections_closed_total", {{"reason", "evicted"}}), 6.0);
  EXPECT_EQ(valueOf(s, "atrium_ice_tcp_connections_closed_total", {{"reason", "over_address_limit"}}), 1.0);
  EXPECT_EQ(valueOf(s, "atrium_media_worker_cpu_seconds_total", {{"worker", "0"}}), 1.5);
  EXPECT_EQ(valueOf(s, "atrium_media_worker_cpu_seconds_total", {{"worker", "1"}}), 0.0);
  EXPECT_EQ(valueOf(s, "atrium_media_worker_loop_lag_seconds", {{"worker", "1"}}), 0.03);
  // Histogram: cumulative buckets, +Inf equals the count, the sum is in ratio units.
  const std::map<std::string, std::string> received{{"direction", "received"}};
  auto bucket = [&](const char* dir, const char* le) {
    return valueOf(s, "atrium_media_reported_loss_ratio_bucket", {{"direction", dir}, {"le", le}});
  };
  EXPECT_EQ(bucket("received", "0.01"), 1.0);
  EXPECT_EQ(bucket("received", "0.05"), 2.0);
  EXPECT_EQ(bucket("received", "0.5"), 3.0);
  EXPECT_EQ(bucket("received", "+Inf"), 3.0);
  EXPECT_EQ(valueOf(s, "atrium_media_reported_loss_ratio_count", received), 3.0);
  EXPECT_NEAR(*valueOf(s, "atrium_media_reported_loss_ratio_sum", received), 138.0 / 256.0, 1e-9);
  EXPECT_EQ(bucket("sent", "0.5"), 0.0);
  EXPECT_EQ(bucket("sent", "1"), 1.0);
  EXPECT_EQ(valueOf(s, "atrium_media_reported_loss_ratio_count", {{"direction", "sent"}}), 1.0);
}

TEST(Metrics, LossBuckets) {
  EXPECT_EQ(lossBucketOf(0), 0u);
  EXPECT_EQ(lossBucketOf(2), 0u);    // 0.0078
  EXPECT_EQ(lossBucketOf(3), 1u);    // 0.0117
  EXPECT_EQ(lossBucketOf(255), kLossBuckets.size() - 1);
}

TEST(Metrics, EveryFamilyIsPrefixedAndLabelValuesComeFromFixedSets) {
  Metrics m(isKnown);
  WorkerCounters w;
  m.addWorker(w);
  m.countApiCall("whatever", "AuthFailure.SignatureFailure");
  auto text = m.render();
  std::set<std::string> names;
  for (const auto& s : parse(text)) {
    EXPECT_TRUE(s.name.rfind("atrium_", 0) == 0 || s.name.rfind("process_", 0) == 0) << s.name;
    for (const auto& [k, v] : s.labels)
      EXPECT_TRUE((std::set<std::string>{"outcome", "cause", "action", "code", "endpoint", "result", "listener",
                                         "direction", "kind", "reason", "type", "le", "worker", "version"})
                      .count(k))
          << k;
    names.insert(s.name);
  }
  // The real /proc is there on Linux: the conventional process families are exposed.
  for (const char* n : {"process_cpu_seconds_total", "process_resident_memory_bytes", "process_start_time_seconds",
                        "process_open_fds"})
    EXPECT_TRUE(names.count(n)) << n;
}

}  // namespace
}  // namespace atrium::metrics
