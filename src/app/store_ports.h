// Adapters from the control path's narrow ports to the batching writer (issue 10): what signaling
// and the API write is queued, never written on the control loop.
#pragma once

#include "api/api_service.h"
#include "app/control_writer.h"
#include "signal/ports.h"

namespace atrium::app {

// The entry event log (R20): best effort through the writer's backlog.
class WriterEntryRecorder final : public signal::EntryRecorder {
 public:
  explicit WriterEntryRecorder(ControlWriter& writer) : writer_(writer) {}
  void recordEntry(const signal::EntryRecord& record) override;

 private:
  ControlWriter& writer_;
};

// Audit records of API requests that change nothing, and API-key last-use times.
class WriterApiQueue final : public api::ApiWriteQueue {
 public:
  explicit WriterApiQueue(ControlWriter& writer) : writer_(writer) {}
  void audit(store::AuditRecord record) override { writer_.enqueue(std::move(record)); }
  void keyUsed(std::string secretId, int64_t atMs) override {
    writer_.enqueue(store::ApiKeyUse{std::move(secretId), atMs});
  }

 private:
  ControlWriter& writer_;
};

}  // namespace atrium::app
