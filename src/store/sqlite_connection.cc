// SqlConnection over SQLite: RAII owners of sqlite3* / sqlite3_stmt*, result codes -> base::Error.
// The only file of the store that includes sqlite3.h.
#include <sqlite3.h>

#include <limits>

#include "store/sql.h"
#include "store/store.h"

namespace atrium::store {
namespace {

// The daemon and the CLI write the same file; a writer waits this long for the other.
constexpr int kBusyTimeoutMs = 5000;

// SQLite messages name tables and constraints, never bound values, so they are safe to surface.
base::Error sqliteError(sqlite3* db, int rc, std::string_view what) {
  std::string message = std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  int primary = rc & 0xff;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) return base::makeError(kErrBusy, message);
  if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE)
    return base::makeError(kErrDuplicate, message);
  return base::makeError(kErrIo, message);
}

class SqliteStatement final : public StatementImpl {
 public:
  explicit SqliteStatement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~SqliteStatement() override { sqlite3_finalize(stmt_); }

  void bindInt64(int64_t value) override { check(sqlite3_bind_int64(stmt_, next_++, value)); }
  void bindText(std::string_view text) override {
    // SQLITE_TRANSIENT: SQLite copies, so callers may pass temporaries.
    check(sqlite3_bind_text64(stmt_, next_++, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
  }
  void bindBlob(std::span<const uint8_t> blob) override {
    check(sqlite3_bind_blob64(stmt_, next_++, blob.data(), blob.size(), SQLITE_TRANSIENT));
  }
  void bindReal(double value) override { check(sqlite3_bind_double(stmt_, next_++, value)); }
  void bindNull() override { check(sqlite3_bind_null(stmt_, next_++)); }

  base::Result<bool> step() override {
    sqlite3* db = sqlite3_db_handle(stmt_);
    if (bindRc_ != SQLITE_OK) return sqliteError(db, bindRc_, "bind");
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return sqliteError(db, rc, "step");
  }
  void reset() override {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    next_ = 1;
    bindRc_ = SQLITE_OK;
  }

  int64_t int64(int column) const override { return sqlite3_column_int64(stmt_, column); }
  double real(int column) const override { return sqlite3_column_double(stmt_, column); }
  std::string text(int column) const override {
    const auto* p = sqlite3_column_text(stmt_, column);
    if (p == nullptr) return {};
    return std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
  }
  std::vector<uint8_t> blob(int column) const override {
    const auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_, column));
    if (p == nullptr) return {};
    return std::vector<uint8_t>(p, p + sqlite3_column_bytes(stmt_, column));
  }
  bool isNull(int column) const override { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

 private:
  void check(int rc) {
    if (rc != SQLITE_OK && bindRc_ == SQLITE_OK) bindRc_ = rc;
  }

  sqlite3_stmt* stmt_;
  int next_ = 1;
  int bindRc_ = SQLITE_OK;
};

class SqliteConnection final : public SqlConnection {
 public:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  ~SqliteConnection() override { sqlite3_close_v2(db_); }

  Dialect dialect() const override { return Dialect::kSqlite; }

  base::Status exec(const std::string& sql) override {
    int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) return sqliteError(db_, rc, "exec");
    return base::Ok{};
  }

  base::Result<Statement> prepare(std::string_view common) override {
    // The common dialect's GREATEST(a, b) is SQLite's scalar two-argument MAX.
    const std::string sql = replaceAll(common, "GREATEST(", "MAX(");
    if (sql.size() > static_cast<size_t>(std::numeric_limits<int>::max()))
      return base::makeError(kErrIo, "statement too long");
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt,
                                nullptr);
    if (rc != SQLITE_OK) return sqliteError(db_, rc, "prepare");
    return Statement(std::make_unique<SqliteStatement>(stmt));
  }

  int64_t changes() const override { return sqlite3_changes(db_); }

  base::Status begin(TxKind kind) override { return exec(kind == TxKind::kWrite ? "BEGIN IMMEDIATE" : "BEGIN"); }
  base::Status commit() override { return exec("COMMIT"); }
  base::Status rollback() override { return exec("ROLLBACK"); }
  base::Status lockForMigration() override { return base::Ok{}; }  // BEGIN IMMEDIATE holds the write lock

  std::string_view describeColumnsSql() const override {
    return "SELECT m.name, p.name FROM sqlite_master AS m, pragma_table_info(m.name) AS p "
           "WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY m.name, p.cid";
  }

  base::Status init() {
    // Extended codes tell a primary-key clash apart from other constraint failures.
    sqlite3_extended_result_codes(db_, 1);
    // synchronous=NORMAL in WAL mode survives process crashes and only risks the last commits on
    // power loss: fine for settings and logs, and much cheaper per entry event than FULL.
    for (std::string sql : {"PRAGMA busy_timeout = " + std::to_string(kBusyTimeoutMs),
                            std::string("PRAGMA synchronous = NORMAL"), std::string("PRAGMA foreign_keys = ON")})
      if (auto s = exec(sql); !s) return s;
    // WAL lets the CLI read while the daemon writes. journal_mode answers with the mode in force:
    // a file system without shared memory stays in rollback mode, where readers block writers.
    auto wal = prepare("PRAGMA journal_mode = WAL");
    if (!wal) return wal.error();
    Query q(*wal);
    auto row = q.step();
    if (!row) return row.error();
    if (!*row || (q.text(0) != "wal" && q.text(0) != "memory"))
      return base::makeError(kErrIo, "the database cannot use WAL journal mode");
    return base::Ok{};
  }

 private:
  sqlite3* db_;
};

}  // namespace

base::Result<std::unique_ptr<SqlConnection>> openSqliteConnection(const std::string& path) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  auto db = std::make_unique<SqliteConnection>(raw);  // owns the handle even when open failed
  if (rc != SQLITE_OK) return sqliteError(raw, rc, "open " + path);
  if (auto s = db->init(); !s) return s.error();
  return std::unique_ptr<SqlConnection>(std::move(db));
}

}  // namespace atrium::store
