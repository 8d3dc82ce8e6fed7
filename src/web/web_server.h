// HTTPS + WebSocket server and the control-plane event loop. This is the only part of the tree
// that includes Boost.Beast/Asio (they cost ~40 s of compile time per translation unit), so the
// interface below is plain C++: callers never see asio or beast types.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace atrium::web {

// The control plane's single-threaded loop. Everything registered here runs on one thread.
class ControlLoop {
 public:
  ControlLoop();
  ~ControlLoop();
  void run();                                   // until stop()
  void stop();
  void post(std::function<void()> fn);          // thread-safe
  void every(int64_t periodMs, std::function<void()> fn);
  void onTerminate(std::function<void()> fn);   // SIGINT / SIGTERM

  struct Impl;
  Impl& impl() { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

struct HttpRequest {
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  std::string remoteIp;
  bool bodyTooLarge = false;  // over ServerOptions::maxHttpBodyBytes: `body` is empty
  std::string header(std::string_view lowerName) const;
};

struct HttpResponse {
  int status = 200;
  std::string contentType = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

// Sends the response of one request. Call it exactly once (later calls are ignored), on the control
// loop's thread, now or later: a handler whose answer needs storage hands the work to another
// thread and calls it from a task posted back to the loop (issue 10). Dropping it uncalled closes
// the connection.
using HttpReply = std::function<void(HttpResponse)>;
using AsyncHttpHandler = std::function<void(HttpRequest, HttpReply)>;

// WebSocket callbacks, all on the control loop's thread. The server never calls back into the
// handler from inside send()/close().
class WsHandler {
 public:
  virtual ~WsHandler() = default;
  virtual bool onOpen(uint64_t conn, const std::string& ip) = 0;  // false: refuse with HTTP 429
  virtual void onText(uint64_t conn, std::string_view text) = 0;
  virtual void onBinary(uint64_t conn) = 0;
  virtual void onActivity(uint64_t conn) = 0;  // pong received
  virtual void onClose(uint64_t conn) = 0;     // exactly once per opened connection
};

struct ServerOptions {
  std::string name = "web";          // the listener's name in logs: "signal" | "api" | "metrics"
  std::string address = "127.0.0.1";
  uint16_t port = 0;                 // 0: pick a free port
  bool tls = true;
  std::string certFile;
  std::string keyFile;
  std::string wsPath = "/v1/signal";
  size_t maxWsMessageBytes = 65536;  // a larger frame closes the socket with 1009
  size_t maxHttpBodyBytes = 1 << 20;
  // A body over maxHttpBodyBytes: false answers HTTP 413; true hands the request (headers only,
  // bodyTooLarge set) to the handler so it can answer in its own envelope (the API does).
  bool oversizedBodyToHandler = false;
  int64_t pingIntervalMs = 5000;    // idle connections are pinged this often, dropped after 2x
  size_t maxQueuedBytes = 4 << 20;   // a client that reads slower than this is dropped
  // Admission (R18, issue 15). A connection is *pending* from accept until it has sent one
  // complete, well-formed request (a WebSocket upgrade counts); then it is *established*. Pending connections have short deadlines and their own caps, far
  // below the descriptor limit; when the pending budget is full the oldest pending connection
  // is evicted so a newcomer that completes a request in time gets in. Established connections
  // have a separate budget; a request that finds it full is still answered, then closed; an
  // upgrade that finds it full evicts the oldest WebSocket not yet authenticated() (else 503).
  size_t maxPendingConnections = 1024;
  size_t maxPendingPerIp = 32;       // IPv4 per address, IPv6 per /64
  size_t maxConnectionsPerIp = 256;  // established
  size_t maxConnections = 10000;     // established
  int64_t tlsHandshakeTimeoutMs = 2500;
  int64_t headerTimeoutMs = 2500;    // a pending connection's first request line and headers
  int64_t idleTimeoutMs = 30000;     // established connections between requests; request bodies
};

struct WebServerStats {
  uint64_t accepted = 0;
  uint64_t refusedAtAccept = 0;    // per-address pending cap (or no room at all)
  uint64_t evicted = 0;            // oldest pending connection closed to admit a newer one
  uint64_t handshakeTimeouts = 0;  // TLS handshake not done within tlsHandshakeTimeoutMs
  uint64_t headerTimeouts = 0;     // first request not received within headerTimeoutMs
  uint64_t badRequests = 0;        // answered 400/431 and closed
  // No room in the established budget: an HTTP request answered, then closed; an upgrade
  // answered 503 (no unauthenticated WebSocket left to evict).
  uint64_t establishedFull = 0;
  uint64_t memoryTrims = 0;        // malloc_trim after a flood of pending connections
  size_t open = 0;
  size_t pending = 0;
};
class WebServer {
 public:
  WebServer(ControlLoop& loop, ServerOptions options, WsHandler& ws, HttpHandler http);
  // A handler that may answer later (see HttpReply). The connection reads no further request
  // until the answer is written, so answers keep the order of requests.
  WebServer(ControlLoop& loop, ServerOptions options, WsHandler& ws, AsyncHttpHandler http);
  ~WebServer();
  base::Status start();
  uint16_t port() const;
  void send(uint64_t conn, std::string text);
  void close(uint64_t conn, uint16_t code, std::string_view reason);
  // A WebSocket connection proved itself (signaling: entered a room or resumed). Until then,
  // an upgrade that finds the established budget full evicts the oldest such connection.
  void authenticated(uint64_t conn);
  void closeAll(uint16_t code, std::string_view reason);
  void stopAccepting();
  WebServerStats stats() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace atrium::web
