// RFC 4180 CSV as spreadsheet and bank exports write it: fields separated by ',', records by
// CRLF or LF, a field in double quotes may hold ',', '"' (doubled) and line breaks.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "shanliu/status.h"

namespace shanliu::cli::import {

struct CsvRecord {
  std::size_t line = 0;  // 1-based line of the file where the record starts
  std::vector<std::string> fields;
};

struct CsvLimits {
  std::size_t max_records = 1'000'000;
  std::size_t max_fields = 256;
  std::size_t max_field_bytes = 64 * 1024;
};

// Parses UTF-8 text (no BOM). Blank lines are skipped. Errors ("invalid_csv", naming the
// line): a quote inside an unquoted field, text after a closing quote, an unterminated quote,
// a NUL byte, any limit exceeded.
Result<std::vector<CsvRecord>> ParseCsv(std::string_view text, const CsvLimits& limits = {});

// One field as RFC 4180 writes it: quoted (quotes doubled) when it holds ',', '"', CR or LF.
// Also quotes a field starting with = + - @ and prefixes a ' so a spreadsheet opening the
// result file does not run it as a formula.
std::string CsvField(std::string_view value);

}  // namespace shanliu::cli::import
