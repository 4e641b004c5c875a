// Issue 18 (small items): `shanliu key show FILE [--node URL]` prints a key file's public key and
// the organisations that registered it; `shanliu trace` takes the 64-hex tx id the API and
// `shanliu tx` print, as well as receipt codes. Against a real chain served by the real API.
#include <doctest/doctest.h>

#include "cli_run.h"
#include "test_chain.h"

#include <string>

#include "shanliu/api/server.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/keys.h"
#include "shanliu/ledger/tx.h"
#include "shanliu/pb/shanliu.pb.h"

namespace shanliu {
namespace {

using testing::RunCli;
using testing::TempDir;
using testing::TestChain;
using testing::TestKey;

struct Served {
  Served() {
    REQUIRE(chain.RegisterOrg("charity-k", pb::ORG_KIND_CHARITY, charity).ok());
    gift = chain.DonationTx("org:charity-k", 1'234'00, charity);
    REQUIRE(chain.Commit(gift).ok());
    api::ServerConfig config;
    config.port = 0;
    server = std::make_unique<api::Server>(config, chain.ledger(), api::NodeHooks{});
    REQUIRE(server->Start().ok());
    url = "http://127.0.0.1:" + std::to_string(server->port());
  }
  ~Served() { server->Stop(); }
  Hash256 GiftId() const {
    pb::Tx tx;
    REQUIRE(tx.ParseFromArray(gift.data(), static_cast<int>(gift.size())));
    return ledger::TxId(AsBytes(tx.body()));
  }

  TestChain chain;
  crypto::KeyPair charity = TestKey("charity-k");
  Bytes gift;
  std::unique_ptr<api::Server> server;
  std::string url;
};

TEST_CASE("key show prints the public key, and with a node the organisation that registered it") {
  Served s;
  TempDir dir;
  const std::string file = (dir.path() / "charity.key").string();
  REQUIRE(crypto::WriteKeyFile(file, s.charity).ok());
  const std::string hex = crypto::ToHex(s.charity.public_key);

  const testing::CliRun alone = RunCli({"key", "show", file});
  CHECK(alone.code == 0);
  CHECK(alone.output == "public key " + hex + "\n");

  const testing::CliRun with_node = RunCli({"key", "show", file, "--node", s.url});
  CHECK_MESSAGE(with_node.code == 0, with_node.output);
  CHECK(with_node.output.find("public key " + hex + "\n") == 0);
  CHECK(with_node.output.find("org charity-k charity ") != std::string::npos);

  const std::string stranger = (dir.path() / "stranger.key").string();
  REQUIRE(crypto::WriteKeyFile(stranger, TestKey("nobody")).ok());
  const testing::CliRun none = RunCli({"key", "show", stranger, "--node", s.url});
  CHECK(none.code == 0);
  CHECK(none.output.find("org none\n") != std::string::npos);
}

TEST_CASE("key show refuses what is not a key file and bad usage") {
  TempDir dir;
  CHECK(RunCli({"key"}).code == 2);
  CHECK(RunCli({"key", "show"}).code == 2);
  CHECK(RunCli({"key", "list", "x"}).code == 2);
  CHECK(RunCli({"key", "show", "a", "b"}).code == 2);
  CHECK(RunCli({"key", "show", (dir.path() / "missing.key").string()}).code == 1);
  const testing::CliRun not_key = RunCli({"key", "show", "/etc/hostname"});
  CHECK(not_key.code == 1);
  CHECK(not_key.output.find("public key") == std::string::npos);
  // Unreachable node: the key is still printed, then the lookup fails.
  const std::string file = (dir.path() / "k.key").string();
  REQUIRE(crypto::WriteKeyFile(file, TestKey("k")).ok());
  const testing::CliRun down = RunCli({"key", "show", file, "--node", "http://127.0.0.1:1"});
  CHECK(down.code == 1);
  CHECK(down.output.find("public key " + crypto::ToHex(TestKey("k").public_key)) == 0);
}

TEST_CASE("trace takes a tx id in hex as well as the receipt code, in either case") {
  Served s;
  const Hash256 id = s.GiftId();
  const std::string code = crypto::ToBase32(id);
  const testing::CliRun by_code = RunCli({"trace", code, "--node", s.url});
  REQUIRE_MESSAGE(by_code.code == 0, by_code.output);
  CHECK(by_code.output.find(code) != std::string::npos);
  for (const std::string& ref : {crypto::ToHex(id), [&] {
                                   std::string upper = crypto::ToHex(id);
                                   for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
                                   return upper;
                                 }()}) {
    const testing::CliRun by_id = RunCli({"trace", ref, "--node", s.url});
    CHECK_MESSAGE(by_id.code == 0, by_id.output);
    CHECK(by_id.output == by_code.output);
  }
  // 63 or 65 hex digits, or 64 with a non-hex character, are neither a code nor an id.
  const std::string hex = crypto::ToHex(id);
  CHECK(RunCli({"trace", hex.substr(1), "--node", s.url}).code == 2);
  CHECK(RunCli({"trace", hex + "0", "--node", s.url}).code == 2);
  CHECK(RunCli({"trace", "g" + hex.substr(1), "--node", s.url}).code == 2);
  // A well-formed id of no tx: the node's typed 404.
  const testing::CliRun unknown = RunCli({"trace", std::string(64, 'a'), "--node", s.url});
  CHECK(unknown.code == 1);
  CHECK(unknown.output.find("not_found") != std::string::npos);
}

}  // namespace
}  // namespace shanliu
