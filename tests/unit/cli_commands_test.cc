// The shanliu commands that need no running node: devnet (files, keys, configs, refusal to
// overwrite), tx --dry-run (offline build, sign and check), demo --data-dir (the whole demo
// district through the real state machine) and the usage errors of every command.
#include <doctest/doctest.h>

#include "cli_run.h"
#include "test_chain.h"
#include <sodium.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/hash.h"
#include "shanliu/crypto/keys.h"
#include "shanliu/ledger/flow.h"
#include "shanliu/ledger/goods.h"
#include "shanliu/ledger/genesis.h"
#include "shanliu/ledger/ledger.h"
#include "shanliu/ledger/tx.h"
#include "shanliu/node/config.h"

namespace shanliu {
namespace {

namespace fs = std::filesystem;

using RunResult = testing::CliRun;
using testing::RunCli;

using testing::TempDir;

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

unsigned Mode(const fs::path& p) {
  struct stat st{};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

// The line of `output` that starts with `label` (after spaces), without the label.
std::string Field(const std::string& output, const std::string& label) {
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);) {
    const auto start = line.find_first_not_of(' ');
    if (start != std::string::npos && line.compare(start, label.size(), label) == 0) {
      const std::string rest = line.substr(start + label.size());
      return rest.substr(std::min(rest.size(), rest.find_first_not_of(' ')));
    }
  }
  return "";
}

// ---------------------------------------------------------------- devnet

TEST_CASE("devnet writes a genesis, 0600 keys and node configs with the right ports and peers") {
  TempDir tmp;
  const fs::path dir = tmp.path() / "net";
  const RunResult r = RunCli({"devnet", "--dir", dir.string(), "--validators", "4", "--observers", "1", "--base-port",
                              "19000", "--chain-id", "cli-devnet-test", "--explorer-dir", ""});
  INFO(r.output);
  REQUIRE(r.code == 0);
  CHECK(r.output.find("http://127.0.0.1:19000") != std::string::npos);
  CHECK(r.output.find("http://127.0.0.1:19040") != std::string::npos);

  auto genesis = ledger::ParseGenesis(ReadFile(dir / "genesis.json"));
  REQUIRE(genesis.ok());
  CHECK(genesis->chain_id == "cli-devnet-test");

  // Organisations: the bureau, the federation and (at least 3) banks, each with a saved key.
  std::vector<std::string> ids;
  for (const ledger::GenesisOrg& o : genesis->organisations) ids.push_back(o.org_id);
  CHECK(ids == std::vector<std::string>{"bureau", "federation", "bank-1", "bank-2", "bank-3"});
  std::set<crypto::PublicKey> org_keys;
  for (const ledger::GenesisOrg& o : genesis->organisations) {
    CHECK(o.kind == (o.org_id == "bureau"       ? pb::ORG_KIND_BUREAU
                     : o.org_id == "federation" ? pb::ORG_KIND_FEDERATION
                                                : pb::ORG_KIND_BANK));
    CHECK(o.credit_code.size() == 18);
    CHECK(!o.name_zh.empty());
    CHECK(!o.name_en.empty());
    REQUIRE(o.public_keys.size() == 1);
    const fs::path key_file = dir / "keys" / (o.org_id + ".key");
    CHECK(Mode(key_file) == 0600);
    auto key = crypto::ReadKeyFile(key_file);
    REQUIRE(key.ok());
    CHECK(key->public_key == o.public_keys[0]);
    org_keys.insert(o.public_keys[0]);
  }
  CHECK(genesis->organisations[0].name_zh.find("民政局") != std::string::npos);
  CHECK(genesis->organisations[1].name_zh.find("慈善总会") != std::string::npos);

  // Validators: node0 bureau, node1 federation, node2.. banks; node keys apart from org keys.
  REQUIRE(genesis->validators.size() == 4);
  const std::vector<std::string> runners = {"bureau", "federation", "bank-1", "bank-2"};
  std::vector<crypto::PublicKey> node_keys;
  for (int i = 0; i < 5; ++i) {
    const fs::path node_dir = dir / ("node" + std::to_string(i));
    CHECK(Mode(node_dir / "node.key") == 0600);
    auto key = crypto::ReadKeyFile(node_dir / "node.key");
    REQUIRE(key.ok());
    CHECK(!org_keys.count(key->public_key));
    node_keys.push_back(key->public_key);
    if (i < 4) {
      CHECK(genesis->validators[static_cast<std::size_t>(i)].public_key == key->public_key);
      CHECK(genesis->validators[static_cast<std::size_t>(i)].org_id == runners[static_cast<std::size_t>(i)]);
    } else {
      CHECK(genesis->ValidatorIndex(key->public_key) == -1);
    }
  }

  // Configs load with the node's own parser; ports P+10i and P+10i+1; every other node a peer.
  for (int i = 0; i < 5; ++i) {
    const fs::path node_dir = fs::canonical(dir / ("node" + std::to_string(i)));
    auto config = node::LoadNodeConfig(node_dir / "config.json");
    REQUIRE(config.ok());
    CHECK(config->api.port == 19000 + 10 * i);
    CHECK(config->p2p_port == 19000 + 10 * i + 1);
    CHECK(config->api.listen_address == "127.0.0.1");
    CHECK(config->observer == (i == 4));
    CHECK(config->data_dir == node_dir / "data");
    CHECK(config->node_key == node_dir / "node.key");
    CHECK(fs::equivalent(config->genesis, dir / "genesis.json"));
    CHECK(config->api.explorer_dir.empty());
    REQUIRE(config->peers.size() == 4);
    std::set<std::string> addresses;
    for (const node::PeerConfig& peer : config->peers) {
      const auto k = std::find(node_keys.begin(), node_keys.end(), peer.public_key) - node_keys.begin();
      REQUIRE(k < 5);
      CHECK(k != i);
      CHECK(peer.address == "127.0.0.1:" + std::to_string(19000 + 10 * k + 1));
      addresses.insert(peer.address);
    }
    CHECK(addresses.size() == 4);
  }
}

TEST_CASE("devnet refuses to overwrite an existing network unless --force") {
  TempDir tmp;
  const fs::path dir = tmp.path() / "net";
  REQUIRE(RunCli({"devnet", "--dir", dir.string(), "--validators", "1"}).code == 0);
  const std::string before = ReadFile(dir / "genesis.json");
  const std::string node_key = ReadFile(dir / "node0" / "node.key");
  fs::create_directories(dir / "node0" / "data");
  std::ofstream(dir / "node0" / "data" / "CURRENT") << "old ledger";

  const RunResult again = RunCli({"devnet", "--dir", dir.string(), "--validators", "1"});
  CHECK(again.code == 1);
  CHECK(again.output.find("--force") != std::string::npos);
  CHECK(ReadFile(dir / "genesis.json") == before);
  CHECK(ReadFile(dir / "node0" / "node.key") == node_key);
  CHECK(fs::exists(dir / "node0" / "data" / "CURRENT"));

  const RunResult forced = RunCli({"devnet", "--dir", dir.string(), "--validators", "2", "--force"});
  INFO(forced.output);
  CHECK(forced.code == 0);
  CHECK(ReadFile(dir / "genesis.json") != before);
  CHECK(!fs::exists(dir / "node0" / "data"));  // the old chain's ledger went with it
  auto genesis = ledger::LoadGenesis(dir / "genesis.json");
  REQUIRE(genesis.ok());
  CHECK(genesis->validators.size() == 2);
}

TEST_CASE("devnet validates its options") {
  TempDir tmp;
  const std::string dir = (tmp.path() / "net").string();
  CHECK(RunCli({"devnet", "--validators", "1"}).code == 2);
  CHECK(RunCli({"devnet", "--dir", dir}).code == 2);
  CHECK(RunCli({"devnet", "--dir", dir, "--validators", "0"}).code == 2);
  CHECK(RunCli({"devnet", "--dir", dir, "--validators", "13"}).code == 2);
  CHECK(RunCli({"devnet", "--dir", dir, "--validators", "two"}).code == 2);
  CHECK(RunCli({"devnet", "--dir", dir, "--validators", "1", "--base-port", "65535"}).code == 2);
  CHECK(RunCli({"devnet", "--dir", dir, "--validators", "1", "--chain-id", "Bad Chain"}).code == 2);
  CHECK(RunCli({"devnet", "--dir", dir, "--validators", "1", "--colour", "red"}).code == 2);
  CHECK(!fs::exists(tmp.path() / "net"));
}

// ---------------------------------------------------------------- tx

TEST_CASE("tx --dry-run builds, signs and checks a transaction without a node") {
  TempDir tmp;
  const fs::path dir = tmp.path() / "net";
  REQUIRE(RunCli({"devnet", "--dir", dir.string(), "--validators", "1"}).code == 0);
  const std::string bank = (dir / "keys" / "bank-1.key").string();
  const std::string donor_ref(64, 'a');
  const RunResult r = RunCli({"tx", "donation", "--key", bank, "--chain-id", "shanliu-devnet", "--height", "41",
                              "--dry-run", "--to", "org:federation", "--amount-fen", "5000", "--json",
                              R"({"donor_ref":")" + donor_ref + R"(","channel":"bank_transfer","attesting_bank":"bank-1"})"});
  INFO(r.output);
  REQUIRE(r.code == 0);
  const std::string envelope_b64 = Field(r.output, "envelope");
  Bytes envelope(envelope_b64.size());
  std::size_t length = 0;
  REQUIRE(sodium_base642bin(envelope.data(), envelope.size(), envelope_b64.data(), envelope_b64.size(), nullptr,
                            &length, nullptr, sodium_base64_VARIANT_ORIGINAL) == 0);
  envelope.resize(length);
  auto tx = ledger::DecodeTx(envelope, "shanliu-devnet");
  REQUIRE(tx.ok());
  CHECK(Field(r.output, "id") == crypto::ToHex(tx->id));
  CHECK(Field(r.output, "code") == crypto::ToBase32(tx->id));
  CHECK(tx->body.expires_at_height() == 141);
  // An hour from when it was signed, by default.
  CHECK(tx->body.expires_at_ms() == tx->body.created_at_ms() + 3'600'000);
  REQUIRE(tx->body.has_donation());
  CHECK(tx->body.donation().to_account() == "org:federation");
  CHECK(tx->body.donation().amount_fen() == 5000);
  CHECK(tx->body.donation().channel() == pb::DONATION_CHANNEL_BANK_TRANSFER);
  CHECK(tx->body.donation().attesting_bank() == "bank-1");
  CHECK(tx->body.nonce() != 0);
  REQUIRE(tx->signers.size() == 1);
  CHECK(tx->signers[0] == crypto::ReadKeyFile(bank)->public_key);

  // Co-signed kinds take several keys, in order.
  const RunResult two = RunCli({"tx", "trust_disbursement", "--key", bank, "--key", (dir / "keys" / "federation.key").string(),
                                "--chain-id", "shanliu-devnet", "--height", "1", "--dry-run", "--trust", "some-trust",
                                "--to", "project:p-1", "--amount-fen", "100", "--expires-in", "1000"});
  INFO(two.output);
  CHECK(two.code == 0);
  CHECK(two.output.find("at height 1001") != std::string::npos);

  // --expires-in-ms sets the time bound: one minute to 24 hours.
  const std::vector<std::string> disclose = {"tx", "disclosure", "--key", bank, "--chain-id", "shanliu-devnet",
                                             "--height", "1", "--dry-run", "--json",
                                             R"({"org_id":"bank-1","type":"audit","title":"t","document_sha256":")" +
                                                 std::string(64, 'b') + R"("})"};
  auto with_ms = [&](const std::string& ms) {
    std::vector<std::string> args = disclose;
    args.insert(args.end(), {"--expires-in-ms", ms});
    return RunCli(args);
  };
  CHECK(with_ms("60000").code == 0);
  CHECK(with_ms("86400000").code == 0);
  CHECK(with_ms("59999").code == 2);
  CHECK(with_ms("86400001").code == 2);

  // The time bank's kinds, spelled as typed at a shell, with their own field flags.
  const std::string holder = crypto::ToHex(crypto::ReadKeyFile(bank)->public_key);
  const std::string fresh(64, 'c');
  const RunResult exchange =
      RunCli({"tx", "service-exchange", "--key", bank, "--chain-id", "shanliu-devnet", "--height", "1", "--dry-run",
              "--holder", holder, "--org", "federation", "--minutes", "60", "--service", "上门理发"});
  INFO(exchange.output);
  CHECK(exchange.code == 0);
  const RunResult move = RunCli({"tx", "move-points", "--key", bank, "--chain-id", "shanliu-devnet", "--height", "1",
                                 "--dry-run", "--from-holder", holder, "--to-holder", fresh});
  INFO(move.output);
  CHECK(move.code == 0);
  // The same key on both sides is caught before sending; a flag of another kind is a usage error.
  const RunResult same = RunCli({"tx", "move_points", "--key", bank, "--chain-id", "shanliu-devnet", "--height", "1",
                                 "--dry-run", "--from-holder", holder, "--to-holder", holder});
  CHECK(same.code != 0);
  CHECK(same.output.find("to_holder") != std::string::npos);
  CHECK(RunCli({"tx", "move-points", "--key", bank, "--chain-id", "shanliu-devnet", "--height", "1", "--dry-run",
                "--service", "x", "--from-holder", holder, "--to-holder", fresh})
            .code == 2);
}

TEST_CASE("tx shows stateless errors before any network trip and validates its options") {
  TempDir tmp;
  const fs::path dir = tmp.path() / "net";
  REQUIRE(RunCli({"devnet", "--dir", dir.string(), "--validators", "1"}).code == 0);
  const std::string key = (dir / "keys" / "bureau.key").string();
  const std::vector<std::string> offline = {"--key", key, "--chain-id", "c-1", "--height", "1", "--dry-run"};
  const auto run = [&](std::vector<std::string> args) {
    args.insert(args.end(), offline.begin(), offline.end());
    return RunCli(args);
  };
  // A malformed field is found locally: exit 1 naming the field.
  const RunResult zero = run({"tx", "transfer", "--from", "org:a-1", "--to", "org:b-1", "--amount-fen", "0"});
  CHECK(zero.code == 1);
  CHECK(zero.output.find("amount_fen") != std::string::npos);
  // Personal data in free text is refused locally too, naming the field.
  const RunResult phone = run({"tx", "transfer", "--from", "org:a-1", "--to", "org:b-1", "--amount-fen", "1",
                               "--purpose", "联系 138 1234 5678"});
  CHECK(phone.code == 1);
  CHECK(phone.output.find("personal_data") != std::string::npos);
  CHECK(phone.output.find("transfer.purpose") != std::string::npos);
  // Credit codes and regions are checked locally with the ledger's own rules.
  const auto reg = [&](const std::string& code) {
    return run({"tx", "register_org", "--org", "new-charity", "--json",
                R"({"kind":"charity","name_zh":"新慈善","credit_code":")" + code + R"(","public_keys":[")" +
                    std::string(64, 'c') + R"("]})"});
  };
  const RunResult all_a = reg("AAAAAAAAAAAAAAAAAA");
  CHECK(all_a.code == 1);
  CHECK(all_a.output.find("invalid_credit_code") != std::string::npos);
  CHECK(reg("91350100M000100Y44").code == 1);
  CHECK(reg("91350100M000100Y43").code == 0);
  const auto open = [&](const std::string& region) {
    return run({"tx", "open_project", "--org", "federation", "--project", "flood-1", "--category", "disaster-relief",
                "--json", R"({"name_zh":"防汛","region":")" + region + R"(","budget_fen":100,"ends_at_ms":1})"});
  };
  const RunResult mars = open("火星");
  CHECK(mars.code == 1);
  CHECK(mars.output.find("unknown_region") != std::string::npos);
  CHECK(open("330100").code == 1);
  CHECK(open("330106").code == 0);
  // Usage errors: exit 2.
  CHECK(run({"tx", "teleport"}).code == 2);
  CHECK(run({"tx"}).code == 2);
  const RunResult unknown = run({"tx", "spend", "--json", R"({"colour":"red"})"});
  CHECK(unknown.code == 2);
  CHECK(unknown.output.find("colour") != std::string::npos);
  CHECK(unknown.output.find("fields of spend") != std::string::npos);
  CHECK(run({"tx", "register_org", "--to", "org:x-1"}).code == 2);  // --to does not apply
  CHECK(run({"tx", "spend", "--amount-fen", "12.5"}).code == 2);
  CHECK(run({"tx", "spend", "--json", "[1]"}).code == 2);
  CHECK(run({"tx", "spend", "--json", R"({"amount_fen":1})", "--amount-fen", "2"}).code == 2);
  CHECK(run({"tx", "spend", "--expires-in", "1001"}).code == 2);
  CHECK(RunCli({"tx", "spend", "--chain-id", "c-1", "--height", "1", "--dry-run"}).code == 2);  // no key
  CHECK(RunCli({"tx", "spend", "--key", key}).code == 2);                                      // no node
  // A missing key file or an unreachable node: exit 1 with a clear message.
  CHECK(RunCli({"tx", "spend", "--key", (dir / "missing.key").string(), "--chain-id", "c-1", "--height", "1",
                "--dry-run"})
            .code == 1);
  const RunResult down = RunCli({"tx", "disclosure", "--key", key, "--node", "http://127.0.0.1:1"});
  CHECK(down.code == 1);
  CHECK(down.output.find("cannot reach") != std::string::npos);
}

// ---------------------------------------------------------------- demo, trace, general

// Sum of the spent pieces of a trace.
std::int64_t Spent(const std::vector<ledger::flow::TraceNode>& nodes) {
  std::int64_t sum = 0;
  for (const auto& n : nodes) sum += (n.fate == ledger::flow::Fate::kSpent ? n.amount_fen : 0) + Spent(n.children);
  return sum;
}

TEST_CASE("demo --data-dir loads the whole district through the real state machine, deterministically") {
  TempDir tmp;
  const fs::path dir = tmp.path() / "net";
  REQUIRE(RunCli({"devnet", "--dir", dir.string(), "--validators", "1"}).code == 0);
  const RunResult r = RunCli({"demo", "--data-dir", (dir / "node0" / "data").string(), "--dir", dir.string(),
                              "--donations", "400", "--seed", "cli-test"});
  INFO(r.output);
  REQUIRE(r.code == 0);
  CHECK(r.output.find("✗") == std::string::npos);
  CHECK(Field(r.output, "donations").starts_with("400 totalling"));
  CHECK(Field(r.output, "organisations") == "20 charities, 3 partner shops, 1 trustee (registered by the bureau)");
  CHECK(Field(r.output, "projects").starts_with("50 ("));

  // Every key it derived is saved, 0600, so later commands can sign as those organisations.
  CHECK(Mode(dir / "keys" / "xihu-sunshine-elder.key") == 0600);
  CHECK(fs::exists(dir / "keys" / "xihu-trust.key"));
  CHECK(fs::exists(dir / "keys" / "resident-1.key"));

  // The receipts it suggests are donations whose money was partly spent.
  std::vector<std::string> codes;
  std::istringstream lines(r.output.substr(r.output.find("receipts to try")));
  for (std::string line; std::getline(lines, line);) {
    if (line.size() > 54 && line.starts_with("  ") && line[54] == ' ') codes.push_back(line.substr(2, 52));
  }
  REQUIRE(codes.size() == 3);
  auto genesis = ledger::LoadGenesis(dir / "genesis.json");
  REQUIRE(genesis.ok());
  {
    auto opened = ledger::Ledger::Open(dir / "node0" / "data", *genesis);
    REQUIRE(opened.ok());
    auto view = (*opened)->Read();
    CHECK(view->Stats().donation_count() == 400);
    // The time bank: services paid for banked time, and one balance moved to a fresh key.
    CHECK(view->Stats().service_exchange_count() >= 2);
    CHECK(view->Stats().points_move_count() == 1);
    // In-kind goods: a relief drive of masks, rice and quilts, each moved on (arrival confirmed)
    // and handed out by both holders; goods are conserved per item and never touch cash.
    CHECK(view->Stats().goods_donation_count() == 3);
    CHECK(view->Stats().goods_transfer_count() == 3);
    CHECK(view->Stats().goods_distribution_count() == 6);
    CHECK(ledger::goods::CheckConservation(view->state()).ok());
    CHECK(ledger::flow::CheckConservation(view->state()).ok());
    // Give back: the federation listed the partner shops' items, and redemptions reference them.
    CHECK(view->Catalogue("xihu-charity-mart", "", 10).size() == 4);
    auto haircut = view->CatalogueItem("wulin-barber", "haircut");
    REQUIRE(haircut.has_value());
    CHECK(haircut->entry().points() == 30);
    CHECK(haircut->entry().active());
    for (const std::string& code : codes) {
      auto id = crypto::FromBase32(code);
      REQUIRE(id.ok());
      Hash256 h{};
      std::copy(id->begin(), id->end(), h.begin());
      auto gift = view->Gift(h);
      REQUIRE(gift.has_value());
      const auto trace = ledger::flow::TraceForward(view->state(), gift->account(), gift->interval_start(),
                                                    gift->amount_fen());
      const std::int64_t spent = Spent(trace.roots);
      CHECK(spent > 0);
      CHECK(spent < gift->amount_fen());
    }
    // Disclosure documents are files under DIR/documents that the devnet node serves at
    // /documents/, and each hashes to the document_sha256 its disclosure records.
    auto config = node::LoadNodeConfig(dir / "node0" / "config.json");
    REQUIRE(config.ok());
    const std::string prefix = "http://127.0.0.1:" + std::to_string(config->api.port) + "/documents/";
    CHECK(fs::equivalent(config->api.documents_dir, dir / "documents"));
    const auto leaves = view->Disclosures("federation", UINT64_MAX, 100);
    REQUIRE(leaves.size() >= 2);
    for (std::uint64_t leaf : leaves) {
      auto tx = view->TxByLeaf(leaf);
      REQUIRE(tx.has_value());
      const pb::Disclosure& d = tx->body.disclosure();
      INFO(d.url());
      REQUIRE(d.url().starts_with(prefix));
      const std::string content = ReadFile(dir / "documents" / d.url().substr(prefix.size()));
      REQUIRE_FALSE(content.empty());
      const Hash256 digest = crypto::Sha256(AsBytes(content));
      CHECK(d.document_sha256() == std::string(digest.begin(), digest.end()));
    }
  }

  // Same seed, same district (amounts, names, keys); another seed is refused for this folder's keys.
  const fs::path dir2 = tmp.path() / "net2";
  REQUIRE(RunCli({"devnet", "--dir", dir2.string(), "--validators", "1"}).code == 0);
  const RunResult r2 = RunCli({"demo", "--data-dir", (dir2 / "node0" / "data").string(), "--dir", dir2.string(),
                               "--donations", "400", "--seed", "cli-test"});
  REQUIRE(r2.code == 0);
  for (const char* label : {"donations", "spending", "allocations", "charity trust", "points", "refunds", "time bank"}) {
    CHECK(Field(r.output, label) == Field(r2.output, label));
  }
  CHECK(ReadFile(dir / "keys" / "hz-food-bank.key") == ReadFile(dir2 / "keys" / "hz-food-bank.key"));
  const RunResult other_seed = RunCli({"demo", "--data-dir", (dir2 / "node0" / "data").string(), "--dir",
                                       dir2.string(), "--donations", "10", "--seed", "another"});
  CHECK(other_seed.code == 1);
  CHECK(other_seed.output.find("another --seed") != std::string::npos);

  // Loading the same district twice is refused by the ledger's rules and reported, not ignored.
  const RunResult twice = RunCli({"demo", "--data-dir", (dir2 / "node0" / "data").string(), "--dir", dir2.string(),
                                  "--donations", "400", "--seed", "cli-test"});
  CHECK(twice.code == 1);
  CHECK(twice.output.find("already_exists") != std::string::npos);
  CHECK(twice.output.find("rejected") != std::string::npos);
}

TEST_CASE("demo and trace validate their options") {
  TempDir tmp;
  CHECK(RunCli({"demo", "--dir", tmp.path().string()}).code == 2);  // neither --node nor --data-dir
  CHECK(RunCli({"demo", "--node", "http://127.0.0.1:1", "--data-dir", "x", "--dir", "d"}).code == 2);
  CHECK(RunCli({"demo", "--node", "http://127.0.0.1:1"}).code == 2);  // no --dir
  CHECK(RunCli({"demo", "--node", "http://127.0.0.1:1", "--dir", "d", "--donations", "-5"}).code == 2);
  CHECK(RunCli({"demo", "--node", "http://127.0.0.1:1", "--dir", (tmp.path() / "none").string()}).code == 1);

  CHECK(RunCli({"trace", "--node", "http://127.0.0.1:1"}).code == 2);
  CHECK(RunCli({"trace", "abc", "--node", "http://127.0.0.1:1"}).code == 2);  // too short for a code
  CHECK(RunCli({"trace", "aaaaaaaaaaaaaaaa"}).code == 2);                     // no node
  const RunResult down = RunCli({"trace", "aaaaaaaaaaaaaaaa", "--node", "http://127.0.0.1:1"});
  CHECK(down.code == 1);
  CHECK(down.output.find("cannot reach") != std::string::npos);
}

TEST_CASE("every command documents itself and unknown commands are usage errors") {
  for (const char* command : {"keygen", "key", "devnet", "tx", "demo", "trace", "verify", "audit", "checkpoint", "export"}) {
    const RunResult help = RunCli({command, "--help"});
    CHECK(help.code == 0);
    CHECK(help.output.find(std::string("usage: shanliu ") + command) != std::string::npos);
  }
  const RunResult top = RunCli({"help"});
  CHECK(top.code == 0);
  for (const char* command : {"keygen", "key", "devnet", "tx", "demo", "trace", "verify", "audit", "checkpoint", "export"}) {
    CHECK(top.output.find(std::string("  ") + command) != std::string::npos);
  }
  CHECK(RunCli({}).code == 2);
  CHECK(RunCli({"frobnicate"}).code == 2);
}

}  // namespace
}  // namespace shanliu
