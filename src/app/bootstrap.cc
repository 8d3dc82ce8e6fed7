#include "app/bootstrap.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/log.h"
#include "crypto/cert.h"
#include "crypto/crypto.h"
#include "store/routed_store.h"

namespace atrium::app {
namespace fs = std::filesystem;

namespace {

constexpr const char* kDemoAppName = "Atrium demo";

base::Result<std::string> readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return base::makeError("IO", "cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t start = 0;
  while (start < s.size() && std::isspace(static_cast<unsigned char>(s[start]))) ++start;
  return s.substr(start);
}

base::Result<std::vector<uint8_t>> parseKey(const std::string& hex, const std::string& where) {
  auto bytes = crypto::fromHex(trim(hex));
  if (!bytes || bytes->size() != crypto::kAeadKeyBytes)
    return base::makeError("MASTER_KEY", "the master key in " + where + " must be 64 hex characters (32 bytes)");
  return *bytes;
}

base::Status ensureDir(const std::string& path) {
  std::error_code ec;
  fs::create_directories(path, ec);
  if (ec) return base::makeError("IO", "cannot create directory " + path + ": " + ec.message());
  ::chmod(path.c_str(), 0700);
  return base::Ok{};
}

}  // namespace

base::Status writeFileAtomically(const std::string& path, const std::string& content, unsigned mode) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return base::makeError("IO", "cannot write " + tmp);
    ::chmod(tmp.c_str(), mode);
    out << content;
    if (!out.flush()) return base::makeError("IO", "cannot write " + tmp);
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) return base::makeError("IO", "cannot rename " + tmp + ": " + ec.message());
  return base::Ok{};
}

base::Result<std::vector<uint8_t>> loadMasterKey(const Settings& settings, bool mayGenerate) {
  if (const char* env = std::getenv("ATRIUM_MASTER_KEY"); env && *env) return parseKey(env, "$ATRIUM_MASTER_KEY");
  std::string path = settings.str("server.master_key_file");
  if (path.empty()) path = settings.str("server.data_dir") + "/master.key";
  if (fs::exists(path)) {
    auto text = readFile(path);
    if (!text.ok()) return text.error();
    return parseKey(*text, path);
  }
  if (!mayGenerate || !settings.isDev())
    return base::makeError("MASTER_KEY",
                           "no master key: set $ATRIUM_MASTER_KEY or server.master_key_file (production mode never "
                           "generates one; dev mode does)");
  auto key = crypto::randomBytes(crypto::kAeadKeyBytes);
  auto st = writeFileAtomically(path, crypto::toHex(key) + "\n", 0600);
  if (!st.ok()) return st.error();
  base::log::info("generated a master key in {} (dev mode)", path);
  return key;
}

base::Result<std::unique_ptr<store::Store>> openStore(const Settings& settings, base::Clock& clock, bool mayGenerateKey) {
  std::string dir = settings.str("server.data_dir");
  if (mayGenerateKey) {
    auto st = ensureDir(dir);
    if (!st.ok()) return st.error();
  } else if (!fs::exists(dir)) {
    return base::makeError("IO", "data dir " + dir + " does not exist (start atriumd once, or pass --server.data_dir)");
  }
  auto layout = readStoreLayout(settings);
  if (!layout.ok()) return layout.error();
  auto key = loadMasterKey(settings, mayGenerateKey);
  if (!key.ok()) return key.error();
  auto open = [&](const StoreLocation& at) {
    return at.postgres ? store::openPostgresStore(at.target, *key, clock) : store::openSqliteStore(at.target, *key, clock);
  };
  auto home = open(layout->main);
  if (!home.ok()) return home.error();
  if (layout->regions.empty()) return home;
  std::vector<store::RegionDatabase> regions;
  for (const auto& [region, at] : layout->regions) {
    auto db = open(at);
    // The region's name, not its DSN, in the message: a DSN may carry a password.
    if (!db.ok()) return base::makeError(db.error().code, "store of region " + region + ": " + db.error().message);
    regions.push_back({region, std::move(*db)});
  }
  return std::unique_ptr<store::Store>(
      std::make_unique<store::RoutedStore>(std::move(*home), std::move(regions), clock));
}

base::Result<StoreLayout> readStoreLayout(const Settings& settings) {
  StoreLayout layout;
  const std::string engine = settings.str("store.engine");
  if (engine == "sqlite") {
    layout.main = {false, settings.str("server.data_dir") + "/atrium.db"};
  } else if (engine == "postgres") {
    layout.main = {true, trim(settings.str("store.dsn"))};
    if (layout.main.target.empty())
      return base::makeError("CONFIG", "store.engine=postgres needs store.dsn (or $ATRIUM_STORE_DSN)");
  } else {
    return base::makeError("CONFIG", "setting store.engine: expected sqlite or postgres, got '" + engine + "'");
  }
  // ';' separates entries because DSNs themselves hold '=' and spaces (key=value form) and ','
  // (multi-host URIs); a ';' inside a DSN is not supported (passwords belong in PGPASSWORD or a
  // pgpass file anyway). Only the first '=' of an entry splits the region from its database.
  const std::string spec = settings.str("store.regions");
  size_t pos = 0;
  while (pos <= spec.size()) {
    size_t end = spec.find(';', pos);
    if (end == std::string::npos) end = spec.size();
    const std::string entry = trim(spec.substr(pos, end - pos));
    pos = end + 1;
    if (entry.empty()) continue;
    const size_t eq = entry.find('=');
    const std::string region = eq == std::string::npos ? entry : trim(entry.substr(0, eq));
    const std::string target = eq == std::string::npos ? "" : trim(entry.substr(eq + 1));
    if (region.empty() || region.size() > 32 ||
        !std::all_of(region.begin(), region.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'; }))
      return base::makeError("CONFIG", "setting store.regions: a region name must be 1..32 characters of "
                                       "[A-Za-z0-9_-] followed by '=' and its database");
    if (target.empty()) return base::makeError("CONFIG", "setting store.regions: region " + region + " has no database");
    for (const auto& [seen, unused] : layout.regions)
      if (seen == region) return base::makeError("CONFIG", "setting store.regions: region " + region + " is listed twice");
    if (target.starts_with("sqlite:")) layout.regions.push_back({region, {false, target.substr(7)}});
    else layout.regions.push_back({region, {true, target}});
    if (layout.regions.back().second.target.empty())
      return base::makeError("CONFIG", "setting store.regions: region " + region + " has no database");
  }
  // The id encoding of RoutedStore leaves room for 255 regions; no deployment comes near.
  if (layout.regions.size() > 255) return base::makeError("CONFIG", "setting store.regions: at most 255 regions");
  return layout;
}

base::Result<TlsFiles> ensureTls(const Settings& settings) {
  TlsFiles files{settings.str("tls.cert_file"), settings.str("tls.key_file")};
  if (!files.certFile.empty() || !files.keyFile.empty()) {
    if (files.certFile.empty() || files.keyFile.empty())
      return base::makeError("CONFIG", "tls.cert_file and tls.key_file must be set together");
    if (!fs::exists(files.certFile)) return base::makeError("CONFIG", "tls.cert_file " + files.certFile + " does not exist");
    if (!fs::exists(files.keyFile)) return base::makeError("CONFIG", "tls.key_file " + files.keyFile + " does not exist");
    return files;
  }
  if (!settings.isDev())
    return base::makeError("CONFIG", "production mode needs tls.cert_file and tls.key_file (dev mode generates them)");
  std::string dir = settings.str("server.data_dir") + "/tls";
  files = {dir + "/cert.pem", dir + "/key.pem"};
  if (fs::exists(files.certFile) && fs::exists(files.keyFile)) return files;
  auto st = ensureDir(dir);
  if (!st.ok()) return st.error();
  auto pem = crypto::makeSelfSignedCertificate("atrium-dev", {"DNS:localhost", "IP:127.0.0.1", "IP:::1"}, 365);
  if (!pem.ok()) return pem.error();
  if (auto w = writeFileAtomically(files.keyFile, pem->privateKeyPem, 0600); !w.ok()) return w.error();
  if (auto w = writeFileAtomically(files.certFile, pem->certificatePem, 0644); !w.ok()) return w.error();
  base::log::info("generated a self-signed development certificate in {}", dir);
  return files;
}

base::Result<store::App> ensureDemoApp(store::Store& store) {
  auto apps = store.listApps(false);
  if (!apps.ok()) return apps.error();
  for (const auto& a : *apps)
    if (a.name == kDemoAppName && a.status == store::AppStatus::kActive) return a;
  store::App demo;
  demo.name = kDemoAppName;
  return store.createApp(demo);
}

}  // namespace atrium::app
