#include "amount.h"

#include <cassert>
#include <string>

namespace shanliu::cli::import {
namespace {

Status Bad(std::string_view text, const std::string& why) {
  return Status::Error("bad_amount", "amount '" + std::string(text) + "': " + why);
}

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Why a character that is not an ASCII digit or '.' is refused, in the exporter's terms.
std::string Reason(std::string_view rest) {
  const unsigned char c = static_cast<unsigned char>(rest.front());
  if (c == '-' || c == '+') return "no sign is allowed (a refund or reversal is not a donation row)";
  if (c == ',') return "no thousands separators: export plain numbers such as 1000.00";
  if (c == 'e' || c == 'E') return "no exponents";
  // U+FF10..U+FF19 (full-width digits) are EF BC 90..99 in UTF-8.
  if (rest.size() >= 3 && c == 0xEF && static_cast<unsigned char>(rest[1]) == 0xBC) {
    return "full-width characters (０-９, ．) are not accepted: export ASCII digits";
  }
  if (c >= 0x80) return "non-ASCII characters are not accepted: export ASCII digits";
  return "unexpected character '" + std::string(1, static_cast<char>(c)) + "'";
}

}  // namespace

Result<std::int64_t> ParseYuanToFen(std::string_view text) {
  std::string_view s = TrimSpaces(text);
  for (std::string_view sign : {std::string_view("¥"), std::string_view("￥")}) {
    if (s.starts_with(sign)) {
      s.remove_prefix(sign.size());
      break;
    }
  }
  if (s.empty()) return Bad(text, "empty");
  std::int64_t yuan = 0;
  std::size_t i = 0;
  std::size_t int_digits = 0;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i, ++int_digits) {
    if (yuan > kMaxImportFen / 100) return Bad(text, "larger than the ledger's limit of 10^13 yuan");
    yuan = yuan * 10 + (s[i] - '0');
  }
  if (int_digits == 0) return Bad(text, i < s.size() && s[i] == '.' ? "no digit before the point" : Reason(s.substr(i)));
  std::int64_t cents = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    std::size_t decimals = 0;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i, ++decimals) {
      if (decimals == 2) return Bad(text, "more than two decimals (fen is the smallest unit)");
      cents = cents * 10 + (s[i] - '0');
    }
    if (decimals == 0) return Bad(text, "no digit after the point");
    if (decimals == 1) cents *= 10;
  }
  if (i != s.size()) return Bad(text, Reason(s.substr(i)));
  if (yuan > (kMaxImportFen - cents) / 100) return Bad(text, "larger than the ledger's limit of 10^13 yuan");
  const std::int64_t fen = yuan * 100 + cents;
  if (fen == 0) return Bad(text, "zero");
  assert(fen > 0 && fen <= kMaxImportFen);
  return fen;
}

}  // namespace shanliu::cli::import
