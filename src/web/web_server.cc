#include "web/web_server.h"

#include <openssl/ssl.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <malloc.h>

#include <array>
#include <deque>
#include <map>
#include <unordered_map>

#include "base/admission.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/mask.h"
#include "base/warn_limiter.h"
#include "web/http_checks.h"
#include "web/ws_close_guard.h"

namespace atrium::web {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;
using PlainStream = beast::tcp_stream;

// The WebSocket opening handshake is the request we already read: Beast only writes the 101.
constexpr auto kWsHandshakeTimeout = std::chrono::seconds(10);
// After an error answer, unread input is read and dropped for this long (or this much) before
// the socket closes, so the client gets the answer instead of a reset (lingering close).
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr size_t kLingerBytes = 1 << 20;
constexpr size_t kMaxHeaderBytes = 16 * 1024;
constexpr size_t kHeaderReadBytes = 4096;
// A flood of pending connections leaves freed TLS buffers in malloc's arena; give them back to
// the system once the flood is over (issue 15: RSS must return).
constexpr size_t kTrimAfterPendingPeak = 256;
constexpr int64_t kTrimCheckMs = 5000;

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
  // The handler says the peer proved itself (WebServer::authenticated): never evicted from now on.
  virtual void markAuthenticated() = 0;
};

class ConnectionSlot;

struct WebServer::Impl : std::enable_shared_from_this<WebServer::Impl> {
  ControlLoop& loop;
  ServerOptions options;
  WsHandler& ws;
  AsyncHttpHandler http;
  ssl::context tls{ssl::context::tls_server};
  tcp::acceptor acceptor;
  std::map<uint64_t, std::weak_ptr<WsConnection>> conns;
  base::Admission admission;
  std::unordered_map<uint64_t, ConnectionSlot*> slots;  // by admission id: for eviction
  // Upgraded WebSockets whose handler has not called them authenticated, oldest first (by
  // admission id): when the established budget is full, the oldest makes room for a new upgrade.
  std::map<uint64_t, std::function<void()>> unauthenticatedWs;
  base::WarnLimiter warnings;
  WebServerStats stats;
  uint64_t nextConn = 1;
  uint64_t nextSlot = 1;
  size_t pendingPeak = 0;  // since the last trim
  bool accepting = true;

  Impl(ControlLoop& l, ServerOptions o, WsHandler& w, AsyncHttpHandler h)
      : loop(l),
        options(std::move(o)),
        ws(w),
        http(std::move(h)),
        acceptor(l.impl().ioc),
        admission(base::AdmissionLimits{options.maxPendingConnections, options.maxPendingPerIp, options.maxConnections,
                                        options.maxConnectionsPerIp}) {}

  void doAccept();
  void admit(tcp::socket socket);
  // Closes the oldest unauthenticated WebSocket and frees its established slot at once.
  bool evictOldestUnauthenticatedWs() {
    if (unauthenticatedWs.empty()) return false;
    auto oldest = unauthenticatedWs.begin();
    auto evict = std::move(oldest->second);
    admission.release(oldest->first);
    unauthenticatedWs.erase(oldest);
    ++stats.evicted;
    if (evict) evict();
    return true;
  }
  void maybeTrim();
  // Hostile-looking input: one info-log line per source prefix (masked: R11) and minute.
  void warn(const std::string& ip, std::string_view what) {
    std::string prefix = base::maskIp(ip);
    if (auto suppressed = warnings.allow(prefix, base::SystemClock::instance().steadyMs())) {
      if (*suppressed == 0)
        base::log::warn("{} listener: {} from {}", options.name, what, prefix);
      else
        base::log::warn("{} listener: {} from {} (and {} more events from this prefix since its last warning)",
                        options.name, what, prefix, *suppressed);
    }
  }
};

// Holds one admitted TCP connection's place in the admission table for as long as it lives; it
// moves from the HTTP session to the WebSocket session on upgrade. While the connection is
// pending, `evict` closes it (set by the session that owns the socket).
class ConnectionSlot {
 public:
  ConnectionSlot(std::shared_ptr<WebServer::Impl> server, std::string ip, uint64_t id)
      : server_(std::move(server)), ip_(std::move(ip)), id_(id) {
    server_->slots.emplace(id_, this);
    ++server_->stats.open;
  }
  ~ConnectionSlot() {
    server_->slots.erase(id_);
    server_->admission.release(id_);
    --server_->stats.open;
  }
  ConnectionSlot(const ConnectionSlot&) = delete;
  ConnectionSlot& operator=(const ConnectionSlot&) = delete;
  const std::string& ip() const { return ip_; }
  uint64_t id() const { return id_; }
  bool pending() const { return server_->admission.isPending(id_); }
  // Pending -> established; false when the established budget is full.
  bool promote() { return server_->admission.promote(id_) == base::PromoteVerdict::kPromoted; }
  std::function<void()> evict;

 private:
  std::shared_ptr<WebServer::Impl> server_;
  std::string ip_;
  uint64_t id_;
};

namespace {

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
    // Until the handler calls it authenticated, a full established budget may evict it.
    std::weak_ptr<WsSession> weak = this->shared_from_this();
    server_->unauthenticatedWs[slot_->id()] = [weak] {
      if (auto self = weak.lock()) beast::get_lowest_layer(self->ws_).close();  // reads end: finish()
    };
    beast::get_lowest_layer(ws_).expires_never();
    websocket::stream_base::timeout t{};
    t.handshake_timeout = kWsHandshakeTimeout;
    t.idle_timeout = std::chrono::milliseconds(server_->options.pingIntervalMs * 2);
    t.keep_alive_pings = true;
    ws_.set_option(t);
    ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
      res.set(http::field::server, "atrium");
    }));
    ws_.read_message_max(server_->options.maxWsMessageBytes);
    ws_.control_callback([this](websocket::frame_type kind, beast::string_view) {
      if (kind == websocket::frame_type::pong && open_) server_->ws.onActivity(id_);
      // Beast echoes codes it considers valid; RFC 6455 says codes past 4999 fail with 1002.
      if (kind == websocket::frame_type::close && !isValidWireCloseCode(ws_.reason().code))
        ws_.next_layer().expectInvalidClose();
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

  void markAuthenticated() override { server_->unauthenticatedWs.erase(slot_->id()); }

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
    server_->unauthenticatedWs.erase(slot_->id());
    server_->ws.onClose(id_);
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both, ignored);
  }

  std::shared_ptr<WebServer::Impl> server_;
  websocket::stream<CloseCodeGuard<Stream>> ws_;
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
    std::weak_ptr<HttpSession> weak = this->shared_from_this();
    slot_->evict = [weak] {
      if (auto self = weak.lock()) self->evict();
    };
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      beast::get_lowest_layer(stream_).expires_after(std::chrono::milliseconds(server_->options.tlsHandshakeTimeoutMs));
      stream_.async_handshake(ssl::stream_base::server, [self = this->shared_from_this()](beast::error_code ec) {
        if (!ec) return self->doRead();
        if (ec == beast::error::timeout) {
          ++self->server_->stats.handshakeTimeouts;
          self->server_->warn(self->ip_, "TLS handshake timed out");
        }
      });
    } else {
      doRead();
    }
  }

 private:
  void evict() {
    evicted_ = true;
    beast::get_lowest_layer(stream_).close();  // pending operations end with operation_aborted
  }

  void doRead() {
    parser_.emplace();
    startLineParsed_ = false;
    parser_->body_limit(server_->options.maxHttpBodyBytes);
    parser_->header_limit(kMaxHeaderBytes);
    // A pending connection gets a short deadline for its request line and headers; an
    // established one may idle between requests.
    const bool pending = slot_->pending();
    beast::get_lowest_layer(stream_).expires_after(
        std::chrono::milliseconds(pending ? server_->options.headerTimeoutMs : server_->options.idleTimeoutMs));
    readHeader(pending);
  }

  // The header is read by hand rather than with http::async_read_header, so a complete request
  // line Beast would keep waiting on (it wants 8 bytes of version) is refused as soon as it is in.
  void readHeader(bool pending) {
    if (auto ec = parseBuffered(); ec || parser_->is_header_done()) return onHeader(ec, pending);
    if (!startLineParsed_) {
      auto data = buffer_.cdata();
      if (checkRequestLine({static_cast<const char*>(data.data()), data.size()}) == RequestLine::kInvalid)
        return onHeader(http::error::bad_version, pending);
    }
    if (buffer_.size() >= kMaxHeaderBytes) return onHeader(http::error::header_limit, pending);
    stream_.async_read_some(buffer_.prepare(kHeaderReadBytes),
                            [self = this->shared_from_this(), pending](beast::error_code ec, size_t n) {
                              if (ec) return self->onHeader(ec, pending);
                              self->buffer_.commit(n);
                              self->readHeader(pending);
                            });
  }

  // Feeds what is buffered to the parser; need_more is not an error here.
  beast::error_code parseBuffered() {
    while (buffer_.size() > 0 && !parser_->is_header_done()) {
      beast::error_code ec;
      size_t used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      if (used > 0) startLineParsed_ = true;  // Beast consumes nothing until the line is whole
      if (ec == http::error::need_more) return {};
      if (ec) return ec;
      if (used == 0) return {};
    }
    return {};
  }

  void onHeader(beast::error_code ec, bool pending) {
    if (ec) return onReadError(ec, pending);
    if (parser_->is_done()) return onRead({});
    beast::get_lowest_layer(stream_).expires_after(std::chrono::milliseconds(server_->options.idleTimeoutMs));
    http::async_read(stream_, buffer_, *parser_, [self = this->shared_from_this()](beast::error_code ec, size_t) {
      self->onRead(ec);
    });
  }

  void onReadError(beast::error_code ec, bool pending) {
    if (evicted_ || ec == net::error::operation_aborted) return;
    if (ec == beast::error::timeout) {
      // An idle keep-alive connection timing out is normal; a new one that never asked is not.
      if (pending) {
        ++server_->stats.headerTimeouts;
        server_->warn(ip_, "no request before the header deadline");
      }
      return;
    }
    if (ec == http::error::end_of_stream || ec == net::error::eof || ec == net::error::connection_reset ||
        ec == ssl::error::stream_truncated)
      return;  // the client went away
    if (ec == http::error::body_limit) return onRead(ec);
    // Anything else is a request Beast could not parse (bad method, target, version, line
    // endings, header syntax, or headers over the limit): answer 400 (431) and close.
    ++server_->stats.badRequests;
    server_->warn(ip_, "malformed HTTP request");
    if (ec == http::error::header_limit) return replyAndClose(431, "request header fields too large\n");
    replyAndClose(400, "bad request\n");
  }

  void onRead(beast::error_code ec) {
    if (ec && ec != http::error::body_limit) return onReadError(ec, slot_->pending());
    const bool tooLarge = ec == http::error::body_limit;
    if (tooLarge && !server_->options.oversizedBodyToHandler) return replyAndClose(413, "request body too large\n");
    auto& req = parser_->get();
    std::string_view target(req.target().data(), req.target().size());
    const bool wsPath = !server_->options.wsPath.empty() && target.substr(0, target.find('?')) == server_->options.wsPath;
    if (!tooLarge && wsPath && websocket::is_upgrade(req)) return upgrade(parser_->release());
    // The first complete request promotes the connection; with no room for it there, the
    // request is still answered, and the connection closed after.
    bool keepAlive = !tooLarge && req.keep_alive();
    if (slot_->pending() && !slot_->promote()) {
      ++server_->stats.establishedFull;
      keepAlive = false;
    }
    HttpRequest r{std::string(req.method_string()), std::string(target), {}, tooLarge ? std::string() : std::move(req.body()),
                  ip_, tooLarge};
    for (const auto& f : req) {
      std::string name(f.name_string());
      for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      r.headers.emplace_back(std::move(name), std::string(f.value()));
    }
    if (!server_->http) return write(HttpResponse{404, "text/plain", "not found\n", {}}, keepAlive, tooLarge);
    // The reply holds the session: an answer that comes later still finds its connection.
    auto answered = std::make_shared<bool>(false);
    server_->http(std::move(r), [self = this->shared_from_this(), keepAlive, tooLarge, answered](HttpResponse res) {
      if (*answered) return;
      *answered = true;
      self->write(std::move(res), keepAlive, tooLarge);
    });
  }

  void upgrade(http::request<http::string_body> req) {
    // RFC 6455 §4.2.1: the key is the base64 of 16 bytes. Beast only checks its length.
    auto key = req[http::field::sec_websocket_key];
    if (!isValidWebSocketKey(std::string_view(key.data(), key.size()))) {
      ++server_->stats.badRequests;
      server_->warn(ip_, "malformed Sec-WebSocket-Key");
      return replyAndClose(400, "bad Sec-WebSocket-Key\n");
    }
    if (!server_->accepting) return replyAndClose(429, "too many connections\n");
    // A well-formed upgrade moves the connection to the established budget at once: a fast
    // flood of idle TCP connections can then no longer evict it before it enters a room. With
    // that budget full, the oldest WebSocket that has not authenticated yet makes room (idle
    // upgrades cost the attacker a TLS handshake each, and signaling closes them after its auth
    // timeout anyway); clients in rooms are never evicted.
    if (slot_->pending() && !slot_->promote()) {
      const auto& a = server_->admission;
      const bool globalFull = a.established() >= a.limits().maxEstablished;
      if (!globalFull || !server_->evictOldestUnauthenticatedWs() || !slot_->promote()) {
        ++server_->stats.establishedFull;
        server_->warn(ip_, "WebSocket refused: connection budget full");
        return replyAndClose(503, "too many connections\n");
      }
    }
    uint64_t id = server_->nextConn++;
    if (!server_->ws.onOpen(id, ip_)) return replyAndClose(429, "too many connections\n");
    beast::get_lowest_layer(stream_).expires_never();
    slot_->evict = nullptr;
    auto session = std::make_shared<WsSession<Stream>>(server_, std::move(stream_), id, slot_);
    server_->conns[id] = session;
    session->run(std::move(req));
  }

  void replyAndClose(int status, std::string body) {
    write(HttpResponse{status, "text/plain; charset=utf-8", std::move(body), {}}, false, true);
  }

  void write(HttpResponse res, bool keepAlive, bool linger = false) {
    auto msg = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(res.status), 11);
    msg->set(http::field::server, "atrium");
    msg->set(http::field::content_type, res.contentType);
    if constexpr (std::is_same_v<Stream, TlsStream>) msg->set(http::field::strict_transport_security, "max-age=31536000");
    for (const auto& [k, v] : res.headers) msg->set(k, v);
    msg->body() = std::move(res.body);
    msg->keep_alive(keepAlive);
    msg->prepare_payload();
    beast::get_lowest_layer(stream_).expires_after(std::chrono::milliseconds(server_->options.idleTimeoutMs));
    http::async_write(stream_, *msg, [self = this->shared_from_this(), msg, keepAlive, linger](beast::error_code ec, size_t) {
      if (!ec && keepAlive) return self->doRead();
      beast::error_code ignored;
      socketOf(self->stream_).shutdown(tcp::socket::shutdown_send, ignored);
      if (!ec && linger) self->drain(0);
    });
  }

  // Lingering close: the request we refused may still be arriving (an oversized body, the rest
  // of a garbage stream). Closing with unread input would send a reset, which can destroy our
  // answer before the client reads it; so read and drop it, raw (below TLS), for a bounded time.
  void drain(size_t total) {
    if (total == 0) beast::get_lowest_layer(stream_).expires_after(kLingerTime);
    if (total > kLingerBytes) return;
    auto scratch = std::make_shared<std::array<char, 4096>>();
    beast::get_lowest_layer(stream_).async_read_some(
        net::buffer(*scratch), [self = this->shared_from_this(), scratch, total](beast::error_code ec, size_t n) {
          if (!ec) self->drain(total + n);
        });
  }

  std::shared_ptr<WebServer::Impl> server_;
  Stream stream_;
  std::shared_ptr<ConnectionSlot> slot_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string ip_;
  bool evicted_ = false;
  bool startLineParsed_ = false;  // of the request being read
};

}  // namespace

void WebServer::Impl::doAccept() {
  // Every session runs on the control loop's single thread: no strands or locks needed.
  acceptor.async_accept(loop.impl().ioc, [self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
    if (!self->accepting) return;
    if (!ec) self->admit(std::move(socket));
    self->doAccept();
  });
}

void WebServer::Impl::admit(tcp::socket socket) {
  std::string ip = remoteIpOf(socket);
  uint64_t id = nextSlot++;
  auto decision = admission.admit(id, base::addressKey(ip), base::SystemClock::instance().steadyMs());
  if (!decision.admitted()) {
    ++stats.refusedAtAccept;
    warn(ip, "connection refused: too many pending connections from this address");
    beast::error_code ignored;
    socket.close(ignored);  // closed at once, so it does not sit in the backlog
    return;
  }
  if (decision.evicted) {
    ++stats.evicted;
    auto it = slots.find(decision.evicted);
    if (it != slots.end() && it->second->evict) {
      warn(it->second->ip(), "pending connection evicted: listener full");
      it->second->evict();
    }
  }
  ++stats.accepted;
  pendingPeak = std::max(pendingPeak, admission.pending());
  auto slot = std::make_shared<ConnectionSlot>(shared_from_this(), std::move(ip), id);
  if (options.tls)
    std::make_shared<HttpSession<TlsStream>>(shared_from_this(), TlsStream(std::move(socket), tls), slot)->run();
  else
    std::make_shared<HttpSession<PlainStream>>(shared_from_this(), PlainStream(std::move(socket)), slot)->run();
}

void WebServer::Impl::maybeTrim() {
  // After a flood (many pending connections, now mostly gone) the freed TLS state sits in
  // malloc's free lists; malloc_trim returns it to the system. Cheap enough every few seconds
  // when it has nothing to do, and it only runs after a peak.
  if (pendingPeak >= kTrimAfterPendingPeak && admission.pending() * 8 < pendingPeak) {
    ::malloc_trim(0);
    ++stats.memoryTrims;
    pendingPeak = admission.pending();
  }
}

WebServer::WebServer(ControlLoop& loop, ServerOptions options, WsHandler& ws, AsyncHttpHandler http)
    : impl_(std::make_shared<Impl>(loop, std::move(options), ws, std::move(http))) {}

WebServer::WebServer(ControlLoop& loop, ServerOptions options, WsHandler& ws, HttpHandler http)
    : WebServer(loop, std::move(options), ws,
                http ? AsyncHttpHandler([http = std::move(http)](HttpRequest req, HttpReply reply) { reply(http(req)); })
                     : AsyncHttpHandler()) {}

WebServer::~WebServer() { stopAccepting(); }

base::Status WebServer::start() {
  auto& o = impl_->options;
  if (o.tls) {
    SSL_CTX* ctx = impl_->tls.native_handle();
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_cipher_list(ctx, "ECDHE+AESGCM:ECDHE+CHACHA20");
    // Idle connections (and half-open ones waiting for their next record) do not keep their
    // 2 x ~17 KB record buffers: bounded memory per connection before and after the handshake.
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
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
  std::weak_ptr<Impl> weak = impl_;
  impl_->loop.every(kTrimCheckMs, [weak] {
    if (auto self = weak.lock()) self->maybeTrim();
  });
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

void WebServer::authenticated(uint64_t conn) {
  auto it = impl_->conns.find(conn);
  if (it == impl_->conns.end()) return;
  if (auto c = it->second.lock()) c->markAuthenticated();
}

void WebServer::closeAll(uint16_t code, std::string_view reason) {
  auto conns = impl_->conns;
  for (auto& [id, weak] : conns)
    if (auto c = weak.lock()) c->close(code, std::string(reason));
}

WebServerStats WebServer::stats() const {
  WebServerStats s = impl_->stats;
  s.pending = impl_->admission.pending();
  return s;
}

void WebServer::stopAccepting() {
  impl_->accepting = false;
  beast::error_code ec;
  impl_->acceptor.close(ec);
}

}  // namespace atrium::web
