// Text codecs: lowercase hex, lowercase RFC 4648 base32 without padding (receipt codes), and
// base64 in its two RFC 4648 alphabets, all strict: every byte string has one encoding.
#pragma once

#include "shanliu/bytes.h"
#include "shanliu/status.h"

namespace shanliu::crypto {

std::string ToHex(ByteView data);
// Accepts upper- or lowercase; rejects odd length and non-hex characters.
Result<Bytes> FromHex(std::string_view text);
// Parses exactly 32 bytes of hex (a hash or a key).
Result<Hash256> Hash256FromHex(std::string_view text);

std::string ToBase32(ByteView data);
// Accepts upper- or lowercase, no padding; rejects characters outside the alphabet,
// impossible lengths and non-zero trailing bits (so every byte string has one encoding).
Result<Bytes> FromBase32(std::string_view text);

// RFC 4648 section 4 base64 with padding (signing requests, saved envelopes).
std::string ToBase64(ByteView data);
// Rejects missing padding, whitespace, characters outside the alphabet and non-zero trailing
// bits (libsodium's decoder). Error: "malformed".
Result<Bytes> FromBase64(std::string_view text);

// RFC 4648 section 5 base64url without padding (redemption requests in URLs and QR codes).
std::string ToBase64Url(ByteView data);
// Rejects padding, whitespace, characters outside the alphabet and non-zero trailing bits
// (libsodium's decoder), so every byte string has one encoding. Error: "malformed".
Result<Bytes> FromBase64Url(std::string_view text);

}  // namespace shanliu::crypto
