// The audit (DESIGN 11: `shanliu audit`): replay a chain from its genesis file and re-verify
// everything — tx signatures and signer rules, block roots, the header chain, commit
// certificates, state digests by re-execution, conservation and trace sums — then, given a
// checkpoint saved earlier, prove the log only grew since. A library so tests and the bench
// call it directly; `shanliu audit` (api/cli/audit_command.cc) adds arguments, progress and
// exit codes. The per-block work is ledger::Replayer's (the same replay block sync uses); the
// audit orchestrates it and the whole-chain checks through the ledger's public APIs only.
//
// The audit names the FIRST failure exactly (height, tx index and id, check, expected vs found).
// Checks run once: genesis; per block in ledger::ReplayCheck order: storage, header_chain,
// commit_certificate, block_limits, tx_signature, execution, conservation, txs_root,
// log_size, log_root, state_root, header_fields; then over the whole chain: conservation,
// trace_sums, stored_state (data dirs), checkpoint / consistency.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "shanliu/bytes.h"
#include "shanliu/ledger/genesis.h"
#include "shanliu/ledger/replay.h"
#include "shanliu/ledger/store_reader.h"
#include "shanliu/pb/shanliu.pb.h"
#include "shanliu/status.h"

namespace shanliu::audit {

// Status codes a BlockSource uses for faults in what it serves (they become audit failures,
// check "storage"); any other code is an operational error (cannot read, node unreachable).
using ledger::kBlockMalformed;
using ledger::kBlockMissing;

// Where the audited blocks come from. Used from one thread at a time. Fetch (ledger::BlockSource)
// returns height 0 as the genesis header without txs or certificate.
class BlockSource : public ledger::BlockSource {
 public:
  virtual std::string Describe() const = 0;
  // The source's committed head height (the audit replays 1..head).
  virtual Result<std::uint64_t> HeadHeight() = 0;
  // The ledger store behind the source, if it is local (for the stored-state check).
  virtual const ledger::StoreReader* LocalStore() const { return nullptr; }
  // The source's own consistency proof between two log sizes, if it serves one (a node does).
  virtual std::optional<Result<std::vector<Hash256>>> ConsistencyProof(std::uint64_t /*old_size*/,
                                                                       std::uint64_t /*new_size*/) {
    return std::nullopt;
  }
};

// A node's data directory (its config's data_dir, holding ledger/) or the ledger LevelDB itself,
// read directly without Ledger::Open's head checks so a damaged store can still be audited.
// Never writes to `dir` (it reads a private copy). A store that fails its checksums on open
// still gives a source: the audit then reports FAILED, check "storage", naming the file.
// Error "in_use" if a running node holds the LevelDB lock.
Result<std::unique_ptr<BlockSource>> OpenDataDirSource(const std::filesystem::path& dir);
// A node's API: GET /v1/checkpoint for the head, GET /v1/blocks/raw for the blocks.
std::unique_ptr<BlockSource> OpenNodeSource(std::string base_url);

struct AuditProgress {
  std::uint64_t blocks_done = 0;
  std::uint64_t blocks_total = 0;
  std::uint64_t txs_done = 0;
  double seconds = 0;
};

struct AuditOptions {
  unsigned threads = 0;                              // signature verification; 0 = hardware threads
  std::optional<std::string> since_checkpoint_note;  // a signed note saved earlier (text)
  std::string since_checkpoint_label = "the checkpoint";  // how the report names it (a file name)
  std::filesystem::path work_dir;                    // parent of the replay's temp dir; empty: system temp
  std::function<void(const AuditProgress&)> progress;  // after every batch of blocks (same thread)
  std::uint64_t batch_blocks = 64;                   // at most this many blocks fetched and verified ahead
};

struct AuditFailure {
  std::uint64_t height = 0;
  std::optional<std::uint32_t> tx_index;
  std::string tx_id_hex;  // empty if the failure is not about one tx (or its body does not parse)
  std::string check;      // "genesis", a ledger::ReplayCheckName, or a whole-chain check (see above)
  std::string expected;   // empty when there is no single expected value
  std::string found;
  std::string message;
};

struct CheckpointResult {
  std::uint64_t size = 0;
  std::string root_hex;
  std::vector<std::string> cosigners;  // names of the validators whose cosignatures verified
  std::uint64_t cosigned_power = 0;
  std::uint64_t total_power = 0;
  bool consistent = false;  // the audited log extends it
};

struct AuditReport {
  std::string source;
  std::string chain_id;
  unsigned threads = 0;
  std::uint64_t source_head_height = 0;
  std::uint64_t blocks_checked = 0;  // blocks that passed every per-block check
  std::uint64_t txs_checked = 0;
  std::uint64_t signatures_checked = 0;
  std::uint64_t head_height = 0;     // of the replayed chain
  std::string head_hash_hex, log_root_hex, state_root_hex;
  std::uint64_t log_size = 0;
  std::uint64_t gifts_traced = 0;
  double seconds = 0;         // the whole audit
  double replay_seconds = 0;  // of which fetching, verifying and re-executing the blocks
  std::vector<std::string> checks_passed;  // the whole-chain checks that ran and held
  std::optional<CheckpointResult> checkpoint;
  std::optional<AuditFailure> failure;

  bool ok() const { return !failure.has_value(); }
};

// Replays `source` into a fresh ledger in a temp dir. A verification failure is reported in
// the AuditReport; a Status error means the audit could not run (unreadable source, node
// unreachable, unreadable checkpoint file...).
Result<AuditReport> RunAudit(BlockSource& source, const ledger::Genesis& genesis, const AuditOptions& options);

std::string ReportText(const AuditReport& report);
nlohmann::json ReportJson(const AuditReport& report);

// Splits a GET /v1/blocks/raw body: repeated (u32 BE length || CommittedBlock bytes).
// Error "block_malformed" for a truncated frame, an oversized length or bad protobuf.
Result<std::vector<pb::CommittedBlock>> ParseRawBlocks(std::string_view body);

}  // namespace shanliu::audit
