#include "app/http_routes.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "auth/ticket.h"
#include "base/clock.h"
#include "base/ids.h"

namespace atrium::app {
namespace {

std::string contentTypeOf(const std::string& path) {
  auto ends = [&](const char* ext) { return path.size() >= strlen(ext) && path.compare(path.size() - strlen(ext), strlen(ext), ext) == 0; };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js") || ends(".mjs")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".json")) return "application/json";
  if (ends(".d.ts")) return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

// Serves files of webRoot only: no "..", no hidden files, nothing outside the folder.
std::optional<web::HttpResponse> serveStatic(const std::string& root, std::string path) {
  if (root.empty()) return std::nullopt;
  if (path == "/") path = "/index.html";
  if (path.find("..") != std::string::npos || path.find("/.") != std::string::npos) return std::nullopt;
  std::ifstream in(root + path, std::ios::binary);
  if (!in || std::filesystem::is_directory(root + path)) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return web::HttpResponse{200, contentTypeOf(path), ss.str(), {{"Cache-Control", "no-cache"}}};
}

// Issues a 24-hour UserSig of the demo app. Like TRTC's GenerateTestUserSig this exists for
// trying things out only; it is never served outside dev mode.
web::HttpResponse devUserSig(const RouteContext& ctx, const std::string& target) {
  auto q = target.find("userId=");
  std::string userId = q == std::string::npos ? "" : target.substr(q + 7);
  userId = userId.substr(0, userId.find('&'));
  nlohmann::json out;
  if (ctx.demoAppId == 0 || !base::isValidUserId(userId)) {
    out["error"] = "userId must be 1..32 bytes of A-Z a-z 0-9 _ -";
    return {400, "application/json", out.dump(), {}};
  }
  out = {{"sdkAppId", ctx.demoAppId},
         {"userId", userId},
         {"userSig", auth::generateUserSig(ctx.demoAppId, ctx.demoAppKey, userId, 86400,
                                           base::SystemClock::instance().unixSeconds())}};
  return {200, "application/json", out.dump(), {{"Cache-Control", "no-store"}}};
}

}  // namespace

web::HttpResponse handleHttp(const RouteContext& ctx, const web::HttpRequest& req) {
  std::string path = req.target.substr(0, req.target.find('?'));
  if (req.method != "GET" && req.method != "HEAD") return {405, "text/plain; charset=utf-8", "method not allowed\n", {}};
  if (path == "/healthz") return {200, "text/plain; charset=utf-8", "ok\n", {}};
  if (ctx.dev && path == "/dev/usersig") return devUserSig(ctx, req.target);
  if (ctx.dev)
    if (auto file = serveStatic(ctx.webRoot, path)) return *file;
  return {404, "text/plain; charset=utf-8", "not found\n", {}};
}

}  // namespace atrium::app
