// `atrium audit list`: the server-API audit log (R19) over store::AuditLog.
#pragma once

#include "tools/atrium/cmd_app.h"

namespace atrium::cli {

// Adds the `audit` command tree. Errors print "error: ... (CODE)" and exit 1, as `app` does.
void addAuditCommands(CLI::App& root, OpenStore openStore);

}  // namespace atrium::cli
