#include "web/web_server.h"

#include <openssl/ssl.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <deque>
#include <map>

#include "base/log.h"

namespace atrium::web {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;
using PlainStream = beast::tcp_stream;

constexpr auto kHandshakeTimeout = std::chrono::seconds(10);
constexpr auto kHttpIdleTimeout = std::chrono::seconds(30);

// --- ControlLoop ---------------------------------------------------------------------------

namespace {

// A repeating timer: runs fn every period on the loop.
struct Periodic {
  net::steady_timer timer;
  std::function<void()> fn;
  std::chrono::milliseconds period;
  void arm() {
    timer.expires_after(period);
    timer.async_wait([this](beast::error_code ec) {
      if (ec) return;
      fn();
      arm();
    });
  }
};

}  // namespace

struct ControlLoop::Impl {
  net::io_context ioc{1};
  std::vector<std::unique_ptr<Periodic>> timers;
  std::unique_ptr<net::signal_set> signals;
  net::executor_work_guard<net::io_context::executor_type> guard = net::make_work_guard(ioc);
};

ControlLoop::ControlLoop() : impl_(std::make_unique<Impl>()) {}
ControlLoop::~ControlLoop() = default;
void ControlLoop::run() { impl_->ioc.run(); }
void ControlLoop::stop() { impl_->ioc.stop(); }
void ControlLoop::post(std::function<void()> fn) { net::post(impl_->ioc, std::move(fn)); }

void ControlLoop::every(int64_t periodMs, std::function<void()> fn) {
  auto p = std::make_unique<Periodic>(Periodic{net::steady_timer(impl_->ioc), std::move(fn), std::chrono::milliseconds(periodMs)});
  p->arm();
  impl_->timers.push_back(std::move(p));
}

void ControlLoop::onTerminate(std::function<void()> fn) {
  impl_->signals = std::make_unique<net::signal_set>(impl_->ioc, SIGINT, SIGTERM);
  impl_->signals->async_wait([fn = std::move(fn)](beast::error_code ec, int) {
    if (!ec) fn();
  });
}

std::string HttpRequest::header(std::string_view lowerName) const {
  for (const auto& [k, v] : headers)
    if (k == lowerName) return v;
  return {};
}

// --- connections ---------------------------------------------------------------------------

class WsConnection {
 public:
  virtual ~WsConnection() = default;
  virtual void send(std::string text) = 0;
  virtual void close(uint16_t code, std::string reason) = 0;
};

struct WebServer::Impl : std::enable_shared_from_this<WebServer::Impl> {
  ControlLoop& loop;
  ServerOptions options;
  WsHandler& ws;
  HttpHandler http;
  ssl::context tls{ssl::context::tls_server};
  tcp::acceptor acceptor;
  std::map<uint64_t, std::weak_ptr<WsConnection>> conns;
  std::map<std::string, size_t> perIp;
  WebServerStats stats;
  uint64_t nextConn = 1;
  bool accepting = true;

  Impl(ControlLoop& l, ServerOptions o, WsHandler& w, HttpHandler h)
      : loop(l), options(std::move(o)), ws(w), http(std::move(h)), acceptor(l.impl().ioc) {}

  void doAccept();
};

namespace {

// Counts one TCP connection against the per-IP and global caps for as long as it lives; it moves
// from the HTTP session to the WebSocket session on upgrade.
class ConnectionSlot {
 public:
  ConnectionSlot(std::shared_ptr<WebServer::Impl> server, std::string ip) : server_(std::move(server)), ip_(std::move(ip)) {
    ++server_->perIp[ip_];
    ++server_->stats.open;
  }
  ~ConnectionSlot() {
    auto it = server_->perIp.find(ip_);
    if (it != server_->perIp.end() && --it->second == 0) server_->perIp.erase(it);
    --server_->stats.open;
  }
  ConnectionSlot(const ConnectionSlot&) = delete;
  ConnectionSlot& operator=(const ConnectionSlot&) = delete;
  const std::string& ip() const { return ip_; }

 private:
  std::shared_ptr<WebServer::Impl> server_;
  std::string ip_;
};

template <typename Stream>
tcp::socket& socketOf(Stream& s) {
  return beast::get_lowest_layer(s).socket();
}

std::string remoteIpOf(tcp::socket& s) {
  beast::error_code ec;
  auto ep = s.remote_endpoint(ec);
  return ec ? std::string("unknown") : ep.address().to_string();
}

template <typename Stream>
class WsSession final : public WsConnection, public std::enable_shared_from_this<WsSession<Stream>> {
 public:
  WsSession(std::shared_ptr<WebServer::Impl> server, Stream&& stream, uint64_t id, std::shared_ptr<ConnectionSlot> slot)
      : server_(std::move(server)), ws_(std::move(stream)), id_(id), slot_(std::move(slot)) {}

  void run(http::request<http::string_body> req) {
    beast::get_lowest_layer(ws_).expires_never();
    websocket::stream_base::timeout t{};
    t.handshake_timeout = kHandshakeTimeout;
    t.idle_timeout = std::chrono::milliseconds(server_->options.pingIntervalMs * 2);
    t.keep_alive_pings = true;
    ws_.set_option(t);
    ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
      res.set(http::field::server, "atrium");
    }));
    ws_.read_message_max(server_->options.maxWsMessageBytes);
    ws_.control_callback([this](websocket::frame_type kind, beast::string_view) {
      if (kind == websocket::frame_type::pong && open_) server_->ws.onActivity(id_);
    });
    ws_.async_accept(req, [self = this->shared_from_this()](beast::error_code ec) { self->onAccept(ec); });
  }

  void send(std::string text) override {
    if (closing_ || !open_) return;
    queuedBytes_ += text.size();
    if (queuedBytes_ > server_->options.maxQueuedBytes) {
      base::log::warn("dropping a signaling connection that does not read its messages");
      return close(static_cast<uint16_t>(websocket::close_code::policy_error), "slow consumer");
    }
    out_.push_back(std::move(text));
    if (!writing_) doWrite();
  }

  void close(uint16_t code, std::string reason) override {
    if (closing_) return;
    closing_ = true;
    closeReason_ = websocket::close_reason(static_cast<websocket::close_code>(code), reason);
    if (!writing_) doClose();
  }

 private:
  void onAccept(beast::error_code ec) {
    if (ec) return finish();
    open_ = true;
    doRead();
  }

  void doRead() {
    ws_.async_read(buffer_, [self = this->shared_from_this()](beast::error_code ec, size_t) { self->onRead(ec); });
  }

  void onRead(beast::error_code ec) {
    if (ec) return finish();
    if (ws_.got_text()) {
      auto data = buffer_.cdata();
      server_->ws.onText(id_, std::string_view(static_cast<const char*>(data.data()), data.size()));
    } else {
      server_->ws.onBinary(id_);
    }
    buffer_.consume(buffer_.size());
    doRead();
  }

  void doWrite() {
    writing_ = true;
    ws_.text(true);
    ws_.async_write(net::buffer(out_.front()), [self = this->shared_from_this()](beast::error_code ec, size_t n) {
      self->onWrite(ec, n);
    });
  }

  void onWrite(beast::error_code ec, size_t n) {
    writing_ = false;
    queuedBytes_ -= std::min(queuedBytes_, n);
    out_.pop_front();
    if (ec) return finish();
    if (!out_.empty() && !closeStarted_) return doWrite();
    if (closing_) doClose();
  }

  void doClose() {
    if (closeStarted_) return;
    closeStarted_ = true;
    ws_.async_close(closeReason_, [self = this->shared_from_this()](beast::error_code) {
      // The pending read completes with `closed`, which calls finish().
      beast::get_lowest_layer(self->ws_).expires_after(std::chrono::seconds(5));
    });
  }

  void finish() {
    if (finished_) return;
    finished_ = true;
    server_->conns.erase(id_);
    server_->ws.onClose(id_);
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both, ignored);
  }

  std::shared_ptr<WebServer::Impl> server_;
  websocket::stream<Stream> ws_;
  uint64_t id_;
  std::shared_ptr<ConnectionSlot> slot_;
  beast::flat_buffer buffer_;
  std::deque<std::string> out_;
  size_t queuedBytes_ = 0;
  websocket::close_reason closeReason_;
  bool open_ = false, writing_ = false, closing_ = false, closeStarted_ = false, finished_ = false;
};

template <typename Stream>
class HttpSession final : public std::enable_shared_from_this<HttpSession<Stream>> {
 public:
  HttpSession(std::shared_ptr<WebServer::Impl> server, Stream&& stream, std::shared_ptr<ConnectionSlot> slot)
      : server_(std::move(server)), stream_(std::move(stream)), slot_(std::move(slot)), ip_(slot_->ip()) {}

  void run() {
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      beast::get_lowest_layer(stream_).expires_after(kHandshakeTimeout);
      stream_.async_handshake(ssl::stream_base::server, [self = this->shared_from_this()](beast::error_code ec) {
        if (!ec) self->doRead();
      });
    } else {
      doRead();
    }
  }

 private:
  void doRead() {
    parser_.emplace();
    parser_->body_limit(server_->options.maxHttpBodyBytes);
    parser_->header_limit(16 * 1024);
    beast::get_lowest_layer(stream_).expires_after(kHttpIdleTimeout);
    http::async_read(stream_, buffer_, *parser_, [self = this->shared_from_this()](beast::error_code ec, size_t) {
      self->onRead(ec);
    });
  }

  void onRead(beast::error_code ec) {
    if (ec == http::error::body_limit) return reply(413, "request body too large", false);
    if (ec) return;  // timeout, reset or garbage: the connection simply ends
    auto req = parser_->release();
    std::string_view target(req.target().data(), req.target().size());
    if (websocket::is_upgrade(req) && target.substr(0, target.find('?')) == server_->options.wsPath) return upgrade(std::move(req));
    HttpRequest r{std::string(req.method_string()), std::string(target), {}, std::move(req.body()), ip_};
    for (const auto& f : req) {
      std::string name(f.name_string());
      for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      r.headers.emplace_back(std::move(name), std::string(f.value()));
    }
    HttpResponse res = server_->http ? server_->http(r) : HttpResponse{404, "text/plain", "not found\n", {}};
    write(std::move(res), req.keep_alive());
  }

  void upgrade(http::request<http::string_body> req) {
    uint64_t id = server_->nextConn++;
    if (!server_->accepting || !server_->ws.onOpen(id, ip_)) return reply(429, "too many connections\n", false);
    beast::get_lowest_layer(stream_).expires_never();
    auto session = std::make_shared<WsSession<Stream>>(server_, std::move(stream_), id, slot_);
    server_->conns[id] = session;
    session->run(std::move(req));
  }

  void reply(int status, std::string body, bool keepAlive) {
    write(HttpResponse{status, "text/plain; charset=utf-8", std::move(body), {}}, keepAlive);
  }

  void write(HttpResponse res, bool keepAlive) {
    auto msg = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(res.status), 11);
    msg->set(http::field::server, "atrium");
    msg->set(http::field::content_type, res.contentType);
    if constexpr (std::is_same_v<Stream, TlsStream>) msg->set(http::field::strict_transport_security, "max-age=31536000");
    for (const auto& [k, v] : res.headers) msg->set(k, v);
    msg->body() = std::move(res.body);
    msg->keep_alive(keepAlive);
    msg->prepare_payload();
    http::async_write(stream_, *msg, [self = this->shared_from_this(), msg, keepAlive](beast::error_code ec, size_t) {
      if (!ec && keepAlive) return self->doRead();
      beast::error_code ignored;
      socketOf(self->stream_).shutdown(tcp::socket::shutdown_send, ignored);
    });
  }

  std::shared_ptr<WebServer::Impl> server_;
  Stream stream_;
  std::shared_ptr<ConnectionSlot> slot_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string ip_;
};

}  // namespace

void WebServer::Impl::doAccept() {
  // Every session runs on the control loop's single thread: no strands or locks needed.
  acceptor.async_accept(loop.impl().ioc, [self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
    if (!self->accepting) return;
    if (!ec) {
      std::string ip = remoteIpOf(socket);
      auto perIp = self->perIp.find(ip);
      if (self->stats.open >= self->options.maxConnections ||
          (perIp != self->perIp.end() && perIp->second >= self->options.maxConnectionsPerIp)) {
        ++self->stats.refusedAtAccept;
        beast::error_code ignored;
        socket.close(ignored);
      } else {
        ++self->stats.accepted;
        auto slot = std::make_shared<ConnectionSlot>(self, std::move(ip));
        if (self->options.tls)
          std::make_shared<HttpSession<TlsStream>>(self, TlsStream(std::move(socket), self->tls), slot)->run();
        else
          std::make_shared<HttpSession<PlainStream>>(self, PlainStream(std::move(socket)), slot)->run();
      }
    }
    self->doAccept();
  });
}

WebServer::WebServer(ControlLoop& loop, ServerOptions options, WsHandler& ws, HttpHandler http)
    : impl_(std::make_shared<Impl>(loop, std::move(options), ws, std::move(http))) {}

WebServer::~WebServer() { stopAccepting(); }

base::Status WebServer::start() {
  auto& o = impl_->options;
  if (o.tls) {
    SSL_CTX* ctx = impl_->tls.native_handle();
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_cipher_list(ctx, "ECDHE+AESGCM:ECDHE+CHACHA20");
    impl_->tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                           ssl::context::single_dh_use);
    beast::error_code ec;
    impl_->tls.use_certificate_chain_file(o.certFile, ec);
    if (ec) return base::makeError("TLS", "cannot load certificate " + o.certFile + ": " + ec.message());
    impl_->tls.use_private_key_file(o.keyFile, ssl::context::pem, ec);
    if (ec) return base::makeError("TLS", "cannot load private key " + o.keyFile + ": " + ec.message());
  }
  beast::error_code ec;
  auto address = net::ip::make_address(o.address, ec);
  if (ec) return base::makeError("CONFIG", "invalid listen address " + o.address);
  tcp::endpoint ep(address, o.port);
  auto& acc = impl_->acceptor;
  acc.open(ep.protocol(), ec);
  if (!ec) acc.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acc.bind(ep, ec);
  if (!ec) acc.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return base::makeError("LISTEN", "cannot listen on " + o.address + ":" + std::to_string(o.port) + ": " + ec.message());
  impl_->doAccept();
  return base::Ok{};
}

uint16_t WebServer::port() const {
  beast::error_code ec;
  auto ep = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

void WebServer::send(uint64_t conn, std::string text) {
  auto it = impl_->conns.find(conn);
  if (it == impl_->conns.end()) return;
  if (auto c = it->second.lock()) c->send(std::move(text));
}

void WebServer::close(uint64_t conn, uint16_t code, std::string_view reason) {
  auto it = impl_->conns.find(conn);
  if (it == impl_->conns.end()) return;
  if (auto c = it->second.lock()) c->close(code, std::string(reason));
}

void WebServer::closeAll(uint16_t code, std::string_view reason) {
  auto conns = impl_->conns;
  for (auto& [id, weak] : conns)
    if (auto c = weak.lock()) c->close(code, std::string(reason));
}

WebServerStats WebServer::stats() const { return impl_->stats; }

void WebServer::stopAccepting() {
  impl_->accepting = false;
  beast::error_code ec;
  impl_->acceptor.close(ec);
}

}  // namespace atrium::web
