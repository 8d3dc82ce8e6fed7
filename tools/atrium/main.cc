// atrium: the operator CLI (apps, API keys, audit log, tickets, entry log, SLA reports, surge
// notices, purge and data-subject erasure). It shares atriumd's settings and opens the store the
// same way (app::openStore: engine, DSN, regions), so `atrium --server.data_dir=DIR ...` works on
// the daemon's database while it runs.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "app/bootstrap.h"
#include "app/settings.h"
#include "tools/atrium/cmd_apikey.h"
#include "tools/atrium/cmd_app.h"
#include "tools/atrium/cmd_audit.h"
#include "tools/atrium/cmd_data.h"
#include "tools/atrium/cmd_entries.h"
#include "tools/atrium/cmd_sla.h"
#include "tools/atrium/cmd_ticket.h"

int main(int argc, char** argv) {
  CLI::App cli{"atrium: operator CLI for Atrium (applications, API keys, audit log, UserSig/PrivateMapKey, entry log, "
               "SLA reports and surge notices, purge, erasure)"};
  cli.require_subcommand(1);
  atrium::app::FlagValues flags;
  atrium::app::addSettingFlags(cli, flags);
  auto openStore = [&flags]() -> atrium::base::Result<std::unique_ptr<atrium::store::Store>> {
    auto settings = atrium::app::resolveSettings(flags);
    if (!settings.ok()) return settings.error();
    return atrium::app::openStore(*settings, atrium::base::SystemClock::instance(), /*mayGenerateKey=*/false);
  };
  atrium::cli::addAppCommands(cli, openStore);
  atrium::cli::addEntriesCommand(cli, openStore);
  atrium::cli::addCallbacksCommand(cli, openStore);
  atrium::cli::addApiKeyCommands(cli, openStore);
  atrium::cli::addAuditCommands(cli, openStore);
  atrium::cli::addSlaCommands(cli, openStore);
  atrium::cli::addDataProtectionCommands(cli, openStore, [&flags]() -> atrium::base::Result<atrium::app::RetentionSettings> {
    auto settings = atrium::app::resolveSettings(flags);
    if (!settings.ok()) return settings.error();
    return atrium::app::readRetentionSettings(*settings);
  });
  addTicketCommands(cli);
  CLI11_PARSE(cli, argc, argv);
  return 0;
}
