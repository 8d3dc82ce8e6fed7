#include "store/routed_store.h"

#include <algorithm>
#include <charconv>
#include <iterator>

namespace atrium::store {
namespace {

constexpr int64_t kLocalIdMask = (int64_t{1} << kDatabaseIdShift) - 1;

int64_t globalId(size_t index, int64_t localId) { return (static_cast<int64_t>(index) << kDatabaseIdShift) | localId; }
size_t indexOfId(int64_t id) { return static_cast<size_t>(id >> kDatabaseIdShift); }
int64_t localOf(int64_t id) { return id & kLocalIdMask; }

void merge(PurgeReport& into, const PurgeReport& from) {
  for (const auto& [table, n] : from.rowsByTable) into.add(table, n);
}

}  // namespace

RoutedStore::RoutedStore(std::unique_ptr<Store> defaultStore, std::vector<RegionDatabase> regions, base::Clock& clock,
                         int64_t cacheTtlMs)
    : clock_(clock), cacheTtlMs_(cacheTtlMs) {
  stores_.push_back(std::move(defaultStore));
  for (auto& r : regions) {
    regionIndex_[r.region] = stores_.size();
    stores_.push_back(std::move(r.store));
  }
}

size_t RoutedStore::indexForRegion(const std::string& region) const {
  auto it = regionIndex_.find(region);
  return it == regionIndex_.end() ? 0 : it->second;
}

size_t RoutedStore::indexFor(uint32_t sdkAppId) {
  if (regionIndex_.empty()) return 0;
  const int64_t now = clock_.steadyMs();
  {
    std::lock_guard lock(mu_);
    auto it = cache_.find(sdkAppId);
    if (it != cache_.end() && it->second.expiresAtMs > now) return it->second.index;
  }
  auto app = stores_[0]->getApp(sdkAppId);
  // A failed lookup is not cached: the next call asks again. An unknown app's rows (the store
  // accepts entries of apps it does not know, e.g. a refused entry with a made-up SdkAppId) go
  // to the default database, where they hold no one's regional data.
  if (!app || !*app) return 0;
  size_t index = indexForRegion((*app)->region);
  std::lock_guard lock(mu_);
  cache_[sdkAppId] = {index, now + cacheTtlMs_};
  return index;
}

size_t RoutedStore::indexForCommId(std::string_view commId) {
  // CommId = "<SdkAppId>_<room>_<createTimeSec>" (RoomRecord::commId).
  uint32_t app = 0;
  auto [end, ec] = std::from_chars(commId.data(), commId.data() + commId.size(), app);
  if (ec != std::errc() || end == commId.data() + commId.size() || *end != '_') return 0;
  return indexFor(app);
}

void RoutedStore::forget(uint32_t sdkAppId) {
  std::lock_guard lock(mu_);
  cache_.erase(sdkAppId);
}

Store& RoutedStore::storeFor(uint32_t sdkAppId) { return at(indexFor(sdkAppId)); }

// --- apps ------------------------------------------------------------------------------------------

base::Result<App> RoutedStore::createApp(const App& app) {
  forget(app.sdkAppId);  // a purged id taken again may come back in another region
  return stores_[0]->createApp(app);
}
base::Result<std::optional<App>> RoutedStore::getApp(uint32_t id) { return stores_[0]->getApp(id); }
base::Result<std::vector<App>> RoutedStore::listApps(bool includeDeleted) { return stores_[0]->listApps(includeDeleted); }

base::Result<App> RoutedStore::updateApp(const App& app) {
  auto current = stores_[0]->getApp(app.sdkAppId);
  if (!current) return current.error();
  if (*current && indexForRegion((*current)->region) != indexForRegion(app.region))
    return base::makeError(kErrInvalidArgument,
                           "app " + std::to_string(app.sdkAppId) + " cannot move from region '" + (*current)->region +
                               "' to '" + app.region +
                               "': they are stored in different databases and its data would stay behind "
                               "(create a new app in the new region instead)");
  forget(app.sdkAppId);
  return stores_[0]->updateApp(app);
}

base::Result<std::string> RoutedStore::rotateSecretKey(uint32_t id) { return stores_[0]->rotateSecretKey(id); }
base::Status RoutedStore::setStatus(uint32_t id, AppStatus status) { return stores_[0]->setStatus(id, status); }
base::Status RoutedStore::deleteApp(uint32_t id) { return stores_[0]->deleteApp(id); }

// --- entry log --------------------------------------------------------------------------------------

base::Status RoutedStore::appendEntry(const EntryEvent& e) { return storeFor(e.sdkAppId).appendEntry(e); }
base::Result<std::vector<EntryEvent>> RoutedStore::listEntries(uint32_t id, int64_t fromMs, int64_t toMs, size_t limit) {
  return storeFor(id).listEntries(id, fromMs, toMs, limit);
}

// --- API keys and audit -------------------------------------------------------------------------------

base::Result<ApiKey> RoutedStore::createApiKey(std::vector<uint32_t> ids, std::string description) {
  return stores_[0]->createApiKey(std::move(ids), std::move(description));
}
base::Result<std::optional<ApiKey>> RoutedStore::getApiKey(std::string_view s) { return stores_[0]->getApiKey(s); }
base::Result<std::vector<ApiKey>> RoutedStore::listApiKeys() { return stores_[0]->listApiKeys(); }
base::Status RoutedStore::revokeApiKey(std::string_view s) { return stores_[0]->revokeApiKey(s); }
base::Status RoutedStore::touchApiKey(std::string_view s, int64_t nowMs) { return stores_[0]->touchApiKey(s, nowMs); }
base::Status RoutedStore::appendAudit(const AuditRecord& r) { return stores_[0]->appendAudit(r); }
base::Result<std::vector<AuditRecord>> RoutedStore::listAudit(int64_t fromMs, int64_t toMs,
                                                              std::optional<uint32_t> id, size_t limit) {
  return stores_[0]->listAudit(fromMs, toMs, id, limit);
}

// --- room event log ------------------------------------------------------------------------------------

base::Status RoutedStore::roomCreated(const RoomRecord& r) { return storeFor(r.sdkAppId).roomCreated(r); }
base::Status RoutedStore::roomDestroyed(std::string_view commId, int64_t atMs) {
  return at(indexForCommId(commId)).roomDestroyed(commId, atMs);
}
base::Status RoutedStore::userJoined(const UserSessionRecord& s) { return storeFor(s.sdkAppId).userJoined(s); }
base::Status RoutedStore::userLeft(std::string_view commId, std::string_view userId, int64_t joinedAtMs,
                                   int64_t leftAtMs, int exitReason) {
  return at(indexForCommId(commId)).userLeft(commId, userId, joinedAtMs, leftAtMs, exitReason);
}
base::Status RoutedStore::appendUserEvent(const UserEventRecord& e) { return storeFor(e.sdkAppId).appendUserEvent(e); }
base::Status RoutedStore::userRoleChanged(std::string_view commId, std::string_view userId, int role) {
  return at(indexForCommId(commId)).userRoleChanged(commId, userId, role);
}
base::Result<std::pair<std::vector<RoomRecord>, size_t>> RoutedStore::listRooms(uint32_t id, int64_t fromMs, int64_t toMs,
                                                                                std::optional<std::string> room,
                                                                                size_t offset, size_t limit) {
  return storeFor(id).listRooms(id, fromMs, toMs, std::move(room), offset, limit);
}
base::Result<std::optional<RoomRecord>> RoutedStore::findRoom(uint32_t id, std::string_view commId) {
  return storeFor(id).findRoom(id, commId);
}
base::Result<std::pair<std::vector<UserSessionRecord>, size_t>> RoutedStore::listUserSessions(
    uint32_t id, std::string_view commId, int64_t fromMs, int64_t toMs, std::vector<std::string> userIds, size_t offset,
    size_t limit) {
  return storeFor(id).listUserSessions(id, commId, fromMs, toMs, std::move(userIds), offset, limit);
}
base::Result<std::vector<UserEventRecord>> RoutedStore::listUserEvents(uint32_t id, std::string_view commId,
                                                                       std::string_view userId, int64_t fromMs,
                                                                       int64_t toMs) {
  return storeFor(id).listUserEvents(id, commId, userId, fromMs, toMs);
}
base::Result<std::vector<ScaleDay>> RoutedStore::scale(uint32_t id, int64_t fromMs, int64_t toMs) {
  return storeFor(id).scale(id, fromMs, toMs);
}
base::Result<RoomEventLog::ClosedRecords> RoutedStore::closeOpenRecords(int64_t atMs) {
  ClosedRecords all;
  for (auto& s : stores_) {
    auto closed = s->closeOpenRecords(atMs);
    if (!closed) return closed.error();
    std::move(closed->sessions.begin(), closed->sessions.end(), std::back_inserter(all.sessions));
    std::move(closed->rooms.begin(), closed->rooms.end(), std::back_inserter(all.rooms));
  }
  return all;
}

// --- callbacks --------------------------------------------------------------------------------------------

base::Result<int64_t> RoutedStore::enqueueCallback(uint32_t id, std::string body, int64_t nowMs, std::string orderKey) {
  const size_t index = indexFor(id);  // one app, one database: a room's jobs share a queue
  auto local = at(index).enqueueCallback(id, std::move(body), nowMs, std::move(orderKey));
  if (!local) return local.error();
  return globalId(index, *local);
}

base::Result<std::vector<CallbackJob>> RoutedStore::dueCallbacks(int64_t nowMs, size_t limit) {
  std::vector<CallbackJob> all;
  for (size_t i = 0; i < stores_.size(); ++i) {
    auto due = stores_[i]->dueCallbacks(nowMs, limit);
    if (!due) return due.error();
    for (auto& job : *due) {
      job.id = globalId(i, job.id);
      all.push_back(std::move(job));
    }
  }
  // Enqueue order across databases: by creation time (ids only order jobs within one database).
  std::stable_sort(all.begin(), all.end(),
                   [](const CallbackJob& a, const CallbackJob& b) { return a.createdAtMs < b.createdAtMs; });
  if (all.size() > limit) all.resize(limit);
  return all;
}

base::Status RoutedStore::completeCallback(int64_t id) {
  if (indexOfId(id) >= stores_.size()) return base::makeError(kErrRecordNotFound, "no callback " + std::to_string(id));
  return at(indexOfId(id)).completeCallback(localOf(id));
}
base::Status RoutedStore::rescheduleCallback(int64_t id, int attempts, int64_t nextAttemptAtMs) {
  if (indexOfId(id) >= stores_.size()) return base::makeError(kErrRecordNotFound, "no callback " + std::to_string(id));
  return at(indexOfId(id)).rescheduleCallback(localOf(id), attempts, nextAttemptAtMs);
}
base::Status RoutedStore::failCallback(int64_t id, std::string reason, int64_t nowMs) {
  if (indexOfId(id) >= stores_.size()) return base::makeError(kErrRecordNotFound, "no callback " + std::to_string(id));
  return at(indexOfId(id)).failCallback(localOf(id), std::move(reason), nowMs);
}
base::Result<size_t> RoutedStore::pendingCallbacks() {
  size_t total = 0;
  for (auto& s : stores_) {
    auto n = s->pendingCallbacks();
    if (!n) return n.error();
    total += *n;
  }
  return total;
}
base::Result<size_t> RoutedStore::failedCallbacks(std::optional<uint32_t> id) {
  if (id) return storeFor(*id).failedCallbacks(id);
  size_t total = 0;
  for (auto& s : stores_) {
    auto n = s->failedCallbacks(std::nullopt);
    if (!n) return n.error();
    total += *n;
  }
  return total;
}

base::Result<std::vector<FailedCallback>> RoutedStore::listFailedCallbacks(std::optional<uint32_t> id, size_t limit) {
  std::vector<FailedCallback> all;
  for (size_t i = 0; i < stores_.size(); ++i) {
    if (id && i != indexFor(*id)) continue;
    auto failed = stores_[i]->listFailedCallbacks(id, limit);
    if (!failed) return failed.error();
    for (auto& f : *failed) {
      f.id = globalId(i, f.id);
      all.push_back(std::move(f));
    }
  }
  std::stable_sort(all.begin(), all.end(),
                   [](const FailedCallback& a, const FailedCallback& b) { return a.failedAtMs > b.failedAtMs; });
  if (all.size() > limit) all.resize(limit);
  return all;
}
base::Result<int64_t> RoutedStore::resendFailedCallback(int64_t failureId, int64_t nowMs) {
  const size_t index = indexOfId(failureId);
  if (index >= stores_.size())
    return base::makeError(kErrRecordNotFound, "no given-up callback " + std::to_string(failureId));
  auto job = at(index).resendFailedCallback(localOf(failureId), nowMs);
  if (!job) return job.error();
  return globalId(index, *job);
}

// --- quality ------------------------------------------------------------------------------------------------

base::Status RoutedStore::appendQuality(std::span<const QualitySample> samples) {
  if (samples.empty()) return stores_[0]->appendQuality(samples);
  // A batch is one tick's reports of every room: usually one region, passed through without a copy.
  std::vector<size_t> index(samples.size());
  bool oneDatabase = true;
  for (size_t i = 0; i < samples.size(); ++i) {
    index[i] = indexFor(samples[i].sdkAppId);
    oneDatabase = oneDatabase && index[i] == index[0];
  }
  if (oneDatabase) return at(index[0]).appendQuality(samples);
  // Validate all first, so a bad sample still rejects the whole batch before any database is written.
  for (const auto& s : samples)
    if (auto st = validateQualitySample(s); !st) return st;
  std::vector<std::vector<QualitySample>> parts(stores_.size());
  for (size_t i = 0; i < samples.size(); ++i) parts[index[i]].push_back(samples[i]);
  for (size_t i = 0; i < parts.size(); ++i)
    if (!parts[i].empty())
      if (auto st = at(i).appendQuality(parts[i]); !st) return st;
  return base::Ok{};
}

base::Result<std::vector<QualitySample>> RoutedStore::listQuality(uint32_t id, std::string_view commId,
                                                                  std::vector<std::string> userIds, int64_t fromMs,
                                                                  int64_t toMs, size_t limit) {
  return storeFor(id).listQuality(id, commId, std::move(userIds), fromMs, toMs, limit);
}

// --- surge notices, erasure log -----------------------------------------------------------------------------

base::Result<int64_t> RoutedStore::addSurgeNotice(const SurgeNoticeRecord& n) { return stores_[0]->addSurgeNotice(n); }
base::Result<std::vector<SurgeNoticeRecord>> RoutedStore::listSurgeNotices(uint32_t id, int64_t fromMs, int64_t toMs) {
  return stores_[0]->listSurgeNotices(id, fromMs, toMs);
}
base::Status RoutedStore::removeSurgeNotice(uint32_t id, int64_t noticeId) {
  return stores_[0]->removeSurgeNotice(id, noticeId);
}

base::Result<std::vector<ErasureRecord>> RoutedStore::listErasures(int64_t fromMs, int64_t toMs,
                                                                   std::optional<uint32_t> id, size_t limit) {
  std::vector<ErasureRecord> all;
  for (size_t i = 0; i < stores_.size(); ++i) {
    auto part = stores_[i]->listErasures(fromMs, toMs, id, limit);
    if (!part) return part.error();
    for (auto& r : *part) {
      r.id = globalId(i, r.id);
      all.push_back(std::move(r));
    }
  }
  std::stable_sort(all.begin(), all.end(), [](const ErasureRecord& a, const ErasureRecord& b) { return a.timeMs < b.timeMs; });
  if (all.size() > limit) all.resize(limit);
  return all;
}

// --- data protection -------------------------------------------------------------------------------------------

base::Result<PurgeReport> RoutedStore::purgeExpired(const RetentionPolicy& policy, int64_t nowMs) {
  PurgeReport report;
  if (stores_.size() > 1) {
    // Regional rows of deleted apps first: the default database's purgeExpired deletes the apps
    // row, and once it is gone nothing would point at the regional rows any more.
    auto apps = stores_[0]->listApps(/*includeDeleted=*/true);
    if (!apps) return apps.error();
    for (const App& app : *apps) {
      if (app.status != AppStatus::kDeleted || app.deletedAtMs > nowMs - policy.deletedAppGraceMs) continue;
      const size_t index = indexForRegion(app.region);
      if (index == 0) continue;
      auto r = at(index).purgeAppData(app.sdkAppId);
      if (!r) return r.error();
      merge(report, *r);
    }
    // Each region's own retention (their apps tables are empty, so this is age-based only).
    for (size_t i = 1; i < stores_.size(); ++i) {
      auto r = at(i).purgeExpired(policy, nowMs);
      if (!r) return r.error();
      merge(report, *r);
    }
  }
  auto r = stores_[0]->purgeExpired(policy, nowMs);
  if (!r) return r.error();
  merge(report, *r);
  return report;
}

base::Result<PurgeReport> RoutedStore::purgeApp(uint32_t id) {
  auto app = stores_[0]->getApp(id);
  if (!app) return app.error();
  if (!*app) return base::makeError(kErrAppNotFound, "no app " + std::to_string(id));
  if ((*app)->status != AppStatus::kDeleted)
    return base::makeError(kErrInvalidArgument, "app " + std::to_string(id) + " is not deleted: delete it before purging");
  PurgeReport report;
  if (const size_t index = indexForRegion((*app)->region); index != 0) {
    auto r = at(index).purgeAppData(id);
    if (!r) return r.error();
    merge(report, *r);
  }
  auto r = stores_[0]->purgeApp(id);
  if (!r) return r.error();
  merge(report, *r);
  forget(id);
  return report;
}

base::Result<PurgeReport> RoutedStore::purgeAppData(uint32_t id) {
  PurgeReport report;
  for (auto& s : stores_) {
    auto r = s->purgeAppData(id);
    if (!r) return r.error();
    merge(report, *r);
  }
  return report;
}

base::Result<PurgeReport> RoutedStore::eraseUser(uint32_t id, std::string_view userId, std::string_view requestedBy,
                                                 int64_t nowMs) {
  // Everything of the user is app-scoped, so it is all in the app's database (the default one
  // holds apps, keys, audit and notices: no user ids).
  return storeFor(id).eraseUser(id, userId, requestedBy, nowMs);
}

base::Result<std::vector<std::pair<std::string, std::string>>> RoutedStore::describeSchema() {
  return stores_[0]->describeSchema();
}

// --- settings and control-path batches ----------------------------------------------------------------

base::Result<int64_t> RoutedStore::settingsVersion() { return stores_[0]->settingsVersion(); }
base::Result<SettingsChanges> RoutedStore::settingsChangedSince(int64_t version) {
  return stores_[0]->settingsChangedSince(version);
}

base::Result<ControlBatchReport> RoutedStore::writeControlBatch(std::span<const ControlWrite> writes) {
  // One sub-batch per database, each in the order given; the writes' original indexes travel along
  // so a database that fails can report exactly its own writes as not committed.
  std::map<size_t, std::pair<std::vector<ControlWrite>, std::vector<size_t>>> parts;
  ControlBatchReport report;
  for (size_t i = 0; i < writes.size(); ++i) {
    ControlWrite w = writes[i];
    // A callback job's app lives in the default database, its queue in the app's: check here.
    if (auto* job = std::get_if<CallbackEnqueue>(&w); job && !job->appChecked) {
      auto app = stores_[0]->getApp(job->sdkAppId);
      if (!app) {
        if (!report.error) report.error = app.error();
        report.failed.push_back(i);
        continue;
      }
      if (!*app || (*app)->status != AppStatus::kActive || (*app)->callbackUrl.empty()) {
        ++report.skipped;
        continue;
      }
      job->appChecked = true;
    }
    auto app = appOf(w);
    auto& [part, indexes] = parts[app ? indexFor(*app) : 0];
    part.push_back(std::move(w));
    indexes.push_back(i);
  }
  for (auto& [index, part] : parts) {
    auto r = at(index).writeControlBatch(part.first);
    if (r) {
      report.written += r->written;
      report.skipped += r->skipped;
      continue;
    }
    if (!report.error) report.error = r.error();
    report.failed.insert(report.failed.end(), part.second.begin(), part.second.end());
  }
  if (report.failed.size() == writes.size() && !writes.empty()) return *report.error;
  std::sort(report.failed.begin(), report.failed.end());
  return report;
}

#ifdef ATRIUM_TEST_HOOKS
base::Status RoutedStore::holdWriteLockForTest(int64_t ms) { return stores_[0]->holdWriteLockForTest(ms); }
#endif

}  // namespace atrium::store
