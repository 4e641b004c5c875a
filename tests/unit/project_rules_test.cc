// Projects and organisations (issue 13, part 3): credit codes, regions, categories, project
// updates and their history, gifts after a project's end. Each rule with the boundary that
// passes and the one that fails; a refused tx writes nothing.
#include <doctest/doctest.h>

#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/hash.h"
#include "shanliu/ledger/executor.h"
#include "shanliu/ledger/flow.h"
#include "shanliu/ledger/genesis.h"
#include "shanliu/ledger/registry_codes.h"
#include "test_chain.h"

using namespace shanliu;
using shanliu::testing::TestChain;
using shanliu::testing::TestCreditCode;
using shanliu::testing::TestKey;

namespace {

constexpr std::uint64_t kDayMs = 86'400'000;

std::string KeyStr(const crypto::KeyPair& k) { return std::string(k.public_key.begin(), k.public_key.end()); }

// Applies `tx` on a scratch overlay as the next block at `time_ms`: its status, and whether the
// overlay was left without a single write.
std::pair<Status, bool> ApplyAt(TestChain& c, const Bytes& tx, std::uint64_t time_ms) {
  auto view = c.ledger().Read();
  ledger::StateView overlay = view->NewOverlay();
  ledger::TxContext ctx{c.ledger().height() + 1, time_ms, c.ledger().head().log_size(), 0};
  Status s = ledger::ApplyTx(overlay, c.genesis(), c.Decode(tx), ctx);
  return {s, overlay.MergedWrites().empty()};
}

// Refused with `code` both on a scratch overlay (writing nothing) and as a block at `time_ms`
// (the head does not move). time_ms 0: one second after the head.
void ExpectRefused(TestChain& c, const Bytes& tx, const std::string& code, std::uint64_t time_ms = 0) {
  if (time_ms == 0) time_ms = c.ledger().head().time_ms() + 1000;
  auto [status, nothing_written] = ApplyAt(c, tx, time_ms);
  CHECK_MESSAGE(status.code() == code, status.ToString());
  CHECK(nothing_written);
  const Hash256 head_before = c.ledger().head_hash();
  CHECK(c.CommitBlock({tx}, time_ms).front().code() == code);
  CHECK(c.ledger().head_hash() == head_before);
}

Bytes RegisterTx(TestChain& c, const std::string& id, const std::string& credit_code, const crypto::KeyPair& key) {
  return c.MakeTx(
      [&](pb::TxBody& b) {
        auto* p = b.mutable_register_org();
        p->set_org_id(id);
        p->set_kind(pb::ORG_KIND_CHARITY);
        p->set_name_zh("新慈善");
        p->set_credit_code(credit_code);
        p->add_public_keys(KeyStr(key));
      },
      {&c.bureau});
}

struct ProjectSpec {
  std::string id = "relief";
  std::string region = "330106";
  std::string category = "disaster-relief";
  std::int64_t budget_fen = 1'000'000;
  std::uint64_t starts_at_ms = 0;
  std::uint64_t ends_at_ms = 0;
};

// Opened by the federation (a genesis org, so no registration is needed).
Bytes OpenTx(TestChain& c, const ProjectSpec& s) {
  return c.MakeTx(
      [&](pb::TxBody& b) {
        auto* p = b.mutable_open_project();
        p->set_project_id(s.id);
        p->set_owner_org("federation");
        p->set_name_zh("救灾项目");
        p->set_category(s.category);
        p->set_region(s.region);
        p->set_budget_fen(s.budget_fen);
        p->set_starts_at_ms(s.starts_at_ms);
        p->set_ends_at_ms(s.ends_at_ms);
        p->set_description("应急物资");
      },
      {&c.federation});
}

Bytes UpdateTx(TestChain& c, const std::string& id, const std::function<void(pb::UpdateProject&)>& fill,
               const crypto::KeyPair& signer) {
  return c.MakeTx(
      [&](pb::TxBody& b) {
        auto* u = b.mutable_update_project();
        u->set_project_id(id);
        fill(*u);
      },
      {&signer});
}

std::optional<pb::ProjectRecord> Project(TestChain& c, const std::string& id) {
  return c.ledger().Read()->Project(id);
}

}  // namespace

// ---------------------------------------------------------------- credit codes

TEST_CASE("credit code check characters follow GB 32100-2015") {
  // The standard's own worked example.
  CHECK(ledger::IsValidCreditCode("91350100M000100Y43"));
  CHECK_FALSE(ledger::IsValidCreditCode("91350100M000100Y44"));  // 18th character off by one
  CHECK_FALSE(ledger::IsValidCreditCode("91350100M000100Y33"));  // organisation code check off
  CHECK_FALSE(ledger::IsValidCreditCode("AAAAAAAAAAAAAAAAAA"));
  CHECK_FALSE(ledger::IsValidCreditCode("91350100M000100Y4"));    // 17 characters
  CHECK_FALSE(ledger::IsValidCreditCode("91350100M000100Y430"));  // 19
  CHECK_FALSE(ledger::IsValidCreditCode("91350100m000100y43"));   // lower case
  CHECK_FALSE(ledger::IsValidCreditCode(""));
  // I, O, S, V and Z are outside the alphabet, even where the sums would work out.
  for (char c : std::string("IOSVZ")) {
    std::string code = "91350100M000100Y43";
    code[8] = c;
    CHECK_FALSE(ledger::IsValidCreditCode(code));
  }
  // Every code the builder makes verifies, and changing any one character breaks it.
  for (std::uint64_t serial : {0ull, 1ull, 99'999'999ull, 123'456'789ull}) {
    const std::string code = ledger::MakeCreditCode("52", "330106", serial);
    REQUIRE(ledger::IsValidCreditCode(code));
    for (std::size_t i = 0; i < code.size(); ++i) {
      std::string changed = code;
      changed[i] = code[i] == '0' ? '1' : '0';
      CHECK_FALSE(ledger::IsValidCreditCode(changed));
    }
  }
}

TEST_CASE("RegisterOrg refuses a credit code whose check character fails, or one already used") {
  TestChain c;
  const auto key = TestKey("newcomer");
  const std::string good = ledger::MakeCreditCode("52", "330106", 424242);
  std::string bad = good;
  bad[17] = bad[17] == 'A' ? 'B' : 'A';
  ExpectRefused(c, RegisterTx(c, "newcomer", bad, key), "invalid_credit_code");
  ExpectRefused(c, RegisterTx(c, "newcomer", "AAAAAAAAAAAAAAAAAA", key), "invalid_credit_code");
  REQUIRE(c.Commit(RegisterTx(c, "newcomer", good, key)).ok());
  // The same code under another id, and a genesis organisation's code.
  ExpectRefused(c, RegisterTx(c, "copycat", good, TestKey("copycat")), "duplicate_credit_code");
  const std::string federation_code = c.genesis().organisations[1].credit_code;
  ExpectRefused(c, RegisterTx(c, "copycat", federation_code, TestKey("copycat")), "duplicate_credit_code");
  // A code one serial away is another organisation's.
  CHECK(c.Commit(RegisterTx(c, "neighbour", ledger::MakeCreditCode("52", "330106", 424243), TestKey("neighbour")))
            .ok());
}

TEST_CASE("genesis refuses invalid and duplicate credit codes") {
  const std::string key1 = crypto::ToHex(TestKey("bureau").public_key);
  const std::string key2 = crypto::ToHex(TestKey("federation").public_key);
  auto genesis = [&](const std::string& code1, const std::string& code2) {
    return R"({"chain_id": "test-chain", "genesis_time_ms": 1767225600000, "organisations": [
        {"org_id": "bureau", "kind": "bureau", "name_zh": "民政局", "credit_code": ")" + code1 +
           R"(", "public_keys": [")" + key1 + R"("]},
        {"org_id": "federation", "kind": "federation", "name_zh": "慈善总会", "credit_code": ")" + code2 +
           R"(", "public_keys": [")" + key2 + R"("]}],
        "validators": [{"org_id": "bureau", "public_key": ")" + key1 + R"("}]})";
  };
  const std::string a = ledger::MakeCreditCode("11", "330106", 1);
  const std::string b = ledger::MakeCreditCode("51", "330106", 2);
  CHECK(ledger::ParseGenesis(genesis(a, b)).ok());
  auto dup = ledger::ParseGenesis(genesis(a, a));
  CHECK(dup.status().code() == "invalid_genesis");
  CHECK(dup.status().message().find("two organisations") != std::string::npos);
  std::string wrong = b;
  wrong[17] = wrong[17] == '0' ? '1' : '0';
  auto invalid = ledger::ParseGenesis(genesis(a, wrong));
  CHECK(invalid.status().code() == "invalid_genesis");
  CHECK(invalid.status().message().find("check character") != std::string::npos);
  CHECK(ledger::ParseGenesis(genesis(a, "AAAAAAAAAAAAAAAAAA")).status().code() == "invalid_genesis");
}

// ---------------------------------------------------------------- regions and categories

TEST_CASE("the GB/T 2260 list is compiled in, with full names") {
  CHECK(ledger::RegionCount() > 2900);
  CHECK(ledger::RegionCount() < 3300);
  CHECK(ledger::RegionName("330106") == std::optional<std::string_view>("浙江省杭州市西湖区"));
  CHECK(ledger::RegionName("110101") == std::optional<std::string_view>("北京市东城区"));
  CHECK(ledger::RegionName("441900") == std::optional<std::string_view>("广东省东莞市"));  // no counties
  CHECK_FALSE(ledger::RegionName("330100"));   // a prefecture, not a county
  CHECK_FALSE(ledger::RegionName("330000"));   // a province
  CHECK_FALSE(ledger::RegionName("330199"));   // unassigned
  CHECK_FALSE(ledger::RegionName("33010"));    // five digits
  CHECK_FALSE(ledger::RegionName("3301060"));  // seven
  CHECK_FALSE(ledger::RegionName("33010a"));
  CHECK_FALSE(ledger::RegionName("火星"));
  CHECK_FALSE(ledger::RegionName(""));
  CHECK_FALSE(ledger::RegionName("000000"));
  CHECK_FALSE(ledger::RegionName("999999"));
}

TEST_CASE("OpenProject takes a listed region code and a genesis category") {
  TestChain c;
  const std::uint64_t end = c.genesis().genesis_time_ms + 365 * kDayMs;
  for (const std::string& region : {std::string("火星"), std::string("浙江省杭州市西湖区"), std::string("330100"),
                                    std::string("33010"), std::string()}) {
    CAPTURE(region);
    ExpectRefused(c, OpenTx(c, {.region = region, .ends_at_ms = end}), "unknown_region");
  }
  for (const std::string& category : {std::string("space"), std::string("Elder-care"), std::string("elder_care")}) {
    CAPTURE(category);
    ExpectRefused(c, OpenTx(c, {.category = category, .ends_at_ms = end}), "unknown_category");
  }
  CHECK(c.Commit(OpenTx(c, {.region = "330106", .category = "elder-care", .ends_at_ms = end})).ok());
  CHECK(c.Commit(OpenTx(c, {.id = "mountain", .region = "659001", .category = "other", .ends_at_ms = end})).ok());
}

TEST_CASE("project categories come from genesis") {
  TestChain c([](ledger::Genesis& g) { g.params.project_categories = {"flood-relief"}; });
  const std::uint64_t end = c.genesis().genesis_time_ms + 365 * kDayMs;
  ExpectRefused(c, OpenTx(c, {.category = "elder-care", .ends_at_ms = end}), "unknown_category");
  CHECK(c.Commit(OpenTx(c, {.category = "flood-relief", .ends_at_ms = end})).ok());
}

TEST_CASE("genesis project_categories: default, parsed, validated, round-tripped") {
  const std::string key = crypto::ToHex(TestKey("bureau").public_key);
  const std::string head = R"({"chain_id": "test-chain", "genesis_time_ms": 1767225600000, "organisations": [
      {"org_id": "bureau", "kind": "bureau", "name_zh": "民政局", "credit_code": ")" +
                           ledger::MakeCreditCode("11", "330106", 7) + R"(", "public_keys": [")" + key + R"("]}],
      "validators": [{"org_id": "bureau", "public_key": ")" + key + R"("}])";
  auto parse = [&](const std::string& params) { return ledger::ParseGenesis(head + params + "}"); };
  auto plain = parse("");
  REQUIRE(plain.ok());
  CHECK(plain->params.project_categories == ledger::GenesisParams::DefaultProjectCategories());
  for (const char* c : {"elder-care", "children", "disaster-relief", "medical-aid", "education"}) {
    CHECK(plain->params.IsProjectCategory(c));
  }
  auto custom = parse(R"(, "parameters": {"project_categories": ["abc", "flood-relief"]})");
  REQUIRE(custom.ok());
  CHECK(custom->params.project_categories == std::vector<std::string>{"abc", "flood-relief"});
  CHECK_FALSE(custom->params.IsProjectCategory("elder-care"));
  auto again = ledger::ParseGenesis(ledger::GenesisToJson(*custom));
  REQUIRE(again.ok());
  CHECK(again->params.project_categories == custom->params.project_categories);
  std::string many = R"(, "parameters": {"project_categories": [)";
  for (int i = 0; i < 64; ++i) many += (i ? ",\"c" : "\"c") + std::to_string(100 + i) + "\"";
  CHECK(parse(many + "]}").ok());  // 64: the most allowed
  for (const std::string& bad :
       {std::string(R"([])"), std::string(R"(["ab"])"), std::string(R"(["abc", "abc"])"), std::string(R"(["Abc"])"),
        std::string(R"("abc")"), std::string(R"([1])"), many.substr(many.find('[')) + ",\"c999\"]"}) {
    CAPTURE(bad);
    CHECK(parse(R"(, "parameters": {"project_categories": )" + bad + "}").status().code() == "invalid_genesis");
  }
}

// ---------------------------------------------------------------- gifts after the end

TEST_CASE("gifts into a project are refused after its last millisecond") {
  TestChain c;
  const std::uint64_t now = c.ledger().head().time_ms();
  const std::uint64_t end = now + 600'000;
  REQUIRE(c.Commit(OpenTx(c, {.starts_at_ms = now, .ends_at_ms = end})).ok());
  REQUIRE(c.Commit(c.DonationTx("org:federation", 50'000, c.federation)).ok());

  // Donation: at exactly ends_at_ms it is still inside the term; a millisecond later it is not.
  CHECK(ApplyAt(c, c.DonationTx("project:relief", 100, c.federation), end).first.ok());
  ExpectRefused(c, c.DonationTx("project:relief", 100, c.federation), "project_ended", end + 1);
  // Transfer from the owner's general fund.
  CHECK(ApplyAt(c, c.TransferTx("org:federation", "project:relief", 100, c.federation), end).first.ok());
  ExpectRefused(c, c.TransferTx("org:federation", "project:relief", 100, c.federation), "project_ended", end + 1);
  // The general fund still takes gifts.
  CHECK(ApplyAt(c, c.DonationTx("org:federation", 100, c.federation), end + 1).first.ok());
  // 30 days later, as in the issue (signed then, so the tx itself has not expired).
  c.signing_time_ms = end + 30 * kDayMs;
  ExpectRefused(c, c.DonationTx("project:relief", 100, c.federation), "project_ended", end + 30 * kDayMs);
}

TEST_CASE("a trust disbursement into an ended project is refused") {
  TestChain c;
  const std::uint64_t now = c.ledger().head().time_ms();
  const std::uint64_t end = now + 600'000;
  REQUIRE(c.Commit(OpenTx(c, {.starts_at_ms = now, .ends_at_ms = end})).ok());
  REQUIRE(c.Commit(c.MakeTx(
                        [&](pb::TxBody& b) {
                          auto* t = b.mutable_open_trust();
                          t->set_trust_id("relief-trust");
                          t->set_name_zh("救灾信托");
                          t->set_trustee_org("federation");
                          t->set_custodian_bank("bank-1");
                        },
                        {&c.bureau}))
              .ok());
  REQUIRE(c.Commit(c.MakeTx(
                        [&](pb::TxBody& b) {
                          auto* t = b.mutable_trust_deposit();
                          t->set_trust_id("relief-trust");
                          t->set_amount_fen(10'000);
                          const Hash256 ref = crypto::Sha256(AsBytes("settlor"));
                          t->set_settlor_ref(std::string(ref.begin(), ref.end()));
                        },
                        {&c.bank}))
              .ok());
  auto disburse = c.MakeTx(
      [&](pb::TxBody& b) {
        auto* t = b.mutable_trust_disbursement();
        t->set_trust_id("relief-trust");
        t->set_to_account("project:relief");
        t->set_amount_fen(1'000);
      },
      {&c.federation, &c.bank});
  CHECK(ApplyAt(c, disburse, end).first.ok());
  ExpectRefused(c, disburse, "project_ended", end + 1);
}

TEST_CASE("gifts beyond the budget are accepted") {
  TestChain c;
  const std::uint64_t now = c.ledger().head().time_ms();
  REQUIRE(c.Commit(OpenTx(c, {.budget_fen = 10'000, .starts_at_ms = now, .ends_at_ms = now + 365 * kDayMs})).ok());
  REQUIRE(c.Commit(c.DonationTx("project:relief", 10'000, c.federation)).ok());  // exactly the budget
  REQUIRE(c.Commit(c.DonationTx("project:relief", 50'000, c.federation)).ok());  // 500 % over
  auto p = Project(c, "relief");
  REQUIRE(p);
  CHECK(p->donated_fen() == 60'000);
  CHECK(p->spec().budget_fen() == 10'000);
}

// ---------------------------------------------------------------- UpdateProject

TEST_CASE("UpdateProject: only the owner, only open projects, only real changes") {
  TestChain c;
  const std::uint64_t now = c.ledger().head().time_ms();
  const std::uint64_t end = now + 30 * kDayMs;
  REQUIRE(c.Commit(OpenTx(c, {.starts_at_ms = now, .ends_at_ms = end})).ok());
  const auto charity = TestKey("charity");
  REQUIRE(c.RegisterOrg("charity", pb::ORG_KIND_CHARITY, charity).ok());
  auto budget = [](std::int64_t fen) { return [fen](pb::UpdateProject& u) { u.set_budget_fen(fen); }; };

  ExpectRefused(c, UpdateTx(c, "relief", budget(2'000'000), charity), "wrong_signer");
  ExpectRefused(c, UpdateTx(c, "nowhere", budget(2'000'000), c.federation), "unknown_project");
  // The same values again change nothing.
  ExpectRefused(c, UpdateTx(c, "relief", budget(1'000'000), c.federation), "no_change");
  ExpectRefused(c, UpdateTx(c, "relief", [&](pb::UpdateProject& u) { u.set_ends_at_ms(end); }, c.federation),
                "no_change");
  ExpectRefused(c, UpdateTx(c, "relief", [](pb::UpdateProject& u) { u.set_description("应急物资"); }, c.federation),
                "no_change");
  CHECK(c.Commit(UpdateTx(c, "relief", budget(2'000'000), c.federation)).ok());
  CHECK(Project(c, "relief")->spec().budget_fen() == 2'000'000);

  // A closed project is history: no more updates.
  REQUIRE(c.Commit(c.MakeTx([](pb::TxBody& b) { b.mutable_close_project()->set_project_id("relief"); },
                            {&c.federation}))
              .ok());
  ExpectRefused(c, UpdateTx(c, "relief", budget(3'000'000), c.federation), "project_closed");
}

TEST_CASE("UpdateProject end date: later only, never before the block time") {
  TestChain c;
  const std::uint64_t now = c.ledger().head().time_ms();
  const std::uint64_t end = now + 600'000;
  REQUIRE(c.Commit(OpenTx(c, {.starts_at_ms = now, .ends_at_ms = end})).ok());
  auto extend = [&](std::uint64_t to) {
    return UpdateTx(c, "relief", [to](pb::UpdateProject& u) { u.set_ends_at_ms(to); }, c.federation);
  };
  ExpectRefused(c, extend(end - 1), "invalid_end_date");  // shorter
  // The project ended; an extension to a time already past is refused, to the block time itself is not.
  const std::uint64_t block_time = end + kDayMs;
  c.signing_time_ms = block_time;
  ExpectRefused(c, c.DonationTx("project:relief", 100, c.federation), "project_ended", block_time);
  ExpectRefused(c, extend(block_time - 1), "invalid_end_date", block_time);
  CHECK(ApplyAt(c, extend(block_time), block_time).first.ok());
  // Extended by 90 days: gifts are welcome again.
  REQUIRE(c.CommitBlock({extend(block_time + 90 * kDayMs)}, block_time).front().ok());
  CHECK(Project(c, "relief")->spec().ends_at_ms() == block_time + 90 * kDayMs);
  CHECK(c.Commit(c.DonationTx("project:relief", 100, c.federation)).ok());
}

TEST_CASE("UpdateProject history keeps each change with its old and new value") {
  TestChain c;
  const std::uint64_t now = c.ledger().head().time_ms();
  const std::uint64_t end = now + 30 * kDayMs;
  REQUIRE(c.Commit(OpenTx(c, {.budget_fen = 100'000, .starts_at_ms = now, .ends_at_ms = end})).ok());
  REQUIRE(c.Commit(c.DonationTx("project:relief", 80'000, c.federation)).ok());
  // A budget below what was already received is allowed (compliance flags it).
  REQUIRE(c.Commit(UpdateTx(c, "relief", [](pb::UpdateProject& u) {
                     u.set_budget_fen(50'000);
                     u.set_reason("物资价格下降");
                   }, c.federation))
              .ok());
  REQUIRE(c.Commit(UpdateTx(c, "relief", [&](pb::UpdateProject& u) {
                     u.set_description("应急物资与心理援助");
                     u.set_ends_at_ms(end + 60 * kDayMs);
                   }, c.federation))
              .ok());
  auto view = c.ledger().Read();
  auto p = view->Project("relief");
  REQUIRE(p);
  CHECK(p->update_count() == 2);
  CHECK(p->spec().description() == "应急物资与心理援助");
  CHECK(p->spec().budget_fen() == 50'000);
  const auto history = view->ProjectUpdates("relief", 10);
  REQUIRE(history.size() == 2);
  // Newest first.
  CHECK(history[0].description_changed());
  CHECK(history[0].old_description() == "应急物资");
  CHECK(history[0].ends_changed());
  CHECK(history[0].old_ends_at_ms() == end);
  CHECK(history[0].new_ends_at_ms() == end + 60 * kDayMs);
  CHECK_FALSE(history[0].budget_changed());
  CHECK(history[1].budget_changed());
  CHECK(history[1].old_budget_fen() == 100'000);
  CHECK(history[1].new_budget_fen() == 50'000);
  CHECK(history[1].reason() == "物资价格下降");
  CHECK_FALSE(history[1].description_changed());
  CHECK(history[0].leaf() > history[1].leaf());
  CHECK(view->TxByLeaf(history[0].leaf())->body.has_update_project());
  CHECK(view->ProjectUpdates("relief", 1).size() == 1);
  CHECK(view->ProjectUpdates("relie", 10).empty());  // a shorter id sharing the prefix
}
