// Every transaction rule of DESIGN 4, each with its failure: a rejected tx names the rule
// and writes nothing.
#include <doctest/doctest.h>

#include "shanliu/crypto/hash.h"
#include "shanliu/ledger/flow.h"
#include "test_chain.h"

using namespace shanliu;
using shanliu::testing::TestChain;
using shanliu::testing::TestCreditCode;
using shanliu::testing::TestKey;

namespace {

std::string KeyStr(const crypto::KeyPair& k) { return std::string(k.public_key.begin(), k.public_key.end()); }

// A chain with one charity ("sunshine"), a second charity ("spring"), a merchant and a trustee.
struct District {
  TestChain chain;
  crypto::KeyPair sunshine = TestKey("sunshine");
  crypto::KeyPair spring = TestKey("spring");
  crypto::KeyPair merchant = TestKey("merchant");
  crypto::KeyPair trustee = TestKey("trustee");
  crypto::KeyPair holder = TestKey("holder");

  District() {
    REQUIRE(chain.RegisterOrg("sunshine", pb::ORG_KIND_CHARITY, sunshine).ok());
    REQUIRE(chain.RegisterOrg("spring", pb::ORG_KIND_CHARITY, spring).ok());
    REQUIRE(chain.RegisterOrg("shop", pb::ORG_KIND_MERCHANT, merchant).ok());
    REQUIRE(chain.RegisterOrg("trust-co", pb::ORG_KIND_TRUSTEE, trustee).ok());
    REQUIRE(chain.OpenProject("meals", "sunshine", sunshine).ok());
    REQUIRE(chain.OpenProject("school", "spring", spring).ok());
  }

  std::int64_t Balance(const std::string& account) {
    auto view = chain.ledger().Read();
    return ledger::flow::GetAccount(view->state(), account).balance_fen;
  }
};

}  // namespace

TEST_CASE("registering organisations needs the bureau and fresh ids and keys") {
  TestChain chain;
  const auto key = TestKey("newcomer");
  auto reg = [&](const std::string& id, const crypto::KeyPair& signer, const crypto::KeyPair& org_key) {
    return chain.MakeTx(
        [&](pb::TxBody& b) {
          auto* p = b.mutable_register_org();
          p->set_org_id(id);
          p->set_kind(pb::ORG_KIND_CHARITY);
          p->set_name_zh("新慈善");
          p->set_credit_code(TestCreditCode("52", id));
          p->add_public_keys(KeyStr(org_key));
        },
        {&signer});
  };
  ExpectRejected(chain, reg("newcomer", chain.federation, key), "wrong_signer");
  ExpectRejected(chain, reg("newcomer", key, key), "wrong_signer");
  CHECK(chain.Commit(reg("newcomer", chain.bureau, key)).ok());
  ExpectRejected(chain, reg("newcomer", chain.bureau, TestKey("other")), "already_exists");
  ExpectRejected(chain, reg("copycat", chain.bureau, key), "key_in_use");
}

TEST_CASE("a suspended organisation can neither receive nor spend, and only the bureau suspends") {
  District d;
  TestChain& c = d.chain;
  REQUIRE(c.Commit(c.DonationTx("org:sunshine", 10'000, d.sunshine)).ok());
  auto suspend = [&](const crypto::KeyPair& signer, pb::OrgStatus status) {
    return c.MakeTx(
        [&](pb::TxBody& b) {
          auto* p = b.mutable_update_org();
          p->set_org_id("sunshine");
          p->set_status(status);
          p->set_reason("年检不合格");
        },
        {&signer});
  };
  ExpectRejected(c, suspend(d.spring, pb::ORG_STATUS_SUSPENDED), "wrong_signer");
  REQUIRE(c.Commit(suspend(c.bureau, pb::ORG_STATUS_SUSPENDED)).ok());
  ExpectRejected(c, c.DonationTx("org:sunshine", 100, d.sunshine), "suspended");
  ExpectRejected(c, c.DonationTx("project:meals", 100, c.bank, "bank-1"), "suspended");
  ExpectRejected(c, c.SpendTx("org:sunshine", 100, d.sunshine), "suspended");
  REQUIRE(c.Commit(suspend(c.bureau, pb::ORG_STATUS_ACTIVE)).ok());
  CHECK(c.Commit(c.SpendTx("org:sunshine", 100, d.sunshine)).ok());
}

TEST_CASE("donations: attested by a bank or self-reported by the receiver, never by others") {
  District d;
  TestChain& c = d.chain;
  CHECK(c.Commit(c.DonationTx("project:meals", 500, c.bank, "bank-1")).ok());
  CHECK(c.Commit(c.DonationTx("project:meals", 500, d.sunshine)).ok());
  ExpectRejected(c, c.DonationTx("project:meals", 500, d.spring), "wrong_signer");
  ExpectRejected(c, c.DonationTx("project:meals", 500, d.sunshine, "bank-1"), "wrong_signer");
  ExpectRejected(c, c.DonationTx("project:nowhere", 500, d.sunshine), "unknown_account");
  ExpectRejected(c, c.DonationTx("org:shop", 500, d.merchant), "wrong_kind");
  CHECK(d.Balance("project:meals") == 1000);
  auto view = c.ledger().Read();
  CHECK(view->Stats().donation_count() == 2);
}

TEST_CASE("spending: overdraft by one fen is refused, the exact balance is not") {
  District d;
  TestChain& c = d.chain;
  REQUIRE(c.Commit(c.DonationTx("project:meals", 12'345, c.bank, "bank-1")).ok());
  ExpectRejected(c, c.SpendTx("project:meals", 12'346, d.sunshine), "insufficient_funds");
  ExpectRejected(c, c.SpendTx("project:meals", 100, d.spring), "wrong_signer");
  CHECK(c.Commit(c.SpendTx("project:meals", 12'345, d.sunshine)).ok());
  CHECK(d.Balance("project:meals") == 0);
  ExpectRejected(c, c.SpendTx("project:meals", 1, d.sunshine), "insufficient_funds");
}

TEST_CASE("restricted money never leaves its project except by spending or refund") {
  District d;
  TestChain& c = d.chain;
  REQUIRE(c.Commit(c.DonationTx("project:meals", 5'000, c.bank, "bank-1")).ok());
  ExpectRejected(c, c.TransferTx("project:meals", "project:school", 1'000, d.sunshine), "restricted_funds");
  ExpectRejected(c, c.TransferTx("project:meals", "org:sunshine", 1'000, d.sunshine), "restricted_funds");
  // Unrestricted money can be allocated to one's own project or granted to another organisation.
  REQUIRE(c.Commit(c.DonationTx("org:sunshine", 3'000, d.sunshine)).ok());
  CHECK(c.Commit(c.TransferTx("org:sunshine", "project:meals", 1'000, d.sunshine)).ok());
  CHECK(c.Commit(c.TransferTx("org:sunshine", "project:school", 1'000, d.sunshine)).ok());
  ExpectRejected(c, c.TransferTx("org:sunshine", "org:spring", 1'001, d.sunshine), "insufficient_funds");
  ExpectRejected(c, c.TransferTx("org:sunshine", "org:spring", 500, d.spring), "wrong_signer");
  CHECK(d.Balance("project:school") == 1'000);
}

TEST_CASE("int64 overflow of an account's running totals is refused") {
  TestChain chain([](ledger::Genesis& g) { g.params.max_block_txs = 10'000; },
                  ledger::LedgerOptions{.sync_writes = false, .check_conservation = true});
  const auto charity = TestKey("big");
  REQUIRE(chain.RegisterOrg("big", pb::ORG_KIND_CHARITY, charity).ok());
  // 9223 gifts of 10^15 fen fit in int64 (9.223e18); the next one does not.
  const std::int64_t max_amount = 1'000'000'000'000'000;
  const std::size_t fit = static_cast<std::size_t>(INT64_MAX / max_amount);
  std::vector<Bytes> txs;
  for (std::size_t i = 0; i < fit + 1; ++i) txs.push_back(chain.DonationTx("org:big", max_amount, charity));
  const auto statuses = chain.CommitBlock(txs);
  for (std::size_t i = 0; i < fit; ++i) REQUIRE(statuses[i].ok());
  CHECK(statuses[fit].code() == "overflow");
  auto view = chain.ledger().Read();
  CHECK(ledger::flow::GetAccount(view->state(), "org:big").balance_fen ==
        static_cast<std::int64_t>(fit) * max_amount);
}

TEST_CASE("replay protection: expiry window and committed ids") {
  District d;
  TestChain& c = d.chain;
  const std::uint64_t h = c.ledger().height();
  auto with_expiry = [&](std::uint64_t expires) {
    return c.MakeTx(
        [&](pb::TxBody& b) {
          b.set_expires_at_height(expires);
          auto* x = b.mutable_disclosure();
          x->set_org_id("sunshine");
          x->set_type(pb::DISCLOSURE_TYPE_ANNUAL_REPORT);
          x->set_title("2025年度工作报告");
          x->set_period("2025");
          const Hash256 doc = crypto::Sha256(AsBytes("report"));
          x->set_document_sha256(std::string(doc.begin(), doc.end()));
        },
        {&d.sunshine});
  };
  ExpectRejected(c, with_expiry(h), "expired");  // the next block is h + 1
  ExpectRejected(c, with_expiry(h + 1 + 1001), "expiry_too_far");
  const Bytes ok = with_expiry(h + 1 + 1000);
  CHECK(c.Commit(ok).ok());
  ExpectRejected(c, ok, "duplicate");
  // The same tx twice in one block: the second copy is left out.
  const Bytes twice = c.DonationTx("org:sunshine", 10, d.sunshine);
  const auto statuses = c.CommitBlock({twice, twice});
  CHECK(statuses[0].ok());
  CHECK(statuses[1].code() == "duplicate");
}

TEST_CASE("charity points: earned by donating and volunteering, redeemed only with both signatures") {
  District d;
  TestChain& c = d.chain;
  const std::string holder = KeyStr(d.holder);
  // ¥100 at the default 1 point per ¥10 earns 10 points.
  REQUIRE(c.Commit(c.DonationTx("project:meals", 10'000, c.bank, "bank-1", &d.holder)).ok());
  REQUIRE(c.Commit(c.MakeTx(
                       [&](pb::TxBody& b) {
                         auto* v = b.mutable_volunteer_service();
                         v->set_charity_org("sunshine");
                         v->set_holder(holder);
                         v->set_minutes(90);
                         v->set_activity("助老送餐");
                         v->set_occurred_at_ms(c.ledger().head().time_ms());
                       },
                       {&d.sunshine, &d.holder}))
              .ok());
  auto points = [&] { return c.ledger().Read()->Points(AsBytes(holder))->balance(); };
  CHECK(points() == 10 + 15);
  auto redeem = [&](std::uint64_t n, std::vector<const crypto::KeyPair*> signers) {
    return c.MakeTx(
        [&](pb::TxBody& b) {
          auto* r = b.mutable_redeem_points();
          r->set_holder(holder);
          r->set_merchant_org("shop");
          r->set_points(n);
          r->set_item("理发一次");
        },
        signers);
  };
  ExpectRejected(c, redeem(26, {&d.holder, &d.merchant}), "insufficient_points");
  ExpectRejected(c, redeem(5, {&d.merchant}), "wrong_signer");
  ExpectRejected(c, redeem(5, {&d.holder}), "wrong_signer");
  CHECK(c.Commit(redeem(25, {&d.holder, &d.merchant})).ok());
  CHECK(points() == 0);
  // A volunteer stint too short for a whole point is refused rather than recorded as nothing.
  ExpectRejected(c,
                 c.MakeTx(
                     [&](pb::TxBody& b) {
                       auto* v = b.mutable_volunteer_service();
                       v->set_charity_org("sunshine");
                       v->set_holder(holder);
                       v->set_minutes(5);
                       v->set_activity("签到");
                       v->set_occurred_at_ms(c.ledger().head().time_ms());
                     },
                     {&d.sunshine, &d.holder}),
                 "too_small");
}

TEST_CASE("charity trusts: the bureau files, the custodian deposits, both trustee and custodian disburse") {
  District d;
  TestChain& c = d.chain;
  auto open = [&](const crypto::KeyPair& signer) {
    return c.MakeTx(
        [&](pb::TxBody& b) {
          auto* t = b.mutable_open_trust();
          t->set_trust_id("elder-trust");
          t->set_name_zh("颐养慈善信托");
          t->set_trustee_org("trust-co");
          t->set_custodian_bank("bank-1");
          t->set_purpose("养老助老");
        },
        {&signer});
  };
  ExpectRejected(c, open(d.trustee), "wrong_signer");
  REQUIRE(c.Commit(open(c.bureau)).ok());
  auto deposit = [&](const crypto::KeyPair& signer) {
    return c.MakeTx(
        [&](pb::TxBody& b) {
          auto* t = b.mutable_trust_deposit();
          t->set_trust_id("elder-trust");
          t->set_amount_fen(1'000'000);
          const Hash256 ref = crypto::Sha256(AsBytes("settlor"));
          t->set_settlor_ref(std::string(ref.begin(), ref.end()));
        },
        {&signer});
  };
  ExpectRejected(c, deposit(d.trustee), "wrong_signer");
  REQUIRE(c.Commit(deposit(c.bank)).ok());
  auto disburse = [&](std::vector<const crypto::KeyPair*> signers) {
    return c.MakeTx(
        [&](pb::TxBody& b) {
          auto* t = b.mutable_trust_disbursement();
          t->set_trust_id("elder-trust");
          t->set_to_account("project:meals");
          t->set_amount_fen(400'000);
        },
        signers);
  };
  ExpectRejected(c, disburse({&d.trustee}), "wrong_signer");
  ExpectRejected(c, disburse({&c.bank}), "wrong_signer");
  CHECK(c.Commit(disburse({&d.trustee, &c.bank})).ok());
  CHECK(d.Balance("trust:elder-trust") == 600'000);
  CHECK(d.Balance("project:meals") == 400'000);
}

TEST_CASE("closing a project needs a zero balance and its owner") {
  District d;
  TestChain& c = d.chain;
  REQUIRE(c.Commit(c.DonationTx("project:meals", 800, d.sunshine)).ok());
  auto close = [&](const crypto::KeyPair& signer) {
    return c.MakeTx(
        [&](pb::TxBody& b) {
          b.mutable_close_project()->set_project_id("meals");
          b.mutable_close_project()->set_summary("项目结项");
        },
        {&signer});
  };
  ExpectRejected(c, close(d.sunshine), "project_not_empty");
  REQUIRE(c.Commit(c.SpendTx("project:meals", 800, d.sunshine)).ok());
  ExpectRejected(c, close(d.spring), "wrong_signer");
  CHECK(c.Commit(close(d.sunshine)).ok());
  ExpectRejected(c, c.DonationTx("project:meals", 1, d.sunshine), "project_closed");
  ExpectRejected(c, close(d.sunshine), "project_closed");
}

TEST_CASE("refunds return only the unspent remainder, once, by the receiver") {
  District d;
  TestChain& c = d.chain;
  const Bytes gift = c.DonationTx("project:meals", 1'000, c.bank, "bank-1");
  REQUIRE(c.Commit(gift).ok());
  REQUIRE(c.Commit(c.SpendTx("project:meals", 300, d.sunshine)).ok());
  const Hash256 gift_id = c.Decode(gift).id;
  auto refund = [&](const crypto::KeyPair& signer, const Hash256& id) {
    return c.MakeTx(
        [&](pb::TxBody& b) {
          b.mutable_refund()->set_donation_tx_id(std::string(id.begin(), id.end()));
          b.mutable_refund()->set_reason("捐赠人申请退款");
        },
        {&signer});
  };
  ExpectRejected(c, refund(d.spring, gift_id), "wrong_signer");
  ExpectRejected(c, refund(d.sunshine, crypto::Sha256(AsBytes("nothing"))), "unknown_donation");
  REQUIRE(c.Commit(refund(d.sunshine, gift_id)).ok());
  CHECK(c.ledger().Read()->Gift(gift_id)->refunded_fen() == 700);
  CHECK(d.Balance("project:meals") == 0);
  ExpectRejected(c, refund(d.sunshine, gift_id), "already_refunded");
}

TEST_CASE("key rotation: signed by the old key, after which only the new key acts") {
  District d;
  TestChain& c = d.chain;
  const auto fresh = TestKey("sunshine-2027");
  auto rotate = [&](const crypto::KeyPair& signer) {
    return c.MakeTx(
        [&](pb::TxBody& b) {
          auto* r = b.mutable_rotate_key();
          r->set_org_id("sunshine");
          r->set_old_public_key(KeyStr(d.sunshine));
          r->set_new_public_key(KeyStr(fresh));
        },
        {&signer});
  };
  ExpectRejected(c, rotate(fresh), "wrong_signer");
  REQUIRE(c.Commit(rotate(d.sunshine)).ok());
  ExpectRejected(c, c.DonationTx("org:sunshine", 100, d.sunshine), "wrong_signer");
  CHECK(c.Commit(c.DonationTx("org:sunshine", 100, fresh)).ok());
}

TEST_CASE("projects: only active charities or the federation open them, with unique ids") {
  District d;
  TestChain& c = d.chain;
  ExpectRejected(c,
                 c.MakeTx(
                     [&](pb::TxBody& b) {
                       auto* p = b.mutable_open_project();
                       p->set_project_id("bank-fund");
                       p->set_owner_org("bank-1");
                       p->set_name_zh("银行项目");
                       p->set_category("other");
                       p->set_budget_fen(100);
                     },
                     {&c.bank}),
                 "wrong_kind");
  CHECK(c.OpenProject("meals", "sunshine", d.sunshine).code() == "already_exists");
  CHECK(c.OpenProject("relief", "federation", c.federation).ok());
  CHECK(c.OpenProject("stolen", "sunshine", d.spring).code() == "wrong_signer");
}
