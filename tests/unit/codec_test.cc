// Hex and RFC 4648 base32 codecs (DESIGN 6: receipt codes), and the big-endian Append* helpers
// every outside-verifiable byte layout is built from (DESIGN 6.1).
#include <doctest/doctest.h>

#include <limits>
#include <random>
#include <string>

#include "shanliu/bytes.h"
#include "shanliu/crypto/codec.h"

namespace shanliu::crypto {
namespace {

Bytes RandomBytes(std::mt19937_64& rng, std::size_t n) {
  Bytes b(n);
  for (auto& x : b) x = static_cast<std::uint8_t>(rng());
  return b;
}

bool IsLowerHex(const std::string& s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string Upper(std::string s) {
  for (char& c : s) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return s;
}

TEST_CASE("hex round trips random byte strings of length 0..100") {
  std::mt19937_64 rng(20240601);
  for (int round = 0; round < 500; ++round) {
    const std::size_t n = rng() % 101;
    const Bytes data = RandomBytes(rng, n);
    const std::string text = ToHex(data);
    REQUIRE(text.size() == 2 * n);
    CHECK(IsLowerHex(text));
    auto back = FromHex(text);
    REQUIRE(back.ok());
    CHECK(*back == data);
    auto upper = FromHex(Upper(text));  // uppercase is accepted too
    REQUIRE(upper.ok());
    CHECK(*upper == data);
  }
}

TEST_CASE("hex known values") {
  CHECK(ToHex(Bytes{}) == "");
  CHECK(ToHex(Bytes{0x00, 0x01, 0x7f, 0x80, 0xab, 0xff}) == "00017f80abff");
  auto b = FromHex("00017F80aBfF");
  REQUIRE(b.ok());
  CHECK(*b == Bytes{0x00, 0x01, 0x7f, 0x80, 0xab, 0xff});
  auto empty = FromHex("");
  REQUIRE(empty.ok());
  CHECK(empty->empty());
  // A default view has a null data(): it must not reach libsodium, whose hex2bin declares its
  // pointers non-null (UBSan in the receipt_code fuzz target; tests/fuzz/regressions).
  auto null_view = FromHex(std::string_view());
  REQUIRE(null_view.ok());
  CHECK(null_view->empty());
}

TEST_CASE("hex rejects odd length and non-hex characters") {
  for (std::string_view bad : {"0", "abc", "12345"}) {
    auto r = FromHex(bad);
    CHECK_FALSE(r.ok());
    CHECK(r.status().code() == "invalid_hex");
  }
  // One bad character at every position of an otherwise valid string.
  const std::string good = "0123456789abcdef";
  for (std::size_t pos = 0; pos < good.size(); ++pos) {
    for (char c : {'g', 'G', 'z', ' ', ':', '-', 'x', '\n', '\0', '/', '@', '`', '\xff'}) {
      std::string bad = good;
      bad[pos] = c;
      auto r = FromHex(bad);
      CHECK_MESSAGE(!r.ok(), "accepted hex with bad char at ", pos);
      if (!r.ok()) CHECK(r.status().code() == "invalid_hex");
    }
  }
  CHECK_FALSE(FromHex("0x00").ok());
  CHECK_FALSE(FromHex(" 00 ").ok());
}

TEST_CASE("Hash256FromHex requires exactly 64 hex digits") {
  const std::string h64(64, 'a');
  auto ok = Hash256FromHex(h64);
  REQUIRE(ok.ok());
  for (auto x : *ok) CHECK(x == 0xaa);
  const std::string mixed = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
  auto m = Hash256FromHex(mixed);
  REQUIRE(m.ok());
  for (int i = 0; i < 32; ++i) CHECK((*m)[i] == i);
  for (std::size_t len : {0u, 2u, 62u, 63u, 65u, 66u, 128u}) {
    auto r = Hash256FromHex(std::string(len, 'a'));
    CHECK_MESSAGE(!r.ok(), "accepted length ", len);
  }
  std::string bad = h64;
  bad[63] = 'g';
  CHECK_FALSE(Hash256FromHex(bad).ok());
}

TEST_CASE("base32 RFC 4648 section 10 test vectors, lowercase and unpadded") {
  const std::pair<std::string_view, std::string_view> vectors[] = {
      {"", ""},           {"f", "my"},          {"fo", "mzxq"},          {"foo", "mzxw6"},
      {"foob", "mzxw6yq"}, {"fooba", "mzxw6ytb"}, {"foobar", "mzxw6ytboi"},
  };
  for (const auto& [plain, encoded] : vectors) {
    CAPTURE(plain);
    CHECK(ToBase32(AsBytes(plain)) == encoded);
    auto back = FromBase32(encoded);
    REQUIRE(back.ok());
    CHECK(ToString(*back) == plain);
    auto upper = FromBase32(Upper(std::string(encoded)));  // the RFC's own (uppercase) spelling decodes too
    REQUIRE(upper.ok());
    CHECK(ToString(*upper) == plain);
  }
}

TEST_CASE("base32 round trips random byte strings of length 0..100") {
  std::mt19937_64 rng(77);
  for (int round = 0; round < 500; ++round) {
    const std::size_t n = rng() % 101;
    const Bytes data = RandomBytes(rng, n);
    const std::string text = ToBase32(data);
    CHECK(text.size() == (n * 8 + 4) / 5);
    for (char c : text) CHECK(((c >= 'a' && c <= 'z') || (c >= '2' && c <= '7')));
    auto back = FromBase32(text);
    REQUIRE(back.ok());
    CHECK(*back == data);
  }
  // A 32-byte tx id becomes a 52-character receipt code.
  CHECK(ToBase32(Bytes(32, 0xff)).size() == 52);
}

TEST_CASE("base32 rejects characters outside the alphabet") {
  const std::string good = "mzxw6ytb";  // "fooba"
  for (std::size_t pos = 0; pos < good.size(); ++pos) {
    for (char c : {'0', '1', '8', '9', '=', ' ', '-', '_', '+', '/', '\0', '\xc3', '@', '[', '`', '{'}) {
      std::string bad = good;
      bad[pos] = c;
      auto r = FromBase32(bad);
      CHECK_MESSAGE(!r.ok(), "accepted base32 with ", int(static_cast<unsigned char>(c)), " at ", pos);
      if (!r.ok()) CHECK(r.status().code() == "invalid_base32");
    }
  }
  CHECK_FALSE(FromBase32("my======").ok());  // padding is not accepted
  CHECK_FALSE(FromBase32("my==").ok());
}

TEST_CASE("base32 rejects impossible lengths (1, 3, 6 mod 8)") {
  for (std::size_t len = 0; len <= 41; ++len) {
    const std::string text(len, 'a');  // all-zero bits: only the length can be wrong
    auto r = FromBase32(text);
    const std::size_t mod = len % 8;
    if (mod == 1 || mod == 3 || mod == 6) {
      CHECK_MESSAGE(!r.ok(), "accepted impossible length ", len);
      if (!r.ok()) CHECK(r.status().code() == "invalid_base32");
    } else {
      REQUIRE_MESSAGE(r.ok(), "rejected possible length ", len);
      CHECK(r->size() == len * 5 / 8);
      for (auto b : *r) CHECK(b == 0);
    }
  }
}

TEST_CASE("base32 rejects non-zero trailing bits: every byte string has exactly one encoding") {
  // Lengths mod 8 of 2, 4, 5, 7 leave 2, 4, 1, 3 unused bits in the last character.
  const std::pair<std::string_view, int> cases[] = {{"my", 2}, {"mzxq", 4}, {"mzxw6", 1}, {"mzxw6yq", 3}};
  for (const auto& [text, unused] : cases) {
    CAPTURE(text);
    REQUIRE(FromBase32(text).ok());
    const int last = static_cast<int>(std::string_view("abcdefghijklmnopqrstuvwxyz234567").find(text.back()));
    for (int v = 0; v < 32; ++v) {
      std::string t(text);
      t.back() = "abcdefghijklmnopqrstuvwxyz234567"[v];
      const bool same_data_bits = (v >> unused) == (last >> unused);
      auto r = FromBase32(t);
      if (v == last) {
        CHECK(r.ok());
      } else if (same_data_bits) {
        CHECK_MESSAGE(!r.ok(), "accepted non-canonical trailing bits: ", t);
      }
      if (r.ok()) CHECK(ToBase32(*r) == t);  // whatever decodes re-encodes to the same text
    }
  }
  // Canonicality over all 2-character strings: decoding succeeds iff the text is the encoding.
  const std::string_view alphabet = "abcdefghijklmnopqrstuvwxyz234567";
  int accepted = 0;
  for (char a : alphabet) {
    for (char b : alphabet) {
      const std::string t{a, b};
      auto r = FromBase32(t);
      if (r.ok()) {
        ++accepted;
        REQUIRE(r->size() == 1);
        CHECK(ToBase32(*r) == t);
      }
    }
  }
  CHECK(accepted == 256);  // exactly one text per byte value
}

TEST_CASE("Append helpers are big-endian and fixed width") {
  Bytes out;
  AppendU8(out, 0xab);
  CHECK(out == Bytes{0xab});
  out.clear();
  AppendU16(out, 0x0102);
  CHECK(out == Bytes{0x01, 0x02});
  out.clear();
  AppendU16(out, 0);
  CHECK(out == Bytes{0x00, 0x00});
  out.clear();
  AppendU32(out, 0x01020304u);
  CHECK(out == Bytes{0x01, 0x02, 0x03, 0x04});
  out.clear();
  AppendU32(out, 0xfffffffeu);
  CHECK(out == Bytes{0xff, 0xff, 0xff, 0xfe});
  out.clear();
  AppendU64(out, 0x0102030405060708ull);
  CHECK(out == Bytes{0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08});
  out.clear();
  AppendU64(out, 1);
  CHECK(out == Bytes{0, 0, 0, 0, 0, 0, 0, 1});
  out.clear();
  AppendU64(out, std::numeric_limits<std::uint64_t>::max());
  CHECK(out == Bytes(8, 0xff));
  out.clear();
  AppendStr(out, "ab");
  CHECK(out == Bytes{0x00, 0x02, 'a', 'b'});
  out.clear();
  AppendStr(out, "");
  CHECK(out == Bytes{0x00, 0x00});
  out.clear();
  const std::string s300(300, 'x');
  AppendStr(out, s300);
  REQUIRE(out.size() == 302);
  CHECK(out[0] == 0x01);
  CHECK(out[1] == 0x2c);
  out.clear();
  AppendStr(out, "善流");  // UTF-8 bytes, length counts bytes
  REQUIRE(out.size() == 2 + 6);
  CHECK(out[1] == 6);
  // Appends accumulate.
  out = Bytes{0x99};
  AppendRaw(out, Bytes{0x01, 0x02});
  AppendU16(out, 0xbeef);
  CHECK(out == Bytes{0x99, 0x01, 0x02, 0xbe, 0xef});
}

TEST_CASE("ReadU64 inverts AppendU64") {
  std::mt19937_64 rng(5);
  for (int i = 0; i < 1000; ++i) {
    const std::uint64_t v = rng() >> (rng() % 64);
    Bytes b;
    AppendU64(b, v);
    CHECK(ReadU64(b) == v);
  }
  CHECK(ReadU64(Bytes{0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0xff}) == 0x0102030405060708ull);
}

TEST_CASE("standard base64 is padded and has one encoding per byte string") {
  const Bytes data = {0xfb, 0xff, 0x00, 0x7e};
  CHECK(ToBase64(data) == "+/8Afg==");
  CHECK(*FromBase64("+/8Afg==") == data);
  CHECK(FromBase64("+/8Afg").status().code() == "malformed");    // padding is required
  CHECK(FromBase64("+/8Afh==").status().code() == "malformed");  // non-zero trailing bits
  CHECK(FromBase64("-_8Afg==").status().code() == "malformed");  // the URL alphabet
  CHECK(FromBase64("+/8A fg==").status().code() == "malformed"); // whitespace
  CHECK(FromBase64("").value().empty());
  for (std::size_t n = 0; n < 8; ++n) {
    Bytes b(n, static_cast<std::uint8_t>(0xa5 + n));
    CHECK(*FromBase64(ToBase64(b)) == b);
    CHECK(*FromBase64Url(ToBase64Url(b)) == b);
  }
}

}  // namespace
}  // namespace shanliu::crypto
