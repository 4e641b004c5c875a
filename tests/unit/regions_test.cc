// Regions (docs/regions.md): codes at four levels, streets and populations in genesis and by
// bureau txs with every bad input refused, organisations placed and moved with their history
// kept, the region figures kept at commit against a recount from the log of a random chain
// (an organisation moving mid-year included), and the dashboard endpoints.
#include <doctest/doctest.h>

#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <tuple>

#include "shanliu/api/http_client.h"
#include "shanliu/api/server.h"
#include "shanliu/bytes.h"
#include "shanliu/ledger/genesis.h"
#include "shanliu/ledger/regions.h"
#include "shanliu/ledger/tx.h"
#include "test_chain.h"

using namespace shanliu;
using shanliu::testing::ExpectRejected;
using shanliu::testing::TestChain;
using shanliu::testing::TestKey;
using Json = nlohmann::json;
namespace regions = shanliu::ledger::regions;

namespace {

std::pair<std::uint32_t, std::uint32_t> YearMonthOf(std::uint64_t time_ms) {
  using namespace std::chrono;
  const year_month_day d(floor<days>(sys_time<milliseconds>(milliseconds(time_ms) + hours(8))));
  return {static_cast<std::uint32_t>(static_cast<int>(d.year())), static_cast<unsigned>(d.month())};
}

ledger::GenesisStreet Beishan() { return {"330106001", "北山街道"}; }

// Genesis with a street in 西湖区 and populations for the district, the city and the street.
void RegionGenesis(ledger::Genesis& g) {
  g.streets = {Beishan()};
  g.populations = {{"330106", 2026, 1'135'000}, {"3301", 2026, 12'524'000}, {"330106001", 2026, 40'000}};
}

Bytes PopulationTx(TestChain& c, const std::string& region, std::uint32_t year, std::uint64_t population,
                   const crypto::KeyPair& signer) {
  return c.MakeTx(
      [&](pb::TxBody& b) {
        auto* p = b.mutable_region_population();
        p->set_region(region);
        p->set_year(year);
        p->set_population(population);
      },
      {&signer});
}

Bytes StreetTx(TestChain& c, const std::string& code, const crypto::KeyPair& signer) {
  return c.MakeTx(
      [&](pb::TxBody& b) {
        b.mutable_register_street()->set_code(code);
        b.mutable_register_street()->set_name_zh("灵隐街道");
      },
      {&signer});
}

Bytes RegisterTx(TestChain& c, const std::string& id, const crypto::KeyPair& key, const std::string& region) {
  return c.MakeTx(
      [&](pb::TxBody& b) {
        auto* p = b.mutable_register_org();
        p->set_org_id(id);
        p->set_kind(pb::ORG_KIND_CHARITY);
        p->set_name_zh("某某慈善会");
        p->set_credit_code(testing::TestCreditCode("53", id));
        p->add_public_keys(std::string(key.public_key.begin(), key.public_key.end()));
        p->add_account_banks("bank-1");
        p->set_region(region);
      },
      {&c.bureau});
}

Bytes MoveTx(TestChain& c, const std::string& org, const std::string& region) {
  return c.MakeTx(
      [&](pb::TxBody& b) {
        auto* p = b.mutable_update_org();
        p->set_org_id(org);
        p->set_status(pb::ORG_STATUS_ACTIVE);
        p->set_reason("办公地点迁址");
        p->set_region(region);
      },
      {&c.bureau});
}

Bytes ProjectTx(TestChain& c, const std::string& id, const std::string& owner, const crypto::KeyPair& key,
                const std::string& region, const std::string& category, std::int64_t budget_fen) {
  return c.MakeTx(
      [&](pb::TxBody& b) {
        auto* p = b.mutable_open_project();
        p->set_project_id(id);
        p->set_owner_org(owner);
        p->set_name_zh("社区助老");
        p->set_category(category);
        p->set_region(region);
        p->set_budget_fen(budget_fen);
        p->set_starts_at_ms(c.genesis().genesis_time_ms);
        p->set_ends_at_ms(c.genesis().genesis_time_ms + 86'400'000ull * 800);
      },
      {&key});
}

}  // namespace

// ---------------------------------------------------------------- codes

TEST_CASE("region codes parse at four levels and the six-digit province and city forms map up") {
  CHECK(regions::ParseCode("33")->level == regions::Level::kProvince);
  CHECK(regions::ParseCode("3301")->level == regions::Level::kCity);
  CHECK(regions::ParseCode("330106")->level == regions::Level::kCounty);
  CHECK(regions::ParseCode("330106001")->level == regions::Level::kStreet);
  CHECK(regions::ParseCode("330000")->digits == "33");
  CHECK(regions::ParseCode("330100")->digits == "3301");
  CHECK(regions::StandardCode(*regions::ParseCode("33")) == "330000");
  CHECK(regions::StandardCode(*regions::ParseCode("3301")) == "330100");
  for (const char* bad : {"", "3", "333", "33010", "3301061", "33010600", "3301060011", "33a1", " 33", "３３",
                          "-33", "330106\n"}) {
    CAPTURE(bad);
    CHECK_FALSE(regions::ParseCode(bad).has_value());
  }
  CHECK(regions::ParseLevel("street") == regions::Level::kStreet);
  CHECK_FALSE(regions::ParseLevel("Street").has_value());
}

TEST_CASE("known regions and their names come from the GB/T 2260 list and the chain's streets") {
  TestChain c(RegionGenesis);
  auto view = c.ledger().Read();
  const ledger::StateView& s = view->state();
  CHECK(*regions::DisplayName(s, *regions::ParseCode("33")) == "浙江省");
  CHECK(*regions::DisplayName(s, *regions::ParseCode("3301")) == "浙江省杭州市");
  CHECK(*regions::DisplayName(s, *regions::ParseCode("330106")) == "浙江省杭州市西湖区");
  CHECK(*regions::DisplayName(s, *regions::ParseCode("330106001")) == "浙江省杭州市西湖区北山街道");
  CHECK(*regions::DisplayName(s, *regions::ParseCode("11")) == "北京市");
  // Codes of the right shape that name nothing.
  for (const char* unknown : {"99", "3399", "330199", "330106002", "000000"}) {
    CAPTURE(unknown);
    auto code = regions::ParseCode(unknown);
    REQUIRE(code.has_value());
    CHECK_FALSE(regions::IsKnown(s, *code));
  }
  // Only counties and registered streets are places; a province or city form is not.
  CHECK(regions::IsPlaceable(s, "330106"));
  CHECK(regions::IsPlaceable(s, "330106001"));
  CHECK_FALSE(regions::IsPlaceable(s, "330100"));
  CHECK_FALSE(regions::IsPlaceable(s, "3301"));
  CHECK_FALSE(regions::IsPlaceable(s, "330106002"));
  CHECK(regions::Population(s, "3301", 2026)->population() == 12'524'000);
  CHECK_FALSE(regions::Population(s, "3301", 2027).has_value());
}

// ---------------------------------------------------------------- genesis

TEST_CASE("genesis streets, populations and organisation regions round-trip and refuse bad input") {
  TestChain c(RegionGenesis);
  ledger::Genesis g = c.genesis();
  g.organisations[1].region = "330106001";
  const std::string text = ledger::GenesisToJson(g);
  auto parsed = ledger::ParseGenesis(text);
  REQUIRE(parsed.ok());
  CHECK(ledger::GenesisToJson(*parsed) == text);
  CHECK(parsed->organisations[1].region == "330106001");
  REQUIRE(parsed->populations.size() == 3);

  const Json base = Json::parse(text);
  auto refused = [&](const std::function<void(Json&)>& edit) {
    Json j = base;
    edit(j);
    auto r = ledger::ParseGenesis(j.dump());
    CHECK_FALSE(r.ok());
    if (!r.ok()) CHECK(r.status().code() == "invalid_genesis");
  };
  refused([](Json& j) { j["populations"][0]["population"] = 0; });
  refused([](Json& j) { j["populations"][0]["population"] = 2'000'000'001; });
  refused([](Json& j) { j["populations"][0]["population"] = -1; });
  refused([](Json& j) { j["populations"][0]["year"] = 1999; });
  refused([](Json& j) { j["populations"][0]["year"] = 2101; });
  refused([](Json& j) { j["populations"][0]["region"] = "330199"; });
  refused([](Json& j) { j["populations"][0]["region"] = "330106009"; });  // no such street
  refused([](Json& j) { j["populations"][0]["region"] = "33a"; });
  refused([](Json& j) { j["populations"].push_back(j["populations"][0]); });  // twice for a year
  refused([](Json& j) { j["populations"][0]["extra"] = 1; });
  refused([](Json& j) { j["streets"][0]["code"] = "330199001"; });          // county not on the list
  refused([](Json& j) { j["streets"][0]["code"] = "33010600"; });
  refused([](Json& j) { j["streets"][0]["name_zh"] = ""; });
  refused([](Json& j) { j["streets"].push_back(j["streets"][0]); });
  refused([](Json& j) { j["streets"] = "330106001"; });
  refused([](Json& j) { j["organisations"][1]["region"] = "3301"; });      // a city is not a place
  refused([](Json& j) { j["organisations"][1]["region"] = "330199"; });
  refused([](Json& j) { j["organisations"][1]["region"] = "330106002"; });
}

// ---------------------------------------------------------------- rules

TEST_CASE("RegionPopulation is the bureau's and refuses population 0, unknown regions and years out of range") {
  TestChain c(RegionGenesis);
  const crypto::KeyPair alpha = TestKey("alpha");
  REQUIRE(c.RegisterOrg("alpha", pb::ORG_KIND_CHARITY, alpha).ok());
  ExpectRejected(c, PopulationTx(c, "330106", 2026, 0, c.bureau), "invalid_population");
  ExpectRejected(c, PopulationTx(c, "330106", 2026, 2'000'000'001, c.bureau), "invalid_population");
  ExpectRejected(c, PopulationTx(c, "330106", 1999, 1'000, c.bureau), "invalid_year");
  ExpectRejected(c, PopulationTx(c, "330106", 2101, 1'000, c.bureau), "invalid_year");
  ExpectRejected(c, PopulationTx(c, "330199", 2026, 1'000, c.bureau), "unknown_region");
  ExpectRejected(c, PopulationTx(c, "99", 2026, 1'000, c.bureau), "unknown_region");
  ExpectRejected(c, PopulationTx(c, "330106009", 2026, 1'000, c.bureau), "unknown_region");
  ExpectRejected(c, PopulationTx(c, "330106", 2026, 1'000, alpha), "wrong_signer");
  // Malformed codes never reach the state machine.
  for (const char* bad : {"3", "330", "33010", "3301060", "abcdef", ""}) {
    CAPTURE(bad);
    auto decoded = ledger::DecodeTx(PopulationTx(c, bad, 2026, 1'000, c.bureau), c.genesis().chain_id);
    CHECK_FALSE(decoded.ok());
  }
  // Boundaries pass, and a revised figure replaces the earlier one.
  REQUIRE(c.Commit(PopulationTx(c, "330106", 2000, 1, c.bureau)).ok());
  REQUIRE(c.Commit(PopulationTx(c, "33", 2100, 2'000'000'000, c.bureau)).ok());
  REQUIRE(c.Commit(PopulationTx(c, "330106", 2026, 1'140'000, c.bureau)).ok());
  auto view = c.ledger().Read();
  CHECK(regions::Population(view->state(), "330106", 2000)->population() == 1);
  CHECK(regions::Population(view->state(), "33", 2100)->population() == 2'000'000'000);
  CHECK(regions::Population(view->state(), "330106", 2026)->population() == 1'140'000);
  CHECK(regions::Population(view->state(), "330106", 2026)->height() > 0);
}

TEST_CASE("RegisterStreet names a street once, below a listed county, signed by the bureau") {
  TestChain c(RegionGenesis);
  const crypto::KeyPair alpha = TestKey("alpha");
  REQUIRE(c.RegisterOrg("alpha", pb::ORG_KIND_CHARITY, alpha).ok());
  ExpectRejected(c, StreetTx(c, "330199001", c.bureau), "unknown_region");
  ExpectRejected(c, StreetTx(c, "330106001", c.bureau), "already_exists");  // genesis named it
  ExpectRejected(c, StreetTx(c, "330106002", alpha), "wrong_signer");
  CHECK_FALSE(ledger::DecodeTx(StreetTx(c, "33010600", c.bureau), c.genesis().chain_id).ok());
  CHECK_FALSE(ledger::DecodeTx(StreetTx(c, "33010600a", c.bureau), c.genesis().chain_id).ok());
  // Until it is registered, nothing may be placed there.
  ExpectRejected(c, PopulationTx(c, "330106002", 2026, 30'000, c.bureau), "unknown_region");
  ExpectRejected(c, RegisterTx(c, "beta", TestKey("beta"), "330106002"), "unknown_region");
  REQUIRE(c.Commit(StreetTx(c, "330106002", c.bureau)).ok());
  REQUIRE(c.Commit(PopulationTx(c, "330106002", 2026, 30'000, c.bureau)).ok());
  REQUIRE(c.Commit(RegisterTx(c, "beta", TestKey("beta"), "330106002")).ok());
  auto view = c.ledger().Read();
  CHECK(*regions::DisplayName(view->state(), *regions::ParseCode("330106002")) == "浙江省杭州市西湖区灵隐街道");
}

TEST_CASE("organisations are placed in a county or street and a move keeps their history") {
  TestChain c(RegionGenesis);
  ExpectRejected(c, RegisterTx(c, "beta", TestKey("beta"), "330199"), "unknown_region");
  CHECK_FALSE(ledger::DecodeTx(RegisterTx(c, "beta", TestKey("beta"), "3301"), c.genesis().chain_id).ok());
  ExpectRejected(c, RegisterTx(c, "beta", TestKey("beta"), "330100"), "unknown_region");
  REQUIRE(c.Commit(RegisterTx(c, "beta", TestKey("beta"), "330106")).ok());
  const std::uint64_t before_move = c.ledger().Read()->head().log_size();
  ExpectRejected(c, MoveTx(c, "beta", "330199"), "unknown_region");
  ExpectRejected(c, MoveTx(c, "beta", "330100"), "unknown_region");
  REQUIRE(c.Commit(MoveTx(c, "beta", "330106001")).ok());
  auto view = c.ledger().Read();
  CHECK(view->Org("beta")->region() == "330106001");
  CHECK(regions::OrgRegionAt(view->state(), "beta", before_move - 1) == "330106");
  CHECK(regions::OrgRegionAt(view->state(), "beta", view->head().log_size() - 1) == "330106001");
  CHECK(regions::OrgRegionAt(view->state(), "federation", 0).empty());
  // An UpdateOrg without a region leaves it where it is.
  REQUIRE(c.Commit(MoveTx(c, "beta", "")).ok());
  CHECK(c.ledger().Read()->Org("beta")->region() == "330106001");
}

// ---------------------------------------------------------------- counters kept at commit

namespace {

struct Place {
  std::string region;
  std::string category;
};

std::size_t SignerCount(const ledger::ReadView& view, const ledger::TxRecord& tx) {
  auto decoded = ledger::DecodeTx(tx.envelope, view.genesis().chain_id);
  REQUIRE(decoded.ok());
  return decoded->signers.size();
}

using RowKey = std::tuple<std::uint32_t, std::string, std::uint32_t>;  // year, region, month
using Rows = std::map<RowKey, pb::RegionMonth>;

// Re-derives every RegionMonth row from the committed log alone, by the rules of
// docs/regions.md, independently of the executor's code.
class Recount {
 public:
  explicit Recount(const ledger::ReadView& view) : view_(view) {
    for (const ledger::GenesisOrg& o : view.genesis().organisations) {
      if (!o.region.empty()) org_regions_[o.org_id].push_back({0, o.region});
    }
    for (std::uint64_t leaf = 0; leaf < view.head().log_size(); ++leaf) Apply(leaf);
  }

  Rows rows;

 private:
  void Apply(std::uint64_t leaf) {
    auto tx = view_.TxByLeaf(leaf);
    REQUIRE(tx.has_value());
    leaf_of_[std::string(tx->id.begin(), tx->id.end())] = leaf;
    const pb::TxBody& b = tx->body;
    const bool cosigned = SignerCount(view_, *tx) > 1;  // in this chain only a bank co-signs a spend or refund
    if (b.has_register_org() && !b.register_org().region().empty()) {
      org_regions_[b.register_org().org_id()].push_back({leaf, b.register_org().region()});
    } else if (b.has_update_org() && !b.update_org().region().empty()) {
      org_regions_[b.update_org().org_id()].push_back({leaf, b.update_org().region()});
    } else if (b.has_open_project()) {
      projects_[b.open_project().project_id()] = b.open_project();
      if (auto* r = Row(b.open_project().region(), tx->time_ms)) r->set_projects_opened(r->projects_opened() + 1);
    } else if (b.has_close_project()) {
      closed_ms_[b.close_project().project_id()] = tx->time_ms;
      if (auto* r = Row(projects_.at(b.close_project().project_id()).region(), tx->time_ms)) {
        r->set_projects_closed(r->projects_closed() + 1);
      }
    } else if (b.has_disclosure() && b.disclosure().type() == pb::DISCLOSURE_TYPE_PROJECT_REPORT) {
      Report(b.disclosure().project_id());
    } else if (b.has_donation()) {
      Donation(b.donation(), leaf, tx->time_ms, 1);
    } else if (b.has_spend()) {
      Spend(b.spend(), leaf, tx->time_ms, cosigned, 1);
    } else if (b.has_refund()) {
      Refund(b.refund(), leaf, tx->time_ms, cosigned);
    } else if (b.has_correction()) {
      Correction(b.correction(), tx->time_ms);
    }
  }

  std::string OrgRegionAt(const std::string& org, std::uint64_t leaf) {
    std::string region;
    for (const auto& [at, r] : org_regions_[org]) {
      if (at <= leaf) region = r;
    }
    return region;
  }

  std::pair<std::string, std::string> PlaceOf(const std::string& account, std::uint64_t leaf) {  // region, category
    if (account.starts_with("project:")) {
      const pb::OpenProject& p = projects_.at(account.substr(8));
      return {p.region(), p.category()};
    }
    return {OrgRegionAt(account.substr(4), leaf), ""};
  }

  pb::RegionMonth* Row(const std::string& region, std::uint64_t time_ms) {
    if (region.empty()) return nullptr;
    auto [y, m] = YearMonthOf(time_ms);
    pb::RegionMonth& r = rows[{y, region, m}];
    if (r.spent_by_category_fen_size() == 0) r.mutable_spent_by_category_fen()->Resize(pb::SpendCategory_ARRAYSIZE, 0);
    return &r;
  }

  void Report(const std::string& project) {
    if (!closed_ms_.count(project) || !reported_.insert(project).second) return;
    pb::RegionMonth* r = Row(projects_.at(project).region(), closed_ms_.at(project));
    r->set_projects_closed_reported(r->projects_closed_reported() + 1);
  }

  void Donation(const pb::Donation& d, std::uint64_t donation_leaf, std::uint64_t time_ms, int sign) {
    const auto [region, category] = PlaceOf(d.to_account(), donation_leaf);
    const bool attested = !d.attesting_bank().empty();
    bool over = false;
    if (d.to_account().starts_with("project:")) {
      std::int64_t& received = received_[d.to_account().substr(8)];
      received += sign * d.amount_fen();
      over = sign > 0 && received > projects_.at(d.to_account().substr(8)).budget_fen();
    }
    pb::RegionMonth* r = Row(region, time_ms);
    if (r == nullptr) return;
    r->set_donated_fen(r->donated_fen() + sign * d.amount_fen());
    r->set_donation_count(r->donation_count() + sign);
    if (attested) r->set_attested_donated_fen(r->attested_donated_fen() + sign * d.amount_fen());
    regions::AddCategoryFen(*r, category, sign * d.amount_fen());
    if (sign < 0) r->set_corrections(r->corrections() + 1);
    if (sign > 0 && !attested) r->set_self_reported_donations(r->self_reported_donations() + 1);
    if (over) r->set_over_budget_donations(r->over_budget_donations() + 1);
  }

  void Spend(const pb::Spend& s, std::uint64_t spend_leaf, std::uint64_t time_ms, bool attested, int sign) {
    pb::RegionMonth* r = Row(PlaceOf(s.from_account(), spend_leaf).first, time_ms);
    if (r == nullptr) return;
    r->set_spent_fen(r->spent_fen() + sign * s.amount_fen());
    r->set_spend_count(r->spend_count() + sign);
    if (attested) r->set_attested_spent_fen(r->attested_spent_fen() + sign * s.amount_fen());
    if (!s.invoice_hash().empty()) r->set_invoiced_spent_fen(r->invoiced_spent_fen() + sign * s.amount_fen());
    r->set_spent_by_category_fen(s.category(), r->spent_by_category_fen(s.category()) + sign * s.amount_fen());
    if (sign < 0) {
      r->set_corrections(r->corrections() + 1);
      return;
    }
    if (!attested) r->set_unattested_spends(r->unattested_spends() + 1);
    if (s.invoice_hash().empty()) r->set_uninvoiced_spends(r->uninvoiced_spends() + 1);
  }

  void Refund(const pb::Refund& refund, std::uint64_t leaf, std::uint64_t time_ms, bool attested) {
    Hash256 id;
    std::copy(refund.donation_tx_id().begin(), refund.donation_tx_id().end(), id.begin());
    auto gift = view_.Gift(id);
    REQUIRE(gift.has_value());
    if (pb::RegionMonth* r = Row(PlaceOf(gift->account(), leaf).first, time_ms)) {
      r->set_refunded_fen(r->refunded_fen() + gift->refunded_fen());
      if (attested) r->set_attested_refunded_fen(r->attested_refunded_fen() + gift->refunded_fen());
    }
  }

  // A reversal books in the correction's month, in the region the corrected entry counted in.
  void Correction(const pb::Correction& c, std::uint64_t time_ms) {
    pb::TxBody wrong;
    REQUIRE(wrong.ParseFromString(c.corrected_tx_body()));
    const std::uint64_t wrong_leaf = leaf_of_.at(c.corrected_tx_id());
    if (wrong.has_donation()) Donation(wrong.donation(), wrong_leaf, time_ms, -1);
    if (wrong.has_spend()) Spend(wrong.spend(), wrong_leaf, time_ms, SignerCount(view_, *view_.TxByLeaf(wrong_leaf)) > 1, -1);
  }

  const ledger::ReadView& view_;
  std::map<std::string, std::vector<std::pair<std::uint64_t, std::string>>> org_regions_;  // leaf, region
  std::map<std::string, pb::OpenProject> projects_;
  std::map<std::string, std::int64_t> received_;
  std::map<std::string, std::uint64_t> closed_ms_;
  std::set<std::string> reported_;
  std::map<std::string, std::uint64_t> leaf_of_;  // tx id bytes -> leaf
};

// Every r/rm/ row the executor kept, by (year, region, month).
Rows KeptRows(const ledger::ReadView& view) {
  Rows out;
  view.state().Scan("r/rm/", "", "", [&](std::string_view key, std::string_view value) {
    const std::string_view rest = key.substr(5);
    REQUIRE(rest.size() > 10);
    const auto year = static_cast<std::uint32_t>(ReadU64(AsBytes(rest.substr(0, 8))));
    const std::string region(rest.substr(8, rest.size() - 10));
    const auto month = static_cast<std::uint32_t>(static_cast<unsigned char>(rest.back()));
    REQUIRE(out[{year, region, month}].ParseFromString(std::string(value)));
    return true;
  });
  return out;
}

class RegionChain {
 public:
  RegionChain() : chain(RegionGenesis) {
    REQUIRE(chain.Commit(RegisterTx(chain, "alpha", alpha, "330106")).ok());
    REQUIRE(chain.Commit(RegisterTx(chain, "gamma", gamma, "330108")).ok());
    REQUIRE(chain.Commit(ProjectTx(chain, "p-street", "alpha", alpha, "330106001", "elder-care", 20'000)).ok());
    REQUIRE(chain.Commit(ProjectTx(chain, "p-binjiang", "gamma", gamma, "330108", "education", 1'000'000)).ok());
  }

  Bytes Spend(const std::string& account, const crypto::KeyPair& owner, std::int64_t fen, bool invoice, bool bank,
              pb::SpendCategory category = pb::SPEND_CATEGORY_MATERIAL) {
    std::vector<const crypto::KeyPair*> signers{&owner};
    if (bank) signers.push_back(&chain.bank);
    return chain.MakeTx(
        [&](pb::TxBody& b) {
          auto* s = b.mutable_spend();
          s->set_from_account(account);
          s->set_amount_fen(fen);
          s->set_category(category);
          s->set_payee_kind(pb::PAYEE_KIND_VENDOR);
          s->set_payee_name("杭州某某食品有限公司");
          s->set_description("米面粮油");
          if (invoice) s->set_invoice_hash(std::string(32, 'i'));
        },
        std::move(signers));
  }

  TestChain chain;
  crypto::KeyPair alpha = TestKey("alpha");
  crypto::KeyPair gamma = TestKey("gamma");
};

}  // namespace

TEST_CASE("the region figures kept at commit equal a recount from the log of a random chain") {
  RegionChain rc;
  TestChain& c = rc.chain;
  std::mt19937_64 rng(20'261'207);  // seeded: the same chain every run
  std::vector<Bytes> donations, correctable;
  std::uint64_t committed = 0;
  std::uint64_t time_ms = c.ledger().Read()->head().time_ms();
  bool moved = false;
  for (int block = 0; block < 150; ++block) {
    time_ms += 2ull * 86'400'000 + rng() % 86'400'000;  // about a year and a half from 2026-01-01
    c.signing_time_ms = time_ms;
    // Mid-2026 alpha moves from 西湖区 to 北山街道: its later figures count there, its earlier ones stay.
    if (!moved && block == 70) {
      REQUIRE(c.CommitBlock({MoveTx(c, "alpha", "330106001")}, time_ms).front().ok());
      moved = true;
      continue;
    }
    const std::uint64_t pick = rng() % 7;
    const std::int64_t fen = 100 + static_cast<std::int64_t>(rng() % 9'900);
    const bool use_alpha = rng() % 2;
    const crypto::KeyPair& owner = use_alpha ? rc.alpha : rc.gamma;
    const std::string account = use_alpha ? (rng() % 2 ? "org:alpha" : "project:p-street")
                                          : (rng() % 2 ? "org:gamma" : "project:p-binjiang");
    Bytes tx;
    if (pick <= 2) {
      tx = rng() % 2 ? c.DonationTx(account, fen, c.bank, "bank-1") : c.DonationTx(account, fen, owner);
      donations.push_back(tx);
    } else if (pick == 3) {
      tx = rc.Spend(account, owner, fen / 3, rng() % 2, rng() % 2,
                    static_cast<pb::SpendCategory>(1 + rng() % 5));
    } else if (pick == 4 && !donations.empty()) {
      const Bytes& gift_tx = donations[rng() % donations.size()];
      const ledger::DecodedTx d = c.Decode(gift_tx);
      const bool alpha_gift = d.body.donation().to_account().find("alpha") != std::string::npos ||
                              d.body.donation().to_account() == "project:p-street";
      const bool bank = rng() % 2;
      std::vector<const crypto::KeyPair*> signers{alpha_gift ? &rc.alpha : &rc.gamma};
      if (bank) signers.push_back(&c.bank);
      tx = c.MakeTx(
          [&](pb::TxBody& b) {
            b.mutable_refund()->set_donation_tx_id(std::string(d.id.begin(), d.id.end()));
            b.mutable_refund()->set_reason("捐赠人申请退款");
          },
          signers);
    } else if (pick >= 5 && !correctable.empty()) {
      const Bytes& wrong = correctable[rng() % correctable.size()];
      const ledger::DecodedTx d = c.Decode(wrong);
      const std::string acct = d.body.has_donation() ? d.body.donation().to_account() : d.body.spend().from_account();
      const bool alpha_entry = acct == "org:alpha" || acct == "project:p-street";
      const bool by_bank = d.body.has_donation() && !d.body.donation().attesting_bank().empty();
      tx = c.CorrectionTx(wrong, {by_bank ? &c.bank : (alpha_entry ? &rc.alpha : &rc.gamma)});
    } else {
      continue;
    }
    const Status s = c.CommitBlock({tx}, time_ms).front();
    if (!s.ok()) continue;  // refused (no money left, already corrected, ...): writes nothing
    ++committed;
    if (pick <= 3) correctable.push_back(tx);
  }
  CHECK(committed > 60);
  auto view = c.ledger().Read();
  const auto kept = KeptRows(*view);
  const Rows recount = Recount(*view).rows;
  CHECK(kept.size() == recount.size());
  std::set<std::string> regions_seen;
  std::int64_t corrections = 0;
  for (const auto& [key, expected] : recount) {
    const auto& [year, region, month] = key;
    CAPTURE(year);
    CAPTURE(region);
    CAPTURE(month);
    const auto it = kept.find(key);
    REQUIRE(it != kept.end());
    CHECK_MESSAGE(it->second.SerializeAsString() == expected.SerializeAsString(),
                  "kept:\n" << it->second.DebugString() << "recount:\n" << expected.DebugString());
    regions_seen.insert(region);
    corrections += static_cast<std::int64_t>(expected.corrections());
  }
  CHECK(regions_seen.count("330106") == 1);     // alpha before the move
  CHECK(regions_seen.count("330106001") == 1);  // its project, and alpha after the move
  CHECK(regions_seen.count("330108") == 1);
  CHECK(corrections > 0);  // the chain exercised the reversal paths

  // Rollups: a city's year is the sum of its counties' years.
  for (std::uint32_t year : {2026u, 2027u}) {
    const regions::YearFigures city = regions::ReadYear(view->state(), "3301", year);
    std::int64_t raised = 0;
    std::int64_t spent = 0;
    for (const auto& [key, row] : recount) {
      if (std::get<0>(key) != year) continue;
      raised += row.donated_fen();
      spent += row.spent_fen();
    }
    CHECK(city.total.donated_fen() == raised);
    CHECK(city.total.spent_fen() == spent);
    const regions::ChildFigures counties = regions::ReadChildren(view->state(), "3301", year, regions::Level::kCounty);
    std::int64_t by_county = 0;
    for (const auto& [code, row] : counties.by_code) by_county += row.donated_fen();
    CHECK(by_county == raised);
  }
}

TEST_CASE("closing reports and projects opened and closed count in the project's region and month") {
  RegionChain rc;
  TestChain& c = rc.chain;
  REQUIRE(c.Commit(c.DonationTx("project:p-street", 30'000, c.bank, "bank-1")).ok());  // over its 20,000 budget
  REQUIRE(c.Commit(rc.Spend("project:p-street", rc.alpha, 30'000, true, true)).ok());
  const Bytes close = c.MakeTx(
      [&](pb::TxBody& b) {
        b.mutable_close_project()->set_project_id("p-street");
        b.mutable_close_project()->set_summary("已完成");
      },
      {&rc.alpha});
  REQUIRE(c.Commit(close).ok());
  auto report = [&](const std::string& title) {
    return c.MakeTx(
        [&](pb::TxBody& b) {
          auto* d = b.mutable_disclosure();
          d->set_org_id("alpha");
          d->set_type(pb::DISCLOSURE_TYPE_PROJECT_REPORT);
          d->set_title(title);
          d->set_document_sha256(std::string(32, 'd'));
          d->set_project_id("p-street");
        },
        {&rc.alpha});
  };
  auto view = c.ledger().Read();
  regions::YearFigures street = regions::ReadYear(view->state(), "330106001", 2026);
  CHECK(street.total.projects_opened() == 1);
  CHECK(street.total.projects_closed() == 1);
  CHECK(street.total.projects_closed_reported() == 0);
  CHECK(street.total.over_budget_donations() == 1);
  REQUIRE(c.Commit(report("结项报告")).ok());
  REQUIRE(c.Commit(report("结项报告（补充）")).ok());  // a second report does not count twice
  view = c.ledger().Read();
  street = regions::ReadYear(view->state(), "330106001", 2026);
  CHECK(street.total.projects_closed_reported() == 1);
  // The district sees its street; the other district does not.
  CHECK(regions::ReadYear(view->state(), "330106", 2026).total.projects_closed_reported() == 1);
  CHECK(regions::ReadYear(view->state(), "330108", 2026).total.projects_closed() == 0);
  CHECK(view->Project("p-street")->closing_report_leaf() > 0);
}

// ---------------------------------------------------------------- API

namespace {

class RegionApi {
 public:
  RegionApi() {
    api::ServerConfig config;
    config.port = 0;
    config.threads = 1;
    server = std::make_unique<api::Server>(config, rc.chain.ledger(), api::NodeHooks{});
    REQUIRE(server->Start().ok());
    base = "http://127.0.0.1:" + std::to_string(server->port());
  }
  ~RegionApi() { server->Stop(); }

  std::pair<unsigned, Json> Get(const std::string& target) {
    auto r = api::HttpRequest("GET", base + target);
    REQUIRE(r.ok());
    return {r->status, Json::parse(r->body)};
  }

  RegionChain rc;
  std::unique_ptr<api::Server> server;
  std::string base;
};

}  // namespace

TEST_CASE("GET /v1/regions/{code}/stats answers a district's dashboard with per-capita giving") {
  RegionApi api;
  TestChain& c = api.rc.chain;
  REQUIRE(c.Commit(c.DonationTx("org:alpha", 1'135'000, c.bank, "bank-1")).ok());
  REQUIRE(c.Commit(c.DonationTx("project:p-street", 5'000, api.rc.alpha)).ok());
  REQUIRE(c.Commit(c.DonationTx("project:p-binjiang", 7'000, c.bank, "bank-1")).ok());
  REQUIRE(c.Commit(api.rc.Spend("org:alpha", api.rc.alpha, 100'000, false, true, pb::SPEND_CATEGORY_CASH_AID)).ok());

  auto [status, body] = api.Get("/v1/regions/330106/stats?year=2026");
  REQUIRE(status == 200);
  CHECK(body["method"] == "shanliu-regions/1");
  CHECK(body["status"] == "ok");
  CHECK(body["region"]["code"] == "330106");
  CHECK(body["region"]["level"] == "county");
  CHECK(body["region"]["name"] == "浙江省杭州市西湖区");
  CHECK(body["region"]["parent"] == "3301");
  CHECK(body["raised_fen"] == 1'140'000);  // the district and its street
  CHECK(body["donation_count"] == 2);
  CHECK(body["spent_fen"] == 100'000);
  CHECK(body["attested_raised_pct"] == doctest::Approx(99.6));
  CHECK(body["invoiced_spent_pct"] == 0.0);
  CHECK(body["per_capita"]["population"] == 1'135'000);
  CHECK(body["per_capita"]["per_capita_fen"] == doctest::Approx(1.0));  // 1,140,000 / 1,135,000 floored to 1.00
  CHECK(body["per_capita"]["reason"].is_null());
  CHECK(body["by_month"].size() == 12);
  CHECK(body["by_month"][0]["raised_fen"] == 1'140'000);
  CHECK(body["by_category"]["raised"].size() == 2);
  CHECK(body["by_category"]["spent"][0]["category"] == "cash_aid");
  CHECK(body["flags"][0]["flag"] == "self_reported_donations");
  CHECK(body["flags"][0]["count"] == 1);
  const nlohmann::json district_flags = body["flags"];
  // The city's table row for the district carries the same flags.
  {
    auto [list_status, list] = api.Get("/v1/regions?year=2026&parent=3301");
    REQUIRE(list_status == 200);
    bool found = false;
    for (const auto& row : list["regions"]) {
      if (row["region"]["code"] != "330106") continue;
      found = true;
      CHECK(row["flags"] == district_flags);
    }
    CHECK(found);
  }

  // The city rolls up both districts; the province form of the code answers the same.
  std::tie(status, body) = api.Get("/v1/regions/330100/stats?year=2026");
  REQUIRE(status == 200);
  CHECK(body["region"]["code"] == "3301");
  CHECK(body["raised_fen"] == 1'147'000);
  CHECK(body["per_capita"]["population"] == 12'524'000);
  // No population for the province: per-capita is null with a reason, never a guess.
  std::tie(status, body) = api.Get("/v1/regions/33/stats?year=2026");
  REQUIRE(status == 200);
  CHECK(body["raised_fen"] == 1'147'000);
  CHECK(body["per_capita"]["per_capita_fen"].is_null());
  CHECK(body["per_capita"]["reason"] == "no_population");
  // A region without entries has no data, not an error.
  std::tie(status, body) = api.Get("/v1/regions/11/stats?year=2026");
  REQUIRE(status == 200);
  CHECK(body["status"] == "no_data");
  CHECK(body["raised_fen"] == 0);
  // The street alone.
  std::tie(status, body) = api.Get("/v1/regions/330106001/stats");
  REQUIRE(status == 200);
  CHECK(body["raised_fen"] == 5'000);
  CHECK(body["year"] == 2026);
}

TEST_CASE("GET /v1/regions lists the divisions below a region with their figures") {
  RegionApi api;
  TestChain& c = api.rc.chain;
  REQUIRE(c.Commit(c.DonationTx("org:alpha", 2'000, c.bank, "bank-1")).ok());
  REQUIRE(c.Commit(c.DonationTx("project:p-street", 3'000, c.bank, "bank-1")).ok());
  REQUIRE(c.Commit(c.DonationTx("org:gamma", 4'000, c.bank, "bank-1")).ok());
  auto [status, body] = api.Get("/v1/regions?year=2026&parent=3301");
  REQUIRE(status == 200);
  CHECK(body["level"] == "county");
  REQUIRE(body["regions"].size() == 2);
  CHECK(body["regions"][0]["region"]["code"] == "330106");
  CHECK(body["regions"][0]["raised_fen"] == 5'000);
  CHECK(body["regions"][1]["region"]["code"] == "330108");
  CHECK(body["regions"][1]["raised_fen"] == 4'000);
  std::tie(status, body) = api.Get("/v1/regions?year=2026");
  REQUIRE(status == 200);
  CHECK(body["level"] == "province");
  REQUIRE(body["regions"].size() == 1);
  CHECK(body["regions"][0]["raised_fen"] == 9'000);
  std::tie(status, body) = api.Get("/v1/regions?parent=330106");
  REQUIRE(status == 200);
  CHECK(body["level"] == "street");
  REQUIRE(body["regions"].size() == 1);  // the district's own rows are in no street
  CHECK(body["regions"][0]["raised_fen"] == 3'000);
  CHECK(body["regions"][0]["per_capita"]["population"] == 40'000);
  std::tie(status, body) = api.Get("/v1/regions?parent=33&level=county");
  REQUIRE(status == 200);
  CHECK(body["regions"].size() == 2);
  // Every row carries the flags its own dashboard shows, so a table needs no request per row.
  for (const auto& row : body["regions"]) {
    REQUIRE(row["flags"].is_array());
    const std::string code = row["region"]["code"];
    auto [stats_status, stats] = api.Get("/v1/regions/" + code + "/stats?year=2026");
    REQUIRE(stats_status == 200);
    CHECK(row["flags"] == stats["flags"]);
  }
}

TEST_CASE("/v1/stats?region= answers the region's figures beside the chain's") {
  RegionApi api;
  TestChain& c = api.rc.chain;
  REQUIRE(c.Commit(c.DonationTx("org:gamma", 4'000, c.bank, "bank-1")).ok());
  auto [status, body] = api.Get("/v1/stats?region=330108&year=2026");
  REQUIRE(status == 200);
  CHECK(body["region"]["raised_fen"] == 4'000);
  CHECK(body["stats"]["donated_fen"] == 4'000);
  std::tie(status, body) = api.Get("/v1/stats");
  REQUIRE(status == 200);
  CHECK_FALSE(body.contains("region"));
}

TEST_CASE("malformed and hostile region queries are typed errors") {
  RegionApi api;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"/v1/regions/3/stats", "invalid_argument"},
      {"/v1/regions/abc/stats", "invalid_argument"},
      {"/v1/regions/3301060/stats", "invalid_argument"},
      {"/v1/regions/%33%33/stats?year=2026&year=2026", "invalid_query"},
      {"/v1/regions/99/stats", "unknown_region"},
      {"/v1/regions/330199/stats", "unknown_region"},
      {"/v1/regions/330106009/stats", "unknown_region"},  // no such street registered
      {"/v1/regions/330106/stats?year=2025", "out_of_range"},
      {"/v1/regions/330106/stats?year=2027", "out_of_range"},
      {"/v1/regions/330106/stats?year=0", "out_of_range"},
      {"/v1/regions/330106/stats?year=-1", "invalid_argument"},
      {"/v1/regions/330106/stats?year=99999999999999999999999", "invalid_argument"},
      {"/v1/regions/330106/stats?month=1", "unknown_parameter"},
      {"/v1/regions?level=town", "invalid_argument"},
      {"/v1/regions?parent=3301&level=province", "invalid_argument"},
      {"/v1/regions?parent=330106&level=county", "invalid_argument"},
      {"/v1/regions?parent=330106001", "invalid_argument"},  // nothing below a street
      {"/v1/regions?parent=99", "unknown_region"},
      {"/v1/regions?parent=%27%3B--", "invalid_argument"},
      {"/v1/stats?region=99", "unknown_region"},
      {"/v1/stats?region=", "invalid_argument"},
      {"/v1/stats?year=2026", "invalid_argument"},
      {"/v1/stats?region=330106&year=2030", "out_of_range"},
  };
  for (const auto& [target, code] : cases) {
    CAPTURE(target);
    auto [status, body] = api.Get(target);
    CHECK(status >= 400);
    CHECK(body["error"]["code"] == code);
  }
}

TEST_CASE("GET /v1/orgs/{id} shows the organisation's region and every move") {
  RegionApi api;
  TestChain& c = api.rc.chain;
  REQUIRE(c.Commit(MoveTx(c, "alpha", "330106001")).ok());
  auto [status, body] = api.Get("/v1/orgs/alpha");
  REQUIRE(status == 200);
  CHECK(body["org"]["region"] == "330106001");
  CHECK(body["region"]["current"] == "330106001");
  CHECK(body["region"]["current_name"] == "浙江省杭州市西湖区北山街道");
  CHECK(body["region"]["complete"] == true);
  REQUIRE(body["region"]["history"].size() == 2);
  CHECK(body["region"]["history"][0]["old_region"].is_null());
  CHECK(body["region"]["history"][0]["new_region"] == "330106");
  CHECK(body["region"]["history"][1]["old_region"] == "330106");
  CHECK(body["region"]["history"][1]["new_region"] == "330106001");
  CHECK(body["region"]["history"][1]["from_leaf"].get<std::uint64_t>() >
        body["region"]["history"][0]["from_leaf"].get<std::uint64_t>());
  // A bank has no region.
  std::tie(status, body) = api.Get("/v1/orgs/bank-1");
  REQUIRE(status == 200);
  CHECK(body["region"]["current"].is_null());
  CHECK(body["region"]["history"].empty());
}
