#include "store/sql.h"

#include "store/store.h"

namespace atrium::store {

base::Status Query::run() {
  auto r = step();
  if (!r) return r.error();
  if (*r) return base::makeError(kErrIo, "statement returned rows where none were expected");
  return base::Ok{};
}

base::Result<int64_t> Query::insertReturningId() {
  auto row = step();
  if (!row) return row.error();
  if (!*row) return base::makeError(kErrIo, "INSERT ... RETURNING returned no id");
  const int64_t id = int64(0);
  auto done = step();
  if (!done) return done.error();
  if (*done) return base::makeError(kErrIo, "INSERT ... RETURNING returned more than one row");
  return id;
}

std::string replaceAll(std::string_view text, std::string_view from, std::string_view to) {
  std::string out;
  size_t pos = 0;
  for (;;) {
    size_t hit = text.find(from, pos);
    if (hit == std::string_view::npos) break;
    out.append(text.substr(pos, hit - pos)).append(to);
    pos = hit + from.size();
  }
  out.append(text.substr(pos));
  return out;
}

std::string migrationSql(std::string_view sql, Dialect dialect) {
  if (dialect == Dialect::kSqlite) return std::string(sql);
  // Only these two spellings differ in the migrations (see migrations.h); both are whole words
  // that never occur inside names or strings there.
  return replaceAll(replaceAll(sql, "INTEGER PRIMARY KEY", "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"),
                    "BLOB", "BYTEA");
}

std::string numberPlaceholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int n = 0;
  char quote = 0;  // inside '...' or "..." (a doubled quote toggles out and back in: still right)
  for (char c : sql) {
    if (quote) {
      if (c == quote) quote = 0;
      out.push_back(c);
    } else if (c == '\'' || c == '"') {
      quote = c;
      out.push_back(c);
    } else if (c == '?') {
      out += "$" + std::to_string(++n);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

base::Result<std::vector<std::pair<std::string, std::string>>> SqlConnection::describeColumns() {
  auto stmt = prepare(describeColumnsSql());
  if (!stmt) return stmt.error();
  Query q(*stmt);
  std::vector<std::pair<std::string, std::string>> out;
  for (;;) {
    auto row = q.step();
    if (!row) return row.error();
    if (!*row) return out;
    out.emplace_back(q.text(0), q.text(1));
  }
}

}  // namespace atrium::store
