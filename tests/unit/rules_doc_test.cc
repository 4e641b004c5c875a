// docs/rules.md lists every rule issue 13 added with its error code. This test keeps the table
// honest: each code in it must be produced by the ledger's sources and exercised by a unit test.
#include <doctest/doctest.h>

#include "source_files.h"

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& path) { return shanliu::testing::ReadSourceFile(path); }

// The error codes in the last column of the rules table: rows "| rule | checked in | `code` |".
std::set<std::string> TableCodes(const std::string& markdown) {
  std::set<std::string> codes;
  const std::regex row(R"(^\|.*\|.*\|\s*`([a-z_]+)`\s*\|\s*$)");
  std::istringstream lines(markdown);
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (std::regex_match(line, m, row)) codes.insert(m[1]);
  }
  return codes;
}

// All of the .cc files under `dir`, concatenated (except `skip`).
std::string Sources(const fs::path& dir, const std::string& skip = "") {
  std::string all;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".cc" || entry.path().filename() == skip) continue;
    all += ReadFile(entry.path());
  }
  return all;
}

}  // namespace

TEST_CASE("every error code in docs/rules.md is produced by the ledger and exercised by a test") {
  const fs::path root = SHANLIU_SOURCE_DIR;
  const std::set<std::string> codes = TableCodes(ReadFile(root / "docs" / "rules.md"));
  // The table holds the issue's codes; losing rows to a formatting change must not pass silently.
  for (const char* expected : {"duplicate_bank_ref", "duplicate_receipt_number", "cosigner_not_bank",
                               "cosigner_not_account_bank", "too_many_cosigners", "personal_data", "expired",
                               "expiry_too_far", "invalid_credit_code", "duplicate_credit_code", "unknown_region",
                               "unknown_category", "project_ended", "invalid_end_date", "no_change"}) {
    CHECK_MESSAGE(codes.count(expected) == 1, expected << " is missing from the table");
  }
  const std::string ledger_sources = Sources(root / "ledger" / "src");
  const std::string tests = Sources(root / "tests" / "unit", "rules_doc_test.cc");
  for (const std::string& code : codes) {
    const std::string literal = "\"" + code + "\"";
    CHECK_MESSAGE(ledger_sources.find(literal) != std::string::npos, code << " is not produced in ledger/src");
    CHECK_MESSAGE(tests.find(literal) != std::string::npos, code << " is not checked by any unit test");
  }
}

TEST_CASE("the table parser reads codes from rule rows only") {
  const std::set<std::string> codes = TableCodes(
      "| rule | checked in | error code |\n|---|---|---|\n| a rule | executor | `some_code` |\n"
      "text with `not_a_code`\n| shape | refused | allowed |\n");
  CHECK(codes == std::set<std::string>{"some_code"});
}
