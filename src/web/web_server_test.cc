// The listener's admission, deadlines and protocol checks, over plain TCP on loopback (TLS adds
// nothing to these decisions; the Node attack suite covers the TLS path). The server runs its
// control loop on a thread; the test talks to it with blocking sockets.
#include "web/web_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "web/http_checks.h"

namespace atrium::web {
namespace {

TEST(HttpChecks, WebSocketKeyIsBase64Of16Bytes) {
  EXPECT_TRUE(isValidWebSocketKey("dGhlIHNhbXBsZSBub25jZQ=="));  // RFC 6455's example
  EXPECT_TRUE(isValidWebSocketKey("AAAAAAAAAAAAAAAAAAAAAA=="));
  EXPECT_FALSE(isValidWebSocketKey(""));
  EXPECT_FALSE(isValidWebSocketKey("x"));
  EXPECT_FALSE(isValidWebSocketKey("dGhlIHNhbXBsZSBub25jZQ="));     // 23 chars
  EXPECT_FALSE(isValidWebSocketKey("dGhlIHNhbXBsZSBub25jZQ==="));   // 25 chars
  EXPECT_FALSE(isValidWebSocketKey("dGhlIHNhbXBsZSBub25jZQAA"));    // no padding: 18 bytes
  EXPECT_FALSE(isValidWebSocketKey("dGhlIHNhbXBsZSBub25j*Q=="));    // not base64
  EXPECT_FALSE(isValidWebSocketKey("dGhlIHNhbXBsZSBub25jZ==="));
}

TEST(HttpChecks, RequestLine) {
  struct Case { std::string_view in; RequestLine out; };
  const Case cases[] = {
      {"", RequestLine::kIncomplete},
      {"GET / HT", RequestLine::kIncomplete},
      {"GET / HTTP/1.1\r", RequestLine::kIncomplete},
      {"GET / HTTP/1.1\r\n", RequestLine::kValid},
      {"\r\nPOST /x?y=1 HTTP/1.0\r\nHost: a\r\n", RequestLine::kValid},
      {"M-SEARCH * HTTP/1.1\r\n", RequestLine::kValid},
      {"FOO BAR BAZ\r\n\r\n", RequestLine::kInvalid},
      {"GET /\r\n", RequestLine::kInvalid},
      {"GET  HTTP/1.1\r\n", RequestLine::kInvalid},
      {"GET / HTTP/1.1\n", RequestLine::kInvalid},
      {"G(T / HTTP/1.1\r\n", RequestLine::kInvalid},
      {" / HTTP/1.1\r\n", RequestLine::kInvalid},
      {"GET / HTTP/11.1\r\n", RequestLine::kInvalid},
      {"\x16\x03\x01\x02\x05\x01\n", RequestLine::kInvalid},  // a ClientHello on a plain port
  };
  for (const auto& c : cases) EXPECT_EQ(checkRequestLine(c.in), c.out) << c.in;
  EXPECT_EQ(checkRequestLine(std::string(9000, 'a')), RequestLine::kInvalid);
}

class NullWs final : public WsHandler {
 public:
  std::vector<uint64_t> opened;  // control-loop thread
  bool onOpen(uint64_t id, const std::string&) override {
    opened.push_back(id);
    return true;
  }
  void onText(uint64_t, std::string_view) override {}
  void onBinary(uint64_t) override {}
  void onActivity(uint64_t) override {}
  void onClose(uint64_t) override {}
};

// One blocking TCP client.
class Client {
 public:
  explicit Client(uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~Client() { ::close(fd_); }
  bool connected() const { return connected_; }
  void send(std::string_view bytes) { ASSERT_EQ(::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL), ssize_t(bytes.size())); }
  // Reads until the peer closes, `until` appears, or timeoutMs passes.
  std::string read(int timeoutMs = 5000, std::string_view until = {}) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    std::string out;
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
      if (left <= 0) return out;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left)) <= 0) return out;
      char buf[4096];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        closed_ = true;
        return out;
      }
      out.append(buf, static_cast<size_t>(n));
      if (!until.empty() && out.find(until) != std::string::npos) return out;
    }
  }
  bool closedByPeer(int timeoutMs = 5000) {
    read(timeoutMs);
    return closed_;
  }

 private:
  int fd_;
  bool connected_ = false;
  bool closed_ = false;
};

class WebServerTest : public ::testing::Test {
 protected:
  void start(ServerOptions o, HttpHandler handler = {}) {
    o.tls = false;
    o.address = "127.0.0.1";
    if (!handler) handler = [this](const HttpRequest& r) {
      lastTooLarge_ = r.bodyTooLarge;
      lastBodySize_ = r.body.size();
      return HttpResponse{200, "text/plain", "ok\n", {}};
    };
    server_ = std::make_unique<WebServer>(loop_, o, ws_, handler);
    ASSERT_TRUE(server_->start().ok());
    thread_ = std::thread([this] { loop_.run(); });
  }
  void startAsync(AsyncHttpHandler handler) {
    ServerOptions o;
    o.tls = false;
    o.address = "127.0.0.1";
    server_ = std::make_unique<WebServer>(loop_, o, ws_, std::move(handler));
    ASSERT_TRUE(server_->start().ok());
    thread_ = std::thread([this] { loop_.run(); });
  }
  void TearDown() override {
    if (thread_.joinable()) {
      loop_.stop();
      thread_.join();
    }
    server_.reset();
  }
  WebServerStats stats() {
    std::promise<WebServerStats> p;
    loop_.post([&] { p.set_value(server_->stats()); });
    return p.get_future().get();
  }
  uint16_t port() const { return server_->port(); }
  // The client may see a close a moment before the loop has counted it: wait (bounded) for it.
  template <typename Pred>
  bool eventually(Pred pred) {
    for (int i = 0; i < 400; ++i) {
      if (pred(stats())) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  }

  ControlLoop loop_;
  NullWs ws_;
  std::unique_ptr<WebServer> server_;
  std::thread thread_;
  bool lastTooLarge_ = false;
  size_t lastBodySize_ = 0;
};

constexpr std::string_view kGet = "GET /x HTTP/1.1\r\nHost: a\r\n\r\n";

std::string upgradeRequest(std::string_view key) {
  return "GET /v1/signal HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + std::string(key) + "\r\n\r\n";
}

// A masked client close frame with `code` (mask key 0: the payload stays readable).
std::string closeFrame(uint16_t code) {
  return std::string{'\x88', '\x82', 0, 0, 0, 0, static_cast<char>(code >> 8), static_cast<char>(code & 0xff)};
}

TEST_F(WebServerTest, MalformedRequestLineGets400AndClose) {
  start({});
  Client c(port());
  c.send("FOO BAR BAZ\r\n\r\n");
  std::string answer = c.read();
  EXPECT_EQ(answer.rfind("HTTP/1.1 400", 0), 0u) << answer;
  EXPECT_TRUE(c.closedByPeer());
  EXPECT_EQ(stats().badRequests, 1u);
}

TEST_F(WebServerTest, MalformedWebSocketKeyGets400) {
  start({});
  for (std::string_view key : {"x", "dGhlIHNhbXBsZSBub25jZQAA", "!!!!!!!!!!!!!!!!!!!!!!=="}) {
    Client c(port());
    c.send(upgradeRequest(key));
    std::string answer = c.read();
    EXPECT_EQ(answer.rfind("HTTP/1.1 400", 0), 0u) << key << ": " << answer;
  }
  Client ok(port());
  ok.send(upgradeRequest("dGhlIHNhbXBsZSBub25jZQ=="));
  EXPECT_EQ(ok.read(5000, "\r\n\r\n").rfind("HTTP/1.1 101", 0), 0u);
}

// What the server answers to a close frame carrying `code`: the code of its closing frame.
TEST_F(WebServerTest, InvalidCloseCodesFailWith1002ValidOnesAreEchoed) {
  start({});
  struct Case { uint16_t sent, answered; };
  const Case cases[] = {
      {1000, 1000}, {1001, 1001}, {1011, 1011}, {3000, 3000}, {4999, 4999},  // valid: echoed
      {0, 1002},    {999, 1002},  {1004, 1002}, {1005, 1002}, {1006, 1002},  // invalid on the wire
      {1015, 1002}, {1016, 1002}, {2999, 1002}, {5000, 1002}, {65535, 1002},
  };
  for (const auto& k : cases) {
    Client c(port());
    c.send(upgradeRequest("dGhlIHNhbXBsZSBub25jZQ=="));
    ASSERT_NE(c.read(5000, "\r\n\r\n").find("101"), std::string::npos);
    c.send(closeFrame(k.sent));
    std::string frame = c.read(5000);
    ASSERT_GE(frame.size(), 4u) << k.sent;
    EXPECT_EQ(static_cast<uint8_t>(frame[0]), 0x88) << k.sent;
    uint16_t code = static_cast<uint16_t>(static_cast<uint8_t>(frame[2]) << 8 | static_cast<uint8_t>(frame[3]));
    EXPECT_EQ(code, k.answered) << "peer sent " << k.sent;
  }
}

TEST_F(WebServerTest, BodyLimitBothSides) {
  ServerOptions o;
  o.maxHttpBodyBytes = 1000;
  o.oversizedBodyToHandler = true;
  start(o);
  auto post = [](size_t n) {
    return "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: " + std::to_string(n) + "\r\n\r\n" + std::string(n, 'x');
  };
  {
    Client c(port());
    c.send(post(1000));
    EXPECT_EQ(c.read(5000, "ok\n").rfind("HTTP/1.1 200", 0), 0u);
    EXPECT_FALSE(lastTooLarge_);
    EXPECT_EQ(lastBodySize_, 1000u);
  }
  for (size_t n : {1001u, 200000u}) {
    Client c(port());
    c.send(post(n).substr(0, 1100));  // the rest may never come: the answer must not wait for it
    std::string answer = c.read(5000, "ok\n");
    EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << n;
    EXPECT_NE(answer.find("Connection: close"), std::string::npos) << answer;
    EXPECT_TRUE(lastTooLarge_) << n;
    EXPECT_EQ(lastBodySize_, 0u);
  }
}

TEST_F(WebServerTest, BodyLimitWithoutTheHandlerIs413) {
  ServerOptions o;
  o.maxHttpBodyBytes = 10;
  start(o);
  Client c(port());
  c.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n01234567890");
  EXPECT_EQ(c.read().rfind("HTTP/1.1 413", 0), 0u);
}

TEST_F(WebServerTest, PendingConnectionWithoutARequestTimesOut) {
  ServerOptions o;
  o.headerTimeoutMs = 200;
  start(o);
  Client idle(port());
  EXPECT_TRUE(idle.closedByPeer(5000));
  EXPECT_TRUE(eventually([](const WebServerStats& s) { return s.headerTimeouts == 1; }));
  // A slow header (a byte at a time) does not reset the deadline.
  Client slow(port());
  slow.send("GET / HT");
  EXPECT_TRUE(slow.closedByPeer(5000));
  EXPECT_TRUE(eventually([](const WebServerStats& s) { return s.headerTimeouts == 2; }));
}

TEST_F(WebServerTest, FullPendingBudgetEvictsTheOldestSoANewClientGetsIn) {
  ServerOptions o;
  o.maxPendingConnections = 3;
  o.maxPendingPerIp = 10;
  start(o);
  std::vector<std::unique_ptr<Client>> idle;
  for (int i = 0; i < 3; ++i) idle.push_back(std::make_unique<Client>(port()));
  while (stats().pending < 3) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  Client legit(port());
  legit.send(kGet);
  EXPECT_EQ(legit.read(5000, "ok\n").rfind("HTTP/1.1 200", 0), 0u);
  EXPECT_TRUE(idle[0]->closedByPeer(5000)) << "the oldest idle connection was evicted";
  auto st = stats();
  EXPECT_EQ(st.evicted, 1u);
  EXPECT_EQ(st.pending, 2u);  // legit is established now
}

TEST_F(WebServerTest, PerAddressPendingCapRefusesAtAccept) {
  ServerOptions o;
  o.maxPendingPerIp = 2;
  start(o);
  Client a(port()), b(port());
  while (stats().pending < 2) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  Client c(port());
  EXPECT_TRUE(c.closedByPeer(5000));
  EXPECT_EQ(stats().refusedAtAccept, 1u);
  // Established connections do not count against the pending cap.
  a.send(kGet);
  EXPECT_NE(a.read(5000, "ok\n").find("200"), std::string::npos);
  Client d(port());
  d.send(kGet);
  EXPECT_NE(d.read(5000, "ok\n").find("200"), std::string::npos);
}

TEST_F(WebServerTest, FullEstablishedBudgetEvictsTheOldestUnauthenticatedWebSocket) {
  ServerOptions o;
  o.maxConnections = 2;
  start(o);
  auto onLoop = [this](auto fn) {
    std::promise<void> p;
    loop_.post([&] {
      fn();
      p.set_value();
    });
    p.get_future().get();
  };
  auto upgrade = [](Client& c) {
    c.send(upgradeRequest("dGhlIHNhbXBsZSBub25jZQ=="));
    return c.read(5000, "\r\n\r\n");
  };
  Client member(port());
  ASSERT_NE(upgrade(member).find("101"), std::string::npos);
  onLoop([&] { server_->authenticated(ws_.opened.at(0)); });
  Client idle(port());
  ASSERT_NE(upgrade(idle).find("101"), std::string::npos);
  EXPECT_EQ(stats().pending, 0u) << "an upgrade is established at once";
  // Budget full (2): the next upgrade evicts the idle, unauthenticated WebSocket.
  Client newcomer(port());
  ASSERT_NE(upgrade(newcomer).find("101"), std::string::npos);
  EXPECT_TRUE(idle.closedByPeer(5000));
  EXPECT_EQ(stats().evicted, 1u);
  onLoop([&] { server_->authenticated(ws_.opened.at(2)); });
  // Everyone authenticated: no room, and nobody is evicted for it.
  Client late(port());
  EXPECT_EQ(upgrade(late).rfind("HTTP/1.1 503", 0), 0u);
  EXPECT_FALSE(member.closedByPeer(200));
  EXPECT_FALSE(newcomer.closedByPeer(200));
  EXPECT_EQ(stats().establishedFull, 1u);
}

TEST_F(WebServerTest, FullEstablishedBudgetStillAnswersThenCloses) {
  ServerOptions o;
  o.maxConnections = 1;
  start(o);
  Client first(port());
  first.send(kGet);
  std::string a1 = first.read(5000, "ok\n");
  EXPECT_EQ(a1.find("Connection: close"), std::string::npos) << a1;
  Client second(port());
  second.send(kGet);
  std::string a2 = second.read(5000, "ok\n");
  EXPECT_EQ(a2.rfind("HTTP/1.1 200", 0), 0u);
  EXPECT_NE(a2.find("Connection: close"), std::string::npos) << a2;
  EXPECT_TRUE(second.closedByPeer());
  EXPECT_EQ(stats().establishedFull, 1u);
  first.send(kGet);  // the first one is kept alive
  EXPECT_NE(first.read(5000, "ok\n").find("200"), std::string::npos);
}

// The asynchronous handler (issue 10): the answer comes later, from a task another thread posts
// back to the loop, as the API's store-reading actions do.
TEST_F(WebServerTest, AnAsyncHandlerAnswersLaterFromAnotherThread) {
  std::mutex mu;
  std::vector<HttpReply> parked;  // touched on the loop only, read by the test under mu
  startAsync([&](HttpRequest req, HttpReply reply) {
    std::lock_guard lock(mu);
    parked.push_back([reply = std::move(reply), target = req.target](HttpResponse r) mutable {
      r.body = "answer for " + target + "\n";
      reply(std::move(r));
    });
  });
  Client c(port());
  c.send("GET /one HTTP/1.1\r\nHost: a\r\n\r\n");
  // Nothing is written while the handler has not answered.
  EXPECT_EQ(c.read(100), "");
  HttpReply first;
  {
    std::lock_guard lock(mu);
    ASSERT_EQ(parked.size(), 1u);
    first = std::move(parked[0]);
  }
  // A worker thread finishes and posts the answer to the loop.
  std::thread worker([&] {
    loop_.post([first] { first(HttpResponse{200, "text/plain", "", {}}); });
  });
  worker.join();
  std::string answer = c.read(5000, "answer for /one\n");
  EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
  EXPECT_NE(answer.find("answer for /one"), std::string::npos) << answer;
  // Keep-alive: the next request on the connection is read and answered too; a second call of
  // an already used reply is ignored.
  loop_.post([first] { first(HttpResponse{500, "text/plain", "twice\n", {}}); });
  c.send("GET /two HTTP/1.1\r\nHost: a\r\n\r\n");
  HttpReply second;
  for (int i = 0; i < 400 && !second; ++i) {
    {
      std::lock_guard lock(mu);
      if (parked.size() == 2) second = parked[1];
    }
    if (!second) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_TRUE(second);
  loop_.post([second] { second(HttpResponse{200, "text/plain", "", {}}); });
  std::string next = c.read(5000, "answer for /two\n");
  EXPECT_EQ(next.find("twice"), std::string::npos) << next;
  EXPECT_NE(next.find("answer for /two"), std::string::npos) << next;
}

TEST_F(WebServerTest, AnAsyncReplyThatIsDroppedClosesTheConnection) {
  startAsync([](HttpRequest, HttpReply) {});  // never answers: the reply is destroyed at once
  Client c(port());
  c.send(kGet);
  EXPECT_TRUE(c.closedByPeer());
}

}  // namespace
}  // namespace atrium::web
