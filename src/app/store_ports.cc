#include "app/store_ports.h"

#include "base/log.h"

namespace atrium::app {

base::Result<std::optional<signal::AppInfo>> StoreAppSource::findApp(uint32_t sdkAppId) {
  auto app = apps_.getApp(sdkAppId);
  if (!app.ok()) return app.error();
  if (!app->has_value()) return std::optional<signal::AppInfo>{};
  const store::App& a = **app;
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
  return std::optional<signal::AppInfo>{std::move(info)};
}

void StoreEntryRecorder::recordEntry(const signal::EntryRecord& r) {
  store::EntryEvent e{r.timeMs, r.sdkAppId, r.room, r.maskedUserId, r.maskedIp, r.success, r.cause, r.errorCode};
  auto st = log_.appendEntry(e);
  health_.record(store::StoreWrite::kEntry, st.ok());
  if (!st.ok()) base::log::error("entry event not recorded: {}", st.error().message);
}

}  // namespace atrium::app
