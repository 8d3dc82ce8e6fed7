// The schema, as an ordered list of migrations shared by every SQL engine.
#pragma once

#include <span>

namespace atrium::store {

struct Migration {
  int version;      // 1, 2, 3, ... in order; recorded in schema_migrations once applied
  const char* sql;  // one or more statements separated by ';'
};

// Never edit a released migration: append a new one. The SQL sticks to what SQLite and
// PostgreSQL both accept (INTEGER/BIGINT/TEXT/DOUBLE PRECISION, CHECK, CREATE INDEX, partial
// indexes) except two spellings migrationSql (sql.h) rewrites for PostgreSQL: BLOB -> BYTEA, and
// "INTEGER PRIMARY KEY" (SQLite's rowid alias) -> "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY".
std::span<const Migration> migrations();

}  // namespace atrium::store
