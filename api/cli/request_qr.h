// What the holder-request commands (redeem, volunteer) share: a request link printed as a QR
// code a phone can scan off the terminal (and optionally an SVG file), a holder key argument, and
// the check that the organisation's key file really is a key of that organisation.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "shanliu/crypto/keys.h"
#include "shanliu/status.h"

namespace shanliu::cli { class NodeClient; }

namespace shanliu::cli {

// Prints the QR code of `link` on standard output; also writes it to `svg_path` (titled `title`).
Status PrintRequestQr(const std::string& link, const std::optional<std::string>& svg_path, const std::string& title);

// A wallet's public key from 64 hex digits; a "usage" error otherwise.
Result<crypto::PublicKey> ParseHolderKey(const std::string& text);

// The organisation's side of a holder request, checked against the ledger before anything is
// signed, so a wrong key file fails at the counter and not after the resident signed: `org_id` is
// an active organisation of one of `kinds` (else "wrong_kind" with `not_kind_message`, or
// "suspended" naming it as `noun`) and `key` is one of its keys ("wrong_signer").
Status CheckOrgSigningKey(const NodeClient& node, const std::string& org_id, const crypto::PublicKey& key,
                          std::initializer_list<std::string_view> kinds, const std::string& not_kind_message,
                          const std::string& noun);

}  // namespace shanliu::cli
