// The mechanical dialect translations of sql.h.
#include "store/sql.h"

#include <gtest/gtest.h>

#include "store/migrations.h"

namespace atrium::store {
namespace {

TEST(SqlDialectTest, NumbersPlaceholdersOutsideQuotes) {
  EXPECT_EQ(numberPlaceholders("SELECT a FROM t WHERE b = ? AND c IN (?, ?)"),
            "SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)");
  EXPECT_EQ(numberPlaceholders("SELECT '?', \"a?\" FROM t WHERE x = ? AND y = 'it''s?'"),
            "SELECT '?', \"a?\" FROM t WHERE x = $1 AND y = 'it''s?'");
  EXPECT_EQ(numberPlaceholders("SELECT 1"), "SELECT 1");
}

TEST(SqlDialectTest, MigrationsSpellIdsAndBlobsPerEngine) {
  const std::string sql = "CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB NOT NULL, n INTEGER)";
  EXPECT_EQ(migrationSql(sql, Dialect::kSqlite), sql);
  EXPECT_EQ(migrationSql(sql, Dialect::kPostgres),
            "CREATE TABLE t (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v BYTEA NOT NULL, n INTEGER)");
  // The real migrations hold no other SQLite-only spelling the rewrite would miss.
  for (const Migration& m : migrations()) {
    std::string pg = migrationSql(m.sql, Dialect::kPostgres);
    EXPECT_EQ(pg.find("BLOB"), std::string::npos) << m.version;
    EXPECT_EQ(pg.find("AUTOINCREMENT"), std::string::npos) << m.version;
    EXPECT_EQ(pg.find("INTEGER PRIMARY KEY"), std::string::npos) << m.version;
  }
}

TEST(SqlDialectTest, ReplaceAll) {
  EXPECT_EQ(replaceAll("GREATEST(a, GREATEST(b, ?))", "GREATEST(", "MAX("), "MAX(a, MAX(b, ?))");
  EXPECT_EQ(replaceAll("", "x", "y"), "");
  EXPECT_EQ(replaceAll("xx", "x", "xx"), "xxxx");
}

}  // namespace
}  // namespace atrium::store
