// Offline verification of a receipt proof (DESIGN 6.2) with nothing but the genesis file:
// the check `shanliu verify` prints, and the audit reuses.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "shanliu/ledger/genesis.h"
#include "shanliu/pb/shanliu.pb.h"

namespace shanliu::cli {

// Check names, in the order they are made (stable: scripts and tests match on them).
inline constexpr std::string_view kCheckFormat = "proof format";
inline constexpr std::string_view kCheckTxId = "tx id";
inline constexpr std::string_view kCheckTxSignatures = "tx signatures";
inline constexpr std::string_view kCheckInclusion = "inclusion";
inline constexpr std::string_view kCheckHeader = "block header";
inline constexpr std::string_view kCheckChain = "chain";
inline constexpr std::string_view kCheckValidators = "validator set";
inline constexpr std::string_view kCheckCommit = "commit certificate";

struct ProofCheck {
  std::string name;
  bool ok = false;
  std::string detail;  // what was checked, or why it failed
};

struct ProofReport {
  std::vector<ProofCheck> checks;
  // What the proof says, as far as it could be read (meaningful when ok()).
  pb::ReceiptProof proof;
  pb::TxBody body;
  Hash256 tx_id{};
  std::vector<std::string> commit_signers;  // org ids of validators whose precommit verified
  std::size_t validator_count = 0;

  bool ok() const;                       // at least one check made and every one passed
  std::vector<std::string> Failed() const;  // names of the failed checks
};

// Verifies `proof` (the JSON of DESIGN 6.2) against `genesis`:
//   tx id     — SHA-256("shanliu/txid/v1\0" || body) of the envelope's body equals tx_id and,
//               when `expected_code` is given, the receipt code (or a prefix of it);
//   tx signatures — every signature on the envelope verifies (the full stateless decode);
//   inclusion — the RFC 9162 leaf hash of the envelope is at leaf_index of the log of
//               log_size leaves whose root is header.log_root (log_size = header.log_size);
//   block header — the header bytes (DESIGN 6.1) hash to block_hash;
//   chain, validator set — header.chain_id matches genesis; the proof's validator_transitions
//               (if any) follow from the genesis set (ledger::FollowValidatorTransitions) and
//               header.validators_hash is the set they lead to (a missing transition fails here);
//   commit certificate — precommits over that header's hash from distinct validators of that
//               set holding more than 2/3 of its voting power.
ProofReport VerifyReceiptProof(const nlohmann::json& proof, const ledger::Genesis& genesis,
                               std::string_view expected_code = {});

}  // namespace shanliu::cli
