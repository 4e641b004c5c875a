// `shanliu verify` on a chain whose validator set changed (issue 20 part 1): a receipt proof from
// after the changes verifies from genesis alone by following its validator_transitions; without
// them, or with one dropped, reordered or forged, it fails the validator set check clearly; a
// receipt from before the changes needs none.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli_run.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/ledger/genesis.h"
#include "shanliu/ledger/validator_set.h"
#include "test_chain.h"

using namespace shanliu;
using nlohmann::json;
using shanliu::testing::RunCli;
using shanliu::testing::TestChain;
using shanliu::testing::TestKey;

namespace {

std::string Hex(const std::string& bytes) { return crypto::ToHex(AsBytes(bytes)); }
std::string Hex(const Hash256& h) { return crypto::ToHex(h); }
std::string KeyBytes(const crypto::KeyPair& k) { return std::string(k.public_key.begin(), k.public_key.end()); }

json HeaderJson(const pb::BlockHeader& h) {
  return {{"chain_id", h.chain_id()},
          {"height", h.height()},
          {"time_ms", h.time_ms()},
          {"prev_block_hash", Hex(h.prev_block_hash())},
          {"txs_root", Hex(h.txs_root())},
          {"log_size", h.log_size()},
          {"log_root", Hex(h.log_root())},
          {"state_root", Hex(h.state_root())},
          {"validators_hash", Hex(h.validators_hash())},
          {"next_validators_hash", Hex(h.next_validators_hash())},
          {"proposer_index", h.proposer_index()}};
}

// The receipt proof JSON exactly as GET /v1/receipts/{code} serves it (docs/api.md).
json ProofJson(const ledger::ReceiptProofData& p) {
  json path = json::array();
  for (const Hash256& h : p.inclusion_path) path.push_back(Hex(h));
  json signatures = json::array();
  for (const pb::CommitSignature& s : p.commit.signatures()) {
    signatures.push_back({{"validator_index", s.validator_index()}, {"signature", Hex(s.signature())}});
  }
  return {{"tx", crypto::ToHex(p.tx.envelope)},
          {"tx_id", Hex(p.tx.id)},
          {"leaf_index", p.tx.location.leaf()},
          {"log_size", p.header.log_size()},
          {"inclusion_path", path},
          {"header", HeaderJson(p.header)},
          {"block_hash", Hex(p.block_hash)},
          {"commit",
           {{"height", p.commit.height()},
            {"round", p.commit.round()},
            {"block_hash", Hex(p.commit.block_hash())},
            {"signatures", signatures}}},
          {"validator_transitions", ledger::TransitionsToJson(p.transitions)}};
}

// Four genesis validators; bank-2 joins (4 -> 5), then validator-0 leaves (5 -> 4). A donation
// before the first change and one after the second.
struct Fixture {
  Fixture()
      : chain([](ledger::Genesis& g) {
          g.validators.clear();
          for (int i = 0; i < 4; ++i) {
            g.validators.push_back({TestKey("validator-" + std::to_string(i)).public_key, 1, i == 0 ? "bureau" : "bank-1"});
          }
        }) {
    for (int i = 1; i < 5; ++i) chain.validator_keys.push_back(TestKey("validator-" + std::to_string(i)));
    REQUIRE(chain.RegisterOrg("bank-2", pb::ORG_KIND_BANK, TestKey("bank-2")).ok());
    REQUIRE(chain.RegisterOrg("sunshine", pb::ORG_KIND_CHARITY, sunshine).ok());
    const Bytes before_tx = chain.DonationTx("org:sunshine", 100, sunshine);
    REQUIRE(chain.Commit(before_tx).ok());
    before = chain.Decode(before_tx).id;
    Change({{KeyBytes(TestKey("validator-4")), 1, "bank-2"}}, {"validator-0", "validator-1", "validator-2"});
    Change({{KeyBytes(TestKey("validator-0")), 0, ""}}, {"validator-1", "validator-2", "validator-3", "validator-4"});
    const Bytes after_tx = chain.DonationTx("org:sunshine", 200, sunshine);
    REQUIRE(chain.Commit(after_tx).ok());
    after = chain.Decode(after_tx).id;
    std::ofstream(dir() / "genesis.json") << ledger::GenesisToJson(chain.genesis());
  }
  struct Update {
    std::string key;
    std::uint64_t power;
    std::string org;
  };
  void Change(const std::vector<Update>& updates, const std::vector<std::string>& signer_names) {
    std::vector<crypto::KeyPair> keys;
    for (const std::string& n : signer_names) keys.push_back(TestKey(n));
    std::vector<const crypto::KeyPair*> signers = {&chain.bureau};
    for (const auto& k : keys) signers.push_back(&k);
    const std::uint64_t e = chain.ledger().height() + 3;
    REQUIRE(chain.Commit(chain.MakeTx(
                             [&](pb::TxBody& b) {
                               auto* p = b.mutable_validator_set_change();
                               for (const Update& u : updates) {
                                 auto* x = p->add_updates();
                                 x->set_public_key(u.key);
                                 x->set_voting_power(u.power);
                                 x->set_org_id(u.org);
                               }
                               p->set_effective_height(e);
                             },
                             signers))
                .ok());
    while (chain.ledger().height() < e) REQUIRE(chain.Commit(chain.DonationTx("org:sunshine", 1, sunshine)).ok());
  }
  std::filesystem::path dir() const { return chain.dir(); }
  json Proof(const Hash256& id) {
    auto data = chain.ledger().Read()->ReceiptProof(id);
    REQUIRE(data.ok());
    return ProofJson(*data);
  }
  testing::CliRun Verify(const json& proof) {
    const auto path = dir() / "proof.json";
    std::ofstream(path, std::ios::trunc) << proof.dump();
    return RunCli({"verify", "--proof", path.string(), "--genesis", (dir() / "genesis.json").string()});
  }

  TestChain chain;
  crypto::KeyPair sunshine = TestKey("sunshine");
  Hash256 before{}, after{};
};

void ExpectValidatorSetFails(const testing::CliRun& r, const std::string& why) {
  INFO(r.output);
  CHECK(r.code == 3);
  CHECK(r.output.find("✗ validator set") != std::string::npos);
  CHECK(r.output.find(why) != std::string::npos);
}

}  // namespace

TEST_CASE("shanliu verify follows a proof's validator transitions from genesis") {
  Fixture f;
  const json proof = f.Proof(f.after);
  REQUIRE(proof["validator_transitions"].size() == 2);
  const testing::CliRun r = f.Verify(proof);
  INFO(r.output);
  CHECK(r.code == 0);
  CHECK(r.output.find("with 2 validator-set transitions") != std::string::npos);
  CHECK(r.output.find("reached from genesis through 2 certified transitions") != std::string::npos);
  CHECK(r.output.find("signed by 4 of 4") != std::string::npos);
  CHECK(r.output.find("✗") == std::string::npos);

  // A receipt from before the changes needs none and verifies against the genesis set.
  const json old = f.Proof(f.before);
  CHECK(old["validator_transitions"].empty());
  const testing::CliRun o = f.Verify(old);
  INFO(o.output);
  CHECK(o.code == 0);
  CHECK(o.output.find("matches the genesis set of 4 validators") != std::string::npos);
}

TEST_CASE("shanliu verify names a missing, reordered or forged transition") {
  Fixture f;
  const json proof = f.Proof(f.after);
  SUBCASE("no transitions at all") {
    json p = proof;
    p.erase("validator_transitions");
    ExpectValidatorSetFails(f.Verify(p), "lacks the transition");
  }
  SUBCASE("the last one dropped") {
    json p = proof;
    p["validator_transitions"].erase(1);
    ExpectValidatorSetFails(f.Verify(p), "lacks the transition");
  }
  SUBCASE("the first one dropped") {
    json p = proof;
    p["validator_transitions"].erase(0);
    ExpectValidatorSetFails(f.Verify(p), "is not the set in force");
  }
  SUBCASE("reordered") {
    json p = proof;
    std::swap(p["validator_transitions"][0], p["validator_transitions"][1]);
    // The later change comes first: its header names a set the walk has not reached yet.
    ExpectValidatorSetFails(f.Verify(p), "missing or out of order");
  }
  SUBCASE("a forged next set") {
    json p = proof;
    p["validator_transitions"][1]["next_validators"][0]["voting_power"] = 1000;
    ExpectValidatorSetFails(f.Verify(p), "next_validators does not hash");
  }
  SUBCASE("a transition signed by a minority") {
    json p = proof;
    json& sigs = p["validator_transitions"][0]["commit"]["signatures"];
    sigs.erase(sigs.begin() + 1, sigs.end());
    ExpectValidatorSetFails(f.Verify(p), "commit certificate");
  }
  SUBCASE("a malformed transition") {
    json p = proof;
    p["validator_transitions"][0]["extra"] = true;
    const testing::CliRun r = f.Verify(p);
    INFO(r.output);
    CHECK(r.code == 3);
    CHECK(r.output.find("✗ proof format") != std::string::npos);
  }
}
