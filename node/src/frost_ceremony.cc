// The offline DKG ceremony over files (frost_ceremony.h).
#include "shanliu/node/frost_ceremony.h"

#include <sodium.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
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

// The 32-byte share at the end of `file`'s base64 "sealed" field, opened with this validator's key
// and checked against `envelope`: the bytes the sender bound in front of it (computed with a zero
// share). `sealed_for` names, in the error, what a foreign envelope binds.
Result<frost::SecretScalar> OpenSealedShare(const crypto::KeyPair& key, const json& file, const std::string& name,
                                            const Bytes& envelope, std::string_view sealed_for) {
  const auto sealed_text = file.find("sealed");
  auto sealed = sealed_text != file.end() && sealed_text->is_string()
                    ? crypto::FromBase64(sealed_text->get<std::string>())
                    : Result<Bytes>(Malformed(""));
  if (!sealed.ok()) return Malformed(name + " sealed must be base64");
  auto opened = crypto::OpenSealedWithEd25519(key, *sealed);
  if (!opened.ok()) {
    return Malformed(name + " is not sealed to this validator's key, or was altered (" + opened.status().message() + ")");
  }
  frost::ScalarBytes share{};
  const bool bound = opened->size() == envelope.size() && std::equal(envelope.begin(), envelope.end() - 32, opened->begin());
  if (bound) std::copy(opened->end() - 32, opened->end(), share.begin());
  sodium_memzero(opened->data(), opened->size());
  if (!bound) return Malformed(name + " was sealed for another " + std::string(sealed_for));
  auto scalar = frost::SecretScalar::Parse(share);
  sodium_memzero(share.data(), share.size());
  if (!scalar.ok()) return Malformed(name + " holds no canonical scalar");
  return *scalar;
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
  frost::ScalarBytes zero{};
  auto scalar = OpenSealedShare(p.key, *j, name, ShareEnvelope(p, from, own, zero), "ceremony, sender or recipient");
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

// ---- Resharing (frost_ceremony.h "Resharing") ----
namespace shanliu::node {
namespace {

constexpr std::string_view kDealingFormat = "shanliu-frost-reshare-dealing-v1";
constexpr std::string_view kSealedShareFormat = "shanliu-frost-reshare-share-v1";
constexpr std::string_view kDealingDomain = "shanliu/frost-reshare/dealing/v1";
// The DKG's file limit (kMaxFileBytes) holds public reshare files too: a 100-share hand-over file
// is under 20 KiB.

// Files names carry a key's first 16 hex digits; CheckReshareParty refuses sets where two collide.
std::string K16(const crypto::PublicKey& key) { return crypto::ToHex(key).substr(0, 16); }

std::string DealingName(const crypto::PublicKey& dealer) { return "reshare1-k" + K16(dealer) + ".json"; }
std::string SealedShareName(const crypto::PublicKey& from, const crypto::PublicKey& to) {
  return "reshare2-k" + K16(from) + "-to-k" + K16(to) + ".json";
}

// Public inputs (dealings, sealed boxes, the set files) may arrive with any file mode; only their
// size is bounded. A missing file is io_error, which the callers turn into what it means.
Result<json> ReadPublicJson(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return Status::Error("io_error", "cannot read " + path.string());
  std::ifstream in(path, std::ios::binary);
  std::string text(kMaxFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) return Status::Error("io_error", "cannot read " + path.string());
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxFileBytes) return Malformed(path.filename().string() + " is over 64 KiB");
  json out = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (out.is_discarded() || !out.is_object()) return Malformed(path.filename().string() + " is not a JSON object");
  return out;
}

Status MissingAsTooFew(const Status& s, const std::string& name) {
  if (s.code() != "io_error") return s;
  return Status::Error(std::string(errc::kFrostTooFewSigners), "missing " + name + ": " + s.message());
}

Bytes ReshareContext(const ReshareParty& p) {
  Bytes next_keys;
  for (const crypto::PublicKey& k : p.next) AppendRaw(next_keys, k);
  const std::string current_json = ledger::OriginKeySetToJson(p.current).dump();
  const std::string text = "shanliu/frost-reshare/v1\n" + p.genesis.chain_id + "\n" +
                           crypto::ToHex(crypto::Sha256(AsBytes(current_json))) + "\n" +
                           crypto::ToHex(crypto::Sha256(next_keys));
  return Bytes(text.begin(), text.end());
}

Status DistinctPrefixes(const std::vector<crypto::PublicKey>& keys, const std::string& which) {
  std::set<std::string> seen;
  for (const crypto::PublicKey& k : keys) {
    if (!seen.insert(K16(k)).second) {
      return Status::Error(std::string(errc::kFrostDuplicateIdentifier),
                           which + " lists two keys beginning " + K16(k) + " (a key twice, or a collision of file names)");
    }
  }
  return Status::Ok();
}

// What both parts need of their inputs: this chain's origin key in force, a next set of 2..100.
Status CheckReshareParty(const ReshareParty& p) {
  if (!p.genesis.origin_key) return Status::Error(std::string(errc::kNoOriginKey), "the genesis has no origin_key");
  if (p.current.public_keys.verifying_key != p.genesis.origin_key->verifying_key) {
    return Malformed("the current set's group key is not this chain's genesis origin_key");
  }
  if (p.current.participants.size() != p.current.public_keys.verifying_shares.size() ||
      p.current.participants.size() < frost::kMinThreshold) {
    return Malformed("the current set must list one key per verifying share, at least 2");
  }
  if (p.next.size() < frost::kMinThreshold || p.next.size() > frost::kMaxParticipants) {
    return Status::Error(std::string(errc::kFrostBadThreshold),
                         "the next set has " + std::to_string(p.next.size()) + " validators; resharing needs 2 to 100");
  }
  SHANLIU_RETURN_IF_ERROR(DistinctPrefixes(p.current.participants, "the current set"));
  return DistinctPrefixes(p.next, "the next set");
}

frost::Identifier ParticipantId(std::size_t index) {
  return *frost::Identifier::FromIndex(static_cast<std::uint16_t>(index + 1));
}

Bytes DealingSignedBytes(ByteView context, const crypto::PublicKey& dealer, const std::vector<frost::Element>& commitment) {
  Bytes out(context.begin(), context.end());
  AppendRaw(out, dealer);
  for (const frost::Element& e : commitment) AppendRaw(out, e);
  return out;
}

// Binds a sealed share to this ceremony, its dealer and its recipient.
Bytes ReshareEnvelope(ByteView context, const crypto::PublicKey& from, const crypto::PublicKey& to,
                      const frost::ScalarBytes& share) {
  Bytes out;
  AppendRaw(out, crypto::Sha256(context));
  AppendRaw(out, from);
  AppendRaw(out, to);
  AppendRaw(out, share);
  return out;
}

Status CheckReshareHeader(const json& j, std::string_view format, const ReshareParty& p, ByteView context,
                          const std::string& name) {
  if (j.value("format", "") != format || j.value("chain_id", "") != p.genesis.chain_id ||
      j.value("context_sha256", "") != crypto::ToHex(crypto::Sha256(context))) {
    return Malformed(name + " is not a " + std::string(format) +
                            " file of this chain and this hand-over (current and next sets)");
  }
  return Status::Ok();
}

}  // namespace

Result<ledger::OriginKeySet> ReadCurrentOriginKeys(const ledger::Genesis& genesis, const fs::path& path) {
  if (path.empty()) {
    auto keys = ledger::GenesisOriginKeys(genesis);
    if (!keys) return Status::Error(std::string(errc::kNoOriginKey), "the genesis has no origin_key");
    return *keys;
  }
  auto j = ReadPublicJson(path);
  if (!j.ok()) return j.status();
  return ledger::OriginKeySetFromJson(*j);
}

Result<std::vector<crypto::PublicKey>> ReadNextSet(const fs::path& path) {
  auto j = ReadPublicJson(path);
  if (!j.ok()) return j.status();
  if (j->size() != 1 || !j->contains("validators") || !(*j)["validators"].is_array()) {
    return Malformed(path.filename().string() + " must be {\"validators\": [hex key, ...]} and nothing else");
  }
  const json& list = (*j)["validators"];
  if (list.size() < frost::kMinThreshold || list.size() > frost::kMaxParticipants) {
    return Status::Error(std::string(errc::kFrostBadThreshold),
                         "the next set has " + std::to_string(list.size()) + " validators; resharing needs 2 to 100");
  }
  std::vector<crypto::PublicKey> out;
  std::set<crypto::PublicKey> seen;
  for (const json& v : list) {
    auto key = Hex32<crypto::PublicKey>(v, "a next validator key");
    if (!key.ok()) return key.status();
    if (!crypto::IsValidPublicKey(*key)) return Malformed(crypto::ToHex(*key) + " is not a valid Ed25519 key");
    if (!seen.insert(*key).second) {
      return Status::Error(std::string(errc::kFrostDuplicateIdentifier), crypto::ToHex(*key) + " is listed twice");
    }
    out.push_back(*key);
  }
  return out;
}


Status ReshareCeremonyPart1(const ReshareParty& p, const fs::path& share_file) {
  SHANLIU_RETURN_IF_ERROR(CheckReshareParty(p));
  const int own = p.current.ParticipantIndex(p.key.public_key);
  if (own < 0) return Status::Error(std::string(errc::kInvalidArgument), "this key holds no share of the current origin key set");
  auto share = frost::ReadShareFile(share_file);
  if (!share.ok()) return share.status();
  if (share->first != ParticipantId(static_cast<std::size_t>(own))) {
    return Status::Error(std::string(errc::kFrostInvalidShare),
                         share_file.string() + " holds " + share->first.ToString() + "'s share; this key is " +
                             ParticipantId(static_cast<std::size_t>(own)).ToString() + " of the current set");
  }
  auto key = frost::KeyPackageFromShare(share->first, share->second, p.current.public_keys);
  if (!key.ok()) return key.status();
  const auto n = static_cast<std::uint16_t>(p.next.size());
  auto dealt = frost::ReshareDeal(*key, n, ledger::OriginThreshold(n));
  if (!dealt.ok()) return dealt.status();
  const Bytes context = ReshareContext(p);
  const std::string context_hash = crypto::ToHex(crypto::Sha256(context));
  const auto& commitment = dealt->first.commitment;
  json pub = {{"format", kDealingFormat}, {"chain_id", p.genesis.chain_id}, {"context_sha256", context_hash},
              {"dealer", crypto::ToHex(p.key.public_key)}, {"commitment", HexList(commitment)}};
  pub["signature"] =
      crypto::ToHex(crypto::Sign(p.key.secret_key, kDealingDomain, DealingSignedBytes(context, p.key.public_key, commitment)));
  std::vector<std::pair<fs::path, std::string>> files{{p.dir / DealingName(p.key.public_key), pub.dump(2) + "\n"}};
  for (std::size_t j = 0; j < p.next.size(); ++j) {
    Bytes envelope = ReshareEnvelope(context, p.key.public_key, p.next[j], dealt->second.at(ParticipantId(j)).bytes());
    auto sealed = crypto::SealToEd25519(p.next[j], envelope);
    sodium_memzero(envelope.data(), envelope.size());
    if (!sealed.ok()) return sealed.status();
    json box = {{"format", kSealedShareFormat}, {"chain_id", p.genesis.chain_id}, {"context_sha256", context_hash},
                {"from", crypto::ToHex(p.key.public_key)}, {"to", crypto::ToHex(p.next[j])},
                {"sealed", crypto::ToBase64(*sealed)}};
    files.emplace_back(p.dir / SealedShareName(p.key.public_key, p.next[j]), box.dump(2) + "\n");
  }
  return WriteAll(files);
}

namespace {

// The dealers: the named ones, or the senders of every reshare1-k*.json in the folder; as
// indices into current.participants, sorted.
Result<std::vector<std::size_t>> DealerIndices(const ReshareParty& p,
                                               const std::optional<std::vector<crypto::PublicKey>>& named) {
  std::set<std::size_t> out;
  if (named) {
    for (const crypto::PublicKey& k : *named) {
      const int i = p.current.ParticipantIndex(k);
      if (i < 0) return Malformed("dealer " + crypto::ToHex(k) + " holds no share of the current set");
      if (!out.insert(static_cast<std::size_t>(i)).second) {
        return Status::Error(std::string(errc::kFrostDuplicateIdentifier), "dealer " + crypto::ToHex(k) + " is named twice");
      }
    }
    return std::vector<std::size_t>(out.begin(), out.end());
  }
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(p.dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("reshare1-k", 0) != 0 || name.size() != 10 + 16 + 5 || name.substr(26) != ".json") continue;
    std::size_t i = 0;
    while (i < p.current.participants.size() && DealingName(p.current.participants[i]) != name) ++i;
    if (i == p.current.participants.size()) {
      return Malformed(name + " is a dealing from a key that holds no share of the current set");
    }
    out.insert(i);
  }
  if (ec) return Status::Error("io_error", "cannot list " + p.dir.string() + ": " + ec.message());
  return std::vector<std::size_t>(out.begin(), out.end());
}

struct CheckedDealings {
  std::vector<std::size_t> dealers;  // indices into current.participants, sorted
  std::map<frost::Identifier, frost::ReshareDealing> dealings;
  Bytes signed_bytes;  // every dealing's signed bytes in identifier order: what the hash covers
};

// One dealing, its signature checked against the current participant's key.
Result<frost::ReshareDealing> ReadDealing(const ReshareParty& p, ByteView context, std::size_t dealer) {
  const crypto::PublicKey& key = p.current.participants[dealer];
  const std::string name = DealingName(key);
  auto j = ReadPublicJson(p.dir / name);
  if (!j.ok()) return MissingAsTooFew(j.status(), name);
  SHANLIU_RETURN_IF_ERROR(CheckReshareHeader(*j, kDealingFormat, p, context, name));
  if (j->value("dealer", "") != crypto::ToHex(key)) return Malformed(name + " names another dealer");
  auto commitment = Points((*j)["commitment"], ledger::OriginThreshold(p.next.size()), name + " commitment");
  if (!commitment.ok()) return commitment.status();
  const json& signature_hex = (*j)["signature"];
  auto signature = signature_hex.is_string() ? crypto::FromHex(signature_hex.get<std::string>())
                                             : Result<Bytes>(Malformed(""));
  if (!signature.ok() || signature->size() != 64) return Malformed(name + " signature must be 64 bytes of hex");
  crypto::Signature s{};
  std::copy(signature->begin(), signature->end(), s.begin());
  if (!crypto::Verify(key, kDealingDomain, DealingSignedBytes(context, key, *commitment), s)) {
    return Status::Error(std::string(errc::kFrostBadProof),
                         ParticipantId(dealer).ToString() + ": " + name + " is not signed by its dealer's key");
  }
  return frost::ReshareDealing{*commitment};
}

Result<CheckedDealings> ReadDealings(const ReshareParty& p, ByteView context,
                                     const std::optional<std::vector<crypto::PublicKey>>& named) {
  auto indices = DealerIndices(p, named);
  if (!indices.ok()) return indices.status();
  if (indices->size() < p.current.public_keys.min_signers) {
    return Status::Error(std::string(errc::kFrostTooFewSigners),
                         std::to_string(indices->size()) + " dealings, the current set's threshold is " +
                             std::to_string(p.current.public_keys.min_signers));
  }
  CheckedDealings out{*indices, {}, {}};
  for (std::size_t i : *indices) {
    auto dealing = ReadDealing(p, context, i);
    if (!dealing.ok()) return dealing.status();
    AppendRaw(out.signed_bytes, DealingSignedBytes(context, p.current.participants[i], dealing->commitment));
    out.dealings.emplace(ParticipantId(i), std::move(*dealing));
  }
  return out;
}

// The share current participant `dealer` sealed to next member `own`, opened and checked against
// its envelope.
Result<frost::SecretScalar> OpenResharedShare(const ReshareParty& p, ByteView context, std::size_t dealer,
                                              std::size_t own) {
  const crypto::PublicKey& from = p.current.participants[dealer];
  const crypto::PublicKey& to = p.next[own];
  const std::string name = SealedShareName(from, to);
  auto j = ReadPublicJson(p.dir / name);
  if (!j.ok()) return MissingAsTooFew(j.status(), name);
  SHANLIU_RETURN_IF_ERROR(CheckReshareHeader(*j, kSealedShareFormat, p, context, name));
  if (j->value("from", "") != crypto::ToHex(from) || j->value("to", "") != crypto::ToHex(to)) {
    return Malformed(name + " is addressed from or to another validator");
  }
  frost::ScalarBytes zero{};
  return OpenSealedShare(p.key, *j, name, ReshareEnvelope(context, from, to, zero), "hand-over, dealer or recipient");
}

// The new share file, then the public hand-over beside it; neither stays when the other fails.
Status WriteHandover(const ReshareParty& p, std::size_t own, const frost::KeyPackage& key,
                     const frost::PublicKeyPackage& public_keys) {
  const fs::path share_path = p.dir / ("origin-" + crypto::ToHex(key.verifying_share).substr(0, 16) + ".share");
  SHANLIU_RETURN_IF_ERROR(frost::WriteShareFile(share_path, static_cast<std::uint16_t>(own + 1), key.signing_share));
  const ledger::OriginKeySet handover{public_keys, p.next};
  if (Status s = WriteAll({{p.dir / "origin_handover.json", ledger::OriginKeySetToJson(handover).dump(2) + "\n"}}); !s.ok()) {
    std::error_code ec;
    fs::remove(share_path, ec);
    return s;
  }
  return Status::Ok();
}

}  // namespace

Result<std::string> ReshareCeremonyPart2(const ReshareParty& p, const std::optional<std::vector<crypto::PublicKey>>& dealers) {
  SHANLIU_RETURN_IF_ERROR(CheckReshareParty(p));
  const auto own_it = std::find(p.next.begin(), p.next.end(), p.key.public_key);
  if (own_it == p.next.end()) return Status::Error(std::string(errc::kInvalidArgument), "this key is not in the next set");
  const auto own = static_cast<std::size_t>(own_it - p.next.begin());
  const Bytes context = ReshareContext(p);
  auto checked = ReadDealings(p, context, dealers);
  if (!checked.ok()) return checked.status();
  std::map<frost::Identifier, frost::SecretScalar> received;
  for (std::size_t dealer : checked->dealers) {
    auto share = OpenResharedShare(p, context, dealer, own);
    if (!share.ok()) return share.status();
    received.emplace(ParticipantId(dealer), *share);
  }
  const auto n = static_cast<std::uint16_t>(p.next.size());
  auto keys = frost::ReshareCombine(p.current.public_keys, checked->dealings, ParticipantId(own), received, n,
                                    ledger::OriginThreshold(n));  // frost_invalid_share names a bad dealer
  if (!keys.ok()) return keys.status();
  SHANLIU_RETURN_IF_ERROR(WriteHandover(p, own, keys->first, keys->second));
  return crypto::ToHex(crypto::Sha256(checked->signed_bytes));
}

}  // namespace shanliu::node
