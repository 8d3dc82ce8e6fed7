// ApiService: the TRTC-compatible server API (trtc-compat §3-4). One call turns one HTTPS request
// into one JSON envelope: method and header checks, TC3-HMAC-SHA256 verification, per-caller rate
// limiting, JSON and parameter validation, the SdkAppId scope of the key, the action, and an
// audit record. Runs on the control loop; no sockets here.
//
// The loop never waits on storage (issue 10) when the optional ports of ApiDeps are wired, as
// atriumd wires them: keys and apps come from an in-memory cache (CredentialSource), actions that
// read or erase stored data run on an Offload thread and the reply follows on the loop, and audit
// records and key-use times go to a batching writer (ApiWriteQueue) — except the audit record of a
// state-changing action, which is written (on the Offload thread) before the action takes effect:
// if it cannot be written, the action does not happen and the caller gets InternalError.
// Without those ports (tests, the fuzzer) everything runs synchronously on the caller's thread.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

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

// Where slow work runs: `work` on another thread, then `done` on the control loop.
class Offload {
 public:
  virtual ~Offload() = default;
  // False when the task cannot be taken now (a full queue): the caller answers at once.
  virtual bool run(std::function<void()> work, std::function<void()> done) = 0;
};

// What authentication and the scope check read on every request (atriumd: app::SettingsCache).
class CredentialSource {
 public:
  virtual ~CredentialSource() = default;
  virtual std::optional<store::ApiKey> findApiKey(std::string_view secretId) = 0;
  virtual std::optional<store::App> findAppRecord(uint32_t sdkAppId) = 0;
  // A refusal a cache may be behind on (an unknown SecretId or app, a disabled app): read again and
  // call `again` on the loop afterwards. False when there is nothing fresher to read.
  virtual bool recheck(std::function<void()> again) = 0;
};

// Writes that may wait (atriumd: app::ControlWriter). Never blocks.
class ApiWriteQueue {
 public:
  virtual ~ApiWriteQueue() = default;
  virtual void audit(store::AuditRecord record) = 0;
  virtual void keyUsed(std::string secretId, int64_t atMs) = 0;
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
  // Optional (see the header comment); null: synchronous, straight to the store.
  CredentialSource* credentials = nullptr;
  Offload* offload = nullptr;
  ApiWriteQueue* writes = nullptr;
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
  using Reply = std::function<void(ApiResponse)>;

  ApiService(ApiDeps deps, ApiOptions options);
  // On the control loop. `reply` is called exactly once, on the loop: at once, or after the
  // action's work came back from the Offload thread.
  void handleAsync(ApiRequest request, Reply reply);
  // handleAsync for callers without an Offload (tests, the fuzzer), where the reply is immediate.
  ApiResponse handle(const ApiRequest& request);
  const ApiStats& stats() const { return stats_; }
  // Told whether each audit record written directly was written (not owned; may stay null).
  void setWriteHealth(store::WriteHealth* health) { writeHealth_ = health; }

 private:
  struct Call;
  struct Prepared;
  void run(std::shared_ptr<Call> call);
  base::Result<Prepared> prepare(Call& call, bool& maybeStale);
  void dispatch(std::shared_ptr<Call> call, Prepared prepared);
  // Runs work off the loop (inline without an Offload), then done on the loop.
  void offload(std::shared_ptr<Call> call, std::function<void()> work, std::function<void()> done);
  // The envelope, stats and audit record; then the reply. `audited`: the record was written
  // before the effect (a second record is queued only when the outcome was an error).
  void finish(Call& call, base::Result<nlohmann::json> result, bool audited = false);
  void writeAudit(const store::AuditRecord& record);
  std::optional<store::ApiKey> findKey(std::string_view secretId);
  base::Result<std::optional<store::App>> findApp(uint32_t sdkAppId);
  void noteKeyUse(const store::ApiKey& key, int64_t nowMs);

  ApiDeps deps_;
  store::WriteHealth* writeHealth_ = nullptr;
  ApiOptions options_;
  RateLimiter limiter_;
  ApiStats stats_;
  // Last use written per SecretId (minute precision): cached keys do not see their own last use.
  std::unordered_map<std::string, int64_t> lastKeyUse_;
};

}  // namespace atrium::api
