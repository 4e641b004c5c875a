// Byte layouts that outside verifiers rebuild (DESIGN 6.1): header bytes and block hash,
// vote sign bytes, validators hash; and commit-certificate verification.
#pragma once

#include <functional>

#include <span>
#include <string>
#include <vector>

#include "shanliu/bytes.h"
#include "shanliu/crypto/keys.h"
#include "shanliu/pb/shanliu.pb.h"
#include "shanliu/status.h"

namespace shanliu::ledger {

inline constexpr std::string_view kHeaderDomain{"shanliu/header/v2\0", 18};
inline constexpr std::string_view kVoteDomain{"shanliu/vote/v1\0", 16};
inline constexpr std::string_view kValidatorsDomain{"shanliu/validators/v1\0", 22};

struct Validator {
  crypto::PublicKey public_key{};
  std::uint64_t voting_power = 0;
  std::string org_id;  // the organisation that runs it (bureau, federation, bank)
};

enum class VoteType : std::uint8_t { kPrevote = 1, kPrecommit = 2 };

// Errors if a hash field is not exactly 32 bytes or the chain id is longer than 65535 bytes.
Result<Bytes> HeaderBytes(const pb::BlockHeader& header);
Result<Hash256> BlockHash(const pb::BlockHeader& header);

// A nil vote signs 32 zero bytes as its block hash.
Bytes VoteSignBytes(std::string_view chain_id, VoteType type, std::uint64_t height, std::uint32_t round,
                    const Hash256& block_hash);

Hash256 ValidatorsHash(std::span<const Validator> validators);

// One validator's precommit signature for a block: what commit certificates collect.
pb::CommitSignature SignPrecommit(std::string_view chain_id, std::uint64_t height, std::uint32_t round,
                                  const Hash256& block_hash, std::uint32_t validator_index,
                                  const crypto::SecretKey& key);
// A certificate from the given precommit signatures (checked later by VerifyCommitCertificate).
pb::CommitCertificate MakeCommitCertificate(std::uint64_t height, std::uint32_t round, const Hash256& block_hash,
                                            std::vector<pb::CommitSignature> signatures);

// Checks a commit certificate for (height, block_hash): precommit signatures from distinct
// validators of the set, each valid, together holding more than 2/3 of the voting power.
// Names what failed in the error ("bad_commit").
Status VerifyCommitCertificate(const pb::CommitCertificate& commit, std::string_view chain_id,
                               std::uint64_t height, const Hash256& block_hash,
                               std::span<const Validator> validators);
// The same check with the signature verification supplied: a caller may put a memo of verified
// (key, message, signature) triples in front of crypto::VerifyRaw (the consensus core passes its
// Config::verify_signature, the simulator its per-run memo). verify must answer exactly as
// crypto::VerifyRaw would.
using SignatureVerifier =
    std::function<bool(const crypto::PublicKey& key, ByteView message, const crypto::Signature& signature)>;
Status VerifyCommitCertificate(const pb::CommitCertificate& commit, std::string_view chain_id,
                               std::uint64_t height, const Hash256& block_hash,
                               std::span<const Validator> validators, const SignatureVerifier& verify);

// True if `power` is more than two thirds of `total` (computed without overflow).
bool IsSupermajority(std::uint64_t power, std::uint64_t total);

}  // namespace shanliu::ledger
