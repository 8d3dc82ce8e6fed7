// A blocking Redis client over one connection (hiredis), for the one thread that owns it: the
// control loop never calls it (it posts work to that thread and gets replies posted back).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace atrium::cluster {

// Where Redis is: `redis://[:password@]host:port` or `host:port`.
struct RedisEndpoint {
  std::string host;
  uint16_t port = 6379;
  std::string password;
  int timeoutMs = 1000;  // connect and per-command
};
base::Result<RedisEndpoint> parseRedisUrl(std::string_view url);

struct RedisReply {
  enum class Type { kNil, kInteger, kString, kStatus, kArray };
  Type type = Type::kNil;
  int64_t integer = 0;
  std::string str;
  std::vector<RedisReply> elements;
};

using RedisCommand = std::vector<std::string>;

class RedisClient {
 public:
  explicit RedisClient(RedisEndpoint endpoint);
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // Sends the commands in one round trip and returns their replies in order. Connects first when
  // needed; a broken connection is dropped (the next call connects again) and reported as an
  // Error, as is a Redis error reply (code "REDIS").
  base::Result<std::vector<RedisReply>> pipeline(const std::vector<RedisCommand>& commands);
  base::Result<RedisReply> command(const RedisCommand& command);
  bool connected() const;

 private:
  base::Status connect();
  void drop();

  RedisEndpoint endpoint_;
  struct Context;
  std::unique_ptr<Context> ctx_;
};

}  // namespace atrium::cluster
