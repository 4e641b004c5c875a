#include "shanliu/bytes.h"

#include <cassert>

namespace shanliu {

void AppendU8(Bytes& out, std::uint8_t v) { out.push_back(v); }

void AppendU16(Bytes& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}

void AppendU32(Bytes& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}

void AppendU64(Bytes& out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}

void AppendRaw(Bytes& out, ByteView v) { out.insert(out.end(), v.begin(), v.end()); }

void AppendStr(Bytes& out, std::string_view s) {
  assert(s.size() <= 0xFFFF);
  AppendU16(out, static_cast<std::uint16_t>(s.size()));
  AppendRaw(out, AsBytes(s));
}

std::uint64_t ReadU64(ByteView in) {
  assert(in.size() >= 8);
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | in[i];
  return v;
}

}  // namespace shanliu
