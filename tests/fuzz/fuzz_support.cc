#include "fuzz_support.h"

#include <google/protobuf/stubs/logging.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include "shanliu/crypto/hash.h"
#include "shanliu/node/runner.h"
#include "shanliu/pb/shanliu.pb.h"

namespace shanliu::fuzz {

void Fail(std::string_view target, std::string_view what) {
  std::fprintf(stderr, "%.*s: property failed: %.*s\n", static_cast<int>(target.size()), target.data(),
               static_cast<int>(what.size()), what.data());
  std::abort();
}

void QuietProtobuf() {
  google::protobuf::SetLogHandler([](google::protobuf::LogLevel level, const char*, int, const std::string& message) {
    // A fatal protobuf error is a bug in our use of it, not an input problem: keep it visible.
    if (level == google::protobuf::LOGLEVEL_FATAL) std::fprintf(stderr, "protobuf: %s\n", message.c_str());
  });
}

crypto::KeyPair ValidatorKey(std::uint32_t index) { return testing::TestKey("validator-" + std::to_string(index)); }

ledger::Genesis FixtureGenesis() {
  // TestChain's genesis (organisations, chain id, time), with the fixture's four validators.
  testing::TestChain chain;
  ledger::Genesis genesis = chain.genesis();
  const std::uint64_t powers[kFixtureValidators] = {1, 3, 1, 2};
  const char* orgs[kFixtureValidators] = {"bureau", "federation", "bank-1", "bureau"};
  genesis.validators.clear();
  for (std::uint32_t i = 0; i < kFixtureValidators; ++i) {
    genesis.validators.push_back(ledger::Validator{ValidatorKey(i).public_key, powers[i], orgs[i]});
  }
  return genesis;
}

node::consensus::Config ConsensusConfig(bool real_signatures) {
  node::consensus::Config config;
  const ledger::Genesis genesis = FixtureGenesis();
  config.chain_id = genesis.chain_id;
  config.validators = genesis.validators;
  config.max_block_bytes = 64 << 10;
  const std::size_t max_block = config.max_block_bytes;
  config.block_hash = [max_block](ByteView bytes) { return node::LedgerBlockHash(bytes, max_block); };
  if (!real_signatures) {
    config.verify_signature = [](const crypto::PublicKey&, ByteView, const crypto::Signature&) { return true; };
  }
  config.max_round = 20;
  config.max_future_height_messages_per_validator = 4;
  config.max_evidence_per_height = 8;
  return config;
}

std::vector<Chunk> SplitChunks(ByteView input, std::size_t max_chunks) {
  std::vector<Chunk> chunks;
  std::size_t at = 0;
  while (at < input.size() && chunks.size() < max_chunks) {
    Chunk c;
    c.tag = input[at++];
    std::size_t length = 0;
    if (at + 2 <= input.size()) {
      length = static_cast<std::size_t>(input[at]) << 8 | input[at + 1];
      at += 2;
    } else {
      at = input.size();
    }
    length = std::min(length, input.size() - at);
    c.bytes = input.subspan(at, length);
    at += length;
    chunks.push_back(c);
  }
  return chunks;
}

void AppendChunk(Bytes& out, std::uint8_t tag, ByteView bytes) {
  if (bytes.size() > 0xFFFF) throw std::length_error("a fuzz chunk holds at most 65535 bytes");
  out.push_back(tag);
  out.push_back(static_cast<std::uint8_t>(bytes.size() >> 8));
  out.push_back(static_cast<std::uint8_t>(bytes.size() & 0xFF));
  out.insert(out.end(), bytes.begin(), bytes.end());
}

namespace {

void Require(const Status& s, const char* what) {
  if (!s.ok()) throw std::runtime_error(std::string("ledger fixture: ") + what + ": " + s.ToString());
}

}  // namespace

LedgerFixture MakeLedgerFixture(ledger::LedgerOptions options) {
  LedgerFixture f;
  f.chain = std::make_unique<testing::TestChain>(nullptr, options);
  testing::TestChain& chain = *f.chain;
  const crypto::KeyPair sunshine = testing::TestKey("sunshine");
  Require(chain.RegisterOrg("sunshine", pb::ORG_KIND_CHARITY, sunshine), "register sunshine");
  Require(chain.OpenProject("meals", "sunshine", sunshine), "open project");
  std::vector<Bytes> gifts;
  for (int i = 0; i < 3; ++i) gifts.push_back(chain.DonationTx("project:meals", 1'000 + i, chain.bank, "bank-1"));
  gifts.push_back(chain.DonationTx("org:sunshine", 500, sunshine));
  for (const Status& s : chain.CommitBlock(gifts)) Require(s, "donations");
  for (const Bytes& g : gifts) f.gift_ids.push_back(chain.Decode(g).id);
  Require(chain.Commit(chain.SpendTx("project:meals", 700, sunshine)), "spend");
  Require(chain.Commit(chain.TransferTx("org:sunshine", "project:meals", 300, sunshine)), "transfer");
  auto view = chain.ledger().Read();
  for (std::uint64_t h = 1; h <= chain.ledger().height(); ++h) {
    const auto block = view->CommittedBlockAt(h);
    if (!block) throw std::runtime_error("ledger fixture: block missing");
    for (const std::string& tx : block->block().txs()) f.envelopes.emplace_back(tx.begin(), tx.end());
  }
  return f;
}

}  // namespace shanliu::fuzz
