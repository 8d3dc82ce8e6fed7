// `atrium apikey ...`: server-API credentials (create, list, revoke) over store::ApiKeyRepository.
#pragma once

#include "tools/atrium/cmd_app.h"

namespace atrium::cli {

// Adds the `apikey` command tree. Errors print "error: ... (CODE)" and exit 1, as `app` does.
void addApiKeyCommands(CLI::App& root, OpenStore openStore);

}  // namespace atrium::cli
