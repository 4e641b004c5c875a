// Correction (DESIGN 4.1, docs/rules.md): each rule with the boundary that passes and the one
// that fails; a refused correction writes nothing; the reversed money's trace stays exact.
#include <doctest/doctest.h>

#include <mutex>

#include "cli_run.h"
#include "shanliu/api/server.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/hash.h"
#include "shanliu/ledger/flow.h"
#include "test_chain.h"

using namespace shanliu;
using shanliu::testing::TestChain;
using shanliu::testing::TestKey;
namespace flow = shanliu::ledger::flow;

namespace {

struct Books {
  TestChain chain;
  crypto::KeyPair sunshine = TestKey("sunshine");
  crypto::KeyPair spring = TestKey("spring");
  crypto::KeyPair holder = TestKey("holder");
  crypto::KeyPair merchant = TestKey("merchant");

  explicit Books(std::int64_t threshold_fen = 1'000'000)
      : chain([threshold_fen](ledger::Genesis& g) { g.params.correction_bureau_threshold_fen = threshold_fen; }) {
    REQUIRE(chain.RegisterOrg("sunshine", pb::ORG_KIND_CHARITY, sunshine).ok());
    REQUIRE(chain.RegisterOrg("spring", pb::ORG_KIND_CHARITY, spring).ok());
    REQUIRE(chain.RegisterOrg("shop", pb::ORG_KIND_MERCHANT, merchant).ok());
    REQUIRE(chain.OpenProject("meals", "sunshine", sunshine).ok());
  }

  Hash256 Id(const Bytes& tx) const { return chain.Decode(tx).id; }
  std::uint64_t Leaf(const Bytes& tx) {
    auto view = chain.ledger().Read();
    return view->TxById(Id(tx))->location.leaf();
  }
  flow::AccountFlow Account(const std::string& account) {
    auto view = chain.ledger().Read();
    return flow::GetAccount(view->state(), account);
  }
  flow::Trace TraceOf(const Bytes& gift_tx) {
    auto view = chain.ledger().Read();
    auto gift = view->Gift(Id(gift_tx));
    REQUIRE(gift.has_value());
    return flow::TraceForward(view->state(), gift->account(), gift->interval_start(), gift->amount_fen());
  }
  pb::ChainStats Stats() { return chain.ledger().Read()->Stats(); }
  void CheckConservation() {
    auto view = chain.ledger().Read();
    CHECK(flow::CheckConservation(view->state()).ok());
  }
};

std::int64_t Sum(const std::vector<flow::TraceNode>& nodes) {
  std::int64_t s = 0;
  for (const auto& n : nodes) s += n.amount_fen;
  return s;
}

}  // namespace

TEST_CASE("a corrected spend's money comes back and the gift's trace continues through it") {
  Books b;
  TestChain& c = b.chain;
  const Bytes gift = c.DonationTx("project:meals", 10'000, c.bank, "bank-1");
  REQUIRE(c.Commit(gift).ok());
  const Bytes spend = c.SpendTx("project:meals", 6'000, b.sunshine, pb::SPEND_CATEGORY_ADMIN);
  REQUIRE(c.Commit(spend).ok());
  const auto stats_before = b.Stats();
  const Bytes fix = c.CorrectionTx(spend, {&b.sunshine});
  REQUIRE(c.Commit(fix).ok());

  CHECK(b.Account("project:meals").balance_fen == 10'000);
  const auto stats = b.Stats();
  CHECK(stats.spent_fen() == stats_before.spent_fen() - 6'000);
  CHECK(stats.spend_count() == stats_before.spend_count() - 1);
  CHECK(stats.correction_count() == 1);
  {
    auto view = c.ledger().Read();
    auto link = view->CorrectedBy(b.Id(spend));
    REQUIRE(link.has_value());
    CHECK(link->correction_leaf() == b.Leaf(fix));
    CHECK(link->corrected_leaf() == b.Leaf(spend));
    CHECK(link->amount_fen() == 6'000);
    auto year = view->OrgYear("sunshine", 2026);
    REQUIRE(year.has_value());
    CHECK(year->admin_spent_fen() == 0);
    auto project = view->Project("meals");
    CHECK(project->spent_by_category_fen(pb::SPEND_CATEGORY_ADMIN) == 0);
  }
  // spent by S, corrected, back in the project: unspent there.
  flow::Trace t = b.TraceOf(gift);
  REQUIRE(t.roots.size() == 2);
  CHECK(t.roots[0].fate == flow::Fate::kCorrected);
  CHECK(t.roots[0].tx == b.Leaf(spend));
  CHECK(t.roots[0].amount_fen == 6'000);
  REQUIRE(t.roots[0].children.size() == 1);
  CHECK(t.roots[0].children[0].account == "project:meals");
  CHECK(t.roots[0].children[0].fate == flow::Fate::kUnspent);
  CHECK(t.roots[1].fate == flow::Fate::kUnspent);
  CHECK(Sum(t.roots) == 10'000);

  // The returned money is consumed FIFO after the older unspent rest: a later spend of 5000
  // takes the rest (4000) and 1000 of the returned money, and its sources reach the gift.
  const Bytes later = c.SpendTx("project:meals", 5'000, b.sunshine);
  REQUIRE(c.Commit(later).ok());
  t = b.TraceOf(gift);
  REQUIRE(t.roots.size() == 2);
  REQUIRE(t.roots[0].children.size() == 2);
  CHECK(t.roots[0].children[0].fate == flow::Fate::kSpent);
  CHECK(t.roots[0].children[0].amount_fen == 1'000);
  CHECK(t.roots[0].children[1].fate == flow::Fate::kUnspent);
  CHECK(t.roots[0].children[1].amount_fen == 5'000);
  CHECK(t.roots[1].fate == flow::Fate::kSpent);
  auto view = c.ledger().Read();
  auto sources = flow::TraceBackward(view->state(), b.Leaf(later), 0, 10);
  REQUIRE(sources.ok());
  REQUIRE(sources->pieces.size() == 2);
  CHECK(sources->pieces[0].origin_tx == b.Leaf(gift));
  CHECK(sources->pieces[0].amount_fen == 4'000);
  CHECK(sources->pieces[1].origin_tx == b.Leaf(gift));
  CHECK(sources->pieces[1].amount_fen == 1'000);
  CHECK(sources->pieces[1].path == std::vector<std::string>{"project:meals", "project:meals"});
  b.CheckConservation();
}

TEST_CASE("a correction is signed by the corrected tx's author, and by the bureau from the threshold up") {
  Books b(5'000);
  TestChain& c = b.chain;
  REQUIRE(c.Commit(c.DonationTx("org:sunshine", 20'000, b.sunshine)).ok());
  const Bytes below = c.SpendTx("org:sunshine", 4'999, b.sunshine);
  const Bytes at = c.SpendTx("org:sunshine", 5'000, b.sunshine);
  REQUIRE(c.Commit(below).ok());
  REQUIRE(c.Commit(at).ok());
  ExpectRejected(c, c.CorrectionTx(below, {&b.spring}), "wrong_signer");
  ExpectRejected(c, c.CorrectionTx(below, {&c.bureau}), "wrong_signer");
  CHECK(c.Commit(c.CorrectionTx(below, {&b.sunshine})).ok());  // one fen below the threshold
  ExpectRejected(c, c.CorrectionTx(at, {&b.sunshine}), "bureau_cosign_required");
  ExpectRejected(c, c.CorrectionTx(at, {&b.sunshine, &c.federation}), "bureau_cosign_required");
  CHECK(c.Commit(c.CorrectionTx(at, {&b.sunshine, &c.bureau})).ok());  // exactly the threshold
  CHECK(b.Account("org:sunshine").balance_fen == 20'000);
  b.CheckConservation();
}

TEST_CASE("a tx is corrected once, a correction never, and only spends, transfers and donations") {
  Books b;
  TestChain& c = b.chain;
  const Bytes gift = c.DonationTx("org:sunshine", 3'000, b.sunshine);
  REQUIRE(c.Commit(gift).ok());
  const Bytes spend = c.SpendTx("org:sunshine", 1'000, b.sunshine);
  REQUIRE(c.Commit(spend).ok());
  const Bytes fix = c.CorrectionTx(spend, {&b.sunshine});
  REQUIRE(c.Commit(fix).ok());
  ExpectRejected(c, c.CorrectionTx(spend, {&b.sunshine}, "又一次"), "already_corrected");
  ExpectRejected(c, c.CorrectionTx(fix, {&b.sunshine}), "correction_of_correction");
  // A valid body that never reached the ledger.
  const Bytes never = c.SpendTx("org:sunshine", 7, b.sunshine);
  ExpectRejected(c, c.CorrectionTx(never, {&b.sunshine}), "unknown_tx");
  // A tx of another kind.
  const Bytes project = c.MakeTx(
      [](pb::TxBody& body) {
        auto* p = body.mutable_close_project();
        p->set_project_id("meals");
        p->set_summary("结项");
      },
      {&b.sunshine});
  REQUIRE(c.Commit(project).ok());
  ExpectRejected(c, c.CorrectionTx(project, {&b.sunshine}), "not_correctable");
  // A refunded gift: a refund is not correctable, and the gift no longer wholly unconsumed.
  const Bytes gift2 = c.DonationTx("org:sunshine", 500, b.sunshine);
  REQUIRE(c.Commit(gift2).ok());
  const Bytes refund = c.MakeTx(
      [&](pb::TxBody& body) {
        const Hash256 id = b.Id(gift2);
        body.mutable_refund()->set_donation_tx_id(std::string(id.begin(), id.end()));
      },
      {&b.sunshine});
  REQUIRE(c.Commit(refund).ok());
  ExpectRejected(c, c.CorrectionTx(refund, {&b.sunshine}), "not_correctable");
  ExpectRejected(c, c.CorrectionTx(gift2, {&b.sunshine}), "funds_consumed");
  b.CheckConservation();
}

TEST_CASE("a correction must carry the corrected body that hashes to its id") {
  Books b;
  TestChain& c = b.chain;
  const Bytes spend = c.SpendTx("org:sunshine", 1'000, b.sunshine);
  pb::Tx envelope;
  REQUIRE(envelope.ParseFromArray(spend.data(), static_cast<int>(spend.size())));
  auto build = [&](const std::string& id, const std::string& body, const std::string& reason) {
    pb::TxBody tx;
    tx.set_chain_id(c.genesis().chain_id);
    tx.set_expires_at_height(100);
    tx.set_nonce(9);
    tx.set_expires_at_ms(c.genesis().genesis_time_ms + 1000);
    auto* p = tx.mutable_correction();
    p->set_corrected_tx_id(id);
    p->set_reason(reason);
    p->set_corrected_tx_body(body);
    const crypto::KeyPair* signer = &b.sunshine;
    return ledger::DecodeTx(ledger::BuildTx(tx, std::span(&signer, 1)), c.genesis().chain_id).status().code();
  };
  const Hash256 id = ledger::TxId(AsBytes(envelope.body()));
  const std::string id_bytes(id.begin(), id.end());
  CHECK(build(id_bytes, envelope.body(), "金额错误") == "");
  CHECK(build(id_bytes, envelope.body() + std::string(1, '\0'), "金额错误") == "malformed");  // trailing byte
  CHECK(build(id_bytes, "", "金额错误") == "malformed");
  std::string other = id_bytes;
  other[0] = static_cast<char>(other[0] ^ 1);
  CHECK(build(other, envelope.body(), "金额错误") == "malformed");
  CHECK(build(id_bytes.substr(0, 31), envelope.body(), "金额错误") == "malformed");
  CHECK(build(id_bytes, envelope.body(), "") == "malformed");  // a correction says why
  CHECK(build(id_bytes, envelope.body(), "联系 13812345678") == "personal_data");
}

TEST_CASE("a transfer is corrected only while all of it is still in its target") {
  Books b;
  TestChain& c = b.chain;
  const Bytes gift = c.DonationTx("org:sunshine", 10'000, b.sunshine);
  REQUIRE(c.Commit(gift).ok());
  const Bytes grant = c.TransferTx("org:sunshine", "org:spring", 4'000, b.sunshine);
  REQUIRE(c.Commit(grant).ok());
  const Bytes allocation = c.TransferTx("org:sunshine", "project:meals", 3'000, b.sunshine);
  REQUIRE(c.Commit(allocation).ok());
  // One fen of the grant has left spring: refused, with nothing written.
  REQUIRE(c.Commit(c.SpendTx("org:spring", 1, b.spring)).ok());
  ExpectRejected(c, c.CorrectionTx(grant, {&b.sunshine}), "funds_consumed");
  ExpectRejected(c, c.CorrectionTx(allocation, {&b.spring}), "wrong_signer");
  const auto stats_before = b.Stats();
  // Untouched: the allocation goes back to the organisation's fund.
  REQUIRE(c.Commit(c.CorrectionTx(allocation, {&b.sunshine})).ok());
  CHECK(b.Account("project:meals").balance_fen == 0);
  CHECK(b.Account("project:meals").holes.empty());  // it began at out_pos, so it was jumped at once
  CHECK(b.Account("org:sunshine").balance_fen == 6'000);
  CHECK(b.Stats().transferred_fen() == stats_before.transferred_fen() - 3'000);
  CHECK(c.ledger().Read()->Project("meals")->allocated_fen() == 0);
  flow::Trace t = b.TraceOf(gift);
  REQUIRE(t.roots.size() == 3);
  CHECK(t.roots[0].fate == flow::Fate::kMovedOn);
  CHECK(t.roots[1].fate == flow::Fate::kCorrected);
  REQUIRE(t.roots[1].children.size() == 1);
  CHECK(t.roots[1].children[0].account == "org:sunshine");
  CHECK(t.roots[1].children[0].fate == flow::Fate::kUnspent);
  CHECK(t.roots[2].fate == flow::Fate::kUnspent);
  CHECK(Sum(t.roots) == 10'000);
  // The project's stream is whole and can take new money.
  REQUIRE(c.Commit(c.TransferTx("org:sunshine", "project:meals", 500, b.sunshine)).ok());
  REQUIRE(c.Commit(c.SpendTx("project:meals", 500, b.sunshine)).ok());
  b.CheckConservation();
}

TEST_CASE("a transfer interval corrected above the FIFO cursor leaves a hole later spending jumps") {
  Books b;
  TestChain& c = b.chain;
  REQUIRE(c.Commit(c.DonationTx("org:sunshine", 10'000, b.sunshine)).ok());
  REQUIRE(c.Commit(c.DonationTx("project:meals", 1'000, b.sunshine)).ok());  // first in the project's stream
  const Bytes allocation = c.TransferTx("org:sunshine", "project:meals", 2'000, b.sunshine);
  REQUIRE(c.Commit(allocation).ok());
  REQUIRE(c.Commit(c.TransferTx("org:sunshine", "project:meals", 3'000, b.sunshine)).ok());
  REQUIRE(c.Commit(c.CorrectionTx(allocation, {&b.sunshine})).ok());
  const auto meals = b.Account("project:meals");
  CHECK(meals.balance_fen == 4'000);
  REQUIRE(meals.holes.size() == 1);
  CHECK(meals.holes[0] == flow::Piece{1'000, 2'000});
  const Bytes spend = c.SpendTx("project:meals", 1'500, b.sunshine);
  REQUIRE(c.Commit(spend).ok());
  auto view = c.ledger().Read();
  auto out = flow::GetOutflow(view->state(), b.Leaf(spend));
  REQUIRE(out.has_value());
  CHECK(out->pieces == std::vector<flow::Piece>{{0, 1'000}, {3'000, 500}});
  b.CheckConservation();
}

TEST_CASE("a donation is corrected only while untouched, and its figures and points are reversed") {
  Books b;
  TestChain& c = b.chain;
  const auto stats_start = b.Stats();
  const Bytes gift = c.DonationTx("project:meals", 5'000, c.bank, "bank-1", &b.holder);  // 5 points
  REQUIRE(c.Commit(gift).ok());
  REQUIRE(c.Commit(c.SpendTx("project:meals", 1, b.sunshine)).ok());
  ExpectRejected(c, c.CorrectionTx(gift, {&c.bank}), "funds_consumed");  // one fen used

  const Bytes gift2 = c.DonationTx("project:meals", 3'000, c.bank, "bank-1", &b.holder);  // 3 points
  REQUIRE(c.Commit(gift2).ok());
  ExpectRejected(c, c.CorrectionTx(gift2, {&b.sunshine}), "wrong_signer");  // attested: the bank corrects
  // The holder spends 6 of 8 points: gift2's 3 can no longer all be taken back.
  auto redeem = [&](std::uint64_t points) {
    return c.MakeTx(
        [&](pb::TxBody& body) {
          auto* r = body.mutable_redeem_points();
          r->set_holder(std::string(b.holder.public_key.begin(), b.holder.public_key.end()));
          r->set_merchant_org("shop");
          r->set_points(points);
          r->set_item("米");
        },
        {&b.holder, &b.merchant});
  };
  REQUIRE(c.Commit(redeem(6)).ok());
  ExpectRejected(c, c.CorrectionTx(gift2, {&c.bank}), "points_redeemed");

  const Bytes gift3 = c.DonationTx("project:meals", 2'000, c.bank, "bank-1", &b.holder);  // 2 points: 4 held
  REQUIRE(c.Commit(gift3).ok());
  const auto before = b.Stats();
  const Bytes fix = c.CorrectionTx(gift3, {&c.bank});
  REQUIRE(c.Commit(fix).ok());
  auto view = c.ledger().Read();
  CHECK(view->Points(AsBytes(std::string(b.holder.public_key.begin(), b.holder.public_key.end())))->balance() == 2);
  const auto stats = view->Stats();
  CHECK(stats.donated_fen() == before.donated_fen() - 2'000);
  CHECK(stats.donation_count() == before.donation_count() - 1);
  CHECK(stats.points_issued() == before.points_issued() - 2);
  CHECK(stats.donation_count() == stats_start.donation_count() + 2);
  CHECK(view->Project("meals")->donated_fen() == 8'000);
  auto record = view->Gift(b.Id(gift3));
  CHECK(record->corrected_leaf() == b.Leaf(fix));
  CHECK(view->CorrectedBy(b.Id(gift3))->points_reversed() == 2);
  flow::Trace t = b.TraceOf(gift3);
  REQUIRE(t.roots.size() == 1);
  CHECK(t.roots[0].fate == flow::Fate::kWithdrawn);
  CHECK(t.roots[0].tx == b.Leaf(fix));
  CHECK(t.roots[0].amount_fen == 2'000);
  // A corrected gift cannot be refunded or corrected again.
  const Bytes refund = c.MakeTx(
      [&](pb::TxBody& body) {
        const Hash256 id = b.Id(gift3);
        body.mutable_refund()->set_donation_tx_id(std::string(id.begin(), id.end()));
      },
      {&b.sunshine});
  ExpectRejected(c, refund, "already_corrected");
  ExpectRejected(c, c.CorrectionTx(gift3, {&c.bank}, "再次"), "already_corrected");
  b.CheckConservation();
}

TEST_CASE("a corrected donation's bank reference and e-receipt number can record the right gift") {
  Books b;
  TestChain& c = b.chain;
  const Hash256 ref = crypto::Sha256(AsBytes(std::string("bank-ref-42")));
  const Hash256 receipt = crypto::Sha256(AsBytes(std::string("receipt-42")));
  auto donation = [&](std::int64_t amount) {
    return c.MakeTx(
        [&](pb::TxBody& body) {
          auto* d = body.mutable_donation();
          d->set_to_account("org:sunshine");
          d->set_amount_fen(amount);
          d->set_donor_ref(std::string(ref.begin(), ref.end()));
          d->set_channel(pb::DONATION_CHANNEL_BANK_TRANSFER);
          d->set_attesting_bank("bank-1");
          d->set_bank_ref_hash(std::string(ref.begin(), ref.end()));
          d->set_receipt_number_hash(std::string(receipt.begin(), receipt.end()));
        },
        {&c.bank});
  };
  const Bytes wrong = donation(50'000);
  REQUIRE(c.Commit(wrong).ok());
  ExpectRejected(c, donation(5'000), "duplicate_bank_ref");
  REQUIRE(c.Commit(c.CorrectionTx(wrong, {&c.bank}, "金额多录一个零")).ok());
  CHECK(c.Commit(donation(5'000)).ok());
  ExpectRejected(c, donation(5'001), "duplicate_bank_ref");
  CHECK(b.Account("org:sunshine").balance_fen == 5'000);
  b.CheckConservation();
}

TEST_CASE("shanliu tx correction --corrects builds, from the node, a correction the ledger accepts") {
  Books b;
  TestChain& c = b.chain;
  REQUIRE(c.Commit(c.DonationTx("org:sunshine", 9'000, b.sunshine)).ok());
  const Bytes spend = c.SpendTx("org:sunshine", 2'500, b.sunshine);
  REQUIRE(c.Commit(spend).ok());
  const std::string key_file = (c.dir() / "sunshine.key").string();
  REQUIRE(crypto::WriteKeyFile(key_file, b.sunshine).ok());

  std::mutex mu;
  std::vector<Bytes> submitted;  // what the CLI sent: committed below, after the server stops
  api::NodeHooks hooks;
  hooks.submit = [&](std::vector<Bytes> envelopes) {
    std::lock_guard lock(mu);
    std::vector<api::SubmitResult> out;
    for (Bytes& e : envelopes) {
      out.push_back(api::SubmitResult{c.Decode(e).id, Status::Ok()});
      submitted.push_back(std::move(e));
    }
    return out;
  };
  api::ServerConfig config;
  config.port = 0;
  api::Server server(config, c.ledger(), hooks);
  REQUIRE(server.Start().ok());
  const std::string node = "http://127.0.0.1:" + std::to_string(server.port());
  const std::string id = crypto::ToHex(b.Id(spend));
  // Hostile and malformed input first: nothing is sent.
  testing::CliRun bad = testing::RunCli({"tx", "correction", "--key", key_file, "--node", node, "--corrects", "abc",
                                         "--reason", "x"});
  CHECK(bad.code != 0);
  CHECK(bad.output.find("--corrects needs the 64-hex-digit id") != std::string::npos);
  bad = testing::RunCli({"tx", "spend", "--key", key_file, "--node", node, "--corrects", id});
  CHECK(bad.code != 0);
  CHECK(bad.output.find("--corrects applies to correction only") != std::string::npos);
  bad = testing::RunCli({"tx", "correction", "--key", key_file, "--node", node, "--corrects",
                         std::string(64, 'a'), "--reason", "x"});
  CHECK(bad.code != 0);
  CHECK(submitted.empty());
  const testing::CliRun r = testing::RunCli({"tx", "correction", "--key", key_file, "--node", node, "--corrects", id,
                                             "--reason", "发票金额录入错误"});
  server.Stop();
  INFO(r.output);
  REQUIRE(r.code == 0);
  CHECK(r.output.find("status   pending") != std::string::npos);
  REQUIRE(submitted.size() == 1);
  // The CLI signs with the wall clock's expiry: commit it in a block of that time.
  const std::uint64_t expires_ms = c.Decode(submitted[0]).body.expires_at_ms();
  const Status committed = c.CommitBlock({submitted[0]}, expires_ms - 60'000).front();
  REQUIRE_MESSAGE(committed.ok(), committed.ToString());
  auto view = c.ledger().Read();
  auto link = view->CorrectedBy(b.Id(spend));
  REQUIRE(link.has_value());
  CHECK(link->amount_fen() == 2'500);
  CHECK(b.Account("org:sunshine").balance_fen == 9'000);
}
