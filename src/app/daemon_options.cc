#include "app/daemon_options.h"

#include <thread>

namespace atrium::app {

bool isLoopbackAddress(const std::string& a) { return a == "::1" || a == "localhost" || a.rfind("127.", 0) == 0; }

base::Result<DaemonOptions> readDaemonOptions(const Settings& s) {
  DaemonOptions o;
  std::optional<base::Error> error;
  auto i = [&](const char* key, int64_t min, int64_t max) -> int64_t {
    auto r = s.integer(key, min, max);
    if (!r.ok() && !error) error = r.error();
    return r.ok() ? *r : 0;
  };
  auto d = [&](const char* key, double min, double max) -> double {
    auto r = s.number(key, min, max);
    if (!r.ok() && !error) error = r.error();
    return r.ok() ? *r : 0;
  };
  auto& l = o.limits;
  l.maxMessageBytes = static_cast<size_t>(i("signal.max_message_bytes", 1024, 1 << 20));
  l.messagesPerSecond = d("signal.messages_per_second", 0.1, 1e6);
  l.messageBurst = d("signal.message_burst", 1, 1e6);
  l.authTimeoutMs = i("signal.auth_timeout_ms", 100, 3'600'000);
  l.maxBadMessages = static_cast<int>(i("signal.max_bad_messages", 1, 1000));
  l.maxConnectionsPerIp = static_cast<size_t>(i("signal.max_connections_per_ip", 1, 1'000'000));
  l.entriesPerIpPerSecond = d("signal.entries_per_ip_per_second", 0.01, 1e6);
  l.entryBurstPerIp = d("signal.entry_burst_per_ip", 1, 1e6);
  l.sessionGraceMs = i("signal.session_grace_ms", 0, 3'600'000);
  l.heartbeatIntervalMs = i("signal.heartbeat_interval_ms", 100, 600'000);
  l.maxSessions = static_cast<size_t>(i("signal.max_sessions", 1, 100'000'000));
  l.clockSkewSeconds = i("auth.clock_skew_seconds", 0, 86400);

  const int64_t tlsHandshakeMs = i("server.tls_handshake_timeout_ms", 100, 60'000);
  const int64_t headerMs = i("server.header_timeout_ms", 100, 60'000);
  auto& w = o.server;
  w.name = "signal";
  w.tlsHandshakeTimeoutMs = tlsHandshakeMs;
  w.headerTimeoutMs = headerMs;
  w.maxConnections = static_cast<size_t>(i("signal.max_connections", 1, 10'000'000));
  w.maxPendingConnections = static_cast<size_t>(i("signal.max_pending_connections", 1, 10'000'000));
  w.maxPendingPerIp = static_cast<size_t>(i("signal.max_pending_per_ip", 1, 10'000'000));
  w.address = s.str("signal.address");
  w.port = static_cast<uint16_t>(i("signal.port", 0, 65535));
  w.maxWsMessageBytes = l.maxMessageBytes * 4;
  // Pings every 2 intervals; the transport drops a peer silent for 4 intervals, after the
  // service's own 3-interval heartbeat timeout has closed it with the documented code 4002.
  w.pingIntervalMs = 2 * l.heartbeatIntervalMs;
  auto plaintext = s.boolean("signal.allow_plaintext");
  if (!plaintext.ok()) return plaintext.error();
  w.tls = !*plaintext;
  if (!w.tls && !isLoopbackAddress(w.address))
    return base::makeError("CONFIG", "signal.allow_plaintext requires a loopback signal.address (R6: no plaintext path off this host)");
  // TCP-level caps leave room for page loads beside the WebSocket cap enforced by signaling.
  w.maxConnectionsPerIp = 4 * l.maxConnectionsPerIp;

  auto& a = o.apiServer;
  a.name = "api";
  a.tlsHandshakeTimeoutMs = tlsHandshakeMs;
  a.headerTimeoutMs = headerMs;
  a.maxPendingConnections = static_cast<size_t>(i("api.max_pending_connections", 1, 10'000'000));
  a.maxPendingPerIp = static_cast<size_t>(i("api.max_pending_per_ip", 1, 10'000'000));
  a.address = s.str("api.address");
  a.port = static_cast<uint16_t>(i("api.port", 0, 65535));
  a.wsPath = "";
  a.maxConnectionsPerIp = static_cast<size_t>(i("api.max_connections_per_ip", 1, 1'000'000));
  a.maxConnections = static_cast<size_t>(i("api.max_connections", 1, 1'000'000));
  o.api.maxBodyBytes = static_cast<size_t>(i("api.max_body_bytes", 1024, 10 << 20));
  // A body over the limit is not read; the API still answers it in its envelope (InvalidRequest,
  // as docs/api.md promises), whatever its size.
  a.maxHttpBodyBytes = o.api.maxBodyBytes;
  a.oversizedBodyToHandler = true;
  o.api.requestsPerSecond = d("api.requests_per_second", 0.01, 1e6);
  o.api.burst = d("api.burst", 1, 1e6);
  o.api.maxSkewSeconds = i("api.timestamp_skew_seconds", 1, 86400);
  auto apiPlain = s.boolean("api.allow_plaintext");
  if (!apiPlain.ok()) return apiPlain.error();
  a.tls = !*apiPlain;
  if (!a.tls && !isLoopbackAddress(a.address))
    return base::makeError("CONFIG", "api.allow_plaintext requires a loopback api.address (R6: no plaintext path off this host)");

  auto& m = o.metricsServer;
  m.name = "metrics";
  m.tlsHandshakeTimeoutMs = tlsHandshakeMs;
  m.headerTimeoutMs = headerMs;
  m.maxPendingConnections = 16;
  m.maxPendingPerIp = 8;
  m.address = s.str("metrics.address");
  m.port = static_cast<uint16_t>(i("metrics.port", 0, 65535));
  o.metricsEnabled = m.port != 0;
  m.wsPath = "";
  // Scrapers are few: small caps keep this listener from being a way to exhaust descriptors.
  m.maxConnections = 64;
  m.maxConnectionsPerIp = 16;
  m.maxHttpBodyBytes = 1024;  // only GETs are served
  // R6: plain HTTP only on loopback; on any other address the endpoint is HTTPS with the
  // server's certificate (Prometheus: scheme https + tls_config).
  m.tls = !isLoopbackAddress(m.address);

  o.callbacks.timeoutMs = i("callback.timeout_ms", 100, 600'000);
  o.callbacks.retryIntervalMs = i("callback.retry_interval_ms", 10, 3'600'000);
  o.callbacks.giveUpAfterMs = i("callback.give_up_after_ms", 0, 7 * 86'400'000LL);
  o.callbacks.caFile = s.str("callback.ca_file");

  o.store.settingsPollMs = i("store.settings_poll_ms", 10, 600'000);
  o.store.backlogRows = static_cast<size_t>(i("store.backlog_rows", 100, 100'000'000));
  o.store.apiWorkers = static_cast<size_t>(i("api.workers", 1, 64));
  o.store.apiMaxQueued = static_cast<size_t>(i("api.max_queued_actions", 1, 1'000'000));

  int64_t workers = i("media.workers", 0, 256);
  if (std::string redis = s.str("cluster.redis"); !redis.empty()) {
    auto endpoint = cluster::parseRedisUrl(redis);
    if (!endpoint.ok()) return base::makeError("INVALID_SETTING", "cluster.redis: " + endpoint.error().message);
    o.redis = *endpoint;
  }
  o.mediaWorkers = workers ? static_cast<uint32_t>(workers) : std::max(1u, std::thread::hardware_concurrency());
  o.media.workers = o.mediaWorkers;
  o.media.bindAddress = s.str("media.address");
  o.media.announcedAddress = s.str("media.announced_address");
  o.media.basePort = static_cast<uint16_t>(i("media.port", 0, 65535));
  if (std::string tcp = s.str("media.tcp_port"); tcp == "same") {
    o.media.tcpEnabled = true;
    o.media.tcpBasePort = 0;
  } else {
    int64_t tcpPort = i("media.tcp_port", 0, 65535);
    o.media.tcpEnabled = tcpPort != 0;
    o.media.tcpBasePort = static_cast<uint16_t>(tcpPort);
  }
  o.media.tcpLimits.maxConnections = static_cast<size_t>(i("media.tcp_max_connections", 1, 100'000));
  o.media.tcpLimits.handshakeTimeoutMs = i("media.tcp_handshake_timeout_ms", 100, 600'000);
  o.media.tcpLimits.maxPendingPerAddress = static_cast<size_t>(i("media.tcp_max_pending_per_ip", 1, 100'000));
  o.media.tcpLimits.sendQueueBytes = static_cast<size_t>(i("media.tcp_send_queue_bytes", 65537, 64 << 20));
  if (auto udp = s.boolean("media.udp_candidates"); !udp.ok()) return udp.error();
  else o.media.udpCandidates = *udp;
  if (!error && !o.media.udpCandidates && !o.media.tcpEnabled)
    return base::makeError("CONFIG", "media.udp_candidates=false needs ICE-TCP (media.tcp_port is 0): no candidate would be left");
  auto profiles = parseSrtpProfiles(s.str("media.srtp_profiles"));
  if (!profiles.ok()) return profiles.error();
  o.media.srtpProfiles = *profiles;
  o.media.testLossPercent = d("media.test_loss_percent", 0, 50);
  if (error) return *error;
  return o;
}

}  // namespace atrium::app
