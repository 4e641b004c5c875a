// Kill -9 a process that is committing blocks, at random moments (between and during its
// synced block writes), then reopen: no block it reported committed is lost, the head checks
// out against the log root and the state map, whose root recomputed from every leaf is the
// head's state_root, and a full replay reproduces the chain and its state root.
#include <doctest/doctest.h>
#include <leveldb/db.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <thread>

#include "test_chain.h"

using namespace shanliu;
using shanliu::testing::TempDir;
using shanliu::testing::TestChain;
using shanliu::testing::TestKey;

namespace {

// Runs in the child: commit blocks forever, reporting each committed height on `fd`.
[[noreturn]] void CommitForever(const std::filesystem::path& dir, const ledger::Genesis& genesis, int fd) {
  auto opened = ledger::Ledger::Open(dir, genesis);
  if (!opened.ok()) _exit(3);
  ledger::Ledger& ledger = **opened;
  const auto validator = TestKey("validator-0");
  const auto bank = TestKey("bank-1");
  std::uint64_t nonce = 1'000'000 + ledger.height() * 1000;
  for (;;) {
    std::vector<ledger::DecodedTx> txs;
    for (int i = 0; i < 20; ++i) {
      pb::TxBody body;
      body.set_chain_id(genesis.chain_id);
      body.set_expires_at_height(ledger.height() + 10);
      body.set_expires_at_ms(ledger.head().time_ms() + genesis.params.max_tx_expiry_ms);
      body.set_nonce(nonce++);
      auto* d = body.mutable_donation();
      d->set_to_account("org:federation");
      d->set_amount_fen(100 + i);
      d->set_donor_ref(std::string(32, 'd'));
      d->set_channel(pb::DONATION_CHANNEL_BANK_TRANSFER);
      d->set_attesting_bank("bank-1");
      const crypto::KeyPair* signers[] = {&bank};
      txs.push_back(*ledger::DecodeTx(ledger::BuildTx(body, signers), genesis.chain_id));
    }
    auto built = ledger.BuildBlock(txs, ledger.head().time_ms() + 1000, 0);
    const auto& h = built.executed.block.header();
    const pb::CommitCertificate commit = ledger::MakeCommitCertificate(
        h.height(), 0, built.executed.hash,
        {ledger::SignPrecommit(genesis.chain_id, h.height(), 0, built.executed.hash, 0, validator.secret_key)});
    if (!ledger.Commit(built.executed, commit).ok()) _exit(4);
    const std::uint64_t height = h.height();
    if (write(fd, &height, sizeof height) != sizeof height) _exit(5);
  }
}

}  // namespace

TEST_CASE("kill -9 during block commits loses no committed block and leaves no half block") {
  TestChain setup;  // only for its genesis; the child opens its own ledger in a fresh dir
  const ledger::Genesis genesis = setup.genesis();
  TempDir dir;
  std::mt19937_64 rng(20261123);
  std::uint64_t reported = 0;
  for (int round = 0; round < 8; ++round) {
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      close(fds[0]);
      CommitForever(dir.path(), genesis, fds[1]);
    }
    close(fds[1]);
    // Let it commit a little, then kill it wherever it happens to be.
    const int blocks_before_kill = std::uniform_int_distribution<int>(2, 12)(rng);
    for (int i = 0; i < blocks_before_kill; ++i) {
      std::uint64_t h = 0;
      if (read(fds[0], &h, sizeof h) != sizeof h) break;
      reported = std::max(reported, h);
    }
    std::this_thread::sleep_for(std::chrono::microseconds(std::uniform_int_distribution<int>(0, 3000)(rng)));
    kill(pid, SIGKILL);
    int wstatus = 0;
    waitpid(pid, &wstatus, 0);
    // Heights reported before the kill landed must all survive.
    std::uint64_t h = 0;
    while (read(fds[0], &h, sizeof h) == sizeof h) reported = std::max(reported, h);
    close(fds[0]);
    REQUIRE_MESSAGE(WIFSIGNALED(wstatus), "child exited on its own with status ", WEXITSTATUS(wstatus));

    auto reopened = ledger::Ledger::Open(dir.path(), genesis);
    REQUIRE_MESSAGE(reopened.ok(), reopened.status().ToString());
    CHECK((*reopened)->height() >= reported);
    // No half block: the head block's txs are all stored and the log matches the header.
    auto view = (*reopened)->Read();
    const auto head = view->Block(view->head().height());
    REQUIRE(head.has_value());
    CHECK(view->BlockTxIds(*head).size() == head->tx_count());
    CHECK(view->TxByLeaf(view->head().log_size()) == std::nullopt);
    const Status state = (*reopened)->VerifyState();
    CHECK_MESSAGE(state.ok(), state.ToString());
  }
  // Finally, replaying everything from genesis into a fresh ledger reproduces the head.
  auto survived = ledger::Ledger::Open(dir.path(), genesis);
  REQUIRE(survived.ok());
  auto source = (*survived)->Read();
  TempDir replay_dir;
  auto replica = ledger::Ledger::Open(replay_dir.path(), genesis, ledger::LedgerOptions{.sync_writes = false});
  REQUIRE(replica.ok());
  for (std::uint64_t height = 1; height <= source->head().height(); ++height) {
    const auto committed = source->CommittedBlockAt(height);
    REQUIRE(committed.has_value());
    auto executed = (*replica)->ExecuteProposal(committed->block());
    REQUIRE(executed.ok());
    REQUIRE((*replica)->Commit(*executed, committed->commit()).ok());
  }
  CHECK((*replica)->head_hash() == source->head_hash());
  CHECK((*replica)->head().state_root() == source->head().state_root());
  CHECK(reported > 0);
}

TEST_CASE("--verify-state names the first state key whose leaf the stored tree does not hold") {
  TestChain chain;
  REQUIRE(chain.Commit(chain.DonationTx("org:federation", 500, chain.bank, "bank-1")).ok());
  REQUIRE(chain.Commit(chain.DonationTx("org:federation", 700, chain.bank, "bank-1")).ok());
  const std::filesystem::path dir = chain.dir();
  REQUIRE(chain.ledger().VerifyState().ok());
  const ledger::Genesis genesis = chain.genesis();
  chain.Close();
  {
    // Edit one state value behind the ledger's back (what a disk fault or a hand edit does).
    leveldb::DB* raw = nullptr;
    REQUIRE(leveldb::DB::Open(leveldb::Options(), (dir / "ledger").string(), &raw).ok());
    std::unique_ptr<leveldb::DB> db(raw);
    std::string value;
    REQUIRE(db->Get(leveldb::ReadOptions(), "a/org:federation", &value).ok());
    value[3] ^= 0x01;
    REQUIRE(db->Put(leveldb::WriteOptions(), "a/org:federation", value).ok());
  }
  auto reopened = ledger::Ledger::Open(dir, genesis);
  REQUIRE(reopened.ok());  // the head and the stored tree agree; only the full check sees it
  const Status s = (*reopened)->VerifyState();
  CHECK(s.code() == "state_mismatch");
  CHECK_MESSAGE(s.message().find("a/org:federation") != std::string::npos, s.message());
  CHECK(s.message().find("holds another value") != std::string::npos);
}
