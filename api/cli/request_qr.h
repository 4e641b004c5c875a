// What the holder-request commands (redeem, volunteer) share: a request link printed as a QR
// code a phone can scan off the terminal (and optionally an SVG file), and a holder key argument.
#pragma once

#include <optional>
#include <string>

#include "shanliu/crypto/keys.h"
#include "shanliu/status.h"

namespace shanliu::cli {

// Prints the QR code of `link` on standard output; also writes it to `svg_path` (titled `title`).
Status PrintRequestQr(const std::string& link, const std::optional<std::string>& svg_path, const std::string& title);

// A wallet's public key from 64 hex digits; a "usage" error otherwise.
Result<crypto::PublicKey> ParseHolderKey(const std::string& text);

}  // namespace shanliu::cli
