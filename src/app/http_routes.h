// Plain HTTP routes of the signaling listener: health check and (dev mode) the demo page.
#pragma once

#include <string>

#include "web/web_server.h"

namespace atrium::app {

struct RouteContext {
  bool dev = false;
  std::string webRoot;  // directory of sdk/web assets served in dev mode
  // Dev mode only: the demo app, for GET /dev/usersig?userId=U (the demo page's tickets).
  uint32_t demoAppId = 0;
  std::string demoAppKey;
};

web::HttpResponse handleHttp(const RouteContext& ctx, const web::HttpRequest& req);

}  // namespace atrium::app
