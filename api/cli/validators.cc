// shanliu validators change: builds a ValidatorSetChange (docs/rules.md "Validator set changes")
// from --add/--reweight/--remove, signs it with the bureau's key and the validators' consensus
// keys, checks it locally as a node will and submits it.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include "commands.h"
#include "format.h"
#include "node_client.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/keys.h"
#include "shanliu/ledger/json.h"
#include "shanliu/ledger/origin_keys.h"
#include "shanliu/ledger/validator_set.h"
#include "tx_sign.h"

namespace shanliu::cli {

const char kValidatorsUsage[] = R"(usage: shanliu validators change [--add HEXKEY:POWER:ORG ...] [--reweight HEXKEY:POWER ...]
                                [--remove HEXKEY ...] (--effective-height E | --after N) [--origin-key FILE]
                                --key FILE [--key FILE ...] --node URL [--expires-in N] [--dry-run] [--wait]
       shanliu validators change ... --key FILE ... --chain-id ID --height H [--validators FILE] --dry-run   (offline)

Builds a ValidatorSetChange (TxBody 40), signs it with every --key, decodes it locally exactly as
a node will, submits it to POST /v1/txs and prints its id and status. The new set signs blocks
E, E+1, ... (docs/rules.md "Validator set changes", docs/operator.md "Adding or removing a validator").
It prints the resulting set's keys in order as a line `next     {"validators": [hex, ...]}`, the
resharing ceremony's `next` file, and with --origin-key the hand-over's SHA-256 that the signing
summary shows.

  --add HEXKEY:POWER:ORG   add a validator: its 64-hex-digit Ed25519 consensus public key (the
                           node's key file: shanliu key show FILE), voting power 1..2^40 and the
                           organisation running it (an active bureau, federation or bank)
  --reweight HEXKEY:POWER  give a validator of the set a new voting power (1..2^40)
  --remove HEXKEY          take a validator out of the set
                           (each may be repeated; the tx lists removals, then re-weights, then
                           additions in the order given; additions go after the existing validators)
  --effective-height E     the first block the new set signs: between the executing block's
                           height + 2 and + 10000
  --after N                instead of E: E = the node's head height + 1 + N (N >= 2; a few
                           more leave room for the tx to wait in the mempool)
  --origin-key FILE        hand the origin key to the new set: the hand-over file the resharing
                           ceremony wrote (docs/operator.md "Handing the origin key to a new
                           set"); its shares must name the set after the change, in order.
                           Without it the new set holds no share and the origin line stops
  --key FILE               the bureau's key and the consensus keys of validators of the current
                           set holding more than 2/3 of its voting power (repeat; the validators'
                           key files are their nodes' keys, e.g. DIR/node<i>/node.key of a devnet)
  --node URL               the node to submit to (its head gives the chain id and height)
  --expires-in N           valid for N blocks from the current height (1..1000, default 100)
  --dry-run                build, sign and check, print the body; do not submit
  --chain-id ID, --height H  with --dry-run and no --node: the chain and head height to build for
  --validators FILE        offline: the set in force, as GET /v1/validators answers (needed for
                           --origin-key and to print the resulting set); with --node the node's is used
  --wait                   wait until the change is committed (or rejected) and report it

example (a devnet: the observer's key joins as a validator of bank-2, effective in 5 blocks):
  KEY=$(shanliu key show dev/node4/node.key | sed -n 's/^public key //p')
  shanliu validators change --add $KEY:1:bank-2 --after 5 --key dev/keys/bureau.key \
      --key dev/node0/node.key --key dev/node1/node.key --key dev/node2/node.key \
      --node http://127.0.0.1:8080 --wait
)";

namespace {

std::vector<std::string> Split(const std::string& text, char sep) {
  std::vector<std::string> out(1);
  for (char c : text) {
    if (c == sep) {
      out.emplace_back();
    } else {
      out.back().push_back(c);
    }
  }
  return out;
}

Result<std::string> ParseKeyHex(const std::string& text, const std::string& flag) {
  auto key = crypto::Hash256FromHex(text);
  if (!key.ok()) return Status::Error("usage", flag + " needs a 64-hex-digit public key, not '" + text + "'");
  return std::string(key->begin(), key->end());
}

Result<std::uint64_t> ParsePower(const std::string& text, const std::string& flag) {
  return ParseUInt(text, 1, ledger::kMaxValidatorVotingPower, flag + " voting power");
}

// The updates, in the order documented in the usage: removals, re-weights, additions.
Status FillUpdates(const Args& args, pb::ValidatorSetChange& change) {
  for (const std::string& text : args.GetAll("remove")) {
    auto key = ParseKeyHex(text, "--remove");
    if (!key.ok()) return key.status();
    change.add_updates()->set_public_key(*key);
  }
  for (const std::string& text : args.GetAll("reweight")) {
    const std::vector<std::string> parts = Split(text, ':');
    if (parts.size() != 2) return Status::Error("usage", "--reweight takes HEXKEY:POWER, not '" + text + "'");
    auto key = ParseKeyHex(parts[0], "--reweight");
    if (!key.ok()) return key.status();
    auto power = ParsePower(parts[1], "--reweight");
    if (!power.ok()) return Status::Error("usage", power.status().message());
    pb::ValidatorUpdate* u = change.add_updates();
    u->set_public_key(*key);
    u->set_voting_power(*power);
  }
  for (const std::string& text : args.GetAll("add")) {
    const std::vector<std::string> parts = Split(text, ':');
    if (parts.size() != 3 || parts[2].empty()) return Status::Error("usage", "--add takes HEXKEY:POWER:ORG, not '" + text + "'");
    auto key = ParseKeyHex(parts[0], "--add");
    if (!key.ok()) return key.status();
    auto power = ParsePower(parts[1], "--add");
    if (!power.ok()) return Status::Error("usage", power.status().message());
    pb::ValidatorUpdate* u = change.add_updates();
    u->set_public_key(*key);
    u->set_voting_power(*power);
    u->set_org_id(parts[2]);
  }
  if (change.updates_size() == 0) return Status::Error("usage", "give at least one --add, --reweight or --remove");
  return Status::Ok();
}

Result<nlohmann::json> ReadJsonFile(const std::string& path, const std::string& what) {
  constexpr std::uintmax_t kMaxFileBytes = 1 << 20;  // a 100-share hand-over is ~15 KiB
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) return Status::Error("usage", "cannot read " + what + " " + path + ": " + ec.message());
  if (size > kMaxFileBytes) return Status::Error("too_large", what + " " + path + " is larger than 1 MiB");
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in && !in.eof()) return Status::Error("io_error", "cannot read " + what + " " + path);
  nlohmann::json j = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::Error("invalid_json", what + " " + path + " is not JSON");
  return j;
}

// GET /v1/validators's answer, from the node or a saved file: exactly its three fields, and the
// set must hash to its validators_hash (so an edited file shows).
Result<std::vector<ledger::Validator>> ValidatorsAnswer(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object() || j.size() != 3 || !j.contains("height") || !j.contains("validators_hash") ||
      !j.contains("validators")) {
    return Status::Error("invalid_json", where + " must be GET /v1/validators's answer: {height, validators_hash, validators}");
  }
  auto set = ledger::ValidatorsFromJson(j["validators"], /*with_index=*/true, where + ".validators");
  if (!set.ok()) return Status::Error("invalid_json", set.status().message());
  if (!j["validators_hash"].is_string() || j["validators_hash"] != crypto::ToHex(ledger::ValidatorsHash(*set))) {
    return Status::Error("invalid_json", where + ".validators does not hash to its validators_hash");
  }
  return set;
}

// The set in force for the executing block: the node's for its next block, or offline the saved
// answer of --validators FILE (none offline without it).
Result<std::optional<std::vector<ledger::Validator>>> CurrentSet(const Args& args, const NodeClient* node) {
  nlohmann::json answer;
  std::string where;
  if (node) {
    auto got = node->GetJson("/v1/validators");
    if (!got.ok()) return got.status();
    answer = std::move(*got);
    where = "GET /v1/validators";
  } else if (auto path = args.Get("validators")) {
    auto read = ReadJsonFile(*path, "--validators");
    if (!read.ok()) return read.status();
    answer = std::move(*read);
    where = *path;
  } else {
    return std::optional<std::vector<ledger::Validator>>();
  }
  auto set = ValidatorsAnswer(answer, where);
  if (!set.ok()) return set.status();
  return std::optional<std::vector<ledger::Validator>>(std::move(*set));
}

// The hand-over file (ledger::OriginKeySetFromJson) checked against the set after the change,
// as the ledger will (besides the group key, which only the chain's genesis fixes).
Result<pb::OriginKeyHandover> HandoverFor(const std::string& path, const std::vector<ledger::Validator>& next) {
  auto j = ReadJsonFile(path, "--origin-key");
  if (!j.ok()) return j.status();
  auto keys = ledger::OriginKeySetFromJson(*j);
  if (!keys.ok()) return Status::Error(keys.status().code(), path + ": " + keys.status().message());
  if (keys->participants.size() != next.size()) {
    return Status::Error("origin_handover_mismatch",
                         path + " has " + std::to_string(keys->participants.size()) + " shares, but the set after the change has " +
                             std::to_string(next.size()) + " validators: run the ceremony for the `next` line printed above");
  }
  for (std::size_t i = 0; i < next.size(); ++i) {
    if (keys->participants[i] != next[i].public_key) {
      return Status::Error("origin_handover_mismatch",
                           path + ": share " + std::to_string(i) + " is for " + crypto::ToHex(keys->participants[i]) +
                               ", but validator " + std::to_string(i) + " of the set after the change is " +
                               crypto::ToHex(next[i].public_key) + " (shares must follow the set's order)");
    }
  }
  return ledger::OriginKeyHandoverOf(*keys);
}

// Prints the resulting set (the ceremony's `next` file) and attaches --origin-key to the change.
Status ResultingSet(const Args& args, const std::optional<std::vector<ledger::Validator>>& current,
                    pb::ValidatorSetChange& change) {
  if (!current) {
    if (args.Has("origin-key")) return Status::Error("usage", "--origin-key needs the set in force: --node, or --validators FILE offline");
    std::cout << "next     unknown offline (give --validators FILE, the answer of GET /v1/validators)\n";
    return Status::Ok();
  }
  auto next = ledger::ApplyValidatorUpdates(*current, change);
  if (!next.ok()) return next.status();
  nlohmann::json keys = nlohmann::json::array();
  for (const ledger::Validator& v : *next) keys.push_back(crypto::ToHex(v.public_key));
  std::cout << "next     " << nlohmann::json{{"validators", keys}}.dump() << "\n";
  if (auto path = args.Get("origin-key")) {
    auto handover = HandoverFor(*path, *next);
    if (!handover.ok()) return handover.status();
    *change.mutable_origin_key() = std::move(*handover);
    std::cout << "origin   handed over in " << change.origin_key().shares_size() << " shares (min_signers "
              << change.origin_key().min_signers() << "), SHA-256 "
              << crypto::ToHex(ledger::OriginHandoverDigest(change.origin_key())) << "\n";
  } else {
    std::cout << "origin   not handed over: the new set holds no share and the origin line stops at E\n";
  }
  return Status::Ok();
}

Result<std::uint64_t> EffectiveHeight(const Args& args, const ChainHead& head) {
  if (args.Has("effective-height") == args.Has("after")) {
    return Status::Error("usage", "give exactly one of --effective-height E and --after N");
  }
  if (auto e = args.Get("effective-height")) return ParseUInt(*e, 1, UINT64_MAX - 1, "--effective-height");
  auto after = ParseUInt(*args.Get("after"), ledger::kMinValidatorChangeLeadBlocks,
                         ledger::kMaxValidatorChangeLeadBlocks - 1, "--after");
  if (!after.ok()) return after.status();
  return head.height + 1 + *after;
}

int Change(const Args& args) {
  auto usage = [](const std::string& m) { return UsageError("validators", kValidatorsUsage, m); };
  if (Status s = RequireOnly(args, {"add", "reweight", "remove", "effective-height", "after", "key", "node",
                                    "expires-in", "dry-run", "wait", "chain-id", "height", "validators", "origin-key"});
      !s.ok()) {
    return usage(s.message());
  }
  if (args.GetAll("key").empty()) return usage("at least one --key FILE is required (the bureau and the validators)");
  const bool offline = args.Has("chain-id") && args.Has("height") && args.Has("dry-run") && !args.Has("node");
  if (!args.Has("node") && !offline) {
    return usage("--node URL is required (or --chain-id ID --height H --dry-run to build offline)");
  }
  if (args.Has("dry-run") && args.Has("wait")) return usage("--wait needs a submitted transaction, not --dry-run");
  if (args.Has("validators") && !offline) return usage("--validators FILE is for offline use; with --node the node's set is used");
  auto expires_in = ParseUInt(args.Get("expires-in").value_or("100"), 1, 1000, "--expires-in");
  if (!expires_in.ok()) return usage(expires_in.status().message());
  pb::ValidatorSetChange change;
  if (Status s = FillUpdates(args, change); !s.ok()) return usage(s.message());

  std::vector<crypto::KeyPair> keys;
  for (const std::string& path : args.GetAll("key")) {
    auto key = crypto::ReadKeyFile(path);
    if (!key.ok()) return Fail("validators", key.status());
    keys.push_back(std::move(*key));
  }
  std::vector<const crypto::KeyPair*> signers;
  for (const auto& k : keys) signers.push_back(&k);

  std::optional<NodeClient> node;
  Result<ChainHead> head = ChainHead{};
  if (offline) {
    auto height = ParseUInt(*args.Get("height"), 0, UINT64_MAX - ledger::kMaxValidatorChangeLeadBlocks, "--height");
    if (!height.ok()) return usage(height.status().message());
    head->chain_id = *args.Get("chain-id");
    head->height = *height;
  } else {
    node.emplace(*args.Get("node"));
    head = node->Head();
    if (!head.ok()) return Fail("validators", head.status());
  }
  auto e = EffectiveHeight(args, *head);
  if (!e.ok()) return usage(e.status().message());
  change.set_effective_height(*e);
  auto current = CurrentSet(args, node ? &*node : nullptr);
  if (!current.ok()) return Fail("validators", current.status());
  if (Status s = ResultingSet(args, *current, change); !s.ok()) {
    return s.code() == "usage" ? usage(s.message()) : Fail("validators", Status::Error(s.code(), "not signed: " + s.message()));
  }

  pb::TxBody body = NewTxBody(head->chain_id, head->height + *expires_in);
  *body.mutable_validator_set_change() = change;
  auto tx = SignTx(body, signers);
  if (!tx.ok()) return Fail("validators", Status::Error(tx.status().code(), "not sent: " + tx.status().ToString()));
  std::cout << "kind     validator_set_change\nid       " << crypto::ToHex(tx->id) << "\ncode     "
            << ReceiptCode(tx->id) << "\neffective at height " << *e << " (the head is " << head->height
            << "; chain " << head->chain_id << ")\nsigners  " << signers.size() << "\n";
  if (args.Has("dry-run")) {
    std::cout << "body     " << ledger::MessageToJson(body).dump() << "\nstatus   not sent (dry run)\n";
    return 0;
  }
  auto submitted = node->Submit({tx->envelope});
  if (!submitted.ok()) return Fail("validators", submitted.status());
  const Submitted& result = submitted->front();
  if (!result.accepted) {
    std::cout << "status   rejected\n";
    return Fail("validators", Status::Error(result.error.code(), "rejected: " + result.error.ToString()));
  }
  if (!args.Has("wait")) {
    std::cout << "status   pending\n";
    return 0;
  }
  return WaitAndReport(*node, tx->id, kCommitWaitMs, "validators");
}

}  // namespace

int Validators(const Args& args) {
  if (args.positional.size() != 1 || args.positional[0] != "change") {
    return UsageError("validators", kValidatorsUsage, "the subcommand is: change");
  }
  return Change(args);
}

}  // namespace shanliu::cli
