// Typed options of atriumd, read and validated from Settings in one place.
#pragma once

#include <optional>

#include "api/api_service.h"
#include "app/media_plane.h"
#include "app/settings.h"
#include "cluster/redis_client.h"
#include "signal/signaling_service.h"
#include "web/web_server.h"

namespace atrium::app {

struct CallbackOptions {
  int64_t timeoutMs = 5000;
  int64_t retryIntervalMs = 10000;
  int64_t giveUpAfterMs = 60000;
  std::string caFile;
};

// The control plane's way around storage (issue 10).
struct StoreOptions {
  int64_t settingsPollMs = 500;
  size_t backlogRows = 100'000;
  size_t apiWorkers = 2;
  size_t apiMaxQueued = 256;
};

struct DaemonOptions {
  signal::SignalingLimits limits;
  web::ServerOptions server;     // signaling listener (and demo page)
  web::ServerOptions apiServer;  // server API listener
  web::ServerOptions metricsServer;  // /metrics, /healthz, /readyz; port 0 = disabled
  bool metricsEnabled = true;
  api::ApiOptions api;
  CallbackOptions callbacks;
  StoreOptions store;
  MediaOptions media;
  uint32_t mediaWorkers = 1;
  std::optional<cluster::RedisEndpoint> redis;  // cluster.redis; nullopt: sessions live only here
};

base::Result<DaemonOptions> readDaemonOptions(const Settings& settings);
bool isLoopbackAddress(const std::string& address);

}  // namespace atrium::app
