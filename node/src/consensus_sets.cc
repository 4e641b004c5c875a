// Validator sets per height (docs/consensus.md section 8, "Reconfiguration"). The set that signs height h
// is fixed by committed state at h - 2 or earlier (a ValidatorSetChange committed in block c
// takes effect at E >= c + 2), so the adapter can always hand the core set(h + 1) before the
// core decides h: with Start, and with NextValidators after each CommitBlock. The core never
// reads storage; everything here is a function of what it was told.
#include <algorithm>
#include <cassert>
#include <set>

#include "consensus_impl.h"
#include "consensus_visit.h"

namespace shanliu::node::consensus {

Status CheckValidatorSet(std::span<const ledger::Validator> validators) {
  if (validators.empty() || validators.size() > kMaxValidators) {
    return Status::Error("malformed", "validator count must be 1.." + std::to_string(kMaxValidators));
  }
  std::uint64_t total = 0;
  std::set<crypto::PublicKey> keys;
  for (const ledger::Validator& v : validators) {
    if (v.voting_power == 0 || v.voting_power > kMaxTotalVotingPower) {
      return Status::Error("malformed",
                           "voting power of " + v.org_id + " must be 1.." + std::to_string(kMaxTotalVotingPower));
    }
    total += v.voting_power;  // cannot overflow: at most kMaxValidators * kMaxTotalVotingPower
    if (!keys.insert(v.public_key).second) {
      return Status::Error("malformed", "validator key of " + v.org_id + " appears twice");
    }
  }
  if (total > kMaxTotalVotingPower) {
    return Status::Error("malformed", "total voting power " + std::to_string(total) + " exceeds " +
                                          std::to_string(kMaxTotalVotingPower));
  }
  return Status::Ok();
}

ValidatorSet ValidatorSet::Of(std::vector<ledger::Validator> validators) {
  assert(CheckValidatorSet(validators).ok());
  ValidatorSet set;
  for (const ledger::Validator& v : validators) set.total_power += v.voting_power;
  set.proposer_table = BuildProposerTable(validators);
  set.validators = std::move(validators);
  return set;
}

std::optional<std::uint32_t> ValidatorSet::IndexOf(const crypto::PublicKey& key) const {
  for (std::size_t i = 0; i < validators.size(); ++i) {
    if (validators[i].public_key == key) return static_cast<std::uint32_t>(i);
  }
  return std::nullopt;
}

bool ValidatorSet::SameAs(const ValidatorSet& other) const {
  return std::equal(validators.begin(), validators.end(), other.validators.begin(), other.validators.end(),
                    [](const ledger::Validator& a, const ledger::Validator& b) {
                      return a.public_key == b.public_key && a.voting_power == b.voting_power;
                    });
}

// Per-validator memory that outlives a height (peer heights, the relay budget) follows each key
// to its index in the new set; a validator new to the set starts from nothing.
template <class T>
static std::vector<T> Remap(const std::vector<T>& old_values, const ValidatorSet& from, const ValidatorSet& to) {
  std::vector<T> values(to.size(), T{});
  for (std::size_t i = 0; i < from.size() && i < old_values.size(); ++i) {
    if (const auto j = to.IndexOf(from.validators[i].public_key)) values[*j] = old_values[i];
  }
  return values;
}

void Core::Impl::InstallSets(ValidatorSet at, ValidatorSet after) {
  if (!current.validators.empty()) {
    peer_height = Remap(peer_height, current, at);
    statuses_this_tick = Remap(statuses_this_tick, current, at);
    for (std::uint32_t i = 0; i < current.size(); ++i) {
      if (!at.IndexOf(current.validators[i].public_key)) removed_by_index[i] = current.validators[i].public_key;
    }
  }
  current = std::move(at);
  next = std::move(after);
  my_index = current.IndexOf(signer.public_key).value_or(kNotMember);
  RefreshBroadcastTargets();
}

void Core::Impl::RefreshBroadcastTargets() {
  broadcast_to.clear();
  for (const ValidatorSet* set : {&current, &next}) {
    for (const ledger::Validator& v : set->validators) {
      if (v.public_key == signer.public_key) continue;
      if (std::find(broadcast_to.begin(), broadcast_to.end(), v.public_key) == broadcast_to.end()) {
        broadcast_to.push_back(v.public_key);
      }
    }
  }
}

Status Core::Impl::OnNextValidators(NextValidators given) {
  if (height == 0) return Status::Error("not_started", "the core has not been started");
  if (given.height != height + 1) {
    return Status::Error("stale", "the next set must be for height " + std::to_string(height + 1) + ", not " +
                                      std::to_string(given.height));
  }
  if (Status s = CheckValidatorSet(given.validators); !s.ok()) return s;
  if (faults.ignore_validator_set_changes) return Status::Ok();
  ValidatorSet set = ValidatorSet::Of(std::move(given.validators));
  if (set.SameAs(next)) return Status::Ok();
  std::vector<std::deque<Message>> buffered = std::move(next_height_messages);
  next = std::move(set);
  next_height_messages.assign(next.size(), {});
  RefreshBroadcastTargets();
  Readmit(std::move(buffered));
  Progress();
  return Status::Ok();
}

void Core::Impl::Readmit(std::vector<std::deque<Message>> messages) {
  for (std::deque<Message>& queue : messages) {
    for (Message& message : queue) {
      Status status = std::holds_alternative<Proposal>(message) ? AdmitProposal(std::get<Proposal>(std::move(message)))
                                                                : AdmitVote(std::get<Vote>(message));
      if (!status.ok() && refused != nullptr) refused->push_back(std::move(status));
    }
  }
}

Status Core::Impl::RefuseSigner(std::uint64_t at_height, std::uint32_t index, ByteView sign_bytes,
                                const crypto::Signature& signature, const std::string& code,
                                const std::string& why) const {
  // The key that index had before: in `current` for a next-height message, else the last key
  // removed from it.
  const ValidatorSet& now = SetAt(at_height);
  std::optional<crypto::PublicKey> before;
  if (at_height == height + 1 && index < current.size()) {
    before = current.validators[index].public_key;
  } else if (const auto it = removed_by_index.find(index); it != removed_by_index.end()) {
    before = it->second;
  }
  if (before && !now.IndexOf(*before) && VerifySignature(*before, sign_bytes, signature)) {
    return Reject("not_in_validator_set", "signed by a validator not in the set of height " +
                                              std::to_string(at_height) + ": " + why);
  }
  return Reject(code, why);
}

void Core::Impl::MarkAhead(std::uint64_t at_height, std::uint32_t index) {
  const ValidatorSet& set = SetAt(at_height);
  if (index >= set.size()) return;
  if (const auto here = current.IndexOf(set.validators[index].public_key)) seen_ahead[*here] = true;
}

void Core::Impl::Emit(Effect effect) {
  if (auto* broadcast = std::get_if<Broadcast>(&effect); broadcast && broadcast->to.empty()) {
    broadcast->to = broadcast_to;
  } else if (auto* send = std::get_if<SendTo>(&effect)) {
    assert(send->validator < current.size());
    send->to_key = current.validators[send->validator].public_key;
  } else if (auto* request = std::get_if<RequestDecision>(&effect)) {
    for (std::uint32_t v : request->ahead) request->ahead_keys.push_back(current.validators[v].public_key);
  }
  out->push_back(std::move(effect));
}

}  // namespace shanliu::node::consensus
