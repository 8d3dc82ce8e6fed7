#include "store/sqlite_db.h"

#include <limits>

#include "store/store.h"

namespace atrium::store {
namespace {

// SQLite messages name tables and constraints, never bound values, so they are safe to surface.
base::Error sqliteError(sqlite3* db, int rc, std::string_view what) {
  std::string message = std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  int primary = rc & 0xff;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) return base::makeError(kErrBusy, message);
  if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE)
    return base::makeError(kErrDuplicate, message);
  return base::makeError(kErrIo, message);
}

}  // namespace

Query::~Query() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

void Query::check(int rc) {
  if (rc != SQLITE_OK && bindRc_ == SQLITE_OK) bindRc_ = rc;
}

Query& Query::bind(int64_t value) {
  check(sqlite3_bind_int64(stmt_, next_++, value));
  return *this;
}

Query& Query::bind(std::string_view text) {
  // SQLITE_TRANSIENT: SQLite copies, so callers may pass temporaries.
  check(sqlite3_bind_text64(stmt_, next_++, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
  return *this;
}

Query& Query::bind(std::span<const uint8_t> blob) {
  if (blob.empty()) return bindNull();
  check(sqlite3_bind_blob64(stmt_, next_++, blob.data(), blob.size(), SQLITE_TRANSIENT));
  return *this;
}

Query& Query::bindNull() {
  check(sqlite3_bind_null(stmt_, next_++));
  return *this;
}

Query& Query::bindReal(double value) {
  check(sqlite3_bind_double(stmt_, next_++, value));
  return *this;
}

double Query::real(int column) const { return sqlite3_column_double(stmt_, column); }

base::Result<bool> Query::step() {
  sqlite3* db = sqlite3_db_handle(stmt_);
  if (bindRc_ != SQLITE_OK) return sqliteError(db, bindRc_, "bind");
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return sqliteError(db, rc, "step");
}

base::Status Query::run() {
  auto r = step();
  if (!r) return r.error();
  if (*r) return base::makeError(kErrIo, "statement returned rows where none were expected");
  return base::Ok{};
}

int64_t Query::int64(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string Query::text(int column) const {
  const auto* p = sqlite3_column_text(stmt_, column);
  if (p == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

std::vector<uint8_t> Query::blob(int column) const {
  const auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_, column));
  if (p == nullptr) return {};
  return std::vector<uint8_t>(p, p + sqlite3_column_bytes(stmt_, column));
}

base::Result<SqliteDb> SqliteDb::open(const std::string& path) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  SqliteDb db(raw);  // owns the handle even when open failed
  if (rc != SQLITE_OK) return sqliteError(raw, rc, "open " + path);
  // Extended codes tell a primary-key clash apart from other constraint failures.
  sqlite3_extended_result_codes(raw, 1);
  return db;
}

base::Status SqliteDb::exec(const char* sql) {
  int rc = sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return sqliteError(db_.get(), rc, "exec");
  return base::Ok{};
}

base::Result<Statement> SqliteDb::prepare(std::string_view sql) {
  if (sql.size() > static_cast<size_t>(std::numeric_limits<int>::max()))
    return base::makeError(kErrIo, "statement too long");
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                              &stmt, nullptr);
  if (rc != SQLITE_OK) return sqliteError(db_.get(), rc, "prepare");
  return Statement(stmt);
}

Transaction::~Transaction() {
  if (open_) (void)db_.exec("ROLLBACK");
}

base::Status Transaction::begin() {
  auto s = db_.exec(kind_ == Kind::kWrite ? "BEGIN IMMEDIATE" : "BEGIN");
  open_ = s.ok();
  return s;
}

base::Status Transaction::commit() {
  auto s = db_.exec("COMMIT");
  if (s.ok()) open_ = false;
  return s;
}

}  // namespace atrium::store
