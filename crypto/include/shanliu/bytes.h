// Byte containers shared by every module.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace shanliu {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;
using Hash256 = std::array<std::uint8_t, 32>;

inline ByteView AsBytes(std::string_view s) {
  return ByteView(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}
inline std::string_view AsChars(ByteView b) {
  return std::string_view(reinterpret_cast<const char*>(b.data()), b.size());
}
inline Bytes ToBytes(std::string_view s) { return Bytes(s.begin(), s.end()); }
inline std::string ToString(ByteView b) { return std::string(AsChars(b)); }

// Big-endian fixed-width encoding used by every byte layout outside verifiers rebuild (DESIGN 6.1).
void AppendU8(Bytes& out, std::uint8_t v);
void AppendU16(Bytes& out, std::uint16_t v);
void AppendU32(Bytes& out, std::uint32_t v);
void AppendU64(Bytes& out, std::uint64_t v);
void AppendRaw(Bytes& out, ByteView v);
// u16 length then UTF-8 bytes; the caller guarantees s.size() <= 65535 (asserted).
void AppendStr(Bytes& out, std::string_view s);
std::uint64_t ReadU64(ByteView in);  // in.size() must be >= 8 (asserted)

}  // namespace shanliu
