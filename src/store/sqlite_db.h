// Thin RAII owners of sqlite3* and sqlite3_stmt*, turning SQLite result codes into base::Error.
// Internal to store/: nothing outside this folder includes sqlite3.h.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <sqlite3.h>

#include "base/result.h"

namespace atrium::store {

// Error code for a unique/primary-key violation, so callers can map it to a domain error.
inline constexpr const char* kErrDuplicate = "STORE_DUPLICATE";

// A prepared statement kept for the connection's lifetime and reused by Query.
class Statement {
 public:
  Statement() = default;
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  sqlite3_stmt* get() const { return stmt_.get(); }

 private:
  struct Finalize {
    void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
  };
  std::unique_ptr<sqlite3_stmt, Finalize> stmt_;
};

// One execution of a Statement. Parameters bind in order; the destructor resets the statement
// so a half-read SELECT never keeps a read transaction (and an old WAL snapshot) open.
class Query {
 public:
  explicit Query(Statement& statement) : stmt_(statement.get()) {}
  ~Query();
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;

  Query& bind(int64_t value);
  Query& bind(std::string_view text);
  Query& bind(std::span<const uint8_t> blob);  // an empty span binds NULL
  Query& bindNull();
  // Named apart from bind(int64_t) so an int argument never silently picks the double overload.
  Query& bindReal(double value);

  // True when a row is ready, false when done. A bind failure surfaces here.
  base::Result<bool> step();
  // Runs a statement that returns no rows.
  base::Status run();

  int64_t int64(int column) const;
  std::string text(int column) const;
  std::vector<uint8_t> blob(int column) const;  // NULL reads as empty
  double real(int column) const;
  bool isNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

 private:
  void check(int rc);

  sqlite3_stmt* stmt_;
  int next_ = 1;
  int bindRc_ = SQLITE_OK;
};

// An open connection.
class SqliteDb {
 public:
  static base::Result<SqliteDb> open(const std::string& path);

  base::Status exec(const char* sql);
  base::Result<Statement> prepare(std::string_view sql);
  // Rows changed by the last INSERT/UPDATE/DELETE on this connection.
  int changes() const { return sqlite3_changes(db_.get()); }

 private:
  struct Close {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };
  explicit SqliteDb(sqlite3* db) : db_(db) {}
  std::unique_ptr<sqlite3, Close> db_;
};

// BEGIN IMMEDIATE ... COMMIT; rolls back when destroyed uncommitted. IMMEDIATE takes the write
// lock up front, so two processes opening one database cannot interleave read-then-write.
// A kRead transaction is a plain (deferred) BEGIN: several SELECTs see one snapshot (a page and
// its total agree) without blocking writers.
class Transaction {
 public:
  enum class Kind { kWrite, kRead };
  explicit Transaction(SqliteDb& db, Kind kind = Kind::kWrite) : db_(db), kind_(kind) {}
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  base::Status begin();
  base::Status commit();

 private:
  SqliteDb& db_;
  Kind kind_;
  bool open_ = false;
};

}  // namespace atrium::store
