// Startup steps shared by atriumd and the atrium CLI: the master key, the store, TLS files and
// the dev-mode demo app. Production mode never generates secrets; dev mode creates what is missing.
#pragma once

#include <memory>
#include <string>

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

// Creates the data dir (0700) and opens <data_dir>/atrium.db.
base::Result<std::unique_ptr<store::Store>> openStore(const Settings& settings, base::Clock& clock, bool mayGenerateKey);

// tls.cert_file/tls.key_file, or in dev mode <data_dir>/tls/{cert,key}.pem, generated if absent.
base::Result<TlsFiles> ensureTls(const Settings& settings);

// The dev-mode demo application, created on first start.
base::Result<store::App> ensureDemoApp(store::Store& store);

base::Status writeFileAtomically(const std::string& path, const std::string& content, unsigned mode);

}  // namespace atrium::app
