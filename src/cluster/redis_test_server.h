// A real redis-server for tests, on a free loopback port, stopped by PID. Tests that need it call
// RedisTestServer::available() and skip without the binary, except under CI, which installs it.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include "cluster/redis_client.h"

namespace atrium::cluster {

class RedisTestServer {
 public:
  static bool available() { return ::access(kBinary, X_OK) == 0; }
  static bool required() { return std::getenv("CI") != nullptr; }

  RedisTestServer() : port_(freePort()) {}
  ~RedisTestServer() { stop(); }

  // Starts (or starts again, on the same port) and waits until it answers PING.
  bool start() {
    pid_ = ::fork();
    if (pid_ == 0) {
      std::string port = std::to_string(port_);
      if (int null = ::open("/dev/null", O_WRONLY); null >= 0) ::dup2(null, STDOUT_FILENO);  // its banner
      ::execl(kBinary, kBinary, "--bind", "127.0.0.1", "--port", port.c_str(), "--save", "", "--appendonly", "no",
              "--loglevel", "warning", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    RedisClient client(endpoint());
    for (int i = 0; i < 200; ++i) {
      if (client.command({"PING"}).ok()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  RedisEndpoint endpoint() const { return RedisEndpoint{"127.0.0.1", port_, "", 500}; }
  uint16_t port() const { return port_; }

 private:
  static constexpr const char* kBinary = "/usr/bin/redis-server";
  static uint16_t freePort() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(fd);
    return ntohs(a.sin_port);
  }

  uint16_t port_;
  pid_t pid_ = -1;
};

#define ATRIUM_REQUIRE_REDIS()                                                         \
  do {                                                                                 \
    if (!::atrium::cluster::RedisTestServer::available()) {                            \
      if (::atrium::cluster::RedisTestServer::required()) FAIL() << "redis-server is missing under CI"; \
      GTEST_SKIP() << "redis-server is not installed";                                 \
    }                                                                                  \
  } while (0)

}  // namespace atrium::cluster
