#include "csv.h"

#include <cassert>

namespace shanliu::cli::import {
namespace {

Status Invalid(std::size_t line, const std::string& why) {
  return Status::Error("invalid_csv", "line " + std::to_string(line) + ": " + why);
}

// The parser's cursor: one pass over the text, counting lines as it goes.
class Reader {
 public:
  Reader(std::string_view text, const CsvLimits& limits) : text_(text), limits_(limits) {}

  Result<std::vector<CsvRecord>> All() {
    std::vector<CsvRecord> out;
    while (pos_ < text_.size()) {
      if (AtLineBreak()) {  // a blank line
        SkipLineBreak();
        continue;
      }
      if (out.size() == limits_.max_records) {
        return Invalid(line_, "more than " + std::to_string(limits_.max_records) + " records");
      }
      CsvRecord record;
      record.line = line_;
      SHANLIU_RETURN_IF_ERROR(Record(record.fields));
      out.push_back(std::move(record));
    }
    return out;
  }

 private:
  bool AtLineBreak() const { return text_[pos_] == '\n' || text_[pos_] == '\r'; }
  void SkipLineBreak() {
    if (text_[pos_] == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') ++pos_;
    ++pos_;
    ++line_;
  }

  Status Record(std::vector<std::string>& fields) {
    while (true) {
      if (fields.size() == limits_.max_fields) {
        return Invalid(line_, "more than " + std::to_string(limits_.max_fields) + " fields");
      }
      std::string field;
      SHANLIU_RETURN_IF_ERROR(pos_ < text_.size() && text_[pos_] == '"' ? Quoted(field) : Plain(field));
      fields.push_back(std::move(field));
      if (pos_ >= text_.size()) return Status::Ok();
      if (text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      assert(AtLineBreak());
      SkipLineBreak();
      return Status::Ok();
    }
  }

  Status Plain(std::string& field) {
    const std::size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] != ',' && !AtLineBreak()) {
      if (text_[pos_] == '"') return Invalid(line_, "a quote inside an unquoted field (quote the whole field)");
      if (text_[pos_] == '\0') return Invalid(line_, "a NUL byte");
      ++pos_;
    }
    if (pos_ - start > limits_.max_field_bytes) return Invalid(line_, "a field over the size limit");
    field.assign(text_.substr(start, pos_ - start));
    return Status::Ok();
  }

  Status Quoted(std::string& field) {
    const std::size_t opened = line_;
    ++pos_;  // the opening quote
    while (true) {
      if (pos_ >= text_.size()) return Invalid(opened, "a quoted field is never closed");
      const char c = text_[pos_];
      if (c == '"') {
        if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '"') {
          field.push_back('"');
          pos_ += 2;
          continue;
        }
        ++pos_;
        if (pos_ < text_.size() && text_[pos_] != ',' && !AtLineBreak()) {
          return Invalid(line_, "text after a closing quote");
        }
        return Status::Ok();
      }
      if (c == '\0') return Invalid(line_, "a NUL byte");
      if (c == '\n') ++line_;
      if (c == '\r' && !(pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n')) ++line_;
      field.push_back(c);
      ++pos_;
      if (field.size() > limits_.max_field_bytes) return Invalid(opened, "a field over the size limit");
    }
  }

  std::string_view text_;
  const CsvLimits& limits_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
};

}  // namespace

Result<std::vector<CsvRecord>> ParseCsv(std::string_view text, const CsvLimits& limits) {
  return Reader(text, limits).All();
}

std::string CsvField(std::string_view value) {
  std::string v(value);
  if (!v.empty() && (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@')) v.insert(0, "'");
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

}  // namespace shanliu::cli::import
