// The offline DKG ceremony over files (frost_ceremony.h).
#include "shanliu/node/frost_ceremony.h"

#include <sodium.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/frost.h"
#include "shanliu/crypto/hash.h"
#include "shanliu/error_codes.h"

namespace shanliu::node {
namespace {

namespace fs = std::filesystem;
namespace frost = crypto::frost;
using nlohmann::json;

constexpr std::string_view kRound1Format = "shanliu-frost-dkg-round1-v1";
constexpr std::string_view kRound2Format = "shanliu-frost-dkg-round2-v1";
constexpr std::string_view kRound1Domain = "shanliu/frost-dkg/round1/v1";
constexpr std::size_t kMaxFileBytes = 64 * 1024;  // a round-1 package of 67 points is under 6 KiB

Status Malformed(const std::string& what) { return Status::Error(std::string(errc::kFrostMalformed), what); }

std::string V(std::size_t i) { return "v" + std::to_string(i); }

Bytes Context(const CeremonyParty& p) {
  const std::string text = "shanliu/frost-dkg/v1\n" + p.genesis.chain_id + "\n" + std::to_string(p.epoch);
  return Bytes(text.begin(), text.end());
}

Result<std::uint32_t> OwnIndex(const CeremonyParty& p) {
  const int index = p.genesis.ValidatorIndex(p.key.public_key);
  if (index < 0) return Status::Error("invalid_argument", "this key is not a genesis validator's");
  if (p.genesis.validators.size() < 2 || p.genesis.validators.size() > frost::kMaxParticipants) {
    return Status::Error(std::string(errc::kFrostBadThreshold), "the ceremony needs 2 to 100 validators");
  }
  return static_cast<std::uint32_t>(index);
}

frost::Identifier Id(std::uint32_t index) { return *frost::Identifier::FromIndex(static_cast<std::uint16_t>(index + 1)); }

// Reads a ceremony file: secret files must be private (ReadSecretFile); every file is JSON.
Result<json> ReadJson(const fs::path& path) {
  auto text = crypto::ReadSecretFile(path, kMaxFileBytes);
  if (!text.ok()) return text.status();
  json out = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  sodium_memzero(text->data(), text->size());
  if (out.is_discarded() || !out.is_object()) return Malformed(path.filename().string() + " is not a JSON object");
  return out;
}

template <typename Array>
Result<Array> Hex32(const json& j, const std::string& what) {
  if (!j.is_string()) return Malformed(what + " must be a hex string");
  auto h = crypto::Hash256FromHex(j.get<std::string>());
  if (!h.ok()) return Malformed(what + ": " + h.status().message());
  Array out{};
  std::copy(h->begin(), h->end(), out.begin());
  return out;
}

Result<std::vector<frost::Element>> Points(const json& j, std::size_t count, const std::string& what) {
  if (!j.is_array() || j.size() != count) return Malformed(what + " must be " + std::to_string(count) + " points");
  std::vector<frost::Element> out;
  for (const json& e : j) {
    auto p = Hex32<frost::Element>(e, what);
    if (!p.ok()) return p.status();
    out.push_back(*p);
  }
  return out;
}

json HexList(const std::vector<frost::Element>& points) {
  json out = json::array();
  for (const auto& p : points) out.push_back(crypto::ToHex(p));
  return out;
}

Bytes Round1SignedBytes(const CeremonyParty& p, std::uint32_t index, const frost::DkgRound1Package& package) {
  Bytes out = Context(p);
  AppendU32(out, index);
  for (const auto& e : package.commitment) AppendRaw(out, e);
  AppendRaw(out, package.proof_r);
  AppendRaw(out, package.proof_mu);
  return out;
}

// Every file is created exclusively with mode 0600; on a failure the ones written are removed,
// so a failed part leaves nothing behind.
Status WriteAll(const std::vector<std::pair<fs::path, std::string>>& files) {
  std::vector<fs::path> written;
  for (const auto& [path, text] : files) {
    if (Status s = crypto::WriteSecretFile(path, text); !s.ok()) {
      std::error_code ec;
      for (const fs::path& w : written) fs::remove(w, ec);
      return s;
    }
    written.push_back(path);
  }
  return Status::Ok();
}

Status CheckHeader(const json& j, std::string_view format, const CeremonyParty& p, const std::string& what) {
  if (j.value("format", "") != format || j.value("chain_id", "") != p.genesis.chain_id ||
      !j.contains("epoch") || !j["epoch"].is_number_unsigned() || j["epoch"].get<std::uint64_t>() != p.epoch) {
    return Malformed(what + " is not a " + std::string(format) + " file of this chain and epoch");
  }
  return Status::Ok();
}

// Every validator's round-1 package, its signature checked against the genesis key.
Result<std::map<std::uint32_t, frost::DkgRound1Package>> ReadRound1(const CeremonyParty& p) {
  const std::size_t n = p.genesis.validators.size();
  const std::size_t t = ledger::OriginThreshold(n);
  std::map<std::uint32_t, frost::DkgRound1Package> out;
  for (std::uint32_t i = 0; i < n; ++i) {
    const std::string name = "round1-" + V(i) + ".json";
    auto j = ReadJson(p.dir / name);
    if (!j.ok()) {
      if (j.status().code() == "io_error") {
        return Status::Error(std::string(errc::kFrostTooFewSigners), "missing " + name + ": " + j.status().message());
      }
      return j.status();
    }
    SHANLIU_RETURN_IF_ERROR(CheckHeader(*j, kRound1Format, p, name));
    if (j->value("validator_index", -1) != static_cast<int>(i)) return Malformed(name + " names another validator");
    frost::DkgRound1Package package;
    auto commitment = Points((*j)["commitment"], t, name + " commitment");
    auto r = Hex32<frost::Element>((*j)["proof_r"], name + " proof_r");
    auto mu = Hex32<frost::ScalarBytes>((*j)["proof_mu"], name + " proof_mu");
    if (!commitment.ok()) return commitment.status();
    if (!r.ok()) return r.status();
    if (!mu.ok()) return mu.status();
    package.commitment = *commitment;
    package.proof_r = *r;
    package.proof_mu = *mu;
    auto signature_hex = (*j)["signature"];
    auto signature = signature_hex.is_string() ? crypto::FromHex(signature_hex.get<std::string>()) : Result<Bytes>(Malformed(""));
    if (!signature.ok() || signature->size() != 64) return Malformed(name + " signature must be 64 bytes of hex");
    crypto::Signature s{};
    std::copy(signature->begin(), signature->end(), s.begin());
    if (!crypto::Verify(p.genesis.validators[i].public_key, kRound1Domain, Round1SignedBytes(p, i, package), s)) {
      return Status::Error(std::string(errc::kFrostBadProof),
                           "participant " + std::to_string(i + 1) + ": " + name + " is not signed by validator " +
                               std::to_string(i) + "'s key");
    }
    out.emplace(i, std::move(package));
  }
  return out;
}

std::string PackagesHash(const CeremonyParty& p, const std::map<std::uint32_t, frost::DkgRound1Package>& packages) {
  Bytes all;
  for (const auto& [i, package] : packages) AppendRaw(all, Round1SignedBytes(p, i, package));
  return crypto::ToHex(crypto::Sha256(all));
}

}  // namespace

namespace {

// Binds a sealed share to this key generation, its sender and its recipient, so a box cannot be
// replayed into another ceremony or passed on as meant for someone else.
Bytes ShareEnvelope(const CeremonyParty& p, std::uint32_t from, std::uint32_t to, const frost::ScalarBytes& share) {
  Bytes out;
  AppendRaw(out, crypto::Sha256(Context(p)));
  AppendU32(out, from);
  AppendU32(out, to);
  AppendRaw(out, share);
  return out;
}

std::string SecretPath(std::string_view round, std::uint32_t i) { return std::string(round) + "-" + V(i) + ".secret"; }

Result<frost::DkgRound1Secret> ReadRound1Secret(const CeremonyParty& p, std::uint32_t own) {
  auto j = ReadJson(p.dir / SecretPath("round1", own));
  if (!j.ok()) return j.status();
  const std::size_t n = p.genesis.validators.size();
  const std::size_t t = ledger::OriginThreshold(n);
  frost::DkgRound1Secret secret{Id(own), {}, {}, static_cast<std::uint16_t>(n), static_cast<std::uint16_t>(t), Context(p)};
  auto commitment = Points((*j)["commitment"], t, "round-1 secret commitment");
  if (!commitment.ok()) return commitment.status();
  secret.commitment = *commitment;
  if (!(*j)["coefficients"].is_array() || (*j)["coefficients"].size() != t) return Malformed("round-1 secret coefficients");
  for (const json& c : (*j)["coefficients"]) {
    auto bytes = Hex32<frost::ScalarBytes>(c, "a coefficient");
    if (!bytes.ok()) return bytes.status();
    auto scalar = frost::SecretScalar::Parse(*bytes);
    sodium_memzero(bytes->data(), bytes->size());
    if (!scalar.ok()) return scalar.status();
    secret.coefficients.push_back(*scalar);
  }
  return secret;
}

}  // namespace

Status DkgCeremonyPart1(const CeremonyParty& p) {
  auto own = OwnIndex(p);
  if (!own.ok()) return own.status();
  const std::size_t n = p.genesis.validators.size();
  auto part = frost::DkgPart1(Id(*own), static_cast<std::uint16_t>(n), ledger::OriginThreshold(n), Context(p));
  if (!part.ok()) return part.status();
  const auto& [secret, package] = *part;
  json pub = {{"format", kRound1Format}, {"chain_id", p.genesis.chain_id}, {"epoch", p.epoch},
              {"validator_index", *own}, {"commitment", HexList(package.commitment)},
              {"proof_r", crypto::ToHex(package.proof_r)}, {"proof_mu", crypto::ToHex(package.proof_mu)}};
  pub["signature"] = crypto::ToHex(crypto::Sign(p.key.secret_key, kRound1Domain, Round1SignedBytes(p, *own, package)));
  json coefficients = json::array();
  for (const auto& c : secret.coefficients) coefficients.push_back(crypto::ToHex(c.bytes()));
  std::string secret_text = json{{"commitment", HexList(secret.commitment)}, {"coefficients", coefficients}}.dump() + "\n";
  Status s = WriteAll({{p.dir / ("round1-" + V(*own) + ".json"), pub.dump(2) + "\n"},
                       {p.dir / SecretPath("round1", *own), secret_text}});
  sodium_memzero(secret_text.data(), secret_text.size());
  return s;
}

Result<std::string> DkgCeremonyPart2(const CeremonyParty& p) {
  auto own = OwnIndex(p);
  if (!own.ok()) return own.status();
  auto packages = ReadRound1(p);
  if (!packages.ok()) return packages.status();
  auto secret = ReadRound1Secret(p, *own);
  if (!secret.ok()) return secret.status();
  if (packages->at(*own).commitment != secret->commitment) {
    return Malformed("round1-" + V(*own) + ".json is not this validator's own package (its secret differs)");
  }
  std::map<frost::Identifier, frost::DkgRound1Package> received;
  for (const auto& [i, package] : *packages) {
    if (i != *own) received.emplace(Id(i), package);
  }
  auto part = frost::DkgPart2(*secret, received);
  if (!part.ok()) return part.status();
  std::vector<std::pair<fs::path, std::string>> files;
  for (std::uint32_t j = 0; j < p.genesis.validators.size(); ++j) {
    if (j == *own) continue;
    Bytes envelope = ShareEnvelope(p, *own, j, part->second.at(Id(j)).share.bytes());
    auto sealed = crypto::SealToEd25519(p.genesis.validators[j].public_key, envelope);
    sodium_memzero(envelope.data(), envelope.size());
    if (!sealed.ok()) return sealed.status();
    json box = {{"format", kRound2Format}, {"chain_id", p.genesis.chain_id}, {"epoch", p.epoch},
                {"from", *own}, {"to", j}, {"sealed", crypto::ToBase64(*sealed)}};
    files.emplace_back(p.dir / ("round2-" + V(*own) + "-to-" + V(j) + ".json"), box.dump(2) + "\n");
  }
  // Part 3 needs this validator's own share and the checked commitments.
  json commitments = json::object();
  for (const auto& [i, package] : *packages) commitments[std::to_string(i)] = HexList(part->first.commitments.at(Id(i)));
  std::string secret_text =
      json{{"own_share", crypto::ToHex(part->first.own_share.bytes())}, {"commitments", commitments}}.dump() + "\n";
  files.emplace_back(p.dir / SecretPath("round2", *own), secret_text);
  Status s = WriteAll(files);
  sodium_memzero(secret_text.data(), secret_text.size());
  sodium_memzero(files.back().second.data(), files.back().second.size());
  if (!s.ok()) return s;
  return PackagesHash(p, *packages);
}

namespace {

Result<frost::DkgRound2Secret> ReadRound2Secret(const CeremonyParty& p, std::uint32_t own) {
  auto j = ReadJson(p.dir / SecretPath("round2", own));
  if (!j.ok()) return j.status();
  const std::size_t n = p.genesis.validators.size();
  const std::size_t t = ledger::OriginThreshold(n);
  auto share = Hex32<frost::ScalarBytes>((*j)["own_share"], "round-2 secret own_share");
  if (!share.ok()) return share.status();
  auto own_share = frost::SecretScalar::Parse(*share);
  sodium_memzero(share->data(), share->size());
  if (!own_share.ok()) return own_share.status();
  frost::DkgRound2Secret secret{Id(own), {}, *own_share, static_cast<std::uint16_t>(n), static_cast<std::uint16_t>(t)};
  const json& commitments = (*j)["commitments"];
  if (!commitments.is_object() || commitments.size() != n) return Malformed("round-2 secret commitments");
  for (std::uint32_t i = 0; i < n; ++i) {
    if (!commitments.contains(std::to_string(i))) return Malformed("round-2 secret lacks validator " + std::to_string(i));
    auto points = Points(commitments[std::to_string(i)], t, "round-2 secret commitment");
    if (!points.ok()) return points.status();
    secret.commitments.emplace(Id(i), *points);
  }
  return secret;
}

// The share validator `from` sealed to this one, opened and checked against its envelope.
Result<frost::DkgRound2Package> OpenShare(const CeremonyParty& p, std::uint32_t from, std::uint32_t own) {
  const std::string name = "round2-" + V(from) + "-to-" + V(own) + ".json";
  auto j = ReadJson(p.dir / name);
  if (!j.ok()) {
    if (j.status().code() == "io_error") {
      return Status::Error(std::string(errc::kFrostTooFewSigners), "missing " + name + ": " + j.status().message());
    }
    return j.status();
  }
  SHANLIU_RETURN_IF_ERROR(CheckHeader(*j, kRound2Format, p, name));
  if (j->value("from", -1) != static_cast<int>(from) || j->value("to", -1) != static_cast<int>(own)) {
    return Malformed(name + " is addressed from or to another validator");
  }
  const json& sealed_text = (*j)["sealed"];
  auto sealed = sealed_text.is_string() ? crypto::FromBase64(sealed_text.get<std::string>()) : Result<Bytes>(Malformed(""));
  if (!sealed.ok()) return Malformed(name + " sealed must be base64");
  auto opened = crypto::OpenSealedWithEd25519(p.key, *sealed);
  if (!opened.ok()) {
    return Malformed(name + " is not sealed to this validator's key, or was altered (" + opened.status().message() + ")");
  }
  frost::ScalarBytes share{};
  const Bytes expected_head = ShareEnvelope(p, from, own, share);
  const bool bound = opened->size() == expected_head.size() &&
                     std::equal(expected_head.begin(), expected_head.end() - 32, opened->begin());
  if (bound) std::copy(opened->end() - 32, opened->end(), share.begin());
  sodium_memzero(opened->data(), opened->size());
  if (!bound) return Malformed(name + " was sealed for another ceremony, sender or recipient");
  auto scalar = frost::SecretScalar::Parse(share);
  sodium_memzero(share.data(), share.size());
  if (!scalar.ok()) return scalar.status();
  return frost::DkgRound2Package{*scalar};
}

}  // namespace

Result<std::string> DkgCeremonyPart3(const CeremonyParty& p) {
  auto own = OwnIndex(p);
  if (!own.ok()) return own.status();
  auto packages = ReadRound1(p);
  if (!packages.ok()) return packages.status();
  auto secret = ReadRound2Secret(p, *own);
  if (!secret.ok()) return secret.status();
  std::map<frost::Identifier, frost::DkgRound2Package> received;
  for (std::uint32_t i = 0; i < p.genesis.validators.size(); ++i) {
    if (i == *own) continue;
    auto share = OpenShare(p, i, *own);
    if (!share.ok()) return share.status();
    received.emplace(Id(i), *share);
  }
  auto keys = frost::DkgPart3(*secret, received);  // frost_invalid_share names a bad sender
  if (!keys.ok()) return keys.status();
  const frost::PublicKeyPackage& pub = keys->second;
  json shares = json::array();
  for (const auto& [id, share] : pub.verifying_shares) shares.push_back(crypto::ToHex(share));
  const json origin_key = {{"verifying_key", crypto::ToHex(pub.verifying_key)},
                           {"min_signers", pub.min_signers},
                           {"verifying_shares", shares}};
  // The share file goes through the same writer as devnet's, then the public block beside it.
  if (Status s = frost::WriteShareFile(p.dir / "origin.share", static_cast<std::uint16_t>(*own + 1),
                                       keys->first.signing_share);
      !s.ok()) {
    return s;
  }
  if (Status s = WriteAll({{p.dir / "origin_key.json", json{{"origin_key", origin_key}}.dump(2) + "\n"}}); !s.ok()) {
    std::error_code ec;
    fs::remove(p.dir / "origin.share", ec);
    return s;
  }
  return PackagesHash(p, *packages);
}

}  // namespace shanliu::node
