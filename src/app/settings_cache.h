// Apps and API keys in memory (issue 10): what every enterRoom and every API request reads,
// without a store round trip (3 SELECTs and AES-GCM decryptions per entry before).
//
// Two halves. SettingsPoller owns a thread that asks the store every store.settings_poll_ms
// whether the settings version moved (store::SettingsLog: every app or API-key write, by any
// process — this daemon, the `atrium` CLI, another node — bumps it in the same transaction), loads
// only the rows changed since, and posts a new immutable snapshot to the control loop.
// SettingsCache lives on the loop and answers from the latest snapshot; it takes no lock.
//
// Staleness: a change is seen within one poll interval. A *refusal* is never stale, though: a miss
// or a refusal a change could explain (unknown app or SecretId, disabled app, bad signature after
// a key rotation) is checked again after a fresh poll before it is reported (recheck), so an app
// created a moment ago by the CLI can be entered at once. What may be stale for up to one poll
// interval is an *admission*: a request with a key revoked or an app disabled less than
// settings_poll_ms ago can still pass.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "api/api_service.h"
#include "base/result.h"
#include "signal/ports.h"
#include "store/store.h"

namespace atrium::app {

struct SettingsSnapshot {
  int64_t version = 0;
  std::unordered_map<uint32_t, store::App> apps;  // deleted ones too, until purged
  std::unordered_map<std::string, store::ApiKey> apiKeys;  // with secrets; revoked ones too
};

// The signaling view of an app (limits with the store's 0 = unlimited resolved).
signal::AppInfo toAppInfo(const store::App& app);

class SettingsPoller {
 public:
  using Publish = std::function<void(std::shared_ptr<const SettingsSnapshot>)>;
  // publish: hands a new snapshot to the loop (posts); called on the poller thread, before any
  // pollSoon() `done` of the same poll, so the loop sees the snapshot first.
  SettingsPoller(store::SettingsLog& log, int64_t intervalMs, Publish publish);
  ~SettingsPoller();  // stop()

  // Loads everything, on the caller's thread (start-up: the daemon does not serve before it has
  // its settings). Later polls load only what changed since.
  base::Result<std::shared_ptr<const SettingsSnapshot>> loadInitial();
  void start();
  void stop();
  // Any thread: poll as soon as possible, then call `done` (on the poller thread) once a poll that
  // started after this call has finished — whether or not it found changes, and even if it failed.
  void pollSoon(std::function<void()> done);
  // One poll on the caller's thread; publishes when the version moved. (The thread's body; tests.)
  base::Status pollOnce();

  struct Stats {
    uint64_t polls = 0;
    uint64_t reloads = 0;  // polls that found a change
    uint64_t failures = 0;
    int64_t version = 0;
  };
  Stats stats() const;

 private:
  void run();

  store::SettingsLog& log_;
  const int64_t intervalMs_;
  Publish publish_;
  std::shared_ptr<const SettingsSnapshot> current_;  // poller side; replaced, never changed

  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::vector<std::function<void()>> waiting_;  // pollSoon callers for the next poll
  Stats stats_;
  bool stopping_ = false;
  std::mutex pollMu_;  // one poll at a time
  std::thread thread_;
};

// The loop's side. Not thread-safe: every call on the control loop.
class SettingsCache final : public signal::AppSource, public api::CredentialSource {
 public:
  // recheck: asks for a fresh poll and runs the function on the loop after it (wired to
  // SettingsPoller::pollSoon + ControlLoop::post); may be null (no rechecks).
  using Recheck = std::function<void(std::function<void()>)>;
  SettingsCache(std::shared_ptr<const SettingsSnapshot> snapshot, Recheck recheck);

  void replace(std::shared_ptr<const SettingsSnapshot> snapshot);
  int64_t version() const { return snapshot_->version; }
  const store::App* app(uint32_t sdkAppId) const;

  // signal::AppSource
  base::Result<std::optional<signal::AppInfo>> findApp(uint32_t sdkAppId) override;
  bool recheck(uint32_t sdkAppId, std::function<void()> again) override;

  // api::CredentialSource
  std::optional<store::ApiKey> findApiKey(std::string_view secretId) override;
  std::optional<store::App> findAppRecord(uint32_t sdkAppId) override;
  bool recheck(std::function<void()> again) override;

 private:
  std::shared_ptr<const SettingsSnapshot> snapshot_;
  Recheck recheck_;
};

}  // namespace atrium::app
