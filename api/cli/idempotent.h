// Submitting txs so that a retry never books twice (docs/cli.md "Safe retries"): each request
// has a key; the journal holds the envelope made for it, which is resubmitted as it is until
// it commits, or until the chain is past its expiry (then, and only then, a fresh one is made).
// Used by `shanliu tx --idempotency-key` and by `shanliu import`.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "import/journal.h"
#include "node_client.h"
#include "shanliu/crypto/keys.h"
#include "shanliu/pb/shanliu.pb.h"

namespace shanliu::cli {

struct IdempotentRequest {
  std::string key;   // idempotency key (unique within the batch)
  pb::TxBody body;   // chain_id and payload; nonce, created_at_ms and expiries are filled here
};

enum class Outcome {
  kCommitted,  // on the ledger (now or by an earlier run: `reused`)
  kPending,    // accepted, not yet committed (or not committable yet and not expired)
  kAlreadyBooked,  // the ledger already holds this bank movement under `tx_id` (duplicate_bank_ref)
  kRejected,   // the node refused it: `error`
  kConflict,   // the key was used before with other fields ("idempotency_conflict")
};
const char* OutcomeName(Outcome outcome);

struct IdempotentResult {
  Outcome outcome = Outcome::kRejected;
  Hash256 tx_id{};
  std::uint64_t height = 0;  // when committed and known
  bool reused = false;       // the journal's envelope was submitted again
  bool committed_before = false;  // and the node already held it as committed (an earlier run's)
  bool replaced = false;  // the journalled envelope expired unused: this is a fresh one
  Status error;
};

struct IdempotentOptions {
  std::uint64_t expires_in_blocks = 100;
  std::uint64_t expires_in_ms = 3'600'000;
  std::size_t batch = 1000;
  bool wait = false;
  unsigned wait_timeout_ms = 120'000;
  // Called after each batch with (requests done so far, total).
  std::function<void(std::size_t, std::size_t)> progress;
};

// Signs, journals and submits every request; one result per request, in order. A network
// failure mid-way returns its Status: what was journalled is resubmitted by the next run.
Result<std::vector<IdempotentResult>> SubmitIdempotent(const NodeClient& node, import::Journal& journal,
                                                       const std::vector<const crypto::KeyPair*>& signers,
                                                       const std::vector<IdempotentRequest>& requests,
                                                       const IdempotentOptions& options);

struct Args;
// `shanliu tx … --idempotency-key KEY [--journal DIR]`: submits `payload_body` (chain id and
// payload set) under the key and prints the outcome; returns the exit code.
int TxWithIdempotencyKey(const Args& args, const NodeClient& node, const pb::TxBody& payload_body,
                         const std::vector<const crypto::KeyPair*>& signers, std::uint64_t expires_in_blocks,
                         std::uint64_t expires_in_ms);

}  // namespace shanliu::cli
