// OriginSigner: one validator's side of the FROST signing of checkpoints (origin_signing.h).
#include "shanliu/ledger/origin_signing.h"

#include <algorithm>
#include <cassert>

#include "shanliu/error_codes.h"
#include "shanliu/ledger/checkpoint.h"

namespace shanliu::ledger {
namespace {

namespace frost = crypto::frost;

frost::Identifier IdentifierOf(std::uint32_t validator_index) {
  return *frost::Identifier::FromIndex(static_cast<std::uint16_t>(validator_index + 1));
}

Status Code(std::string_view code, const std::string& what) { return Status::Error(std::string(code), what); }

std::string Name(std::uint32_t participant) { return "participant " + std::to_string(participant); }

std::size_t Count(const OriginEpoch& epoch) { return epoch.keys.participants.size(); }

bool ValidPoints(const frost::SigningCommitments& c) {
  return crypto::IsValidPublicKey(c.hiding) && crypto::IsValidPublicKey(c.binding);
}

}  // namespace

std::shared_ptr<const OriginEpoch> MakeOriginEpoch(
    OriginKeySet keys, const crypto::PublicKey& own_key,
    std::span<const std::pair<frost::Identifier, frost::SecretScalar>> shares, Status* mismatch) {
  assert(keys.participants.size() == keys.public_keys.verifying_shares.size());
  auto epoch = std::make_shared<OriginEpoch>();
  const int own = keys.ParticipantIndex(own_key);
  epoch->keys = std::move(keys);
  if (own < 0) return epoch;
  epoch->own_index = static_cast<std::uint32_t>(own);
  const frost::Identifier identifier = IdentifierOf(*epoch->own_index);
  for (const auto& [id, share] : shares) {
    if (!(id == identifier)) continue;
    auto key = frost::KeyPackageFromShare(id, share, epoch->keys.public_keys);
    if (key.ok()) {
      epoch->key = std::move(*key);
      return epoch;
    }
    // Another set's share of the same identifier (an older epoch's, kept until deleted).
    if (mismatch) *mismatch = key.status();
  }
  return epoch;
}

std::uint32_t OriginCoordinator(const OriginEpoch& epoch, std::uint64_t log_size) {
  assert(Count(epoch) > 0);
  return static_cast<std::uint32_t>(log_size % Count(epoch));
}

OriginSigner::OriginSigner(const Genesis& genesis, frost::RandomFill random, std::size_t keep_checkpoints)
    : origin_(CheckpointOrigin(genesis)),
      random_(std::move(random)),
      keep_checkpoints_(keep_checkpoints == 0 ? 1 : keep_checkpoints) {
  assert(genesis.origin_key);
}

std::size_t OriginSigner::sessions() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

Result<OriginSigner::Session*> OriginSigner::SessionFor(const CheckpointRef& checkpoint, const OriginEpochPtr& epoch) {
  assert(epoch);
  auto it = sessions_.find(checkpoint);
  if (it != sessions_.end()) {
    // Peers resolve a checkpoint's epoch from committed state, so they agree; a message resolved
    // to another set (a peer ahead across a hand-over) waits for nothing and is refused.
    if (it->second.epoch != epoch && !SameOriginKeys(it->second.epoch->keys, epoch->keys)) {
      return Code(errc::kStaleCheckpoint, "log size " + std::to_string(checkpoint.log_size) +
                                              " is being signed by another origin key set");
    }
    return &it->second;
  }
  if (sessions_.size() >= keep_checkpoints_ && checkpoint < sessions_.begin()->first) {
    return Code(errc::kStaleCheckpoint,
                "log size " + std::to_string(checkpoint.log_size) + " is older than every checkpoint being signed");
  }
  it = sessions_.emplace(checkpoint, Session{}).first;
  it->second.epoch = epoch;
  // Dropping a session wipes its unused nonces (SecretScalar): they are never used again.
  while (sessions_.size() > keep_checkpoints_) sessions_.erase(sessions_.begin());
  return &it->second;
}

Result<std::optional<OriginCommitment>> OriginSigner::Commit(const CheckpointRef& checkpoint,
                                                             const OriginEpochPtr& epoch) {
  if (!epoch->key) return std::optional<OriginCommitment>{};
  const std::uint32_t own = *epoch->own_index;
  std::lock_guard lock(mutex_);
  auto session = SessionFor(checkpoint, epoch);
  if (!session.ok()) return session.status();
  Session& s = **session;
  if (!s.nonces && !s.commitments.count(own)) {
    s.nonces = frost::Commit(*s.epoch->key, random_);
    s.commitments[own] = s.nonces->commitments();
  }
  return std::optional<OriginCommitment>{OriginCommitment{own, s.commitments.at(own)}};
}

Status OriginSigner::AddCommitment(const CheckpointRef& checkpoint, const OriginEpochPtr& epoch,
                                   const OriginCommitment& commitment) {
  if (commitment.validator_index >= Count(*epoch)) {
    return Code(errc::kUnknownValidator, Name(commitment.validator_index) + " does not hold a share of the origin key");
  }
  if (!ValidPoints(commitment.commitments)) {
    return Code(errc::kFrostMalformed, Name(commitment.validator_index) + ": a commitment is not a valid point");
  }
  std::lock_guard lock(mutex_);
  auto session = SessionFor(checkpoint, epoch);
  if (!session.ok()) return session.status();
  auto [it, inserted] = (*session)->commitments.emplace(commitment.validator_index, commitment.commitments);
  // The first commitment stands: a coordinator may already have put it in a package.
  if (!inserted && !(it->second == commitment.commitments)) {
    return Code(errc::kFrostBadCommitment, Name(commitment.validator_index) + " sent other commitments for this checkpoint");
  }
  return Status::Ok();
}

std::optional<OriginSigningPackage> OriginSigner::TakePackage(const CheckpointRef& checkpoint) {
  OriginSigningPackage package;
  OriginEpochPtr epoch;
  {
    std::lock_guard lock(mutex_);
    auto it = sessions_.find(checkpoint);
    if (it == sessions_.end() || it->second.package_taken) return std::nullopt;
    epoch = it->second.epoch;
    if (!epoch->own_index || OriginCoordinator(*epoch, checkpoint.log_size) != *epoch->own_index) return std::nullopt;
    const std::uint16_t threshold = epoch->keys.public_keys.min_signers;
    if (it->second.commitments.size() < threshold) return std::nullopt;
    it->second.package_taken = true;
    package.checkpoint = checkpoint;
    for (const auto& [index, c] : it->second.commitments) {
      if (package.commitments.size() == threshold) break;
      package.commitments.push_back({index, c});
    }
  }
  // Our own package is as valid as anyone's; it cannot fail the checks.
  (void)AddPackage(package, epoch, *epoch->own_index);
  return package;
}

frost::SigningPackage OriginSigner::FrostPackage(const OriginSigningPackage& package) const {
  frost::SigningPackage out;
  for (const OriginCommitment& c : package.commitments) out.commitments.push_back({IdentifierOf(c.validator_index), c.commitments});
  const std::string body = CheckpointBody(origin_, package.checkpoint.log_size, package.checkpoint.log_root);
  out.message.assign(body.begin(), body.end());
  return out;
}

namespace {

bool SamePackage(const OriginSigningPackage& a, const OriginSigningPackage& b) {
  if (a.commitments.size() != b.commitments.size()) return false;
  for (std::size_t i = 0; i < a.commitments.size(); ++i) {
    if (a.commitments[i].validator_index != b.commitments[i].validator_index ||
        !(a.commitments[i].commitments == b.commitments[i].commitments)) {
      return false;
    }
  }
  return true;
}

}  // namespace

Result<std::optional<crypto::Signature>> OriginSigner::AddPackage(const OriginSigningPackage& package,
                                                                 const OriginEpochPtr& epoch,
                                                                 std::uint32_t from_participant) {
  const std::uint32_t coordinator = OriginCoordinator(*epoch, package.checkpoint.log_size);
  const std::uint16_t threshold = epoch->keys.public_keys.min_signers;
  if (from_participant != coordinator) {
    return Code(errc::kFrostBadCommitment, Name(from_participant) + " sent a signing package for log size " +
                                               std::to_string(package.checkpoint.log_size) + ", whose coordinator is " +
                                               Name(coordinator));
  }
  if (package.commitments.size() != threshold) {
    return Code(errc::kFrostTooFewSigners, "a signing package must list exactly " +
                                               std::to_string(threshold) + " signers, not " +
                                               std::to_string(package.commitments.size()));
  }
  for (std::size_t i = 0; i < package.commitments.size(); ++i) {
    const OriginCommitment& c = package.commitments[i];
    if (c.validator_index >= Count(*epoch)) {
      return Code(errc::kUnknownValidator, Name(c.validator_index) + " does not hold a share of the origin key");
    }
    if (i > 0 && c.validator_index <= package.commitments[i - 1].validator_index) {
      return Code(errc::kFrostDuplicateIdentifier, "a signing package must list distinct participants in order");
    }
    if (!ValidPoints(c.commitments)) return Code(errc::kFrostMalformed, Name(c.validator_index) + ": a commitment is not a valid point");
  }
  std::lock_guard lock(mutex_);
  auto session = SessionFor(package.checkpoint, epoch);
  if (!session.ok()) return session.status();
  Session& s = **session;
  if (s.package) {
    if (!SamePackage(*s.package, package)) {
      return Code(errc::kFrostBadCommitment, "a second, different signing package for log size " +
                                                 std::to_string(package.checkpoint.log_size));
    }
    return std::optional<crypto::Signature>{};
  }
  s.package = package;
  // Shares that came before the package: the first that does not verify is reported, the rest kept.
  std::map<std::uint32_t, frost::ScalarBytes> pending;
  pending.swap(s.pending_shares);
  Result<std::optional<crypto::Signature>> out = std::optional<crypto::Signature>{};
  for (const auto& [index, share] : pending) {
    auto r = TryShare(s, index, share);
    if (!r.ok() && out.ok()) out = r.status();
    if (r.ok() && r->has_value()) return r;
  }
  return out;
}

Result<OriginShare> OriginSigner::SignPackage(const CheckpointRef& checkpoint) {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(checkpoint);
  if (it == sessions_.end()) return Code(errc::kStaleCheckpoint, "no signing session for log size " + std::to_string(checkpoint.log_size));
  Session& s = it->second;
  if (!s.epoch->key) return Code(errc::kFrostBadCommitment, "this node holds no share of the checkpoint's origin key set");
  const std::uint32_t own = *s.epoch->own_index;
  if (!s.package) return Code(errc::kFrostBadCommitment, "no signing package for log size " + std::to_string(checkpoint.log_size));
  const auto mine = std::find_if(s.package->commitments.begin(), s.package->commitments.end(),
                                 [&](const OriginCommitment& c) { return c.validator_index == own; });
  if (mine == s.package->commitments.end()) return Code(errc::kFrostBadCommitment, Name(own) + " is not a signer of this package");
  if (!s.nonces || !s.nonces->fresh()) {
    return Code(errc::kFrostNonceUsed, "this validator's nonces for log size " + std::to_string(checkpoint.log_size) +
                                           " are used or were never made here (a replayed package, or a restart)");
  }
  if (!(mine->commitments == s.nonces->commitments())) {
    s.nonces->Burn();  // a package that misquotes us is refused, and these nonces are not offered again
    return Code(errc::kFrostBadCommitment, "the package quotes other commitments for " + Name(own));
  }
  // frost::Sign wipes the nonces before it returns, whatever the outcome, so no share of these
  // nonces can ever leave twice.
  auto share = frost::Sign(FrostPackage(*s.package), *s.nonces, *s.epoch->key);
  s.nonces.reset();
  if (!share.ok()) return share.status();
  return OriginShare{checkpoint, own, share->share};
}

Result<std::optional<crypto::Signature>> OriginSigner::TryShare(Session& s, std::uint32_t index,
                                                                const frost::ScalarBytes& share) {
  if (s.aggregated || s.valid_shares.count(index)) return std::optional<crypto::Signature>{};
  const bool listed = std::any_of(s.package->commitments.begin(), s.package->commitments.end(),
                                  [&](const OriginCommitment& c) { return c.validator_index == index; });
  if (!listed) return Code(errc::kFrostInvalidShare, Name(index) + " is not a signer of this package");
  const frost::SigningPackage package = FrostPackage(*s.package);
  const frost::SignatureShare frost_share{IdentifierOf(index), share};
  if (Status v = frost::VerifySignatureShare(package, frost_share, s.epoch->keys.public_keys); !v.ok()) {
    return Code(errc::kFrostInvalidShare, Name(index) + "'s signature share does not verify (" + v.message() + ")");
  }
  s.valid_shares.emplace(index, frost_share);
  if (s.valid_shares.size() < s.package->commitments.size()) return std::optional<crypto::Signature>{};
  std::vector<frost::SignatureShare> shares;
  for (const auto& [i, sh] : s.valid_shares) shares.push_back(sh);
  auto signature = frost::Aggregate(package, shares, s.epoch->keys.public_keys);
  if (!signature.ok()) return signature.status();
  s.aggregated = true;
  crypto::Signature out{};
  std::copy(signature->begin(), signature->end(), out.begin());
  return std::optional<crypto::Signature>{out};
}

Result<std::optional<crypto::Signature>> OriginSigner::AddShare(const OriginShare& share) {
  std::lock_guard lock(mutex_);
  // Shares never open a session: anyone can send one, and only commitments riding on verified
  // cosignatures (or the coordinator's package) may claim a place among the kept checkpoints.
  const auto it = sessions_.find(share.checkpoint);
  if (it == sessions_.end()) {
    return Code(errc::kStaleCheckpoint, "no signing session for log size " + std::to_string(share.checkpoint.log_size));
  }
  Session& s = it->second;
  if (share.validator_index >= Count(*s.epoch)) {
    return Code(errc::kUnknownValidator, Name(share.validator_index) + " does not hold a share of the origin key");
  }
  if (!s.package) {
    s.pending_shares.emplace(share.validator_index, share.share);  // one per validator, the first
    return std::optional<crypto::Signature>{};
  }
  return TryShare(s, share.validator_index, share.share);
}

}  // namespace shanliu::ledger
