// CurlPoster against a real socket: a tiny HTTP/1.1 server on 127.0.0.1, port 0, written with
// POSIX sockets so the test sees exactly the bytes libcurl sends.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <chrono>
#include <functional>
#include <mutex>
#include <thread>

#include "callback/event.h"
#include "callback/http_poster.h"
#include "crypto/crypto.h"

namespace atrium::callback {
namespace {

using namespace std::chrono_literals;

struct ReceivedRequest {
  std::string requestLine;
  std::vector<std::pair<std::string, std::string>> headers;  // names exactly as sent
  std::string body;

  std::vector<std::string> values(const std::string& name) const {
    std::vector<std::string> out;
    for (const auto& [n, v] : headers) {
      if (n == name) out.push_back(v);
    }
    return out;
  }
  bool hasHeaderIgnoringCase(std::string name) const {
    auto lower = [](std::string s) {
      for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return s;
    };
    for (const auto& [n, v] : headers) {
      if (lower(n) == lower(name)) return true;
    }
    return false;
  }
};

std::string response(int status, const std::string& reason, const std::string& body = "{\"code\":0}",
                     const std::string& extraHeaders = "") {
  return "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\nContent-Type: application/json\r\n" +
         extraHeaders + "Content-Length: " + std::to_string(body.size()) +
         "\r\nConnection: close\r\n\r\n" + body;
}

// One connection at a time; every wait is sliced so the destructor can always stop it.
class TinyHttpServer {
 public:
  // Returns the raw response to send; an empty string holds the connection open without answering.
  using Responder = std::function<std::string(const ReceivedRequest&)>;

  explicit TinyHttpServer(Responder responder) : responder_(std::move(responder)) {
    listenFd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (listenFd_ < 0 || ::bind(listenFd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listenFd_, 8) != 0 ||
        ::getsockname(listenFd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      ADD_FAILURE() << "cannot listen on 127.0.0.1";
      return;
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~TinyHttpServer() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (listenFd_ >= 0) ::close(listenFd_);
  }
  std::string url(const std::string& pathAndQuery) const {
    return "http://127.0.0.1:" + std::to_string(port_) + pathAndQuery;
  }
  uint16_t port() const { return port_; }
  std::vector<ReceivedRequest> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  int connections() const { return connections_.load(); }

 private:
  // Waits for `events` on fd in short slices; false on stop, deadline or error.
  bool waitFd(int fd, short events, std::chrono::steady_clock::time_point deadline) {
    while (!stop_ && std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd, events, 0};
      int n = ::poll(&p, 1, 20);
      if (n > 0) return true;
      if (n < 0) return false;
    }
    return false;
  }

  void serve() {
    while (!stop_) {
      if (!waitFd(listenFd_, POLLIN, std::chrono::steady_clock::now() + 1h)) continue;
      int fd = ::accept(listenFd_, nullptr, nullptr);
      if (fd < 0) continue;
      connections_.fetch_add(1);
      handle(fd);
      ::close(fd);
    }
  }

  void handle(int fd) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    std::string data;
    char buf[4096];
    size_t headerEnd;
    while ((headerEnd = data.find("\r\n\r\n")) == std::string::npos) {
      if (!waitFd(fd, POLLIN, deadline)) return;
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return;
      data.append(buf, static_cast<size_t>(n));
    }
    ReceivedRequest req;
    size_t lineEnd = data.find("\r\n");
    req.requestLine = data.substr(0, lineEnd);
    size_t contentLength = 0;
    for (size_t pos = lineEnd + 2; pos < headerEnd + 2;) {
      size_t end = data.find("\r\n", pos);
      std::string line = data.substr(pos, end - pos);
      pos = end + 2;
      size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      if (name == "Content-Length") contentLength = std::stoul(value);
      req.headers.emplace_back(name, value);
    }
    req.body = data.substr(headerEnd + 4);
    while (req.body.size() < contentLength) {
      if (!waitFd(fd, POLLIN, deadline)) return;
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return;
      req.body.append(buf, static_cast<size_t>(n));
    }
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(req);
    }
    std::string answer = responder_(req);
    if (answer.empty()) {  // never answer: hold until the client gives up or the test ends
      while (waitFd(fd, POLLIN, deadline) && ::recv(fd, buf, sizeof buf, 0) > 0) {
      }
      return;
    }
    for (size_t sent = 0; sent < answer.size();) {
      if (!waitFd(fd, POLLOUT, deadline)) return;
      ssize_t n = ::send(fd, answer.data() + sent, answer.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return;  // the client hung up (e.g. after enough of a large body)
      sent += static_cast<size_t>(n);
    }
  }

  Responder responder_;
  int listenFd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::mutex mutex_;
  std::vector<ReceivedRequest> requests_;
  std::thread thread_;
};

Headers callbackHeaders(const std::string& body) {
  return {{"Content-Type", "application/json"},
          {"SdkAppId", "1400000001"},
          {"Sign", signBody("trtcCallbackKey123", body)}};
}

TEST(CurlPoster, SendsExactHeadersAndASignThatVerifies) {
  TinyHttpServer server([](const ReceivedRequest&) { return response(200, "OK"); });
  RoomEventInput e;
  e.eventType = kEventEnterRoom;
  e.numericRoom = 12345;
  e.userId = "us\xC3\xA9r";  // non-ASCII survives byte for byte
  e.eventMs = 1700000000123;
  e.role = kRoleAudience;
  const std::string body = buildCallbackBody(e, 1700000000200);
  CurlPoster poster;
  PostResult r = poster.post(server.url("/trtc/cb?token=abc&x=1"), callbackHeaders(body), body, 5000);
  EXPECT_EQ(r.httpStatus, 200) << r.error;
  EXPECT_EQ(r.error, "");

  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  const ReceivedRequest& req = requests[0];
  EXPECT_EQ(req.requestLine, "POST /trtc/cb?token=abc&x=1 HTTP/1.1");
  EXPECT_EQ(req.values("Content-Type"), std::vector<std::string>{"application/json"});
  EXPECT_EQ(req.values("SdkAppId"), std::vector<std::string>{"1400000001"});
  EXPECT_EQ(req.values("Content-Length"), std::vector<std::string>{std::to_string(body.size())});
  EXPECT_EQ(req.values("Host"), std::vector<std::string>{"127.0.0.1:" + std::to_string(server.port())});
  EXPECT_FALSE(req.hasHeaderIgnoringCase("Expect"));
  EXPECT_FALSE(req.hasHeaderIgnoringCase("Transfer-Encoding"));
  EXPECT_EQ(req.body, body);

  // The receiver's check, as TRTC documents it: HMAC-SHA256 of the raw body with the key.
  auto sign = req.values("Sign");
  ASSERT_EQ(sign.size(), 1u);
  auto mac = crypto::base64Decode(sign[0]);
  ASSERT_TRUE(mac.has_value());
  auto expected = crypto::hmacSha256("trtcCallbackKey123", req.body);
  EXPECT_TRUE(crypto::constantTimeEqual(*mac, expected));
}

TEST(CurlPoster, IgnoresProxyEnvironmentVariables) {
  TinyHttpServer server([](const ReceivedRequest&) { return response(200, "OK"); });
  // A proxy that does not exist: honouring it would fail the post.
  ::setenv("http_proxy", "http://127.0.0.1:1", 1);
  ::setenv("ALL_PROXY", "http://127.0.0.1:1", 1);
  CurlPoster poster;
  PostResult r = poster.post(server.url("/"), callbackHeaders("{}"), "{}", 2000);
  ::unsetenv("http_proxy");
  ::unsetenv("ALL_PROXY");
  EXPECT_EQ(r.httpStatus, 200) << r.error;
}

TEST(CurlPoster, ReportsNon200Statuses) {
  TinyHttpServer server([](const ReceivedRequest&) { return response(500, "Internal Server Error"); });
  CurlPoster poster;
  PostResult r = poster.post(server.url("/"), callbackHeaders("{}"), "{}", 5000);
  EXPECT_EQ(r.httpStatus, 500);
  // A second post on the same thread reuses the easy handle after reset.
  r = poster.post(server.url("/again"), callbackHeaders("{}"), "{}", 5000);
  EXPECT_EQ(r.httpStatus, 500);
  EXPECT_EQ(server.requests().size(), 2u);
}

TEST(CurlPoster, DoesNotFollowRedirects) {
  TinyHttpServer server([&](const ReceivedRequest&) {
    return response(302, "Found", "", "Location: /elsewhere\r\n");
  });
  CurlPoster poster;
  PostResult r = poster.post(server.url("/"), callbackHeaders("{}"), "{}", 5000);
  EXPECT_EQ(r.httpStatus, 302);
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(CurlPoster, LargeResponseBodiesAreCutOffNotFatal) {
  TinyHttpServer server([](const ReceivedRequest&) {
    return response(200, "OK", std::string(1 << 20, 'x'));
  });
  CurlPoster poster;
  PostResult r = poster.post(server.url("/"), callbackHeaders("{}"), "{}", 5000);
  EXPECT_EQ(r.httpStatus, 200) << r.error;
}

TEST(CurlPoster, OnlyHttpAndHttpsUrls) {
  TinyHttpServer server([](const ReceivedRequest&) { return response(200, "OK"); });
  const std::string port = std::to_string(server.port());
  CurlPoster poster;
  for (const std::string& url : {"ftp://127.0.0.1:" + port + "/", std::string("file:///etc/hostname"),
                                 "gopher://127.0.0.1:" + port + "/", "dict://127.0.0.1:" + port + "/",
                                 "telnet://127.0.0.1:" + port, std::string("not-a-url")}) {
    PostResult r = poster.post(url, callbackHeaders("{}"), "{}", 2000);
    EXPECT_EQ(r.httpStatus, 0) << url;
    EXPECT_FALSE(r.error.empty()) << url;
    EXPECT_EQ(r.error.find("127.0.0.1"), std::string::npos) << r.error;
  }
  EXPECT_EQ(server.connections(), 0);
}

TEST(CurlPoster, TransportErrorsAreStatusZero) {
  uint16_t closedPort;
  {
    TinyHttpServer gone([](const ReceivedRequest&) { return std::string(); });
    closedPort = gone.port();
  }  // listener closed: nothing accepts on that port now
  CurlPoster poster;
  PostResult r = poster.post("http://127.0.0.1:" + std::to_string(closedPort) + "/?token=secret",
                             callbackHeaders("{}"), "{}", 2000);
  EXPECT_EQ(r.httpStatus, 0);
  EXPECT_FALSE(r.error.empty());
  EXPECT_EQ(r.error.find("secret"), std::string::npos);
}

TEST(CurlPoster, TimeoutBoundsASilentReceiver) {
  TinyHttpServer server([](const ReceivedRequest&) { return std::string(); });
  CurlPoster poster;
  auto before = std::chrono::steady_clock::now();
  PostResult r = poster.post(server.url("/"), callbackHeaders("{}"), "{}", 300);
  auto elapsed = std::chrono::steady_clock::now() - before;
  EXPECT_EQ(r.httpStatus, 0);
  EXPECT_EQ(r.error, "Timeout was reached");
  EXPECT_GE(elapsed, 250ms);
  EXPECT_LT(elapsed, 3s);
}

TEST(CurlPoster, InterruptEndsAPostFromAnotherThread) {
  TinyHttpServer server([](const ReceivedRequest&) { return std::string(); });
  CurlPoster poster;
  std::atomic<bool> done{false};
  std::thread interrupter([&] {
    // Keep interrupting until the post has returned: the first one may precede the post.
    while (!done) {
      std::this_thread::sleep_for(50ms);
      poster.interrupt();
    }
  });
  auto before = std::chrono::steady_clock::now();
  PostResult r = poster.post(server.url("/"), callbackHeaders("{}"), "{}", 20000);
  done = true;
  interrupter.join();
  EXPECT_EQ(r.httpStatus, 0);
  EXPECT_EQ(r.error, "interrupted");
  EXPECT_LT(std::chrono::steady_clock::now() - before, 3s);
}

}  // namespace
}  // namespace atrium::callback
