// Where the demo's signed transactions go: a running node (HTTP API), or straight into a
// ledger data directory through the same BuildBlock / Commit path a validator uses.
#pragma once

#include <filesystem>
#include <memory>
#include <vector>

#include "node_client.h"
#include "shanliu/ledger/ledger.h"

namespace shanliu::cli::demo {

struct TxFailure {
  std::size_t index = 0;  // into the batch given to Apply
  Status error;
};

class Sink {
 public:
  virtual ~Sink() = default;
  virtual Result<ChainHead> Head() = 0;
  // Submits `txs` in order and returns once each is committed or has failed; reports failures.
  virtual Result<std::vector<TxFailure>> Apply(const std::vector<ledger::DecodedTx>& txs) = 0;
};

// Through POST /v1/txs (batches of up to 1000), then GET /v1/txs/{id} until committed.
// Transactions refused only because the node is busy (mempool_full, rate_limited) are
// submitted again once the earlier ones have committed.
std::unique_ptr<Sink> MakeHttpSink(const std::string& node_url);

// Into the ledger at `data_dir` (created if empty), committing each block with precommits
// from the validator keys found in devnet_dir/node*/node.key (more than 2/3 of the power).
Result<std::unique_ptr<Sink>> MakeLedgerSink(const std::filesystem::path& data_dir, const ledger::Genesis& genesis,
                                             const std::filesystem::path& devnet_dir);

}  // namespace shanliu::cli::demo
