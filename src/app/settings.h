// Settings: one table of every configuration key, merged from defaults < TOML file < environment
// (ATRIUM_<SECTION>_<KEY>) < command-line flags (--section.key=value). atriumd and the atrium CLI
// share it, so both read the same data dir and master key.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/result.h"

namespace CLI {
class App;
}

namespace atrium::app {

struct SettingDef {
  const char* key;           // "section.name"
  const char* defaultValue;
  const char* help;
};

const std::vector<SettingDef>& settingDefs();
std::string envNameOf(const std::string& key);  // "signal.port" -> "ATRIUM_SIGNAL_PORT"

class Settings {
 public:
  std::string str(const std::string& key) const;
  base::Result<int64_t> integer(const std::string& key, int64_t min, int64_t max) const;
  base::Result<double> number(const std::string& key, double min, double max) const;
  base::Result<bool> boolean(const std::string& key) const;
  bool isDev() const { return str("server.mode") == "dev"; }
  void set(const std::string& key, std::string value) { values_[key] = std::move(value); }

 private:
  std::map<std::string, std::string> values_;
};

// Flags collected by CLI11 before they are merged; `configFile` comes from --config.
struct FlagValues {
  std::map<std::string, std::string> values;
  std::string configFile;
};

// Adds --config and one --section.key option per setting to a CLI11 app.
void addSettingFlags(CLI::App& app, FlagValues& flags);

// Merges defaults, the TOML file (flags.configFile or $ATRIUM_CONFIG), the environment and flags.
// Unknown keys in the file and invalid values are errors with a message naming the key.
base::Result<Settings> resolveSettings(const FlagValues& flags);

}  // namespace atrium::app
