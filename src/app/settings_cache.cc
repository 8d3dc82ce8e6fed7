#include "app/settings_cache.h"

#include <chrono>
#include <unordered_set>

#include "base/log.h"

namespace atrium::app {

signal::AppInfo toAppInfo(const store::App& a) {
  signal::AppInfo info;
  info.sdkAppId = a.sdkAppId;
  info.secretKey = a.secretKey;
  info.active = a.status == store::AppStatus::kActive;
  info.advancedPermission = a.features.advancedPermission;
  // The store uses 0 for "unlimited"; the scene maxima still apply then.
  info.maxRtcUsers = a.limits.maxRtcUsers ? a.limits.maxRtcUsers : 300;
  info.maxLiveUsers = a.limits.maxLiveUsers ? a.limits.maxLiveUsers : 100000;
  info.maxPublishers = a.limits.maxPublishers ? a.limits.maxPublishers : 50;
  info.maxRooms = a.limits.maxRooms;
  info.callbacks = !a.callbackUrl.empty();
  return info;
}

// --- SettingsPoller --------------------------------------------------------------------------

SettingsPoller::SettingsPoller(store::SettingsLog& log, int64_t intervalMs, Publish publish)
    : log_(log), intervalMs_(intervalMs), publish_(std::move(publish)) {}

SettingsPoller::~SettingsPoller() { stop(); }

base::Result<std::shared_ptr<const SettingsSnapshot>> SettingsPoller::loadInitial() {
  std::lock_guard polling(pollMu_);
  auto all = log_.settingsChangedSince(0);
  if (!all.ok()) return all.error();
  auto snapshot = std::make_shared<SettingsSnapshot>();
  snapshot->version = all->version;
  for (auto& a : all->apps) snapshot->apps.emplace(a.sdkAppId, std::move(a));
  for (auto& k : all->apiKeys) snapshot->apiKeys.emplace(k.secretId, std::move(k));
  current_ = snapshot;
  std::lock_guard lock(mu_);
  stats_.version = snapshot->version;
  return std::shared_ptr<const SettingsSnapshot>(snapshot);
}

void SettingsPoller::start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { run(); });
}

void SettingsPoller::stop() {
  std::vector<std::function<void()>> waiting;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    waiting.swap(waiting_);
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  // Nobody polls any more: let the waiters answer from what they have.
  for (auto& done : waiting) done();
}

void SettingsPoller::pollSoon(std::function<void()> done) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      waiting_.push_back(std::move(done));
      done = nullptr;
    }
  }
  if (done) return done();
  wake_.notify_one();
}

SettingsPoller::Stats SettingsPoller::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

base::Status SettingsPoller::pollOnce() {
  std::lock_guard polling(pollMu_);
  const int64_t seen = current_ ? current_->version : 0;
  auto version = log_.settingsVersion();
  auto fail = [this](const base::Error& e) -> base::Status {
    uint64_t failures;
    {
      std::lock_guard lock(mu_);
      failures = ++stats_.failures;
    }
    // A store that is down is logged once per minute or so at the default interval.
    if (failures == 1 || failures % 120 == 0) base::log::warn("settings poll failed: {}", e.message);
    return e;
  };
  if (!version.ok()) return fail(version.error());
  {
    std::lock_guard lock(mu_);
    ++stats_.polls;
  }
  if (*version == seen && current_) return base::Ok{};
  auto changes = log_.settingsChangedSince(seen);
  if (!changes.ok()) return fail(changes.error());

  // Copy on write: the loop may still be reading the previous snapshot.
  auto next = current_ ? std::make_shared<SettingsSnapshot>(*current_) : std::make_shared<SettingsSnapshot>();
  next->version = changes->version;
  if (seen > 0) {
    // Rows purged since the last poll are not in the store any more.
    std::unordered_set<uint32_t> apps(changes->presentAppIds.begin(), changes->presentAppIds.end());
    std::erase_if(next->apps, [&](const auto& entry) { return !apps.count(entry.first); });
    std::unordered_set<std::string> keys(changes->presentApiKeyIds.begin(), changes->presentApiKeyIds.end());
    std::erase_if(next->apiKeys, [&](const auto& entry) { return !keys.count(entry.first); });
  }
  for (auto& a : changes->apps) next->apps.insert_or_assign(a.sdkAppId, std::move(a));
  for (auto& k : changes->apiKeys) next->apiKeys.insert_or_assign(k.secretId, std::move(k));
  current_ = next;
  {
    std::lock_guard lock(mu_);
    ++stats_.reloads;
    stats_.version = next->version;
  }
  base::log::debug("settings version {}: {} apps and {} API keys reloaded", next->version, changes->apps.size(),
                   changes->apiKeys.size());
  publish_(std::move(next));
  return base::Ok{};
}

void SettingsPoller::run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    wake_.wait_for(lock, std::chrono::milliseconds(intervalMs_), [this] { return stopping_ || !waiting_.empty(); });
    if (stopping_) break;
    // Those waiting now are answered by this poll, which starts after they asked.
    std::vector<std::function<void()>> answered;
    answered.swap(waiting_);
    lock.unlock();
    (void)pollOnce();
    for (auto& done : answered) done();
    lock.lock();
  }
}

// --- SettingsCache ---------------------------------------------------------------------------

SettingsCache::SettingsCache(std::shared_ptr<const SettingsSnapshot> snapshot, Recheck recheck)
    : snapshot_(snapshot ? std::move(snapshot) : std::make_shared<const SettingsSnapshot>()),
      recheck_(std::move(recheck)) {}

void SettingsCache::replace(std::shared_ptr<const SettingsSnapshot> snapshot) {
  // Polls run one at a time and post in order, but a late start-up copy must never win.
  if (snapshot && snapshot->version >= snapshot_->version) snapshot_ = std::move(snapshot);
}

const store::App* SettingsCache::app(uint32_t sdkAppId) const {
  auto it = snapshot_->apps.find(sdkAppId);
  return it == snapshot_->apps.end() ? nullptr : &it->second;
}

base::Result<std::optional<signal::AppInfo>> SettingsCache::findApp(uint32_t sdkAppId) {
  const store::App* a = app(sdkAppId);
  // As the store lookup did: a deleted app (until purged) is found, and not active.
  if (!a) return std::optional<signal::AppInfo>{};
  return std::optional<signal::AppInfo>{toAppInfo(*a)};
}

bool SettingsCache::recheck(uint32_t, std::function<void()> again) { return recheck(std::move(again)); }

bool SettingsCache::recheck(std::function<void()> again) {
  if (!recheck_) return false;
  recheck_(std::move(again));
  return true;
}

std::optional<store::ApiKey> SettingsCache::findApiKey(std::string_view secretId) {
  auto it = snapshot_->apiKeys.find(std::string(secretId));
  if (it == snapshot_->apiKeys.end()) return std::nullopt;
  return it->second;
}

std::optional<store::App> SettingsCache::findAppRecord(uint32_t sdkAppId) {
  const store::App* a = app(sdkAppId);
  if (!a) return std::nullopt;
  return *a;
}

}  // namespace atrium::app
