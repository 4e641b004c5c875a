// shanliu-node: a validator or observer of a Shanliu chain, hosting the HTTP API. This file only
// parses options and wires node::Node (which owns the chain) to the API server.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <chrono>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "shanliu/error_codes.h"
#include "shanliu/api/server.h"
#include "shanliu/api/witness_push.h"
#include "shanliu/audit/scheduler.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/hash.h"
#include "shanliu/ledger/ledger.h"
#include "shanliu/node/config.h"
#include "shanliu/node/frost_ceremony.h"
#include "shanliu/node/log.h"
#include "shanliu/node/node.h"
#include "shanliu/node/offset_clock.h"
#include "shanliu/node/state_sync.h"
#include "shanliu/node/store_repair.h"
#include "shanliu/node/version.h"
#include "backup_command.h"

namespace {

using namespace shanliu;

constexpr const char* kUsage = R"(usage: shanliu-node --config FILE [--verify-state] [--restored-ok] [--state-sync]
       shanliu-node repair --config FILE [--no-salvage]
       shanliu-node backup (--config FILE | --data-dir DIR) --out DIR
       shanliu-node backup --verify DIR (--config FILE | --genesis FILE)
       shanliu-node restore --from DIR (--config FILE | --data-dir DIR --genesis FILE) [--force]
       shanliu-node --help | --version

Runs a node of a Shanliu chain: it stores the signed ledger, agrees on blocks with the other
validators (or follows them as an observer), and serves the HTTP API (and the explorer, if configured).

options:
  --config FILE   node configuration (JSON). Settings, all paths relative to FILE's folder:
                    data_dir        ledger database folder (created if missing)
                    genesis         the chain's genesis file
                    node_key        this node's Ed25519 key file (mode 0600)
                    observer        true: never vote, only follow and serve reads
                    api             {listen, port, threads, explorer_dir, max_body_bytes,
                                     request_timeout_ms, max_connections, max_connections_per_ip,
                                     max_batch_txs, public_url, max_signing_requests}
                    blocks          {interval_ms, heartbeat_ms}: least gap between blocks while txs
                                    keep coming; an empty block after this long idle
                    mempool         {max_txs, max_bytes, max_per_signer}
                    p2p             {listen, port, peers: [{public_key, address}]}
                    storage         {auto_repair, repair_timeout_ms}: rebuild a damaged store
                                    at start (default: observers yes, validators no)
                    test_only       {clock_offset_ms}: for testnets on one machine only
                  See docs/operator.md for every setting and its default.
  --verify-state  do not run: recompute the state map's root from every state key and value,
                  compare it with the stored tree and the head block's state_root, print the
                  result (naming the first bad key) and exit 0 only if all agree
  --restored-ok   start a validator on a store restored from a backup (it refuses with exit
                  status 5 otherwise): only after the steps of docs/operator.md "Restoring a
                  validator", since its votes above the restored height are not in the backup
  --state-sync    with a data directory that holds no store: start from the latest certified
                  snapshot the peers serve instead of replaying from genesis (as config
                  state_sync.enabled; docs/operator.md "Starting from a snapshot")
  --help          this text
  --version       print the version

repair: with the node stopped, rebuild its store from certified blocks — first the ones the
damaged store still reads back intact (unless --no-salvage), then the rest from the configured
peers — verify every certificate and the state root, keep the damaged directory as
<data_dir>.damaged-<height> and swap the rebuilt one in. Exit 0 when repaired, 1 if not (the
data directory is then as it was). Exit status 4 from a running node means: run this.

backup: a copy of the ledger consistent with one committed height, into the new or empty DIR
(a fresh LevelDB and the manifest backup.json, with every file's SHA-256). A running node makes it
itself from one snapshot, asked over its admin socket <data_dir>/admin.sock; a stopped node's store
is read directly. --verify checks every file against the manifest, replays the copy from genesis
(as `shanliu audit`) and prints the height, block and state root it proved.

restore: checks the backup's digests, copies it into <data_dir>.restore, verifies that copy, marks
it RESTORED and moves it into place. Refuses a data directory that holds anything unless --force,
which renames the old one to <data_dir>.before-restore-<height> (never deleted).
Exit 0 done, 1 failed (typed error; nothing changed), 2 bad arguments.
)";

// A validator's shares of the origin key: every "origin*.share" file beside its node key
// ("origin.share" from shanliu devnet or the DKG ceremony, "origin-<hex>.share" from a hand-over).
// None: the node runs and takes no part in the origin signature (logged when a set lists it).
// An unreadable or insecure file: the node refuses to start. Each set in force takes the share
// that matches it (node/src/origin_epochs.h); a validator's directory is read again when a newly
// effective set lists it and none matches.
Status LoadOriginShares(const ledger::Genesis& genesis, node::NodeConfig& config) {
  if (!genesis.origin_key || config.observer) return Status::Ok();
  const std::filesystem::path dir = config.node_key.parent_path().empty() ? std::filesystem::path(".")
                                                                          : config.node_key.parent_path();
  auto shares = node::ReadOriginShares(dir);
  if (!shares.ok()) return shares.status();
  config.origin_shares = std::move(*shares);
  config.origin_share_dir = dir;
  return Status::Ok();
}

constexpr char kDkgUsage[] = R"(usage: shanliu-node frost-dkg part1|part2|part3 --genesis FILE --key FILE --dir DIR [--epoch N]

The offline DKG ceremony for the origin key (docs/operator.md "The origin key ceremony"). Every
validator of the genesis runs each part in its own DIR, handing the public files on in between:
  part1  writes round1-v<i>.json (give it to every other validator) and round1-v<i>.secret
  part2  needs every round1-v*.json; writes round2-v<i>-to-v<j>.json (give each to validator j)
         and round2-v<i>.secret; prints the SHA-256 of all round-1 packages: compare it with
         every other validator's out of band before going on
  part3  needs round2-v*-to-v<i>.json from everyone; writes origin.share (move it beside the
         node key) and origin_key.json (the genesis "origin_key" block); prints the hash again
Exit 0 done, 1 refused (typed frost_* error; nothing written), 2 bad arguments.
)";

int Fail(const std::string& what, const shanliu::Status& s);

int FrostDkgCommand(int argc, char** argv) {
  std::map<std::string, std::string> flags;
  for (int i = 3; i + 1 < argc; i += 2) flags[argv[i]] = argv[i + 1];
  const std::string part = argc > 2 ? argv[2] : "";
  const bool even = argc % 2 == 1;
  if ((part != "part1" && part != "part2" && part != "part3") || !even || !flags.count("--genesis") ||
      !flags.count("--key") || !flags.count("--dir") || flags.size() > 4 || (flags.size() == 4 && !flags.count("--epoch"))) {
    std::cerr << kDkgUsage;
    return 2;
  }
  std::uint64_t epoch = 0;
  if (flags.count("--epoch")) {
    const std::string& e = flags["--epoch"];
    if (e.empty() || e.size() > 19 || e.find_first_not_of("0123456789") != std::string::npos) {
      std::cerr << kDkgUsage;
      return 2;
    }
    epoch = std::stoull(e);
  }
  auto genesis = ledger::LoadGenesis(flags["--genesis"]);
  if (!genesis.ok()) return Fail("frost-dkg", genesis.status());
  auto key = crypto::ReadKeyFile(flags["--key"]);
  if (!key.ok()) return Fail("frost-dkg", key.status());
  const node::CeremonyParty party{*genesis, epoch, *key, flags["--dir"]};
  if (part == "part1") {
    if (Status s = node::DkgCeremonyPart1(party); !s.ok()) return Fail("frost-dkg", s);
    std::cout << "round 1 written to " << flags["--dir"] << "\n";
    return 0;
  }
  auto hash = part == "part2" ? node::DkgCeremonyPart2(party) : node::DkgCeremonyPart3(party);
  if (!hash.ok()) return Fail("frost-dkg", hash.status());
  std::cout << "round-1 packages sha256 " << *hash << "\n";
  return 0;
}

constexpr char kReshareUsage[] = R"(usage: shanliu-node frost-reshare part1 --genesis FILE --key FILE --dir DIR [--current FILE] --next FILE --share FILE
       shanliu-node frost-reshare part2 --genesis FILE --key FILE --dir DIR [--current FILE] --next FILE [--dealers HEX,...]

Hands the origin key to a new validator set (docs/operator.md "Handing the origin key to a new
set"): the new set gets fresh shares of the SAME group key, so witnesses keep their configuration.
  --current FILE  the origin key set in force (an origin_handover.json); default: the genesis
                  origin_key held by the genesis validators
  --next FILE     {"validators": [hex key, ...]}: the set after the change, in its order
  part1  (at least the threshold of current participants) reads this validator's share file
         (--share) and writes reshare1-k<key16>.json (give it to every new participant) and
         reshare2-k<key16>-to-k<recipient16>.json (give each to its recipient: only it can open it)
  part2  (every new participant) needs the reshare1 files (all in DIR, or those of --dealers,
         their full hex keys) and its reshare2 files; writes origin-<share16>.share (put it beside
         node.key before the change takes effect) and origin_handover.json (for `shanliu
         validators change --origin-key`); prints the SHA-256 of the dealings: compare it with
         every other new participant out of band before going on
Exit 0 done, 1 refused (typed frost_* error; nothing written), 2 bad arguments.
)";

// "--dealers hex,hex,...": full keys of current participants.
std::optional<std::vector<crypto::PublicKey>> ParseDealers(const std::string& text) {
  std::vector<crypto::PublicKey> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    auto key = crypto::Hash256FromHex(std::string_view(text).substr(start, comma - start));
    if (!key.ok()) return std::nullopt;
    out.push_back(*key);
    start = comma + 1;
  }
  return out;
}

int FrostReshareCommand(int argc, char** argv) {
  std::map<std::string, std::string> flags;
  for (int i = 3; i + 1 < argc; i += 2) flags[argv[i]] = argv[i + 1];
  const std::string part = argc > 2 ? argv[2] : "";
  const std::set<std::string> allowed = part == "part1"
      ? std::set<std::string>{"--genesis", "--key", "--dir", "--current", "--next", "--share"}
      : std::set<std::string>{"--genesis", "--key", "--dir", "--current", "--next", "--dealers"};
  bool ok = (part == "part1" || part == "part2") && argc % 2 == 1 && flags.count("--genesis") && flags.count("--key") &&
            flags.count("--dir") && flags.count("--next") && (part == "part2" || flags.count("--share"));
  for (const auto& [flag, value] : flags) ok = ok && allowed.count(flag) == 1;
  std::optional<std::vector<crypto::PublicKey>> dealers;
  if (ok && flags.count("--dealers")) {
    dealers = ParseDealers(flags["--dealers"]);
    ok = dealers.has_value();
  }
  if (!ok) {
    std::cerr << kReshareUsage;
    return 2;
  }
  auto genesis = ledger::LoadGenesis(flags["--genesis"]);
  if (!genesis.ok()) return Fail("frost-reshare", genesis.status());
  auto key = crypto::ReadKeyFile(flags["--key"]);
  if (!key.ok()) return Fail("frost-reshare", key.status());
  auto current = node::ReadCurrentOriginKeys(*genesis, flags.count("--current") ? flags["--current"] : "");
  if (!current.ok()) return Fail("frost-reshare", current.status());
  auto next = node::ReadNextSet(flags["--next"]);
  if (!next.ok()) return Fail("frost-reshare", next.status());
  const node::ReshareParty party{*genesis, *key, flags["--dir"], *current, *next};
  if (part == "part1") {
    if (Status s = node::ReshareCeremonyPart1(party, flags["--share"]); !s.ok()) return Fail("frost-reshare", s);
    std::cout << "dealing and " << next->size() << " sealed shares written to " << flags["--dir"] << "\n";
    return 0;
  }
  auto hash = node::ReshareCeremonyPart2(party, dealers);
  if (!hash.ok()) return Fail("frost-reshare", hash.status());
  std::cout << "dealings sha256 " << *hash << "\n";
  return 0;
}

int Fail(const std::string& what, const shanliu::Status& s) {
  node::LogEvent("error", "startup_failed", {{"step", what}, {"error", s.ToString()}});
  std::cerr << "shanliu-node: " << what << ": " << s.message() << "\n";
  return 1;
}

int VerifyState(ledger::Ledger& ledger) {
  const Status s = ledger.VerifyState();
  if (!s.ok()) {
    std::cerr << "shanliu-node: state check failed at height " << ledger.height() << ": " << s.message() << "\n";
    return 1;
  }
  std::cout << "state map verified at height " << ledger.height() << ": root "
            << crypto::ToHex(AsBytes(ledger.head().state_root())) << " recomputed from every key\n";
  return 0;
}

// The scheduler's last run in the API's terms (the API does not depend on the audit library).
api::AuditStatusInfo AuditStatusOf(const audit::AuditScheduler& scheduler, const audit::AuditSchedule& schedule) {
  const audit::AuditState state = scheduler.State();
  api::AuditStatusInfo out{state.enabled, state.running, state.runs, schedule.every_blocks, schedule.every_ms, {}};
  if (!state.last) return out;
  const audit::AuditRun& run = *state.last;
  api::AuditRunInfo info;
  info.started_ms = run.started_ms;
  info.finished_ms = run.finished_ms;
  info.ran = run.report.has_value();
  if (!run.report) {
    info.error_code = std::string(run.error.code());
    info.error_message = run.error.message();
    out.last = std::move(info);
    return out;
  }
  const audit::AuditReport& r = *run.report;
  info.audited_height = r.source_head_height;
  info.blocks_checked = r.blocks_checked;
  info.txs_checked = r.txs_checked;
  info.signatures_checked = r.signatures_checked;
  info.log_size = r.log_size;
  info.head_hash_hex = r.head_hash_hex;
  info.log_root_hex = r.log_root_hex;
  info.state_root_hex = r.state_root_hex;
  info.checks_passed = r.checks_passed;
  if (r.failure) {
    const audit::AuditFailure& f = *r.failure;
    info.failure = api::AuditFailureInfo{f.height, f.tx_index, f.tx_id_hex, f.check, f.expected, f.found, f.message};
  }
  out.last = std::move(info);
  return out;
}

// The API reaches the node only through these, from its own threads (all thread-safe in Node).
api::NodeHooks ApiHooks(node::Node& node) {
  api::NodeHooks hooks;
  hooks.submit = [&node](std::vector<Bytes> envelopes) {
    std::vector<api::SubmitResult> results;
    for (auto& [id, status] : node.Submit(std::move(envelopes))) results.push_back({id, std::move(status)});
    return results;
  };
  hooks.pending = [&node](const Hash256& id) {
    api::PendingInfo info;
    Status error;
    switch (node.PendingState(id, &error)) {
      case node::TxState::kPending: info.state = api::PendingState::kPending; break;
      case node::TxState::kRejected:
        info.state = api::PendingState::kRejected;
        info.error = error;
        break;
      case node::TxState::kUnknown: break;
    }
    return info;
  };
  hooks.checkpoint_note = [&node] { return node.CheckpointNote(); };
  hooks.storage_corrupt = [](const api::StorageCorruptEvent& e) {
    node::LogEvent("error", "storage_corrupt", {{"key", e.key}, {"detail", e.detail}, {"where", e.where}});
  };
  hooks.info = [&node] {
    return api::NodeInfo{node.node_id(), node.role() == node::NodeRole::kObserver ? "observer" : "validator",
                         node.mempool().size(), node.peers(), node.mempool().applied_total()};
  };
  return hooks;
}

// Pushes the node's supermajority checkpoints to the configured C2SP witnesses from a thread of
// its own; proofs come from a snapshot of the ledger. Nothing configured: nothing to run.
std::unique_ptr<api::WitnessPusher> MakeWitnessPusher(node::Node& node, std::vector<api::WitnessTarget> targets) {
  if (targets.empty()) return nullptr;
  auto checkpoint = [&node]() -> std::optional<api::WitnessPusher::Checkpoint> {
    auto best = node.checkpoints().Best();
    if (!best) return std::nullopt;
    return api::WitnessPusher::Checkpoint{best->note, best->log_size, best->supermajority};
  };
  auto proofs = [&node](std::uint64_t old_size, std::uint64_t new_size) {
    return node.ledger().Read()->ConsistencyProof(old_size, new_size);
  };
  return std::make_unique<api::WitnessPusher>(std::move(targets), checkpoint, proofs);
}

// Rebuilds config.data_dir from certified blocks (node/store_repair.h); `report` gets progress.
Result<node::RepairSummary> Repair(const node::NodeConfig& config, const ledger::Genesis& genesis,
                                   const crypto::KeyPair& key, bool salvage,
                                   std::function<void(const std::string&, const std::string&)> report) {
  auto peers = node::MakePeerBlocks(key, genesis.chain_id, config.peers, config.repair_timeout_ms);
  node::RepairOptions options;
  options.data_dir = config.data_dir;
  options.salvage_local = salvage;
  options.report = std::move(report);
  return node::RepairStore(options, genesis, *peers);
}

void LogRepaired(const node::RepairSummary& r) {
  node::LogEvent("warn", "store_repaired",
                 {{"height", r.height},
                  {"head_hash", r.head_hash_hex},
                  {"state_root", r.state_root_hex},
                  {"salvaged_blocks", r.salvaged_blocks},
                  {"salvaged_above_gap", r.salvaged_above_gap},
                  {"fetched_blocks", r.fetched_blocks},
                  {"refused_peers", r.refused_peers.size()},
                  {"damaged_kept", r.damaged_kept.string()}});
}

// `shanliu-node repair`: the operator's command; prints a summary.
int RepairCommand(const node::NodeConfig& config, const ledger::Genesis& genesis, const crypto::KeyPair& key,
                  bool salvage) {
  auto repaired = Repair(config, genesis, key, salvage, [](const std::string& event, const std::string& detail) {
    std::cerr << event << ": " << detail << "\n";
  });
  if (!repaired.ok()) {
    std::cerr << "shanliu-node repair: " << repaired.status().ToString() << "\n"
              << "the data directory " << config.data_dir.string() << " was not changed\n";
    return 1;
  }
  const node::RepairSummary& r = *repaired;
  LogRepaired(r);
  if (!r.recovered.empty()) std::cout << "first " << r.recovered << "\n";
  std::cout << "repaired " << config.data_dir.string() << " at height " << r.height << "\n"
            << "  head block " << r.head_hash_hex << ", state root " << r.state_root_hex
            << " (every block's certificate checked, the state map recomputed from every key)\n"
            << "  " << r.salvaged_blocks << " blocks salvaged from the damaged store (" << r.salvaged_above_gap
            << " of them above blocks peers served), " << r.fetched_blocks << " fetched from peers\n";
  if (!r.salvage_stopped.empty()) std::cout << "  salvage stopped: " << r.salvage_stopped << "\n";
  for (const std::string& p : r.refused_peers) std::cout << "  refused peer " << p << "\n";
  for (const std::string& p : r.unreachable_peers) std::cout << "  unreachable peer " << p << "\n";
  std::cout << "  the damaged store is kept in " << r.damaged_kept.string() << "\n";
  return 0;
}

// Before the node opens its store: finish a swap a crash interrupted, and on a store known to
// be damaged (REPAIR_NEEDED, or `opened_error` storage_corrupt from a first open) repair it if
// `auto_repair`, else refuse to run on it. An exit code to stop with, or nothing to go on.
std::optional<int> PrepareStore(const node::NodeConfig& config, const ledger::Genesis& genesis,
                                const crypto::KeyPair& key, bool auto_repair, bool validator,
                                const Status& opened_error) {
  auto recovered = node::RecoverInterruptedSwap(config.data_dir);
  if (!recovered.ok()) return Fail("repair recovery", recovered.status());
  if (!recovered->empty()) node::LogEvent("warn", "repair_recovered", {{"detail", *recovered}});
  std::optional<std::string> damage = node::RepairNeeded(config.data_dir);
  if (!opened_error.ok()) {
    damage = opened_error.ToString();
    node::LogEvent("error", "storage_corrupt", {{"where", "startup"}, {"detail", *damage}});
    (void)node::MarkRepairNeeded(config.data_dir, *damage);
  }
  if (!damage) return std::nullopt;
  if (!auto_repair) {
    node::LogEvent("error", "storage_damaged", {{"detail", *damage}, {"auto_repair", false}});
    // An observer may still serve what reads back intact; a validator must not sign from it.
    if (!validator && opened_error.ok()) return std::nullopt;
    std::cerr << "shanliu-node: the store in " << config.data_dir.string() << " is damaged (" << *damage
              << "); run `shanliu-node repair --config ...`\n";
    return node::kExitStorageDamaged;
  }
  node::LogEvent("warn", "repair_started", {{"detail", *damage}});
  auto repaired = Repair(config, genesis, key, true, [](const std::string& event, const std::string& detail) {
    node::LogEvent("info", event, {{"detail", detail}});
  });
  if (!repaired.ok()) {
    node::LogEvent("error", "repair_failed", {{"error", repaired.status().ToString()}});
    return node::kExitStorageDamaged;
  }
  LogRepaired(*repaired);
  return std::nullopt;
}

// Before the store opens: drops a restore a crash interrupted and, with state sync on and no store
// yet, restores one from the peers' latest certified snapshot (node/state_sync.h). An exit code
// to stop with, or nothing to go on.
std::optional<int> PrepareStateSync(const node::NodeConfig& config, const ledger::Genesis& genesis,
                                    const crypto::KeyPair& key) {
  auto dropped = node::DropInterruptedRestore(config.data_dir);
  if (!dropped.ok()) return Fail("state sync", dropped.status());
  if (*dropped) node::LogEvent("warn", "state_sync_interrupted_dropped", {{"data_dir", config.data_dir.string()}});
  if (!config.state_sync) return std::nullopt;
  if (!node::HasNoStore(config.data_dir)) {
    node::LogEvent("info", "state_sync_skipped", {{"reason", "the data directory holds a store"}});
    return std::nullopt;
  }
  auto peers = node::MakePeerSnapshots(key, genesis.chain_id, config.peers, config.state_sync_timeout_ms);
  node::StateSyncOptions options;
  options.data_dir = config.data_dir;
  options.min_peers = config.state_sync_min_peers;
  options.wait_between_rounds = [] { std::this_thread::sleep_for(std::chrono::milliseconds(500)); };
  options.report = [](const std::string& event, const std::string& detail) {
    node::LogEvent("info", event, {{"detail", detail}});
  };
  node::LogEvent("info", "state_sync_started", {{"peers", config.peers.size()}, {"min_peers", options.min_peers}});
  auto restored = node::RestoreFromPeers(options, genesis, *peers);
  if (!restored.ok()) {
    node::LogEvent("error", "state_sync_failed", {{"error", restored.status().ToString()}});
    std::cerr << "shanliu-node: state sync failed: " << restored.status().ToString() << "\n"
              << "no store was written in " << config.data_dir.string() << "\n";
    return 1;
  }
  node::LogEvent("info", "state_synced",
                 {{"height", restored->height},
                  {"block_hash", restored->block_hash_hex},
                  {"state_root", restored->state_root_hex},
                  {"chunks", restored->chunks},
                  {"rows", restored->rows},
                  {"chunks_refetched", restored->chunks_refetched},
                  {"refused_peers", restored->refused_peers.size()}});
  return std::nullopt;
}

}  // namespace

// Runs the io loop until it stops. A storage fault (or a broken invariant) escaping a handler
// ends the node with one node_fatal line and exit code 3 instead of std::terminate; so does a
// producer or runner that stopped the loop because it could not store a block.
static int RunLoop(boost::asio::io_context& io, node::Node& node, node::DamageGuard& damage) {
  constexpr int kFatalExit = 3;
  try {
    io.run();
  } catch (const ledger::StorageCorrupt& e) {
    node::LogEvent("error", "storage_corrupt", {{"key", e.key()}, {"detail", e.what()}, {"where", "node"}});
    damage.Seen(e.key(), "node");
    return node::kExitStorageDamaged;
  } catch (const ledger::StorageError& e) {
    node::LogEvent("error", "node_fatal", {{"step", "storage"}, {"error", e.what()}, {"height", node.ledger().height()}});
    return kFatalExit;
  } catch (const std::exception& e) {
    node::LogEvent("error", "node_fatal", {{"step", "internal"}, {"error", e.what()}, {"height", node.ledger().height()}});
    return kFatalExit;
  }
  if (damage.stopped()) return node::kExitStorageDamaged;
  return node.fatal() ? kFatalExit : 0;
}

int main(int argc, char** argv) {
  crypto::Init();
  node::RouteProtobufLogs();  // before any thread parses: protobuf's own lines become rate-limited JSON
  std::string config_path;
  bool verify_state = false;
  bool repair = false, salvage = true, restored_ok = false, state_sync = false;
  int first = 1;
  if (argc > 1 && std::string(argv[1]) == "backup") return node::BackupCommand(argc, argv);
  if (argc > 1 && std::string(argv[1]) == "frost-dkg") return FrostDkgCommand(argc, argv);
  if (argc > 1 && std::string(argv[1]) == "frost-reshare") return FrostReshareCommand(argc, argv);
  if (argc > 1 && std::string(argv[1]) == "restore") return node::RestoreCommand(argc, argv);
  if (argc > 1 && std::string(argv[1]) == "repair") {
    repair = true;
    first = 2;
  }
  for (int i = first; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return 0;
    }
    if (arg == "--version") {
      std::cout << node::VersionString() << "\n";
      return 0;
    }
    if (arg == "--config" && i + 1 < argc) {
      config_path = argv[++i];
      continue;
    }
    if (arg == "--verify-state" && !repair) {
      verify_state = true;
      continue;
    }
    if (arg == "--restored-ok" && !repair) {
      restored_ok = true;
      continue;
    }
    if (arg == "--state-sync" && !repair) {
      state_sync = true;
      continue;
    }
    if (arg == "--no-salvage" && repair) {
      salvage = false;
      continue;
    }
    std::cerr << "shanliu-node: unknown argument '" << arg << "'\n" << kUsage;
    return 2;
  }
  if (config_path.empty()) {
    std::cerr << kUsage;
    return 2;
  }

  auto config = node::LoadNodeConfig(config_path);
  if (!config.ok()) return Fail("config", config.status());
  auto genesis = ledger::LoadGenesis(config->genesis);
  if (!genesis.ok()) return Fail("genesis", genesis.status());
  auto key = crypto::ReadKeyFile(config->node_key);
  if (!key.ok()) return Fail("node key", key.status());
  if (Status s = LoadOriginShares(*genesis, *config); !s.ok()) return Fail("origin share", s);

  if (repair) return RepairCommand(*config, *genesis, *key, salvage);
  const bool validator = !config->observer && genesis->ValidatorIndex(key->public_key) >= 0;
  const bool auto_repair = config->auto_repair.value_or(!validator);
  // --verify-state only reads, so it may check a restored store before anything signs.
  if (!verify_state) {
    if (auto stop = node::CheckRestored(config->data_dir, validator, restored_ok)) return *stop;
  }
  if (auto stop = PrepareStore(*config, *genesis, *key, auto_repair, validator, Status::Ok())) return *stop;
  config->state_sync = config->state_sync || state_sync;
  if (!verify_state) {
    if (auto stop = PrepareStateSync(*config, *genesis, *key)) return *stop;
  }

  // Test-only skew (docs/testing.md): the node's every clock reading moves by the offset.
  const node::OffsetClock skewed_clock(node::SystemClock(), config->test_clock_offset_ms);
  if (config->test_clock_offset_ms != 0) {
    config->clock = &skewed_clock;
    node::LogEvent("warn", "test_only_clock_offset", {{"clock_offset_ms", config->test_clock_offset_ms}});
  }
  boost::asio::io_context io;
  // A validator stops on damage whatever auto_repair says; an observer only with it.
  node::DamageGuard damage(config->data_dir, validator || auto_repair, [&io] { io.stop(); });
  config->on_storage_corrupt = [&damage](const std::string& key, const std::string&) {
    damage.Seen(key, "sync request");
  };
  auto opened = node::Node::Open(io, *config, *genesis, *key);
  // An old store format is rebuilt the same way: its blocks read back and replay.
  const auto damaged = [](const Status& s) {
    return s.code() == errc::kStorageCorrupt || s.code() == errc::kCorruption || s.code() == errc::kStoreFormatOld;
  };
  if (!opened.ok() && damaged(opened.status())) {
    // A damaged store found by the head checks or the startup sample (a failed checksum, or
    // records that disagree with their hashes): repair (or refuse) now.
    if (auto stop = PrepareStore(*config, *genesis, *key, auto_repair, validator, opened.status())) return *stop;
    opened = node::Node::Open(io, *config, *genesis, *key);
  }
  if (!opened.ok()) return Fail(opened.status().code() == errc::kInvalidConfig ? "p2p" : "ledger", opened.status());
  node::Node& node = **opened;
  if (verify_state) return VerifyState(node.ledger());

  // The node's own audit reads a ReadView (a snapshot) of the ledger on its own low-priority
  // thread; the io thread only counts commits into it.
  // Damage the audit meets stops the node like any other reader's (DamageGuard).
  audit::AuditScheduler auditor(
      node.ledger().genesis(),
      [&node, &damage]() -> Result<std::unique_ptr<audit::BlockSource>> {
        return audit::OpenLedgerSource(node.ledger().Read(), [&damage](const std::string& key, const std::string& detail) {
          node::LogEvent("error", "storage_corrupt", {{"key", key}, {"detail", detail}, {"where", "audit"}});
          damage.Seen(key, "audit");
        });
      },
      config->audit);
  api::NodeHooks hooks = ApiHooks(node);
  hooks.storage_corrupt = [log = hooks.storage_corrupt, &damage](const api::StorageCorruptEvent& e) {
    log(e);
    damage.Seen(e.key, e.where);
  };
  hooks.audit_status = [&auditor, schedule = config->audit] { return AuditStatusOf(auditor, schedule); };
  std::unique_ptr<api::WitnessPusher> witnesses = MakeWitnessPusher(node, config->witnesses);
  if (witnesses) {
    hooks.checkpoint_note = [&node, &witnesses]() -> std::optional<std::string> {
      auto note = node.CheckpointNote();
      if (!note) return note;
      return witnesses->Decorate(*note);
    };
    hooks.witnesses = [&witnesses] { return witnesses->Cosignatures(); };
  }
  auto server = std::make_unique<api::Server>(config->api, node.ledger(), std::move(hooks));
  // Whether the scheduled audit runs: from the start on a store with its whole history, else from
  // the first commit after the history backfill completed (io thread only).
  bool audit_on = node.ledger().history_base() == 0;
  node.SetOnCommitted([&server, &auditor, &audit_on, &node](std::uint64_t height) {
    server->NotifyCommitted(height);
    if (!audit_on && node.ledger().history_base() == 0) {
      audit_on = true;
      node::LogEvent("info", "audit_on", {{"reason", "history backfill complete"}, {"height", height}});
      auditor.Start();
    }
    auditor.NotifyCommitted(height);
  });
  if (Status s = server->Start(); !s.ok()) return Fail("api", s);
  if (Status s = node.Start(); !s.ok()) return Fail("p2p", s);
  auditor.NotifyCommitted(node.ledger().height());
  // A store restored from a snapshot holds no blocks below it: the audit replays from genesis,
  // so it runs on nodes with the whole history only (docs/operator.md "Starting from a snapshot").
  if (audit_on) {
    auditor.Start();
  } else {
    node::LogEvent("info", "audit_off", {{"reason", "state-synced store"}, {"history_base", node.ledger().history_base()}});
  }
  // Backups on request of `shanliu-node backup`, from a snapshot, on the socket's own thread.
  std::unique_ptr<node::admin::Server> admin =
      node::StartAdminSocket(config->data_dir, node.ledger(), [&damage](const std::string& detail) {
        node::LogEvent("error", "storage_corrupt", {{"detail", detail}, {"where", "backup"}});
        damage.Seen("(a whole-store read)", "backup");
      });
  if (witnesses) witnesses->Start();

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int signal) {
    node::LogEvent("info", "node_stopping", {{"signal", signal}});
    node.Stop();
    io.stop();
  });
  const bool networked = node.role() != node::NodeRole::kSolo || !config->peers.empty();
  node::LogEvent("info", "node_started",
                 {{"chain_id", node.ledger().genesis().chain_id},
                  {"role", node.role() == node::NodeRole::kObserver ? "observer" : "validator"},
                  {"node_id", node.node_id()},
                  {"height", node.ledger().height()},
                  {"api", "http://" + config->api.listen_address + ":" + std::to_string(server->port())},
                  {"p2p", networked ? config->p2p_listen + ":" + std::to_string(config->p2p_port) : "off"}});
  // Keep the loop alive while idle: the producer's timer is re-armed, observers wait for signals.
  const int code = RunLoop(io, node, damage);
  admin.reset();   // ends a backup in progress: before the ledger it reads goes away
  auditor.Stop();  // likewise
  if (witnesses) witnesses->Stop();  // it reads proofs from the ledger too
  node.Stop();
  server->Stop();
  node::LogEvent("info", "node_stopped", {{"height", node.ledger().height()}, {"exit_code", code}});
  return code;
}
