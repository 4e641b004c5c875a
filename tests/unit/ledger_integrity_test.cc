// Issue 13's ledger rules (docs/rules.md): bank references and e-receipt numbers used once,
// bank co-signatures on Spend and Refund checked, recorded, shown and counted, and expiry by
// block time. Each rule at its boundary: the case that passes and the one that fails, and a
// rejected tx writes nothing.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "shanliu/api/http_client.h"
#include "shanliu/api/server.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/hash.h"
#include "shanliu/ledger/genesis.h"
#include "test_chain.h"

using namespace shanliu;
using shanliu::testing::TestChain;
using shanliu::testing::TestKey;
using Json = nlohmann::json;

namespace {

std::string Raw(const Hash256& h) { return std::string(h.begin(), h.end()); }
std::string Digest(std::string_view text) { return Raw(crypto::Sha256(AsBytes(text))); }

// Genesis banks "bank-1" and "bank-2"; charities "sunshine" (project "meals"; its accounts at both
// banks) and "spring" (its account at bank-1); a trust "elder-trust" run by "trust-co" with custodian bank-1.
struct Banks {
  crypto::KeyPair bank2 = TestKey("bank-2");
  TestChain chain{[this](ledger::Genesis& g) {
    g.organisations.push_back(
        ledger::GenesisOrg{"bank-2", pb::ORG_KIND_BANK, "乙银行", "bank-2", "91330100MA0000023P", {bank2.public_key}, {}, ""});
  }};
  crypto::KeyPair sunshine = TestKey("sunshine");
  crypto::KeyPair spring = TestKey("spring");
  crypto::KeyPair trustee = TestKey("trustee");
  int donor = 0;

  Banks() {
    REQUIRE(chain.RegisterOrg("sunshine", pb::ORG_KIND_CHARITY, sunshine, {"bank-1", "bank-2"}).ok());
    REQUIRE(chain.RegisterOrg("spring", pb::ORG_KIND_CHARITY, spring, {"bank-1"}).ok());
    REQUIRE(chain.RegisterOrg("trust-co", pb::ORG_KIND_TRUSTEE, trustee).ok());
    REQUIRE(chain.OpenProject("meals", "sunshine", sunshine).ok());
    REQUIRE(chain.Commit(chain.MakeTx(
                             [&](pb::TxBody& b) {
                               auto* t = b.mutable_open_trust();
                               t->set_trust_id("elder-trust");
                               t->set_name_zh("颐养慈善信托");
                               t->set_trustee_org("trust-co");
                               t->set_custodian_bank("bank-1");
                             },
                             {&chain.bureau}))
                .ok());
  }

  // A donation with a bank reference and an e-receipt number (either may be empty); attested
  // by `bank` when set (and then signed by `signer`, the bank's key), else self-reported.
  Bytes Donation(const std::string& account, const std::string& bank_ref, const std::string& receipt,
                 const std::string& bank, const crypto::KeyPair& signer) {
    const int n = ++donor;
    return chain.MakeTx(
        [&](pb::TxBody& b) {
          auto* d = b.mutable_donation();
          d->set_to_account(account);
          d->set_amount_fen(1'000);
          d->set_donor_ref(Digest("donor-" + std::to_string(n)));
          d->set_channel(pb::DONATION_CHANNEL_BANK_TRANSFER);
          d->set_attesting_bank(bank);
          if (!bank_ref.empty()) d->set_bank_ref_hash(Digest(bank_ref));
          if (!receipt.empty()) d->set_receipt_number_hash(Digest(receipt));
        },
        {&signer});
  }
  Bytes Deposit(const std::string& bank_ref) {
    const int n = ++donor;
    return chain.MakeTx(
        [&](pb::TxBody& b) {
          auto* t = b.mutable_trust_deposit();
          t->set_trust_id("elder-trust");
          t->set_amount_fen(5'000);
          t->set_settlor_ref(Digest("settlor-" + std::to_string(n)));
          t->set_bank_ref_hash(Digest(bank_ref));
        },
        {&chain.bank});
  }
  Bytes Spend(const std::string& account, std::vector<const crypto::KeyPair*> signers) {
    return chain.MakeTx(
        [&](pb::TxBody& b) {
          auto* s = b.mutable_spend();
          s->set_from_account(account);
          s->set_amount_fen(100);
          s->set_category(pb::SPEND_CATEGORY_MATERIAL);
          s->set_payee_kind(pb::PAYEE_KIND_VENDOR);
          s->set_payee_name("杭州某某食品有限公司");
          s->set_description("米面粮油");
        },
        std::move(signers));
  }
  Bytes Refund(const Hash256& gift, std::vector<const crypto::KeyPair*> signers) {
    return chain.MakeTx(
        [&](pb::TxBody& b) {
          b.mutable_refund()->set_donation_tx_id(Raw(gift));
          b.mutable_refund()->set_reason("捐赠人申请退款");
        },
        std::move(signers));
  }
  Hash256 Id(const Bytes& tx) const { return chain.Decode(tx).id; }
  pb::OrgYear Year(const std::string& org) {
    return chain.ledger().Read()->OrgYear(org, 2026).value_or(pb::OrgYear());
  }
};

}  // namespace

TEST_CASE("a bank reference is used once per attesting bank, for ever, and another bank may use the same") {
  Banks b;
  TestChain& c = b.chain;
  REQUIRE(c.Commit(b.Donation("org:sunshine", "BR-1", "", "bank-1", c.bank)).ok());
  // Same bank, same reference: another donation, another account, a later block.
  ExpectRejected(c, b.Donation("org:spring", "BR-1", "", "bank-1", c.bank), "duplicate_bank_ref");
  ExpectRejected(c, b.Donation("project:meals", "BR-1", "", "bank-1", c.bank), "duplicate_bank_ref");
  // Another bank's reference with the same text is another transaction.
  CHECK(c.Commit(b.Donation("org:sunshine", "BR-1", "", "bank-2", b.bank2)).ok());
  // A fresh reference from bank-1 is fine; no reference at all never collides.
  CHECK(c.Commit(b.Donation("org:sunshine", "BR-2", "", "bank-1", c.bank)).ok());
  CHECK(c.Commit(b.Donation("org:sunshine", "", "", "bank-1", c.bank)).ok());
  CHECK(c.Commit(b.Donation("org:sunshine", "", "", "bank-1", c.bank)).ok());
  // The index row names the tx that first used the reference.
  auto view = c.ledger().Read();
  CHECK(view->state().Get("r/b/bank-1" + std::string(1, '\0') + Digest("BR-1")).has_value());
  CHECK_FALSE(view->state().Get("r/b/bank-1" + std::string(1, '\0') + Digest("BR-9")).has_value());
}

TEST_CASE("two donations with one bank reference in the same block: the second is left out") {
  Banks b;
  TestChain& c = b.chain;
  const auto statuses = c.CommitBlock({b.Donation("org:sunshine", "BR-7", "", "bank-1", c.bank),
                                       b.Donation("org:spring", "BR-7", "", "bank-1", c.bank)});
  CHECK(statuses[0].ok());
  CHECK(statuses[1].code() == "duplicate_bank_ref");
}

TEST_CASE("a self-reported bank reference is unique per recording organisation") {
  Banks b;
  TestChain& c = b.chain;
  REQUIRE(c.Commit(b.Donation("org:sunshine", "BR-3", "", "", b.sunshine)).ok());
  ExpectRejected(c, b.Donation("project:meals", "BR-3", "", "", b.sunshine), "duplicate_bank_ref");
  CHECK(c.Commit(b.Donation("org:spring", "BR-3", "", "", b.spring)).ok());
}

TEST_CASE("an e-receipt number is used once per issuing organisation, whoever attests") {
  Banks b;
  TestChain& c = b.chain;
  REQUIRE(c.Commit(b.Donation("org:sunshine", "", "RN-1", "bank-1", c.bank)).ok());
  // sunshine issues receipts for its project too; a different bank does not make it a new receipt.
  ExpectRejected(c, b.Donation("project:meals", "", "RN-1", "bank-2", b.bank2), "duplicate_receipt_number");
  ExpectRejected(c, b.Donation("org:sunshine", "", "RN-1", "", b.sunshine), "duplicate_receipt_number");
  // Another organisation's receipt with the same number is its own.
  CHECK(c.Commit(b.Donation("org:spring", "", "RN-1", "bank-1", c.bank)).ok());
  CHECK(c.Commit(b.Donation("org:sunshine", "", "RN-2", "bank-1", c.bank)).ok());
}

TEST_CASE("trust deposits' bank references are unique per custodian bank, shared with its donations") {
  Banks b;
  TestChain& c = b.chain;
  REQUIRE(c.Commit(b.Deposit("TD-1")).ok());
  ExpectRejected(c, b.Deposit("TD-1"), "duplicate_bank_ref");
  ExpectRejected(c, b.Donation("org:sunshine", "TD-1", "", "bank-1", c.bank), "duplicate_bank_ref");
  CHECK(c.Commit(b.Donation("org:sunshine", "TD-1", "", "bank-2", b.bank2)).ok());
  CHECK(c.Commit(b.Deposit("TD-2")).ok());
}

TEST_CASE("a spend co-signed by a bank is recorded as attested and counted per organisation-year") {
  Banks b;
  TestChain& c = b.chain;
  REQUIRE(c.Commit(b.Donation("org:sunshine", "", "", "bank-1", c.bank)).ok());
  const Bytes plain = b.Spend("org:sunshine", {&b.sunshine});
  const Bytes attested = b.Spend("org:sunshine", {&b.sunshine, &b.bank2});
  REQUIRE(c.Commit(plain).ok());
  REQUIRE(c.Commit(attested).ok());
  auto view = c.ledger().Read();
  CHECK(view->AttestedBy(b.Id(attested)) == "bank-2");
  CHECK(view->AttestedBy(b.Id(plain)).empty());
  const pb::OrgYear y = b.Year("sunshine");
  CHECK(y.charitable_spent_fen() == 200);
  CHECK(y.attested_spent_fen() == 100);
  // The bank's activity list shows the spend it vouched for.
  CHECK(view->OrgActivity("bank-2", UINT64_MAX, 10).size() == 1);
}

TEST_CASE("a spend's second signer must be a key of one active bank") {
  Banks b;
  TestChain& c = b.chain;
  REQUIRE(c.Commit(b.Donation("org:sunshine", "", "", "bank-1", c.bank)).ok());
  const crypto::KeyPair stranger = TestKey("stranger");
  ExpectRejected(c, b.Spend("org:sunshine", {&b.sunshine, &b.spring}), "cosigner_not_bank");
  ExpectRejected(c, b.Spend("org:sunshine", {&b.sunshine, &stranger}), "cosigner_not_bank");
  ExpectRejected(c, b.Spend("org:sunshine", {&b.sunshine, &c.bureau}), "cosigner_not_bank");
  ExpectRejected(c, b.Spend("org:sunshine", {&b.sunshine, &c.bank, &b.bank2}), "too_many_cosigners");
  // One of the owner's account banks may vouch for its spend.
  CHECK(c.Commit(b.Spend("org:sunshine", {&b.sunshine, &c.bank})).ok());
  // The bank's signature alone is not the owner's.
  ExpectRejected(c, b.Spend("org:sunshine", {&c.bank}), "wrong_signer");
  // A suspended bank cannot vouch.
  REQUIRE(c.Commit(c.MakeTx(
                       [&](pb::TxBody& t) {
                         t.mutable_update_org()->set_org_id("bank-2");
                         t.mutable_update_org()->set_status(pb::ORG_STATUS_SUSPENDED);
                       },
                       {&c.bureau}))
              .ok());
  ExpectRejected(c, b.Spend("org:sunshine", {&b.sunshine, &b.bank2}), "suspended");
  CHECK(c.Commit(b.Spend("org:sunshine", {&b.sunshine, &c.bank})).ok());
}

TEST_CASE("only a bank holding the owner's account may co-sign, as filed with the bureau") {
  Banks b;
  TestChain& c = b.chain;
  REQUIRE(c.Commit(b.Donation("org:spring", "", "", "bank-1", c.bank)).ok());
  // spring banks with bank-1 only: bank-2 is a real, active bank but holds no account of spring's.
  ExpectRejected(c, b.Spend("org:spring", {&b.spring, &b.bank2}), "cosigner_not_account_bank");
  CHECK(c.Commit(b.Spend("org:spring", {&b.spring, &c.bank})).ok());
  const auto update = [&](std::vector<std::string> banks, const crypto::KeyPair& signer) {
    return c.MakeTx(
        [&](pb::TxBody& t) {
          auto* u = t.mutable_update_org();
          u->set_org_id("spring");
          u->set_status(pb::ORG_STATUS_ACTIVE);
          for (const std::string& bank : banks) u->mutable_account_banks()->add_bank_orgs(bank);
        },
        {&signer});
  };
  // Only the bureau files account banks, and only banks can be filed.
  ExpectRejected(c, update({"bank-2"}, b.spring), "wrong_signer");
  ExpectRejected(c, update({"sunshine"}, c.bureau), "wrong_kind");
  ExpectRejected(c, update({"no-such-bank"}, c.bureau), "unknown_org");
  // (Repeated or more than 4 account banks are malformed: tx_test.cc.)
  // Moving the account to bank-2: bank-2 may now vouch, bank-1 no longer.
  REQUIRE(c.Commit(update({"bank-2"}, c.bureau)).ok());
  CHECK(c.Commit(b.Spend("org:spring", {&b.spring, &b.bank2})).ok());
  ExpectRejected(c, b.Spend("org:spring", {&b.spring, &c.bank}), "cosigner_not_account_bank");
  // An UpdateOrg without account_banks leaves them as they are.
  REQUIRE(c.Commit(c.MakeTx(
                       [&](pb::TxBody& t) {
                         t.mutable_update_org()->set_org_id("spring");
                         t.mutable_update_org()->set_status(pb::ORG_STATUS_ACTIVE);
                         t.mutable_update_org()->set_reason("annual review");
                       },
                       {&c.bureau}))
              .ok());
  CHECK(c.Commit(b.Spend("org:spring", {&b.spring, &b.bank2})).ok());
  // An organisation with no account banks filed has no bank that may vouch for it.
  const crypto::KeyPair lone = TestKey("lone");
  REQUIRE(c.RegisterOrg("lone", pb::ORG_KIND_CHARITY, lone).ok());
  REQUIRE(c.Commit(b.Donation("org:lone", "", "", "bank-1", c.bank)).ok());
  ExpectRejected(c, b.Spend("org:lone", {&lone, &c.bank}), "cosigner_not_account_bank");
  CHECK(c.Commit(b.Spend("org:lone", {&lone})).ok());
  // Registering with a non-bank as account bank is refused.
  ExpectRejected(c, c.MakeTx(
                        [&](pb::TxBody& t) {
                          auto* r = t.mutable_register_org();
                          r->set_org_id("odd");
                          r->set_kind(pb::ORG_KIND_CHARITY);
                          r->set_name_zh("某机构");
                          r->set_credit_code(shanliu::testing::TestCreditCode("52", "odd"));
                          r->add_public_keys(std::string(32, 'k'));
                          r->add_account_banks("spring");
                        },
                        {&c.bureau}),
                 "wrong_kind");
}

TEST_CASE("a refund may be co-signed by a bank the same way") {
  Banks b;
  TestChain& c = b.chain;
  const Bytes gift1 = b.Donation("org:sunshine", "", "", "bank-1", c.bank);
  const Bytes gift2 = b.Donation("org:sunshine", "", "", "bank-1", c.bank);
  REQUIRE(c.Commit(gift1).ok());
  REQUIRE(c.Commit(gift2).ok());
  ExpectRejected(c, b.Refund(b.Id(gift1), {&b.sunshine, &b.spring}), "cosigner_not_bank");
  const Bytes attested = b.Refund(b.Id(gift1), {&b.sunshine, &c.bank});
  const Bytes plain = b.Refund(b.Id(gift2), {&b.sunshine});
  REQUIRE(c.Commit(attested).ok());
  REQUIRE(c.Commit(plain).ok());
  auto view = c.ledger().Read();
  CHECK(view->AttestedBy(b.Id(attested)) == "bank-1");
  CHECK(view->AttestedBy(b.Id(plain)).empty());
  const pb::OrgYear y = b.Year("sunshine");
  CHECK(y.refunded_fen() == 2'000);
  CHECK(y.attested_refunded_fen() == 1'000);
  CHECK(y.income_fen() == 0);
}

TEST_CASE("expiry by time: valid while block time <= expires_at_ms <= block time + max_tx_expiry_ms") {
  Banks b;
  TestChain& c = b.chain;
  const std::uint64_t window = c.genesis().params.max_tx_expiry_ms;
  CHECK(window == 86'400'000);  // the default: 24 hours
  auto expiring = [&](std::uint64_t at) {
    return c.MakeTx(
        [&](pb::TxBody& t) {
          t.set_expires_at_ms(at);
          auto* d = t.mutable_disclosure();
          d->set_org_id("sunshine");
          d->set_type(pb::DISCLOSURE_TYPE_ANNUAL_REPORT);
          d->set_title("2025年度工作报告");
          d->set_document_sha256(Digest("report"));
        },
        {&b.sunshine});
  };
  // TestChain's next block is stamped head time + 1000 ms (DryRun and Commit alike).
  const auto next = [&] { return c.ledger().head().time_ms() + 1000; };
  ExpectRejected(c, expiring(next() - 1), "expired");
  ExpectRejected(c, expiring(next() + window + 1), "expiry_too_far");
  CHECK(c.Commit(expiring(next())).ok());
  CHECK(c.Commit(expiring(next() + window)).ok());
  // The height bound still applies on its own.
  const Bytes stale = c.MakeTx(
      [&](pb::TxBody& t) {
        t.set_expires_at_height(c.ledger().height());
        t.mutable_update_org()->set_org_id("spring");
        t.mutable_update_org()->set_status(pb::ORG_STATUS_ACTIVE);
      },
      {&c.bureau});
  ExpectRejected(c, stale, "expired");
}

TEST_CASE("a tx signed for one block time expires when the block comes too late") {
  Banks b;
  TestChain& c = b.chain;
  const std::uint64_t late = c.ledger().head().time_ms() + c.genesis().params.max_tx_expiry_ms + 1;
  const auto statuses = c.CommitBlock({c.DonationTx("org:sunshine", 10, b.sunshine)}, late);
  CHECK(statuses[0].code() == "expired");
  CHECK(c.CommitBlock({c.DonationTx("org:sunshine", 10, b.sunshine)}, late - 1)[0].ok());
}

TEST_CASE("genesis max_tx_expiry_ms: default 24 h, parsed, bounded") {
  const std::string head = R"({"chain_id": "test-chain", "genesis_time_ms": 1767225600000, "organisations": [
      {"org_id": "bureau", "kind": "bureau", "name_zh": "民政局", "credit_code": "11330100002482154U",
       "public_keys": [")" + crypto::ToHex(TestKey("bureau").public_key) + R"("]}],
      "validators": [{"org_id": "bureau", "public_key": ")" + crypto::ToHex(TestKey("bureau").public_key) +
                           R"(", "voting_power": 1}])";
  auto parse = [&](const std::string& params) { return ledger::ParseGenesis(head + params + "}"); };
  auto plain = parse("");
  REQUIRE_MESSAGE(plain.ok(), plain.status().ToString());
  CHECK(plain->params.max_tx_expiry_ms == 86'400'000);
  auto hour = parse(R"(, "parameters": {"max_tx_expiry_ms": 3600000})");
  REQUIRE(hour.ok());
  CHECK(hour->params.max_tx_expiry_ms == 3'600'000);
  CHECK(parse(R"(, "parameters": {"max_tx_expiry_ms": 60000})").ok());
  CHECK_FALSE(parse(R"(, "parameters": {"max_tx_expiry_ms": 59999})").ok());
  CHECK(parse(R"(, "parameters": {"max_tx_expiry_ms": 31622400000})").ok());
  CHECK_FALSE(parse(R"(, "parameters": {"max_tx_expiry_ms": 31622400001})").ok());
  // It survives a round trip through the genesis file.
  auto again = ledger::ParseGenesis(ledger::GenesisToJson(*hour));
  REQUIRE(again.ok());
  CHECK(again->params.max_tx_expiry_ms == 3'600'000);
}

TEST_CASE("the API shows which bank attested a spend, in the tx, in the trace and in compliance") {
  Banks b;
  TestChain& c = b.chain;
  const Bytes gift = b.Donation("project:meals", "", "", "bank-1", c.bank);
  const Bytes attested = b.Spend("project:meals", {&b.sunshine, &b.bank2});
  const Bytes plain = b.Spend("project:meals", {&b.sunshine});
  REQUIRE(c.Commit(gift).ok());
  REQUIRE(c.Commit(attested).ok());
  REQUIRE(c.Commit(plain).ok());

  api::ServerConfig config;
  config.port = 0;
  config.threads = 1;
  api::Server server(config, c.ledger(), api::NodeHooks{});
  REQUIRE(server.Start().ok());
  const std::string base = "http://127.0.0.1:" + std::to_string(server.port());
  auto get = [&](const std::string& target) {
    auto r = api::HttpRequest("GET", base + target);
    REQUIRE(r.ok());
    REQUIRE_MESSAGE(r->status == 200, r->body);
    return Json::parse(r->body);
  };
  CHECK(get("/v1/txs/" + crypto::ToHex(b.Id(attested)))["attested_by"] == "bank-2");
  CHECK(get("/v1/txs/" + crypto::ToHex(b.Id(plain)))["attested_by"].is_null());
  CHECK(get("/v1/txs/" + crypto::ToHex(b.Id(gift)))["attested_by"] == "bank-1");

  const Json trace = get("/v1/trace/" + crypto::ToHex(b.Id(gift)));
  std::vector<Json> spends;
  std::function<void(const Json&)> walk = [&](const Json& nodes) {
    for (const Json& n : nodes) {
      if (n.contains("tx") && n["tx"].is_object() && n["tx"]["kind"] == "spend") spends.push_back(n["tx"]);
      if (n.contains("children")) walk(n["children"]);
    }
  };
  walk(trace["trace"]["nodes"]);
  REQUIRE(spends.size() == 2);
  int by_bank = 0, by_none = 0;
  for (const Json& s : spends) {
    if (s["attested_by"] == "bank-2") ++by_bank;
    if (s["attested_by"].is_null()) ++by_none;
  }
  CHECK(by_bank == 1);
  CHECK(by_none == 1);

  const Json compliance = get("/v1/compliance?year=2026");
  bool found = false;
  for (const Json& row : compliance["orgs"]) {
    if (row["org_id"] != "sunshine") continue;
    found = true;
    CHECK(row["bank_attested"]["outflow_fen"] == 200);
    CHECK(row["bank_attested"]["attested_fen"] == 100);
    CHECK(row["bank_attested"]["attested_pct_of_outflow"] == 50.0);
  }
  CHECK(found);
  server.Stop();
}
