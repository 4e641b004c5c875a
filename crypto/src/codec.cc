#include "shanliu/crypto/codec.h"

#include <sodium.h>

namespace shanliu::crypto {
namespace {

constexpr char kBase32Alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";

int Base32Value(char c) {
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= '2' && c <= '7') return c - '2' + 26;
  return -1;
}

}  // namespace

std::string ToHex(ByteView data) {
  std::string out(data.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), data.data(), data.size());
  out.pop_back();
  return out;
}

Result<Bytes> FromHex(std::string_view text) {
  // Empty text is zero bytes. It must not reach libsodium: an empty vector's data() and an empty
  // view's data() may be null, and sodium_hex2bin declares both non-null (UB; found by fuzzing).
  if (text.empty()) return Bytes{};
  if (text.size() % 2 != 0) return Status::Error("invalid_hex", "hex text has an odd number of digits");
  Bytes out(text.size() / 2);
  size_t written = 0;
  const char* end = nullptr;
  if (sodium_hex2bin(out.data(), out.size(), text.data(), text.size(), nullptr, &written, &end) != 0 ||
      written != out.size() || end != text.data() + text.size()) {
    return Status::Error("invalid_hex", "text is not hexadecimal");
  }
  return out;
}

Result<Hash256> Hash256FromHex(std::string_view text) {
  if (text.size() != 64) return Status::Error("invalid_hex", "expected 64 hex digits (32 bytes)");
  auto bytes = FromHex(text);
  if (!bytes.ok()) return bytes.status();
  Hash256 out;
  std::copy(bytes->begin(), bytes->end(), out.begin());
  return out;
}

std::string ToBase32(ByteView data) {
  std::string out;
  out.reserve((data.size() * 8 + 4) / 5);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (std::uint8_t byte : data) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out.push_back(kBase32Alphabet[(buffer >> (bits - 5)) & 31]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(kBase32Alphabet[(buffer << (5 - bits)) & 31]);
  return out;
}

Result<Bytes> FromBase32(std::string_view text) {
  // Unpadded lengths mod 8 that RFC 4648 can produce: 0, 2, 4, 5, 7.
  switch (text.size() % 8) {
    case 1: case 3: case 6:
      return Status::Error("invalid_base32", "base32 text has an impossible length");
    default: break;
  }
  Bytes out;
  out.reserve(text.size() * 5 / 8);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    int v = Base32Value(c);
    if (v < 0) return Status::Error("invalid_base32", "text contains a character outside the base32 alphabet");
    buffer = (buffer << 5) | static_cast<std::uint32_t>(v);
    bits += 5;
    if (bits >= 8) {
      out.push_back(static_cast<std::uint8_t>(buffer >> (bits - 8)));
      bits -= 8;
    }
    buffer &= (1u << bits) - 1;
  }
  if (buffer != 0) return Status::Error("invalid_base32", "base32 text has non-zero trailing bits");
  return out;
}

namespace {

std::string ToBase64Variant(ByteView data, int variant) {
  std::string out(sodium_base64_ENCODED_LEN(data.size(), variant), '\0');
  sodium_bin2base64(out.data(), out.size(), data.data(), data.size(), variant);
  out.resize(out.size() - 1);  // the terminating NUL sodium writes
  return out;
}

Result<Bytes> FromBase64Variant(std::string_view text, int variant, const char* what) {
  Bytes out(text.size() / 4 * 3 + 3);
  std::size_t length = 0;
  const char* end = nullptr;
  const int rc = sodium_base642bin(out.data(), out.size(), text.data(), text.size(), /*ignore=*/nullptr, &length,
                                   &end, variant);
  if (rc != 0 || end != text.data() + text.size()) return Status::Error("malformed", what);
  out.resize(length);
  return out;
}

}  // namespace

std::string ToBase64(ByteView data) { return ToBase64Variant(data, sodium_base64_VARIANT_ORIGINAL); }

Result<Bytes> FromBase64(std::string_view text) {
  return FromBase64Variant(text, sodium_base64_VARIANT_ORIGINAL, "not standard padded base64 (RFC 4648 section 4)");
}

std::string ToBase64Url(ByteView data) { return ToBase64Variant(data, sodium_base64_VARIANT_URLSAFE_NO_PADDING); }

Result<Bytes> FromBase64Url(std::string_view text) {
  return FromBase64Variant(text, sodium_base64_VARIANT_URLSAFE_NO_PADDING,
                           "not base64url without padding (RFC 4648 section 5)");
}

}  // namespace shanliu::crypto
