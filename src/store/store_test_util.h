// Shared by the store's unit tests: a fresh database in a temp dir, and raw SQLite access to
// inspect or tamper with what the store wrote.
#pragma once

#include <sqlite3.h>
#include <stdlib.h>  // mkdtemp

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "base/clock.h"
#include "store/store.h"

namespace atrium::store::testing {

namespace fs = std::filesystem;

inline std::vector<uint8_t> keyOf(uint8_t fill) { return std::vector<uint8_t>(32, fill); }

inline std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Runs SQL behind the store's back, to inspect or tamper with what it wrote.
inline void rawExec(const fs::path& db, const std::string& sql) {
  sqlite3* h = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &h), SQLITE_OK);
  char* err = nullptr;
  int rc = sqlite3_exec(h, sql.c_str(), nullptr, nullptr, &err);
  std::string message = err ? err : "";
  sqlite3_free(err);
  sqlite3_close(h);
  ASSERT_EQ(rc, SQLITE_OK) << message;
}

inline int64_t rawCount(const fs::path& db, const std::string& sql) {
  sqlite3* h = nullptr;
  sqlite3_stmt* st = nullptr;
  int64_t n = -1;
  if (sqlite3_open(db.c_str(), &h) == SQLITE_OK && sqlite3_prepare_v2(h, sql.c_str(), -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(h);
  return n;
}

// Everything the database files hold right now (main file and WAL).
inline std::string databaseBytes(const fs::path& db) { return readFile(db) + readFile(db.string() + "-wal"); }

class StoreFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "atrium-store-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    path_ = dir_ / "atrium.db";
    store_ = open(key_);
    ASSERT_NE(store_, nullptr);
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }

  std::unique_ptr<Store> open(const std::vector<uint8_t>& key) {
    auto s = openSqliteStore(path_.string(), key, clock_);
    EXPECT_TRUE(s.ok()) << s.error().code << ": " << s.error().message;
    return s.ok() ? std::move(s).value() : nullptr;
  }

  // Closes and reopens the store on the same file, as a daemon restart does.
  void reopen() {
    store_.reset();
    store_ = open(key_);
    ASSERT_NE(store_, nullptr);
  }

  App createApp(uint32_t id, std::string name = "app") {
    App app;
    app.sdkAppId = id;
    app.name = std::move(name);
    auto r = store_->createApp(app);
    EXPECT_TRUE(r.ok()) << r.error().code << ": " << r.error().message;
    return r.ok() ? *r : App{};
  }

  fs::path dir_;
  fs::path path_;
  base::ManualClock clock_;
  std::vector<uint8_t> key_ = keyOf(0x42);
  std::unique_ptr<Store> store_;
};

}  // namespace atrium::store::testing
