// The node's identity function for ledger blocks (what consensus votes name): only the
// canonical bytes of a block whose txs match its txs root have a hash.
#include <doctest/doctest.h>

#include "shanliu/node/runner.h"
#include "test_chain.h"

using namespace shanliu;
using shanliu::testing::TestChain;

namespace {

struct Built {
  TestChain chain;
  ledger::ExecutedBlock executed;
  std::string bytes;
  Built() {
    const Bytes gift = chain.DonationTx("org:federation", 5'000, chain.bank, "bank-1");
    std::vector<ledger::DecodedTx> txs = {chain.Decode(gift)};
    executed = chain.ledger().BuildBlock(txs, chain.ledger().head().time_ms() + 1000, 0).executed;
    REQUIRE(executed.block.txs_size() == 1);
    bytes = executed.block.SerializeAsString();
  }
};

}  // namespace

TEST_CASE("a ledger block hashes to its header's hash") {
  Built b;
  auto hash = node::LedgerBlockHash(AsBytes(b.bytes), 1 << 20);
  REQUIRE(hash.ok());
  CHECK(*hash == b.executed.hash);
}

TEST_CASE("block bytes over the limit, garbage and empty input have no hash") {
  Built b;
  CHECK(node::LedgerBlockHash(AsBytes(b.bytes), b.bytes.size() - 1).status().code() == "oversize");
  const std::string garbage = "\x0a\xff\xff\xff\xff\x0f";
  CHECK(node::LedgerBlockHash(AsBytes(garbage), 1 << 20).status().code() == "malformed");
  // Empty bytes decode as an empty block, whose header does not encode.
  CHECK_FALSE(node::LedgerBlockHash(AsBytes(std::string()), 1 << 20).ok());
}

TEST_CASE("a tx changed under a signed header is caught by the txs root") {
  Built b;
  pb::Block block = b.executed.block;
  std::string tx = block.txs(0);
  tx.back() = static_cast<char>(tx.back() ^ 0x01);
  block.set_txs(0, tx);
  CHECK(node::LedgerBlockHash(AsBytes(block.SerializeAsString()), 1 << 20).status().code() == "block_hash_mismatch");
  // A tx added or removed is caught the same way.
  pb::Block extra = b.executed.block;
  extra.add_txs(b.executed.block.txs(0));
  CHECK(node::LedgerBlockHash(AsBytes(extra.SerializeAsString()), 1 << 20).status().code() == "block_hash_mismatch");
  pb::Block none = b.executed.block;
  none.clear_txs();
  CHECK(node::LedgerBlockHash(AsBytes(none.SerializeAsString()), 1 << 20).status().code() == "block_hash_mismatch");
}

TEST_CASE("another encoding of the same block has no hash") {
  Built b;
  // The header field repeated: protobuf merges it on parse, so the bytes decode to the same
  // block, but they are not its canonical encoding and must not carry its votes.
  pb::Block header_only;
  *header_only.mutable_header() = b.executed.block.header();
  const std::string twice = header_only.SerializeAsString() + b.bytes;
  CHECK(node::LedgerBlockHash(AsBytes(twice), 1 << 20).status().code() == "malformed");
  // Unknown fields appended are not canonical either.
  const std::string unknown = b.bytes + std::string("\x78\x01", 2);  // field 15, varint 1
  CHECK(node::LedgerBlockHash(AsBytes(unknown), 1 << 20).status().code() == "malformed");
}
