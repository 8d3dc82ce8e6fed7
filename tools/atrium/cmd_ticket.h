// `atrium usersig | privatemapkey | verify-usersig | verify-privatemapkey`: issue and check
// TRTC tickets offline with an application's secret key (auth/ticket.h). No store is needed.
#pragma once

#include <CLI/CLI.hpp>

namespace atrium::cli {

// Adds the four ticket commands to root. The secret key comes from --key or, when that is
// omitted, from the environment variable ATRIUM_APP_KEY (which keeps it out of shell history).
// Verification prints "ok expires_at=<unix>" on success; on failure it prints
// "error <CODE>: <message>" to stderr and throws CLI::RuntimeError(1), i.e. exit code 1.
// With --stdin, the verify commands read one JSON job per line and answer one JSON line each
// (used by tests/interop to check thousands of tickets in one process).
void addTicketCommands(CLI::App& root);

}  // namespace atrium::cli

using atrium::cli::addTicketCommands;
