// `shanliu verify --proof FILE --genesis FILE` (DESIGN 6.2) on a receipt proof taken from a
// real one-validator ledger: it holds, and each kind of tampering fails naming its check.
#include <doctest/doctest.h>

#include "cli_run.h"
#include "test_chain.h"
#include <stdlib.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/hash.h"
#include "shanliu/ledger/block.h"
#include "shanliu/ledger/genesis.h"
#include "shanliu/ledger/ledger.h"
#include "shanliu/ledger/registry_codes.h"
#include "shanliu/ledger/tx.h"

namespace shanliu {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

using RunResult = testing::CliRun;
using testing::RunCli;

using testing::TempDir;

crypto::KeyPair Key(const std::string& name) { return testing::TestKey(name); }

std::string Hex(const std::string& bytes) { return crypto::ToHex(AsBytes(bytes)); }
std::string Hex(const Hash256& h) { return crypto::ToHex(h); }

ledger::Genesis MakeGenesis(const std::string& chain_id, const crypto::KeyPair& validator) {
  ledger::Genesis g;
  g.chain_id = chain_id;
  g.genesis_time_ms = 1'750'000'000'000;
  ledger::GenesisOrg bureau;
  bureau.org_id = "bureau";
  bureau.kind = pb::ORG_KIND_BUREAU;
  bureau.name_zh = "杭州市西湖区民政局";
  bureau.name_en = "Civil Affairs Bureau of Xihu District, Hangzhou";
  bureau.credit_code = "11330106002482031H";
  bureau.public_keys = {Key("bureau").public_key};
  g.organisations.push_back(bureau);
  g.validators.push_back(ledger::Validator{validator.public_key, 1, "bureau"});
  return g;
}

// A chain of two blocks (5 txs, then 2); the proof is for the third tx of the first block.
struct ProofFixture {
  TempDir dir;
  crypto::KeyPair validator = Key("validator");
  ledger::Genesis genesis = MakeGenesis("cli-verify-test", validator);
  json proof;
  std::string code;

  ProofFixture() {
    auto opened = ledger::Ledger::Open(dir.path() / "data", genesis);
    REQUIRE(opened.ok());
    ledger::Ledger& ledger = **opened;
    const crypto::KeyPair bureau = Key("bureau");
    std::vector<Hash256> ids;
    for (int block = 0; block < 2; ++block) {
      std::vector<ledger::DecodedTx> txs;
      for (int i = 0; i < (block == 0 ? 5 : 2); ++i) {
        pb::TxBody body;
        body.set_chain_id(genesis.chain_id);
        body.set_expires_at_height(ledger.height() + 100);
        body.set_expires_at_ms(ledger.head().time_ms() + genesis.params.max_tx_expiry_ms);
        body.set_nonce(static_cast<std::uint64_t>(block * 10 + i + 1));
        body.set_created_at_ms(1'750'000'000'000);
        pb::RegisterOrg* r = body.mutable_register_org();
        r->set_org_id("charity-" + std::to_string(block) + "-" + std::to_string(i));
        r->set_kind(pb::ORG_KIND_CHARITY);
        r->set_name_zh("测试慈善组织" + std::to_string(i));
        r->set_credit_code(ledger::MakeCreditCode("52", "330106", static_cast<std::uint64_t>(block * 10 + i)));
        const crypto::PublicKey k = Key(r->org_id()).public_key;
        r->add_public_keys(std::string(k.begin(), k.end()));
        const crypto::KeyPair* signers[] = {&bureau};
        auto decoded = ledger::DecodeTx(ledger::BuildTx(body, signers), genesis.chain_id);
        REQUIRE(decoded.ok());
        ids.push_back(decoded->id);
        txs.push_back(std::move(*decoded));
      }
      ledger::BuildResult built = ledger.BuildBlock(txs, 1'750'000'000'000 + 1000 * (block + 1), 0);
      REQUIRE(built.rejected.empty());
      const pb::BlockHeader& h = built.executed.block.header();
      const Bytes vote =
          ledger::VoteSignBytes(genesis.chain_id, ledger::VoteType::kPrecommit, h.height(), 0, built.executed.hash);
      const crypto::Signature sig = crypto::SignRaw(validator.secret_key, vote);
      pb::CommitCertificate commit;
      commit.set_height(h.height());
      commit.set_round(0);
      commit.set_block_hash(std::string(built.executed.hash.begin(), built.executed.hash.end()));
      pb::CommitSignature* s = commit.add_signatures();
      s->set_validator_index(0);
      s->set_signature(std::string(sig.begin(), sig.end()));
      REQUIRE(ledger.Commit(built.executed, commit).ok());
    }
    auto data = ledger.Read()->ReceiptProof(ids[2]);
    REQUIRE(data.ok());
    code = crypto::ToBase32(ids[2]);

    // The JSON of DESIGN 6.2, written out field by field.
    json path = json::array();
    for (const Hash256& h : data->inclusion_path) path.push_back(Hex(h));
    const pb::BlockHeader& h = data->header;
    json signatures = json::array();
    for (const pb::CommitSignature& s : data->commit.signatures()) {
      signatures.push_back({{"validator_index", s.validator_index()}, {"signature", Hex(s.signature())}});
    }
    proof = {{"tx", crypto::ToHex(data->tx.envelope)},
             {"tx_id", Hex(data->tx.id)},
             {"leaf_index", data->tx.location.leaf()},
             {"log_size", h.log_size()},
             {"inclusion_path", path},
             {"header",
              {{"chain_id", h.chain_id()},
               {"height", h.height()},
               {"time_ms", h.time_ms()},
               {"prev_block_hash", Hex(h.prev_block_hash())},
               {"txs_root", Hex(h.txs_root())},
               {"log_size", h.log_size()},
               {"log_root", Hex(h.log_root())},
               {"state_root", Hex(h.state_root())},
               {"next_validators_hash", Hex(h.next_validators_hash())},
               {"validators_hash", Hex(h.validators_hash())},
               {"proposer_index", h.proposer_index()}}},
             {"block_hash", Hex(data->block_hash)},
             {"commit",
              {{"height", data->commit.height()},
               {"round", data->commit.round()},
               {"block_hash", Hex(data->commit.block_hash())},
               {"signatures", signatures}}}};
    Write("genesis.json", ledger::GenesisToJson(genesis));
  }

  fs::path Write(const std::string& name, const std::string& text) const {
    const fs::path p = dir.path() / name;
    std::ofstream(p, std::ios::binary | std::ios::trunc) << text;
    return p;
  }

  RunResult Verify(const json& p, const std::vector<std::string>& extra = {},
                   const std::string& genesis_file = "genesis.json") const {
    std::vector<std::string> args = {"verify", "--proof", Write("proof.json", p.dump()).string(), "--genesis",
                                     (dir.path() / genesis_file).string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return RunCli(args);
  }
};

// Flips the lowest bit of the hex digit at `pos`.
std::string FlipHex(std::string hex, std::size_t pos) {
  const std::string digits = "0123456789abcdef";
  hex[pos] = digits[digits.find(hex[pos]) ^ 1];
  return hex;
}

// The failure names `check` (on the NOT VERIFIED line) and marks it with ✗.
void ExpectFails(const RunResult& r, const std::string& check) {
  INFO(r.output);
  CHECK(r.code == 3);
  const auto line = r.output.find("NOT VERIFIED:");
  REQUIRE(line != std::string::npos);
  CHECK(r.output.find(check, line) != std::string::npos);
  CHECK(r.output.find("✗ " + check) != std::string::npos);
}

TEST_CASE("an untouched proof verifies offline and names its signers") {
  ProofFixture f;
  const RunResult r = f.Verify(f.proof);
  INFO(r.output);
  CHECK(r.code == 0);
  for (const char* check : {"proof format", "tx id", "tx signatures", "inclusion", "block header", "chain",
                            "validator set", "commit certificate"}) {
    CHECK(r.output.find(std::string("✓ ") + check) != std::string::npos);
  }
  CHECK(r.output.find("✗") == std::string::npos);
  CHECK(r.output.find("signed by 1 of 1: bureau") != std::string::npos);
  CHECK(r.output.find("1 signature verifies (bureau)") != std::string::npos);
  CHECK(r.output.find("leaf 2 of 5") != std::string::npos);

  // With the receipt code (or its printed 12-character prefix) as well, and as a saved receipt answer.
  CHECK(f.Verify(f.proof, {f.code}).code == 0);
  CHECK(f.Verify(f.proof, {f.code.substr(0, 12)}).code == 0);
  CHECK(f.Verify(json{{"donation", json::object()}, {"proof", f.proof}}).code == 0);
}

TEST_CASE("a proof for another receipt code fails the tx id check") {
  ProofFixture f;
  std::string other = f.code;
  other[0] = other[0] == 'a' ? 'b' : 'a';
  ExpectFails(f.Verify(f.proof, {other}), "tx id");
  json p = f.proof;
  p["tx_id"] = FlipHex(p["tx_id"].get<std::string>(), 10);
  ExpectFails(f.Verify(p), "tx id");
}

TEST_CASE("a flipped byte in the tx fails its inclusion (and id or signature)") {
  ProofFixture f;
  const std::string tx = f.proof["tx"].get<std::string>();
  for (std::size_t pos : {std::size_t{20}, tx.size() / 2, tx.size() - 3}) {
    json p = f.proof;
    p["tx"] = FlipHex(tx, pos);
    const RunResult r = f.Verify(p);
    ExpectFails(r, "inclusion");
    CHECK((r.output.find("✗ tx id") != std::string::npos || r.output.find("✗ tx signatures") != std::string::npos));
  }
}

TEST_CASE("a flipped byte in an inclusion path hash, or a wrong leaf index, fails the inclusion check") {
  ProofFixture f;
  REQUIRE(f.proof["inclusion_path"].size() >= 2);
  for (std::size_t i = 0; i < f.proof["inclusion_path"].size(); ++i) {
    json p = f.proof;
    p["inclusion_path"][i] = FlipHex(p["inclusion_path"][i].get<std::string>(), 7);
    ExpectFails(f.Verify(p), "inclusion");
  }
  json p = f.proof;
  p["leaf_index"] = 3;
  ExpectFails(f.Verify(p), "inclusion");
  p = f.proof;
  p["log_size"] = 6;
  ExpectFails(f.Verify(p), "inclusion");
}

TEST_CASE("a changed header no longer hashes to the certified block") {
  ProofFixture f;
  for (const char* field : {"txs_root", "state_root", "prev_block_hash"}) {
    json p = f.proof;
    p["header"][field] = FlipHex(p["header"][field].get<std::string>(), 30);
    ExpectFails(f.Verify(p), "block header");
  }
  json p = f.proof;
  p["header"]["time_ms"] = p["header"]["time_ms"].get<std::uint64_t>() + 1;
  ExpectFails(f.Verify(p), "block header");
  // Rehashing the altered header does not help: the validators signed the original.
  p["block_hash"] = crypto::ToHex(crypto::Sha256(AsBytes("not the certified block")));
  ExpectFails(f.Verify(p), "commit certificate");
}

TEST_CASE("a forged or missing commit signature fails the commit certificate") {
  ProofFixture f;
  json p = f.proof;
  p["commit"]["signatures"][0]["signature"] = FlipHex(p["commit"]["signatures"][0]["signature"].get<std::string>(), 5);
  const RunResult flipped = f.Verify(p);
  ExpectFails(flipped, "commit certificate");
  CHECK(flipped.output.find("signed by 0 of 1") != std::string::npos);

  // A well-formed signature by a key that is not a genesis validator.
  const crypto::KeyPair forger = Key("forger");
  const Bytes vote = ledger::VoteSignBytes("cli-verify-test", ledger::VoteType::kPrecommit,
                                           f.proof["header"]["height"].get<std::uint64_t>(), 0,
                                           *crypto::Hash256FromHex(f.proof["block_hash"].get<std::string>()));
  const crypto::Signature sig = crypto::SignRaw(forger.secret_key, vote);
  p = f.proof;
  p["commit"]["signatures"][0]["signature"] = crypto::ToHex(sig);
  ExpectFails(f.Verify(p), "commit certificate");

  p = f.proof;
  p["commit"]["signatures"] = json::array();
  ExpectFails(f.Verify(p), "commit certificate");
}

TEST_CASE("against a different genesis the proof fails the validator set, chain and commit checks") {
  ProofFixture f;
  f.Write("other-validators.json", ledger::GenesisToJson(MakeGenesis("cli-verify-test", Key("another validator"))));
  const RunResult r = f.Verify(f.proof, {}, "other-validators.json");
  ExpectFails(r, "validator set");
  ExpectFails(r, "commit certificate");

  f.Write("other-chain.json", ledger::GenesisToJson(MakeGenesis("another-chain", f.validator)));
  const RunResult c = f.Verify(f.proof, {}, "other-chain.json");
  ExpectFails(c, "chain");
  ExpectFails(c, "tx signatures");  // the tx names the other chain
}

TEST_CASE("malformed proofs and bad command lines are refused clearly") {
  ProofFixture f;
  json p = f.proof;
  p.erase("header");
  ExpectFails(f.Verify(p), "proof format");
  p = f.proof;
  p["tx"] = "not hex";
  ExpectFails(f.Verify(p), "proof format");
  p = f.proof;
  p["extra"] = 1;
  ExpectFails(f.Verify(p), "proof format");

  CHECK(RunCli({"verify", "--proof", (f.dir.path() / "missing.json").string(), "--genesis",
                (f.dir.path() / "genesis.json").string()})
            .code == 1);
  CHECK(RunCli({"verify", "--proof", "x.json"}).code == 2);                        // no genesis
  CHECK(RunCli({"verify", "somecode", "--genesis", "g.json"}).code == 2);          // neither node nor proof
  CHECK(RunCli({"verify", "--node", "http://127.0.0.1:1", "--genesis", "g.json"}).code == 2);  // no code
  CHECK(RunCli({"verify", "not-a-code!", "--proof", "p", "--genesis", "g"}).code == 2);
  // An unreachable node is a failure outside the command line (exit 1), named as such.
  const RunResult down = RunCli({"verify", f.code, "--node", "http://127.0.0.1:1", "--genesis",
                                 (f.dir.path() / "genesis.json").string()});
  CHECK(down.code == 1);
  CHECK(down.output.find("cannot reach") != std::string::npos);
}

}  // namespace
}  // namespace shanliu
