#include "content_coding.h"

#include <brotli/encode.h>
#include <zlib.h>

#include <boost/beast/http/rfc7230.hpp>
#include <cassert>
#include <cctype>
#include <optional>

#include "http_types.h"

namespace shanliu::api::internal {
namespace {

bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

// qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), in thousandths.
std::optional<int> ParseQValue(std::string_view text) {
  if (text.empty() || (text[0] != '0' && text[0] != '1')) return std::nullopt;
  int milli = (text[0] - '0') * 1000;
  if (text.size() == 1) return milli;
  if (text[1] != '.' || text.size() > 5) return std::nullopt;
  int scale = 100;
  for (char c : text.substr(2)) {
    if (c < '0' || c > '9') return std::nullopt;
    milli += (c - '0') * scale;
    scale /= 10;
  }
  if (milli > 1000) return std::nullopt;
  return milli;
}

Result<std::string> Gzip(std::string_view input) {
  z_stream z{};
  // windowBits 15 + 16 asks zlib for the gzip wrapper instead of the zlib one.
  if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return Status::Error("internal", "zlib could not start a gzip stream");
  }
  std::string out(deflateBound(&z, static_cast<uLong>(input.size())) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
  z.avail_in = static_cast<uInt>(input.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  const std::size_t written = z.total_out;
  deflateEnd(&z);
  if (rc != Z_STREAM_END) return Status::Error("internal", "zlib could not compress the response");
  out.resize(written);
  return out;
}

Result<std::string> Brotli(std::string_view input) {
  std::size_t size = BrotliEncoderMaxCompressedSize(input.size());
  if (size == 0) return Status::Error("internal", "the response is too large for brotli");
  std::string out(size, '\0');
  const int ok = BrotliEncoderCompress(5, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_TEXT, input.size(),
                                       reinterpret_cast<const std::uint8_t*>(input.data()), &size,
                                       reinterpret_cast<std::uint8_t*>(out.data()));
  if (!ok) return Status::Error("internal", "brotli could not compress the response");
  out.resize(size);
  return out;
}

}  // namespace

std::string_view CodingName(ContentCoding coding) {
  switch (coding) {
    case ContentCoding::kGzip: return "gzip";
    case ContentCoding::kBrotli: return "br";
    case ContentCoding::kIdentity: break;
  }
  return "identity";
}

std::string_view CodingFileSuffix(ContentCoding coding) {
  switch (coding) {
    case ContentCoding::kGzip: return ".gz";
    case ContentCoding::kBrotli: return ".br";
    case ContentCoding::kIdentity: break;
  }
  return "";
}

AcceptedCodings AcceptedCodings::Parse(std::string_view accept_encoding) {
  std::optional<int> gzip, brotli, star;
  for (const auto& element : http::ext_list(boost::beast::string_view(accept_encoding.data(), accept_encoding.size()))) {
    int q = 1000;
    const std::string_view name = Sv(element.first);
    for (const auto& param : element.second) {
      // Boost 1.74's ext_list hands an element without parameters the previous element's
      // parameter list ("*;q=0, gzip" gives gzip q=0); a parameter always follows its token.
      if (Sv(param.first).data() < name.data() + name.size()) break;
      if (!EqualsNoCase(Sv(param.first), "q")) continue;
      q = ParseQValue(Sv(param.second)).value_or(0);
    }
    // The first mention of a coding counts; a later duplicate cannot upgrade it.
    if ((EqualsNoCase(name, "gzip") || EqualsNoCase(name, "x-gzip")) && !gzip) gzip = q;
    if (EqualsNoCase(name, "br") && !brotli) brotli = q;
    if (name == "*" && !star) star = q;
  }
  AcceptedCodings out;
  out.gzip_q_milli = gzip.value_or(star.value_or(0));
  out.brotli_q_milli = brotli.value_or(star.value_or(0));
  return out;
}

ContentCoding AcceptedCodings::Choose(bool gzip_available, bool brotli_available) const {
  const int br = brotli_available ? brotli_q_milli : 0;
  const int gz = gzip_available ? gzip_q_milli : 0;
  if (br > 0 && br >= gz) return ContentCoding::kBrotli;
  if (gz > 0) return ContentCoding::kGzip;
  return ContentCoding::kIdentity;
}

bool IsCompressibleType(std::string_view content_type) {
  const std::string_view type = content_type.substr(0, content_type.find(';'));
  if (type == "text/event-stream") return false;  // each event must reach the client as it is sent
  return type.starts_with("text/") || type == "application/json" || type == "application/manifest+json" ||
         type == "application/xml" || type == "image/svg+xml" || type == "text/javascript";
}

Result<std::string> Compress(ContentCoding coding, std::string_view input) {
  switch (coding) {
    case ContentCoding::kGzip: return Gzip(input);
    case ContentCoding::kBrotli: return Brotli(input);
    case ContentCoding::kIdentity: break;
  }
  return std::string(input);
}

}  // namespace shanliu::api::internal
