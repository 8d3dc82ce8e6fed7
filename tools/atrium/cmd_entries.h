// `atrium entries` (room-entry event log, R20) and `atrium callbacks` (callback queue state).
#pragma once

#include "tools/atrium/cmd_app.h"

namespace atrium::cli {

void addEntriesCommand(CLI::App& root, OpenStore openStore);
// `atrium callbacks`: queue depth and given-up callbacks (R9: failures are counted and visible).
void addCallbacksCommand(CLI::App& root, OpenStore openStore);

}  // namespace atrium::cli
