// The validators' FROST signing of checkpoints under the origin name (docs/decisions.md "FROST
// wiring", "Origin key hand-over"), as one validator's bookkeeping, with no network, clock or
// thread of its own: the node feeds it what arrives and sends what it returns.
//
// Every checkpoint is signed by the origin key set in force for it (origin_keys.h: the set of the
// block that made the checkpoint), its *epoch*: who holds which share, and this node's share of
// it if any. "Participant i" below is the epoch's participants[i], FROST identifier i + 1.
//
//   1. A participant that cosigns a checkpoint also commits fresh nonces to it (Commit) and sends
//      the commitments with its cosignature; peers record them (AddCommitment).
//   2. The checkpoint's coordinator, participant (log size mod n), once it holds t commitments,
//      picks the t lowest-indexed and sends the signing package (TakePackage).
//   3. Each chosen signer answers a package from the coordinator with its signature share
//      (SignPackage); its nonces are burnt before the share leaves.
//   4. Anyone holding the package and t shares that verify aggregates (AddPackage, AddShare):
//      the result is a plain Ed25519 signature under the genesis group key.
//
// A checkpoint's session is bound to the epoch it was opened with; a message resolved to another
// epoch is refused (`stale_checkpoint`). Nonces live only in memory: a restart loses them, so none
// is ever used twice. Memory is bounded: `keep_checkpoints` checkpoints, one commitment and one
// share per participant each.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "shanliu/crypto/frost.h"
#include "shanliu/ledger/genesis.h"
#include "shanliu/ledger/origin_keys.h"
#include "shanliu/status.h"

namespace shanliu::ledger {

struct CheckpointRef {
  std::uint64_t log_size = 0;
  Hash256 log_root{};
  auto operator<=>(const CheckpointRef&) const = default;
};

// `validator_index` fields below are participant indexes of the checkpoint's epoch (the wire
// keeps the old name: before hand-overs they were genesis indexes, which the genesis epoch keeps).
struct OriginCommitment {
  std::uint32_t validator_index = 0;
  crypto::frost::SigningCommitments commitments;
};

struct OriginSigningPackage {
  CheckpointRef checkpoint;
  std::vector<OriginCommitment> commitments;  // exactly the threshold, by participant index
};

struct OriginShare {
  CheckpointRef checkpoint;
  std::uint32_t validator_index = 0;
  crypto::frost::ScalarBytes share{};
};

// One origin key set as this node sees it.
struct OriginEpoch {
  OriginKeySet keys;
  std::optional<std::uint32_t> own_index;        // this node's participant index (none: not one)
  std::optional<crypto::frost::KeyPackage> key;  // this node's share (none: no share file for it)
};
// Builds an epoch for the node whose consensus key is `own_key`, taking its key package from the
// first of `shares` (identifier, signing share) that is its identifier's and matches the set's
// verifying share. Shares of other identifiers or sets are skipped; a share of this node's
// identifier that does not match is skipped too and reported through `mismatch` when given.
std::shared_ptr<const OriginEpoch> MakeOriginEpoch(
    OriginKeySet keys, const crypto::PublicKey& own_key,
    std::span<const std::pair<crypto::frost::Identifier, crypto::frost::SecretScalar>> shares,
    Status* mismatch = nullptr);

// The coordinator of a checkpoint: rotates with the log size, so a participant that is down costs
// only the checkpoints it would coordinate.
std::uint32_t OriginCoordinator(const OriginEpoch& epoch, std::uint64_t log_size);

using OriginEpochPtr = std::shared_ptr<const OriginEpoch>;

class OriginSigner {
 public:
  static constexpr std::size_t kDefaultKeepCheckpoints = 8;

  // `genesis` names the origin (the signed body); it must have an origin key (asserted).
  explicit OriginSigner(const Genesis& genesis, crypto::frost::RandomFill random = crypto::frost::SystemRandom(),
                        std::size_t keep_checkpoints = kDefaultKeepCheckpoints);

  // Round one for a checkpoint this validator cosigned: fresh nonces (once per checkpoint; a second
  // call returns the same commitments). None without a key in `epoch`, or "stale_checkpoint".
  Result<std::optional<OriginCommitment>> Commit(const CheckpointRef& checkpoint, const OriginEpochPtr& epoch);
  // A peer's commitment, carried by its verified cosignature. Errors "unknown_validator",
  // "frost_malformed" (points), "frost_bad_commitment" (another one for the same checkpoint),
  // "stale_checkpoint" (also: the checkpoint's session has another epoch).
  Status AddCommitment(const CheckpointRef& checkpoint, const OriginEpochPtr& epoch, const OriginCommitment& commitment);
  // The coordinator's package, once: when this node coordinates the checkpoint and holds t
  // commitments. The package is also taken as received (AddPackage).
  std::optional<OriginSigningPackage> TakePackage(const CheckpointRef& checkpoint);
  // A package, checked: from the checkpoint's coordinator ("frost_bad_commitment" otherwise),
  // exactly t distinct participants with valid points, not in conflict with a package already held.
  // Shares that arrived first are verified now; returns the signature when t of them verify.
  Result<std::optional<crypto::Signature>> AddPackage(const OriginSigningPackage& package, const OriginEpochPtr& epoch,
                                                     std::uint32_t from_participant);
  // This node's share for a package it holds (AddPackage first). Burns the nonces first.
  // Errors "frost_bad_commitment" (this node is not listed, or with other commitments),
  // "frost_nonce_used" (already signed: a replayed package), "stale_checkpoint".
  Result<OriginShare> SignPackage(const CheckpointRef& checkpoint);
  // A share: verified against the package when it is held (else kept until it comes, one per
  // participant). Returns the aggregate signature once t valid shares are in, once.
  // Errors "frost_invalid_share" (names the participant), "unknown_validator", "stale_checkpoint".
  // A share for a checkpoint with no session is refused ("stale_checkpoint"), never kept.
  Result<std::optional<crypto::Signature>> AddShare(const OriginShare& share);

  std::size_t sessions() const;

 private:
  struct Session {
    OriginEpochPtr epoch;
    std::optional<crypto::frost::SigningNonces> nonces;  // own, until used
    std::map<std::uint32_t, crypto::frost::SigningCommitments> commitments;
    std::optional<OriginSigningPackage> package;
    bool package_taken = false;
    std::map<std::uint32_t, crypto::frost::ScalarBytes> pending_shares;  // before the package
    std::map<std::uint32_t, crypto::frost::SignatureShare> valid_shares;
    bool aggregated = false;
  };
  // Creates the session with `epoch`; "stale_checkpoint" when too old or bound to another epoch.
  Result<Session*> SessionFor(const CheckpointRef& checkpoint, const OriginEpochPtr& epoch);
  crypto::frost::SigningPackage FrostPackage(const OriginSigningPackage& package) const;
  Result<std::optional<crypto::Signature>> TryShare(Session& session, std::uint32_t index,
                                                    const crypto::frost::ScalarBytes& share);

  const std::string origin_;  // CheckpointOrigin(genesis)
  const crypto::frost::RandomFill random_;
  const std::size_t keep_checkpoints_;
  mutable std::mutex mutex_;
  std::map<CheckpointRef, Session> sessions_;  // guarded by mutex_
};

}  // namespace shanliu::ledger
