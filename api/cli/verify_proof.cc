#include "verify_proof.h"

#include <algorithm>
#include <cctype>
#include <optional>

#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/merkle.h"
#include "shanliu/ledger/block.h"
#include "shanliu/ledger/json.h"
#include "shanliu/ledger/tx.h"
#include "shanliu/ledger/validator_set.h"

namespace shanliu::cli {
namespace {

bool Is32(const std::string& bytes) { return bytes.size() == 32; }

Hash256 ToHash(const std::string& bytes) {
  Hash256 h{};
  std::copy_n(bytes.begin(), std::min<std::size_t>(bytes.size(), h.size()), h.begin());
  return h;
}

std::string Short(const std::string& bytes) { return crypto::ToHex(AsBytes(bytes)).substr(0, 16) + "…"; }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Who holds a key, as far as the genesis file can tell.
std::string KeyOwnerName(const ledger::Genesis& genesis, const crypto::PublicKey& key) {
  for (const ledger::GenesisOrg& org : genesis.organisations) {
    if (std::find(org.public_keys.begin(), org.public_keys.end(), key) != org.public_keys.end()) return org.org_id;
  }
  return "key " + crypto::ToHex(key).substr(0, 16) + "…";
}

class Checker {
 public:
  Checker(const ledger::Genesis& genesis, ProofReport& report)
      : genesis_(genesis), r_(report), signers_(genesis.validators) {}

  void Add(std::string_view name, bool ok, std::string detail) {
    r_.checks.push_back(ProofCheck{std::string(name), ok, std::move(detail)});
  }

  bool Format(const nlohmann::json& json) {
    if (!json.is_object()) {
      Add(kCheckFormat, false, "the proof is not a JSON object");
      return false;
    }
    for (const char* field : {"tx", "tx_id", "header", "block_hash", "commit"}) {
      if (!json.contains(field)) {
        Add(kCheckFormat, false, std::string("the proof has no '") + field + "'");
        return false;
      }
    }
    // validator_transitions (docs/api.md) rides beside the DESIGN 6.2 fields; absent means none.
    nlohmann::json fields = json;
    if (fields.contains("validator_transitions")) {
      auto transitions = ledger::TransitionsFromJson(fields["validator_transitions"], "validator_transitions");
      if (!transitions.ok()) {
        Add(kCheckFormat, false, transitions.status().message());
        return false;
      }
      transitions_ = std::move(*transitions);
      fields.erase("validator_transitions");
    }
    if (Status s = ledger::JsonToMessage(fields, &r_.proof); !s.ok()) {
      Add(kCheckFormat, false, s.message());
      return false;
    }
    Add(kCheckFormat, true, "a DESIGN 6.2 receipt proof" +
                                (transitions_.empty() ? std::string()
                                                      : " with " + std::to_string(transitions_.size()) +
                                                            " validator-set transition" +
                                                            (transitions_.size() == 1 ? "" : "s")));
    return true;
  }

  void TxId(std::string_view expected_code) {
    pb::Tx tx;
    if (!tx.ParseFromString(r_.proof.tx()) || !r_.body.ParseFromString(tx.body())) {
      Add(kCheckTxId, false, "tx is not a Tx envelope holding a TxBody");
      return;
    }
    r_.tx_id = ledger::TxId(AsBytes(tx.body()));
    const std::string code = crypto::ToBase32(r_.tx_id);
    if (!Is32(r_.proof.tx_id()) || ToHash(r_.proof.tx_id()) != r_.tx_id) {
      Add(kCheckTxId, false, "the body hashes to " + crypto::ToHex(r_.tx_id) + ", the proof claims tx_id " +
                                 crypto::ToHex(AsBytes(r_.proof.tx_id())));
      return;
    }
    const std::string wanted = Lower(expected_code);
    if (!wanted.empty() && (wanted.size() > code.size() || code.compare(0, wanted.size(), wanted) != 0)) {
      Add(kCheckTxId, false, "the proof is for receipt " + code + ", not " + wanted);
      return;
    }
    Add(kCheckTxId, true, "SHA-256 of the body is " + crypto::ToHex(r_.tx_id).substr(0, 16) + "… = receipt " + code);
  }

  void TxSignatures() {
    auto decoded = ledger::DecodeTx(AsBytes(r_.proof.tx()), genesis_.chain_id);
    if (!decoded.ok()) {
      Add(kCheckTxSignatures, false, decoded.status().ToString());
      return;
    }
    std::string who;
    for (const crypto::PublicKey& key : decoded->signers) {
      who += (who.empty() ? "" : ", ") + KeyOwnerName(genesis_, key);
    }
    const std::size_t n = decoded->signers.size();
    Add(kCheckTxSignatures, true,
        std::to_string(n) + (n == 1 ? " signature verifies (" : " signatures verify (") + who + ")");
  }

  void Inclusion() {
    const pb::BlockHeader& h = r_.proof.header();
    if (r_.proof.log_size() != h.log_size()) {
      Add(kCheckInclusion, false, "the proof is for a log of " + std::to_string(r_.proof.log_size()) +
                                      " leaves, the header's log has " + std::to_string(h.log_size()));
      return;
    }
    std::vector<Hash256> path;
    for (const std::string& node : r_.proof.inclusion_path()) {
      if (!Is32(node)) {
        Add(kCheckInclusion, false, "an inclusion path entry is not 32 bytes");
        return;
      }
      path.push_back(ToHash(node));
    }
    if (!Is32(h.log_root())) {
      Add(kCheckInclusion, false, "the header's log_root is not 32 bytes");
      return;
    }
    const Hash256 leaf = crypto::MerkleLeafHash(AsBytes(r_.proof.tx()));
    if (!crypto::VerifyMerkleInclusion(leaf, r_.proof.leaf_index(), r_.proof.log_size(), path, ToHash(h.log_root()))) {
      Add(kCheckInclusion, false, "leaf " + std::to_string(r_.proof.leaf_index()) + " with this path does not lead to " +
                                      "log_root " + Short(h.log_root()) + " (RFC 9162 2.1.3.2)");
      return;
    }
    Add(kCheckInclusion, true, "leaf " + std::to_string(r_.proof.leaf_index()) + " of " +
                                   std::to_string(r_.proof.log_size()) + " leads to log_root " + Short(h.log_root()) +
                                   " (" + std::to_string(path.size()) + " hashes)");
  }

  // Returns the recomputed block hash when the header could be serialised.
  std::optional<Hash256> Header() {
    auto hash = ledger::BlockHash(r_.proof.header());
    if (!hash.ok()) {
      Add(kCheckHeader, false, hash.status().message());
      return std::nullopt;
    }
    if (!Is32(r_.proof.block_hash()) || ToHash(r_.proof.block_hash()) != *hash) {
      Add(kCheckHeader, false, "the header hashes to " + crypto::ToHex(*hash) + ", not block_hash " +
                                   crypto::ToHex(AsBytes(r_.proof.block_hash())));
      return *hash;
    }
    Add(kCheckHeader, true, "height " + std::to_string(r_.proof.header().height()) + " hashes to block_hash " +
                                crypto::ToHex(*hash).substr(0, 16) + "…");
    return *hash;
  }

  void Chain() {
    const std::string& chain = r_.proof.header().chain_id();
    if (chain != genesis_.chain_id) {
      Add(kCheckChain, false, "the header is for chain '" + chain + "', the genesis is '" + genesis_.chain_id + "'");
      return;
    }
    Add(kCheckChain, true, "chain_id '" + chain + "' matches the genesis");
  }

  // The set that signed the header: the genesis set, followed through each certified transition
  // (DESIGN 7: > 2/3 of the old set signed the header announcing the new one).
  void Validators() {
    const std::uint64_t height = r_.proof.header().height();
    auto followed = ledger::FollowValidatorTransitions(genesis_.chain_id, genesis_.validators, transitions_, height);
    if (!followed.ok()) {
      Add(kCheckValidators, false, followed.status().message());
      return;
    }
    signers_ = std::move(*followed);
    r_.validator_count = signers_.size();
    const Hash256 expected = ledger::ValidatorsHash(signers_);
    const std::string& got = r_.proof.header().validators_hash();
    if (!Is32(got) || ToHash(got) != expected) {
      const std::string which = transitions_.empty() ? "the genesis set's " : "the set the transitions lead to, ";
      Add(kCheckValidators, false,
          "the header's validators_hash " + crypto::ToHex(AsBytes(got)) + " is not " + which + crypto::ToHex(expected) +
              ": the chain's validator set changed and the proof lacks the transition(s) to height " +
              std::to_string(height) + " (GET /v1/validators/transitions?to_height=" + std::to_string(height) + ")");
      return;
    }
    if (transitions_.empty()) {
      Add(kCheckValidators, true, "validators_hash matches the genesis set of " +
                                      std::to_string(signers_.size()) + " validators");
      return;
    }
    Add(kCheckValidators, true, "validators_hash matches the set of " + std::to_string(signers_.size()) +
                                    " validators reached from genesis through " +
                                    std::to_string(transitions_.size()) + " certified transition" +
                                    (transitions_.size() == 1 ? "" : "s") + " (last effective at height " +
                                    std::to_string(transitions_.back().effective_height) + ")");
  }

  void Commit(const std::optional<Hash256>& header_hash) {
    const pb::CommitCertificate& c = r_.proof.commit();
    // The certificate must cover the header actually presented, so use its recomputed hash.
    const Hash256 block_hash = header_hash ? *header_hash : ToHash(r_.proof.block_hash());
    const std::uint64_t height = r_.proof.header().height();
    const Bytes sign_bytes =
        ledger::VoteSignBytes(genesis_.chain_id, ledger::VoteType::kPrecommit, height, c.round(), block_hash);
    std::vector<bool> signed_by(signers_.size(), false);
    for (const pb::CommitSignature& s : c.signatures()) {
      if (s.validator_index() >= signers_.size() || s.signature().size() != 64) continue;
      crypto::Signature sig;
      std::copy(s.signature().begin(), s.signature().end(), sig.begin());
      if (crypto::VerifyRaw(signers_[s.validator_index()].public_key, sign_bytes, sig)) {
        signed_by[s.validator_index()] = true;
      }
    }
    for (std::size_t i = 0; i < signed_by.size(); ++i) {
      if (signed_by[i]) r_.commit_signers.push_back(signers_[i].org_id);
    }
    std::string who;
    for (const std::string& org : r_.commit_signers) who += (who.empty() ? "" : ", ") + org;
    const std::string tally = "signed by " + std::to_string(r_.commit_signers.size()) + " of " +
                              std::to_string(signers_.size()) + (who.empty() ? "" : ": " + who);
    Status s = ledger::VerifyCommitCertificate(c, genesis_.chain_id, height, block_hash, signers_);
    if (!s.ok()) {
      Add(kCheckCommit, false, s.message() + " (" + tally + ")");
      return;
    }
    Add(kCheckCommit, true, tally);
  }

 private:
  const ledger::Genesis& genesis_;
  ProofReport& r_;
  std::vector<ledger::ProvenTransition> transitions_;  // the proof's validator_transitions
  std::vector<ledger::Validator> signers_;             // the set that signed the header (Validators())
};

}  // namespace

bool ProofReport::ok() const {
  return !checks.empty() && std::all_of(checks.begin(), checks.end(), [](const ProofCheck& c) { return c.ok; });
}

std::vector<std::string> ProofReport::Failed() const {
  std::vector<std::string> out;
  for (const ProofCheck& c : checks) {
    if (!c.ok) out.push_back(c.name);
  }
  return out;
}

ProofReport VerifyReceiptProof(const nlohmann::json& proof, const ledger::Genesis& genesis,
                               std::string_view expected_code) {
  ProofReport report;
  report.validator_count = genesis.validators.size();
  Checker check(genesis, report);
  if (!check.Format(proof)) return report;
  check.TxId(expected_code);
  check.TxSignatures();
  check.Inclusion();
  const std::optional<Hash256> header_hash = check.Header();
  check.Chain();
  check.Validators();
  check.Commit(header_hash);
  return report;
}

}  // namespace shanliu::cli
