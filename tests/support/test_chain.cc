#include "test_chain.h"

#include <doctest/doctest.h>

#include <cassert>
#include <cstdlib>
#include <stdexcept>

#include "shanliu/crypto/hash.h"
#include "shanliu/ledger/block.h"
#include "shanliu/ledger/executor.h"
#include "shanliu/ledger/registry_codes.h"

namespace shanliu::testing {

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "shanliu-test-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

crypto::KeyPair TestKey(std::string_view name) { return crypto::KeyPairFromSeed(crypto::Sha256(AsBytes(name))); }

std::string TestCreditCode(std::string_view kind2, std::string_view org_id) {
  const Hash256 h = crypto::Sha256(AsBytes("credit-code/" + std::string(org_id)));
  std::uint64_t serial = 0;
  for (int i = 0; i < 8; ++i) serial = serial << 8 | h[static_cast<std::size_t>(i)];
  return ledger::MakeCreditCode(kind2, "330106", serial);
}

namespace {

ledger::GenesisOrg Org(const std::string& id, pb::OrgKind kind, const std::string& zh, const crypto::KeyPair& key) {
  ledger::GenesisOrg o;
  o.org_id = id;
  o.kind = kind;
  o.name_zh = zh;
  o.name_en = id;
  o.credit_code = TestCreditCode(kind == pb::ORG_KIND_BANK ? "91" : "11", id);
  o.public_keys = {key.public_key};
  return o;
}

}  // namespace

TestChain::TestChain(std::function<void(ledger::Genesis&)> adjust_genesis, ledger::LedgerOptions options) {
  genesis_.chain_id = "test-chain";
  genesis_.genesis_time_ms = 1'767'225'600'000;  // 2026-01-01T00:00:00Z
  genesis_.organisations = {Org("bureau", pb::ORG_KIND_BUREAU, "民政局", bureau),
                            Org("federation", pb::ORG_KIND_FEDERATION, "慈善总会", federation),
                            Org("bank-1", pb::ORG_KIND_BANK, "银行", bank)};
  genesis_.validators = {ledger::Validator{validator_.public_key, 1, "bureau"}};
  if (adjust_genesis) adjust_genesis(genesis_);
  auto opened = ledger::Ledger::Open(dir_.path(), genesis_, options);
  if (!opened.ok()) throw std::runtime_error("cannot open test ledger: " + opened.status().ToString());
  ledger_ = std::move(*opened);
}

Bytes TestChain::MakeTx(const std::function<void(pb::TxBody&)>& fill, std::vector<const crypto::KeyPair*> signers) {
  pb::TxBody body;
  body.set_chain_id(genesis_.chain_id);
  body.set_expires_at_height(ledger_->height() + 100);
  body.set_nonce(nonce_++);
  body.set_created_at_ms(genesis_.genesis_time_ms);
  // Signed "now" (the head's time unless a test moved the signing clock) and valid for the
  // chain's whole time window, so a block up to max_tx_expiry_ms later still takes it.
  const std::uint64_t signed_at = signing_time_ms != 0 ? signing_time_ms : ledger_->head().time_ms();
  body.set_expires_at_ms(signed_at + genesis_.params.max_tx_expiry_ms);
  fill(body);
  return ledger::BuildTx(body, signers);
}

ledger::DecodedTx TestChain::Decode(const Bytes& envelope) const {
  auto d = ledger::DecodeTx(envelope, genesis_.chain_id);
  if (!d.ok()) throw std::runtime_error("test tx does not decode: " + d.status().ToString());
  return std::move(*d);
}

std::vector<Status> TestChain::CommitBlock(const std::vector<Bytes>& txs, std::uint64_t time_ms) {
  std::vector<ledger::DecodedTx> decoded;
  for (const Bytes& t : txs) decoded.push_back(Decode(t));
  if (time_ms == 0) time_ms = ledger_->head().time_ms() + 1000;
  ledger::BuildResult built = ledger_->BuildBlock(decoded, time_ms, 0);
  // Included and left-out txs both keep candidate order, so walk them side by side.
  std::vector<Status> statuses(txs.size());
  std::size_t included = 0, left_out = 0;
  for (std::size_t i = 0; i < decoded.size(); ++i) {
    if (included < built.executed.tx_ids.size() && built.executed.tx_ids[included] == decoded[i].id) {
      ++included;
    } else if (left_out < built.rejected.size()) {
      statuses[i] = built.rejected[left_out++].status;
    } else {
      statuses[i] = Status::Error("not_included", "the block filled up before this tx");
    }
  }
  if (built.executed.block.txs_size() == 0) return statuses;
  const auto& h = built.executed.block.header();
  const pb::CommitCertificate commit = SignCommit(h.height(), built.executed.hash);
  Status st = ledger_->Commit(built.executed, commit);
  if (!st.ok()) throw std::runtime_error("commit failed: " + st.ToString());
  return statuses;
}

pb::CommitCertificate TestChain::SignCommit(std::uint64_t height, const Hash256& block_hash) const {
  // Every validator of the set that signs `height` whose key the test holds precommits.
  auto set = ledger_->ValidatorsAt(height);
  if (!set.ok()) throw std::runtime_error("no validator set: " + set.status().ToString());
  std::vector<pb::CommitSignature> signatures;
  for (std::size_t i = 0; i < set->size(); ++i) {
    const crypto::PublicKey& key = (*set)[i].public_key;
    const crypto::KeyPair* pair = key == validator_.public_key ? &validator_ : nullptr;
    for (const crypto::KeyPair& k : validator_keys) {
      if (k.public_key == key) pair = &k;
    }
    if (pair == nullptr) continue;
    signatures.push_back(ledger::SignPrecommit(genesis_.chain_id, height, 0, block_hash, static_cast<std::uint32_t>(i),
                                               pair->secret_key));
  }
  return ledger::MakeCommitCertificate(height, 0, block_hash, std::move(signatures));
}

std::pair<Status, bool> TestChain::DryRun(const Bytes& tx) {
  auto view = ledger_->Read();
  ledger::StateView overlay = view->NewOverlay();
  ledger::TxContext ctx{ledger_->height() + 1, ledger_->head().time_ms() + 1000, ledger_->head().log_size(), 0};
  Status s = ledger::ApplyTx(overlay, genesis_, Decode(tx), ctx);
  return {s, overlay.MergedWrites().empty()};
}

Status TestChain::RegisterOrg(const std::string& id, pb::OrgKind kind, const crypto::KeyPair& key,
                               const std::vector<std::string>& account_banks) {
  return Commit(MakeTx(
      [&](pb::TxBody& b) {
        auto* p = b.mutable_register_org();
        p->set_org_id(id);
        p->set_kind(kind);
        p->set_name_zh(id + "（测试）");
        p->set_name_en(id);
        p->set_credit_code(TestCreditCode("52", id));
        p->add_public_keys(std::string(key.public_key.begin(), key.public_key.end()));
        for (const std::string& bank : account_banks) p->add_account_banks(bank);
      },
      {&bureau}));
}

Status TestChain::OpenProject(const std::string& id, const std::string& owner, const crypto::KeyPair& owner_key,
                              std::int64_t budget_fen) {
  return Commit(MakeTx(
      [&](pb::TxBody& b) {
        auto* p = b.mutable_open_project();
        p->set_project_id(id);
        p->set_owner_org(owner);
        p->set_name_zh("长者食堂");
        p->set_category("elder-care");
        p->set_region("330106");
        p->set_budget_fen(budget_fen);
        p->set_starts_at_ms(genesis_.genesis_time_ms);
        p->set_ends_at_ms(genesis_.genesis_time_ms + 86'400'000ull * 365);
      },
      {&owner_key}));
}

Bytes TestChain::DonationTx(const std::string& account, std::int64_t amount_fen, const crypto::KeyPair& signer,
                            const std::string& bank, const crypto::KeyPair* points_holder) {
  return MakeTx(
      [&](pb::TxBody& b) {
        auto* d = b.mutable_donation();
        d->set_to_account(account);
        d->set_amount_fen(amount_fen);
        const Hash256 ref = crypto::Sha256(AsBytes("donor-" + std::to_string(nonce_)));
        d->set_donor_ref(std::string(ref.begin(), ref.end()));
        d->set_channel(pb::DONATION_CHANNEL_MOBILE_PAYMENT);
        d->set_attesting_bank(bank);
        if (points_holder) {
          d->set_points_holder(std::string(points_holder->public_key.begin(), points_holder->public_key.end()));
        }
      },
      {&signer});
}

Bytes TestChain::SpendTx(const std::string& account, std::int64_t amount_fen, const crypto::KeyPair& signer,
                         pb::SpendCategory category) {
  return MakeTx(
      [&](pb::TxBody& b) {
        auto* s = b.mutable_spend();
        s->set_from_account(account);
        s->set_amount_fen(amount_fen);
        s->set_category(category);
        s->set_payee_kind(pb::PAYEE_KIND_VENDOR);
        s->set_payee_name("杭州某某食品有限公司");
        s->set_beneficiary_count(10);
        s->set_description("米面粮油");
        s->set_occurred_at_ms(genesis_.genesis_time_ms);
      },
      {&signer});
}

Bytes TestChain::CorrectionTx(const Bytes& corrected, std::vector<const crypto::KeyPair*> signers,
                             const std::string& reason) {
  pb::Tx envelope;
  const bool parsed = envelope.ParseFromArray(corrected.data(), static_cast<int>(corrected.size()));
  assert(parsed);
  (void)parsed;
  const Hash256 id = ledger::TxId(AsBytes(envelope.body()));
  return MakeTx(
      [&](pb::TxBody& b) {
        auto* c = b.mutable_correction();
        c->set_corrected_tx_id(std::string(id.begin(), id.end()));
        c->set_reason(reason);
        c->set_corrected_tx_body(envelope.body());
      },
      std::move(signers));
}

Bytes TestChain::TransferTx(const std::string& from, const std::string& to, std::int64_t amount_fen,
                            const crypto::KeyPair& signer) {
  return MakeTx(
      [&](pb::TxBody& b) {
        auto* t = b.mutable_transfer();
        t->set_from_account(from);
        t->set_to_account(to);
        t->set_amount_fen(amount_fen);
        t->set_purpose("allocation");
      },
      {&signer});
}

void ExpectRejected(TestChain& chain, const Bytes& tx, const std::string& code) {
  // Not a structured binding: clang 14 (the fuzz build) cannot capture one in CHECK's lambda.
  const std::pair<Status, bool> dry_run = chain.DryRun(tx);
  const Status& status = dry_run.first;
  const bool nothing_written = dry_run.second;
  CHECK_MESSAGE(status.code() == code, status.ToString());
  CHECK(nothing_written);
  const Hash256 head_before = chain.ledger().head_hash();
  const std::uint64_t height_before = chain.ledger().height();
  const std::string root_before = chain.ledger().head().state_root();
  CHECK(chain.Commit(tx).code() == code);
  CHECK(chain.ledger().height() == height_before);
  CHECK(chain.ledger().head_hash() == head_before);
  CHECK(chain.ledger().head().state_root() == root_before);
}

}  // namespace shanliu::testing
