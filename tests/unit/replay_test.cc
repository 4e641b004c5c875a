// ledger::Replayer (the one replay of block sync and the audit) and ledger::VerifyPool: a good
// chain replays to the same head; each kind of tampering is named by a typed failure with the
// right height, tx index and check, and nothing of the failing block is written.
#include <doctest/doctest.h>

#include <atomic>
#include <set>
#include <thread>

#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/hash.h"
#include "shanliu/ledger/block.h"
#include "shanliu/ledger/replay.h"
#include "shanliu/ledger/verify_pool.h"
#include "test_chain.h"

using namespace shanliu;
using ledger::ReplayCheck;
using shanliu::testing::TempDir;
using shanliu::testing::TestChain;
using shanliu::testing::TestKey;

namespace {

// A source chain of 5 blocks: org, project, then three blocks of 3 donations each.
struct Source {
  Source() {
    REQUIRE(chain.RegisterOrg("sunshine", pb::ORG_KIND_CHARITY, sunshine).ok());
    REQUIRE(chain.OpenProject("meals", "sunshine", sunshine).ok());
    for (int b = 0; b < 3; ++b) {
      std::vector<Bytes> txs;
      for (int i = 0; i < 3; ++i) txs.push_back(chain.DonationTx("project:meals", 1'000 + 10 * b + i, chain.bank, "bank-1"));
      for (const Status& s : chain.CommitBlock(txs)) REQUIRE(s.ok());
    }
    auto view = chain.ledger().Read();
    for (std::uint64_t h = 1; h <= view->head().height(); ++h) blocks.push_back(*view->CommittedBlockAt(h));
  }
  // A fresh certificate by the (only) validator for `block`'s header as it now is.
  void Recertify(pb::CommittedBlock& block) const {
    const pb::BlockHeader& h = block.block().header();
    const Hash256 hash = *ledger::BlockHash(h);
    *block.mutable_commit() = ledger::MakeCommitCertificate(
        h.height(), 0, hash,
        {ledger::SignPrecommit(chain.genesis().chain_id, h.height(), 0, hash, 0, chain.validator().secret_key)});
  }

  TestChain chain;
  crypto::KeyPair sunshine = TestKey("sunshine");
  std::vector<pb::CommittedBlock> blocks;  // heights 1..5
};

struct Replica {
  explicit Replica(const ledger::Genesis& genesis) {
    auto opened = ledger::Ledger::Open(dir.path(), genesis, {.sync_writes = false});
    REQUIRE(opened.ok());
    ledger = std::move(*opened);
  }
  ledger::ReplayResult Replay(std::vector<pb::CommittedBlock> blocks, ledger::ReplayOptions options = {}) {
    const std::uint64_t to = blocks.size();
    ledger::VectorBlockSource source(1, std::move(blocks));
    auto result = ledger::Replayer(*ledger, pool, std::move(options)).Run(source, to);
    REQUIRE(result.ok());
    return *result;
  }
  TempDir dir;
  std::unique_ptr<ledger::Ledger> ledger;
  ledger::VerifyPool pool{2};
};

void FlipTxSignature(pb::CommittedBlock& block, int tx) {
  pb::Tx envelope;
  REQUIRE(envelope.ParseFromString(block.block().txs(tx)));
  (*envelope.mutable_sigs(0)->mutable_sig())[5] ^= 0x01;
  *block.mutable_block()->mutable_txs(tx) = envelope.SerializeAsString();
}

}  // namespace

TEST_CASE("a good chain replays to the source's head") {
  Source src;
  Replica replica(src.chain.genesis());
  std::vector<std::uint64_t> committed;
  ledger::ReplayOptions options;
  options.max_batch_blocks = 2;  // several batches, each verified while the last executes
  options.on_commit = [&](const ledger::ExecutedBlock& e) { committed.push_back(e.block.header().height()); };
  const ledger::ReplayResult r = replica.Replay(src.blocks, options);
  CHECK(r.ok());
  CHECK(r.done.blocks == 5);
  CHECK(r.done.txs == 11);
  CHECK(r.done.signatures == 11);  // one signer each
  CHECK(committed == std::vector<std::uint64_t>{1, 2, 3, 4, 5});
  CHECK(replica.ledger->head_hash() == src.chain.ledger().head_hash());
}

TEST_CASE("a tampered tx signature names the block, the tx and the check") {
  Source src;
  FlipTxSignature(src.blocks[3], 2);  // height 4, tx 2
  Replica replica(src.chain.genesis());
  const ledger::ReplayResult r = replica.Replay(src.blocks);
  REQUIRE(r.failure.has_value());
  CHECK(r.failure->height == 4);
  CHECK(r.failure->tx_index == std::optional<std::uint32_t>(2));
  CHECK(r.failure->check == ReplayCheck::kTxSignature);
  CHECK(ledger::ReplayCheckName(r.failure->check) == "tx_signature");
  CHECK(r.failure->found == r.failure->cause.code());
  REQUIRE(r.failure->tx_id.has_value());  // the body is intact: its id is known
  pb::Tx envelope;
  REQUIRE(envelope.ParseFromString(src.blocks[3].block().txs(2)));
  CHECK(*r.failure->tx_id == ledger::TxId(AsBytes(envelope.body())));
  // Blocks before it are committed, nothing of it is.
  CHECK(r.done.blocks == 3);
  CHECK(replica.ledger->height() == 3);
}

TEST_CASE("a header that does not link to the replayed chain is a header_chain failure") {
  Source src;
  SUBCASE("previous hash") {
    src.blocks[2].mutable_block()->mutable_header()->set_prev_block_hash(std::string(32, '\x07'));
  }
  SUBCASE("time not increasing") {
    src.blocks[2].mutable_block()->mutable_header()->set_time_ms(src.blocks[1].block().header().time_ms());
  }
  SUBCASE("proposer index out of the validator set (boundary: the set has one validator)") {
    src.blocks[2].mutable_block()->mutable_header()->set_proposer_index(1);
  }
  SUBCASE("height") { src.blocks[2].mutable_block()->mutable_header()->set_height(4); }
  src.Recertify(src.blocks[2]);  // signed by the validator itself: only the chain rules catch it
  Replica replica(src.chain.genesis());
  const ledger::ReplayResult r = replica.Replay(src.blocks);
  REQUIRE(r.failure.has_value());
  CHECK(r.failure->height == 3);
  CHECK_FALSE(r.failure->tx_index.has_value());
  CHECK(r.failure->check == ReplayCheck::kHeaderChain);
  CHECK(replica.ledger->height() == 2);
}

TEST_CASE("a changed header field breaks the commit certificate") {
  Source src;
  auto* h = src.blocks[1].mutable_block()->mutable_header();
  h->set_time_ms(h->time_ms() + 1);  // still increasing: only the certificate can tell
  Replica replica(src.chain.genesis());
  const ledger::ReplayResult r = replica.Replay(src.blocks);
  REQUIRE(r.failure.has_value());
  CHECK(r.failure->height == 2);
  CHECK(r.failure->check == ReplayCheck::kCommitCertificate);
  CHECK(r.failure->expected == crypto::ToHex(*ledger::BlockHash(*h)));
  CHECK(r.failure->found == crypto::ToHex(AsBytes(src.blocks[1].commit().block_hash())));
  CHECK(replica.ledger->height() == 1);
}

TEST_CASE("a wrong commit signature is a commit_certificate failure") {
  Source src;
  (*src.blocks[4].mutable_commit()->mutable_signatures(0)->mutable_signature())[0] ^= 0x40;
  Replica replica(src.chain.genesis());
  const ledger::ReplayResult r = replica.Replay(src.blocks);
  REQUIRE(r.failure.has_value());
  CHECK(r.failure->height == 5);
  CHECK(r.failure->check == ReplayCheck::kCommitCertificate);
  CHECK(r.failure->cause.code() == "bad_commit");
  CHECK(replica.ledger->height() == 4);
}

TEST_CASE("a wrong state root certified by the validator is caught by re-execution") {
  Source src;
  auto* h = src.blocks[2].mutable_block()->mutable_header();
  const std::string real = h->state_root();
  std::string forged = real;
  forged[31] ^= 0x01;
  h->set_state_root(forged);
  src.Recertify(src.blocks[2]);
  Replica replica(src.chain.genesis());
  const ledger::ReplayResult r = replica.Replay(src.blocks);
  REQUIRE(r.failure.has_value());
  CHECK(r.failure->height == 3);
  CHECK(r.failure->check == ReplayCheck::kStateRoot);
  CHECK(r.failure->expected == crypto::ToHex(AsBytes(real)));
  CHECK(r.failure->found == crypto::ToHex(AsBytes(forged)));
  CHECK(replica.ledger->height() == 2);
}

TEST_CASE("a wrong txs root and log root are named in header order") {
  Source src;
  auto* h = src.blocks[3].mutable_block()->mutable_header();
  SUBCASE("txs root") {
    h->set_txs_root(std::string(32, '\x01'));
    src.Recertify(src.blocks[3]);
    const ledger::ReplayResult r = Replica(src.chain.genesis()).Replay(src.blocks);
    REQUIRE(r.failure.has_value());
    CHECK(r.failure->check == ReplayCheck::kTxsRoot);
    CHECK(r.failure->height == 4);
  }
  SUBCASE("log size") {
    h->set_log_size(h->log_size() + 1);
    src.Recertify(src.blocks[3]);
    const ledger::ReplayResult r = Replica(src.chain.genesis()).Replay(src.blocks);
    REQUIRE(r.failure.has_value());
    CHECK(r.failure->check == ReplayCheck::kLogSize);
    CHECK(r.failure->expected == std::to_string(h->log_size() - 1));
  }
}

TEST_CASE("a certified tx that breaks a state rule is an execution failure at its index") {
  Source src;
  // A valid signature over a spend the project cannot afford, added as the last tx of block 5.
  const Bytes spend = src.chain.SpendTx("project:meals", 1'000'000'000, src.sunshine);
  src.blocks[4].mutable_block()->add_txs(ToString(spend));
  src.Recertify(src.blocks[4]);
  Replica replica(src.chain.genesis());
  const ledger::ReplayResult r = replica.Replay(src.blocks);
  REQUIRE(r.failure.has_value());
  CHECK(r.failure->height == 5);
  CHECK(r.failure->check == ReplayCheck::kExecution);
  CHECK(r.failure->tx_index == std::optional<std::uint32_t>(3));
  CHECK(r.failure->tx_id == src.chain.Decode(spend).id);
  CHECK(r.failure->cause.code() == "invalid_block");
  CHECK(replica.ledger->height() == 4);
}

TEST_CASE("block limits: a block at max_block_txs replays, one above is refused") {
  TestChain chain([](ledger::Genesis& g) { g.params.max_block_txs = 2; });
  const crypto::KeyPair sunshine = TestKey("sunshine");
  REQUIRE(chain.RegisterOrg("sunshine", pb::ORG_KIND_CHARITY, sunshine).ok());
  const std::vector<Bytes> txs{chain.DonationTx("org:sunshine", 100, sunshine),
                               chain.DonationTx("org:sunshine", 101, sunshine)};
  for (const Status& s : chain.CommitBlock(txs)) REQUIRE(s.ok());
  auto view = chain.ledger().Read();
  std::vector<pb::CommittedBlock> blocks{*view->CommittedBlockAt(1), *view->CommittedBlockAt(2)};
  REQUIRE(blocks[1].block().txs_size() == 2);
  {
    Replica replica(chain.genesis());
    CHECK(replica.Replay(blocks).ok());
  }
  blocks[1].mutable_block()->add_txs(ToString(chain.DonationTx("org:sunshine", 102, sunshine)));
  Replica replica(chain.genesis());
  const ledger::ReplayResult r = replica.Replay(blocks);
  REQUIRE(r.failure.has_value());
  CHECK(r.failure->height == 2);
  CHECK(r.failure->check == ReplayCheck::kBlockLimits);
  CHECK(r.failure->found == "3 txs");
  CHECK(replica.ledger->height() == 1);
}

TEST_CASE("a source that runs out of blocks is a storage failure at the missing height") {
  Source src;
  Replica replica(src.chain.genesis());
  ledger::VectorBlockSource source(1, std::vector<pb::CommittedBlock>(src.blocks.begin(), src.blocks.begin() + 2));
  auto r = ledger::Replayer(*replica.ledger, replica.pool).Run(source, 4);
  REQUIRE(r.ok());
  REQUIRE(r->failure.has_value());
  CHECK(r->failure->check == ReplayCheck::kStorage);
  CHECK(r->failure->height == 3);
  CHECK(r->failure->cause.code() == ledger::kBlockMissing);
  CHECK(replica.ledger->height() == 2);
}

TEST_CASE("an operational source error is an error, not a failure") {
  struct Broken final : ledger::BlockSource {
    Result<std::vector<pb::CommittedBlock>> Fetch(std::uint64_t, std::uint64_t) override {
      return Status::Error("io_error", "the disk went away");
    }
  } broken;
  Source src;
  Replica replica(src.chain.genesis());
  auto r = ledger::Replayer(*replica.ledger, replica.pool).Run(broken, 3);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == "io_error");
  CHECK(replica.ledger->height() == 0);
}

TEST_CASE("known verified signatures are not verified again") {
  Source src;
  std::atomic<int> asked{0};
  ledger::ReplayOptions options;
  SUBCASE("every envelope known: the replay passes without verifying") {
    options.known_verified = [&](const Hash256&) {
      ++asked;
      return true;
    };
    CHECK(Replica(src.chain.genesis()).Replay(src.blocks, options).ok());
    CHECK(asked == 11);
  }
  SUBCASE("none known: each is verified") {
    options.known_verified = [&](const Hash256&) {
      ++asked;
      return false;
    };
    CHECK(Replica(src.chain.genesis()).Replay(src.blocks, options).ok());
    CHECK(asked == 11);
  }
  SUBCASE("a tampered envelope claimed verified skips its signature check") {
    // The cache is trusted (it is keyed by the envelope hash, so only bytes that verified before
    // can be in it): the changed bytes are caught by the txs root instead.
    FlipTxSignature(src.blocks[2], 0);
    const Hash256 tampered = crypto::Sha256(AsBytes(src.blocks[2].block().txs(0)));
    options.known_verified = [&](const Hash256& h) { return h == tampered; };
    const ledger::ReplayResult r = Replica(src.chain.genesis()).Replay(src.blocks, options);
    REQUIRE(r.failure.has_value());
    CHECK(r.failure->height == 3);
    CHECK(r.failure->check == ReplayCheck::kTxsRoot);
  }
}

TEST_CASE("the verification pool finds exactly the bad signatures in a batch") {
  TestChain chain;
  std::vector<std::string> envelopes;
  for (int i = 0; i < 300; ++i) envelopes.push_back(ToString(chain.DonationTx("org:bureau", 100 + i, chain.bureau)));
  const std::set<std::size_t> bad{0, 63, 64, 65, 150, 299};
  for (std::size_t i : bad) {
    pb::Tx envelope;
    REQUIRE(envelope.ParseFromString(envelopes[i]));
    (*envelope.mutable_sigs(0)->mutable_sig())[i % 64] ^= 0x20;
    envelopes[i] = envelope.SerializeAsString();
  }
  envelopes[200] = "not a tx";  // malformed input is a verdict too, not a crash
  std::vector<std::string_view> views(envelopes.begin(), envelopes.end());
  for (unsigned threads : {1u, 2u, 5u}) {
    CAPTURE(threads);
    ledger::VerifyPool pool(threads);
    CHECK(pool.threads() == threads);
    const auto verdicts = pool.CheckTxs(views, chain.genesis().chain_id);
    REQUIRE(verdicts.size() == envelopes.size());
    for (std::size_t i = 0; i < verdicts.size(); ++i) {
      CAPTURE(i);
      const bool should_fail = bad.count(i) > 0 || i == 200;
      CHECK(verdicts[i].ok() == !should_fail);
      if (verdicts[i].ok()) CHECK(verdicts[i]->envelope_hash == crypto::Sha256(AsBytes(envelopes[i])));
    }
    CHECK(pool.CheckTxs({}, chain.genesis().chain_id).empty());
    // Another chain id: every envelope is refused.
    for (const auto& v : pool.CheckTxs(std::span(views).first(3), "another-chain")) CHECK_FALSE(v.ok());
  }
}

TEST_CASE("the verification pool covers every index once, from many callers at once") {
  ledger::VerifyPool pool(3);
  CHECK(pool.threads() == 3);
  std::vector<std::thread> callers;
  std::atomic<int> wrong{0};
  for (int c = 0; c < 4; ++c) {
    callers.emplace_back([&, c] {
      for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{7}, std::size_t{64}, std::size_t{65},
                            static_cast<std::size_t>(1000 + c)}) {
        std::vector<std::atomic<int>> hits(n);
        pool.ParallelFor(n, [&](std::size_t begin, std::size_t end) {
          if (begin >= end || end > n) ++wrong;
          for (std::size_t i = begin; i < end; ++i) ++hits[i];
        });
        for (auto& h : hits) {
          if (h != 1) ++wrong;
        }
      }
    });
  }
  for (auto& t : callers) t.join();
  CHECK(wrong == 0);
  ledger::VerifyPool sized;  // 0: one thread per hardware thread
  CHECK(sized.threads() == std::max(1u, std::thread::hardware_concurrency()));
}
