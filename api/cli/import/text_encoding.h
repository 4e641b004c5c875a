// Bank exports come as UTF-8 (with or without a byte-order mark) or GBK. Converts a whole file
// to UTF-8 with glibc's iconv (no codec of our own).
#pragma once

#include <string>
#include <string_view>

#include "shanliu/status.h"

namespace shanliu::cli::import {

enum class Encoding { kAuto, kUtf8, kGbk };

// "auto", "utf-8" (or "utf8"), "gbk"; anything else is a "usage" error.
Result<Encoding> ParseEncoding(std::string_view name);
const char* EncodingName(Encoding encoding);

struct DecodedText {
  std::string utf8;     // without a byte-order mark
  Encoding encoding{};  // what the bytes were (never kAuto)
  bool had_bom = false;
};

// kAuto: valid UTF-8 is UTF-8 (a leading BOM dropped), else GBK. A file that is neither (or
// not the encoding asked for) is "bad_encoding", naming the byte offset and line of the first
// byte that does not convert.
Result<DecodedText> DecodeToUtf8(std::string_view bytes, Encoding encoding);

}  // namespace shanliu::cli::import
