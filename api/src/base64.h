// Standard base64 (RFC 4648 section 4, with padding) through libsodium, for tx envelopes in JSON.
#pragma once

#include <string_view>

#include "shanliu/bytes.h"
#include "shanliu/status.h"

namespace shanliu::api::internal {

// Strict: padding required, no whitespace, nothing after the last group. Error "invalid_base64".
// Inputs decoding to more than `max_bytes` are refused ("too_large") before decoding.
Result<Bytes> DecodeBase64(std::string_view text, std::size_t max_bytes);
std::string EncodeBase64(ByteView data);

}  // namespace shanliu::api::internal
