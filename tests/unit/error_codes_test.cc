// The error codes are a closed set (crypto/include/shanliu/error_codes.def): every code a source
// file produces is in it, docs/errors.md is exactly its table, and the API maps codes to HTTP
// statuses from it alone.
#include <doctest/doctest.h>

#include "source_files.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "shanliu/api/errors.h"
#include "shanliu/error_codes.h"

namespace shanliu {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& path) { return testing::ReadSourceFile(path); }

// file -> codes it produces: Status::Error("code", ...), ErrorResponse("code", ...), the consensus
// core's Reject("code", ...), the ledger
// executor's Fail("code", ...), and named code constants (kX = "code").
std::map<std::string, std::set<std::string>> ProducedCodes() {
  const fs::path root = SHANLIU_SOURCE_DIR;
  // Groups 3 and 4: a named constant and its value; directory names (kDatabaseDir) are not codes.
  const std::regex produced(
      R"re((?:Status::Error|ErrorResponse|\bReject)\(\s*"([a-z0-9_]+)"|\bFail\(\s*"([a-z0-9_]+)"\s*,|constexpr std::string_view (k[A-Za-z]+) = "([a-z0-9_]+)")re");
  std::map<std::string, std::set<std::string>> out;
  // api/cli reports failures of whole commands by the command's name, node/main.cc by its stage:
  // those are labels, not codes.
  for (const char* dir : {"crypto", "ledger", "node", "api/src", "api/include", "audit"}) {
    for (const auto& entry : fs::recursive_directory_iterator(root / dir)) {
      const std::string ext = entry.path().extension().string();
      if ((ext != ".cc" && ext != ".h") || entry.path().filename() == "main.cc") continue;
      const std::string text = ReadFile(entry.path());
      for (std::sregex_iterator it(text.begin(), text.end(), produced), end; it != end; ++it) {
        const std::string file = fs::relative(entry.path(), root).string();
        if ((*it)[1].matched) out[file].insert((*it)[1].str());
        if ((*it)[2].matched) out[file].insert((*it)[2].str());
        if ((*it)[4].matched && !(*it)[3].str().ends_with("Dir")) out[file].insert((*it)[4].str());
      }
    }
  }
  return out;
}

std::string ExpectedDocTable() {
  std::string out = "| code | HTTP | retryable | meaning |\n|---|---|---|---|\n";
  for (const ErrorCodeInfo& e : ErrorCodes()) {
    out += "| `" + std::string(e.code) + "` | " + std::to_string(e.http_status) + " | " + (e.retryable ? "yes" : "no") +
           " | " + std::string(e.doc) + " |\n";
  }
  return out;
}

TEST_CASE("the error code list is well formed and lookups find every code") {
  std::set<std::string_view> seen;
  CHECK(ErrorCodes().size() >= 100);
  for (const ErrorCodeInfo& e : ErrorCodes()) {
    CAPTURE(e.code);
    CHECK(seen.insert(e.code).second);
    CHECK(std::regex_match(std::string(e.code), std::regex("[a-z][a-z0-9_]*[a-z0-9]")));
    CHECK(e.http_status >= 400);
    CHECK(e.http_status <= 503);
    CHECK(!e.doc.empty());
    CHECK(FindErrorCode(e.code) == &e);
    CHECK(api::HttpStatusForError(e.code) == e.http_status);
  }
  CHECK(FindErrorCode("") == nullptr);
  CHECK(FindErrorCode("no_such_code") == nullptr);
  CHECK(FindErrorCode("not_foun") == nullptr);
  CHECK(FindErrorCode("not_found_") == nullptr);
  CHECK(api::HttpStatusForError("no_such_code") == 500);  // a code outside the set is a bug
  CHECK(errc::kNotFound == "not_found");
  CHECK(FindErrorCode(errc::kUnavailable)->retryable);
  CHECK_FALSE(FindErrorCode(errc::kInsufficientFunds)->retryable);
}

TEST_CASE("every code a source file produces is in the closed set") {
  const auto produced = ProducedCodes();
  CHECK(produced.size() > 20);  // the scan found the sources
  for (const auto& [file, codes] : produced) {
    for (const std::string& code : codes) {
      CHECK_MESSAGE(FindErrorCode(code) != nullptr,
                    file << " produces '" << code << "', which is not in crypto/include/shanliu/error_codes.def");
    }
  }
}

TEST_CASE("docs/errors.md is the table of the list, row for row") {
  const std::string doc = ReadFile(fs::path(SHANLIU_SOURCE_DIR) / "docs" / "errors.md");
  const std::string expected = ExpectedDocTable();
  CHECK_MESSAGE(doc.find(expected) != std::string::npos,
                "docs/errors.md must hold exactly this table (regenerate it from error_codes.def):\n"
                    << expected);
}

TEST_CASE("the codes docs/api.md and docs/rules.md name are in the set, with the status api.md gives") {
  const fs::path root = SHANLIU_SOURCE_DIR;
  // api.md's status table: "| 404 | `not_found` (...) |".
  const std::string api = ReadFile(root / "docs" / "api.md");
  const std::regex row(R"(^\| (\d{3}) \| (.*)\|\s*$)");
  const std::regex code("`([a-z0-9_]+)`");
  std::istringstream lines(api);
  int rows = 0;
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (!std::regex_match(line, m, row)) continue;
    ++rows;
    const unsigned status = static_cast<unsigned>(std::stoul(m[1]));
    // Parenthesised remarks name settings and causes, not codes.
    const std::string cells = std::regex_replace(m[2].str(), std::regex(R"(\([^)]*\))"), "");
    for (std::sregex_iterator it(cells.begin(), cells.end(), code), end; it != end; ++it) {
      const ErrorCodeInfo* info = FindErrorCode((*it)[1].str());
      REQUIRE_MESSAGE(info != nullptr, "docs/api.md names " << (*it)[1].str());
      CHECK_MESSAGE(info->http_status == status, (*it)[1].str() << " is " << info->http_status << " in the list");
    }
  }
  CHECK(rows >= 8);
  const std::string rules = ReadFile(root / "docs" / "rules.md");
  const std::regex rule_row(R"(^\|.*\|.*\|\s*`([a-z0-9_]+)`\s*\|\s*$)");
  std::istringstream rule_lines(rules);
  for (std::string line; std::getline(rule_lines, line);) {
    std::smatch m;
    if (std::regex_match(line, m, rule_row)) CHECK_MESSAGE(FindErrorCode(m[1].str()) != nullptr, m[1].str());
  }
}

}  // namespace
}  // namespace shanliu
