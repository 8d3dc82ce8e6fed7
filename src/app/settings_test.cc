#include "app/settings.h"

#include <gtest/gtest.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "app/daemon_options.h"

namespace atrium::app {
namespace {

std::string writeToml(const std::string& text) {
  auto path = std::filesystem::temp_directory_path() / ("atrium-settings-" + std::to_string(::getpid()) + ".toml");
  std::ofstream(path) << text;
  return path.string();
}

TEST(Settings, DefaultsFileEnvFlagsInOrder) {
  FlagValues flags;
  flags.configFile = writeToml("[signal]\nport = 5000\nauth_timeout_ms = 2000\nmessages_per_second = 7\n");
  ::setenv("ATRIUM_SIGNAL_AUTH_TIMEOUT_MS", "3000", 1);
  ::setenv("ATRIUM_SIGNAL_MESSAGES_PER_SECOND", "8", 1);
  flags.values["signal.messages_per_second"] = "9";
  auto s = resolveSettings(flags);
  ::unsetenv("ATRIUM_SIGNAL_AUTH_TIMEOUT_MS");
  ::unsetenv("ATRIUM_SIGNAL_MESSAGES_PER_SECOND");
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(*s->integer("signal.port", 0, 65535), 5000);             // file
  EXPECT_EQ(*s->integer("signal.auth_timeout_ms", 0, 1 << 30), 3000); // env beats file
  EXPECT_EQ(*s->number("signal.messages_per_second", 0, 100), 9);     // flag beats env
  EXPECT_EQ(s->str("server.mode"), "production");                     // default
}

TEST(Settings, UnknownKeysAndBadValuesAreErrors) {
  FlagValues flags;
  flags.configFile = writeToml("[signal]\nprot = 5000\n");
  auto s = resolveSettings(flags);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("signal.prot"), std::string::npos);

  FlagValues bad;
  bad.values["signal.port"] = "http";
  auto r = resolveSettings(bad);
  ASSERT_TRUE(r.ok());
  auto port = r->integer("signal.port", 0, 65535);
  ASSERT_FALSE(port.ok());
  EXPECT_NE(port.error().message.find("signal.port"), std::string::npos);
  FlagValues mode;
  mode.values["server.mode"] = "prod";
  EXPECT_FALSE(resolveSettings(mode).ok());
}

TEST(Settings, EveryKeyHasAFlag) {
  CLI::App cli;
  FlagValues flags;
  addSettingFlags(cli, flags);
  for (const auto& d : settingDefs()) EXPECT_NE(cli.get_option_no_throw(std::string("--") + d.key), nullptr) << d.key;
  EXPECT_EQ(envNameOf("signal.session_grace_ms"), "ATRIUM_SIGNAL_SESSION_GRACE_MS");
}

TEST(DaemonOptions, PlaintextOnlyOnLoopback) {
  Settings s;
  s.set("signal.allow_plaintext", "true");
  s.set("signal.address", "0.0.0.0");
  auto o = readDaemonOptions(s);
  ASSERT_FALSE(o.ok());
  s.set("signal.address", "127.0.0.1");
  auto ok = readDaemonOptions(s);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_FALSE(ok->server.tls);
  EXPECT_EQ(ok->server.maxWsMessageBytes, 4 * ok->limits.maxMessageBytes);
}

// Issue 15: every listener has pending caps well below the descriptor limit, short
// pre-request deadlines, and the API answers any oversized body itself.
TEST(DaemonOptions, ListenerAdmissionDefaults) {
  Settings s;
  auto o = readDaemonOptions(s);
  ASSERT_TRUE(o.ok()) << o.error().message;
  for (const auto* l : {&o->server, &o->apiServer, &o->metricsServer}) {
    EXPECT_EQ(l->tlsHandshakeTimeoutMs, 2500) << l->name;
    EXPECT_EQ(l->headerTimeoutMs, 2500) << l->name;
    EXPECT_LT(l->maxPendingConnections + l->maxConnections, 20000u) << l->name;
    EXPECT_LE(l->maxPendingPerIp, l->maxPendingConnections) << l->name;
  }
  EXPECT_EQ(o->server.name, "signal");
  EXPECT_EQ(o->server.maxPendingConnections, 1024u);
  EXPECT_EQ(o->server.maxConnections, 10000u);
  EXPECT_EQ(o->apiServer.maxPendingConnections, 256u);
  EXPECT_EQ(o->apiServer.maxHttpBodyBytes, o->api.maxBodyBytes);
  EXPECT_TRUE(o->apiServer.oversizedBodyToHandler);
  EXPECT_FALSE(o->server.oversizedBodyToHandler);
  s.set("server.header_timeout_ms", "1000");
  s.set("api.max_pending_per_ip", "4");
  o = readDaemonOptions(s);
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->apiServer.headerTimeoutMs, 1000);
  EXPECT_EQ(o->apiServer.maxPendingPerIp, 4u);
  s.set("server.tls_handshake_timeout_ms", "0");
  EXPECT_FALSE(readDaemonOptions(s).ok());
}

TEST(DaemonOptions, SrtpProfilesAreParsedInOrder) {
  Settings s;
  s.set("media.srtp_profiles", "aes_cm_128_hmac_sha1_80,aead_aes_256_gcm");
  auto o = readDaemonOptions(s);
  ASSERT_TRUE(o.ok()) << o.error().message;
  ASSERT_EQ(o->media.srtpProfiles.size(), 2u);
  EXPECT_EQ(o->media.srtpProfiles[0], dtls::SrtpProfile::kAes128CmHmacSha1_80);
  s.set("media.srtp_profiles", "rot13");
  EXPECT_FALSE(readDaemonOptions(s).ok());
}

TEST(DaemonOptions, IceTcpPortAndCaps) {
  Settings s;
  auto o = readDaemonOptions(s);
  ASSERT_TRUE(o.ok()) << o.error().message;
  EXPECT_TRUE(o->media.tcpEnabled) << "on by default, on each worker's UDP port number";
  EXPECT_EQ(o->media.tcpBasePort, 0);
  EXPECT_TRUE(o->media.udpCandidates);
  EXPECT_EQ(o->media.tcpLimits.maxConnections, 256u);
  EXPECT_EQ(o->media.tcpLimits.handshakeTimeoutMs, 2500);
  EXPECT_EQ(o->media.tcpLimits.maxPendingPerAddress, 8u);
  s.set("media.tcp_port", "4500");
  s.set("media.tcp_send_queue_bytes", "100000");
  o = readDaemonOptions(s);
  ASSERT_TRUE(o.ok()) << o.error().message;
  EXPECT_TRUE(o->media.tcpEnabled);
  EXPECT_EQ(o->media.tcpBasePort, 4500);
  EXPECT_EQ(o->media.tcpLimits.sendQueueBytes, 100000u);
  s.set("media.tcp_send_queue_bytes", "1000");  // below one maximal frame
  EXPECT_FALSE(readDaemonOptions(s).ok());
  s.set("media.tcp_send_queue_bytes", "100000");
  s.set("media.tcp_port", "0");
  o = readDaemonOptions(s);
  ASSERT_TRUE(o.ok());
  EXPECT_FALSE(o->media.tcpEnabled);
  s.set("media.udp_candidates", "false");
  o = readDaemonOptions(s);
  ASSERT_FALSE(o.ok()) << "no candidate at all";
  EXPECT_NE(o.error().message.find("media.udp_candidates"), std::string::npos);
  s.set("media.tcp_port", "same");
  o = readDaemonOptions(s);
  ASSERT_TRUE(o.ok());
  EXPECT_FALSE(o->media.udpCandidates);
  s.set("media.tcp_port", "udp");
  EXPECT_FALSE(readDaemonOptions(s).ok());
}

TEST(DaemonOptions, ReportsTheFirstBadValue) {
  Settings s;
  s.set("signal.session_grace_ms", "-5");
  auto o = readDaemonOptions(s);
  ASSERT_FALSE(o.ok());
  EXPECT_NE(o.error().message.find("signal.session_grace_ms"), std::string::npos);
}

}  // namespace
}  // namespace atrium::app
