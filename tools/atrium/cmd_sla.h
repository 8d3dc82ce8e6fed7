// `atrium sla report`: one app's monthly SLA report (R20-R23) from the entry log, as a table, JSON
// or an SVG chart.
#pragma once

#include "tools/atrium/cmd_app.h"

namespace atrium::cli {

void addSlaCommands(CLI::App& root, OpenStore openStore);

}  // namespace atrium::cli
