// `atrium purge` and `atrium erase`: retention and data-subject erasure (R11, R13) over
// store::DataProtection, the same calls atriumd's purge job and the EraseUserData action make.
#pragma once

#include <functional>

#include "app/purge_job.h"
#include "tools/atrium/cmd_app.h"

namespace atrium::cli {

// The retention.* settings, resolved like the store's (file, environment, flags).
using ReadRetention = std::function<base::Result<app::RetentionSettings>()>;

void addDataProtectionCommands(CLI::App& root, OpenStore openStore, ReadRetention readRetention);

}  // namespace atrium::cli
