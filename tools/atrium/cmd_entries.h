// `atrium entries`: lists the room-entry event log (R20) of one app.
#pragma once

#include "tools/atrium/cmd_app.h"

namespace atrium::cli {

void addEntriesCommand(CLI::App& root, OpenStore openStore);

}  // namespace atrium::cli
