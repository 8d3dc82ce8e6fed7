// Shared by the store's unit tests: a fresh database per test on each engine, and raw SQL access
// to inspect or tamper with what the store wrote.
//
// Every fixture test runs twice, as <Suite>.<Test>/Sqlite and /Postgres. The PostgreSQL variant
// needs ATRIUM_TEST_PG_DSN (a libpq connection string to a database with the C collation;
// scripts/with-postgres provides a throwaway server) and is skipped without it. Each test gets
// its own schema, dropped afterwards, so tests never see each other's rows.
#pragma once

#include <stdlib.h>  // mkdtemp, getenv

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "base/clock.h"
#include "crypto/crypto.h"
#include "store/sql.h"
#include "store/store.h"

namespace atrium::store::testing {

namespace fs = std::filesystem;

enum class Engine { kSqlite, kPostgres };

inline std::string engineName(const ::testing::TestParamInfo<Engine>& info) {
  return info.param == Engine::kSqlite ? "Sqlite" : "Postgres";
}

// Instantiates a fixture's TEST_Ps for both engines.
#define ATRIUM_STORE_ENGINES(Suite)                                                                                \
  INSTANTIATE_TEST_SUITE_P(Engines, Suite,                                                                         \
                           ::testing::Values(::atrium::store::testing::Engine::kSqlite,                           \
                                             ::atrium::store::testing::Engine::kPostgres),                        \
                           ::atrium::store::testing::engineName)

inline std::vector<uint8_t> keyOf(uint8_t fill) { return std::vector<uint8_t>(32, fill); }

inline std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Everything the SQLite database files hold right now (main file and WAL).
inline std::string databaseBytes(const fs::path& db) { return readFile(db) + readFile(db.string() + "-wal"); }

// The DSN with search_path set to `schema`, for key=value strings and postgresql:// URIs alike.
inline std::string dsnWithSchema(const std::string& dsn, const std::string& schema) {
  if (dsn.starts_with("postgres://") || dsn.starts_with("postgresql://"))
    return dsn + (dsn.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" + schema;
  return dsn + " options='-csearch_path=" + schema + "'";
}

class StoreFixture : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    if (postgres()) {
      const char* dsn = getenv("ATRIUM_TEST_PG_DSN");
      if (dsn == nullptr || *dsn == '\0') GTEST_SKIP() << "ATRIUM_TEST_PG_DSN is not set (see scripts/with-postgres)";
      auto admin = openPostgresConnection(dsn);
      ASSERT_TRUE(admin.ok()) << admin.error().message;
      admin_ = std::move(*admin);
      schemas_.push_back("atrium_test_" + crypto::randomHex(8));
      ASSERT_TRUE(admin_->exec("CREATE SCHEMA " + schemas_.back()).ok());
      dsn_ = dsnWithSchema(dsn, schemas_.back());
    } else {
      std::string tmpl = (fs::temp_directory_path() / "atrium-store-XXXXXX").string();
      ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
      dir_ = tmpl;
      path_ = dir_ / "atrium.db";
    }
    store_ = open(key_);
    ASSERT_NE(store_, nullptr);
  }
  void TearDown() override {
    store_.reset();
    if (admin_)
      for (const std::string& schema : schemas_) (void)admin_->exec("DROP SCHEMA " + schema + " CASCADE");
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  // Points tryOpen/open/raw* at another empty database (a new file / a new schema).
  void useFreshDatabase() {
    if (postgres()) {
      schemas_.push_back("atrium_test_" + crypto::randomHex(8));
      ASSERT_TRUE(admin_->exec("CREATE SCHEMA " + schemas_.back()).ok());
      dsn_ = dsnWithSchema(getenv("ATRIUM_TEST_PG_DSN"), schemas_.back());
    } else {
      path_ = dir_ / ("fresh-" + crypto::randomHex(4) + ".db");
    }
  }

  bool postgres() const { return GetParam() == Engine::kPostgres; }

  base::Result<std::unique_ptr<Store>> tryOpen(std::span<const uint8_t> key) {
    return postgres() ? openPostgresStore(dsn_, key, clock_) : openSqliteStore(path_.string(), key, clock_);
  }

  std::unique_ptr<Store> open(const std::vector<uint8_t>& key) {
    auto s = tryOpen(key);
    EXPECT_TRUE(s.ok()) << s.error().code << ": " << s.error().message;
    return s.ok() ? std::move(s).value() : nullptr;
  }

  // Closes and reopens the store on the same database, as a daemon restart does.
  void reopen() {
    store_.reset();
    store_ = open(key_);
    ASSERT_NE(store_, nullptr);
  }

  // A separate connection to the test's database, behind the store's back.
  std::unique_ptr<SqlConnection> rawConnection() {
    auto c = postgres() ? openPostgresConnection(dsn_) : openSqliteConnection(path_.string());
    EXPECT_TRUE(c.ok()) << c.error().message;
    return c.ok() ? std::move(*c) : nullptr;
  }

  void rawExec(const std::string& sql) {
    auto c = rawConnection();
    ASSERT_NE(c, nullptr);
    auto s = c->exec(sql);
    ASSERT_TRUE(s.ok()) << s.error().message;
  }

  // The first column of the first row as an integer; -1 when the query fails or returns nothing.
  int64_t rawCount(const std::string& sql) {
    auto c = rawConnection();
    if (!c) return -1;
    auto stmt = c->prepare(sql);
    if (!stmt) return -1;
    Query q(*stmt);
    auto row = q.step();
    return row.ok() && *row ? q.int64(0) : -1;
  }

  App createApp(uint32_t id, std::string name = "app") {
    App app;
    app.sdkAppId = id;
    app.name = std::move(name);
    auto r = store_->createApp(app);
    EXPECT_TRUE(r.ok()) << r.error().code << ": " << r.error().message;
    return r.ok() ? *r : App{};
  }

  fs::path dir_;   // SQLite
  fs::path path_;  // SQLite
  std::string dsn_;     // PostgreSQL, with the test's schema
  std::vector<std::string> schemas_;  // PostgreSQL: created by this test, dropped in TearDown
  std::unique_ptr<SqlConnection> admin_;
  base::ManualClock clock_;
  std::vector<uint8_t> key_ = keyOf(0x42);
  std::unique_ptr<Store> store_;
};

}  // namespace atrium::store::testing
