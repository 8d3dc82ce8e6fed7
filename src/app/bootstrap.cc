#include "app/bootstrap.h"

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/log.h"
#include "crypto/cert.h"
#include "crypto/crypto.h"

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
  auto key = loadMasterKey(settings, mayGenerateKey);
  if (!key.ok()) return key.error();
  return store::openSqliteStore(dir + "/atrium.db", *key, clock);
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
