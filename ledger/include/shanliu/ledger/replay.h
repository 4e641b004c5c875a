// One replayer for every path that takes committed blocks from elsewhere — block sync and the
// audit: for each block it checks the header chain and the commit certificate against the
// validator set of that height (the genesis set, then each committed ValidatorSetChange), the tx envelopes and their signatures (on the VerifyPool, one batch
// ahead of execution), re-executes the block, checks the header's roots against the result
// and commits. The first failure comes back as a ReplayFailure: typed, never text to parse.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shanliu/ledger/ledger.h"
#include "shanliu/ledger/verify_pool.h"
#include "shanliu/pb/shanliu.pb.h"
#include "shanliu/status.h"

namespace shanliu::ledger {

// Status codes a BlockSource uses for faults in the blocks it serves (a replay failure with
// check kStorage); any other error code is operational (cannot read, peer unreachable).
inline constexpr std::string_view kBlockMissing = "block_missing";
inline constexpr std::string_view kBlockMalformed = "block_malformed";
// A stored record failed its checksum (a local store read through StoreReader).
inline constexpr std::string_view kStorageCorrupt = "storage_corrupt";

// Where replayed blocks come from. Used from one thread at a time (not necessarily the
// thread that runs the replay: the next batch is fetched while this one executes).
class BlockSource {
 public:
  virtual ~BlockSource() = default;
  // Committed blocks (each with its commit certificate) from height `from` on, in order: at
  // least one and at most `max_count`.
  virtual Result<std::vector<pb::CommittedBlock>> Fetch(std::uint64_t from, std::uint64_t max_count) = 0;
};

// The checks, in the order they run for each block. The names (ReplayCheckName) are stable:
// reports, logs and tests use them.
enum class ReplayCheck : std::uint8_t {
  kStorage,            // the source could not serve the block (missing, malformed)
  kHeaderChain,        // height, chain id, previous hash, time, validator set, proposer index
  kCommitCertificate,  // > 2/3 of the voting power precommitted this header's hash
  kBlockLimits,        // the genesis max_block_txs / max_block_bytes
  kTxSignature,        // envelope decodes, stateless rules hold, every signature verifies
  kExecution,          // every tx applies to the replayed state (signer and state rules)
  kConservation,       // re-execution would break conservation of money
  kTxsRoot,            // the header's fields against re-execution, in header order
  kLogSize,
  kLogRoot,
  kStateRoot,
  kHeaderFields,       // any other header field (next validators hash, encoding)
};
std::string_view ReplayCheckName(ReplayCheck check);

struct ReplayFailure {
  std::uint64_t height = 0;
  std::optional<std::uint32_t> tx_index;  // set when one tx is at fault
  std::optional<Hash256> tx_id;           // that tx's id, if its body parses
  ReplayCheck check = ReplayCheck::kStorage;
  std::string expected;  // hex hashes, decimal numbers; empty when there is no single value
  std::string found;
  Status cause;          // never ok: the underlying Status (a stable code; the message is for people)
};

struct ReplayProgress {
  std::uint64_t blocks = 0;      // blocks committed so far by this replay
  std::uint64_t txs = 0;
  std::uint64_t signatures = 0;  // tx signatures verified (not counting known ones)
};

struct ReplayOptions {
  // At most this many blocks are fetched and verified ahead; batches aim at `batch_txs` txs.
  std::uint64_t max_batch_blocks = 64;
  std::uint64_t batch_txs = 4096;
  // A verified-signature cache (e.g. the mempool's); thread-safe, see VerifyPool::CheckTxs.
  std::function<bool(const Hash256&)> known_verified;
  // After each committed block, on the replaying thread.
  std::function<void(const ExecutedBlock&)> on_commit;
  // After each batch, on the replaying thread.
  std::function<void(const ReplayProgress&)> on_progress;
};

struct ReplayResult {
  ReplayProgress done;
  std::optional<ReplayFailure> failure;  // the first block that did not check out
  bool ok() const { return !failure.has_value(); }
};

class Replayer {
 public:
  // Both must outlive the replayer. Only the replayer writes to `ledger` while it runs.
  Replayer(Ledger& ledger, VerifyPool& pool, ReplayOptions options = {});

  // Replays heights head+1 .. `to_height` from `source` and commits each block that passes
  // every check. Stops at the first failure (reported in the result, nothing of that block
  // written). A Status error means the replay could not run: an operational source error or
  // the ledger's storage failing.
  Result<ReplayResult> Run(BlockSource& source, std::uint64_t to_height);

 private:
  struct Batch;
  Result<Batch> Prepare(BlockSource& source, std::uint64_t from, std::uint64_t count);
  // Checks, executes and commits one block: sets *failure if it does not check out; an error
  // Status only if the ledger cannot commit (storage).
  Status ReplayBlock(const pb::CommittedBlock& committed, std::vector<Result<DecodedTx>>& checked,
                     ReplayProgress& done, std::optional<ReplayFailure>* failure);
  // The checks before execution; moves the decoded txs into *txs.
  std::optional<ReplayFailure> CheckBlock(const pb::CommittedBlock& committed, std::vector<Result<DecodedTx>>& checked,
                                          std::vector<DecodedTx>* txs) const;
  std::optional<ReplayFailure> CheckHeaderChain(const pb::BlockHeader& header) const;

  Ledger& ledger_;
  VerifyPool& pool_;
  ReplayOptions options_;
};

// A source over blocks already in memory (e.g. a sync response), starting at `first_height`.
class VectorBlockSource final : public BlockSource {
 public:
  VectorBlockSource(std::uint64_t first_height, std::vector<pb::CommittedBlock> blocks)
      : first_height_(first_height), blocks_(std::move(blocks)) {}
  Result<std::vector<pb::CommittedBlock>> Fetch(std::uint64_t from, std::uint64_t max_count) override;
  std::uint64_t last_height() const { return first_height_ + blocks_.size() - 1; }

 private:
  std::uint64_t first_height_;
  std::vector<pb::CommittedBlock> blocks_;
};

}  // namespace shanliu::ledger
