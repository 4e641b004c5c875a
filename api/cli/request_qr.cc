#include "request_qr.h"

#include <algorithm>
#include <fstream>
#include <iostream>

#include "../src/receipt_qr.h"
#include "shanliu/crypto/codec.h"

namespace shanliu::cli {
namespace {

// Two rows of modules per line with half blocks, dark on light with the quiet zone, so a phone
// can scan it straight off a terminal.
std::string TerminalQr(const api::internal::QrMatrix& qr) {
  const int q = api::internal::kQrQuietZone;
  const int size = qr.width + 2 * q;
  auto dark = [&](int x, int y) {
    x -= q;
    y -= q;
    return x >= 0 && y >= 0 && x < qr.width && y < qr.width && qr.Dark(x, y);
  };
  std::string out;
  for (int y = 0; y < size; y += 2) {
    for (int x = 0; x < size; ++x) {
      const bool top = dark(x, y), bottom = dark(x, y + 1);
      out += top && bottom ? " " : top ? "\u2584" : bottom ? "\u2580" : "\u2588";
    }
    out += "\n";
  }
  return out;
}

}  // namespace

Status PrintRequestQr(const std::string& link, const std::optional<std::string>& svg_path, const std::string& title) {
  auto qr = api::internal::EncodeQr(link);
  if (!qr.ok()) return qr.status();
  if (svg_path) {
    std::ofstream out(*svg_path, std::ios::binary | std::ios::trunc);
    out << api::internal::QrSvg(*qr, title);
    if (!out) return Status::Error("io_error", "cannot write " + *svg_path);
    std::cout << "svg      " << *svg_path << "\n";
  }
  std::cout << TerminalQr(*qr);
  return Status::Ok();
}

Result<crypto::PublicKey> ParseHolderKey(const std::string& text) {
  auto bytes = crypto::Hash256FromHex(text);
  if (!bytes.ok()) return Status::Error("usage", "--holder needs the wallet's 64-hex-digit public key");
  crypto::PublicKey key;
  std::copy(bytes->begin(), bytes->end(), key.begin());
  return key;
}

}  // namespace shanliu::cli
