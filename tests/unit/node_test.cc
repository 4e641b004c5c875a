// node::Node, the owner of a node's parts: one fan-out after every commit, in a fixed order.
#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "shanliu/crypto/codec.h"
#include "shanliu/ledger/witness.h"
#include "shanliu/node/offset_clock.h"
#include "shanliu/node/config.h"
#include "shanliu/node/node.h"
#include "shanliu/node/solo_producer.h"
#include "test_chain.h"

using namespace shanliu;
using shanliu::testing::TestChain;
using shanliu::testing::TempDir;

TEST_CASE("a committed block reaches the mempool, the checkpoint, the network and the subscriber in that order") {
  TestChain chain;
  // The node runs on the test chain's calendar: its clock stamps the block.
  node::ManualClock clock(chain.ledger().head().time_ms() + 60'000);
  const Bytes gift = chain.DonationTx("org:federation", 5'000, chain.bank, "bank-1");
  const ledger::Genesis genesis = chain.genesis();
  const std::filesystem::path data_dir = chain.dir();
  chain.Close();

  boost::asio::io_context io;
  node::NodeOptions options;
  options.data_dir = data_dir;
  options.block_interval_ms = 10;
  options.clock = &clock;
  auto opened = node::Node::Open(io, options, genesis, chain.validator());
  REQUIRE(opened.ok());
  node::Node& node = **opened;
  CHECK(node.role() == node::NodeRole::kSolo);

  std::vector<std::string> steps;
  node.SetTrace([&](std::string_view step, std::uint64_t height) {
    CHECK(height == 1);
    steps.emplace_back(step);
  });
  bool mempool_clear_for_subscriber = false;
  bool checkpoint_fresh_for_subscriber = false;
  node.SetOnCommitted([&](std::uint64_t height) {
    CHECK(height == 1);
    // What the API reads on this signal must already reflect the block.
    mempool_clear_for_subscriber = node.mempool().size() == 0;
    auto best = node.checkpoints().Best();
    checkpoint_fresh_for_subscriber = best && best->log_size == node.ledger().head().log_size();
    io.stop();
  });
  REQUIRE(node.Start().ok());
  // The head at start is cosigned at once (a restarted validator serves a checkpoint at once).
  REQUIRE(node.checkpoints().Best());
  CHECK(node.checkpoints().Best()->log_size == node.ledger().head().log_size());

  auto results = node.Submit({gift});
  REQUIRE(results.size() == 1);
  REQUIRE(results[0].second.ok());
  CHECK(node.PendingState(results[0].first, nullptr) == node::TxState::kPending);
  io.run();  // until the subscriber stops it

  CHECK(steps == std::vector<std::string>{"mempool", "checkpoint", "network", "subscriber"});
  CHECK(mempool_clear_for_subscriber);
  CHECK(checkpoint_fresh_for_subscriber);
  CHECK(node.ledger().height() == 1);
  CHECK(node.ledger().head().time_ms() == clock.WallMs());
  CHECK(node.PendingState(results[0].first, nullptr) == node::TxState::kUnknown);
  node.Stop();
}

TEST_CASE("a tx the rules refuse is answered at once and stays out of the pool") {
  TestChain chain;
  node::ManualClock clock(chain.ledger().head().time_ms() + 1000);
  // A donation signed by a key that no organisation holds.
  const crypto::KeyPair stranger = shanliu::testing::TestKey("stranger");
  const Bytes bad = chain.DonationTx("org:federation", 5'000, stranger);
  const ledger::Genesis genesis = chain.genesis();
  const std::filesystem::path data_dir = chain.dir();
  chain.Close();

  boost::asio::io_context io;
  node::NodeOptions options;
  options.data_dir = data_dir;
  options.clock = &clock;
  auto opened = node::Node::Open(io, options, genesis, chain.validator());
  REQUIRE(opened.ok());
  auto results = (*opened)->Submit({bad, Bytes{0x01, 0x02}});
  REQUIRE(results.size() == 2);
  CHECK(results[0].second.code() == "wrong_signer");
  CHECK(results[1].second.code() == "malformed");
  Status error;
  CHECK((*opened)->PendingState(results[0].first, &error) == node::TxState::kRejected);
  CHECK(error.code() == results[0].second.code());
  CHECK((*opened)->mempool().size() == 0);
}

TEST_CASE("an observer without peers is refused before anything is opened") {
  TestChain chain;
  const ledger::Genesis genesis = chain.genesis();
  TempDir fresh;
  boost::asio::io_context io;
  node::NodeOptions options;
  options.data_dir = fresh.path() / "data";
  options.observer = true;
  auto opened = node::Node::Open(io, options, genesis, chain.validator());
  REQUIRE_FALSE(opened.ok());
  CHECK(opened.status().code() == "invalid_config");
  CHECK_FALSE(std::filesystem::exists(options.data_dir));
  // A key outside the validator set is an observer too, and needs a peer as well.
  node::NodeOptions plain;
  plain.data_dir = fresh.path() / "data";
  auto stranger = node::Node::Open(io, plain, genesis, shanliu::testing::TestKey("not-a-validator"));
  REQUIRE_FALSE(stranger.ok());
  CHECK(stranger.status().code() == "invalid_config");
}

TEST_CASE("the single validator's plan: idle waits for the heartbeat, the first tx goes at once, a trickle batches") {
  const node::ProducerTiming timing{300, 60'000};
  // Nothing pending: only the heartbeat is due, counted from the last block.
  CHECK(node::PlanNextBlock(0, 1000, 0, timing).delay_ms == 60'000);
  CHECK(node::PlanNextBlock(0, 1000, 0, timing).heartbeat);
  CHECK(node::PlanNextBlock(0, 1000, 59'999, timing).delay_ms == 1);
  CHECK(node::PlanNextBlock(0, 1000, 60'000, timing).delay_ms == 0);
  CHECK(node::PlanNextBlock(0, 1000, 600'000, timing).delay_ms == 0);
  // A tx after an idle spell is not held back; one right after a block waits out the gap.
  CHECK(node::PlanNextBlock(1, 1000, 5'000, timing).delay_ms == 0);
  CHECK_FALSE(node::PlanNextBlock(1, 1000, 5'000, timing).heartbeat);
  CHECK(node::PlanNextBlock(1, 1000, 300, timing).delay_ms == 0);
  CHECK(node::PlanNextBlock(1, 1000, 299, timing).delay_ms == 1);
  CHECK(node::PlanNextBlock(1, 1000, 0, timing).delay_ms == 300);
  // A full block's worth pending is cut at once.
  CHECK(node::PlanNextBlock(999, 1000, 0, timing).delay_ms == 300);
  CHECK(node::PlanNextBlock(1000, 1000, 0, timing).delay_ms == 0);
}

TEST_CASE("blocks.heartbeat_ms is read with its bounds and the old empty-block wait is gone") {
  const auto parse = [](const std::string& blocks) {
    return node::ParseNodeConfig(R"({"data_dir": "d", "genesis": "g.json", "node_key": "k", "blocks": )" + blocks + "}",
                                 "/base");
  };
  auto defaults = node::ParseNodeConfig(R"({"data_dir": "d", "genesis": "g.json", "node_key": "k"})", "/base");
  REQUIRE(defaults.ok());
  CHECK(defaults->heartbeat_ms == 60'000);
  CHECK(parse(R"({"heartbeat_ms": 1000})")->heartbeat_ms == 1000);
  CHECK(parse(R"({"heartbeat_ms": 86400000})")->heartbeat_ms == 86'400'000);
  for (const char* bad : {R"({"heartbeat_ms": 999})", R"({"heartbeat_ms": 86400001})", R"({"heartbeat_ms": -5})",
                          R"({"heartbeat_ms": "60s"})", R"({"empty_block_wait_ms": 1000})"}) {
    auto parsed = parse(bad);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().code() == "invalid_config");
  }
}

TEST_CASE("mempool.planned_blocks is read with its bounds") {
  const auto parse = [](const std::string& mempool) {
    return node::ParseNodeConfig(
        R"({"data_dir": "d", "genesis": "g.json", "node_key": "k", "mempool": )" + mempool + "}", "/base");
  };
  auto defaults = node::ParseNodeConfig(R"({"data_dir": "d", "genesis": "g.json", "node_key": "k"})", "/base");
  REQUIRE(defaults.ok());
  CHECK(defaults->mempool.max_planned_blocks == 2);
  CHECK(parse(R"({"planned_blocks": 1})")->mempool.max_planned_blocks == 1);
  CHECK(parse(R"({"planned_blocks": 64})")->mempool.max_planned_blocks == 64);
  for (const char* bad : {R"({"planned_blocks": 0})", R"({"planned_blocks": 65})", R"({"planned_blocks": -1})",
                          R"({"planned_blocks": "2"})", R"({"planned_blocks": 2.5})", R"({"planned_block": 2})"}) {
    auto parsed = parse(bad);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().code() == "invalid_config");
  }
}

TEST_CASE("the audit schedule and documents_dir are read with their bounds") {
  const auto parse = [](const std::string& extra) {
    return node::ParseNodeConfig(R"({"data_dir": "d", "genesis": "g.json", "node_key": "k")" + extra + "}", "/base");
  };
  auto defaults = parse("");
  REQUIRE(defaults.ok());
  CHECK(defaults->audit.enabled);
  CHECK(defaults->audit.at_startup);
  CHECK(defaults->audit.every_blocks == 10'000);
  CHECK(defaults->audit.every_ms == 21'600'000);
  CHECK(defaults->audit.threads == 1);
  CHECK(defaults->api.documents_dir.empty());

  auto set = parse(R"(, "audit": {"enabled": false, "at_startup": false, "every_blocks": 10, "every_ms": 60000,
                      "threads": 2, "work_dir": "scratch"}, "api": {"documents_dir": "../docs"})");
  REQUIRE_MESSAGE(set.ok(), set.status().ToString());
  CHECK_FALSE(set->audit.enabled);
  CHECK_FALSE(set->audit.at_startup);
  CHECK(set->audit.every_blocks == 10);  // the boundary that passes
  CHECK(set->audit.every_ms == 60'000);
  CHECK(set->audit.threads == 2);
  CHECK(set->audit.work_dir == std::filesystem::path("/base/scratch"));
  CHECK(set->api.documents_dir == std::filesystem::path("/docs"));
  auto off = parse(R"(, "audit": {"every_blocks": 0, "every_ms": 0})");
  REQUIRE(off.ok());
  CHECK(off->audit.every_blocks == 0);
  CHECK(off->audit.every_ms == 0);

  for (const char* bad : {R"(, "audit": {"every_blocks": 9})", R"(, "audit": {"every_ms": 59999})",
                          R"(, "audit": {"every_ms": 2592000001})", R"(, "audit": {"enabled": "yes"})",
                          R"(, "audit": {"threads": 0})", R"(, "audit": {"every_blocks": -1})",
                          R"(, "audit": {"interval": 5})", R"(, "audit": []})", R"(, "api": {"documents_dir": 5})"}) {
    INFO(bad);
    auto parsed = parse(bad);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().code() == "invalid_config");
  }
}

TEST_CASE("witnesses are read as url and vkey or url, name and public_key, and anything else is refused") {
  const auto parse = [](const std::string& extra) {
    return node::ParseNodeConfig(R"({"data_dir": "d", "genesis": "g.json", "node_key": "k")" + extra + "}", "/base");
  };
  const auto key = shanliu::testing::TestKey("witness");
  const std::string vkey = ledger::FormatVerifierKey("news.example/w", ledger::kCosignatureV1KeyType, key.public_key);
  const std::string key_hex = crypto::ToHex(key.public_key);
  CHECK(parse("")->witnesses.empty());
  auto both = parse(R"(, "witnesses": [{"url": "http://127.0.0.1:7380", "vkey": ")" + vkey +
                    R"("}, {"url": "http://w2.example:80/tlog", "name": "w2", "public_key": ")" + key_hex + R"("}])");
  REQUIRE_MESSAGE(both.ok(), both.status().ToString());
  REQUIRE(both->witnesses.size() == 2);
  CHECK(both->witnesses[0].key.name == "news.example/w");
  CHECK(both->witnesses[0].key.public_key == key.public_key);
  CHECK(both->witnesses[1].url == "http://w2.example:80/tlog");
  CHECK(both->witnesses[1].key.key_id == ledger::NoteKeyId("w2", ledger::kCosignatureV1KeyType, key.public_key));

  const std::string ed25519 = ledger::FormatVerifierKey("w", ledger::kNoteEd25519KeyType, key.public_key);
  std::string many = R"(, "witnesses": [)";
  for (int i = 0; i < 33; ++i) {
    many += std::string(i ? "," : "") + R"({"url": "http://h:1", "name": "w)" + std::to_string(i) +
            R"(", "public_key": ")" + key_hex + R"("})";
  }
  many += "]";
  for (const std::string& bad :
       std::vector<std::string>{R"(, "witnesses": {})", R"(, "witnesses": [{"url": "http://h:1"}])",
        R"(, "witnesses": [{"url": "https://h:1", "vkey": ")" + vkey + R"("}])",
        R"(, "witnesses": [{"vkey": ")" + vkey + R"("}])",
        R"(, "witnesses": [{"url": "http://h:1", "vkey": ")" + vkey + R"(x"}])",
        R"(, "witnesses": [{"url": "http://h:1", "vkey": ")" + ed25519 + R"("}])",
        R"(, "witnesses": [{"url": "http://h:1", "vkey": ")" + vkey + R"(", "name": "x"}])",
        R"(, "witnesses": [{"url": "http://h:1", "name": "a b", "public_key": ")" + key_hex + R"("}])",
        std::string(R"(, "witnesses": [{"url": "http://h:1", "name": "w", "public_key": "00"}])"),
        R"(, "witnesses": [{"url": "http://h:1", "vkey": ")" + vkey + R"(", "port": 1}])",
        R"(, "witnesses": [{"url": "http://h:1", "vkey": ")" + vkey + R"("}, {"url": "http://h:2", "vkey": ")" + vkey +
            R"("}])",
        many}) {
    INFO(bad.substr(0, 200));
    auto parsed = parse(bad);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().code() == "invalid_config");
  }
}

TEST_CASE("test_only.clock_offset_ms is read with its bounds either way and anything else is refused") {
  const auto parse = [](const std::string& test_only) {
    return node::ParseNodeConfig(
        R"({"data_dir": "d", "genesis": "g.json", "node_key": "k", "test_only": )" + test_only + "}", "/base");
  };
  auto defaults = node::ParseNodeConfig(R"({"data_dir": "d", "genesis": "g.json", "node_key": "k"})", "/base");
  REQUIRE(defaults.ok());
  CHECK(defaults->test_clock_offset_ms == 0);
  CHECK(parse("{}")->test_clock_offset_ms == 0);
  CHECK(parse(R"({"clock_offset_ms": -2500})")->test_clock_offset_ms == -2500);
  CHECK(parse(R"({"clock_offset_ms": 3600000})")->test_clock_offset_ms == node::kMaxTestClockOffsetMs);
  CHECK(parse(R"({"clock_offset_ms": -3600000})")->test_clock_offset_ms == -node::kMaxTestClockOffsetMs);
  for (const char* bad :
       {R"({"clock_offset_ms": 3600001})", R"({"clock_offset_ms": -3600001})", R"({"clock_offset_ms": 1.5})",
        R"({"clock_offset_ms": "5s"})", R"({"clock_offset_ms": 18446744073709551615})",
        R"({"clock_offset_ms": -9223372036854775808})", R"({"clock_offset_ms": null})", R"({"disk_quota": 1})",
        R"(7)", R"([])"}) {
    auto parsed = parse(bad);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().code() == "invalid_config");
  }
}

TEST_CASE("storage.auto_repair and repair_timeout_ms are read with their bounds and anything else is refused") {
  const auto parse = [](const std::string& storage) {
    return node::ParseNodeConfig(
        R"({"data_dir": "d", "genesis": "g.json", "node_key": "k", "storage": )" + storage + "}", "/base");
  };
  auto defaults = node::ParseNodeConfig(R"({"data_dir": "d", "genesis": "g.json", "node_key": "k"})", "/base");
  REQUIRE(defaults.ok());
  CHECK_FALSE(defaults->auto_repair.has_value());  // the role decides (main.cc)
  CHECK(defaults->repair_timeout_ms == 10'000);
  CHECK(*parse(R"({"auto_repair": true})")->auto_repair);
  CHECK_FALSE(*parse(R"({"auto_repair": false})")->auto_repair);
  CHECK(parse(R"({"repair_timeout_ms": 100})")->repair_timeout_ms == 100);
  CHECK(parse(R"({"repair_timeout_ms": 600000})")->repair_timeout_ms == 600'000);
  for (const char* bad : {R"({"auto_repair": 1})", R"({"auto_repair": "yes"})", R"({"auto_repair": null})",
                          R"({"repair_timeout_ms": 99})", R"({"repair_timeout_ms": 600001})",
                          R"({"repair_timeout_ms": -1})", R"({"repair": true})", R"(true)", R"([])"}) {
    CAPTURE(bad);
    auto parsed = parse(bad);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().code() == "invalid_config");
  }
}

TEST_CASE("an offset clock moves its base by the offset and never below zero") {
  node::ManualClock base(10'000);
  CHECK(node::OffsetClock(base, 0).WallMs() == 10'000);
  CHECK(node::OffsetClock(base, 2'500).WallMs() == 12'500);
  CHECK(node::OffsetClock(base, -2'500).WallMs() == 7'500);
  CHECK(node::OffsetClock(base, -10'000).WallMs() == 0);
  CHECK(node::OffsetClock(base, -10'001).WallMs() == 0);
  CHECK(node::OffsetClock(base, INT64_MIN).WallMs() == 0);
  const node::OffsetClock skewed(base, -1'000);
  base.Advance(5'000);  // it follows its base
  CHECK(skewed.WallMs() == 14'000);
}
