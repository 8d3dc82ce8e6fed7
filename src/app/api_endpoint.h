// Glue for the API listener: live-room control over the signaling service, and the HTTPS handler
// that feeds requests to the ApiService. The API listener has no WebSocket endpoint.
#pragma once

#include "api/api_service.h"
#include "metrics/metrics.h"
#include "signal/signaling_service.h"
#include "web/web_server.h"

namespace atrium::app {

class SignalRoomControl final : public api::RoomControl {
 public:
  explicit SignalRoomControl(signal::SignalingService& service) : service_(service) {}
  bool roomExists(const base::RoomKey& key) override { return service_.rooms().roomExists(key); }
  size_t dismissRoom(const base::RoomKey& key) override { return service_.dismissRoom(key); }
  size_t removeUsers(const base::RoomKey& key, const std::vector<std::string>& userIds) override {
    size_t n = 0;
    for (const auto& u : userIds) n += service_.removeUser(key, u) ? 1 : 0;
    return n;
  }

 private:
  signal::SignalingService& service_;
};

class NoWebSockets final : public web::WsHandler {
 public:
  bool onOpen(uint64_t, const std::string&) override { return false; }
  void onText(uint64_t, std::string_view) override {}
  void onBinary(uint64_t) override {}
  void onActivity(uint64_t) override {}
  void onClose(uint64_t) override {}
};

// metrics (nullable) counts the call by action and result code (labels bounded there). The answer
// may come later: an action that reads the store replies once its work came back to the loop.
inline void handleApiHttp(api::ApiService& service, web::HttpRequest req, web::HttpReply reply,
                          metrics::Metrics* metrics = nullptr) {
  if (req.target.substr(0, req.target.find('?')) == "/healthz") return reply({200, "text/plain; charset=utf-8", "ok\n", {}});
  std::string action = req.header("x-tc-action");
  service.handleAsync({std::move(req.method), std::move(req.target), std::move(req.headers), std::move(req.body),
                       std::move(req.remoteIp), req.bodyTooLarge},
                      [reply = std::move(reply), metrics, action = std::move(action)](api::ApiResponse res) {
                        if (metrics) metrics->countApiCall(action, res.errorCode);
                        reply({200, "application/json", std::move(res.body), {{"X-TC-RequestId", res.requestId}}});
                      });
}

}  // namespace atrium::app
