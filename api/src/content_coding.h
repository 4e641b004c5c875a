// HTTP content codings (RFC 9110 section 8.4 and 12.5.3) for the explorer's files and large
// JSON responses: which coding a client accepts, and compression with zlib (gzip) and brotli.
// Nothing here hand-writes a compressor; the Accept-Encoding list is parsed by Beast.
#pragma once

#include <string>
#include <string_view>

#include "shanliu/status.h"

namespace shanliu::api::internal {

enum class ContentCoding { kIdentity, kGzip, kBrotli };

// "gzip", "br", or "identity".
std::string_view CodingName(ContentCoding coding);
// The suffix of a precompressed sibling file: ".gz", ".br" ("" for identity).
std::string_view CodingFileSuffix(ContentCoding coding);

// What one request's Accept-Encoding allows, as qvalues in thousandths (0 = not acceptable).
// No header means identity only: compression is never forced on a client that did not ask.
// A qvalue that is not RFC 9110 syntax ("q=2", "q=abc") makes its element unacceptable, and
// Beast's list parser ignores everything from the first syntax error on, so a hostile header
// can only narrow the choice, never widen it. Identity is always sent when nothing else fits,
// even after "identity;q=0": a readable 200 serves a browser better than a 406.
struct AcceptedCodings {
  int gzip_q_milli = 0;
  int brotli_q_milli = 0;

  static AcceptedCodings Parse(std::string_view accept_encoding);
  // The best acceptable coding among the available ones; brotli wins ties (it is smaller).
  ContentCoding Choose(bool gzip_available, bool brotli_available) const;
};

// Text types worth compressing (HTML, JS, CSS, JSON, SVG, plain text, XML).
bool IsCompressibleType(std::string_view content_type);

// Bodies shorter than this are sent as they are: the coding's framing would eat the gain.
inline constexpr std::size_t kMinCompressBytes = 1024;

// Compresses `input` for on-the-fly responses (gzip level 6, brotli quality 5: fast enough for
// a request path). Errors: "internal" if the library fails.
Result<std::string> Compress(ContentCoding coding, std::string_view input);

}  // namespace shanliu::api::internal
