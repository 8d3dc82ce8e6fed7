// ApiService: the TRTC-compatible server API (trtc-compat §3-4). One call turns one HTTPS request
// into one JSON envelope: method and header checks, TC3-HMAC-SHA256 verification, per-caller rate
// limiting, JSON and parameter validation, the SdkAppId scope of the key, the action, and an
// audit record. Runs on the control loop; no sockets here.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "api/rate_limiter.h"
#include "base/clock.h"
#include "base/ids.h"
#include "store/store.h"
#include "store/write_health.h"

namespace atrium::api {

inline constexpr const char* kApiVersion = "2019-07-22";

// Control of live rooms (implemented over the signaling service).
class RoomControl {
 public:
  virtual ~RoomControl() = default;
  virtual bool roomExists(const base::RoomKey& key) = 0;
  virtual size_t dismissRoom(const base::RoomKey& key) = 0;  // users kicked
  virtual size_t removeUsers(const base::RoomKey& key, const std::vector<std::string>& userIds) = 0;
};

struct ApiDeps {
  store::AppRepository& apps;
  store::EntryLog& entries;
  store::ApiKeyRepository& keys;
  store::AuditLog& audit;
  store::RoomEventLog& roomLog;
  store::QualityLog& quality;
  RoomControl& rooms;
  base::Clock& clock;
  // Atrium's own actions: EraseUserData (R13) and the notices DescribeSlaReport reads (R23).
  store::DataProtection& dataProtection;
  store::SurgeNoticeRepository& surgeNotices;
};

struct ApiOptions {
  double requestsPerSecond = 20;
  double burst = 20;
  size_t maxBodyBytes = 65536;
  int64_t maxSkewSeconds = 300;
};

struct ApiRequest {
  std::string method;
  std::string target;  // path and query
  std::vector<std::pair<std::string, std::string>> headers;  // lower-cased names
  std::string body;
  std::string remoteIp;
  bool bodyTooLarge = false;  // over maxBodyBytes and not read: `body` is empty
};

struct ApiResponse {
  std::string body;       // {"Response": {...}}
  std::string requestId;
  std::string errorCode;  // empty on success
};

struct ApiStats {
  uint64_t requests = 0;
  uint64_t errors = 0;
  uint64_t rateLimited = 0;
};

class ApiService {
 public:
  ApiService(ApiDeps deps, ApiOptions options);
  ApiResponse handle(const ApiRequest& request);
  const ApiStats& stats() const { return stats_; }
  // Told whether each audit record was written (not owned; may stay null).
  void setWriteHealth(store::WriteHealth* health) { writeHealth_ = health; }

 private:
  ApiDeps deps_;
  store::WriteHealth* writeHealth_ = nullptr;
  ApiOptions options_;
  RateLimiter limiter_;
  ApiStats stats_;
};

}  // namespace atrium::api
