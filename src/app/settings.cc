#include "app/settings.h"

#include <CLI/CLI.hpp>
#include <toml.hpp>

#include <cctype>
#include <cstdlib>
#include <set>

namespace atrium::app {

const std::vector<SettingDef>& settingDefs() {
  static const std::vector<SettingDef> kDefs = {
      {"server.mode", "production",
       "dev: generate a self-signed certificate, a master key and a demo app; production: all must be provided"},
      {"server.data_dir", "./data", "directory of the SQLite database, master key and dev certificate"},
      {"server.master_key_file", "",
       "file holding the 32-byte master key as 64 hex chars (default <data_dir>/master.key; "
       "$ATRIUM_MASTER_KEY takes precedence)"},
      {"server.log_level", "info", "debug | info | warn | error"},
      {"server.log_file", "", "log to this file instead of stderr"},
      {"server.tls_handshake_timeout_ms", "2500",
       "every HTTPS listener: close a connection whose TLS handshake is not done within this time (R18)"},
      {"server.header_timeout_ms", "2500",
       "every HTTP(S) listener: close a new connection that has not sent its first request line and headers "
       "within this time after the TLS handshake (R18)"},
      {"server.ready_file", "", "once listening, write {pid, ports, demo app id} as JSON here"},
      {"tls.cert_file", "", "PEM certificate chain (dev default: <data_dir>/tls/cert.pem, generated)"},
      {"tls.key_file", "", "PEM private key (dev default: <data_dir>/tls/key.pem, generated)"},
      {"signal.address", "0.0.0.0", "listen address of the signaling WebSocket (wss) and demo page"},
      {"signal.port", "4443", "listen port; 0 picks a free port (see server.ready_file)"},
      {"signal.allow_plaintext", "false", "serve ws:// without TLS; only accepted with a loopback address"},
      {"signal.max_message_bytes", "65536", "largest accepted text frame (SDP offers are the largest); 4x this closes the socket"},
      {"signal.messages_per_second", "50", "request rate per connection"},
      {"signal.message_burst", "100", "request burst per connection"},
      {"signal.auth_timeout_ms", "10000", "close connections that are not in a room for this long"},
      {"signal.max_bad_messages", "5", "close a connection after this many malformed messages"},
      {"signal.max_connections_per_ip", "64", "concurrent WebSocket connections per client address"},
      {"signal.max_connections", "10000",
       "established TCP connections (WebSockets and HTTP keep-alive) of the signaling listener; keep it below the "
       "descriptor limit minus the pending budgets of all listeners"},
      {"signal.max_pending_connections", "1024",
       "signaling listener: connections that have not completed a request yet; when full, the oldest is closed to "
       "admit a new one"},
      {"signal.max_pending_per_ip", "32", "signaling listener: pending connections per client address (IPv6: per /64)"},
      {"signal.entries_per_ip_per_second", "5", "enterRoom/resume rate per client address"},
      {"signal.entry_burst_per_ip", "20", "enterRoom/resume burst per client address"},
      {"signal.session_grace_ms", "30000", "how long a dropped session stays resumable"},
      {"signal.heartbeat_interval_ms", "5000", "client heartbeat interval; 3 missed intervals close the socket"},
      {"signal.max_sessions", "100000", "sessions beyond this are refused with OVERLOADED"},
      {"auth.clock_skew_seconds", "30", "tolerated clock difference when checking ticket expiry"},
      {"api.address", "0.0.0.0", "listen address of the TRTC-compatible server API (HTTPS)"},
      {"api.port", "4444", "listen port of the server API; 0 picks a free port (see server.ready_file)"},
      {"api.allow_plaintext", "false", "serve the API over plain HTTP; only accepted with a loopback address"},
      {"api.requests_per_second", "20", "requests per second per (SecretId, Action), as TRTC documents"},
      {"api.burst", "20", "burst per (SecretId, Action)"},
      {"api.max_body_bytes", "65536", "largest accepted request body"},
      {"api.max_connections_per_ip", "32", "concurrent established API connections per client address"},
      {"api.max_connections", "1024", "concurrent established API connections in total"},
      {"api.max_pending_connections", "256",
       "API listener: connections that have not completed a request yet; when full, the oldest is closed to admit "
       "a new one"},
      {"api.max_pending_per_ip", "16", "API listener: pending connections per client address (IPv6: per /64)"},
      {"api.timestamp_skew_seconds", "300", "accepted difference between X-TC-Timestamp and server time"},
      {"api.workers", "2",
       "threads that run the API actions reading or erasing stored data (Describe*, EraseUserData) off the control "
       "loop; the reply follows when they are done"},
      {"api.max_queued_actions", "256",
       "such actions waiting for a worker; more are answered RequestLimitExceeded at once"},
      {"callback.timeout_ms", "5000", "timeout of one callback POST"},
      {"callback.retry_interval_ms", "10000", "retry interval after the immediate first retry"},
      {"callback.give_up_after_ms", "60000", "stop retrying this long after the first attempt"},
      {"callback.ca_file", "", "extra CA certificate(s) for callback receivers with private certificates"},
      {"media.workers", "0", "media worker threads rooms are pinned to (0: one per core)"},
      {"media.address", "0.0.0.0", "address the media workers' UDP ports bind to"},
      {"media.announced_address", "127.0.0.1", "address put in ICE candidates: the server's public IP in production"},
      {"media.port", "0", "UDP port of the first media worker (worker i uses port + i); 0 picks free ports"},
      {"media.srtp_profiles", "aead_aes_128_gcm,aead_aes_256_gcm,aes_cm_128_hmac_sha1_80",
       "SRTP profiles offered in DTLS, in order of preference"},
      {"media.tcp_port", "same",
       "ICE-TCP passive candidate (RFC 6544) for clients whose networks block UDP: TCP port of the first media "
       "worker (worker i uses port + i); same: each worker's UDP port number (TCP and UDP ports are separate; with "
       "media.port 0 the kernel picks the TCP ports too); 0: no ICE-TCP"},
      {"media.tcp_max_connections", "256",
       "ICE-TCP connections per media worker; when full, the oldest connection that has not sent a valid STUN "
       "check yet is closed to admit a new one (bound connections are never evicted)"},
      {"media.tcp_max_pending_per_ip", "8",
       "ICE-TCP connections per media worker and client address (IPv6: per /64) that have not sent a valid STUN "
       "check yet; more are closed at once"},
      {"media.tcp_handshake_timeout_ms", "2500",
       "close an ICE-TCP connection that has not sent a valid STUN binding request within this time"},
      {"media.tcp_send_queue_bytes", "262144",
       "per ICE-TCP connection: bytes queued for a slow reader before packets are dropped (at least 65537)"},
      {"media.udp_candidates", "true",
       "put the UDP candidate in SDP; false (a test/diagnostic option) leaves only ICE-TCP, forcing clients onto it"},
      {"media.test_loss_percent", "0",
       "test/diagnostic: drop this percentage of RTP packets at random, both from publishers and to subscribers, "
       "to exercise loss recovery (NACK, RTX) without netem; never set it in production"},
      {"metrics.address", "127.0.0.1",
       "listen address of /metrics, /healthz and /readyz: plain HTTP on loopback, HTTPS with the server "
       "certificate on any other address (no authentication: keep it on a private network)"},
      {"metrics.port", "9464", "listen port of the metrics endpoint; 0 disables it"},
      {"store.engine", "sqlite",
       "sqlite: the embedded database <data_dir>/atrium.db; postgres: the PostgreSQL database of store.dsn"},
      {"store.dsn", "",
       "PostgreSQL connection string (libpq key=value or postgresql:// URI) for store.engine=postgres; keep the "
       "password out of the config file: $ATRIUM_STORE_DSN, PGPASSWORD or a pgpass file"},
      {"store.regions", "",
       "data residency (R15): region=database pairs separated by ';', e.g. \"eu=postgresql://db-eu/atrium;us=host=db-us "
       "dbname=atrium\" (sqlite:PATH names a SQLite file); an app whose region is listed keeps its app-scoped data "
       "there, all else stays in the default store"},
      {"store.settings_poll_ms", "500",
       "how often atriumd checks the store for app and API-key changes made by any process (CLI, another node): "
       "such a change takes effect within this time (a refusal is always checked against a fresh read)"},
      {"store.backlog_rows", "100000",
       "control-path rows (entry log, room and user events, callback jobs, audit records) kept in memory while "
       "the store fails; more are dropped and counted, and entries of apps with callbacks are refused"},
      {"retention.purge_interval_s", "3600",
       "how often atriumd's purge job deletes expired data and deleted apps (R13); 0: never (run `atrium purge` "
       "from cron instead)"},
      {"retention.quality_days", "14", "quality samples and user events are kept this many days (R13: at least 14)"},
      {"retention.backend_logs_days", "30", "rooms, user sessions and failed callbacks are kept this many days"},
      {"retention.entry_events_days", "62",
       "room-entry log kept this many days (at least 31: a service month's SLA report needs the whole month)"},
      {"retention.audit_days", "180", "audit log, erasure log and surge notices are kept this many days"},
      {"retention.deleted_app_grace_days", "0",
       "days a deleted app's data is kept before the purge job removes it (0..6: R13 wants it gone within 7 days)"},
      {"cluster.redis", "",
       "Redis 7 that keeps sessions beyond this process (redis://[:password@]host:port): after a restart, or on "
       "another node sharing it, clients resume their sessions; empty: sessions live only in this process. Put the "
       "password in $ATRIUM_CLUSTER_REDIS rather than the config file; hiredis 0.14 has no TLS, so keep Redis on "
       "loopback or a private network"},
      {"dev.demo_user", "demo_user", "userId of the UserSig printed in dev mode"},
      {"dev.web_root", "", "folder of the demo page and Web SDK served in dev mode (default: the source tree's sdk/web)"},
  };
  return kDefs;
}

namespace {

const SettingDef* findDef(const std::string& key) {
  for (const auto& d : settingDefs())
    if (key == d.key) return &d;
  return nullptr;
}

base::Error badValue(const std::string& key, const std::string& value, const char* expected) {
  return base::makeError("CONFIG", "setting " + key + ": expected " + expected + ", got '" + value + "'");
}

std::string tomlScalar(const toml::value& v) {
  if (v.is_string()) return v.as_string().str;
  if (v.is_boolean()) return v.as_boolean() ? "true" : "false";
  if (v.is_integer()) return std::to_string(v.as_integer());
  if (v.is_floating()) return std::to_string(v.as_floating());
  return "";
}

base::Status mergeToml(const std::string& path, std::map<std::string, std::string>& out) {
  toml::value root;
  try {
    root = toml::parse(path);
  } catch (const std::exception& e) {
    return base::makeError("CONFIG", std::string("cannot read config file: ") + e.what());
  }
  if (!root.is_table()) return base::makeError("CONFIG", "config file must be a TOML table");
  for (const auto& [section, table] : root.as_table()) {
    if (!table.is_table()) return base::makeError("CONFIG", "config: top-level key '" + section + "' must be a [section]");
    for (const auto& [name, value] : table.as_table()) {
      std::string key = section + "." + name;
      if (!findDef(key)) return base::makeError("CONFIG", "config: unknown setting " + key);
      if (value.is_table() || value.is_array()) return base::makeError("CONFIG", "config: " + key + " must be a scalar");
      out[key] = tomlScalar(value);
    }
  }
  return base::Ok{};
}

}  // namespace

std::string envNameOf(const std::string& key) {
  std::string out = "ATRIUM_";
  for (char c : key) out += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string Settings::str(const std::string& key) const {
  auto it = values_.find(key);
  if (it != values_.end()) return it->second;
  const SettingDef* d = findDef(key);
  return d ? d->defaultValue : "";
}

base::Result<int64_t> Settings::integer(const std::string& key, int64_t min, int64_t max) const {
  std::string v = str(key);
  try {
    size_t used = 0;
    long long n = std::stoll(v, &used);
    if (used != v.size() || n < min || n > max) throw std::out_of_range(v);
    return static_cast<int64_t>(n);
  } catch (const std::exception&) {
    return badValue(key, v, ("an integer in " + std::to_string(min) + ".." + std::to_string(max)).c_str());
  }
}

base::Result<double> Settings::number(const std::string& key, double min, double max) const {
  std::string v = str(key);
  try {
    size_t used = 0;
    double n = std::stod(v, &used);
    if (used != v.size() || !(n >= min && n <= max)) throw std::out_of_range(v);
    return n;
  } catch (const std::exception&) {
    return badValue(key, v, "a number in range");
  }
}

base::Result<bool> Settings::boolean(const std::string& key) const {
  std::string v = str(key);
  if (v == "true" || v == "1" || v == "yes") return true;
  if (v == "false" || v == "0" || v == "no") return false;
  return badValue(key, v, "true or false");
}

void addSettingFlags(CLI::App& app, FlagValues& flags) {
  app.add_option("--config", flags.configFile, "TOML configuration file (also $ATRIUM_CONFIG)");
  for (const auto& d : settingDefs()) {
    std::string key = d.key;
    std::string help = std::string(d.help) + " [default: " + (*d.defaultValue ? d.defaultValue : "\"\"") +
                       "; env " + envNameOf(key) + "]";
    app.add_option("--" + key, flags.values[key], help);
  }
}

base::Result<Settings> resolveSettings(const FlagValues& flags) {
  std::map<std::string, std::string> merged;
  std::string file = flags.configFile;
  if (file.empty())
    if (const char* env = std::getenv("ATRIUM_CONFIG")) file = env;
  if (!file.empty()) {
    auto st = mergeToml(file, merged);
    if (!st.ok()) return st.error();
  }
  for (const auto& d : settingDefs())
    if (const char* env = std::getenv(envNameOf(d.key).c_str())) merged[d.key] = env;
  for (const auto& [key, value] : flags.values)
    if (!value.empty()) merged[key] = value;
  Settings s;
  for (auto& [k, v] : merged) s.set(k, v);
  std::string mode = s.str("server.mode");
  if (mode != "dev" && mode != "production") return badValue("server.mode", mode, "dev or production");
  return s;
}

}  // namespace atrium::app
