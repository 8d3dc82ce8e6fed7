#include "app/store_ports.h"

namespace atrium::app {

void WriterEntryRecorder::recordEntry(const signal::EntryRecord& r) {
  writer_.enqueue(store::EntryEvent{r.timeMs, r.sdkAppId, r.room, r.maskedUserId, r.maskedIp, r.success, r.cause,
                                    r.errorCode});
}

}  // namespace atrium::app
