// The store's internal SQL seam: one connection interface with a SQLite and a PostgreSQL
// implementation, so every repository is written once against it. Internal to store/: callers
// outside this folder see only store.h.
//
// SQL is written once, in the dialect both engines accept, with these conventions the engines'
// prepare() translate mechanically:
//   - parameters are `?`, bound in order (PostgreSQL gets `$1..$n`);
//   - GREATEST(a, b) for the larger of two values (SQLite spells the scalar MAX(a, b));
//   - a parameter in a SELECT list (INSERT ... SELECT ..., ?) is written CAST(? AS BIGINT|TEXT),
//     because PostgreSQL cannot infer its type there;
//   - migrations say BLOB and INTEGER PRIMARY KEY (SQLite's rowid alias); PostgreSQL reads BYTEA
//     and BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY (see migrationSql).
// Text order: both engines compare bytes (PostgreSQL databases must use the C collation;
// openPostgresStore checks), so ORDER BY on ids agrees with std::string's operator<.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace atrium::store {

// Error code for a unique/primary-key violation, so callers can map it to a domain error.
inline constexpr const char* kErrDuplicate = "STORE_DUPLICATE";

enum class Dialect { kSqlite, kPostgres };

// One prepared statement of one connection, executed by Query. Parameters bind in order.
class StatementImpl {
 public:
  virtual ~StatementImpl() = default;
  virtual void bindInt64(int64_t value) = 0;
  virtual void bindText(std::string_view text) = 0;
  virtual void bindBlob(std::span<const uint8_t> blob) = 0;
  virtual void bindReal(double value) = 0;
  virtual void bindNull() = 0;
  // True when a row is ready, false when done. A bind failure surfaces here.
  virtual base::Result<bool> step() = 0;
  // Clears bindings and any unread rows (SQLite: ends the statement's read transaction).
  virtual void reset() = 0;
  // Column readers; a NULL reads as 0 / "" / empty.
  virtual int64_t int64(int column) const = 0;
  virtual double real(int column) const = 0;
  virtual std::string text(int column) const = 0;
  virtual std::vector<uint8_t> blob(int column) const = 0;
  virtual bool isNull(int column) const = 0;
};

// A prepared statement kept for the connection's lifetime and reused by Query.
class Statement {
 public:
  Statement() = default;
  explicit Statement(std::unique_ptr<StatementImpl> impl) : impl_(std::move(impl)) {}
  StatementImpl* get() const { return impl_.get(); }

 private:
  std::unique_ptr<StatementImpl> impl_;
};

// One execution of a Statement. The destructor resets it, so a half-read SELECT never keeps a
// read transaction (and an old WAL snapshot) open.
class Query {
 public:
  explicit Query(Statement& statement) : stmt_(*statement.get()) {}
  ~Query() { stmt_.reset(); }
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;

  Query& bind(int64_t value) { stmt_.bindInt64(value); return *this; }
  Query& bind(std::string_view text) { stmt_.bindText(text); return *this; }
  Query& bind(std::span<const uint8_t> blob) {  // an empty span binds NULL
    if (blob.empty()) return bindNull();
    stmt_.bindBlob(blob);
    return *this;
  }
  Query& bindNull() { stmt_.bindNull(); return *this; }
  // Named apart from bind(int64_t) so an int argument never silently picks the double overload.
  Query& bindReal(double value) { stmt_.bindReal(value); return *this; }

  base::Result<bool> step() { return stmt_.step(); }
  // Runs a statement that returns no rows.
  base::Status run();
  // Runs `INSERT ... RETURNING <id>` to its end and returns the id. SQLite hands out the RETURNING
  // row before the statement completes, and in autocommit mode the commit — where a full disk
  // shows — happens at the step after it: stopping at the row reported rows that were never
  // written as stored (issue 10).
  base::Result<int64_t> insertReturningId();

  int64_t int64(int column) const { return stmt_.int64(column); }
  double real(int column) const { return stmt_.real(column); }
  std::string text(int column) const { return stmt_.text(column); }
  std::vector<uint8_t> blob(int column) const { return stmt_.blob(column); }
  bool isNull(int column) const { return stmt_.isNull(column); }

 private:
  StatementImpl& stmt_;
};

enum class TxKind {
  // Writes. SQLite: BEGIN IMMEDIATE, the write lock up front, so two processes cannot interleave
  // read-then-write. PostgreSQL: BEGIN (read committed); row locks and constraints do that job.
  kWrite,
  // Several SELECTs that must see one snapshot (a page and its total). SQLite: deferred BEGIN;
  // PostgreSQL: REPEATABLE READ READ ONLY.
  kRead,
};

// An open connection. Not thread-safe: the store guards it with a mutex.
class SqlConnection {
 public:
  virtual ~SqlConnection() = default;
  virtual Dialect dialect() const = 0;
  // Runs one or more statements without parameters (migrations).
  virtual base::Status exec(const std::string& sql) = 0;
  virtual base::Result<Statement> prepare(std::string_view sql) = 0;
  // Rows changed by the last INSERT/UPDATE/DELETE run on this connection.
  virtual int64_t changes() const = 0;
  virtual base::Status begin(TxKind kind) = 0;
  virtual base::Status commit() = 0;
  virtual base::Status rollback() = 0;
  // Inside a write transaction: serialises schema migration between processes (SQLite's
  // BEGIN IMMEDIATE already does; PostgreSQL takes a transaction-scoped advisory lock).
  virtual base::Status lockForMigration() = 0;
  // A query listing (table, column) of every user table of the connection's schema, by table
  // then position: each engine's catalogue differs.
  virtual std::string_view describeColumnsSql() const = 0;
  base::Result<std::vector<std::pair<std::string, std::string>>> describeColumns();
};

// BEGIN ... COMMIT; rolls back when destroyed uncommitted.
class Transaction {
 public:
  explicit Transaction(SqlConnection& db, TxKind kind = TxKind::kWrite) : db_(db), kind_(kind) {}
  ~Transaction() {
    if (open_) (void)db_.rollback();
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  base::Status begin() {
    auto s = db_.begin(kind_);
    open_ = s.ok();
    return s;
  }
  base::Status commit() {
    auto s = db_.commit();
    if (s.ok()) open_ = false;
    return s;
  }

 private:
  SqlConnection& db_;
  TxKind kind_;
  bool open_ = false;
};

// SQLite: opens (creating) the file, WAL mode, busy timeout, foreign keys on.
base::Result<std::unique_ptr<SqlConnection>> openSqliteConnection(const std::string& path);
// PostgreSQL: a libpq connection string ("host=... dbname=..." or a postgresql:// URI).
base::Result<std::unique_ptr<SqlConnection>> openPostgresConnection(const std::string& dsn);

// A migration's SQL as `dialect` spells it (BLOB, INTEGER PRIMARY KEY rewritten for PostgreSQL).
std::string migrationSql(std::string_view sql, Dialect dialect);
// `?` -> `$1..$n` outside quoted strings and identifiers (PostgreSQL's placeholders).
std::string numberPlaceholders(std::string_view sql);
// Every occurrence of `from` replaced by `to`.
std::string replaceAll(std::string_view text, std::string_view from, std::string_view to);

}  // namespace atrium::store
