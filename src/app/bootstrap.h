// Startup steps shared by atriumd and the atrium CLI: the master key, the store, TLS files and
// the dev-mode demo app. Production mode never generates secrets; dev mode creates what is missing.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "app/settings.h"
#include "base/clock.h"
#include "base/result.h"
#include "store/store.h"

namespace atrium::app {

struct TlsFiles {
  std::string certFile;
  std::string keyFile;
};

// The master key: $ATRIUM_MASTER_KEY (64 hex chars), else server.master_key_file, else
// <data_dir>/master.key. When none exists, dev mode with mayGenerate writes a new one (0600).
base::Result<std::vector<uint8_t>> loadMasterKey(const Settings& settings, bool mayGenerate);

// One database the settings name: a SQLite file or a PostgreSQL DSN.
struct StoreLocation {
  bool postgres = false;
  std::string target;  // file path or libpq connection string (may hold a password: never log it)
  bool operator==(const StoreLocation&) const = default;
};

// Where the store lives (R12, R15): store.engine/store.dsn for the default database, store.regions
// ("region=DSN;region=sqlite:PATH") for the regions with databases of their own.
struct StoreLayout {
  StoreLocation main;
  std::vector<std::pair<std::string, StoreLocation>> regions;  // in the order given
};
base::Result<StoreLayout> readStoreLayout(const Settings& settings);

// The one way atriumd and the atrium CLI open the store: the data dir (created 0700 when
// mayGenerateKey), the master key, the default database and every region's, behind a
// store::RoutedStore when regions are configured. Each database checks the same master key.
base::Result<std::unique_ptr<store::Store>> openStore(const Settings& settings, base::Clock& clock, bool mayGenerateKey);

// tls.cert_file/tls.key_file, or in dev mode <data_dir>/tls/{cert,key}.pem, generated if absent.
base::Result<TlsFiles> ensureTls(const Settings& settings);

// The dev-mode demo application, created on first start.
base::Result<store::App> ensureDemoApp(store::Store& store);

base::Status writeFileAtomically(const std::string& path, const std::string& content, unsigned mode);

}  // namespace atrium::app
