#include "shanliu/ledger/replay.h"

#include <algorithm>
#include <cassert>
#include <future>
#include <stdexcept>

#include "shanliu/crypto/codec.h"
#include "shanliu/ledger/block.h"

namespace shanliu::ledger {
namespace {

std::string Hex(std::string_view raw) { return crypto::ToHex(AsBytes(raw)); }
std::string Hex(const Hash256& h) { return crypto::ToHex(h); }
std::string Raw(const Hash256& h) { return std::string(h.begin(), h.end()); }

bool IsStorageFault(const Status& s) {
  return s.code() == kBlockMissing || s.code() == kBlockMalformed || s.code() == kStorageCorrupt;
}

// `cause` defaults to a Status whose code is the check's name, so a failure always carries one.
ReplayFailure Failure(std::uint64_t height, ReplayCheck check, std::string expected, std::string found,
                      Status cause = Status::Ok()) {
  if (cause.ok()) {
    cause = Status::Error(std::string(ReplayCheckName(check)), "block " + std::to_string(height) + ": expected " +
                                                                   expected + ", found " + found);
  }
  return ReplayFailure{height, std::nullopt, std::nullopt, check, std::move(expected), std::move(found), std::move(cause)};
}

// The first header field, in header order, where re-execution disagrees with the source.
std::optional<ReplayFailure> DiffHeaders(const pb::BlockHeader& replayed, const pb::BlockHeader& served) {
  const std::uint64_t height = served.height();
  if (replayed.txs_root() != served.txs_root()) {
    return Failure(height, ReplayCheck::kTxsRoot, Hex(replayed.txs_root()), Hex(served.txs_root()));
  }
  if (replayed.log_size() != served.log_size()) {
    return Failure(height, ReplayCheck::kLogSize, std::to_string(replayed.log_size()),
                   std::to_string(served.log_size()));
  }
  if (replayed.log_root() != served.log_root()) {
    return Failure(height, ReplayCheck::kLogRoot, Hex(replayed.log_root()), Hex(served.log_root()));
  }
  if (replayed.state_root() != served.state_root()) {
    return Failure(height, ReplayCheck::kStateRoot, Hex(replayed.state_root()), Hex(served.state_root()));
  }
  if (replayed.SerializeAsString() != served.SerializeAsString()) {
    return Failure(height, ReplayCheck::kHeaderFields, Hex(replayed.next_validators_hash()),
                   Hex(served.next_validators_hash()));
  }
  return std::nullopt;
}

}  // namespace

std::string_view ReplayCheckName(ReplayCheck check) {
  switch (check) {
    case ReplayCheck::kStorage: return "storage";
    case ReplayCheck::kHeaderChain: return "header_chain";
    case ReplayCheck::kCommitCertificate: return "commit_certificate";
    case ReplayCheck::kBlockLimits: return "block_limits";
    case ReplayCheck::kTxSignature: return "tx_signature";
    case ReplayCheck::kExecution: return "execution";
    case ReplayCheck::kConservation: return "conservation";
    case ReplayCheck::kTxsRoot: return "txs_root";
    case ReplayCheck::kLogSize: return "log_size";
    case ReplayCheck::kLogRoot: return "log_root";
    case ReplayCheck::kStateRoot: return "state_root";
    case ReplayCheck::kHeaderFields: return "header_fields";
  }
  assert(false);
  return "unknown";
}

// Blocks fetched together, each tx already decoded and its signatures checked on the pool.
struct Replayer::Batch {
  std::vector<pb::CommittedBlock> blocks;
  std::vector<std::vector<Result<DecodedTx>>> txs;  // per block, per tx
  std::uint64_t tx_count = 0;
};

Replayer::Replayer(Ledger& ledger, VerifyPool& pool, ReplayOptions options)
    : ledger_(ledger), pool_(pool), options_(std::move(options)) {
  assert(options_.max_batch_blocks >= 1 && options_.batch_txs >= 1);
}

Result<Replayer::Batch> Replayer::Prepare(BlockSource& source, std::uint64_t from, std::uint64_t count) {
  auto fetched = source.Fetch(from, count);
  if (!fetched.ok()) return fetched.status();
  if (fetched->empty() || fetched->size() > count) {
    return Status::Error("internal", "the block source broke its contract (" + std::to_string(fetched->size()) +
                                         " blocks for at most " + std::to_string(count) + ")");
  }
  Batch batch;
  batch.blocks = std::move(*fetched);
  std::vector<std::string_view> envelopes;
  for (const pb::CommittedBlock& b : batch.blocks) {
    for (const std::string& tx : b.block().txs()) envelopes.push_back(tx);
  }
  batch.tx_count = envelopes.size();
  std::vector<Result<DecodedTx>> checked =
      pool_.CheckTxs(envelopes, ledger_.genesis().chain_id, options_.known_verified);
  auto next = std::make_move_iterator(checked.begin());
  batch.txs.resize(batch.blocks.size());
  for (std::size_t b = 0; b < batch.blocks.size(); ++b) {
    const auto n = static_cast<std::size_t>(batch.blocks[b].block().txs_size());
    batch.txs[b].assign(next, next + static_cast<std::ptrdiff_t>(n));
    next += static_cast<std::ptrdiff_t>(n);
  }
  return batch;
}

Result<ReplayResult> Replayer::Run(BlockSource& source, std::uint64_t to_height) {
  ReplayResult result;
  std::uint64_t next_height = ledger_.height() + 1;
  std::future<Result<Batch>> ahead;
  std::uint64_t blocks_seen = 0, txs_seen = 0;
  // Batches are sized in txs, so verifying the next batch overlaps executing this one
  // whatever the block sizes: one block first, then about batch_txs txs.
  auto start_prepare = [&](std::uint64_t from) {
    std::uint64_t count = 1;
    if (blocks_seen > 0) count = std::max<std::uint64_t>(1, options_.batch_txs * blocks_seen / std::max<std::uint64_t>(1, txs_seen));
    count = std::min({count, options_.max_batch_blocks, to_height - from + 1});
    ahead = std::async(std::launch::async, [this, &source, from, count] { return Prepare(source, from, count); });
  };
  if (next_height <= to_height) start_prepare(next_height);
  while (next_height <= to_height) {
    Result<Batch> batch = ahead.get();
    if (!batch.ok()) {
      if (!IsStorageFault(batch.status())) return batch.status();
      result.failure = Failure(next_height, ReplayCheck::kStorage, "", "", batch.status());
      return result;
    }
    blocks_seen += batch->blocks.size();
    txs_seen += batch->tx_count;
    const std::uint64_t after = next_height + batch->blocks.size();
    if (after <= to_height) start_prepare(after);  // verify the next batch while this one executes
    // Whatever happens below, the prefetch must finish before `source` goes away.
    struct Drain {
      std::future<Result<Batch>>* f;
      ~Drain() {
        if (f->valid()) f->wait();
      }
    } drain{&ahead};
    for (std::size_t b = 0; b < batch->blocks.size(); ++b) {
      SHANLIU_RETURN_IF_ERROR(ReplayBlock(batch->blocks[b], batch->txs[b], result.done, &result.failure));
      if (result.failure) return result;
    }
    next_height = after;
    if (options_.on_progress) options_.on_progress(result.done);
  }
  return result;
}

std::optional<ReplayFailure> Replayer::CheckHeaderChain(const pb::BlockHeader& h) const {
  const pb::BlockHeader prev = ledger_.head();
  const Genesis& genesis = ledger_.genesis();
  const std::uint64_t height = prev.height() + 1;
  auto fail = [&](std::string expected, std::string found) {
    return Failure(height, ReplayCheck::kHeaderChain, std::move(expected), std::move(found));
  };
  if (h.height() != height) return fail(std::to_string(height), std::to_string(h.height()));
  if (h.chain_id() != genesis.chain_id) return fail(genesis.chain_id, h.chain_id());
  const Hash256 prev_hash = ledger_.head_hash();
  if (h.prev_block_hash() != Raw(prev_hash)) return fail(Hex(prev_hash), Hex(h.prev_block_hash()));
  if (h.time_ms() <= prev.time_ms()) return fail("> " + std::to_string(prev.time_ms()), std::to_string(h.time_ms()));
  // The set that signs this height, fixed by the state already replayed (a change takes effect
  // two or more blocks after the block that made it).
  auto signers = ledger_.ValidatorsAt(height);
  if (!signers.ok()) return Failure(height, ReplayCheck::kStorage, "", "", signers.status());
  const Hash256 validators = ValidatorsHash(*signers);
  if (h.validators_hash() != Raw(validators)) return fail(Hex(validators), Hex(h.validators_hash()));
  if (h.proposer_index() >= signers->size()) {
    return fail("< " + std::to_string(signers->size()), std::to_string(h.proposer_index()));
  }
  return std::nullopt;
}

std::optional<ReplayFailure> Replayer::CheckBlock(const pb::CommittedBlock& committed,
                                                  std::vector<Result<DecodedTx>>& checked,
                                                  std::vector<DecodedTx>* txs) const {
  const pb::Block& block = committed.block();
  const pb::BlockHeader& h = block.header();
  const Genesis& genesis = ledger_.genesis();
  const std::uint64_t height = ledger_.height() + 1;
  if (auto f = CheckHeaderChain(h)) return f;
  auto hash = BlockHash(h);
  if (!hash.ok()) return Failure(height, ReplayCheck::kHeaderChain, "", "", hash.status());
  auto signers = ledger_.ValidatorsAt(height);
  if (!signers.ok()) return Failure(height, ReplayCheck::kStorage, "", "", signers.status());
  if (Status s = VerifyCommitCertificate(committed.commit(), genesis.chain_id, height, *hash, *signers); !s.ok()) {
    return Failure(height, ReplayCheck::kCommitCertificate, Hex(*hash), Hex(committed.commit().block_hash()), s);
  }
  std::uint64_t bytes = 0;
  for (const std::string& tx : block.txs()) bytes += tx.size();
  if (static_cast<std::uint64_t>(block.txs_size()) > genesis.params.max_block_txs) {
    return Failure(height, ReplayCheck::kBlockLimits, "<= " + std::to_string(genesis.params.max_block_txs) + " txs",
                   std::to_string(block.txs_size()) + " txs");
  }
  if (bytes > genesis.params.max_block_bytes) {
    return Failure(height, ReplayCheck::kBlockLimits, "<= " + std::to_string(genesis.params.max_block_bytes) + " bytes",
                   std::to_string(bytes) + " bytes");
  }
  assert(checked.size() == static_cast<std::size_t>(block.txs_size()));
  txs->reserve(checked.size());
  for (std::size_t i = 0; i < checked.size(); ++i) {
    if (!checked[i].ok()) {
      ReplayFailure f = Failure(height, ReplayCheck::kTxSignature, "", checked[i].status().code(), checked[i].status());
      f.tx_index = static_cast<std::uint32_t>(i);
      pb::Tx envelope;
      if (envelope.ParseFromString(block.txs(static_cast<int>(i)))) f.tx_id = TxId(AsBytes(envelope.body()));
      return f;
    }
    txs->push_back(std::move(*checked[i]));
  }
  return std::nullopt;
}

Status Replayer::ReplayBlock(const pb::CommittedBlock& committed, std::vector<Result<DecodedTx>>& checked,
                             ReplayProgress& done, std::optional<ReplayFailure>* failure) {
  const pb::BlockHeader& h = committed.block().header();
  const std::uint64_t height = ledger_.height() + 1;
  std::vector<DecodedTx> txs;
  *failure = CheckBlock(committed, checked, &txs);
  if (*failure) return Status::Ok();
  std::uint32_t failed_tx = 0;
  Result<ExecutedBlock> executed = Status::Error("internal", "not executed");
  try {
    executed = ledger_.ExecuteDecoded(h, txs, &failed_tx);
  } catch (const std::logic_error& e) {
    // Only a bug in the rules breaks conservation; the ledger refuses to carry on with it.
    *failure = Failure(height, ReplayCheck::kConservation, "", "", Status::Error("conservation_violated", e.what()));
    return Status::Ok();
  }
  if (!executed.ok()) {
    assert(failed_tx < txs.size());
    *failure = Failure(height, ReplayCheck::kExecution, "", "", executed.status());
    (*failure)->tx_index = failed_tx;
    (*failure)->tx_id = txs[failed_tx].id;
    return Status::Ok();
  }
  *failure = DiffHeaders(executed->block.header(), h);
  if (*failure) return Status::Ok();
  SHANLIU_RETURN_IF_ERROR(ledger_.Commit(*executed, committed.commit()));
  ++done.blocks;
  done.txs += txs.size();
  for (const DecodedTx& tx : txs) done.signatures += tx.signers.size();
  if (options_.on_commit) options_.on_commit(*executed);
  return Status::Ok();
}

Result<std::vector<pb::CommittedBlock>> VectorBlockSource::Fetch(std::uint64_t from, std::uint64_t max_count) {
  if (from < first_height_ || from - first_height_ >= blocks_.size()) {
    return Status::Error(std::string(kBlockMissing), "block " + std::to_string(from) + " is not in this batch");
  }
  const std::size_t begin = static_cast<std::size_t>(from - first_height_);
  const std::size_t end = static_cast<std::size_t>(std::min<std::uint64_t>(blocks_.size(), begin + max_count));
  // Each block is replayed once, in order: hand it over rather than copy it.
  return std::vector<pb::CommittedBlock>(std::make_move_iterator(blocks_.begin() + static_cast<std::ptrdiff_t>(begin)),
                                         std::make_move_iterator(blocks_.begin() + static_cast<std::ptrdiff_t>(end)));
}

}  // namespace shanliu::ledger
