// Adapters from the store to the narrow ports the signaling service needs.
#pragma once

#include "signal/ports.h"
#include "store/store.h"

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
  explicit StoreEntryRecorder(store::EntryLog& log) : log_(log) {}
  void recordEntry(const signal::EntryRecord& record) override;
  uint64_t failures() const { return failures_; }

 private:
  store::EntryLog& log_;
  uint64_t failures_ = 0;
};

}  // namespace atrium::app
