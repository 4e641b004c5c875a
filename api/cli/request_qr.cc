#include "request_qr.h"

#include <algorithm>
#include <fstream>
#include <iostream>

#include "../src/receipt_qr.h"
#include "node_client.h"
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

Status CheckOrgSigningKey(const NodeClient& node, const std::string& org_id, const crypto::PublicKey& key,
                          std::initializer_list<std::string_view> kinds, const std::string& not_kind_message,
                          const std::string& noun) {
  auto answer = node.GetJson("/v1/orgs/" + org_id);
  if (!answer.ok()) return answer.status();
  const nlohmann::json org = answer->value("org", nlohmann::json::object());
  const std::string kind = org.is_object() ? org.value("kind", "") : "";
  if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end()) return Status::Error("wrong_kind", not_kind_message);
  if (org.value("status", "") != "active") {
    return Status::Error("suspended", noun + " '" + org_id + "' is not active on the ledger");
  }
  const std::string hex = crypto::ToHex(key);
  for (const nlohmann::json& k : org.value("public_keys", nlohmann::json::array())) {
    if (k.is_string() && k.get<std::string>() == hex) return Status::Ok();
  }
  return Status::Error("wrong_signer", "the key " + hex.substr(0, 16) + "... is not a key of '" + org_id + "'");
}

}  // namespace shanliu::cli
