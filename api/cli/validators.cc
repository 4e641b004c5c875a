// shanliu validators change: builds a ValidatorSetChange (docs/rules.md "Validator set changes")
// from --add/--reweight/--remove, signs it with the bureau's key and the validators' consensus
// keys, checks it locally as a node will and submits it.
#include <iostream>
#include <optional>

#include "commands.h"
#include "format.h"
#include "node_client.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/keys.h"
#include "shanliu/ledger/json.h"
#include "shanliu/ledger/validator_set.h"
#include "tx_sign.h"

namespace shanliu::cli {

const char kValidatorsUsage[] = R"(usage: shanliu validators change [--add HEXKEY:POWER:ORG ...] [--reweight HEXKEY:POWER ...]
                                [--remove HEXKEY ...] (--effective-height E | --after N)
                                --key FILE [--key FILE ...] --node URL [--expires-in N] [--dry-run] [--wait]

Builds a ValidatorSetChange (TxBody 40), signs it with every --key, decodes it locally exactly as
a node will, submits it to POST /v1/txs and prints its id and status. The new set signs blocks
E, E+1, ... (docs/rules.md "Validator set changes", docs/operator.md "Adding or removing a validator").

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
  --key FILE               the bureau's key and the consensus keys of validators of the current
                           set holding more than 2/3 of its voting power (repeat; the validators'
                           key files are their nodes' keys, e.g. DIR/node<i>/node.key of a devnet)
  --node URL               the node to submit to (its head gives the chain id and height)
  --expires-in N           valid for N blocks from the current height (1..1000, default 100)
  --dry-run                build, sign and check, print the body; do not submit
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
                                    "expires-in", "dry-run", "wait"});
      !s.ok()) {
    return usage(s.message());
  }
  if (args.GetAll("key").empty()) return usage("at least one --key FILE is required (the bureau and the validators)");
  if (!args.Has("node")) return usage("--node URL is required (the chain id and height come from it)");
  if (args.Has("dry-run") && args.Has("wait")) return usage("--wait needs a submitted transaction, not --dry-run");
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

  const NodeClient node(*args.Get("node"));
  auto head = node.Head();
  if (!head.ok()) return Fail("validators", head.status());
  auto e = EffectiveHeight(args, *head);
  if (!e.ok()) return usage(e.status().message());
  change.set_effective_height(*e);

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
  auto submitted = node.Submit({tx->envelope});
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
  return WaitAndReport(node, tx->id, kCommitWaitMs, "validators");
}

}  // namespace

int Validators(const Args& args) {
  if (args.positional.size() != 1 || args.positional[0] != "change") {
    return UsageError("validators", kValidatorsUsage, "the subcommand is: change");
  }
  return Change(args);
}

}  // namespace shanliu::cli
