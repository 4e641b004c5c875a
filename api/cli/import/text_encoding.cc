#include "text_encoding.h"

#include <iconv.h>

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <memory>

namespace shanliu::cli::import {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

struct IconvCloser {
  void operator()(void* cd) const { iconv_close(static_cast<iconv_t>(cd)); }
};

// Converts all of `in` from `from` to UTF-8; on failure returns the offset of the first byte
// that does not convert.
Result<std::string> Convert(std::string_view in, const char* from, std::size_t* bad_offset) {
  iconv_t raw = iconv_open("UTF-8", from);
  if (raw == reinterpret_cast<iconv_t>(-1)) {
    return Status::Error("bad_encoding", std::string("this system's iconv cannot convert from ") + from);
  }
  std::unique_ptr<void, IconvCloser> cd(raw);
  std::string out(in.size() * 2 + 16, '\0');  // GBK's 2 bytes become at most 3; ASCII stays 1
  char* in_ptr = const_cast<char*>(in.data());  // iconv's signature; it does not write the input
  std::size_t in_left = in.size();
  char* out_ptr = out.data();
  std::size_t out_left = out.size();
  while (in_left > 0) {
    if (iconv(raw, &in_ptr, &in_left, &out_ptr, &out_left) != static_cast<std::size_t>(-1)) continue;
    if (errno == E2BIG) {
      const std::size_t used = out.size() - out_left;
      out.resize(out.size() * 2);
      out_ptr = out.data() + used;
      out_left = out.size() - used;
      continue;
    }
    *bad_offset = in.size() - in_left;  // EILSEQ or EINVAL (cut off at the end)
    return Status::Error("bad_encoding", "does not convert");
  }
  out.resize(out.size() - out_left);
  return out;
}

Status Unconvertible(std::string_view bytes, std::size_t offset, const char* what) {
  const std::size_t line = 1 + std::count(bytes.begin(), bytes.begin() + offset, '\n');
  return Status::Error("bad_encoding", std::string("the file is not ") + what + ": byte " + std::to_string(offset) +
                                           " (line " + std::to_string(line) +
                                           ") does not convert; save it as UTF-8 or GBK, or pass --encoding");
}

}  // namespace

Result<Encoding> ParseEncoding(std::string_view name) {
  if (name == "auto") return Encoding::kAuto;
  if (name == "utf-8" || name == "utf8" || name == "UTF-8") return Encoding::kUtf8;
  if (name == "gbk" || name == "GBK") return Encoding::kGbk;
  return Status::Error("usage", "--encoding must be auto, utf-8 or gbk, got '" + std::string(name) + "'");
}

const char* EncodingName(Encoding encoding) {
  switch (encoding) {
    case Encoding::kUtf8: return "utf-8";
    case Encoding::kGbk: return "gbk";
    case Encoding::kAuto: break;
  }
  return "auto";
}

Result<DecodedText> DecodeToUtf8(std::string_view bytes, Encoding encoding) {
  DecodedText out;
  std::size_t bad = 0;
  if (encoding != Encoding::kGbk) {
    out.had_bom = bytes.starts_with(kBom);
    const std::string_view body = out.had_bom ? bytes.substr(kBom.size()) : bytes;
    // UTF-8 to UTF-8 through iconv is a strict validity check (overlongs, surrogates refused).
    auto utf8 = Convert(body, "UTF-8", &bad);
    if (utf8.ok()) {
      out.utf8 = std::move(*utf8);
      out.encoding = Encoding::kUtf8;
      return out;
    }
    if (encoding == Encoding::kUtf8 || out.had_bom) {
      return Unconvertible(bytes, bad + (out.had_bom ? kBom.size() : 0), "valid UTF-8");
    }
  }
  out.had_bom = false;
  auto gbk = Convert(bytes, "GBK", &bad);
  if (!gbk.ok()) {
    return Unconvertible(bytes, bad, encoding == Encoding::kAuto ? "valid UTF-8 or GBK" : "valid GBK");
  }
  out.utf8 = std::move(*gbk);
  out.encoding = Encoding::kGbk;
  assert(encoding != Encoding::kUtf8);
  return out;
}

}  // namespace shanliu::cli::import
