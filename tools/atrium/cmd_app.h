// `atrium app ...`: operator commands for applications (create, list, show, update, rotate-key,
// disable, enable, delete) over store::AppRepository.
#pragma once

#include <functional>
#include <memory>

#include <CLI/CLI.hpp>

#include "base/result.h"
#include "store/store.h"

namespace atrium::cli {

// Opens the store on demand, so `--help` and argument errors work without a database or key.
using OpenStore = std::function<base::Result<std::unique_ptr<store::Store>>()>;

// Adds the `app` command tree to root. Commands print to stdout; on failure they print
// "error: ..." to stderr and throw CLI::RuntimeError(1), which CLI11_PARSE / App::exit turn
// into exit code 1 without printing anything more.
void addAppCommands(CLI::App& root, OpenStore openStore);

}  // namespace atrium::cli
