// SqlConnection over PostgreSQL (libpqxx 6.4). The only file of the store that includes pqxx.
// Statements are server-side prepared once per connection, parameters go as text (PostgreSQL
// infers their types from the statement), results are read whole on the first step().
#include <charconv>
#include <cstdlib>
#include <pqxx/pqxx>

#include "store/sql.h"
#include "store/store.h"

namespace atrium::store {
namespace {

// Any constant: the key of the advisory lock two processes migrating one database serialise on.
constexpr int64_t kMigrationLockKey = 0x61747269756d;  // "atrium"

// PostgreSQL's message without its DETAIL/CONTEXT lines: those quote the offending values
// ("Key (user_id)=(alice) already exists"), and error messages end up in logs (R11).
std::string firstLine(const char* what) {
  std::string_view s(what);
  return std::string(s.substr(0, s.find('\n')));
}

// Runs `f`, turning libpqxx's exceptions into errors with the store's codes.
template <typename F>
base::Status guarded(std::string_view what, F&& f) {
  try {
    f();
    return base::Ok{};
  } catch (const pqxx::unique_violation& e) {
    return base::makeError(kErrDuplicate, std::string(what) + ": " + firstLine(e.what()));
  } catch (const pqxx::serialization_failure& e) {
    return base::makeError(kErrBusy, std::string(what) + ": " + firstLine(e.what()));
  } catch (const pqxx::deadlock_detected& e) {
    return base::makeError(kErrBusy, std::string(what) + ": " + firstLine(e.what()));
  } catch (const std::exception& e) {
    return base::makeError(kErrIo, std::string(what) + ": " + firstLine(e.what()));
  }
}

constexpr char kHex[] = "0123456789abcdef";

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

class PgConnection;

class PgStatement final : public StatementImpl {
 public:
  PgStatement(PgConnection& conn, std::string name) : conn_(conn), name_(std::move(name)) {}
  // Server-side prepared statements live as long as the connection: one-off statements (purge
  // batches, erasure) would otherwise pile up on a connection that stays open for months.
  ~PgStatement() override;

  void bindInt64(int64_t value) override { push(std::to_string(value)); }
  void bindText(std::string_view text) override { push(std::string(text)); }
  void bindBlob(std::span<const uint8_t> blob) override {
    // bytea's hex input format: "\x" then two hex digits per byte.
    std::string hex = "\\x";
    hex.reserve(2 + blob.size() * 2);
    for (uint8_t b : blob) {
      hex.push_back(kHex[b >> 4]);
      hex.push_back(kHex[b & 0xf]);
    }
    push(std::move(hex));
  }
  void bindReal(double value) override {
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);  // shortest form that reads back exactly
    push(ec == std::errc() ? std::string(buf, end) : std::to_string(value));
  }
  void bindNull() override {
    values_.emplace_back();
    nulls_.push_back(true);
  }

  base::Result<bool> step() override;
  void reset() override {
    values_.clear();
    nulls_.clear();
    result_ = pqxx::result();
    executed_ = false;
    row_ = -1;
  }

  int64_t int64(int column) const override {
    auto f = field(column);
    int64_t v = 0;
    if (!f.is_null()) std::from_chars(f.c_str(), f.c_str() + f.size(), v);
    return v;
  }
  double real(int column) const override {
    auto f = field(column);
    double v = 0;
    if (!f.is_null()) std::from_chars(f.c_str(), f.c_str() + f.size(), v);
    return v;
  }
  std::string text(int column) const override {
    auto f = field(column);
    return f.is_null() ? std::string() : std::string(f.c_str(), f.size());
  }
  std::vector<uint8_t> blob(int column) const override {
    auto f = field(column);
    std::vector<uint8_t> out;
    std::string_view s(f.c_str(), f.size());
    if (f.is_null() || !s.starts_with("\\x")) return out;
    out.reserve((s.size() - 2) / 2);
    for (size_t i = 2; i + 1 < s.size(); i += 2) {
      int hi = hexValue(s[i]), lo = hexValue(s[i + 1]);
      if (hi < 0 || lo < 0) return {};
      out.push_back(static_cast<uint8_t>(hi << 4 | lo));
    }
    return out;
  }
  bool isNull(int column) const override { return field(column).is_null(); }

 private:
  void push(std::string value) {
    values_.push_back(std::move(value));
    nulls_.push_back(false);
  }
  pqxx::field field(int column) const {
    return result_[static_cast<pqxx::result::size_type>(row_)][static_cast<pqxx::row::size_type>(column)];
  }

  PgConnection& conn_;
  std::string name_;
  std::vector<std::string> values_;
  std::vector<bool> nulls_;
  pqxx::result result_;
  bool executed_ = false;
  long row_ = -1;
};

class PgConnection final : public SqlConnection {
 public:
  explicit PgConnection(std::unique_ptr<pqxx::connection> pq) : pq_(std::move(pq)) {}

  Dialect dialect() const override { return Dialect::kPostgres; }

  base::Status exec(const std::string& sql) override {
    return guarded("exec", [&] {
      pqxx::nontransaction tx(*pq_);
      changes_ = static_cast<int64_t>(tx.exec(sql).affected_rows());
    });
  }

  base::Result<Statement> prepare(std::string_view sql) override {
    std::string name = "atrium_" + std::to_string(++statements_);
    if (auto s = guarded("prepare", [&] { pq_->prepare(name, numberPlaceholders(sql)); }); !s) return s.error();
    return Statement(std::make_unique<PgStatement>(*this, std::move(name)));
  }

  int64_t changes() const override { return changes_; }

  base::Status begin(TxKind kind) override {
    return exec(kind == TxKind::kWrite ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  }
  base::Status commit() override { return exec("COMMIT"); }
  base::Status rollback() override { return exec("ROLLBACK"); }
  base::Status lockForMigration() override {
    return exec("SELECT pg_advisory_xact_lock(" + std::to_string(kMigrationLockKey) + ")");
  }

  std::string_view describeColumnsSql() const override {
    return "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() "
           "ORDER BY table_name, ordinal_position";
  }

  void unprepare(const std::string& name) {
    (void)guarded("unprepare", [&] { pq_->unprepare(name); });
  }

  // Executes a prepared statement with text parameters (nullptr = NULL).
  base::Status execPrepared(const std::string& name, const std::vector<const char*>& params, pqxx::result& out) {
    return guarded("step", [&] {
      pqxx::nontransaction tx(*pq_);
      out = tx.exec_prepared(name, pqxx::prepare::make_dynamic_params(params));
      changes_ = static_cast<int64_t>(out.affected_rows());
    });
  }

 private:
  std::unique_ptr<pqxx::connection> pq_;
  int64_t changes_ = 0;
  uint64_t statements_ = 0;
};

PgStatement::~PgStatement() { conn_.unprepare(name_); }

base::Result<bool> PgStatement::step() {
  if (!executed_) {
    std::vector<const char*> params;
    params.reserve(values_.size());
    for (size_t i = 0; i < values_.size(); ++i) params.push_back(nulls_[i] ? nullptr : values_[i].c_str());
    if (auto s = conn_.execPrepared(name_, params, result_); !s) return s.error();
    executed_ = true;
  }
  ++row_;
  return static_cast<size_t>(row_) < result_.size();
}

}  // namespace

base::Result<std::unique_ptr<SqlConnection>> openPostgresConnection(const std::string& dsn) {
  std::unique_ptr<pqxx::connection> pq;
  // The DSN may hold a password: never echo it; libpq's message names host and cause.
  if (auto s = guarded("connect", [&] { pq = std::make_unique<pqxx::connection>(dsn); }); !s) return s.error();
  auto conn = std::make_unique<PgConnection>(std::move(pq));
  // NOTICEs ("relation already exists, skipping") would go to stderr through libpqxx.
  if (auto s = conn->exec("SET client_min_messages = warning"); !s) return s.error();
  // Byte order for text, as SQLite compares: ORDER BY user_id must agree between engines and with
  // std::string (listQuality merges per-user queries in that order). A database with a
  // linguistic collation is refused rather than silently ordering differently.
  auto collation = conn->prepare("SELECT datcollate FROM pg_database WHERE datname = current_database()");
  if (!collation) return collation.error();
  {
    Query q(*collation);
    auto row = q.step();
    if (!row) return row.error();
    std::string c = *row ? q.text(0) : "";
    if (c != "C" && c != "POSIX" && !c.starts_with("C."))
      return base::makeError(kErrInvalidArgument,
                             "the PostgreSQL database must use the C collation (CREATE DATABASE ... LC_COLLATE 'C' "
                             "TEMPLATE template0), not '" + c + "'");
  }
  return std::unique_ptr<SqlConnection>(std::move(conn));
}

}  // namespace atrium::store
