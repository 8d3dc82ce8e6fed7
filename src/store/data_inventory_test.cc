// docs/data-inventory.md must describe exactly the live schema (R10, R12): a column added by a
// migration without an inventory row, or a documented column that no longer exists, fails here.
#include <fstream>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "store/store_test_util.h"

namespace atrium::store {
namespace {

using namespace atrium::store::testing;

using Column = std::pair<std::string, std::string>;

std::string trim(std::string s) {
  const char* ws = " \t`";
  s.erase(0, s.find_first_not_of(ws));
  s.erase(s.find_last_not_of(ws) + 1);
  return s;
}

std::vector<std::string> cells(const std::string& row) {
  std::vector<std::string> out;
  std::stringstream in(row.substr(1));  // past the leading '|'
  std::string cell;
  while (std::getline(in, cell, '|')) out.push_back(trim(cell));
  return out;
}

using DataInventoryTest = StoreFixture;

TEST_P(DataInventoryTest, DocumentsEveryColumnOfTheLiveSchemaAndNoOther) {
  const std::string path = std::string(ATRIUM_SOURCE_DIR) + "/docs/data-inventory.md";
  std::ifstream in(path);
  ASSERT_TRUE(in) << "cannot read " << path;
  const std::set<std::string> categories = {"internal", "console settings", "back-end logs", "quality data", "audit"};
  const std::set<std::string> levels = {"L1", "L2", "L3", "L4"};
  std::set<Column> documented;
  std::string table, line;
  while (std::getline(in, line)) {
    if (line.starts_with("### ")) {
      table = trim(line.substr(4));
      continue;
    }
    if (table.empty() || !line.starts_with("| `")) continue;
    auto c = cells(line);
    ASSERT_EQ(c.size(), 5u) << line;  // column | purpose | category | level | retention
    EXPECT_FALSE(c[1].empty()) << line;
    EXPECT_TRUE(categories.count(c[2])) << "unknown category in: " << line;
    EXPECT_TRUE(levels.count(c[3])) << "unknown level in: " << line;
    EXPECT_FALSE(c[4].empty()) << line;
    EXPECT_TRUE(documented.insert({table, c[0]}).second) << "documented twice: " << table << "." << c[0];
  }
  auto schema = store_->describeSchema();
  ASSERT_TRUE(schema.ok()) << schema.error().message;
  const std::set<Column> live(schema->begin(), schema->end());
  ASSERT_FALSE(live.empty());
  for (const auto& [t, c] : live) EXPECT_TRUE(documented.count({t, c})) << t << "." << c << " is not in " << path;
  for (const auto& [t, c] : documented) EXPECT_TRUE(live.count({t, c})) << t << "." << c << " is documented but not in the schema";
}

ATRIUM_STORE_ENGINES(DataInventoryTest);

}  // namespace
}  // namespace atrium::store
