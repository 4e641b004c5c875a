#include "shanliu/ledger/block.h"

#include <algorithm>
#include <cassert>
#include <set>

#include "shanliu/crypto/hash.h"

namespace shanliu::ledger {
namespace {

Status AppendHash(Bytes& out, const std::string& field, std::string_view name) {
  if (field.size() != 32) {
    return Status::Error("malformed", std::string(name) + " must be 32 bytes, got " + std::to_string(field.size()));
  }
  AppendRaw(out, AsBytes(field));
  return Status::Ok();
}

}  // namespace

Result<Bytes> HeaderBytes(const pb::BlockHeader& h) {
  if (h.chain_id().size() > 0xFFFF) return Status::Error("malformed", "chain id too long");
  Bytes out;
  out.reserve(kHeaderDomain.size() + 2 + h.chain_id().size() + 8 * 3 + 4 + 32 * 6);
  AppendRaw(out, AsBytes(kHeaderDomain));
  AppendStr(out, h.chain_id());
  AppendU64(out, h.height());
  AppendU64(out, h.time_ms());
  SHANLIU_RETURN_IF_ERROR(AppendHash(out, h.prev_block_hash(), "prev_block_hash"));
  SHANLIU_RETURN_IF_ERROR(AppendHash(out, h.txs_root(), "txs_root"));
  AppendU64(out, h.log_size());
  SHANLIU_RETURN_IF_ERROR(AppendHash(out, h.log_root(), "log_root"));
  SHANLIU_RETURN_IF_ERROR(AppendHash(out, h.state_root(), "state_root"));
  SHANLIU_RETURN_IF_ERROR(AppendHash(out, h.validators_hash(), "validators_hash"));
  SHANLIU_RETURN_IF_ERROR(AppendHash(out, h.next_validators_hash(), "next_validators_hash"));
  AppendU32(out, h.proposer_index());
  return out;
}

Result<Hash256> BlockHash(const pb::BlockHeader& header) {
  auto bytes = HeaderBytes(header);
  if (!bytes.ok()) return bytes.status();
  return crypto::Sha256(*bytes);
}

Bytes VoteSignBytes(std::string_view chain_id, VoteType type, std::uint64_t height, std::uint32_t round,
                    const Hash256& block_hash) {
  Bytes out;
  out.reserve(kVoteDomain.size() + 2 + chain_id.size() + 1 + 8 + 4 + 32);
  AppendRaw(out, AsBytes(kVoteDomain));
  AppendStr(out, chain_id);
  AppendU8(out, static_cast<std::uint8_t>(type));
  AppendU64(out, height);
  AppendU32(out, round);
  AppendRaw(out, block_hash);
  return out;
}

Hash256 ValidatorsHash(std::span<const Validator> validators) {
  Bytes out;
  AppendRaw(out, AsBytes(kValidatorsDomain));
  AppendU32(out, static_cast<std::uint32_t>(validators.size()));
  for (const Validator& v : validators) {
    AppendRaw(out, v.public_key);
    AppendU64(out, v.voting_power);
  }
  return crypto::Sha256(out);
}

pb::CommitSignature SignPrecommit(std::string_view chain_id, std::uint64_t height, std::uint32_t round,
                                  const Hash256& block_hash, std::uint32_t validator_index,
                                  const crypto::SecretKey& key) {
  const crypto::Signature sig =
      crypto::SignRaw(key, VoteSignBytes(chain_id, VoteType::kPrecommit, height, round, block_hash));
  pb::CommitSignature out;
  out.set_validator_index(validator_index);
  out.set_signature(std::string(sig.begin(), sig.end()));
  return out;
}

pb::CommitCertificate MakeCommitCertificate(std::uint64_t height, std::uint32_t round, const Hash256& block_hash,
                                            std::vector<pb::CommitSignature> signatures) {
  pb::CommitCertificate commit;
  commit.set_height(height);
  commit.set_round(round);
  commit.set_block_hash(std::string(block_hash.begin(), block_hash.end()));
  for (auto& s : signatures) *commit.add_signatures() = std::move(s);
  return commit;
}

bool IsSupermajority(std::uint64_t power, std::uint64_t total) {
  // power > 2/3 total  <=>  3 * power > 2 * total, in 128 bits so nothing overflows.
  __extension__ using U128 = unsigned __int128;
  return static_cast<U128>(power) * 3 > static_cast<U128>(total) * 2;
}

Status VerifyCommitCertificate(const pb::CommitCertificate& commit, std::string_view chain_id,
                               std::uint64_t height, const Hash256& block_hash,
                               std::span<const Validator> validators) {
  return VerifyCommitCertificate(commit, chain_id, height, block_hash, validators, crypto::VerifyRaw);
}

Status VerifyCommitCertificate(const pb::CommitCertificate& commit, std::string_view chain_id,
                               std::uint64_t height, const Hash256& block_hash,
                               std::span<const Validator> validators, const SignatureVerifier& verify) {
  assert(verify);
  if (commit.height() != height) {
    return Status::Error("bad_commit", "commit certificate is for height " + std::to_string(commit.height()) +
                                           ", expected " + std::to_string(height));
  }
  if (commit.block_hash() != std::string(block_hash.begin(), block_hash.end())) {
    return Status::Error("bad_commit", "commit certificate names a different block hash");
  }
  if (static_cast<std::size_t>(commit.signatures_size()) > validators.size()) {
    return Status::Error("bad_commit", "commit certificate has more signatures than there are validators");
  }
  // Distinct signers hold at most `total`, so once the total fits in 64 bits no sum below overflows.
  std::uint64_t total = 0;
  for (const Validator& v : validators) {
    if (__builtin_add_overflow(total, v.voting_power, &total)) {
      return Status::Error("bad_commit", "the validators' total voting power does not fit in 64 bits");
    }
  }
  const Bytes sign_bytes = VoteSignBytes(chain_id, VoteType::kPrecommit, height, commit.round(), block_hash);
  std::set<std::uint32_t> seen;
  std::uint64_t signed_power = 0;
  for (const pb::CommitSignature& s : commit.signatures()) {
    if (s.validator_index() >= validators.size()) {
      return Status::Error("bad_commit", "signature from unknown validator index " + std::to_string(s.validator_index()));
    }
    if (!seen.insert(s.validator_index()).second) {
      return Status::Error("bad_commit", "validator " + std::to_string(s.validator_index()) + " signed twice");
    }
    if (s.signature().size() != 64) {
      return Status::Error("bad_commit", "signature of validator " + std::to_string(s.validator_index()) +
                                             " is not 64 bytes");
    }
    crypto::Signature sig;
    std::copy(s.signature().begin(), s.signature().end(), sig.begin());
    const Validator& v = validators[s.validator_index()];
    if (!verify(v.public_key, sign_bytes, sig)) {
      return Status::Error("bad_commit", "precommit signature of validator " + std::to_string(s.validator_index()) +
                                             " (" + v.org_id + ") does not verify");
    }
    signed_power += v.voting_power;
  }
  if (!IsSupermajority(signed_power, total)) {
    return Status::Error("bad_commit", "signers hold " + std::to_string(signed_power) + " of " +
                                           std::to_string(total) + " voting power; more than 2/3 is required");
  }
  return Status::Ok();
}

}  // namespace shanliu::ledger
