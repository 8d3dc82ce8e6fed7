// Outbound HTTP POST for callbacks. HttpPoster is the seam the dispatcher is tested through;
// CurlPoster is the libcurl implementation. Only http_poster.cc includes curl.h.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace atrium::callback {

struct PostResult {
  int httpStatus = 0;  // 0: transport error (see `error`), else the receiver's status code
  std::string error;   // short reason without the URL, safe to log and store
};

using Headers = std::vector<std::pair<std::string, std::string>>;

class HttpPoster {
 public:
  virtual ~HttpPoster() = default;
  // Blocks for at most about timeoutMs (connect included). Never follows redirects.
  virtual PostResult post(const std::string& url, const Headers& headers, const std::string& body,
                          int64_t timeoutMs) = 0;
  // Asks post() calls already running on other threads to give up soon (a transport error), so
  // shutdown does not wait out a slow receiver. Calls that start afterwards are unaffected.
  virtual void interrupt() {}
};

struct CurlPosterOptions {
  // PEM bundle to verify receivers against instead of the system store (setting callback.ca_file;
  // lets tests and private deployments use self-signed receivers). Verification stays on.
  std::string caFile;
  // Proxy URL; empty means none. Environment variables (http_proxy, ...) are ignored on purpose:
  // where callbacks go must not depend on how the daemon happened to be started.
  std::string proxy;
  std::string userAgent = "atrium-callback/1";
};

// libcurl poster: TLS peer and host verification on, only http:// and https:// URLs, no redirects,
// response body read up to kMaxResponseBytes and discarded. Each thread reuses one easy handle,
// so keep-alive connections to a receiver survive between callbacks. Safe from several threads.
class CurlPoster final : public HttpPoster {
 public:
  static constexpr size_t kMaxResponseBytes = 16 * 1024;

  explicit CurlPoster(CurlPosterOptions options = {});
  PostResult post(const std::string& url, const Headers& headers, const std::string& body,
                  int64_t timeoutMs) override;
  void interrupt() override { interruptGeneration_.fetch_add(1); }

 private:
  CurlPosterOptions options_;
  std::atomic<uint64_t> interruptGeneration_{0};
};

// "https://user:pw@hooks.example.com:8443/cb?token=x" -> "https://hooks.example.com:8443": what
// logs may show of a callback URL (paths and query strings can carry the receiver's secrets).
std::string urlOriginForLog(std::string_view url);

}  // namespace atrium::callback
