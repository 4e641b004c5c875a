// Flow proofs (docs/flow-proof.md) on a real ledger with allocations, grants between
// organisations, spends, refunds (holes) and a charity trust: every gift's proof verifies to
// exactly the trace TraceForward computes, every page of a spend's sources to TraceBackward's,
// and each kind of tampering is rejected by the check named for it. Tampering that keeps the
// state proof valid needs a lying supermajority: `Recertify` plays one, re-signing a state map
// of the edited records with the test chain's validator key.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <random>

#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/hash.h"
#include "shanliu/ledger/block.h"
#include "shanliu/ledger/flow.h"
#include "shanliu/ledger/flow_proof.h"
#include "shanliu/ledger/state_map.h"
#include "cli_run.h"
#include "shanliu/api/http_client.h"
#include "shanliu/api/server.h"
#include "test_chain.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <thread>

namespace shanliu {
namespace {

namespace fp = ledger::flow_proof;
namespace flow = ledger::flow;
using testing::TestChain;
using testing::TestKey;

std::string Raw(const Hash256& h) { return std::string(h.begin(), h.end()); }
std::string U64(std::uint64_t v) {
  Bytes b;
  AppendU64(b, v);
  return ToString(b);
}

// sunshine (a charity) gets gifts g1 (bank), g2 (self-reported), g3 (refunded whole: a hole that
// a later grant jumps) and g5; it allocates 12 000 to its project "meals" (which also gets g4)
// and grants 4 000 to spring; spring gets g6 (partly spent, the rest refunded), g7 (unspent) and
// g8 (refunded above the FIFO cursor); a trust's deposit is partly disbursed to meals.
struct Charity {
  TestChain c;
  crypto::KeyPair sunshine = TestKey("sunshine");
  crypto::KeyPair spring = TestKey("spring");
  crypto::KeyPair trustee = TestKey("trust-co");
  Hash256 g1{}, g2{}, g3{}, g4{}, g5{}, g6{}, g7{}, g8{}, deposit{}, spend3{}, spring_attested{};
  std::shared_ptr<const ledger::ReadView> before_last;  // the ledger one block before the end

  Charity() {
    REQUIRE(c.RegisterOrg("sunshine", pb::ORG_KIND_CHARITY, sunshine).ok());
    REQUIRE(c.RegisterOrg("spring", pb::ORG_KIND_CHARITY, spring, {"bank-1"}).ok());
    REQUIRE(c.RegisterOrg("trust-co", pb::ORG_KIND_TRUSTEE, trustee).ok());
    REQUIRE(c.OpenProject("meals", "sunshine", sunshine).ok());
    g1 = Commit(c.DonationTx("org:sunshine", 10'000, c.bank, "bank-1"));  // sunshine [0, 10000)
    g2 = Commit(c.DonationTx("org:sunshine", 5'000, sunshine));          // [10000, 15000)
    g3 = Commit(c.DonationTx("org:sunshine", 3'000, c.bank, "bank-1"));  // [15000, 18000)
    Commit(Refund(sunshine, g3));                                          // a hole
    g5 = Commit(c.DonationTx("org:sunshine", 1'000, c.bank, "bank-1"));  // [18000, 19000)
    g4 = Commit(c.DonationTx("project:meals", 2'000, c.bank, "bank-1"));  // meals [0, 2000)
    Commit(c.TransferTx("org:sunshine", "project:meals", 12'000, sunshine));  // -> meals [2000, 14000)
    Commit(c.TransferTx("org:sunshine", "org:spring", 4'000, sunshine));      // jumps the hole -> spring [0, 4000)
    Commit(c.SpendTx("project:meals", 8'000, sunshine));                      // meals [0, 8000)
    Commit(c.SpendTx("project:meals", 3'000, sunshine));                      // [8000, 11000)
    Commit(c.SpendTx("org:spring", 1'500, spring));                           // spring [0, 1500)
    g6 = Commit(c.DonationTx("org:spring", 2'000, c.bank, "bank-1"));        // spring [4000, 6000)
    g7 = Commit(c.DonationTx("org:spring", 1'000, c.bank, "bank-1"));        // [6000, 7000)
    g8 = Commit(c.DonationTx("org:spring", 1'000, spring));                  // [7000, 8000)
    spring_attested = Commit(CoSigned(c.SpendTx("org:spring", 3'000, spring)));  // [1500, 4500), bank-1 co-signs
    Commit(Refund(spring, g6));                                               // [4500, 6000)
    Commit(Refund(spring, g8));                                               // [7000, 8000), above out_pos
    OpenTrust();
    before_last = c.ledger().Read();
    spend3 = Commit(c.SpendTx("project:meals", 4'000, sunshine));  // [11000, 15000)
  }

  Hash256 Commit(const Bytes& tx) {
    const Status s = c.Commit(tx);
    REQUIRE_MESSAGE(s.ok(), s.ToString());
    return c.Decode(tx).id;
  }
  // The same spend, signed by its owner and by the owner's account bank (bank-1).
  Bytes CoSigned(const Bytes& spend) {
    const ledger::DecodedTx tx = c.Decode(spend);
    return c.MakeTx([&](pb::TxBody& b) { *b.mutable_spend() = tx.body.spend(); }, {&spring, &c.bank});
  }
  Bytes Refund(const crypto::KeyPair& org, const Hash256& gift) {
    return c.MakeTx(
        [&](pb::TxBody& b) {
          b.mutable_refund()->set_donation_tx_id(Raw(gift));
          b.mutable_refund()->set_reason("捐赠人申请退款");
        },
        {&org});
  }
  void OpenTrust() {
    Commit(c.MakeTx(
        [&](pb::TxBody& b) {
          auto* t = b.mutable_open_trust();
          t->set_trust_id("elder-trust");
          t->set_name_zh("颐养慈善信托");
          t->set_trustee_org("trust-co");
          t->set_custodian_bank("bank-1");
          t->set_purpose("养老助老");
        },
        {&c.bureau}));
    deposit = Commit(c.MakeTx(
        [&](pb::TxBody& b) {
          auto* t = b.mutable_trust_deposit();
          t->set_trust_id("elder-trust");
          t->set_amount_fen(6'000);
          const Hash256 ref = crypto::Sha256(AsBytes("settlor"));
          t->set_settlor_ref(Raw(ref));
          t->set_settlor_display_name("李四");
        },
        {&c.bank}));
    Commit(c.MakeTx(
        [&](pb::TxBody& b) {
          auto* t = b.mutable_trust_disbursement();
          t->set_trust_id("elder-trust");
          t->set_to_account("project:meals");
          t->set_amount_fen(2'500);
        },
        {&trustee, &c.bank}));  // -> meals [14000, 16500)
  }

  std::shared_ptr<const ledger::ReadView> View() { return c.ledger().Read(); }
  std::uint64_t Leaf(const Hash256& id) { return View()->TxById(id)->location.leaf(); }
};

fp::ReceiptFacts Facts(const ledger::ReadView& view, const Hash256& id) {
  auto receipt = view.ReceiptProof(id);
  REQUIRE(receipt.ok());
  fp::ReceiptFacts f;
  f.tx_id = id;
  f.envelope = receipt->tx.envelope;
  f.body = receipt->tx.body;
  f.leaf_index = receipt->tx.location.leaf();
  f.height = receipt->header.height();
  return f;
}

fp::FlowProof Prove(const ledger::ReadView& view, const Hash256& id, std::size_t max_nodes = fp::kMaxNodes) {
  auto proof = fp::ProveFlow(view, id, max_nodes);
  REQUIRE_MESSAGE(proof.ok(), proof.status().ToString());
  return std::move(*proof);
}

// Node for node: account, amount, fate, tx, children.
void CheckSameTree(const std::vector<flow::TraceNode>& got, const std::vector<flow::TraceNode>& want) {
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    CHECK(got[i].account == want[i].account);
    CHECK(got[i].amount_fen == want[i].amount_fen);
    CHECK(got[i].fate == want[i].fate);
    CHECK(got[i].tx == want[i].tx);
    CheckSameTree(got[i].children, want[i].children);
  }
}

// Verifies and expects the check `code` to fail, its message containing `says` if given.
void ExpectRejected(const fp::FlowProof& proof, const fp::ReceiptFacts& facts, const ledger::Genesis& genesis,
                    std::string_view code, std::string_view says = {}) {
  auto verified = fp::VerifyFlow(proof, facts, genesis);
  REQUIRE_FALSE(verified.ok());
  INFO(verified.status().ToString());
  CHECK(verified.status().code() == code);
  if (!says.empty()) CHECK(verified.status().message().find(says) != std::string::npos);
}

fp::Record* Find(fp::FlowProof& p, const std::string& key) {
  for (fp::Record& r : p.envelope.records) {
    if (r.key == key) return &r;
  }
  FAIL("the proof has no record " << crypto::ToHex(AsBytes(key)));
  return nullptr;
}
void Remove(fp::FlowProof& p, const std::string& key) {
  auto& records = p.envelope.records;
  const auto before = records.size();
  records.erase(std::remove_if(records.begin(), records.end(), [&](const fp::Record& r) { return r.key == key; }),
                records.end());
  REQUIRE(records.size() + 1 == before);
}
std::string Consumed(const std::string& account, std::uint64_t end) { return "f/o/" + account + '\0' + U64(end); }

// What a lying supermajority could sign: a state map holding exactly the proof's (edited)
// records, a header over its root, and the test validator's precommit.
void Recertify(fp::FlowProof& p, const ledger::Genesis& genesis) {
  std::map<std::string, std::string, std::less<>> nodes;
  const ledger::smt::NodeReader read = [&](std::string_view key) -> std::optional<std::string> {
    auto it = nodes.find(key);
    if (it == nodes.end()) return std::nullopt;
    return it->second;
  };
  std::map<std::string, std::optional<std::string>, std::less<>> writes;
  std::vector<std::string> keys;
  for (const fp::Record& r : p.envelope.records) {
    if (r.value) writes.emplace(r.key, r.value);
    keys.push_back(r.key);
  }
  ledger::smt::NodeWrites out;
  const Hash256 root = ledger::smt::Apply(read, writes, &out);
  for (auto& [k, v] : out) {
    if (v) nodes[k] = *v;
    else nodes.erase(k);
  }
  p.envelope.state_proof = ledger::smt::Prove(read, keys);
  pb::BlockHeader& h = p.envelope.header;
  h.set_state_root(Raw(root));
  auto hash = ledger::BlockHash(h);
  REQUIRE(hash.ok());
  p.envelope.block_hash = *hash;
  p.envelope.commit = ledger::MakeCommitCertificate(
      h.height(), 0, *hash,
      {ledger::SignPrecommit(genesis.chain_id, h.height(), 0, *hash, 0, TestKey("validator-0").secret_key)});
}

// ---------------------------------------------------------------- honest proofs

TEST_CASE("every gift's flow proof verifies to exactly the trace TraceForward computes") {
  Charity ch;
  auto view = ch.View();
  for (const Hash256& id : {ch.g1, ch.g2, ch.g3, ch.g4, ch.g5, ch.g6, ch.g7, ch.g8, ch.deposit}) {
    const fp::FlowProof proof = Prove(*view, id);
    auto verified = fp::VerifyFlow(proof, Facts(*view, id), ch.c.genesis());
    REQUIRE_MESSAGE(verified.ok(), verified.status().ToString());
    const pb::GiftRecord gift = *view->Gift(id);
    const flow::Trace want = flow::TraceForward(view->state(), gift.account(), gift.interval_start(), gift.amount_fen());
    CHECK_FALSE(verified->trace.truncated);
    CheckSameTree(verified->trace.roots, want.roots);
    CHECK(verified->spent_fen + verified->unspent_fen + verified->refunded_fen == gift.amount_fen());
    CHECK(verified->header.height() == view->head().height());
    // DESIGN 5.1: a typical trace (<= 10 hops) proves in <= 16 KB of bytes (hex JSON doubles it).
    std::size_t bytes = proof.envelope.state_proof.size();
    for (const fp::Record& r : proof.envelope.records) bytes += r.key.size() + (r.value ? r.value->size() : 0);
    for (const fp::ProvenTx& t : proof.envelope.txs) bytes += t.envelope.size() + 32 * t.inclusion_path.size();
    CAPTURE(bytes);
    CHECK(verified->hops <= 10);
    CHECK(bytes <= 16 * 1024);
  }
}

TEST_CASE("a gift's proven flow: hops, holes, refunds, the trust, names and the bank") {
  Charity ch;
  auto view = ch.View();
  auto verify = [&](const Hash256& id) {
    auto v = fp::VerifyFlow(Prove(*view, id), Facts(*view, id), ch.c.genesis());
    REQUIRE_MESSAGE(v.ok(), v.status().ToString());
    return std::move(*v);
  };
  // g2: 2 000 allocated to meals and spent there, 3 000 granted to spring and spent in two spends.
  const fp::VerifiedFlow g2 = verify(ch.g2);
  REQUIRE(g2.trace.roots.size() == 2);
  CHECK(g2.trace.roots[0].fate == flow::Fate::kMovedOn);
  CHECK(g2.trace.roots[0].children.front().account == "project:meals");
  CHECK(g2.trace.roots[1].children.size() == 2);  // spring's two spends
  CHECK(g2.hops == 5);
  CHECK(g2.spent_fen == 5'000);
  CHECK(g2.attesting_bank.empty());  // self-reported
  CHECK(g2.projects.at("meals").spec().owner_org() == "sunshine");
  CHECK(g2.orgs.at("spring").name_zh() == "spring（测试）");
  // g3 was refunded whole, then a grant jumped its hole: the refund is a consumed range below out_pos.
  const fp::VerifiedFlow g3 = verify(ch.g3);
  REQUIRE(g3.trace.roots.size() == 1);
  CHECK(g3.trace.roots[0].fate == flow::Fate::kRefunded);
  CHECK(g3.refunded_fen == 3'000);
  CHECK(g3.hop_txs.at(g3.trace.roots[0].tx).body.has_refund());
  CHECK(g3.attesting_bank == "bank-1");
  // g8 was refunded above the cursor: the gift record's tail says so.
  const fp::VerifiedFlow g8 = verify(ch.g8);
  CHECK(g8.refunded_fen == 1'000);
  CHECK(g8.trace.roots[0].tx == view->Gift(ch.g8)->refund_leaf());
  // g6: 500 spent, the rest refunded. g7: unspent in spring.
  const fp::VerifiedFlow g6 = verify(ch.g6);
  CHECK(g6.spent_fen == 500);
  CHECK(g6.refunded_fen == 1'500);
  // Its 500 went out in a spend bank-1 co-signed; its refund no bank co-signed (proven absent).
  const std::uint64_t attested_leaf = view->TxById(ch.spring_attested)->location.leaf();
  REQUIRE(g6.hop_attested_by.size() == 1);
  CHECK(g6.hop_attested_by.at(attested_leaf) == "bank-1");
  CHECK(g6.orgs.at("bank-1").kind() == pb::ORG_KIND_BANK);
  // g2 reached both of spring's spends: only the second was co-signed.
  CHECK(g2.hop_attested_by.size() == 1);
  CHECK(g2.hop_attested_by.count(attested_leaf) == 1);
  CHECK(verify(ch.g7).unspent_fen == 1'000);
  // The trust deposit: 1 000 spent in meals, 1 500 unspent there, 3 500 unspent in the trust.
  const fp::VerifiedFlow d = verify(ch.deposit);
  CHECK(d.spent_fen == 1'000);
  CHECK(d.unspent_fen == 5'000);
  CHECK(d.trusts.at("elder-trust").spec().custodian_bank() == "bank-1");
  CHECK(d.orgs.count("trust-co") == 1);
  CHECK(d.hop_txs.at(d.trace.roots[0].tx).body.has_trust_disbursement());
}

TEST_CASE("a walk cut at max_nodes proves the same truncated tree, the rest not proven") {
  Charity ch;
  auto view = ch.View();
  const pb::GiftRecord gift = *view->Gift(ch.g2);
  for (std::size_t limit : {1u, 2u, 3u, 4u}) {
    auto v = fp::VerifyFlow(Prove(*view, ch.g2, limit), Facts(*view, ch.g2), ch.c.genesis());
    REQUIRE_MESSAGE(v.ok(), v.status().ToString());
    const flow::Trace want =
        flow::TraceForward(view->state(), gift.account(), gift.interval_start(), gift.amount_fen(), {limit});
    CHECK(v->trace.truncated == want.truncated);
    CheckSameTree(v->trace.roots, want.roots);
  }
}

TEST_CASE("the JSON of a flow proof round-trips and is parsed strictly") {
  Charity ch;
  auto view = ch.View();
  const fp::FlowProof proof = Prove(*view, ch.g1);
  const nlohmann::json j = fp::ToJson(proof);
  for (const char* field : {"version", "tx_id", "header", "block_hash", "commit", "state_proof", "records", "txs",
                            "max_nodes"}) {
    CHECK(j.contains(field));
  }
  CHECK(j["header"].contains("state_root"));
  CHECK(j["header"].contains("next_validators_hash"));
  auto parsed = fp::FlowProofFromJson(j);
  REQUIRE_MESSAGE(parsed.ok(), parsed.status().ToString());
  CHECK(fp::VerifyFlow(*parsed, Facts(*view, ch.g1), ch.c.genesis()).ok());

  nlohmann::json bad = j;
  bad["extra"] = 1;
  CHECK(fp::FlowProofFromJson(bad).status().code() == "invalid_proof");
  bad = j;
  bad["version"] = 2;
  CHECK(fp::FlowProofFromJson(bad).status().code() == "invalid_proof");
  bad = j;
  bad["records"][0]["value"] = "zz";
  CHECK(fp::FlowProofFromJson(bad).status().message().find("records[0].value") != std::string::npos);
  bad = j;
  bad["header"].erase("state_root");
  CHECK(fp::FlowProofFromJson(bad).status().message().find("header.state_root") != std::string::npos);
  // A record's value edited in the JSON fails the state proof.
  bad = j;
  for (auto& r : bad["records"]) {
    if (!r["value"].is_null()) {
      std::string v = r["value"].get<std::string>();
      v[v.size() - 1] = v.back() == '0' ? '1' : '0';
      r["value"] = v;
      break;
    }
  }
  auto edited = fp::FlowProofFromJson(bad);
  REQUIRE(edited.ok());
  ExpectRejected(*edited, Facts(*view, ch.g1), ch.c.genesis(), fp::kStateProof);
}

// Seeded random ledgers (donations, allocations, grants both ways, spends, refunds, in blocks of
// 1-5 txs): every gift's proof and every page of every outflow's sources verify to what
// TraceForward and TraceBackward compute.
TEST_CASE("random ledgers with corrections: every proof verifies to the ledger's own traces") {
  std::size_t corrections = 0;
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    CAPTURE(seed);
    std::mt19937_64 rng(seed);
    auto pick = [&](std::uint64_t n) { return std::uniform_int_distribution<std::uint64_t>(0, n - 1)(rng); };
    ledger::LedgerOptions options;
    options.sync_writes = false;
    TestChain c({}, options);
    const crypto::KeyPair a = TestKey("org-a"), b = TestKey("org-b");
    REQUIRE(c.RegisterOrg("org-a", pb::ORG_KIND_CHARITY, a).ok());
    REQUIRE(c.RegisterOrg("org-b", pb::ORG_KIND_CHARITY, b).ok());
    REQUIRE(c.OpenProject("proj-a", "org-a", a).ok());
    const std::vector<std::string> accounts = {"org:org-a", "org:org-b", "project:proj-a"};
    auto owner = [&](const std::string& account) { return account == "org:org-b" ? &b : &a; };
    std::vector<Hash256> gifts, outflows;
    std::vector<Bytes> gift_txs, outflow_txs;  // what corrections reverse
    std::size_t corrected = 0;
    for (int block = 0; block < 32; ++block) {
      std::vector<Bytes> txs;
      auto view = c.ledger().Read();
      for (std::uint64_t i = 0, n = 1 + pick(5); i < n; ++i) {
        const std::string& from = accounts[pick(accounts.size())];
        const std::int64_t balance = flow::GetAccount(view->state(), from).balance_fen;
        const std::uint64_t op = pick(12);
        if (op < 4 || balance == 0) {
          const bool bank = pick(2) == 0;
          txs.push_back(c.DonationTx(from, 1 + static_cast<std::int64_t>(pick(5'000)), bank ? c.bank : *owner(from),
                                     bank ? "bank-1" : ""));
          gifts.push_back(c.Decode(txs.back()).id);
          gift_txs.push_back(txs.back());
        } else if (op < 7) {
          const std::string& to = accounts[pick(accounts.size())];
          if (to == from || from.starts_with("project:")) continue;
          txs.push_back(c.TransferTx(from, to, 1 + static_cast<std::int64_t>(pick(balance)), *owner(from)));
          outflows.push_back(c.Decode(txs.back()).id);
          outflow_txs.push_back(txs.back());
        } else if (op < 9) {
          txs.push_back(c.SpendTx(from, 1 + static_cast<std::int64_t>(pick(balance)), *owner(from)));
          outflows.push_back(c.Decode(txs.back()).id);
          outflow_txs.push_back(txs.back());
        } else if (op == 10 && !outflow_txs.empty()) {
          // A correction of a spend or transfer; refused (left out) if already corrected or consumed.
          const Bytes& wrong = outflow_txs[pick(outflow_txs.size())];
          const ledger::DecodedTx d = c.Decode(wrong);
          const std::string source = d.body.has_spend() ? d.body.spend().from_account() : d.body.transfer().from_account();
          txs.push_back(c.CorrectionTx(wrong, {owner(source)}));
        } else if (op == 11 && !gift_txs.empty()) {
          const Bytes& wrong = gift_txs[pick(gift_txs.size())];
          const ledger::DecodedTx d = c.Decode(wrong);
          const bool bank = !d.body.donation().attesting_bank().empty();
          txs.push_back(c.CorrectionTx(wrong, {bank ? &c.bank : owner(d.body.donation().to_account())}));
        } else if (!gifts.empty()) {
          const Hash256 gift = gifts[pick(gifts.size())];
          auto record = view->Gift(gift);
          if (!record) continue;
          txs.push_back(c.MakeTx([&](pb::TxBody& body) { body.mutable_refund()->set_donation_tx_id(Raw(gift)); },
                                 {owner(record->account())}));
        }
      }
      if (txs.empty()) continue;
      const std::vector<Status> results = c.CommitBlock(txs);
      for (std::size_t i = 0; i < txs.size(); ++i) corrected += results[i].ok() && c.Decode(txs[i]).body.has_correction();
    }
    auto view = c.ledger().Read();
    CHECK(view->Stats().correction_count() == corrected);
    corrections += corrected;
    CHECK(flow::CheckConservation(view->state()).ok());
    std::size_t proven = 0;
    for (const Hash256& id : gifts) {
      auto gift = view->Gift(id);
      if (!gift) continue;  // left out of its block
      auto verified = fp::VerifyFlow(Prove(*view, id), Facts(*view, id), c.genesis());
      REQUIRE_MESSAGE(verified.ok(), verified.status().ToString());
      CheckSameTree(verified->trace.roots,
                    flow::TraceForward(view->state(), gift->account(), gift->interval_start(), gift->amount_fen()).roots);
      ++proven;
    }
    for (const Hash256& id : outflows) {
      auto tx = view->TxById(id);
      if (!tx) continue;
      const std::uint64_t leaf = tx->location.leaf();
      const std::size_t limit = 1 + pick(3);
      std::optional<std::uint64_t> cursor = 0;
      while (cursor) {
        auto proof = fp::ProveSources(*view, leaf, *cursor, limit);
        REQUIRE_MESSAGE(proof.ok(), proof.status().ToString());
        auto verified = fp::VerifySources(*proof, c.genesis());
        REQUIRE_MESSAGE(verified.ok(), verified.status().ToString());
        auto want = flow::TraceBackward(view->state(), leaf, *cursor, limit);
        REQUIRE(want.ok());
        REQUIRE(verified->sources.size() == want->pieces.size());
        for (std::size_t i = 0; i < want->pieces.size(); ++i) {
          CHECK(verified->sources[i].piece.origin_tx == want->pieces[i].origin_tx);
          CHECK(verified->sources[i].piece.amount_fen == want->pieces[i].amount_fen);
        }
        CHECK(verified->next_cursor == want->next_cursor);
        cursor = want->next_cursor;
      }
    }
    CHECK(proven > 20);
  }
  CHECK(corrections >= 8);  // the ledgers really mix corrections in
}

// ---------------------------------------------------------------- tampering

TEST_CASE("flow_header: a changed header, block hash or commit signature, an older header") {
  Charity ch;
  auto view = ch.View();
  const fp::ReceiptFacts facts = Facts(*view, ch.g1);
  const fp::FlowProof good = Prove(*view, ch.g1);
  fp::FlowProof p = good;
  p.envelope.header.set_time_ms(p.envelope.header.time_ms() + 1);
  ExpectRejected(p, facts, ch.c.genesis(), fp::kFlowHeader, "hashes to");
  p = good;
  p.envelope.block_hash[0] ^= 1;
  ExpectRejected(p, facts, ch.c.genesis(), fp::kFlowHeader);
  p = good;
  std::string sig = p.envelope.commit.signatures(0).signature();
  sig[5] ^= 1;
  p.envelope.commit.mutable_signatures(0)->set_signature(sig);
  ExpectRejected(p, facts, ch.c.genesis(), fp::kFlowHeader, "commit certificate");
  // A proof from before the receipt's block.
  fp::ReceiptFacts later = facts;
  later.height = good.envelope.header.height() + 1;
  ExpectRejected(good, later, ch.c.genesis(), fp::kFlowHeader, "older than the receipt");
}

TEST_CASE("state_proof: a proof byte, a record's key or value, a record from another height") {
  Charity ch;
  auto view = ch.View();
  const fp::ReceiptFacts facts = Facts(*view, ch.g1);
  const fp::FlowProof good = Prove(*view, ch.g1);
  for (std::size_t at : {good.envelope.state_proof.size() / 2, good.envelope.state_proof.size() - 1,
                         std::size_t{1}}) {
    fp::FlowProof p = good;
    p.envelope.state_proof[at] ^= 0x40;
    ExpectRejected(p, facts, ch.c.genesis(), fp::kStateProof);
  }
  fp::FlowProof p = good;
  Find(p, "a/org:sunshine")->key = "a/org:sunshinf";
  ExpectRejected(p, facts, ch.c.genesis(), fp::kStateProof);
  p = good;
  std::string& value = *Find(p, Consumed("project:meals", 8'000))->value;
  value[value.size() - 1] ^= 1;
  ExpectRejected(p, facts, ch.c.genesis(), fp::kStateProof);
  p = good;
  Find(p, "a/org:sunshine")->value = std::nullopt;  // claimed absent
  ExpectRejected(p, facts, ch.c.genesis(), fp::kStateProof);

  // Records of the state one block earlier, with or without their own state proof.
  const fp::FlowProof old = Prove(*ch.before_last, ch.g1);
  REQUIRE(old.envelope.records.size() != good.envelope.records.size());
  p = good;
  p.envelope.records = old.envelope.records;
  ExpectRejected(p, facts, ch.c.genesis(), fp::kStateProof);
  p.envelope.state_proof = old.envelope.state_proof;
  ExpectRejected(p, facts, ch.c.genesis(), fp::kStateProof, "root_mismatch");
}

TEST_CASE("extra records: unproven ones are rejected, proven ones change nothing") {
  Charity ch;
  auto view = ch.View();
  const fp::ReceiptFacts facts = Facts(*view, ch.g4);
  const fp::FlowProof good = Prove(*view, ch.g4);
  auto want = fp::VerifyFlow(good, facts, ch.c.genesis());
  REQUIRE(want.ok());
  // spring's account record and a consumed range of spring inside meals' walk: not in the proof.
  const std::string spring_key = "a/org:spring";
  fp::FlowProof p = good;
  p.envelope.records.push_back(fp::Record{spring_key, view->state().Get(spring_key)});
  ExpectRejected(p, facts, ch.c.genesis(), fp::kStateProof);
  // Proven by a larger multi-proof, the same records are ignored: the walk reads only its keys.
  std::vector<std::string> keys{spring_key, Consumed("org:spring", 1'500)};
  for (const fp::Record& r : good.envelope.records) keys.push_back(r.key);
  std::sort(keys.begin(), keys.end());
  p.envelope.state_proof = view->StateProof(keys);
  p.envelope.records.clear();
  for (const std::string& k : keys) p.envelope.records.push_back(fp::Record{k, view->state().Get(k)});
  auto got = fp::VerifyFlow(p, facts, ch.c.genesis());
  REQUIRE_MESSAGE(got.ok(), got.status().ToString());
  CheckSameTree(got->trace.roots, want->trace.roots);
  CHECK(got->hops == want->hops);
}

TEST_CASE("missing_record and not_contiguous: records the walk needs are left out") {
  Charity ch;
  auto view = ch.View();
  const fp::ReceiptFacts facts = Facts(*view, ch.g1);
  const fp::FlowProof good = Prove(*view, ch.g1);
  fp::FlowProof p = good;
  Remove(p, "a/project:meals");
  ExpectRejected(p, facts, ch.c.genesis(), fp::kMissingRecord, "a/project:meals");
  p = good;
  Remove(p, "g/" + Raw(ch.g1));
  ExpectRejected(p, facts, ch.c.genesis(), fp::kMissingRecord);
  p = good;
  Remove(p, "o/bank-1");
  ExpectRejected(p, facts, ch.c.genesis(), fp::kMissingRecord);
  // meals' ranges end at 8 000, 11 000 and 15 000: without the middle one the next begins after
  // the walk's position; without the last one nothing holds it.
  p = good;
  Remove(p, Consumed("project:meals", 11'000));
  ExpectRejected(p, facts, ch.c.genesis(), fp::kNotContiguous, "position 8000");
  p = good;
  Remove(p, Consumed("project:meals", 15'000));
  ExpectRejected(p, facts, ch.c.genesis(), fp::kMissingRecord, "position 11000");
}

TEST_CASE("tx_inclusion and hop_tx: a hop tx swapped for another, or missing") {
  Charity ch;
  auto view = ch.View();
  const fp::ReceiptFacts facts = Facts(*view, ch.g1);
  const fp::FlowProof good = Prove(*view, ch.g1);
  REQUIRE(good.envelope.txs.size() >= 2);
  fp::FlowProof p = good;
  std::swap(p.envelope.txs[0].envelope, p.envelope.txs[1].envelope);
  ExpectRejected(p, facts, ch.c.genesis(), fp::kTxInclusion);
  p = good;
  p.envelope.txs[0].inclusion_path[0][3] ^= 1;
  ExpectRejected(p, facts, ch.c.genesis(), fp::kTxInclusion);
  p = good;
  p.envelope.txs.pop_back();
  ExpectRejected(p, facts, ch.c.genesis(), fp::kHopTx, "has no tx for that leaf");

  // A certified state whose spend record points at the donation's leaf: a proven tx, wrong kind.
  p = good;
  std::string& spend = *Find(p, Consumed("project:meals", 8'000))->value;
  spend.replace(2, 8, U64(facts.leaf_index));
  Recertify(p, ch.c.genesis());
  auto path = view->InclusionPath(facts.leaf_index);
  REQUIRE(path.ok());
  p.envelope.txs.push_back(fp::ProvenTx{facts.leaf_index, facts.envelope, *path});
  std::sort(p.envelope.txs.begin(), p.envelope.txs.end(), [](auto& a, auto& b) { return a.leaf < b.leaf; });
  ExpectRejected(p, facts, ch.c.genesis(), fp::kHopTx, "not a spend from project:meals");
}

TEST_CASE("wrong_account: a certified record moving money to another or the same account") {
  Charity ch;
  auto view = ch.View();
  const fp::ReceiptFacts facts = Facts(*view, ch.g1);
  const fp::FlowProof good = Prove(*view, ch.g1);
  auto retarget = [&](const std::string& target) {
    fp::FlowProof p = good;
    std::string& alloc = *Find(p, Consumed("org:sunshine", 12'000))->value;
    Bytes tail;
    AppendStr(tail, target);
    alloc = alloc.substr(0, 34) + ToString(tail);
    return p;
  };
  // spring's stream is 8 000 fen long: meals' [2000, 12000) cannot be in it.
  fp::FlowProof p = retarget("org:spring");
  p.envelope.records.push_back(fp::Record{"a/org:spring", view->state().Get("a/org:spring")});
  std::sort(p.envelope.records.begin(), p.envelope.records.end(), [](auto& a, auto& b) { return a.key < b.key; });
  Recertify(p, ch.c.genesis());
  ExpectRejected(p, facts, ch.c.genesis(), fp::kWrongAccount, "beyond that account's stream");
  p = retarget("org:sunshine");
  Recertify(p, ch.c.genesis());
  ExpectRejected(p, facts, ch.c.genesis(), fp::kWrongAccount, "not another account");
}

TEST_CASE("gift: the proof of another gift, or a gift record that is not the signed body's") {
  Charity ch;
  auto view = ch.View();
  ExpectRejected(Prove(*view, ch.g2), Facts(*view, ch.g1), ch.c.genesis(), fp::kGift);
  fp::FlowProof p = Prove(*view, ch.g1);
  pb::GiftRecord gift = *view->Gift(ch.g1);
  gift.set_amount_fen(gift.amount_fen() - 1);
  Find(p, "g/" + Raw(ch.g1))->value = gift.SerializeAsString();
  Recertify(p, ch.c.genesis());
  ExpectRejected(p, Facts(*view, ch.g1), ch.c.genesis(), fp::kGift, "the signed body");
}

TEST_CASE("names and bank: forged or absent organisation records") {
  Charity ch;
  auto view = ch.View();
  const fp::ReceiptFacts facts = Facts(*view, ch.g1);
  const fp::FlowProof good = Prove(*view, ch.g1);
  // The bank's record with another key: edited in place it fails the state proof; certified by a
  // lying majority, no signature on the donation is the bank's.
  fp::FlowProof p = good;
  pb::OrgRecord bank;
  REQUIRE(bank.ParseFromString(*Find(p, "o/bank-1")->value));
  const crypto::PublicKey other = TestKey("not-the-bank").public_key;
  bank.set_public_keys(0, std::string(other.begin(), other.end()));
  Find(p, "o/bank-1")->value = bank.SerializeAsString();
  ExpectRejected(p, facts, ch.c.genesis(), fp::kStateProof);
  Recertify(p, ch.c.genesis());
  ExpectRejected(p, facts, ch.c.genesis(), fp::kBank, "no signature");
  // The bank recorded as a charity.
  p = good;
  REQUIRE(bank.ParseFromString(*Find(p, "o/bank-1")->value));
  bank.set_kind(pb::ORG_KIND_CHARITY);
  Find(p, "o/bank-1")->value = bank.SerializeAsString();
  Recertify(p, ch.c.genesis());
  ExpectRejected(p, facts, ch.c.genesis(), fp::kBank, "not a bank");
  // A spend's attestation record: left out, it cannot be claimed either way; naming a
  // non-bank (certified by a lying majority), it is refused.
  const fp::ReceiptFacts facts6 = Facts(*view, ch.g6);
  fp::FlowProof good6 = Prove(*view, ch.g6);
  const std::string attestation = "r/a/" + std::string(ch.spring_attested.begin(), ch.spring_attested.end());
  REQUIRE(Find(good6, attestation) != nullptr);
  p = good6;
  std::erase_if(p.envelope.records, [&](const fp::Record& r) { return r.key == attestation; });
  Recertify(p, ch.c.genesis());
  ExpectRejected(p, facts6, ch.c.genesis(), fp::kMissingRecord);
  p = good6;
  Find(p, attestation)->value = "spring";
  Recertify(p, ch.c.genesis());
  ExpectRejected(p, facts6, ch.c.genesis(), fp::kBank, "not a bank");
  // The project's record proven absent.
  p = good;
  Find(p, "p/meals")->value = std::nullopt;
  Recertify(p, ch.c.genesis());
  ExpectRejected(p, facts, ch.c.genesis(), fp::kNames, "project meals");
}

// ---------------------------------------------------------------- the reverse walk

// A corrected spend, a corrected allocation and a corrected gift: the proofs walk "spent by S —
// corrected by C — back in X" and bind the correction by its link row.
struct Corrected {
  TestChain c;
  crypto::KeyPair sunshine = TestKey("sunshine");
  Hash256 g1{}, g2{}, spend{}, spend_fix{}, alloc{}, alloc_fix{}, g2_fix{};

  Corrected() {
    REQUIRE(c.RegisterOrg("sunshine", pb::ORG_KIND_CHARITY, sunshine).ok());
    REQUIRE(c.OpenProject("meals", "sunshine", sunshine).ok());
    g1 = Commit(c.DonationTx("org:sunshine", 10'000, c.bank, "bank-1"));  // sunshine [0, 10000)
    const Bytes a = c.TransferTx("org:sunshine", "project:meals", 6'000, sunshine);
    alloc = Commit(a);                                                     // meals [0, 6000)
    const Bytes s = c.SpendTx("org:sunshine", 3'000, sunshine);
    spend = Commit(s);                                                     // sunshine [6000, 9000)
    spend_fix = Commit(c.CorrectionTx(s, {&sunshine}));                    // back at sunshine [10000, 13000)
    alloc_fix = Commit(c.CorrectionTx(a, {&sunshine}));                    // back at sunshine [13000, 19000)
    Commit(c.SpendTx("org:sunshine", 2'000, sunshine));                    // [9000, 10000) + [10000, 11000)
    const Bytes wrong = c.DonationTx("org:sunshine", 700, c.bank, "bank-1");
    g2 = Commit(wrong);
    g2_fix = Commit(c.CorrectionTx(wrong, {&c.bank}));
  }
  Hash256 Commit(const Bytes& tx) {
    const Status st = c.Commit(tx);
    REQUIRE_MESSAGE(st.ok(), st.ToString());
    return c.Decode(tx).id;
  }
  std::uint64_t Leaf(const Hash256& id) { return c.ledger().Read()->TxById(id)->location.leaf(); }
};

TEST_CASE("flow proofs across corrections: spent, corrected, back in the account, and withdrawn gifts") {
  Corrected k;
  auto view = k.c.ledger().Read();
  for (const Hash256& id : {k.g1, k.g2}) {
    auto verified = fp::VerifyFlow(Prove(*view, id), Facts(*view, id), k.c.genesis());
    REQUIRE_MESSAGE(verified.ok(), verified.status().ToString());
    const pb::GiftRecord gift = *view->Gift(id);
    CheckSameTree(verified->trace.roots,
                  flow::TraceForward(view->state(), gift.account(), gift.interval_start(), gift.amount_fen()).roots);
  }
  auto g1 = fp::VerifyFlow(Prove(*view, k.g1), Facts(*view, k.g1), k.c.genesis());
  REQUIRE(g1.ok());
  // [0, 6000) allocated then corrected back, [6000, 9000) spent then corrected back, [9000, 10000) spent.
  REQUIRE(g1->trace.roots.size() == 3);
  const flow::TraceNode& alloc = g1->trace.roots[0];
  CHECK(alloc.fate == flow::Fate::kCorrected);
  CHECK(alloc.tx == k.Leaf(k.alloc));
  REQUIRE(alloc.children.size() == 1);
  CHECK(alloc.children[0].account == "org:sunshine");
  CHECK(alloc.children[0].fate == flow::Fate::kUnspent);
  const flow::TraceNode& spent = g1->trace.roots[1];
  CHECK(spent.fate == flow::Fate::kCorrected);
  CHECK(spent.tx == k.Leaf(k.spend));
  REQUIRE(spent.children.size() == 2);  // 1000 spent again, 2000 still there
  CHECK(spent.children[0].fate == flow::Fate::kSpent);
  CHECK(spent.children[0].amount_fen == 1'000);
  CHECK(spent.children[1].fate == flow::Fate::kUnspent);
  CHECK(g1->corrected_by.at(k.Leaf(k.spend)) == k.Leaf(k.spend_fix));
  CHECK(g1->corrected_by.at(k.Leaf(k.alloc)) == k.Leaf(k.alloc_fix));
  CHECK(g1->hop_txs.at(k.Leaf(k.spend_fix)).body.has_correction());
  CHECK(g1->spent_fen == 2'000);
  CHECK(g1->unspent_fen == 8'000);
  auto g2 = fp::VerifyFlow(Prove(*view, k.g2), Facts(*view, k.g2), k.c.genesis());
  REQUIRE(g2.ok());
  REQUIRE(g2->trace.roots.size() == 1);
  CHECK(g2->trace.roots[0].fate == flow::Fate::kWithdrawn);
  CHECK(g2->trace.roots[0].tx == k.Leaf(k.g2_fix));
  CHECK(g2->withdrawn_fen == 700);
}

TEST_CASE("flow proofs across corrections: a missing or forged correction link is rejected") {
  Corrected k;
  auto view = k.c.ledger().Read();
  const fp::ReceiptFacts facts = Facts(*view, k.g1);
  const fp::FlowProof good = Prove(*view, k.g1);
  const std::string link_key = "r/c/" + Raw(k.spend);
  fp::FlowProof p = good;
  Remove(p, link_key);
  ExpectRejected(p, facts, k.c.genesis(), fp::kMissingRecord);
  // The correction's tx left out.
  p = good;
  const std::uint64_t fix_leaf = k.Leaf(k.spend_fix);
  auto& txs = p.envelope.txs;
  txs.erase(std::remove_if(txs.begin(), txs.end(), [&](const fp::ProvenTx& t) { return t.leaf == fix_leaf; }), txs.end());
  ExpectRejected(p, facts, k.c.genesis(), fp::kHopTx, "correction at leaf");
  // A certified link naming another correction (the allocation's): not a correction of this spend.
  p = good;
  pb::CorrectionRecord link;
  REQUIRE(link.ParseFromString(*Find(p, link_key)->value));
  link.set_correction_leaf(k.Leaf(k.alloc_fix));
  *Find(p, link_key)->value = link.SerializeAsString();
  Recertify(p, k.c.genesis());
  ExpectRejected(p, facts, k.c.genesis(), fp::kHopTx, "not the correction its record names");
  // A certified corrected range pointing back at itself (it could loop): wrong_account.
  p = good;
  std::string& range = *Find(p, Consumed("org:sunshine", 9'000))->value;
  range.replace(26, 8, U64(6'000));  // target_start = its own start
  Recertify(p, k.c.genesis());
  ExpectRejected(p, facts, k.c.genesis(), fp::kWrongAccount, "same stream");
  // A withdrawn gift whose record also claims a refund.
  const fp::ReceiptFacts facts2 = Facts(*view, k.g2);
  p = Prove(*view, k.g2);
  pb::GiftRecord gift;
  REQUIRE(gift.ParseFromString(*Find(p, "g/" + Raw(k.g2))->value));
  gift.set_refunded_fen(1);
  *Find(p, "g/" + Raw(k.g2))->value = gift.SerializeAsString();
  Recertify(p, k.c.genesis());
  ExpectRejected(p, facts2, k.c.genesis(), fp::kGift);
}

TEST_CASE("the sources of a spend that took corrected money reach the gift through the corrected spend") {
  Corrected k;
  auto view = k.c.ledger().Read();
  auto tx = view->TxById(k.spend);
  const std::uint64_t later = tx->location.leaf() + 3;  // the 2000 spend after both corrections
  auto proof = fp::ProveSources(*view, later, 0, 10);
  REQUIRE_MESSAGE(proof.ok(), proof.status().ToString());
  auto verified = fp::VerifySources(*proof, k.c.genesis());
  REQUIRE_MESSAGE(verified.ok(), verified.status().ToString());
  REQUIRE(verified->sources.size() == 2);
  CHECK(verified->sources[0].piece.origin_tx == k.Leaf(k.g1));
  CHECK(verified->sources[0].piece.amount_fen == 1'000);
  CHECK(verified->sources[1].piece.origin_tx == k.Leaf(k.g1));
  CHECK(verified->sources[1].piece.path == std::vector<std::string>{"org:sunshine", "org:sunshine"});
}

TEST_CASE("a spend's sources: every page proven equals TraceBackward's, tampering is rejected") {
  Charity ch;
  auto view = ch.View();
  const std::uint64_t leaf = ch.Leaf(ch.spend3);
  for (std::size_t limit : {1u, 2u, 10u}) {
    std::uint64_t cursor = 0;
    std::int64_t total = 0;
    for (int page = 0; page < 10; ++page) {
      auto proof = fp::ProveSources(*view, leaf, cursor, limit);
      REQUIRE_MESSAGE(proof.ok(), proof.status().ToString());
      auto parsed = fp::SourcesProofFromJson(fp::ToJson(*proof));
      REQUIRE_MESSAGE(parsed.ok(), parsed.status().ToString());
      auto v = fp::VerifySources(*parsed, ch.c.genesis());
      REQUIRE_MESSAGE(v.ok(), v.status().ToString());
      auto want = flow::TraceBackward(view->state(), leaf, cursor, limit);
      REQUIRE(want.ok());
      REQUIRE(v->sources.size() == want->pieces.size());
      for (std::size_t i = 0; i < v->sources.size(); ++i) {
        CHECK(v->sources[i].piece.origin_tx == want->pieces[i].origin_tx);
        CHECK(v->sources[i].piece.amount_fen == want->pieces[i].amount_fen);
        CHECK(v->sources[i].piece.path == want->pieces[i].path);
        total += v->sources[i].piece.amount_fen;
      }
      CHECK(v->next_cursor == want->next_cursor);
      if (!v->next_cursor) break;
      cursor = *v->next_cursor;
    }
    CHECK(total == 4'000);
  }
  auto proof = fp::ProveSources(*view, leaf, 0, 10);
  REQUIRE(proof.ok());
  fp::SourcesProof p = *proof;
  p.envelope.state_proof[p.envelope.state_proof.size() / 2] ^= 0x10;
  CHECK(fp::VerifySources(p, ch.c.genesis()).status().code() == fp::kStateProof);
  p = *proof;
  p.envelope.txs.erase(p.envelope.txs.begin());
  CHECK(fp::VerifySources(p, ch.c.genesis()).status().code() == fp::kHopTx);
  p = *proof;
  p.envelope.records.erase(p.envelope.records.begin() + 1);
  const std::string code = fp::VerifySources(p, ch.c.genesis()).status().code();
  CHECK((code == fp::kMissingRecord || code == fp::kNotContiguous));
}

// ---------------------------------------------------------------- shanliu verify --node

// A node that answers every request with one fixed JSON body: the real receipt answer, edited.
class FakeNode {
 public:
  explicit FakeNode(std::string body) : body_(std::move(body)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(fd_, 8) == 0);
    socklen_t len = sizeof addr;
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~FakeNode() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  void Serve() {
    while (!stop_) {
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string request;
      char buf[4096];
      while (request.find("\r\n\r\n") == std::string::npos) {
        const ssize_t n = ::read(c, buf, sizeof buf);
        if (n <= 0) break;
        request.append(buf, static_cast<std::size_t>(n));
      }
      const std::string reply = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                                std::to_string(body_.size()) + "\r\nConnection: close\r\n\r\n" + body_;
      for (std::size_t off = 0; off < reply.size();) {
        const ssize_t n = ::write(c, reply.data() + off, reply.size() - off);
        if (n <= 0) break;
        off += static_cast<std::size_t>(n);
      }
      ::close(c);
    }
  }
  std::string body_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// The real node's GET /v1/receipts/{code} answer for a gift, and the genesis file.
struct ReceiptAnswer {
  Charity ch;
  testing::TempDir dir;
  nlohmann::json answer;
  std::string code;
  std::string genesis_file = (dir.path() / "genesis.json").string();

  explicit ReceiptAnswer(Hash256 Charity::*gift) {
    code = crypto::ToBase32(ch.*gift);
    api::ServerConfig config;
    config.port = 0;
    api::Server server(config, ch.c.ledger(), {});
    REQUIRE(server.Start().ok());
    auto r = api::HttpRequest("GET", "http://127.0.0.1:" + std::to_string(server.port()) + "/v1/receipts/" + code);
    server.Stop();
    REQUIRE(r.ok());
    REQUIRE_MESSAGE(r->status == 200, r->body);
    answer = nlohmann::json::parse(r->body);
    std::ofstream(genesis_file) << ledger::GenesisToJson(ch.c.genesis());
  }

  testing::CliRun Verify(const nlohmann::json& served) const {
    FakeNode node(served.dump());
    return testing::RunCli({"verify", code, "--node", node.url(), "--genesis", genesis_file});
  }
};

void ExpectNotVerified(const testing::CliRun& r, const std::string& names) {
  INFO(r.output);
  CHECK(r.code == 3);
  CHECK(r.output.find("NOT VERIFIED") != std::string::npos);
  CHECK(r.output.find(names) != std::string::npos);
}

TEST_CASE("shanliu verify --node proves the flow and every value of the server's JSON") {
  ReceiptAnswer a(&Charity::g2);
  REQUIRE(a.answer.contains("flow_proof"));
  const testing::CliRun r = a.Verify(a.answer);
  INFO(r.output);
  CHECK(r.code == 0);
  CHECK(r.output.find("✓ flow proof") != std::string::npos);
  CHECK(r.output.find("5 hops verified") != std::string::npos);
  CHECK(r.output.find("self-reported") != std::string::npos);
  CHECK(r.output.find("✓ server JSON") != std::string::npos);
  CHECK(r.output.find("✗") == std::string::npos);

  ReceiptAnswer bank(&Charity::g1);
  const testing::CliRun b = bank.Verify(bank.answer);
  INFO(b.output);
  CHECK(b.code == 0);
  CHECK(b.output.find("attested by bank 银行 (bank-1)") != std::string::npos);

  // --save keeps the whole answer; --proof verifies it again with no network.
  const std::string saved = (a.dir.path() / "receipt.json").string();
  {
    FakeNode node(a.answer.dump());
    REQUIRE(testing::RunCli({"verify", a.code, "--node", node.url(), "--genesis", a.genesis_file, "--save", saved})
                .code == 0);
  }
  const testing::CliRun offline = testing::RunCli({"verify", "--proof", saved, "--genesis", a.genesis_file});
  INFO(offline.output);
  CHECK(offline.code == 0);
  CHECK(offline.output.find("5 hops verified") != std::string::npos);
}

TEST_CASE("shanliu verify --node fails naming each field the server's JSON changed") {
  ReceiptAnswer a(&Charity::g2);
  using Edit = std::pair<std::string, std::function<void(nlohmann::json&)>>;
  const std::vector<Edit> edits = {
      {"trace.nodes[0].children[0].amount_fen", [](nlohmann::json& j) { j["trace"]["nodes"][0]["children"][0]["amount_fen"] = 1; }},
      {"trace.nodes[1].children[1].tx.payee_name",
       [](nlohmann::json& j) { j["trace"]["nodes"][1]["children"][1]["tx"]["payee_name"] = "某公司"; }},
      {"trace.nodes[1].fate", [](nlohmann::json& j) { j["trace"]["nodes"][1]["fate"] = "spent"; }},
      {"trace.totals.unspent_fen", [](nlohmann::json& j) { j["trace"]["totals"]["unspent_fen"] = 100; }},
      {"trace.nodes[0].account_name_zh", [](nlohmann::json& j) { j["trace"]["nodes"][0]["account_name_zh"] = "别人"; }},
      {"donation.donor_display_name", [](nlohmann::json& j) { j["donation"]["donor_display_name"] = "王五"; }},
      {"donation.time_ms", [](nlohmann::json& j) { j["donation"]["time_ms"] = 1; }},
      {"donation.recorded_by_org.name_zh", [](nlohmann::json& j) { j["donation"]["recorded_by_org"]["name_zh"] = "x"; }},
      {"donation.refunded_fen", [](nlohmann::json& j) { j["donation"]["refunded_fen"] = 100; }},
      {"trace.nodes", [](nlohmann::json& j) { j["trace"]["nodes"].erase(1); }},
  };
  for (const auto& [field, edit] : edits) {
    CAPTURE(field);
    nlohmann::json served = a.answer;
    edit(served);
    ExpectNotVerified(a.Verify(served), field);
  }
  // The proof itself edited, or left out.
  nlohmann::json served = a.answer;
  served["flow_proof"]["records"][0]["key"] = "00";
  ExpectNotVerified(a.Verify(served), "flow proof (state_proof)");
  served = a.answer;
  served.erase("flow_proof");
  ExpectNotVerified(a.Verify(served), "no flow_proof");

  ReceiptAnswer bank(&Charity::g1);
  served = bank.answer;
  served["donation"]["attesting_bank_org"]["name_zh"] = "假银行";
  ExpectNotVerified(bank.Verify(served), "donation.attesting_bank_org.name_zh");
}

}  // namespace
}  // namespace shanliu

namespace shanliu {
namespace {

nlohmann::json GetJson(std::uint16_t port, const std::string& path) {
  auto r = api::HttpRequest("GET", "http://127.0.0.1:" + std::to_string(port) + path);
  REQUIRE(r.ok());
  REQUIRE_MESSAGE(r->status == 200, r->body);
  return nlohmann::json::parse(r->body);
}

}  // namespace

TEST_CASE("API and shanliu verify: both entries of a correction are shown, linked and proven") {
  Corrected k;
  testing::TempDir dir;
  const std::string genesis_file = (dir.path() / "genesis.json").string();
  std::ofstream(genesis_file) << ledger::GenesisToJson(k.c.genesis());
  api::ServerConfig config;
  config.port = 0;
  api::Server server(config, k.c.ledger(), {});
  REQUIRE(server.Start().ok());
  const nlohmann::json spend = GetJson(server.port(), "/v1/txs/" + crypto::ToHex(k.spend));
  const nlohmann::json fix = GetJson(server.port(), "/v1/txs/" + crypto::ToHex(k.spend_fix));
  const nlohmann::json receipt = GetJson(server.port(), "/v1/receipts/" + crypto::ToBase32(k.g1));
  const nlohmann::json withdrawn = GetJson(server.port(), "/v1/receipts/" + crypto::ToBase32(k.g2));
  const nlohmann::json plain = GetJson(server.port(), "/v1/txs/" + crypto::ToHex(k.g1));
  server.Stop();

  CHECK(spend["corrected_by"]["id"] == crypto::ToHex(k.spend_fix));
  CHECK(spend["corrected_by"]["leaf"] == k.Leaf(k.spend_fix));
  CHECK(spend["corrected_by"]["amount_fen"] == 3'000);
  CHECK(spend["corrected_by"]["reason"] == "录入错误：金额填错");
  CHECK(spend["corrects"].is_null());
  CHECK(fix["kind"] == "correction");
  CHECK(fix["corrects"] == crypto::ToHex(k.spend));
  CHECK(fix["corrected_by"].is_null());
  CHECK(plain["corrected_by"].is_null());
  // body_hex is the signed body: it hashes to the id (what `shanliu tx correction --corrects` checks).
  auto body = crypto::FromHex(spend["body_hex"].get<std::string>());
  REQUIRE(body.ok());
  CHECK(ledger::TxId(*body) == k.spend);

  const nlohmann::json& nodes = receipt["trace"]["nodes"];
  REQUIRE(nodes.size() == 3);
  CHECK(nodes[1]["fate"] == "corrected");
  CHECK(nodes[1]["tx"]["kind"] == "spend");
  CHECK(nodes[1]["tx"]["corrected_by"]["id"] == crypto::ToHex(k.spend_fix));
  CHECK(nodes[1]["children"][0]["account"] == "org:sunshine");
  CHECK(nodes[0]["tx"]["kind"] == "transfer");
  CHECK(nodes[0]["tx"]["corrected_by"]["id"] == crypto::ToHex(k.alloc_fix));
  CHECK(withdrawn["trace"]["nodes"][0]["fate"] == "withdrawn");
  CHECK(withdrawn["trace"]["nodes"][0]["tx"]["corrects"] == crypto::ToHex(k.g2));
  CHECK(withdrawn["trace"]["totals"]["withdrawn_fen"] == 700);
  CHECK(withdrawn["donation"]["corrected_by"]["id"] == crypto::ToHex(k.g2_fix));

  // The CLI verifier proves every value, the corrections included, and names a changed one.
  for (const nlohmann::json* answer : {&receipt, &withdrawn}) {
    FakeNode node(answer->dump());
    const std::string code = (*answer)["donation"]["code"];
    const testing::CliRun r = testing::RunCli({"verify", code, "--node", node.url(), "--genesis", genesis_file});
    INFO(r.output);
    CHECK(r.code == 0);
    CHECK(r.output.find("✓ server JSON") != std::string::npos);
  }
  nlohmann::json lying = receipt;
  lying["trace"]["nodes"][1]["tx"]["corrected_by"]["id"] = crypto::ToHex(k.alloc_fix);
  FakeNode node(lying.dump());
  ExpectNotVerified(testing::RunCli({"verify", receipt["donation"]["code"].get<std::string>(), "--node", node.url(), "--genesis", genesis_file}),
                    "trace.nodes[1].tx.corrected_by.id");
}

// ---------------------------------------------------------------- goods (issue 19)

// relief-hz is given 1 000 masks (witnessed by bank-1) and 40 bags of rice into its project; it
// sends 700 masks to clinic-hz (which confirms), the clinic hands 600 out at a hospital and
// relief 100 at a village; the project hands 15 bags out. A money gift sits beside them.
struct GoodsDrive {
  TestChain c;
  crypto::KeyPair relief = TestKey("relief-hz"), clinic = TestKey("clinic-hz");
  Hash256 masks{}, rice{}, money{}, to_clinic{}, at_hospital{}, at_village{}, rice_out{}, spend{};

  GoodsDrive() {
    REQUIRE(c.RegisterOrg("relief-hz", pb::ORG_KIND_CHARITY, relief).ok());
    REQUIRE(c.RegisterOrg("clinic-hz", pb::ORG_KIND_CHARITY, clinic).ok());
    REQUIRE(c.OpenProject("flood-2026", "relief-hz", relief).ok());
    masks = Commit(Donate("org:relief-hz", "mask-medical", "只", 1'000, "bank-1", {&relief, &c.bank}));
    rice = Commit(Donate("project:flood-2026", "rice-10kg", "袋", 40, "", {&relief}, 20991231));
    money = Commit(c.DonationTx("org:relief-hz", 50'000, c.bank, "bank-1"));
    to_clinic = Commit(c.MakeTx(
        [&](pb::TxBody& b) {
          auto* t = b.mutable_goods_transfer();
          t->set_from_account("org:relief-hz");
          t->set_to_account("org:clinic-hz");
          t->set_item_code("mask-medical");
          t->set_unit("只");
          t->set_quantity(700);
          t->set_purpose("转运至诊所");
        },
        {&relief, &clinic}));
    at_hospital = Commit(Distribute("org:clinic-hz", "mask-medical", "只", 600, "西湖区人民医院", {&clinic}));
    at_village = Commit(Distribute("org:relief-hz", "mask-medical", "只", 100, "龙坞村委会", {&relief}));
    rice_out = Commit(Distribute("project:flood-2026", "rice-10kg", "袋", 15, "转塘街道安置点", {&relief}));
    spend = Commit(c.SpendTx("org:relief-hz", 20'000, relief));
  }

  Bytes Donate(const std::string& to, const std::string& item, const std::string& unit, std::uint64_t quantity,
               const std::string& notary, std::vector<const crypto::KeyPair*> signers, std::uint32_t expires_on = 0) {
    return c.MakeTx(
        [&](pb::TxBody& b) {
          auto* d = b.mutable_goods_donation();
          d->set_to_account(to);
          d->set_item_code(item);
          d->set_unit(unit);
          d->set_quantity(quantity);
          d->set_value_fen(quantity * 50);
          const Hash256 ref = crypto::Sha256(AsBytes("goods donor " + item));
          d->set_donor_ref(Raw(ref));
          d->set_donor_display_name("爱心企业");
          d->set_notary_org(notary);
          if (expires_on != 0) {
            d->set_lot_number("LOT-2026-11");
            d->set_expires_on(expires_on);
          }
        },
        signers);
  }
  Bytes Distribute(const std::string& from, const std::string& item, const std::string& unit, std::uint64_t quantity,
                   const std::string& place, std::vector<const crypto::KeyPair*> signers) {
    return c.MakeTx(
        [&](pb::TxBody& b) {
          auto* d = b.mutable_goods_distribution();
          d->set_from_account(from);
          d->set_item_code(item);
          d->set_unit(unit);
          d->set_quantity(quantity);
          d->set_region("330106");
          d->set_place_name(place);
          d->set_beneficiary_count(120);
        },
        signers);
  }
  Hash256 Commit(const Bytes& tx) {
    const Status st = c.Commit(tx);
    REQUIRE_MESSAGE(st.ok(), st.ToString());
    return c.Decode(tx).id;
  }
  std::shared_ptr<const ledger::ReadView> View() { return c.ledger().Read(); }
  std::uint64_t Leaf(const Hash256& id) { return View()->TxById(id)->location.leaf(); }
  pb::GoodsGiftRecord GoodsRecord(const fp::FlowProof& p, const Hash256& id) {
    pb::GoodsGiftRecord g;
    for (const fp::Record& r : p.envelope.records) {
      if (r.key == "r/gg/" + Raw(id)) REQUIRE(g.ParseFromString(*r.value));
    }
    REQUIRE(g.quantity() > 0);
    return g;
  }
};

std::string GoodsGiftKey(const Hash256& id) { return "r/gg/" + Raw(id); }
std::string DistributionKey(const Hash256& id) { return "r/gd/" + Raw(id); }
void SortRecords(fp::FlowProof& p) {
  std::sort(p.envelope.records.begin(), p.envelope.records.end(), [](auto& a, auto& b) { return a.key < b.key; });
}

TEST_CASE("a goods donation's flow proof verifies in units to exactly TraceForward's tree") {
  GoodsDrive d;
  auto view = d.View();
  auto v = fp::VerifyFlow(Prove(*view, d.masks), Facts(*view, d.masks), d.c.genesis());
  REQUIRE_MESSAGE(v.ok(), v.status().ToString());
  REQUIRE(v->goods.has_value());
  const flow::Trace want = flow::TraceForward(view->state(), "goods:relief-hz/mask-medical", 0, 1'000);
  CheckSameTree(v->trace.roots, want.roots);
  CHECK(v->goods->item.unit() == "只");
  CHECK(v->goods->gift.quantity() == 1'000);
  CHECK(v->attesting_bank == "bank-1");  // the notary, proven by its signature
  // 700 moved on to the clinic (600 handed out at the hospital, 100 held there), 100 handed out
  // at the village, 200 still at relief-hz.
  CHECK(v->spent_fen == 700);
  CHECK(v->unspent_fen == 300);
  CHECK(v->untraced_fen == 0);
  REQUIRE(v->trace.roots.size() == 3);
  CHECK(v->trace.roots[0].fate == flow::Fate::kMovedOn);
  CHECK(v->trace.roots[0].children[0].account == "goods:clinic-hz/mask-medical");
  CHECK(v->trace.roots[0].children[0].amount_fen == 600);
  REQUIRE(v->goods->distributions.size() == 2);
  const pb::GoodsDistributionRecord& hospital = v->goods->distributions.at(d.Leaf(d.at_hospital));
  CHECK(hospital.quantity() == 600);
  CHECK(hospital.account() == "goods:clinic-hz/mask-medical");
  CHECK(v->hop_txs.at(d.Leaf(d.at_hospital)).body.goods_distribution().place_name() == "西湖区人民医院");
  CHECK(v->orgs.contains("clinic-hz"));
  CHECK(v->orgs.contains("relief-hz"));

  // A project's goods (restricted): handed out from the project, its owner named.
  auto r = fp::VerifyFlow(Prove(*view, d.rice), Facts(*view, d.rice), d.c.genesis());
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  CHECK(r->spent_fen == 15);
  CHECK(r->unspent_fen == 25);
  CHECK(r->attesting_bank.empty());
  CHECK(r->projects.contains("flood-2026"));
  CHECK(r->goods->item.unit() == "袋");

  // The money gift beside them still proves as money, with no goods part.
  auto m = fp::VerifyFlow(Prove(*view, d.money), Facts(*view, d.money), d.c.genesis());
  REQUIRE_MESSAGE(m.ok(), m.status().ToString());
  CHECK_FALSE(m->goods.has_value());
  CHECK(m->spent_fen == 20'000);

  // A walk cut by max_nodes proves the truncated tree, the rest not proven.
  auto cut = fp::VerifyFlow(Prove(*view, d.masks, 2), Facts(*view, d.masks), d.c.genesis());
  REQUIRE_MESSAGE(cut.ok(), cut.status().ToString());
  CHECK(cut->trace.truncated);
}

TEST_CASE("goods proofs: each record kind left out or forged is rejected by its check") {
  GoodsDrive d;
  auto view = d.View();
  const fp::ReceiptFacts facts = Facts(*view, d.masks);
  const fp::FlowProof good = Prove(*view, d.masks);
  const std::string relief = "goods:relief-hz/mask-medical", clinic = "goods:clinic-hz/mask-medical";
  fp::FlowProof p = good;
  for (const std::string& key : {GoodsGiftKey(d.masks), "a/" + relief, "a/" + clinic, Consumed(clinic, 600),
                                 DistributionKey(d.at_hospital), std::string("o/clinic-hz"), std::string("o/bank-1")}) {
    CAPTURE(crypto::ToHex(AsBytes(key)));
    p = good;
    Remove(p, key);
    ExpectRejected(p, facts, d.c.genesis(), fp::kMissingRecord);
  }
  // relief's consumed ranges end at 700 and 800: without the first the walk cannot start.
  p = good;
  Remove(p, Consumed(relief, 700));
  ExpectRejected(p, facts, d.c.genesis(), fp::kNotContiguous, "position 0");

  // Edited in place, any record fails the state proof; a lying majority is needed beyond.
  p = good;
  pb::GoodsGiftRecord g = d.GoodsRecord(p, d.masks);
  g.set_quantity(1'001);  // quantity off by one
  Find(p, GoodsGiftKey(d.masks))->value = g.SerializeAsString();
  ExpectRejected(p, facts, d.c.genesis(), fp::kStateProof);
  Recertify(p, d.c.genesis());
  ExpectRejected(p, facts, d.c.genesis(), fp::kGift, "1001 of mask-medical");
  p = good;
  g = d.GoodsRecord(p, d.masks);
  g.set_quantity(999);
  Find(p, GoodsGiftKey(d.masks))->value = g.SerializeAsString();
  Recertify(p, d.c.genesis());
  ExpectRejected(p, facts, d.c.genesis(), fp::kGift, "999 of mask-medical");
  // The record claiming another leaf, lot or donor name than the signed body.
  p = good;
  g = d.GoodsRecord(p, d.masks);
  g.set_leaf(g.leaf() + 1);
  Find(p, GoodsGiftKey(d.masks))->value = g.SerializeAsString();
  Recertify(p, d.c.genesis());
  ExpectRejected(p, facts, d.c.genesis(), fp::kGift, "leaf");
  p = good;
  g = d.GoodsRecord(p, d.masks);
  g.set_donor_display_name("另一个人");
  Find(p, GoodsGiftKey(d.masks))->value = g.SerializeAsString();
  Recertify(p, d.c.genesis());
  ExpectRejected(p, facts, d.c.genesis(), fp::kGift, "donor name");
  // The goods record proven absent.
  p = good;
  Find(p, GoodsGiftKey(d.masks))->value = std::nullopt;
  Recertify(p, d.c.genesis());
  ExpectRejected(p, facts, d.c.genesis(), fp::kGift, "no goods donation record");

  // The distribution's record: another quantity, or another account.
  pb::GoodsDistributionRecord dist;
  for (const auto& [field, edit] : std::vector<std::pair<std::string, std::function<void()>>>{
           {"quantity", [&] { dist.set_quantity(dist.quantity() + 1); }},
           {"account", [&] { dist.set_account(relief); }},
           {"leaf", [&] { dist.set_leaf(dist.leaf() + 1); }},
           {"expired", [&] { dist.set_expired_quantity(dist.quantity() + 1); }}}) {
    CAPTURE(field);
    p = good;
    REQUIRE(dist.ParseFromString(*Find(p, DistributionKey(d.at_hospital))->value));
    edit();
    Find(p, DistributionKey(d.at_hospital))->value = dist.SerializeAsString();
    Recertify(p, d.c.genesis());
    ExpectRejected(p, facts, d.c.genesis(), fp::kHopTx, "r/gd/");
  }
  // A hop tx left out, or a tx of another leaf put in its place.
  p = good;
  std::erase_if(p.envelope.txs, [&](const fp::ProvenTx& t) { return t.leaf == d.Leaf(d.at_hospital); });
  ExpectRejected(p, facts, d.c.genesis(), fp::kHopTx, "has no tx for that leaf");
  p = good;
  for (fp::ProvenTx& t : p.envelope.txs) {
    if (t.leaf == d.Leaf(d.at_hospital)) t.envelope = Facts(*view, d.at_village).envelope;
  }
  ExpectRejected(p, facts, d.c.genesis(), fp::kTxInclusion);
  // The holder's organisation record with another kind: the notary is then no bank.
  p = good;
  pb::OrgRecord bank;
  REQUIRE(bank.ParseFromString(*Find(p, "o/bank-1")->value));
  bank.set_kind(pb::ORG_KIND_CHARITY);
  Find(p, "o/bank-1")->value = bank.SerializeAsString();
  Recertify(p, d.c.genesis());
  ExpectRejected(p, facts, d.c.genesis(), fp::kBank, "no goods notary");
  p = good;
  Find(p, "o/clinic-hz")->value = std::nullopt;
  Recertify(p, d.c.genesis());
  ExpectRejected(p, facts, d.c.genesis(), fp::kNames, "clinic-hz");
}

TEST_CASE("goods proofs: goods and money records swapped, another item, a money hop in a goods walk") {
  GoodsDrive d;
  auto view = d.View();
  const fp::ReceiptFacts masks = Facts(*view, d.masks);
  const fp::ReceiptFacts money = Facts(*view, d.money);
  const fp::FlowProof good = Prove(*view, d.masks);
  const fp::FlowProof good_money = Prove(*view, d.money);

  // A goods proof whose r/gg/ record is replaced by a money gift record under g/.
  fp::FlowProof p = good;
  Remove(p, GoodsGiftKey(d.masks));
  p.envelope.records.push_back(fp::Record{"g/" + Raw(d.masks), view->Gift(d.money)->SerializeAsString()});
  SortRecords(p);
  Recertify(p, d.c.genesis());
  ExpectRejected(p, masks, d.c.genesis(), fp::kMissingRecord, "r/gg/");
  // ...or holding a money gift record's bytes under its own key.
  p = good;
  Find(p, GoodsGiftKey(d.masks))->value = view->Gift(d.money)->SerializeAsString();
  Recertify(p, d.c.genesis());
  ExpectRejected(p, masks, d.c.genesis(), fp::kGift);
  // A money proof whose g/ record is replaced by a goods record under r/gg/.
  p = good_money;
  Remove(p, "g/" + Raw(d.money));
  p.envelope.records.push_back(fp::Record{"r/gg/" + Raw(d.money), d.GoodsRecord(good, d.masks).SerializeAsString()});
  SortRecords(p);
  Recertify(p, d.c.genesis());
  ExpectRejected(p, money, d.c.genesis(), fp::kMissingRecord, "g/");
  // The goods proof presented for the money receipt, and the money proof for the goods receipt.
  ExpectRejected(good, money, d.c.genesis(), fp::kGift);
  ExpectRejected(good_money, masks, d.c.genesis(), fp::kGift);

  // A proof for item A (masks) presented as item B (rice): the rice receipt's body names
  // another item, account and quantity; a forged record naming rice fails against the masks body.
  fp::ReceiptFacts as_rice = masks;
  as_rice.body.mutable_goods_donation()->set_item_code("rice-10kg");
  as_rice.body.mutable_goods_donation()->set_unit("袋");
  ExpectRejected(good, as_rice, d.c.genesis(), fp::kGift, "rice-10kg");
  p = good;
  pb::GoodsGiftRecord g = d.GoodsRecord(p, d.masks);
  g.set_item_code("rice-10kg");
  g.set_account("goods:relief-hz/rice-10kg");
  Find(p, GoodsGiftKey(d.masks))->value = g.SerializeAsString();
  Recertify(p, d.c.genesis());
  ExpectRejected(p, masks, d.c.genesis(), fp::kGift, "rice-10kg");
  // The signed body's unit is not the item's (the validators never accept that).
  fp::ReceiptFacts wrong_unit = masks;
  wrong_unit.body.mutable_goods_donation()->set_unit("箱");
  ExpectRejected(good, wrong_unit, d.c.genesis(), fp::kGift, "counted in 只");

  // A goods range pointing at a money spend's leaf: a proven tx of the wrong kind.
  p = good;
  std::string& out = *Find(p, Consumed("goods:relief-hz/mask-medical", 800))->value;
  out.replace(2, 8, U64(d.Leaf(d.spend)));
  Recertify(p, d.c.genesis());
  auto path = view->InclusionPath(d.Leaf(d.spend));
  REQUIRE(path.ok());
  p.envelope.txs.push_back(fp::ProvenTx{d.Leaf(d.spend), Facts(*view, d.spend).envelope, *path});
  std::sort(p.envelope.txs.begin(), p.envelope.txs.end(), [](auto& a, auto& b) { return a.leaf < b.leaf; });
  ExpectRejected(p, masks, d.c.genesis(), fp::kHopTx, "not a goods distribution of mask-medical");
  // ...and a money range pointing at a goods distribution's leaf.
  p = good_money;
  std::string& spent = *Find(p, Consumed("org:relief-hz", 20'000))->value;
  spent.replace(2, 8, U64(d.Leaf(d.at_village)));
  Recertify(p, d.c.genesis());
  path = view->InclusionPath(d.Leaf(d.at_village));
  REQUIRE(path.ok());
  p.envelope.txs.push_back(fp::ProvenTx{d.Leaf(d.at_village), Facts(*view, d.at_village).envelope, *path});
  std::sort(p.envelope.txs.begin(), p.envelope.txs.end(), [](auto& a, auto& b) { return a.leaf < b.leaf; });
  ExpectRejected(p, money, d.c.genesis(), fp::kHopTx, "not a spend from org:relief-hz");
  // The rice distribution's tx in place of the village one (proven, another item).
  p = good;
  std::string& village = *Find(p, Consumed("goods:relief-hz/mask-medical", 800))->value;
  village.replace(2, 8, U64(d.Leaf(d.rice_out)));
  Recertify(p, d.c.genesis());
  path = view->InclusionPath(d.Leaf(d.rice_out));
  REQUIRE(path.ok());
  p.envelope.txs.push_back(fp::ProvenTx{d.Leaf(d.rice_out), Facts(*view, d.rice_out).envelope, *path});
  std::sort(p.envelope.txs.begin(), p.envelope.txs.end(), [](auto& a, auto& b) { return a.leaf < b.leaf; });
  ExpectRejected(p, masks, d.c.genesis(), fp::kHopTx, "not a goods distribution of mask-medical");
}

}  // namespace shanliu
