// Fuzz target: block sync responses. Input: a BlocksResponse (p2p.proto) as a peer sends it.
// Each input runs against a fresh one-validator chain at genesis, held in memory (LevelDB's
// memenv): the blocks are parsed and picked as the runner picks them (consecutive from our
// head; earlier ones skipped, a gap ends the run) and given to the ledger's Replayer, which
// checks header chain, certificate, txs and execution and commits what passes.
// Properties: the replay never fails operationally on the peer's bytes; it commits exactly the
// blocks it reports, stops at the first failure with a typed cause and nothing of that block
// written; every committed block is byte for byte the one the peer sent, and the head hash is
// its header's hash.
#include <leveldb/env.h>
#include <leveldb/helpers/memenv.h>

#include <cstdint>
#include <memory>

#include "fuzz_support.h"
#include "shanliu/ledger/block.h"
#include "shanliu/ledger/replay.h"
#include "shanliu/ledger/verify_pool.h"
#include "shanliu/pb/p2p.pb.h"

namespace {

using namespace shanliu;
constexpr std::string_view kTarget = "sync_response";

// The runner's choice of blocks from a response (runner_sync.cc CommitSyncedBlocks).
std::vector<pb::CommittedBlock> PickBlocks(const pb::p2p::BlocksResponse& response, std::uint64_t first_height) {
  std::vector<pb::CommittedBlock> blocks;
  for (const std::string& encoded : response.blocks()) {
    pb::CommittedBlock committed;
    if (!committed.ParseFromString(encoded)) break;
    const std::uint64_t height = committed.block().header().height();
    if (height < first_height + blocks.size()) continue;
    if (height != first_height + blocks.size()) break;
    blocks.push_back(std::move(committed));
  }
  return blocks;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::QuietProtobuf();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  pb::p2p::BlocksResponse response;
  if (!response.ParseFromArray(data, static_cast<int>(size))) return 0;
  std::vector<pb::CommittedBlock> blocks = PickBlocks(response, 1);
  if (blocks.empty()) return 0;
  const std::vector<pb::CommittedBlock> sent = blocks;

  std::unique_ptr<leveldb::Env> env(leveldb::NewMemEnv(leveldb::Env::Default()));
  ledger::LedgerOptions options;
  options.env = env.get();
  options.sync_writes = false;
  auto chain = std::make_unique<testing::TestChain>(nullptr, options);
  ledger::Ledger& ledger = chain->ledger();
  static ledger::VerifyPool pool(1);  // no worker threads: the fuzzer's thread does the work

  ledger::VectorBlockSource source(1, std::move(blocks));
  ledger::Replayer replayer(ledger, pool);
  auto result = replayer.Run(source, source.last_height());
  if (!result.ok()) fuzz::Fail(kTarget, "replay failed operationally on a peer's blocks: " + result.status().ToString());
  SHANLIU_FUZZ_CHECK(kTarget, ledger.height() == result->done.blocks);
  if (const auto& failure = result->failure) {
    SHANLIU_FUZZ_CHECK(kTarget, !failure->cause.ok() && !failure->cause.code().empty());
    SHANLIU_FUZZ_CHECK(kTarget, failure->height == ledger.height() + 1);
    (void)ledger::ReplayCheckName(failure->check);
  } else {
    SHANLIU_FUZZ_CHECK(kTarget, ledger.height() == sent.size());
  }
  {
    auto view = ledger.Read();
    for (std::uint64_t h = 1; h <= ledger.height(); ++h) {
      const auto stored = view->CommittedBlockAt(h);
      SHANLIU_FUZZ_CHECK(kTarget, stored.has_value());
      SHANLIU_FUZZ_CHECK(kTarget, stored->block().SerializeAsString() == sent[h - 1].block().SerializeAsString());
    }
  }
  if (ledger.height() > 0) {
    const auto hash = ledger::BlockHash(sent[ledger.height() - 1].block().header());
    SHANLIU_FUZZ_CHECK(kTarget, hash.ok() && *hash == ledger.head_hash());
  }
  chain.reset();  // closes LevelDB before its Env goes
  return 0;
}
