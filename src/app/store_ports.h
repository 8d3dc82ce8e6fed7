// Adapters from the store to the narrow ports the signaling service needs.
#pragma once

#include "signal/ports.h"
#include "store/store.h"
#include "store/write_health.h"

namespace atrium::app {

class StoreAppSource final : public signal::AppSource {
 public:
  explicit StoreAppSource(store::AppRepository& apps) : apps_(apps) {}
  base::Result<std::optional<signal::AppInfo>> findApp(uint32_t sdkAppId) override;

 private:
  store::AppRepository& apps_;
};

class StoreEntryRecorder final : public signal::EntryRecorder {
 public:
  StoreEntryRecorder(store::EntryLog& log, store::WriteHealth& health) : log_(log), health_(health) {}
  void recordEntry(const signal::EntryRecord& record) override;

 private:
  store::EntryLog& log_;
  store::WriteHealth& health_;
};

}  // namespace atrium::app
