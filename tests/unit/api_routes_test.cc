// The HTTP/JSON API against a real server on a loopback port and a real ledger: every endpoint's
// answers on a small charity scenario, and the typed errors for bad input.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "shanliu/api/http_client.h"
#include "shanliu/api/server.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/hash.h"
#include "shanliu/crypto/keys.h"
#include "shanliu/crypto/merkle.h"
#include "shanliu/ledger/block.h"
#include "shanliu/ledger/flow_proof.h"
#include "shanliu/ledger/json.h"
#include "shanliu/ledger/ledger.h"
#include "shanliu/ledger/origin_key_row.h"
#include "shanliu/ledger/state_map.h"
#include "shanliu/ledger/tx.h"

namespace shanliu::api {
namespace {

using Json = nlohmann::json;
namespace fs = std::filesystem;

constexpr const char* kChainId = "shanliu-api-test";
// 2025-03-01 00:00 Beijing time; later blocks move into 2026 for the compliance figures.
constexpr std::uint64_t kGenesisMs = 1'740'758'400'000;
constexpr std::uint64_t kDayMs = 86'400'000;

crypto::KeyPair Key(std::uint8_t n) {
  crypto::Seed seed{};
  seed.fill(n);
  return crypto::KeyPairFromSeed(seed);
}

std::string Raw(const Hash256& h) { return std::string(h.begin(), h.end()); }
Hash256 Digest(std::string_view text) { return crypto::Sha256(AsBytes(text)); }

struct TempDir {
  TempDir() {
    std::random_device rd;
    path = fs::temp_directory_path() / ("shanliu-api-test-" + std::to_string(rd()) + std::to_string(rd()));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  fs::path path;
};

// A 1-validator chain (the bureau validates) with a bank in genesis, and a charity, a merchant,
// a project and a trust registered by transactions; money moves through every kind of tx.
class Scenario {
 public:
  // `origin_key`: the genesis origin_key's group key (the shares are not used here: one validator
  // signs no origin line; ParseGenesis would refuse the threshold, this test builds Genesis itself).
  explicit Scenario(std::optional<crypto::PublicKey> origin_key = std::nullopt) {
    ledger::Genesis g;
    if (origin_key) g.origin_key = ledger::GenesisOriginKey{*origin_key, 1, {*origin_key}};
    g.chain_id = kChainId;
    g.genesis_time_ms = kGenesisMs;
    g.params.max_tx_expiry_ms = 366 * kDayMs;
    g.validators.push_back({bureau.public_key, 10, "bureau"});
    g.organisations.push_back({"bureau", pb::ORG_KIND_BUREAU, "市民政局", "City Civil Affairs Bureau",
                               "11330100MB0000000N", {bureau.public_key}, {}, ""});
    g.organisations.push_back({"bank-a", pb::ORG_KIND_BANK, "甲银行", "Bank A", "91330100MA00000072", {bank.public_key}, {}, ""});
    genesis = g;
    ledger::LedgerOptions options;
    options.sync_writes = false;
    auto opened = ledger::Ledger::Open(dir.path, g, options);
    REQUIRE(opened.ok());
    ledger = std::move(*opened);
    Build();
  }

  pb::TxBody Body() {
    pb::TxBody body;
    body.set_chain_id(kChainId);
    body.set_expires_at_height(ledger->height() + 100);
    // The scenario's blocks are days apart: the window (set wide in genesis) covers the next one.
    body.set_expires_at_ms(ledger->head().time_ms() + genesis.params.max_tx_expiry_ms);
    body.set_nonce(++nonce_);
    body.set_created_at_ms(kGenesisMs);
    return body;
  }

  static Bytes Sign(const pb::TxBody& body, std::vector<const crypto::KeyPair*> signers) {
    return ledger::BuildTx(body, signers);
  }

  // Commits one block of `envelopes` at `time_ms`; every tx must apply.
  std::vector<Hash256> Commit(const std::vector<Bytes>& envelopes, std::uint64_t time_ms) {
    std::vector<ledger::DecodedTx> txs;
    for (const Bytes& e : envelopes) {
      auto d = ledger::DecodeTx(e, kChainId);
      REQUIRE_MESSAGE(d.ok(), d.status().ToString());
      txs.push_back(std::move(*d));
    }
    ledger::BuildResult built = ledger->BuildBlock(txs, time_ms, 0);
    for (const auto& r : built.rejected) FAIL_CHECK("rejected: " << r.status.ToString());
    REQUIRE(built.rejected.empty());
    const std::uint64_t height = built.executed.block.header().height();
    pb::CommitCertificate cert;
    cert.set_height(height);
    cert.set_round(0);
    cert.set_block_hash(Raw(built.executed.hash));
    const Bytes vote = ledger::VoteSignBytes(kChainId, ledger::VoteType::kPrecommit, height, 0, built.executed.hash);
    const crypto::Signature sig = crypto::SignRaw(bureau.secret_key, vote);
    auto* s = cert.add_signatures();
    s->set_validator_index(0);
    s->set_signature(std::string(sig.begin(), sig.end()));
    REQUIRE(ledger->Commit(built.executed, cert).ok());
    return built.executed.tx_ids;
  }

  pb::TxBody Donation(const std::string& to, std::int64_t fen, const std::string& name, bool attested,
                      const crypto::PublicKey* holder) {
    pb::TxBody b = Body();
    auto* d = b.mutable_donation();
    d->set_to_account(to);
    d->set_amount_fen(fen);
    d->set_donor_ref(Raw(Digest("donor " + std::to_string(nonce_))));
    d->set_donor_display_name(name);
    d->set_channel(attested ? pb::DONATION_CHANNEL_BANK_TRANSFER : pb::DONATION_CHANNEL_MOBILE_PAYMENT);
    if (attested) d->set_attesting_bank("bank-a");
    if (holder) d->set_points_holder(Raw(*holder));
    d->set_memo("memo " + std::to_string(nonce_));
    return b;
  }

  pb::TxBody Spend(const std::string& from, std::int64_t fen, pb::SpendCategory category, pb::PayeeKind payee,
                   const std::string& payee_name) {
    pb::TxBody b = Body();
    auto* s = b.mutable_spend();
    s->set_from_account(from);
    s->set_amount_fen(fen);
    s->set_category(category);
    s->set_payee_kind(payee);
    s->set_payee_name(payee_name);
    s->set_beneficiary_count(payee == pb::PAYEE_KIND_INDIVIDUALS ? 15 : 0);
    s->set_invoice_hash(Raw(Digest("invoice " + std::to_string(nonce_))));
    s->set_description("spend " + std::to_string(nonce_));
    return b;
  }

  void Build() {
    // Block 1: organisations.
    pb::TxBody reg = Body();
    auto* r = reg.mutable_register_org();
    r->set_org_id("charity-a");
    r->set_kind(pb::ORG_KIND_CHARITY);
    r->set_name_zh("阳光慈善会");
    r->set_name_en("Sunshine Charity");
    r->set_credit_code("53330100MJ000000XL");
    r->add_public_keys(Raw(charity.public_key));
    pb::TxBody shop = Body();
    auto* m = shop.mutable_register_org();
    m->set_org_id("shop-a");
    m->set_kind(pb::ORG_KIND_MERCHANT);
    m->set_name_zh("便民超市");
    m->set_name_en("Corner Shop");
    m->set_credit_code("92330100MA0000015R");
    m->add_public_keys(Raw(merchant.public_key));
    Commit({Sign(reg, {&bureau}), Sign(shop, {&bureau})}, kGenesisMs + kDayMs);

    // Block 2: a project and a charity trust.
    pb::TxBody project = Body();
    auto* p = project.mutable_open_project();
    p->set_project_id("elder-meals");
    p->set_owner_org("charity-a");
    p->set_name_zh("长者助餐");
    p->set_name_en("Meals for elders");
    p->set_category("elder-care");
    p->set_region("330106");
    p->set_budget_fen(1'000'000);
    p->set_starts_at_ms(kGenesisMs);
    p->set_ends_at_ms(kGenesisMs + 3 * 365 * kDayMs);
    pb::TxBody trust = Body();
    auto* t = trust.mutable_open_trust();
    t->set_trust_id("trust-a");
    t->set_name_zh("助学信托");
    t->set_name_en("Education trust");
    t->set_trustee_org("charity-a");
    t->set_custodian_bank("bank-a");
    t->set_filing_number("ZJ-2025-001");
    Commit({Sign(project, {&charity}), Sign(trust, {&bureau})}, kGenesisMs + 2 * kDayMs);

    // Block 3 (2025-06): money in.
    auto ids = Commit({Sign(Donation("org:charity-a", 50'000, "张三", true, &holder.public_key), {&bank}),
                       Sign(Donation("org:charity-a", 30'000, "", false, nullptr), {&charity}),
                       Sign(Donation("project:elder-meals", 20'000, "李四", true, nullptr), {&bank}),
                       Sign(Donation("org:charity-a", 10'000, "王五", true, nullptr), {&bank}),
                       Sign([&] {
                         pb::TxBody b = Body();
                         auto* d = b.mutable_trust_deposit();
                         d->set_trust_id("trust-a");
                         d->set_amount_fen(100'000);
                         d->set_settlor_ref(Raw(Digest("settlor")));
                         d->set_settlor_display_name("赵六");
                         return b;
                       }(), {&bank})},
                      kGenesisMs + 100 * kDayMs);
    d1 = ids[0];
    d2 = ids[1];
    d3 = ids[2];
    d4 = ids[3];
    deposit = ids[4];

    // Block 4 (2025-07): allocation, spending, refund, disbursement, volunteering.
    pb::TxBody transfer = Body();
    auto* tr = transfer.mutable_transfer();
    tr->set_from_account("org:charity-a");
    tr->set_to_account("project:elder-meals");
    tr->set_amount_fen(60'000);
    tr->set_purpose("allocation to meals");
    pb::TxBody refund = Body();
    refund.mutable_refund()->set_donation_tx_id(Raw(d4));
    refund.mutable_refund()->set_reason("donor asked");
    pb::TxBody disburse = Body();
    auto* ds = disburse.mutable_trust_disbursement();
    ds->set_trust_id("trust-a");
    ds->set_to_account("project:elder-meals");
    ds->set_amount_fen(40'000);
    ds->set_purpose("meals");
    pb::TxBody volunteer = Body();
    auto* v = volunteer.mutable_volunteer_service();
    v->set_charity_org("charity-a");
    v->set_holder(Raw(holder.public_key));
    v->set_minutes(120);
    v->set_activity("delivering meals");
    v->set_occurred_at_ms(kGenesisMs + 129 * kDayMs);
    ids = Commit({Sign(transfer, {&charity}),
                  Sign(Spend("project:elder-meals", 70'000, pb::SPEND_CATEGORY_MATERIAL, pb::PAYEE_KIND_VENDOR, "绿色食品公司"),
                       {&charity}),
                  Sign(refund, {&charity}), Sign(disburse, {&charity, &bank}), Sign(volunteer, {&charity, &holder})},
                 kGenesisMs + 130 * kDayMs);
    transfer_id = ids[0];
    spend1 = ids[1];
    refund_id = ids[2];

    // Block 5 (2026-02): more spending, a redemption and a disclosure.
    pb::TxBody redeem = Body();
    auto* rd = redeem.mutable_redeem_points();
    rd->set_holder(Raw(holder.public_key));
    rd->set_merchant_org("shop-a");
    rd->set_points(3);
    rd->set_item("大米一袋");
    pb::TxBody disclosure = Body();
    auto* dc = disclosure.mutable_disclosure();
    dc->set_org_id("charity-a");
    dc->set_type(pb::DISCLOSURE_TYPE_ANNUAL_REPORT);
    dc->set_title("2025年度工作报告");
    dc->set_period("2025");
    dc->set_document_sha256(Raw(Digest("report")));
    dc->set_url("https://example.org/report-2025.pdf");
    ids = Commit({Sign(Spend("org:charity-a", 5'000, pb::SPEND_CATEGORY_ADMIN, pb::PAYEE_KIND_VENDOR, "物业公司"), {&charity}),
                  Sign(Spend("project:elder-meals", 30'000, pb::SPEND_CATEGORY_CASH_AID, pb::PAYEE_KIND_INDIVIDUALS, ""),
                       {&charity}),
                  Sign(redeem, {&holder, &merchant}), Sign(disclosure, {&charity})},
                 kGenesisMs + 340 * kDayMs);
    admin_spend = ids[0];
    cash_spend = ids[1];
  }

  crypto::KeyPair bureau = Key(1), bank = Key(2), charity = Key(3), merchant = Key(4), holder = Key(5);
  TempDir dir;
  ledger::Genesis genesis;
  std::unique_ptr<ledger::Ledger> ledger;
  Hash256 d1{}, d2{}, d3{}, d4{}, deposit{}, transfer_id{}, spend1{}, refund_id{}, admin_spend{}, cash_spend{};

 private:
  std::uint64_t nonce_ = 0;
};

// The node's side of the contract, kept in a map: what a mempool would say about each id.
class TestMempool {
 public:
  std::vector<SubmitResult> Submit(std::vector<Bytes> envelopes) {
    std::lock_guard lock(mutex_);
    std::vector<SubmitResult> out;
    for (const Bytes& e : envelopes) {
      auto decoded = ledger::DecodeTx(e, kChainId);
      SubmitResult r;
      if (decoded.ok()) {
        r.id = decoded->id;
        entries_[r.id] = {PendingState::kPending, Status::Ok()};
      } else {
        pb::Tx tx;
        if (tx.ParseFromArray(e.data(), static_cast<int>(e.size()))) r.id = ledger::TxId(AsBytes(tx.body()));
        r.status = decoded.status();
        if (r.id != Hash256{}) entries_[r.id] = {PendingState::kRejected, r.status};
      }
      out.push_back(r);
    }
    return out;
  }
  PendingInfo Pending(const Hash256& id) {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(id);
    return it == entries_.end() ? PendingInfo{} : it->second;
  }
  std::size_t size() {
    std::lock_guard lock(mutex_);
    return entries_.size();
  }

 private:
  std::mutex mutex_;
  std::map<Hash256, PendingInfo> entries_;
};

struct Reply {
  unsigned status = 0;
  std::string content_type;
  std::string body;
  Json json;
};

class Api {
 public:
  explicit Api(bool with_hooks = true, ServerConfig config = {}, std::optional<crypto::PublicKey> origin_key = std::nullopt)
      : chain(origin_key) {
    config.port = 0;
    config.threads = 2;
    NodeHooks hooks;
    if (with_hooks) {
      hooks.submit = [this](std::vector<Bytes> e) { return mempool.Submit(std::move(e)); };
      hooks.pending = [this](const Hash256& id) { return mempool.Pending(id); };
      hooks.info = [this] { return NodeInfo{"ab12", "validator", mempool.size(), 3, 7}; };
      hooks.audit_status = [this] {
        std::lock_guard lock(audit_mutex);
        return audit;
      };
    }
    server = std::make_unique<Server>(config, *chain.ledger, hooks);
    const Status s = server->Start();
    REQUIRE_MESSAGE(s.ok(), s.ToString());
    base = "http://127.0.0.1:" + std::to_string(server->port());
  }
  ~Api() { server->Stop(); }

  Reply Call(const std::string& method, const std::string& target, const std::string& body = "",
             const std::string& type = "application/json") {
    auto r = HttpRequest(method, base + target, body, type, 10'000);
    REQUIRE_MESSAGE(r.ok(), r.status().ToString());
    Reply out{r->status, r->content_type, r->body, Json()};
    if (out.content_type.starts_with("application/json")) {
      out.json = Json::parse(out.body, nullptr, false);
      REQUIRE_FALSE(out.json.is_discarded());
    }
    return out;
  }
  Reply Get(const std::string& target) { return Call("GET", target); }
  Reply Post(const std::string& target, const std::string& body, const std::string& type = "application/json") {
    return Call("POST", target, body, type);
  }

  // A typed error: status, {"error": {"code", "message"}} and nothing else.
  void ExpectError(const Reply& r, unsigned status, const std::string& code) {
    CHECK_MESSAGE(r.status == status, r.body);
    REQUIRE(r.json.is_object());
    REQUIRE(r.json.contains("error"));
    CHECK(r.json["error"]["code"] == code);
    CHECK(r.json["error"]["message"].is_string());
    CHECK(!r.json["error"]["message"].get<std::string>().empty());
  }

  void SetAudit(AuditStatusInfo info) {
    std::lock_guard lock(audit_mutex);
    audit = std::move(info);
  }

  Scenario chain;
  TestMempool mempool;
  std::mutex audit_mutex;
  AuditStatusInfo audit;  // what the audit_status hook answers; guarded by audit_mutex
  std::unique_ptr<Server> server;
  std::string base;
};

std::string Code(const Hash256& id) { return crypto::ToBase32(id); }
std::string Hex(const Hash256& id) { return crypto::ToHex(id); }

Hash256 HashHex(const Json& v) {
  auto h = crypto::Hash256FromHex(v.get<std::string>());
  REQUIRE(h.ok());
  return *h;
}

std::string Base64(const Bytes& bytes) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    for (int s = 18; s >= 0; s -= 6) out.push_back(kAlphabet[(v >> s) & 63]);
  }
  if (i + 1 == bytes.size()) {
    const unsigned v = bytes[i] << 16;
    out += {kAlphabet[(v >> 18) & 63], kAlphabet[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == bytes.size()) {
    const unsigned v = (bytes[i] << 16) | (bytes[i + 1] << 8);
    out += {kAlphabet[(v >> 18) & 63], kAlphabet[(v >> 12) & 63], kAlphabet[(v >> 6) & 63], '='};
  }
  return out;
}

// ---------------------------------------------------------------- receipts and traces

TEST_CASE("the validator set by height and its transitions") {
  Api api;
  const std::uint64_t head = api.Get("/v1/blocks/latest").json["height"].get<std::uint64_t>();
  Reply r = api.Get("/v1/validators");
  REQUIRE_MESSAGE(r.status == 200, r.body);
  CHECK(r.json["height"] == head + 1);
  const ledger::Genesis& g = api.chain.ledger->genesis();
  CHECK(r.json["validators_hash"] == crypto::ToHex(g.validators_hash()));
  REQUIRE(r.json["validators"].size() == g.validators.size());
  CHECK(r.json["validators"][0] == Json{{"index", 0},
                                        {"public_key", crypto::ToHex(g.validators[0].public_key)},
                                        {"voting_power", g.validators[0].voting_power},
                                        {"org_id", g.validators[0].org_id}});
  CHECK(api.Get("/v1/validators?height=1").status == 200);
  CHECK(api.Get("/v1/validators?height=" + std::to_string(head + 2)).status == 200);
  r = api.Get("/v1/validators?height=" + std::to_string(head + 3));
  CHECK(r.status == 400);
  CHECK(r.json["error"]["code"] == "out_of_range");
  CHECK(api.Get("/v1/validators?height=x").status == 400);
  r = api.Get("/v1/validators/transitions");
  REQUIRE(r.status == 200);
  CHECK(r.json == Json{{"transitions", Json::array()}});
  CHECK(api.Get("/v1/validators/transitions?to_height=99999").json == Json{{"transitions", Json::array()}});
  CHECK(api.Get("/v1/checkpoint").json["validator_transitions"] == Json::array());
}

TEST_CASE("a receipt's proof verifies offline with only the genesis") {
  Api api;
  const Reply r = api.Get("/v1/receipts/" + Code(api.chain.d1));
  REQUIRE_MESSAGE(r.status == 200, r.body);
  const Json& proof = r.json["proof"];
  std::set<std::string> keys;
  for (const auto& [k, v] : proof.items()) keys.insert(k);
  CHECK(keys == std::set<std::string>{"tx", "tx_id", "leaf_index", "log_size", "inclusion_path", "header", "block_hash",
                                      "commit", "validator_transitions"});
  CHECK(proof["validator_transitions"] == Json::array());  // the genesis set never changed
  CHECK(r.json["flow_proof"]["validator_transitions"] == Json::array());

  auto tx_bytes = crypto::FromHex(proof["tx"].get<std::string>());
  REQUIRE(tx_bytes.ok());
  pb::Tx tx;
  REQUIRE(tx.ParseFromArray(tx_bytes->data(), static_cast<int>(tx_bytes->size())));
  CHECK(ledger::TxId(AsBytes(tx.body())) == api.chain.d1);
  CHECK(HashHex(proof["tx_id"]) == api.chain.d1);

  std::vector<Hash256> path;
  for (const Json& h : proof["inclusion_path"]) path.push_back(HashHex(h));
  pb::BlockHeader header;
  REQUIRE(ledger::JsonToMessage(proof["header"], &header).ok());
  CHECK(proof["header"].size() == 11);
  CHECK(crypto::VerifyMerkleInclusion(crypto::MerkleLeafHash(*tx_bytes), proof["leaf_index"].get<std::uint64_t>(), proof["log_size"].get<std::uint64_t>(), path,
                                      HashHex(proof["header"]["log_root"])));
  auto block_hash = ledger::BlockHash(header);
  REQUIRE(block_hash.ok());
  CHECK(*block_hash == HashHex(proof["block_hash"]));
  CHECK(HashHex(proof["header"]["validators_hash"]) == api.chain.genesis.validators_hash());
  pb::CommitCertificate commit;
  REQUIRE(ledger::JsonToMessage(proof["commit"], &commit).ok());
  CHECK(ledger::VerifyCommitCertificate(commit, kChainId, header.height(), *block_hash, api.chain.genesis.validators).ok());

  // A tampered path fails.
  path.front()[0] ^= 1;
  CHECK_FALSE(crypto::VerifyMerkleInclusion(crypto::MerkleLeafHash(*tx_bytes), proof["leaf_index"].get<std::uint64_t>(), proof["log_size"].get<std::uint64_t>(),
                                            path, HashHex(proof["header"]["log_root"])));

  const Json& d = r.json["donation"];
  CHECK(d["id"] == Hex(api.chain.d1));
  CHECK(d["code"] == Code(api.chain.d1));
  CHECK(d["kind"] == "donation");
  CHECK(d["amount_fen"] == 50'000);
  CHECK(d["donor_display_name"] == "张三");
  CHECK(d["attested"] == true);
  CHECK(d["attesting_bank_org"]["name_zh"] == "甲银行");
  CHECK(d["to"]["name_zh"] == "阳光慈善会");
  CHECK(d["recorded_by_org"]["org_id"] == "charity-a");
  CHECK(d["restricted"] == false);
  CHECK(d["points_earned"] == 50);
  CHECK(d["refunded_fen"] == 0);
  CHECK(d["refund_tx"].is_null());
  CHECK(r.json["trace"]["totals"]["spent_fen"] == 50'000);

  // The flow proof (docs/flow-proof.md) verifies against the receipt and proves the trace shown.
  auto flow_proof = ledger::flow_proof::FlowProofFromJson(r.json["flow_proof"]);
  REQUIRE_MESSAGE(flow_proof.ok(), flow_proof.status().ToString());
  ledger::flow_proof::ReceiptFacts facts;
  facts.tx_id = api.chain.d1;
  facts.envelope = *tx_bytes;
  REQUIRE(facts.body.ParseFromString(tx.body()));
  facts.leaf_index = proof["leaf_index"].get<std::uint64_t>();
  facts.height = header.height();
  auto flow = ledger::flow_proof::VerifyFlow(*flow_proof, facts, api.chain.genesis);
  REQUIRE_MESSAGE(flow.ok(), flow.status().ToString());
  CHECK(flow->spent_fen == 50'000);
  CHECK(flow->attesting_bank == "bank-a");
  CHECK(flow->hops == r.json["trace"]["nodes"].size() + r.json["trace"]["nodes"][0]["children"].size());
}

TEST_CASE("receipt codes resolve by prefix and bad codes are typed errors") {
  Api api;
  const std::string code = Code(api.chain.d2);
  Reply r = api.Get("/v1/receipts/" + code.substr(0, 12));
  REQUIRE(r.status == 200);
  CHECK(r.json["donation"]["id"] == Hex(api.chain.d2));
  CHECK(r.json["donation"]["anonymous"] == true);
  CHECK(r.json["donation"]["attested"] == false);
  r = api.Get("/v1/receipts/" + Hex(api.chain.d2));  // a hex id works too
  CHECK(r.status == 200);
  std::string upper = code;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  CHECK(api.Get("/v1/receipts/" + upper).status == 200);

  api.ExpectError(api.Get("/v1/receipts/" + Code(Digest("nobody"))), 404, "not_found");
  api.ExpectError(api.Get("/v1/receipts/" + Code(api.chain.spend1)), 404, "not_found");
  api.ExpectError(api.Get("/v1/receipts/" + code.substr(0, 11)), 400, "invalid_code");
  api.ExpectError(api.Get("/v1/receipts/" + std::string(52, '1')), 400, "invalid_code");
  api.ExpectError(api.Get("/v1/receipts/abcdefghijkl0189"), 400, "invalid_code");
  api.ExpectError(api.Get("/v1/receipts/" + std::string(64, 'z')), 400, "invalid_hex");
  api.ExpectError(api.Get("/v1/receipts/" + std::string(60, 'a')), 400, "invalid_code");
  api.ExpectError(api.Get("/v1/trace/%00%00%00%00%00%00%00%00%00%00%00%00"), 400, "invalid_path");
}

TEST_CASE("a trace shows each hop with the outflow's details") {
  Api api;
  Reply r = api.Get("/v1/trace/" + Code(api.chain.d1));
  REQUIRE(r.status == 200);
  const Json& t = r.json["trace"];
  CHECK(t["amount_fen"] == 50'000);
  CHECK(t["truncated"] == false);
  REQUIRE(t["nodes"].size() == 1);
  const Json& hop = t["nodes"][0];
  CHECK(hop["account"] == "org:charity-a");
  CHECK(hop["account_name_zh"] == "阳光慈善会");
  CHECK(hop["fate"] == "moved_on");
  CHECK(hop["tx"]["kind"] == "transfer");
  CHECK(hop["tx"]["to_account"] == "project:elder-meals");
  CHECK(hop["tx"]["to_name_zh"] == "长者助餐");
  CHECK(hop["tx"]["id"] == Hex(api.chain.transfer_id));
  REQUIRE(hop["children"].size() == 1);
  const Json& leaf = hop["children"][0];
  CHECK(leaf["account"] == "project:elder-meals");
  CHECK(leaf["fate"] == "spent");
  CHECK(leaf["amount_fen"] == 50'000);
  CHECK(leaf["tx"]["kind"] == "spend");
  CHECK(leaf["tx"]["category"] == "material");
  CHECK(leaf["tx"]["category_name_zh"] == "物资");
  CHECK(leaf["tx"]["payee_kind"] == "vendor");
  CHECK(leaf["tx"]["payee_name"] == "绿色食品公司");
  CHECK(leaf["tx"]["invoice_hash"].get<std::string>().size() == 64);
  CHECK(leaf["tx"]["sources"] == "/v1/spends/" + Hex(api.chain.spend1) + "/sources");
  CHECK(leaf["tx"]["time_ms"] == kGenesisMs + 130 * kDayMs);

  // 30,000: 10,000 moved to the project and paid as cash aid, 5,000 admin, 15,000 unspent.
  r = api.Get("/v1/trace/" + Code(api.chain.d2));
  REQUIRE(r.status == 200);
  const Json& totals = r.json["trace"]["totals"];
  CHECK(totals["spent_fen"] == 15'000);
  CHECK(totals["unspent_fen"] == 15'000);
  CHECK(totals["refunded_fen"] == 0);

  r = api.Get("/v1/trace/" + Code(api.chain.d4));
  REQUIRE(r.status == 200);
  CHECK(r.json["trace"]["totals"]["refunded_fen"] == 10'000);
  CHECK(r.json["trace"]["nodes"][0]["tx"]["kind"] == "refund");
  CHECK(r.json["donation"]["refund_tx"] == Hex(api.chain.refund_id));

  r = api.Get("/v1/trace/" + Code(api.chain.deposit));
  REQUIRE(r.status == 200);
  CHECK(r.json["donation"]["kind"] == "trust_deposit");
  CHECK(r.json["trace"]["nodes"][0]["account"] == "trust:trust-a");
  CHECK(r.json["trace"]["nodes"][0]["tx"]["kind"] == "trust_disbursement");
}

TEST_CASE("a spend's sources walk back to the gifts in pages") {
  Api api;
  const std::string base = "/v1/spends/" + Hex(api.chain.spend1) + "/sources";
  Reply r = api.Get(base);
  REQUIRE(r.status == 200);
  CHECK(r.json["outflow"]["amount_fen"] == 70'000);
  CHECK(r.json["outflow"]["kind"] == "spend");
  REQUIRE(r.json["sources"].size() == 2);
  CHECK(r.json["sources"][0]["origin"]["id"] == Hex(api.chain.d3));
  CHECK(r.json["sources"][0]["amount_fen"] == 20'000);
  CHECK(r.json["sources"][1]["origin"]["id"] == Hex(api.chain.d1));
  CHECK(r.json["sources"][1]["origin"]["donor_display_name"] == "张三");
  CHECK(r.json["sources"][1]["path"] == Json::array({"org:charity-a", "project:elder-meals"}));
  CHECK(r.json["next"].is_null());
  // The page's proof rebuilds the same sources from proven records.
  auto proof = ledger::flow_proof::SourcesProofFromJson(r.json["proof"]);
  REQUIRE_MESSAGE(proof.ok(), proof.status().ToString());
  auto proven = ledger::flow_proof::VerifySources(*proof, api.chain.genesis);
  REQUIRE_MESSAGE(proven.ok(), proven.status().ToString());
  REQUIRE(proven->sources.size() == 2);
  CHECK(proven->sources[0].origin.id == api.chain.d3);
  CHECK(proven->sources[1].piece.amount_fen == r.json["sources"][1]["amount_fen"].get<std::int64_t>());
  CHECK(proven->sources[1].gift.donor_display_name() == "张三");
  CHECK(proven->outflow_tx.id == api.chain.spend1);

  r = api.Get(base + "?limit=1");
  REQUIRE(r.status == 200);
  REQUIRE(r.json["sources"].size() == 1);
  REQUIRE(r.json["next"].is_number());
  r = api.Get(base + "?limit=1&cursor=" + std::to_string(r.json["next"].get<std::uint64_t>()));
  REQUIRE(r.status == 200);
  CHECK(r.json["sources"][0]["origin"]["id"] == Hex(api.chain.d1));

  api.ExpectError(api.Get(base + "?cursor=70001"), 400, "invalid_argument");
  api.ExpectError(api.Get(base + "?limit=0"), 400, "invalid_argument");
  api.ExpectError(api.Get(base + "?limit=201"), 400, "invalid_argument");
  api.ExpectError(api.Get(base + "?cursor=-1"), 400, "invalid_argument");
  api.ExpectError(api.Get("/v1/spends/" + Hex(api.chain.d1) + "/sources"), 404, "not_found");
  api.ExpectError(api.Get("/v1/spends/" + Hex(Digest("x")) + "/sources"), 404, "not_found");
  api.ExpectError(api.Get("/v1/spends/xyz/sources"), 400, "invalid_argument");
  api.ExpectError(api.Get("/v1/spends/" + std::string(64, 'g') + "/sources"), 400, "invalid_hex");
}

// ---------------------------------------------------------------- transactions

TEST_CASE("POST /v1/txs takes JSON batches and protobuf and answers per transaction") {
  Api api;
  Scenario& c = api.chain;
  const Bytes good = Scenario::Sign(c.Donation("org:charity-a", 1'000, "", true, nullptr), {&c.bank});
  Bytes bad = Scenario::Sign(c.Donation("org:charity-a", 2'000, "", true, nullptr), {&c.bank});
  bad[bad.size() - 1] ^= 0x01;  // breaks the signature
  Reply r = api.Post("/v1/txs", Json{{"txs", {Base64(good), Base64(bad)}}}.dump());
  REQUIRE_MESSAGE(r.status == 200, r.body);
  const Json results = r.json["results"];  // a copy: r is reused below
  REQUIRE(results.size() == 2);
  const Hash256 good_id = ledger::DecodeTx(good, kChainId)->id;
  CHECK(results[0] == Json{{"id", Hex(good_id)}, {"code", Code(good_id)}, {"status", "pending"}});
  CHECK(results[1]["status"] == "rejected");
  CHECK(results[1]["error"]["code"] == "bad_signature");

  // Status of each: pending, rejected, committed, unknown.
  r = api.Get("/v1/txs/" + Code(good_id));
  CHECK(r.json["status"] == "pending");
  r = api.Get("/v1/txs/" + results[1]["id"].get<std::string>());
  CHECK(r.json["status"] == "rejected");
  CHECK(r.json["error"]["code"] == "bad_signature");
  r = api.Get("/v1/txs/" + Hex(c.d1));
  REQUIRE(r.status == 200);
  CHECK(r.json["status"] == "committed");
  CHECK(r.json["kind"] == "donation");
  CHECK(r.json["height"] == 3);
  CHECK(r.json["index"] == 0);
  CHECK(r.json["body"]["donation"]["amount_fen"] == 50'000);
  CHECK(r.json["signers"] == Json::array({crypto::ToHex(c.bank.public_key)}));
  api.ExpectError(api.Get("/v1/txs/" + Hex(Digest("unknown"))), 404, "not_found");
  api.ExpectError(api.Get("/v1/txs/123"), 400, "invalid_argument");

  // One envelope as protobuf, and {"tx": ...}.
  const Bytes other = Scenario::Sign(c.Donation("org:charity-a", 3'000, "", true, nullptr), {&c.bank});
  r = api.Post("/v1/txs", std::string(other.begin(), other.end()), "application/x-protobuf");
  REQUIRE_MESSAGE(r.status == 200, r.body);
  CHECK(r.json["results"][0]["status"] == "pending");
  r = api.Post("/v1/txs", Json{{"tx", Base64(other)}}.dump(), "application/json; charset=utf-8");
  CHECK(r.status == 200);
  r = api.Post("/v1/txs", Json{{"tx", Base64(ToBytes("not a tx"))}}.dump());
  REQUIRE_MESSAGE(r.status == 200, r.body);
  CHECK(r.json["results"][0]["status"] == "rejected");
  CHECK(r.json["results"][0]["error"]["code"] == "malformed");
}

TEST_CASE("POST /v1/txs refuses malformed bodies with typed errors") {
  ServerConfig config;
  config.max_batch_txs = 3;
  Api api(true, config);
  api.ExpectError(api.Post("/v1/txs", "{\"txs\": [", "application/json"), 400, "invalid_json");
  api.ExpectError(api.Post("/v1/txs", "", "application/json"), 400, "invalid_json");
  api.ExpectError(api.Post("/v1/txs", "[]"), 400, "invalid_json");
  api.ExpectError(api.Post("/v1/txs", R"({"txs": "AAAA"})"), 400, "invalid_json");
  api.ExpectError(api.Post("/v1/txs", R"({"txs": [1, 2]})"), 400, "invalid_json");
  api.ExpectError(api.Post("/v1/txs", R"({"txs": []})"), 400, "invalid_json");
  api.ExpectError(api.Post("/v1/txs", R"({"tx": "AAAA", "txs": ["AAAA"]})"), 400, "invalid_json");
  api.ExpectError(api.Post("/v1/txs", R"({"tx": "AAAA", "extra": 1})"), 400, "invalid_json");
  api.ExpectError(api.Post("/v1/txs", R"({"tx": null})"), 400, "invalid_json");
  api.ExpectError(api.Post("/v1/txs", R"({"tx": ""})"), 400, "invalid_base64");
  api.ExpectError(api.Post("/v1/txs", R"({"tx": "not base64!"})"), 400, "invalid_base64");
  api.ExpectError(api.Post("/v1/txs", R"({"tx": "AAA"})"), 400, "invalid_base64");
  api.ExpectError(api.Post("/v1/txs", R"({"tx": "AAAA AAAA"})"), 400, "invalid_base64");
  api.ExpectError(api.Post("/v1/txs", Json{{"tx", std::string(12'000, 'A')}}.dump()), 413, "too_large");
  api.ExpectError(api.Post("/v1/txs", R"({"txs": ["AAAA", "AAAA", "AAAA", "AAAA"]})"), 413, "too_many_txs");
  api.ExpectError(api.Post("/v1/txs", "", "application/x-protobuf"), 400, "malformed");
  api.ExpectError(api.Post("/v1/txs", std::string(9'000, 'x'), "application/x-protobuf"), 413, "too_large");
  api.ExpectError(api.Post("/v1/txs", "{}", "text/plain"), 415, "unsupported_media_type");
  api.ExpectError(api.Post("/v1/txs", "{}", ""), 415, "unsupported_media_type");
  api.ExpectError(api.Call("PUT", "/v1/txs", "{}"), 405, "method_not_allowed");
  api.ExpectError(api.Call("DELETE", "/v1/txs/" + Hex(api.chain.d1)), 405, "method_not_allowed");
  CHECK(api.mempool.size() == 0);  // nothing reached the node
}

TEST_CASE("without node hooks submission and pending lookups answer 503") {
  Api api(/*with_hooks=*/false);
  api.ExpectError(api.Post("/v1/txs", R"({"tx": "AAAA"})"), 503, "unavailable");
  api.ExpectError(api.Get("/v1/txs/" + Hex(Digest("pending?"))), 503, "unavailable");
  CHECK(api.Get("/v1/txs/" + Hex(api.chain.d1)).status == 200);  // committed ones need no hook
  const Reply stats = api.Get("/v1/stats");
  CHECK(stats.json["node"].is_null());
}

// ---------------------------------------------------------------- blocks and proofs

TEST_CASE("blocks by height and latest with tx pages and the block list") {
  Api api;
  Reply r = api.Get("/v1/blocks/latest");
  REQUIRE(r.status == 200);
  CHECK(r.json["height"] == 5);
  CHECK(r.json["tx_count"] == 4);
  CHECK(r.json["txs"].size() == 4);
  CHECK(r.json["txs"][0]["id"] == Hex(api.chain.admin_spend));
  CHECK(r.json["txs"][0]["code"] == Code(api.chain.admin_spend));
  CHECK(r.json["txs"][0]["kind"] == "spend");
  CHECK(r.json["txs"][0]["payload"]["amount_fen"] == 5'000);  // the list says what moved
  CHECK(r.json["txs"][0]["payload"]["from_account"] == "org:charity-a");
  CHECK(r.json["txs"][1]["payload"]["from_account"] == "project:elder-meals");
  CHECK(r.json["commit"]["signatures"].size() == 1);
  CHECK(r.json["header"]["log_size"] == 18);
  CHECK(HashHex(r.json["block_hash"]) == api.chain.ledger->head_hash());

  r = api.Get("/v1/blocks/3?limit=2");
  REQUIRE(r.status == 200);
  CHECK(r.json["txs"].size() == 2);
  CHECK(r.json["next"] == 2);
  r = api.Get("/v1/blocks/3?limit=2&cursor=4");
  CHECK(r.json["txs"].size() == 1);
  CHECK(r.json["txs"][0]["kind"] == "trust_deposit");
  CHECK(r.json["next"].is_null());

  r = api.Get("/v1/blocks/0");
  REQUIRE(r.status == 200);
  CHECK(r.json["commit"].is_null());
  CHECK(r.json["tx_count"] == 0);

  r = api.Get("/v1/blocks?limit=2");
  REQUIRE(r.status == 200);
  CHECK(r.json["blocks"].size() == 2);
  CHECK(r.json["blocks"][0]["height"] == 5);
  CHECK(r.json["next"] == 4);
  r = api.Get("/v1/blocks?before=4&limit=100");
  CHECK(r.json["blocks"].size() == 4);
  CHECK(r.json["blocks"][3]["height"] == 0);
  CHECK(r.json["next"].is_null());

  api.ExpectError(api.Get("/v1/blocks/6"), 404, "not_found");
  api.ExpectError(api.Get("/v1/blocks/abc"), 400, "invalid_argument");
  api.ExpectError(api.Get("/v1/blocks/99999999999999999999999"), 400, "invalid_argument");
  api.ExpectError(api.Get("/v1/blocks?limit=101"), 400, "invalid_argument");
  api.ExpectError(api.Get("/v1/blocks?limit=x"), 400, "invalid_argument");
  api.ExpectError(api.Get("/v1/blocks?before=1&before=2"), 400, "invalid_query");
  api.ExpectError(api.Get("/v1/blocks?colour=blue"), 400, "unknown_parameter");
  api.ExpectError(api.Get("/v1/blocks?limit=%zz"), 400, "invalid_query");
}

TEST_CASE("consistency and inclusion proofs verify") {
  Api api;
  Reply r = api.Get("/v1/proofs/consistency?from=3&to=14");
  REQUIRE(r.status == 200);
  std::vector<Hash256> proof;
  for (const Json& h : r.json["proof"]) proof.push_back(HashHex(h));
  CHECK(crypto::VerifyMerkleConsistency(3, 14, HashHex(r.json["from_root"]), HashHex(r.json["to_root"]), proof));
  r = api.Get("/v1/proofs/consistency?from=5");
  REQUIRE(r.status == 200);
  CHECK(r.json["to"] == 18);
  CHECK(r.json["to_root"] == crypto::ToHex(AsBytes(api.chain.ledger->head().log_root())));

  for (const std::string& query :
       std::vector<std::string>{"leaf=4&size=9", "leaf=4", "id=" + Code(api.chain.d1), "leaf=17&size=18"}) {
    r = api.Get("/v1/proofs/inclusion?" + query);
    REQUIRE_MESSAGE(r.status == 200, r.body);
    std::vector<Hash256> path;
    for (const Json& h : r.json["inclusion_path"]) path.push_back(HashHex(h));
    CHECK(crypto::VerifyMerkleInclusion(HashHex(r.json["leaf_hash"]), r.json["leaf_index"].get<std::uint64_t>(), r.json["log_size"].get<std::uint64_t>(), path,
                                        HashHex(r.json["log_root"])));
  }

  api.ExpectError(api.Get("/v1/proofs/consistency"), 400, "invalid_argument");
  api.ExpectError(api.Get("/v1/proofs/consistency?from=0&to=3"), 400, "invalid_argument");
  api.ExpectError(api.Get("/v1/proofs/consistency?from=5&to=4"), 400, "invalid_argument");
  api.ExpectError(api.Get("/v1/proofs/consistency?from=5&to=19"), 400, "out_of_range");
  api.ExpectError(api.Get("/v1/proofs/consistency?from=1e3"), 400, "invalid_argument");
  api.ExpectError(api.Get("/v1/proofs/inclusion?leaf=4&size=4"), 400, "invalid_argument");
  api.ExpectError(api.Get("/v1/proofs/inclusion?leaf=4&size=100"), 400, "out_of_range");
  api.ExpectError(api.Get("/v1/proofs/inclusion?leaf=18"), 404, "not_found");
  api.ExpectError(api.Get("/v1/proofs/inclusion"), 400, "invalid_argument");
  api.ExpectError(api.Get("/v1/proofs/inclusion?leaf=1&id=" + Code(api.chain.d1)), 400, "invalid_argument");
}

TEST_CASE("the genesis origin key row is proven against the head's certified state root") {
  const crypto::PublicKey group_key = Key(77).public_key;
  Api api(true, {}, group_key);
  const Reply r = api.Get("/v1/genesis/origin_key");
  REQUIRE_MESSAGE(r.status == 200, r.body);
  const pb::BlockHeader& head = api.chain.ledger->head();
  CHECK(head.height() > 0);
  CHECK(r.json["version"] == 1);
  CHECK(r.json["header"]["height"] == head.height());
  CHECK(r.json["block_hash"] == Hex(api.chain.ledger->head_hash()));
  CHECK(r.json["commit"]["signatures"].size() == 1);
  CHECK(r.json["txs"] == Json::array());
  CHECK(r.json["validator_transitions"] == Json::array());
  const std::string row(ledger::kOriginKeyRow);
  const std::string key_bytes(group_key.begin(), group_key.end());
  CHECK(r.json["records"] == Json::array({{{"key", crypto::ToHex(AsBytes(row))}, {"value", crypto::ToHex(group_key)}}}));

  auto proof = crypto::FromHex(r.json["state_proof"].get<std::string>());
  REQUIRE(proof.ok());
  Hash256 root{};
  std::copy(head.state_root().begin(), head.state_root().end(), root.begin());
  const std::vector<ledger::smt::Claim> honest{{row, key_bytes}};
  CHECK(ledger::smt::VerifyMultiProof(root, *proof, honest).ok());
  // Another key, or no key, is not what the certified state holds.
  const crypto::PublicKey other = Key(78).public_key;
  const std::vector<ledger::smt::Claim> swapped{{row, std::string(other.begin(), other.end())}};
  CHECK(ledger::smt::VerifyMultiProof(root, *proof, swapped).code() == "value_mismatch");
  const std::vector<ledger::smt::Claim> absent{{row, std::nullopt}};
  CHECK(ledger::smt::VerifyMultiProof(root, *proof, absent).code() == "value_mismatch");

  // The route takes no query parameters.
  api.ExpectError(api.Get("/v1/genesis/origin_key?height=1"), 400, "unknown_parameter");
  api.ExpectError(api.Get("/v1/genesis/origin_key?origin_key="), 400, "unknown_parameter");
}

TEST_CASE("the genesis origin key route answers no_origin_key on a chain without one") {
  Api api;
  api.ExpectError(api.Get("/v1/genesis/origin_key"), 400, "no_origin_key");
  api.ExpectError(api.Get("/v1/genesis/origin_key?x=1"), 400, "unknown_parameter");
}

TEST_CASE("the checkpoint names the head's log and carries its commit certificate") {
  Api api;
  const Reply r = api.Get("/v1/checkpoint");
  REQUIRE(r.status == 200);
  const pb::BlockHeader head = api.chain.ledger->head();
  CHECK(r.json["log_size"] == head.log_size());
  CHECK(r.json["height"] == head.height());
  CHECK(r.json["chain_id"] == kChainId);
  CHECK(r.json["log_root"] == crypto::ToHex(AsBytes(head.log_root())));
  pb::CommitCertificate commit;
  REQUIRE(ledger::JsonToMessage(r.json["commit"], &commit).ok());
  CHECK(ledger::VerifyCommitCertificate(commit, kChainId, head.height(), HashHex(r.json["block_hash"]),
                                        api.chain.genesis.validators).ok());
}

TEST_CASE("the checkpoint history pages through the blocks that grew the log, newest first") {
  Api api;
  // An empty block on top: it repeats the log size, so it is no checkpoint.
  api.chain.Commit({}, api.chain.ledger->head().time_ms() + kDayMs);
  const std::uint64_t head = api.chain.ledger->height();
  Reply r = api.Get("/v1/checkpoints");
  REQUIRE(r.status == 200);
  const Json all = r.json["checkpoints"];
  CHECK(r.json["next"].is_null());
  CHECK(r.json["scanned_blocks"] == head);  // heights head..1, never the genesis block
  std::vector<std::uint64_t> heights;
  std::uint64_t previous_size = UINT64_MAX;
  for (const Json& c : all) {
    heights.push_back(c["height"].get<std::uint64_t>());
    auto block = api.chain.ledger->Read()->Block(c["height"].get<std::uint64_t>());
    REQUIRE(block.has_value());
    CHECK(block->tx_count() > 0);
    CHECK(c["log_size"] == block->header().log_size());
    CHECK(c["log_root"] == crypto::ToHex(AsBytes(block->header().log_root())));
    CHECK(c["time_ms"] == block->header().time_ms());
    CHECK(c["tx_count"] == block->tx_count());
    REQUIRE(c["signers"].size() == 1);
    CHECK(c["signers"][0]["validator_index"] == 0);
    CHECK(c["signers"][0]["org_id"] == "bureau");
    CHECK(c["signers"][0]["cosigner_name"] == std::string("shanliu/") + kChainId + "/v0-bureau");
    CHECK(c["signed_power"] == 10);
    CHECK(c["total_power"] == 10);
    CHECK(c["log_size"].get<std::uint64_t>() < previous_size);  // one entry per log size
    previous_size = c["log_size"].get<std::uint64_t>();
  }
  CHECK(heights == std::vector<std::uint64_t>{5, 4, 3, 2, 1});
  CHECK(all[0]["log_size"] == api.chain.ledger->head().log_size());

  // Pages: `next` is the height to pass as `before`; together they are the whole list.
  r = api.Get("/v1/checkpoints?limit=2");
  REQUIRE(r.status == 200);
  CHECK(r.json["checkpoints"].size() == 2);
  CHECK(r.json["next"] == 4);
  r = api.Get("/v1/checkpoints?before=4&limit=100");
  CHECK(r.json["checkpoints"].size() == 3);
  CHECK(r.json["checkpoints"][0] == all[2]);
  CHECK(r.json["next"].is_null());
  r = api.Get("/v1/checkpoints?before=1");  // the boundary that passes: nothing below height 1
  REQUIRE(r.status == 200);
  CHECK(r.json["checkpoints"].empty());
  CHECK(r.json["next"].is_null());
  r = api.Get("/v1/checkpoints?before=18446744073709551615&limit=100");  // far above the head
  CHECK(r.json["checkpoints"] == all);
  CHECK(api.Get("/v1/checkpoints?limit=100").status == 200);

  api.ExpectError(api.Get("/v1/checkpoints?before=0"), 400, "invalid_argument");
  api.ExpectError(api.Get("/v1/checkpoints?limit=0"), 400, "invalid_argument");
  api.ExpectError(api.Get("/v1/checkpoints?limit=101"), 400, "invalid_argument");
  api.ExpectError(api.Get("/v1/checkpoints?before=-1"), 400, "invalid_argument");
  api.ExpectError(api.Get("/v1/checkpoints?before=18446744073709551616"), 400, "invalid_argument");
  api.ExpectError(api.Get("/v1/checkpoints?before=abc"), 400, "invalid_argument");
  api.ExpectError(api.Get("/v1/checkpoints?before=1&before=2"), 400, "invalid_query");
  api.ExpectError(api.Get("/v1/checkpoints?cursor=3"), 400, "unknown_parameter");
}

TEST_CASE("the node's audit status is served as the node's claim, ok or failed or not run") {
  Api api;
  Reply r = api.Get("/v1/audit");
  REQUIRE(r.status == 200);
  CHECK(r.json["claim"] == "node");
  CHECK(r.json["note"].get<std::string>().find("not a proof") != std::string::npos);
  CHECK(r.json["enabled"] == false);
  CHECK(r.json["last"].is_null());
  CHECK(r.json["head_height"] == 5);

  AuditStatusInfo info;
  info.enabled = true;
  info.runs = 3;
  info.every_blocks = 100;
  info.every_ms = 3'600'000;
  AuditRunInfo run;
  run.ran = true;
  run.started_ms = 1'000;
  run.finished_ms = 1'250;
  run.audited_height = 5;
  run.blocks_checked = 5;
  run.txs_checked = 18;
  run.log_size = 18;
  run.head_hash_hex = std::string(64, 'a');
  run.checks_passed = {"conservation", "trace_sums"};
  info.last = run;
  api.SetAudit(info);
  r = api.Get("/v1/audit");
  REQUIRE(r.status == 200);
  CHECK(r.json["enabled"] == true);
  CHECK(r.json["runs"] == 3);
  CHECK(r.json["schedule"]["every_blocks"] == 100);
  CHECK(r.json["schedule"]["every_ms"] == 3'600'000);
  const Json& last = r.json["last"];
  CHECK(last["result"] == "ok");
  CHECK(last["audited_height"] == 5);
  CHECK(last["duration_ms"] == 250);
  CHECK(last["txs_checked"] == 18);
  CHECK(last["failure"].is_null());
  CHECK(last["error"].is_null());
  CHECK(last["checks_passed"] == Json::array({"conservation", "trace_sums"}));

  run.failure = AuditFailureInfo{3, 1, std::string(64, 'b'), "execution", "", "", "the tx does not apply"};
  info.last = run;
  api.SetAudit(info);
  r = api.Get("/v1/audit");
  CHECK(r.json["last"]["result"] == "failed");
  CHECK(r.json["last"]["failure"]["check"] == "execution");
  CHECK(r.json["last"]["failure"]["height"] == 3);
  CHECK(r.json["last"]["failure"]["tx_index"] == 1);

  AuditRunInfo broken;
  broken.ran = false;
  broken.error_code = "io_error";
  broken.error_message = "cannot create a scratch directory";
  broken.started_ms = 10;
  broken.finished_ms = 5;  // a wall clock that stepped back: never a negative duration
  info.last = broken;
  api.SetAudit(info);
  r = api.Get("/v1/audit");
  CHECK(r.json["last"]["result"] == "error");
  CHECK(r.json["last"]["error"]["code"] == "io_error");
  CHECK(r.json["last"]["duration_ms"] == 0);
  CHECK_FALSE(r.json["last"].contains("audited_height"));

  api.ExpectError(api.Get("/v1/audit?verbose=1"), 400, "unknown_parameter");
  api.ExpectError(api.Call("POST", "/v1/audit", "{}"), 405, "method_not_allowed");
}

// ---------------------------------------------------------------- organisations and projects

TEST_CASE("organisations are listed and filtered and paged and detailed") {
  Api api;
  Reply r = api.Get("/v1/orgs");
  REQUIRE(r.status == 200);
  CHECK(r.json["orgs"].size() == 4);
  CHECK(r.json["next"].is_null());
  r = api.Get("/v1/orgs?kind=charity");
  REQUIRE(r.json["orgs"].size() == 1);
  CHECK(r.json["orgs"][0]["org_id"] == "charity-a");
  CHECK(r.json["orgs"][0]["status"] == "active");
  r = api.Get("/v1/orgs?limit=3");
  CHECK(r.json["orgs"].size() == 3);
  REQUIRE(r.json["next"].is_string());
  r = api.Get("/v1/orgs?limit=3&cursor=" + r.json["next"].get<std::string>());
  CHECK(r.json["orgs"].size() == 1);
  CHECK(r.json["next"].is_null());
  api.ExpectError(api.Get("/v1/orgs?kind=church"), 400, "invalid_argument");

  r = api.Get("/v1/orgs/charity-a?limit=2");
  REQUIRE(r.status == 200);
  CHECK(r.json["org"]["name_en"] == "Sunshine Charity");
  CHECK(r.json["org"]["kind"] == "charity");
  REQUIRE(r.json["accounts"].size() == 3);  // its own, its project's, the trust it holds
  CHECK(r.json["accounts"][0]["account"] == "org:charity-a");
  CHECK(r.json["accounts"][0]["flow"]["balance_fen"] == 15'000);
  CHECK(r.json["accounts"][1]["account"] == "project:elder-meals");
  CHECK(r.json["accounts"][2]["account"] == "trust:trust-a");
  CHECK(r.json["accounts"][2]["flow"]["balance_fen"] == 60'000);
  CHECK(r.json["projects"]["items"][0]["project_id"] == "elder-meals");
  CHECK(r.json["trusts"][0]["role"] == "trustee");
  CHECK(r.json["trusts"][0]["name_en"] == "Education trust");  // English mode shows English names
  REQUIRE(r.json["years"].size() == 2);
  CHECK(r.json["years"][0]["year"] == 2026);
  CHECK(r.json["years"][1]["income_fen"] == 140'000);
  CHECK(r.json["activity"]["items"].size() == 2);
  REQUIRE(r.json["activity"]["next"].is_number());
  const std::uint64_t next = r.json["activity"]["next"];
  r = api.Get("/v1/orgs/charity-a?limit=2&before=" + std::to_string(next));
  CHECK(r.json["activity"]["items"][0]["leaf"] < next);

  api.ExpectError(api.Get("/v1/orgs/nobody"), 404, "not_found");
  api.ExpectError(api.Get("/v1/orgs/BAD!"), 400, "invalid_argument");
  api.ExpectError(api.Get("/v1/orgs/" + std::string(41, 'a')), 400, "invalid_argument");
}

TEST_CASE("projects show budget and money raised and spending by category and trusts their flows") {
  Api api;
  Reply r = api.Get("/v1/projects/elder-meals");
  REQUIRE(r.status == 200);
  CHECK(r.json["budget_fen"] == 1'000'000);
  CHECK(r.json["donated_fen"] == 20'000);
  CHECK(r.json["allocated_fen"] == 100'000);
  CHECK(r.json["raised_fen"] == 120'000);
  CHECK(r.json["spent_fen"] == 100'000);
  CHECK(r.json["balance_fen"] == 20'000);
  CHECK(r.json["raised_pct_of_budget"] == 12.0);
  CHECK(r.json["owner"]["name_zh"] == "阳光慈善会");
  const Json& by_category = r.json["spending_by_category"];
  REQUIRE(by_category.size() == 5);
  CHECK(by_category[0] == Json{{"category", "material"}, {"name_zh", "物资"}, {"name_en", "Material"}, {"amount_fen", 70'000}});
  CHECK(by_category[1]["amount_fen"] == 30'000);
  CHECK(r.json["project"]["spec"]["region"] == "330106");
  CHECK(r.json["summary"]["region_name"] == "浙江省杭州市西湖区");
  CHECK(r.json["over_budget"] == false);
  CHECK(r.json["over_budget_fen"] == 0);
  CHECK(r.json["history"].empty());
  CHECK(r.json["history_count"] == 0);
  CHECK(r.json["activity"]["items"].size() >= 4);

  r = api.Get("/v1/projects?owner=charity-a");
  REQUIRE(r.json["projects"].size() == 1);
  CHECK(r.json["projects"][0]["spent_fen"] == 100'000);
  CHECK(r.json["projects"][0]["region_name"] == "浙江省杭州市西湖区");
  CHECK(api.Get("/v1/projects?category=education").json["projects"].empty());
  CHECK(api.Get("/v1/projects?category=elder-care").json["projects"].size() == 1);
  api.ExpectError(api.Get("/v1/projects?owner=A"), 400, "invalid_argument");
  api.ExpectError(api.Get("/v1/projects/none-such"), 404, "not_found");

  r = api.Get("/v1/trusts/trust-a");
  REQUIRE(r.status == 200);
  CHECK(r.json["trust"]["deposited_fen"] == 100'000);
  CHECK(r.json["trust"]["disbursed_fen"] == 40'000);
  CHECK(r.json["custodian_bank"]["org_id"] == "bank-a");
  CHECK(r.json["flow"]["balance_fen"] == 60'000);
  CHECK(api.Get("/v1/trusts").json["trusts"].size() == 1);
  api.ExpectError(api.Get("/v1/trusts/none-such"), 404, "not_found");
}

TEST_CASE("a project's updates show in its history and a budget below what was raised is flagged") {
  Api api;
  Reply r = api.Get("/v1/compliance?year=2026");
  REQUIRE(r.json["orgs"].size() == 1);
  CHECK(r.json["orgs"][0]["over_budget_projects"]["count"] == 0);
  CHECK(r.json["orgs"][0]["over_budget_projects"]["projects"].empty());

  // Raised 120 000 fen so far; the budget drops to 100 000 and the end moves a year later.
  Scenario& s = api.chain;
  const std::uint64_t old_end = kGenesisMs + 3 * 365 * kDayMs;
  pb::TxBody cut = s.Body();
  auto* u = cut.mutable_update_project();
  u->set_project_id("elder-meals");
  u->set_budget_fen(100'000);
  u->set_ends_at_ms(old_end + 365 * kDayMs);
  u->set_reason("fewer elders than planned");
  pb::TxBody text = s.Body();
  text.mutable_update_project()->set_project_id("elder-meals");
  text.mutable_update_project()->set_description("午餐与送餐上门");
  const auto ids = s.Commit({Scenario::Sign(cut, {&s.charity})}, kGenesisMs + 341 * kDayMs);
  const auto ids2 = s.Commit({Scenario::Sign(text, {&s.charity})}, kGenesisMs + 342 * kDayMs);

  r = api.Get("/v1/projects/elder-meals");
  REQUIRE(r.status == 200);
  CHECK(r.json["budget_fen"] == 100'000);
  CHECK(r.json["over_budget"] == true);
  CHECK(r.json["over_budget_fen"] == 20'000);
  CHECK(r.json["history_count"] == 2);
  const Json& history = r.json["history"];
  REQUIRE(history.size() == 2);
  CHECK(history[0]["description_changed"] == true);
  CHECK(history[0]["new_description"] == "午餐与送餐上门");
  CHECK(history[0]["budget_changed"] == false);
  CHECK(history[0]["tx_id"] == Hex(ids2[0]));
  CHECK(history[1]["budget_changed"] == true);
  CHECK(history[1]["old_budget_fen"] == 1'000'000);
  CHECK(history[1]["new_budget_fen"] == 100'000);
  CHECK(history[1]["ends_changed"] == true);
  CHECK(history[1]["old_ends_at_ms"] == old_end);
  CHECK(history[1]["new_ends_at_ms"] == old_end + 365 * kDayMs);
  CHECK(history[1]["reason"] == "fewer elders than planned");
  CHECK(history[1]["tx_id"] == Hex(ids[0]));
  CHECK(history[1]["time_ms"] == kGenesisMs + 341 * kDayMs);
  // The update is also in the project's activity, with its kind.
  CHECK(r.json["activity"]["items"][0]["kind"] == "update_project");

  r = api.Get("/v1/compliance?year=2026");
  REQUIRE(r.json["orgs"].size() == 1);
  const Json& flagged = r.json["orgs"][0]["over_budget_projects"];
  CHECK(flagged["count"] == 1);
  REQUIRE(flagged["projects"].size() == 1);
  CHECK(flagged["projects"][0] == Json{{"project_id", "elder-meals"},
                                       {"name_zh", "长者助餐"},
                                       {"budget_fen", 100'000},
                                       {"received_fen", 120'000},
                                       {"over_fen", 20'000}});
}

TEST_CASE("points by holder and disclosures and statistics and compliance indicators") {
  Api api;
  const std::string holder = crypto::ToHex(api.chain.holder.public_key);
  Reply r = api.Get("/v1/points/" + holder);
  REQUIRE(r.status == 200);
  CHECK(r.json["earned"] == 70);  // 50 for 500 yuan + 20 for two hours
  CHECK(r.json["redeemed"] == 3);
  CHECK(r.json["balance"] == 67);
  REQUIRE(r.json["history"]["items"].size() == 3);
  CHECK(r.json["history"]["items"][0]["kind"] == "redeem_points");
  CHECK(r.json["history"]["items"][0]["points"] == -3);
  CHECK(r.json["history"]["items"][1]["points"] == 20);
  CHECK(r.json["history"]["items"][2]["points"] == 50);
  // The time bank beside the points: the two hours of service are banked as minutes too.
  CHECK(r.json["minutes"]["balance"] == 120);
  CHECK(r.json["minutes"]["earned"] == 120);
  CHECK(r.json["history"]["items"][0]["entry"] == "spent");
  CHECK(r.json["history"]["items"][0]["minutes"] == 0);
  CHECK(r.json["history"]["items"][1]["entry"] == "earned");
  CHECK(r.json["history"]["items"][1]["minutes"] == 120);
  CHECK(r.json["history"]["items"][2]["entry"] == "earned");
  CHECK(r.json["moved_to"].is_null());
  r = api.Get("/v1/points/" + crypto::ToHex(api.chain.merchant.public_key));
  CHECK(r.json["balance"] == 0);
  CHECK(r.json["history"]["items"].empty());
  api.ExpectError(api.Get("/v1/points/abcd"), 400, "invalid_hex");

  r = api.Get("/v1/disclosures?org=charity-a");
  REQUIRE(r.status == 200);
  REQUIRE(r.json["disclosures"].size() == 1);
  CHECK(r.json["disclosures"][0]["type"] == "annual_report");
  CHECK(r.json["disclosures"][0]["period"] == "2025");
  CHECK(r.json["disclosures"][0]["project_id"] == "");
  api.ExpectError(api.Get("/v1/disclosures"), 400, "invalid_argument");
  api.ExpectError(api.Get("/v1/disclosures?org=ghost-org"), 404, "not_found");

  r = api.Get("/v1/stats");
  REQUIRE(r.status == 200);
  CHECK(r.json["stats"]["donation_count"] == 4);
  CHECK(r.json["stats"]["donated_fen"] == 110'000);
  CHECK(r.json["stats"]["refunded_fen"] == 10'000);
  CHECK(r.json["stats"]["tx_count"] == 18);
  CHECK(r.json["head"]["height"] == 5);
  CHECK(r.json["node"]["peers"] == 3);

  r = api.Get("/v1/compliance");
  REQUIRE(r.status == 200);
  CHECK(r.json["indicators_only"] == true);
  CHECK(r.json["year"] == 2026);
  CHECK(r.json["thresholds"]["min_charitable_spending_pct"] == 70);
  REQUIRE(r.json["orgs"].size() == 1);
  const Json& row = r.json["orgs"][0];
  CHECK(row["org_id"] == "charity-a");
  CHECK(row["previous_year_income_fen"] == 140'000);
  CHECK(row["charitable_spending_pct_of_previous_income"] == 21.4);
  CHECK(row["meets_min_charitable_spending"] == false);
  CHECK(row["admin_pct_of_spending"] == 14.3);
  CHECK(row["meets_max_admin"] == false);
  CHECK(row["disclosures"] == 1);
  r = api.Get("/v1/compliance?year=2025");
  CHECK(r.json["orgs"][0]["charitable_spending_pct_of_previous_income"].is_null());
  CHECK(r.json["orgs"][0]["admin_pct_of_spending"] == 0.0);
  api.ExpectError(api.Get("/v1/compliance?year=20250"), 400, "invalid_argument");
}

TEST_CASE("the genesis endpoint returns what a verifier checks commits against") {
  Api api;
  const Reply r = api.Get("/v1/genesis");
  REQUIRE(r.status == 200);
  auto parsed = ledger::ParseGenesis(r.json.dump());
  REQUIRE_MESSAGE(parsed.ok(), parsed.status().ToString());
  CHECK(parsed->chain_id == api.chain.genesis.chain_id);
  CHECK(parsed->validators_hash() == api.chain.genesis.validators_hash());
  CHECK(api.Call("POST", "/v1/genesis", "{}").status == 405);
}

// ---------------------------------------------------------------- operations and the route table

TEST_CASE("health and metrics and unknown routes") {
  Api api;
  Reply r = api.Get("/healthz");
  REQUIRE(r.status == 200);
  CHECK(r.json["status"] == "ok");
  CHECK(r.json["height"] == 5);
  api.Get("/v1/blocks/latest");
  api.Get("/v1/blocks/latest");
  r = api.Get("/metrics");
  REQUIRE(r.status == 200);
  CHECK(r.content_type.starts_with("text/plain"));
  CHECK(r.body.find("\nshanliu_height 5\n") != std::string::npos);
  CHECK(r.body.find("\nshanliu_txs_total 18\n") != std::string::npos);
  CHECK(r.body.find("\nshanliu_peers 3\n") != std::string::npos);
  CHECK(r.body.find("shanliu_mempool_txs ") != std::string::npos);
  CHECK(r.body.find("# TYPE shanliu_mempool_applied_total counter\nshanliu_mempool_applied_total 7\n") != std::string::npos);
  CHECK(r.body.find("shanliu_http_requests_total{route=\"/v1/blocks/latest\",code=\"200\"} 2") != std::string::npos);
  CHECK(r.body.find("shanliu_http_request_duration_seconds_bucket{route=\"/v1/blocks/latest\",le=\"+Inf\"} 2") !=
        std::string::npos);
  CHECK(r.body.find("# TYPE shanliu_http_request_duration_seconds histogram") != std::string::npos);

  api.ExpectError(api.Get("/v1/nothing-here"), 404, "not_found");
  api.ExpectError(api.Get("/v1"), 404, "not_found");
  api.ExpectError(api.Get("/v1/orgs/charity-a/extra"), 404, "not_found");
  const Reply wrong = api.Call("POST", "/v1/stats", "{}");
  api.ExpectError(wrong, 405, "method_not_allowed");
  api.ExpectError(api.Get("/healthz?verbose=1"), 400, "unknown_parameter");
}

TEST_CASE("every registered route is in the OpenAPI document with its query parameters") {
  Api api;
  const Reply r = api.Get("/v1/openapi.json");
  REQUIRE(r.status == 200);
  const Json& doc = r.json;
  CHECK(doc["openapi"].get<std::string>().starts_with("3."));
  CHECK(Json::parse(OpenApiDocument()) == doc);
  const std::vector<RouteInfo> routes = Routes();
  CHECK(routes.size() >= 25);
  for (const RouteInfo& route : routes) {
    INFO(route.method << " " << route.pattern);
    REQUIRE(doc["paths"].contains(route.pattern));
    std::string method = route.method;
    for (char& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    REQUIRE(doc["paths"][route.pattern].contains(method));
    const Json& op = doc["paths"][route.pattern][method];
    CHECK(op.contains("responses"));
    CHECK(op.contains("summary"));
    std::set<std::string> documented;
    auto collect = [&](const Json& params) {
      for (const Json& p : params) {
        const Json* param = &p;
        if (p.contains("$ref")) {
          // "#/components/parameters/Limit"
          const std::string ref = p["$ref"];
          param = &doc["components"]["parameters"][ref.substr(ref.rfind('/') + 1)];
        }
        if ((*param)["in"] == "query") documented.insert((*param)["name"].get<std::string>());
      }
    };
    if (op.contains("parameters")) collect(op["parameters"]);
    if (doc["paths"][route.pattern].contains("parameters")) collect(doc["paths"][route.pattern]["parameters"]);
    CHECK(documented == std::set<std::string>(route.query_params.begin(), route.query_params.end()));
  }
}

TEST_CASE("points show banked minutes spent, points exchanged and a move to a fresh key in the history") {
  Api api;
  Scenario& s = api.chain;
  pb::TxBody from_bank = s.Body();
  auto* e = from_bank.mutable_service_exchange();
  e->set_holder(Raw(s.holder.public_key));
  e->set_provider_org("charity-a");
  e->set_minutes(90);
  e->set_service("上门理发");
  pb::TxBody in_points = s.Body();
  auto* p = in_points.mutable_service_exchange();
  p->set_holder(Raw(s.holder.public_key));
  p->set_provider_org("shop-a");
  p->set_minutes(30);
  p->set_service("陪同就医");
  p->set_points(5);  // 30 minutes at the default 10 points per hour
  s.Commit({Scenario::Sign(from_bank, {&s.holder, &s.charity}), Scenario::Sign(in_points, {&s.merchant, &s.holder})},
           kGenesisMs + 345 * kDayMs);
  const crypto::KeyPair fresh = Key(77);
  pb::TxBody move = s.Body();
  move.mutable_move_points()->set_from_holder(Raw(s.holder.public_key));
  move.mutable_move_points()->set_to_holder(Raw(fresh.public_key));
  s.Commit({Scenario::Sign(move, {&s.holder, &fresh})}, kGenesisMs + 346 * kDayMs);

  Reply r = api.Get("/v1/points/" + crypto::ToHex(s.holder.public_key));
  REQUIRE(r.status == 200);
  CHECK(r.json["balance"] == 0);
  CHECK(r.json["points_exchanged"] == 5);
  CHECK(r.json["points_moved_out"] == 62);
  CHECK(r.json["minutes"] == Json{{"balance", 0}, {"earned", 120}, {"spent", 90}, {"moved_in", 0}, {"moved_out", 30}});
  CHECK(r.json["moved_to"] == crypto::ToHex(fresh.public_key));
  const Json& items = r.json["history"]["items"];
  REQUIRE(items.size() == 6);
  CHECK(items[0]["kind"] == "move_points");
  CHECK(items[0]["entry"] == "moved_out");
  CHECK(items[0]["points"] == -62);
  CHECK(items[0]["minutes"] == -30);
  CHECK(items[1]["entry"] == "exchanged");
  CHECK(items[1]["points"] == -5);
  CHECK(items[1]["minutes"] == 0);
  CHECK(items[2]["entry"] == "spent");
  CHECK(items[2]["points"] == 0);
  CHECK(items[2]["minutes"] == -90);

  r = api.Get("/v1/points/" + crypto::ToHex(fresh.public_key));
  CHECK(r.json["balance"] == 62);
  CHECK(r.json["points_moved_in"] == 62);
  CHECK(r.json["minutes"]["balance"] == 30);
  REQUIRE(r.json["history"]["items"].size() == 1);
  CHECK(r.json["history"]["items"][0]["entry"] == "moved_in");
  CHECK(r.json["history"]["items"][0]["points"] == 62);
  CHECK(r.json["history"]["items"][0]["minutes"] == 30);
}


TEST_CASE("an organisation shows a pending key recovery with its deadline, then the completed one") {
  Api api;
  Scenario& s = api.chain;
  const crypto::KeyPair fresh = Key(90);
  const Reply before = api.Get("/v1/orgs/charity-a");
  REQUIRE(before.status == 200);
  CHECK(before.json["org"]["pending_recovery"].is_null());
  CHECK(before.json["key_recoveries"] == Json::array());

  pb::TxBody request = s.Body();
  auto* r = request.mutable_request_key_recovery();
  r->set_org_id("charity-a");
  r->add_old_public_keys(std::string(s.charity.public_key.begin(), s.charity.public_key.end()));
  r->set_new_public_key(std::string(fresh.public_key.begin(), fresh.public_key.end()));
  r->set_reason("负责人离职，私钥遗失");
  const std::uint64_t asked_ms = s.ledger->head().time_ms() + kDayMs;
  const Hash256 request_id = s.Commit({Scenario::Sign(request, {&s.bureau})}, asked_ms).front();

  const Reply pending = api.Get("/v1/orgs/charity-a");
  REQUIRE(pending.status == 200);
  const Json& open = pending.json["org"]["pending_recovery"];
  CHECK(open["request_tx_id"] == crypto::ToHex(request_id));
  CHECK(open["deadline_ms"] == asked_ms + 7 * kDayMs);  // the default window, in block time
  REQUIRE(pending.json["key_recoveries"].size() == 1);
  const Json& rec = pending.json["key_recoveries"][0];
  CHECK(rec["status"] == "pending");
  CHECK(rec["bureau_org"] == "bureau");
  CHECK(rec["deadline_ms"] == asked_ms + 7 * kDayMs);
  CHECK(rec["request"]["new_public_key"] == crypto::ToHex(fresh.public_key));
  CHECK(rec["request"]["old_public_keys"][0] == crypto::ToHex(s.charity.public_key));
  CHECK(rec["request"]["reason"] == "负责人离职，私钥遗失");
  CHECK(rec["closed_tx_id"] == "");
  CHECK(pending.json["activity"]["items"][0]["kind"] == "request_key_recovery");
  // The list shows it too, and an organisation without one has null.
  const Reply list = api.Get("/v1/orgs?kind=charity");
  REQUIRE(list.status == 200);
  for (const Json& o : list.json["orgs"]) {
    CHECK(o["pending_recovery"].is_null() == (o["org_id"] != "charity-a"));
  }

  pb::TxBody complete = s.Body();
  complete.mutable_complete_key_recovery()->set_org_id("charity-a");
  complete.mutable_complete_key_recovery()->set_request_tx_id(Raw(request_id));
  const Hash256 complete_id = s.Commit({Scenario::Sign(complete, {&fresh})}, asked_ms + 7 * kDayMs).front();
  const Reply done = api.Get("/v1/orgs/charity-a");
  REQUIRE(done.status == 200);
  CHECK(done.json["org"]["pending_recovery"].is_null());
  CHECK(done.json["org"]["public_keys"][0] == crypto::ToHex(fresh.public_key));
  REQUIRE(done.json["key_recoveries"].size() == 1);
  CHECK(done.json["key_recoveries"][0]["status"] == "completed");
  CHECK(done.json["key_recoveries"][0]["closed_tx_id"] == crypto::ToHex(complete_id));
  CHECK(done.json["key_recoveries"][0]["closed_time_ms"] == asked_ms + 7 * kDayMs);
  CHECK(done.json["activity"]["items"][0]["kind"] == "complete_key_recovery");
}

}  // namespace
}  // namespace shanliu::api
