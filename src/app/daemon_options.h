// Typed options of atriumd, read and validated from Settings in one place.
#pragma once

#include "app/settings.h"
#include "signal/signaling_service.h"
#include "web/web_server.h"

namespace atrium::app {

struct DaemonOptions {
  signal::SignalingLimits limits;
  web::ServerOptions server;
  uint32_t mediaWorkers = 1;
};

base::Result<DaemonOptions> readDaemonOptions(const Settings& settings);
bool isLoopbackAddress(const std::string& address);

}  // namespace atrium::app
