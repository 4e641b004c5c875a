// Receipt QR codes rendered by the node (GET /v1/receipts/{code}/qr.svg) with libqrencode:
// error correction M, 8-bit mode, the smallest version that fits, a 4-module quiet zone, and
// the dark modules drawn as one SVG path of horizontal runs (crisp when printed).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "shanliu/status.h"

namespace shanliu::api::internal {

inline constexpr int kQrQuietZone = 4;
inline constexpr std::size_t kMaxQrTextBytes = 1'000;  // a receipt link is ~100 bytes

struct QrMatrix {
  int version = 0;  // 1..40, chosen by qrencode
  int width = 0;    // modules per side: 17 + 4 * version
  std::vector<std::uint8_t> dark;  // width * width, row-major, 1 = dark
  bool Dark(int x, int y) const { return dark[static_cast<std::size_t>(y) * width + x] != 0; }
};

// Errors: "invalid_argument" (empty or longer than kMaxQrTextBytes), "internal" (qrencode failed).
Result<QrMatrix> EncodeQr(std::string_view text);
// A standalone SVG document; `label` becomes its <title> and aria-label (escaped).
std::string QrSvg(const QrMatrix& qr, std::string_view label);

}  // namespace shanliu::api::internal
