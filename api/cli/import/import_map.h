// The column mapping file of `shanliu import` (docs/cli.md "import"): which CSV column (or which
// constant) fills each field of a Donation or a Spend, and the organisation's donor-ref salt.
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "csv.h"
#include "shanliu/bytes.h"
#include "shanliu/status.h"

namespace shanliu::cli::import {

enum class ImportKind { kDonations, kSpends };
const char* ImportKindName(ImportKind kind);

struct FieldSource {
  bool from_column = false;
  std::string column;         // header name, when from_column
  std::size_t index = 0;      // its position, set by BindColumns
  std::string value;          // the constant, when !from_column
};

struct ImportMap {
  ImportKind kind = ImportKind::kDonations;
  std::map<std::string, FieldSource> fields;  // import field name -> where it comes from
  std::filesystem::path donor_salt_file;      // donations: resolved against the map's directory
};

// The fields each kind takes; `required` ones must be mapped.
struct ImportField {
  const char* name;
  bool required;
  const char* meaning;
};
const std::vector<ImportField>& ImportFields(ImportKind kind);

// Parses the map JSON. Errors ("invalid_map", naming the key): not an object, unknown keys or
// fields, a field both a column and a value, a required field missing, a kind other than
// `expected`, a missing salt file name (donations).
Result<ImportMap> ParseImportMap(std::string_view json_text, ImportKind expected,
                                 const std::filesystem::path& map_directory);

// Finds every mapped column in the CSV header (exact match after trimming spaces). A column
// that is missing, or a header name that appears twice and is used, is "invalid_map".
Status BindColumns(ImportMap& map, const std::vector<std::string>& header);

// The salt file's bytes: 16 to 1024 bytes, used exactly as stored ("invalid_map" otherwise).
Result<Bytes> ReadSaltFile(const std::filesystem::path& path);

// One data row turned into a payload (JSON in the form of ledger/json.h) and its row key.
struct ImportRow {
  std::size_t row = 0;   // 1-based data row (the header is row 0)
  std::size_t line = 0;  // line of the file where it starts
  std::string key;       // donations: the bank reference; spends: the row key (voucher number)
  std::string date;      // YYYY-MM-DD, when a date column is mapped
  nlohmann::json payload;
};

// Builds one row; errors carry their own codes (bad_amount, bad_date, missing_value, bad_value)
// and the caller prefixes the row number. `salt` is used for donations only.
Result<ImportRow> BuildRow(const ImportMap& map, const CsvRecord& record, std::size_t row, ByteView salt);

// "2026-03-14", "2026/03/14" or "20260314" -> "2026-03-14" and its 00:00 Beijing time (UTC+8)
// in Unix milliseconds. Years 2000..2099; impossible days are "bad_date".
struct ImportDate {
  std::string iso;
  std::uint64_t beijing_midnight_ms = 0;
};
Result<ImportDate> ParseImportDate(std::string_view text);

}  // namespace shanliu::cli::import
