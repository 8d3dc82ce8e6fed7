#include "cluster/redis_client.h"

#include <hiredis/hiredis.h>

#include <charconv>
#include <optional>

namespace atrium::cluster {
namespace {

base::Error redisError(std::string message) { return base::makeError("REDIS", std::move(message)); }

// Converts hiredis' reply tree into ours; an error reply anywhere becomes the Error.
base::Result<RedisReply> convert(const redisReply* r) {
  RedisReply out;
  switch (r->type) {
    case REDIS_REPLY_NIL: return out;
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::kInteger;
      out.integer = r->integer;
      return out;
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
      out.type = r->type == REDIS_REPLY_STRING ? RedisReply::Type::kString : RedisReply::Type::kStatus;
      out.str.assign(r->str, r->len);
      return out;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::kArray;
      out.elements.reserve(r->elements);
      for (size_t i = 0; i < r->elements; ++i) {
        auto e = convert(r->element[i]);
        if (!e.ok()) return e.error();
        out.elements.push_back(std::move(*e));
      }
      return out;
    case REDIS_REPLY_ERROR: return redisError(std::string(r->str, r->len));
    default: return redisError("unexpected reply type " + std::to_string(r->type));
  }
}

timeval toTimeval(int ms) { return timeval{ms / 1000, (ms % 1000) * 1000}; }

}  // namespace

base::Result<RedisEndpoint> parseRedisUrl(std::string_view url) {
  RedisEndpoint ep;
  if (url.starts_with("redis://")) url.remove_prefix(8);
  if (auto slash = url.find('/'); slash != std::string_view::npos) url = url.substr(0, slash);
  if (auto at = url.rfind('@'); at != std::string_view::npos) {
    std::string_view auth = url.substr(0, at);
    if (auto colon = auth.find(':'); colon != std::string_view::npos) auth.remove_prefix(colon + 1);
    ep.password = std::string(auth);
    url.remove_prefix(at + 1);
  }
  auto colon = url.rfind(':');
  ep.host = std::string(url.substr(0, colon));
  if (colon != std::string_view::npos) {
    std::string_view port = url.substr(colon + 1);
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535)
      return base::makeError("INVALID_SETTING", "the Redis address needs a port 1..65535: " + std::string(port));
    ep.port = static_cast<uint16_t>(value);
  }
  if (ep.host.empty()) return base::makeError("INVALID_SETTING", "the Redis address needs a host");
  return ep;
}

struct RedisClient::Context {
  redisContext* c = nullptr;
  ~Context() {
    if (c) redisFree(c);
  }
};

RedisClient::RedisClient(RedisEndpoint endpoint) : endpoint_(std::move(endpoint)), ctx_(std::make_unique<Context>()) {}
RedisClient::~RedisClient() = default;

bool RedisClient::connected() const { return ctx_->c != nullptr; }

void RedisClient::drop() {
  if (ctx_->c) redisFree(ctx_->c);
  ctx_->c = nullptr;
}

base::Status RedisClient::connect() {
  if (ctx_->c) return base::Ok{};
  redisContext* c = redisConnectWithTimeout(endpoint_.host.c_str(), endpoint_.port, toTimeval(endpoint_.timeoutMs));
  if (!c) return redisError("cannot allocate a Redis context");
  if (c->err) {
    std::string why = c->errstr;
    redisFree(c);
    return redisError("cannot connect to Redis at " + endpoint_.host + ":" + std::to_string(endpoint_.port) + ": " + why);
  }
  redisSetTimeout(c, toTimeval(endpoint_.timeoutMs));
  ctx_->c = c;
  if (!endpoint_.password.empty()) {
    auto auth = command({"AUTH", endpoint_.password});
    if (!auth.ok()) {
      drop();
      return redisError("Redis refused the password: " + auth.error().message);
    }
  }
  return base::Ok{};
}

base::Result<std::vector<RedisReply>> RedisClient::pipeline(const std::vector<RedisCommand>& commands) {
  if (auto st = connect(); !st.ok()) return st.error();
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (const auto& cmd : commands) {
    argv.clear();
    lens.clear();
    for (const auto& a : cmd) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    if (redisAppendCommandArgv(ctx_->c, static_cast<int>(argv.size()), argv.data(), lens.data()) != REDIS_OK) {
      std::string why = ctx_->c->errstr;
      drop();
      return redisError("Redis command not sent: " + why);
    }
  }
  std::vector<RedisReply> replies;
  replies.reserve(commands.size());
  std::optional<base::Error> firstError;
  for (size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(ctx_->c, &raw) != REDIS_OK || !raw) {
      std::string why = ctx_->c->errstr;
      drop();  // the stream is out of step now: never reuse it
      return redisError("Redis connection lost: " + why);
    }
    auto* reply = static_cast<redisReply*>(raw);
    auto converted = convert(reply);
    freeReplyObject(reply);
    if (!converted.ok()) {
      if (!firstError) firstError = converted.error();
      replies.emplace_back();
    } else {
      replies.push_back(std::move(*converted));
    }
  }
  if (firstError) return *firstError;
  return replies;
}

base::Result<RedisReply> RedisClient::command(const RedisCommand& cmd) {
  auto replies = pipeline({cmd});
  if (!replies.ok()) return replies.error();
  return std::move(replies->front());
}

}  // namespace atrium::cluster
