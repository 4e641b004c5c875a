// The validator set's history (DESIGN 4.1 ValidatorSetChange, 7): which set signs which block,
// read from the authenticated state, and the light-client walk that follows the set from
// genesis through certified transitions (docs/rules.md "Validator set changes").
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "shanliu/bytes.h"
#include "shanliu/ledger/block.h"
#include "shanliu/ledger/state_view.h"
#include "shanliu/pb/shanliu.pb.h"
#include "shanliu/status.h"

namespace shanliu::ledger {

struct Genesis;

// Limits shared with the genesis file (genesis.cc): 1..100 validators, each with 1..2^40 power,
// so no sum of a set's powers can overflow 64 bits.
inline constexpr std::size_t kMaxValidatorCount = 100;
inline constexpr std::uint64_t kMaxValidatorVotingPower = std::uint64_t{1} << 40;
// A ValidatorSetChange executed in block h takes effect at E with h + 2 <= E <= h + 10000: the set
// for h + 1 is then always fixed by the state before block h (so block h's header can name it),
// and no change waits longer than a few hours of steady blocks (docs/decisions.md).
inline constexpr std::uint64_t kMinValidatorChangeLeadBlocks = 2;
inline constexpr std::uint64_t kMaxValidatorChangeLeadBlocks = 10000;
// Signatures a ValidatorSetChange may carry: the bureau's and one per validator (the envelope's
// 8 KiB limit still applies).
inline constexpr int kMaxValidatorSetChangeSignatures = static_cast<int>(kMaxValidatorCount) + 1;

// A set that takes effect at effective_height (it signs that block and the ones after it).
struct ValidatorTransition {
  std::uint64_t effective_height = 0;
  std::vector<Validator> validators;
};

// A ValidatorSetChange's updates applied to `set` (docs/rules.md "Validator set changes"): power
// 0 removes, a key of the set with a power is re-weighted in place (an org_id naming another
// organisation is "duplicate_validator"), a new key with org_id is appended; a key not in the set
// without org_id, or removed, is "unknown_validator"; an empty result "empty_validator_set", more
// than 100 validators "too_many_validators". The organisations are the executor's to check. The
// `shanliu validators change` CLI uses it to show the resulting set before signing.
Result<std::vector<Validator>> ApplyValidatorUpdates(std::vector<Validator> set, const pb::ValidatorSetChange& change);

// The set that signs block `height` as `view` records it: the newest transition with
// effective_height <= height, else the genesis set. Block 0 is the genesis set's.
std::vector<Validator> ValidatorsIn(const StateView& view, const Genesis& genesis, std::uint64_t height);
// Every transition with effective_height <= up_to_height, oldest first.
std::vector<ValidatorTransition> TransitionsIn(const StateView& view, std::uint64_t up_to_height);
// The newest transition's effective height (none: the genesis set has never changed).
std::optional<std::uint64_t> LatestTransitionHeight(const StateView& view);

// ---------------------------------------------------------------- light client

// What a proof carries for one transition: block E-1's header and commit certificate, whose
// next_validators_hash names the set effective at E.
struct ProvenTransition {
  std::uint64_t effective_height = 0;
  pb::BlockHeader header;  // block effective_height - 1
  Hash256 block_hash{};
  pb::CommitCertificate commit;
  std::vector<Validator> next_validators;
};

// Starting from the genesis set, checks each transition in order — header height is E-1, the
// header hashes to block_hash, chain id, the header's validators_hash is the set followed so far,
// its commit certificate carries > 2/3 of that set's power, and next_validators hashes to its
// next_validators_hash — and returns the set that signs `target_height`. Effective heights must
// increase and be at most target_height. Error "invalid_transition" naming the transition and
// the check; the caller then checks the target header's validators_hash against the result (a
// mismatch there means a transition is missing).
Result<std::vector<Validator>> FollowValidatorTransitions(std::string_view chain_id,
                                                          std::span<const Validator> genesis_validators,
                                                          std::span<const ProvenTransition> transitions,
                                                          std::uint64_t target_height);

// The target half: `header` (height h) must name the followed set and `commit` carry > 2/3 of
// its power for `block_hash`. Error "invalid_transition" if the header's validators_hash is not
// the followed set's (a transition the proof lacks), else VerifyCommitCertificate's.
Status VerifyHeaderAgainstSet(std::string_view chain_id, const pb::BlockHeader& header, const Hash256& block_hash,
                              const pb::CommitCertificate& commit, std::span<const Validator> validators);

// ---------------------------------------------------------------- JSON (docs/api.md)

// [{"public_key": hex, "voting_power": n, "org_id": s}, ...]; with_index adds "index" first.
nlohmann::json ValidatorsToJson(std::span<const Validator> validators, bool with_index);
// Strict inverse (1 to 100 validators; with_index: each "index" must be its position). Errors
// "invalid_proof" naming the field under `path`.
Result<std::vector<Validator>> ValidatorsFromJson(const nlohmann::json& j, bool with_index, const std::string& path);
// {"effective_height", "header" (every field, as in receipt proofs), "block_hash", "commit",
// "next_validators"}: the "validator_transitions" entries of every proof the API serves.
nlohmann::json TransitionsToJson(std::span<const ProvenTransition> transitions);
// Strict inverse: unknown or missing fields, bad hex, wrong lengths are "invalid_proof" errors
// naming the field path (under `path`, e.g. "validator_transitions").
Result<std::vector<ProvenTransition>> TransitionsFromJson(const nlohmann::json& j, const std::string& path);

// A header with its hash and commit certificate as the API serves them beside each other
// (`/v1/checkpoint` note_checkpoint): the "header", "block_hash" and "commit" members of `j`
// (others are the caller's). Errors "invalid_proof" naming the field under `path`.
struct CertifiedHeader {
  pb::BlockHeader header;
  Hash256 block_hash{};
  pb::CommitCertificate commit;
};
Result<CertifiedHeader> CertifiedHeaderFromJson(const nlohmann::json& j, const std::string& path);

}  // namespace shanliu::ledger
