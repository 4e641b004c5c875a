// Accept-Encoding negotiation and the gzip/brotli compressors: RFC 9110 qvalues at their
// boundaries, hostile headers, and round trips through the libraries' own decoders.
#include <doctest/doctest.h>

#include <brotli/decode.h>
#include <zlib.h>

#include <random>
#include <string>

#include "../../api/src/content_coding.h"

namespace shanliu::api::internal {
namespace {

std::string Gunzip(const std::string& data) {
  z_stream z{};
  REQUIRE(inflateInit2(&z, 15 + 16) == Z_OK);
  std::string out(64 << 20, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = inflate(&z, Z_FINISH);
  out.resize(z.total_out);
  inflateEnd(&z);
  REQUIRE(rc == Z_STREAM_END);
  return out;
}

std::string Unbrotli(const std::string& data) {
  std::string out(64 << 20, '\0');
  std::size_t size = out.size();
  REQUIRE(BrotliDecoderDecompress(data.size(), reinterpret_cast<const std::uint8_t*>(data.data()), &size,
                                  reinterpret_cast<std::uint8_t*>(out.data())) == BROTLI_DECODER_RESULT_SUCCESS);
  out.resize(size);
  return out;
}

ContentCoding Pick(std::string_view header) { return AcceptedCodings::Parse(header).Choose(true, true); }

TEST_CASE("Accept-Encoding picks brotli then gzip by qvalue and identity when nothing is acceptable") {
  CHECK(Pick("") == ContentCoding::kIdentity);  // no preference: nothing is forced on the client
  CHECK(Pick("gzip") == ContentCoding::kGzip);
  CHECK(Pick("br") == ContentCoding::kBrotli);
  CHECK(Pick("gzip, deflate, br, zstd") == ContentCoding::kBrotli);  // what Chromium sends
  CHECK(Pick("br;q=0.5, gzip;q=0.8") == ContentCoding::kGzip);
  CHECK(Pick("br;q=0.8, gzip;q=0.8") == ContentCoding::kBrotli);  // ties go to the smaller coding
  CHECK(Pick("GZIP") == ContentCoding::kGzip);
  CHECK(Pick("x-gzip") == ContentCoding::kGzip);
  CHECK(Pick("identity") == ContentCoding::kIdentity);
  CHECK(Pick("identity;q=0") == ContentCoding::kIdentity);  // identity is still sent, not a 406
  CHECK(Pick("deflate, compress") == ContentCoding::kIdentity);
  CHECK(Pick("*") == ContentCoding::kBrotli);
  CHECK(Pick("*;q=0, gzip") == ContentCoding::kGzip);
  CHECK(Pick("br;q=0, *") == ContentCoding::kGzip);
  CHECK(Pick("gzip;q=0") == ContentCoding::kIdentity);
  CHECK(Pick("gzip;Q=0") == ContentCoding::kIdentity);
  CHECK(Pick("br;q=0, gzip") == ContentCoding::kGzip);  // gzip has no parameters of its own
  CHECK(Pick("gzip;level=9;q=0.5, br;q=0.4") == ContentCoding::kGzip);
  CHECK(Pick(" ,, gzip ,") == ContentCoding::kGzip);  // empty list elements are allowed
}

TEST_CASE("qvalues at the RFC 9110 boundaries") {
  CHECK(AcceptedCodings::Parse("gzip;q=1").gzip_q_milli == 1000);
  CHECK(AcceptedCodings::Parse("gzip;q=1.000").gzip_q_milli == 1000);
  CHECK(AcceptedCodings::Parse("gzip;q=0.001").gzip_q_milli == 1);
  CHECK(AcceptedCodings::Parse("gzip;q=0.999").gzip_q_milli == 999);
  CHECK(AcceptedCodings::Parse("gzip;q=0.5").gzip_q_milli == 500);
  CHECK(AcceptedCodings::Parse("gzip;q=0.").gzip_q_milli == 0);
  // Not qvalues: the element becomes unacceptable rather than guessed at.
  for (const char* bad : {"gzip;q=1.001", "gzip;q=2", "gzip;q=0.0001", "gzip;q=-1", "gzip;q=abc", "gzip;q=",
                          "gzip;q=.5", "gzip;q=1.5"}) {
    INFO(bad);
    CHECK(AcceptedCodings::Parse(bad).gzip_q_milli == 0);
    CHECK(Pick(bad) == ContentCoding::kIdentity);
  }
}

TEST_CASE("malformed and hostile Accept-Encoding headers only narrow the choice") {
  // Beast's list parser stops at the first syntax error: what came before still counts.
  CHECK(Pick("gzip, @@@, br") == ContentCoding::kGzip);
  CHECK(Pick("@@@, gzip") == ContentCoding::kIdentity);
  CHECK(Pick("\"gzip\"") == ContentCoding::kIdentity);
  CHECK(Pick(std::string("gz\0ip", 5)) == ContentCoding::kIdentity);
  // A later duplicate cannot upgrade a refused coding.
  CHECK(Pick("gzip;q=0, gzip;q=1") == ContentCoding::kIdentity);
  CHECK(Pick(std::string(100'000, ',') + "br") == ContentCoding::kBrotli);
  std::string many;
  for (int i = 0; i < 5000; ++i) many += "x" + std::to_string(i) + ";q=0.5;a=b, ";
  CHECK(Pick(many) == ContentCoding::kIdentity);
  CHECK(Pick(many + "gzip") == ContentCoding::kGzip);
}

TEST_CASE("Choose respects which codings are available") {
  const auto both = AcceptedCodings::Parse("gzip, br");
  CHECK(both.Choose(true, false) == ContentCoding::kGzip);
  CHECK(both.Choose(false, true) == ContentCoding::kBrotli);
  CHECK(both.Choose(false, false) == ContentCoding::kIdentity);
  CHECK(AcceptedCodings::Parse("br").Choose(true, false) == ContentCoding::kIdentity);
}

TEST_CASE("gzip and brotli round-trip through the libraries' decoders") {
  std::mt19937 rng(42);
  std::string random_bytes(200'000, '\0');
  for (char& c : random_bytes) c = static_cast<char>(rng());
  std::string json;
  for (int i = 0; i < 5000; ++i) json += R"({"amount_fen":)" + std::to_string(i) + R"(,"name_zh":"善流"},)";
  for (const std::string& input : {std::string(), std::string("x"), random_bytes, json}) {
    auto gz = Compress(ContentCoding::kGzip, input);
    REQUIRE(gz.ok());
    CHECK(Gunzip(*gz) == input);
    auto br = Compress(ContentCoding::kBrotli, input);
    REQUIRE(br.ok());
    CHECK(Unbrotli(*br) == input);
    auto id = Compress(ContentCoding::kIdentity, input);
    REQUIRE(id.ok());
    CHECK(*id == input);
  }
  CHECK(Compress(ContentCoding::kBrotli, json)->size() * 10 < json.size());
}

TEST_CASE("only text types are compressible") {
  CHECK(IsCompressibleType("application/json"));
  CHECK(IsCompressibleType("text/javascript; charset=utf-8"));
  CHECK(IsCompressibleType("text/html; charset=utf-8"));
  CHECK(IsCompressibleType("image/svg+xml"));
  CHECK_FALSE(IsCompressibleType("image/png"));
  CHECK_FALSE(IsCompressibleType("font/woff2"));
  CHECK_FALSE(IsCompressibleType("text/event-stream; charset=utf-8"));  // must flush event by event
  CHECK_FALSE(IsCompressibleType("application/octet-stream"));
  CHECK(CodingName(ContentCoding::kBrotli) == "br");
  CHECK(CodingFileSuffix(ContentCoding::kGzip) == ".gz");
}

}  // namespace
}  // namespace shanliu::api::internal
