// Issue 20 part 3: history backfill after state sync (Ledger::StoreBackfill). A store restored
// from a snapshot stores blocks 1..S afterwards, oldest first, in checked steps; at the end it
// holds exactly the records a replay from genesis left, serves old receipts and proofs, and
// forgets c/base. A block that is not the certified one (wrong link, altered tx, bad
// certificate) is refused typed and nothing of its step is written; a crash between steps
// resumes from the progress record.
#include <doctest/doctest.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "shanliu/ledger/block.h"
#include "shanliu/ledger/snapshot.h"
#include "snapshot_restore.h"
#include "test_chain.h"

using namespace shanliu;
using shanliu::testing::RestoreSnapshot;
using shanliu::testing::TempDir;
using shanliu::testing::TestChain;
using shanliu::testing::TestKey;

namespace {

namespace fs = std::filesystem;
namespace snap = ledger::snapshot;

// Donations over `blocks` blocks (a few txs each, so the log's subtrees span blocks), then a spend.
void Fill(TestChain& chain, int blocks) {
  const crypto::KeyPair sunshine = TestKey("sunshine");
  REQUIRE(chain.RegisterOrg("sunshine", pb::ORG_KIND_CHARITY, sunshine).ok());
  REQUIRE(chain.OpenProject("meals", "sunshine", sunshine).ok());
  for (int b = 0; b < blocks; ++b) {
    std::vector<Bytes> txs;
    for (int i = 0; i < 1 + b % 4; ++i) txs.push_back(chain.DonationTx("project:meals", 500 + b * 10 + i, chain.bank, "bank-1"));
    for (const Status& s : chain.CommitBlock(txs)) REQUIRE(s.ok());
  }
  REQUIRE(chain.Commit(chain.SpendTx("project:meals", 100, sunshine)).ok());
}

std::vector<pb::CommittedBlock> SourceBlocks(TestChain& chain, std::uint64_t from, std::uint64_t to) {
  auto view = chain.ledger().Read();
  std::vector<pb::CommittedBlock> blocks;
  for (std::uint64_t h = from; h <= to; ++h) {
    auto block = view->CommittedBlockAt(h);
    REQUIRE(block.has_value());
    blocks.push_back(*block);
  }
  return blocks;
}

std::map<std::string, std::string> Records(const ledger::Ledger& ledger) {
  std::map<std::string, std::string> records;
  REQUIRE(ledger.Read()->ForEachRecord([&](std::string_view k, std::string_view v) {
    records.emplace(std::string(k), std::string(v));
    return Status::Ok();
  }).ok());
  return records;
}

// Every tx id of blocks from..to of the source, with its block height.
std::vector<std::pair<Hash256, std::uint64_t>> TxIds(TestChain& chain, std::uint64_t from, std::uint64_t to) {
  auto view = chain.ledger().Read();
  std::vector<std::pair<Hash256, std::uint64_t>> ids;
  for (std::uint64_t h = from; h <= to; ++h) {
    for (const Hash256& id : view->BlockTxIds(*view->Block(h))) ids.emplace_back(id, h);
  }
  return ids;
}

void ExpectSameReceipt(const ledger::ReadView& mine, const ledger::ReadView& theirs, const Hash256& id) {
  auto a = mine.ReceiptProof(id);
  auto b = theirs.ReceiptProof(id);
  REQUIRE_MESSAGE(a.ok(), a.status().ToString());
  REQUIRE(b.ok());
  CHECK(a->tx.envelope == b->tx.envelope);
  CHECK(a->inclusion_path == b->inclusion_path);
  CHECK(a->block_hash == b->block_hash);
  CHECK(a->commit.SerializeAsString() == b->commit.SerializeAsString());
}

// A block re-signed by the test's validator after `change`: certified, so only the change is wrong.
pb::CommittedBlock Resigned(TestChain& chain, pb::CommittedBlock block,
                            const std::function<void(pb::CommittedBlock&)>& change) {
  change(block);
  auto hash = ledger::BlockHash(block.block().header());
  REQUIRE(hash.ok());
  *block.mutable_commit() = chain.SignCommit(block.block().header().height(), *hash);
  return block;
}

}  // namespace

TEST_CASE("backfill: blocks stored oldest first in steps leave the records a replay from genesis left, and old receipts prove") {
  TestChain chain;
  Fill(chain, 23);
  const std::uint64_t base = chain.ledger().height();
  TempDir dir;
  auto copy = RestoreSnapshot(chain, dir.path());
  REQUIRE(copy->history_base() == base);
  REQUIRE(copy->backfilled_height() == 0);
  const auto ids = TxIds(chain, 1, base);
  REQUIRE(ids.size() > 40);

  // A first step: its blocks' receipts prove (their paths need only leaves left of them), the
  // rest stays not_backfilled, and log proofs reaching into the gap say so too.
  REQUIRE(copy->StoreBackfill(SourceBlocks(chain, 1, 9)).ok());
  CHECK(copy->backfilled_height() == 9);
  CHECK(copy->history_base() == base);
  {
    auto mine = copy->Read();
    auto theirs = chain.ledger().Read();
    CHECK(mine->backfilled_height() == 9);
    for (const auto& [id, h] : ids) {
      if (h <= 9) {
        ExpectSameReceipt(*mine, *theirs, id);
      } else {
        auto refused = mine->ReceiptProof(id);
        REQUIRE_FALSE(refused.ok());
        CHECK(refused.status().code() == "not_backfilled");
      }
    }
    CHECK(mine->CommittedBlockAt(9)->SerializeAsString() == theirs->CommittedBlockAt(9)->SerializeAsString());
    CHECK_FALSE(mine->CommittedBlockAt(10).has_value());
    const std::uint64_t held = mine->Block(9)->header().log_size();
    CHECK(*mine->LogRootAt(held) == *theirs->LogRootAt(held));
    CHECK(mine->LogRootAt(held + 1).status().code() == "not_backfilled");
    CHECK(mine->ConsistencyProof(1, mine->head().log_size()).status().code() == "not_backfilled");
  }

  // The rest in steps of 5; the last removes c/base.
  for (std::uint64_t from = 10; from <= base; from += 5) {
    const std::uint64_t to = std::min(base, from + 4);
    REQUIRE(copy->StoreBackfill(SourceBlocks(chain, from, to)).ok());
  }
  CHECK(copy->history_base() == 0);
  CHECK(copy->backfilled_height() == 0);
  CHECK(copy->StoreBackfill(SourceBlocks(chain, 1, 1)).code() == "invalid_state");
  CHECK(Records(*copy) == Records(chain.ledger()));  // byte for byte what the source holds
  auto mine = copy->Read();
  auto theirs = chain.ledger().Read();
  CHECK(mine->history_base() == 0);
  for (const auto& [id, h] : ids) ExpectSameReceipt(*mine, *theirs, id);
  const std::uint64_t size = mine->head().log_size();
  for (std::uint64_t old_size : {std::uint64_t{1}, std::uint64_t{7}, size / 2, size - 1}) {
    CHECK(*mine->ConsistencyProof(old_size, size) == *theirs->ConsistencyProof(old_size, size));
  }
  CHECK(*mine->InclusionPath(0) == *theirs->InclusionPath(0));
  mine.reset();
  copy.reset();
  CHECK(ledger::Ledger::Open(dir.path() / "store", chain.genesis(), {.startup_sample_blocks = 64}).ok());
}

TEST_CASE("backfill: a wrong prev hash, an altered tx or a bad certificate is refused typed and writes nothing") {
  TestChain chain;
  Fill(chain, 10);
  const std::uint64_t base = chain.ledger().height();
  TempDir dir;
  auto copy = RestoreSnapshot(chain, dir.path());
  REQUIRE(copy->StoreBackfill(SourceBlocks(chain, 1, 2)).ok());
  const auto before = Records(*copy);
  const auto good = SourceBlocks(chain, 3, 6);

  auto refused = [&](std::size_t at, const pb::CommittedBlock& bad) {
    std::vector<pb::CommittedBlock> step = good;
    step[at] = bad;
    return copy->StoreBackfill(step);
  };
  // Certified by the validator, but not linked to block 4.
  const pb::CommittedBlock unlinked = Resigned(chain, good[2], [](pb::CommittedBlock& b) {
    b.mutable_block()->mutable_header()->set_prev_block_hash(std::string(32, '\x42'));
  });
  Status s = refused(2, unlinked);
  CHECK(s.code() == "invalid_block");
  CHECK(s.message().find("prev_block_hash") != std::string::npos);
  // One byte of a tx changed: it no longer hashes to the txs_root.
  pb::CommittedBlock altered = good[1];
  REQUIRE(altered.block().txs_size() > 0);
  std::string tx = altered.block().txs(0);
  tx[tx.size() / 2] = static_cast<char>(tx[tx.size() / 2] ^ 0x04);
  altered.mutable_block()->set_txs(0, tx);
  s = refused(1, altered);
  CHECK(s.code() == "invalid_block");
  CHECK(s.message().find("txs_root") != std::string::npos);
  // A certificate signature flipped.
  pb::CommittedBlock forged = good[3];
  std::string sig = forged.commit().signatures(0).signature();
  sig[5] = static_cast<char>(sig[5] ^ 0x01);
  forged.mutable_commit()->mutable_signatures(0)->set_signature(sig);
  CHECK(refused(3, forged).code() == "bad_commit");
  // A block whose txs were swapped for another block's, re-signed: txs_root matches no longer.
  CHECK(refused(0, Resigned(chain, good[0], [&](pb::CommittedBlock& b) { *b.mutable_block()->mutable_txs() = good[1].block().txs(); })).code() ==
        "invalid_block");
  CHECK(Records(*copy) == before);  // none of the refused steps wrote anything
  CHECK(copy->backfilled_height() == 2);
  // Not the next height.
  CHECK(copy->StoreBackfill(SourceBlocks(chain, 4, 5)).code() == "invalid_block");
  REQUIRE(copy->StoreBackfill(SourceBlocks(chain, 3, base)).ok());
  CHECK(copy->history_base() == 0);
}

TEST_CASE("backfill: nothing of a refused step is written, and a crash between steps resumes from the progress record") {
  TestChain chain;
  Fill(chain, 12);
  const std::uint64_t base = chain.ledger().height();
  TempDir dir;
  auto copy = RestoreSnapshot(chain, dir.path());
  REQUIRE(copy->StoreBackfill(SourceBlocks(chain, 1, 4)).ok());
  const auto before = Records(*copy);
  std::vector<pb::CommittedBlock> step = SourceBlocks(chain, 5, 8);
  step[3].mutable_block()->mutable_header()->set_time_ms(1);  // the last block of the step is bad
  CHECK(copy->StoreBackfill(step).code() == "invalid_block");
  CHECK(Records(*copy) == before);
  CHECK(copy->backfilled_height() == 4);

  // A kill -9 after the next step: the files as the process left them, the ledger still open.
  REQUIRE(copy->StoreBackfill(SourceBlocks(chain, 5, 7)).ok());
  TempDir crashed;
  fs::copy(dir.path(), crashed.path(), fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  copy.reset();
  auto reopened = ledger::Ledger::Open(crashed.path() / "store", chain.genesis());
  REQUIRE_MESSAGE(reopened.ok(), reopened.status().ToString());
  CHECK((*reopened)->history_base() == base);
  CHECK((*reopened)->backfilled_height() == 7);
  CHECK((*reopened)->Read()->backfilled_height() == 7);
  CHECK((*reopened)->StoreBackfill(SourceBlocks(chain, 7, 9)).code() == "invalid_block");  // 7 is held
  REQUIRE((*reopened)->StoreBackfill(SourceBlocks(chain, 8, base)).ok());
  CHECK(Records(**reopened) == Records(chain.ledger()));
}

TEST_CASE("backfill: a block from another chain's history at the snapshot height is refused") {
  TestChain chain;
  Fill(chain, 5);
  const std::uint64_t base = chain.ledger().height();
  TempDir dir;
  auto copy = RestoreSnapshot(chain, dir.path());
  REQUIRE(copy->StoreBackfill(SourceBlocks(chain, 1, base - 1)).ok());
  // The snapshot block with another time, re-signed: certified, linked, but not the restored one.
  const pb::CommittedBlock other = Resigned(chain, SourceBlocks(chain, base, base)[0], [](pb::CommittedBlock& b) {
    b.mutable_block()->mutable_header()->set_time_ms(b.block().header().time_ms() + 1);
  });
  const Status s = copy->StoreBackfill(std::vector<pb::CommittedBlock>{other});
  CHECK(s.code() == "invalid_block");
  CHECK(s.message().find("snapshot block") != std::string::npos);
  CHECK(copy->history_base() == base);
  REQUIRE(copy->StoreBackfill(SourceBlocks(chain, base, base)).ok());
  CHECK(copy->history_base() == 0);
}
