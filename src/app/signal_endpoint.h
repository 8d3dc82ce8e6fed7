// Glue between the WebSocket server and the signaling service: WebSocket callbacks become
// service calls, and the service's sends/closes become socket writes. Both live on the control loop.
#pragma once

#include "signal/signaling_service.h"
#include "web/web_server.h"

namespace atrium::app {

class SignalEndpoint final : public web::WsHandler, public signal::ConnectionSink {
 public:
  void attach(signal::SignalingService& service, web::WebServer& server) {
    service_ = &service;
    server_ = &server;
  }
  bool onOpen(uint64_t conn, const std::string& ip) override { return service_->onOpen(conn, ip); }
  void onText(uint64_t conn, std::string_view text) override { service_->onText(conn, text); }
  void onBinary(uint64_t conn) override { service_->onBinary(conn); }
  void onActivity(uint64_t conn) override { service_->onActivity(conn); }
  void onClose(uint64_t conn) override { service_->onClose(conn); }
  void send(signal::ConnId conn, std::string text) override { server_->send(conn, std::move(text)); }
  void close(signal::ConnId conn, uint16_t code, std::string_view reason) override { server_->close(conn, code, reason); }
  void authenticated(signal::ConnId conn) override { server_->authenticated(conn); }

 private:
  signal::SignalingService* service_ = nullptr;
  web::WebServer* server_ = nullptr;
};

}  // namespace atrium::app
