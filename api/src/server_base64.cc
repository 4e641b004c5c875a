#include <sodium.h>

#include "base64.h"

namespace shanliu::api::internal {

Result<Bytes> DecodeBase64(std::string_view text, std::size_t max_bytes) {
  if (text.size() / 4 * 3 > max_bytes + 2) {
    return Status::Error("too_large", "the base64 text decodes to more than " + std::to_string(max_bytes) + " bytes");
  }
  Bytes out(text.size() / 4 * 3 + 3);
  std::size_t length = 0;
  const char* end = nullptr;
  const int rc = sodium_base642bin(out.data(), out.size(), text.data(), text.size(), /*ignore=*/nullptr, &length,
                                   &end, sodium_base64_VARIANT_ORIGINAL);
  if (rc != 0 || end != text.data() + text.size()) {
    return Status::Error("invalid_base64", "not valid standard base64 (RFC 4648, with padding)");
  }
  if (length > max_bytes) {
    return Status::Error("too_large", "the base64 text decodes to more than " + std::to_string(max_bytes) + " bytes");
  }
  out.resize(length);
  return out;
}

std::string EncodeBase64(ByteView data) {
  std::string out(sodium_base64_ENCODED_LEN(data.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), data.data(), data.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL sodium writes
  return out;
}

}  // namespace shanliu::api::internal
