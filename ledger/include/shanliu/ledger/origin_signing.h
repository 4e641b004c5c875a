// The validators' FROST signing of checkpoints under the origin name (docs/decisions.md "FROST
// wiring"), as one validator's bookkeeping, with no network, clock or thread of its own: the
// node feeds it what arrives and sends what it returns.
//
//   1. A validator that cosigns a checkpoint also commits fresh nonces to it (Commit) and sends
//      the commitments with its cosignature; peers record them (AddCommitment).
//   2. The checkpoint's coordinator, validator (log size mod n), once it holds t commitments,
//      picks the t lowest-indexed and sends the signing package (TakePackage).
//   3. Each chosen signer answers a package from the coordinator with its signature share
//      (SignPackage); its nonces are burnt before the share leaves.
//   4. Anyone holding the package and t shares that verify aggregates (AddPackage, AddShare):
//      the result is a plain Ed25519 signature under the genesis group key.
//
// Nonces live only in memory: a restart loses them, so none is ever used twice. Memory is
// bounded: `keep_checkpoints` checkpoints, one commitment and one share per validator each.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

#include "shanliu/crypto/frost.h"
#include "shanliu/ledger/genesis.h"
#include "shanliu/status.h"

namespace shanliu::ledger {

struct CheckpointRef {
  std::uint64_t log_size = 0;
  Hash256 log_root{};
  auto operator<=>(const CheckpointRef&) const = default;
};

struct OriginCommitment {
  std::uint32_t validator_index = 0;
  crypto::frost::SigningCommitments commitments;
};

struct OriginSigningPackage {
  CheckpointRef checkpoint;
  std::vector<OriginCommitment> commitments;  // exactly the threshold, by validator index
};

struct OriginShare {
  CheckpointRef checkpoint;
  std::uint32_t validator_index = 0;
  crypto::frost::ScalarBytes share{};
};

// The coordinator of a checkpoint: rotates with the log size, so a validator that is down costs
// only the checkpoints it would coordinate.
std::uint32_t OriginCoordinator(const Genesis& genesis, std::uint64_t log_size);

class OriginSigner {
 public:
  static constexpr std::size_t kDefaultKeepCheckpoints = 8;

  // `own_index` and `key` are this validator's (none for an observer or without a share file).
  // The genesis must have an origin key (asserted).
  OriginSigner(Genesis genesis, std::optional<std::uint32_t> own_index, std::optional<crypto::frost::KeyPackage> key,
               crypto::frost::RandomFill random = crypto::frost::SystemRandom(),
               std::size_t keep_checkpoints = kDefaultKeepCheckpoints);

  // Round one for a checkpoint this validator cosigned: fresh nonces (once per checkpoint; a second
  // call returns the same commitments). None without a key, or "stale_checkpoint".
  Result<std::optional<OriginCommitment>> Commit(const CheckpointRef& checkpoint);
  // A peer's commitment, carried by its verified cosignature. Errors "unknown_validator",
  // "frost_malformed" (points), "frost_bad_commitment" (another one for the same checkpoint),
  // "stale_checkpoint".
  Status AddCommitment(const CheckpointRef& checkpoint, const OriginCommitment& commitment);
  // The coordinator's package, once: when this validator coordinates the checkpoint and holds t
  // commitments. The package is also taken as received (AddPackage).
  std::optional<OriginSigningPackage> TakePackage(const CheckpointRef& checkpoint);
  // A package, checked: from the checkpoint's coordinator ("frost_bad_commitment" otherwise),
  // exactly t distinct validators with valid points, not in conflict with a package already held.
  // Shares that arrived first are verified now; returns the signature when t of them verify.
  Result<std::optional<crypto::Signature>> AddPackage(const OriginSigningPackage& package,
                                                     std::uint32_t from_validator_index);
  // This validator's share for a package it holds (AddPackage first). Burns the nonces first.
  // Errors "frost_bad_commitment" (this validator is not listed, or with other commitments),
  // "frost_nonce_used" (already signed: a replayed package), "stale_checkpoint".
  Result<OriginShare> SignPackage(const CheckpointRef& checkpoint);
  // A share: verified against the package when it is held (else kept until it comes, one per
  // validator). Returns the aggregate signature once t valid shares are in, once.
  // Errors "frost_invalid_share" (names the participant), "unknown_validator", "stale_checkpoint".
  // A share for a checkpoint with no session is refused ("stale_checkpoint"), never kept.
  Result<std::optional<crypto::Signature>> AddShare(const OriginShare& share);

  std::size_t sessions() const;

 private:
  struct Session {
    std::optional<crypto::frost::SigningNonces> nonces;  // own, until used
    std::map<std::uint32_t, crypto::frost::SigningCommitments> commitments;
    std::optional<OriginSigningPackage> package;
    bool package_taken = false;
    std::map<std::uint32_t, crypto::frost::ScalarBytes> pending_shares;  // before the package
    std::map<std::uint32_t, crypto::frost::SignatureShare> valid_shares;
    bool aggregated = false;
  };
  Result<Session*> SessionFor(const CheckpointRef& checkpoint);  // creates; "stale_checkpoint"
  crypto::frost::SigningPackage FrostPackage(const OriginSigningPackage& package) const;
  Result<std::optional<crypto::Signature>> TryShare(Session& session, std::uint32_t index,
                                                    const crypto::frost::ScalarBytes& share);

  const Genesis genesis_;
  const crypto::frost::PublicKeyPackage public_keys_;
  const std::optional<std::uint32_t> own_index_;
  const std::optional<crypto::frost::KeyPackage> key_;
  const crypto::frost::RandomFill random_;
  const std::size_t keep_checkpoints_;
  mutable std::mutex mutex_;
  std::map<CheckpointRef, Session> sessions_;  // guarded by mutex_
};

}  // namespace shanliu::ledger
