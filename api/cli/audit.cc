// The audit replay: a fresh ledger from genesis, fed every block of the source after the
// header chain, the commit certificate and every tx signature were checked; signatures are
// verified by a thread pool one batch ahead of execution and never verified twice.
#include "audit.h"

#include <leveldb/iterator.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <future>
#include <stdexcept>
#include <thread>
#include <unistd.h>

#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/hash.h"
#include "shanliu/crypto/merkle.h"
#include "shanliu/ledger/block.h"
#include "shanliu/ledger/checkpoint.h"
#include "shanliu/ledger/flow.h"
#include "shanliu/ledger/ledger.h"
#include "shanliu/ledger/tx.h"
#include "shanliu/pb/state.pb.h"

namespace shanliu::audit {
namespace {

using Clock = std::chrono::steady_clock;

std::string Hex(std::string_view raw) { return crypto::ToHex(AsBytes(raw)); }
std::string Hex(const Hash256& h) { return crypto::ToHex(h); }
std::string Raw(const Hash256& h) { return std::string(h.begin(), h.end()); }

// A directory for the replay ledger, removed with everything in it.
class ScratchDir {
 public:
  static Result<ScratchDir> Make(const std::filesystem::path& parent) {
    std::error_code ec;
    const std::filesystem::path base = parent.empty() ? std::filesystem::temp_directory_path(ec) : parent;
    if (ec) return Status::Error("io_error", "no temp directory: " + ec.message());
    std::string pattern = (base / "shanliu-audit-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      return Status::Error("io_error", "cannot create a scratch directory under " + base.string());
    }
    return ScratchDir(pattern);
  }
  ScratchDir(ScratchDir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  ScratchDir(const ScratchDir&) = delete;
  ~ScratchDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  explicit ScratchDir(std::filesystem::path p) : path_(std::move(p)) {}
  std::filesystem::path path_;
};

// One envelope after stateless checks and signature verification.
struct CheckedTx {
  Status status;
  Hash256 envelope_hash{};
  Hash256 leaf_hash{};  // RFC 9162 leaf hash, for the txs root (computed off the execution thread)
  std::size_t signatures = 0;
  std::string id_hex;  // empty if the body does not parse
};

struct Batch {
  std::uint64_t first_height = 0;
  std::vector<pb::CommittedBlock> blocks;
  std::vector<std::vector<CheckedTx>> txs;  // per block, per tx
  std::uint64_t tx_count = 0;
};

CheckedTx CheckTx(const std::string& envelope, const std::string& chain_id) {
  CheckedTx out;
  auto decoded = ledger::DecodeTx(AsBytes(envelope), chain_id, /*verify_signatures=*/true);
  if (decoded.ok()) {
    out.envelope_hash = decoded->envelope_hash;
    out.leaf_hash = crypto::MerkleLeafHash(AsBytes(envelope));
    out.signatures = decoded->signers.size();
    out.id_hex = Hex(decoded->id);
    return out;
  }
  out.status = decoded.status();
  pb::Tx tx;
  if (tx.ParseFromString(envelope)) out.id_hex = Hex(ledger::TxId(AsBytes(tx.body())));
  return out;
}

// Fetches up to `count` blocks and checks every tx of them on `threads` threads.
Result<Batch> Prepare(BlockSource& source, std::uint64_t from, std::uint64_t count, const std::string& chain_id,
                      unsigned threads) {
  auto fetched = source.Fetch(from, count);
  if (!fetched.ok()) return fetched.status();
  Batch batch;
  batch.first_height = from;
  batch.blocks = std::move(*fetched);
  if (batch.blocks.empty()) return Status::Error("internal", "the source returned no block");
  std::vector<std::pair<std::size_t, std::size_t>> work;  // (block, tx)
  batch.txs.resize(batch.blocks.size());
  for (std::size_t b = 0; b < batch.blocks.size(); ++b) {
    const auto& txs = batch.blocks[b].block().txs();
    batch.txs[b].resize(static_cast<std::size_t>(txs.size()));
    for (int t = 0; t < txs.size(); ++t) work.emplace_back(b, static_cast<std::size_t>(t));
  }
  batch.tx_count = work.size();
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    // Chunks keep the shared counter cold; each tx is independent.
    constexpr std::size_t kChunk = 64;
    for (std::size_t start = next.fetch_add(kChunk); start < work.size(); start = next.fetch_add(kChunk)) {
      const std::size_t end = std::min(work.size(), start + kChunk);
      for (std::size_t i = start; i < end; ++i) {
        const auto [b, t] = work[i];
        batch.txs[b][t] = CheckTx(batch.blocks[b].block().txs(static_cast<int>(t)), chain_id);
      }
    }
  };
  std::vector<std::thread> pool;
  const unsigned helpers = work.size() > 256 ? threads - 1 : 0;
  for (unsigned i = 0; i < helpers; ++i) pool.emplace_back(worker);
  worker();
  for (std::thread& t : pool) t.join();
  return batch;
}

bool IsSourceFault(const Status& s) { return s.code() == kBlockMissing || s.code() == kBlockMalformed; }

// First header field (in header order) whose re-executed value differs from the stored one.
AuditFailure DiffHeaders(std::uint64_t height, const pb::BlockHeader& recomputed, const pb::BlockHeader& stored) {
  AuditFailure f;
  f.height = height;
  auto set = [&](const char* check, std::string expected, std::string found, const std::string& what) {
    f.check = check;
    f.expected = std::move(expected);
    f.found = std::move(found);
    f.message = "block " + std::to_string(height) + ": the " + what + " after re-execution differs from the header";
  };
  if (recomputed.log_size() != stored.log_size()) {
    set("log_size", std::to_string(recomputed.log_size()), std::to_string(stored.log_size()), "log size");
  } else if (recomputed.log_root() != stored.log_root()) {
    set("log_root", Hex(recomputed.log_root()), Hex(stored.log_root()), "log root");
  } else if (recomputed.state_root() != stored.state_root()) {
    set("state_root", Hex(recomputed.state_root()), Hex(stored.state_root()), "state root");
  } else {
    set("header_fields", "", "", "header encoding");
  }
  return f;
}

// Sums of a trace: roots add up to the gift; each expanded hop's children add up to the hop.
bool TraceSumsHold(const std::vector<ledger::flow::TraceNode>& nodes, std::int64_t want, std::int64_t* got) {
  __extension__ __int128 sum = 0;
  for (const auto& n : nodes) {
    sum += n.amount_fen;
    if (!n.children.empty()) {
      std::int64_t inner = 0;
      if (!TraceSumsHold(n.children, n.amount_fen, &inner)) {
        *got = inner;
        return false;
      }
    }
  }
  *got = static_cast<std::int64_t>(sum);
  return sum == want;
}

std::string PrintableKey(std::string_view key) {
  std::string out;
  for (unsigned char c : key.substr(0, 64)) {
    if (c >= 0x20 && c < 0x7f) {
      out.push_back(static_cast<char>(c));
    } else {
      static const char* kDigits = "0123456789abcdef";
      out += "\\x";
      out.push_back(kDigits[c >> 4]);
      out.push_back(kDigits[c & 15]);
    }
  }
  if (key.size() > 64) out += "...";
  return out;
}

std::string ValueSummary(const leveldb::Iterator* it) {
  if (it == nullptr || !it->Valid()) return "absent";
  const Hash256 h = crypto::Sha256(AsBytes(std::string_view(it->value().data(), it->value().size())));
  return std::to_string(it->value().size()) + " bytes, sha256 " + Hex(h).substr(0, 16);
}

// The whole stored database against the replay's: they are built by the same deterministic
// commits, so every key and value must agree (state, indexes, blocks, leaves, log subtrees).
std::optional<AuditFailure> CompareDatabases(leveldb::DB* replay, leveldb::DB* stored, std::uint64_t head) {
  leveldb::ReadOptions ro;
  ro.fill_cache = false;
  std::unique_ptr<leveldb::Iterator> a(replay->NewIterator(ro));
  std::unique_ptr<leveldb::Iterator> b(stored->NewIterator(ro));
  a->SeekToFirst();
  b->SeekToFirst();
  while (a->Valid() || b->Valid()) {
    int order = 0;
    if (!a->Valid()) {
      order = 1;
    } else if (!b->Valid()) {
      order = -1;
    } else {
      order = a->key().compare(b->key());
    }
    if (order == 0 && a->value() == b->value()) {
      a->Next();
      b->Next();
      continue;
    }
    AuditFailure f;
    f.height = head;
    f.check = "stored_state";
    const leveldb::Slice key = order <= 0 ? a->key() : b->key();
    const std::string printable = PrintableKey(std::string_view(key.data(), key.size()));
    f.expected = order <= 0 ? ValueSummary(a.get()) : "absent";
    f.found = order >= 0 ? ValueSummary(b.get()) : "absent";
    f.message = "the stored database differs from re-execution at key '" + printable + "'";
    return f;
  }
  if (!a->status().ok() || !b->status().ok()) {
    AuditFailure f;
    f.height = head;
    f.check = "stored_state";
    f.message = "reading the databases failed: " + (a->status().ok() ? b->status() : a->status()).ToString();
    return f;
  }
  return std::nullopt;
}

std::string Base64Of(const Hash256& h) {
  // The checkpoint body spells roots in base64; reuse its encoder by building a body.
  const std::string body = ledger::CheckpointBody("x", 0, h);
  return body.substr(4, body.size() - 5);
}

}  // namespace

Result<AuditReport> RunAudit(BlockSource& source, const ledger::Genesis& genesis, const AuditOptions& options) {
  const auto started = Clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - started).count(); };
  AuditReport report;
  report.source = source.Describe();
  report.chain_id = genesis.chain_id;
  report.threads = options.threads != 0 ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  const std::uint64_t batch_blocks = std::max<std::uint64_t>(1, options.batch_blocks);

  auto scratch = ScratchDir::Make(options.work_dir);
  if (!scratch.ok()) return scratch.status();
  ledger::LedgerOptions ledger_options;
  ledger_options.sync_writes = false;  // a scratch copy: a crash only loses the audit's own work
  ledger_options.check_conservation = true;
  auto opened = ledger::Ledger::Open(scratch->path(), genesis, ledger_options);
  if (!opened.ok()) return opened.status();
  std::unique_ptr<ledger::Ledger> replay = std::move(*opened);

  auto fail = [&](AuditFailure f) -> Result<AuditReport> {
    report.failure = std::move(f);
    report.seconds = elapsed();
    return report;
  };
  auto source_fault = [&](std::uint64_t height, const Status& s) {
    AuditFailure f;
    f.height = height;
    f.check = "storage";
    f.message = s.message();
    return f;
  };

  auto head = source.HeadHeight();
  if (!head.ok()) {
    if (IsSourceFault(head.status())) return fail(source_fault(0, head.status()));
    return head.status();
  }
  report.source_head_height = *head;

  // The source must start from this genesis.
  {
    auto first = source.Fetch(0, 1);
    if (!first.ok()) {
      if (IsSourceFault(first.status())) return fail(source_fault(0, first.status()));
      return first.status();
    }
    const pb::BlockHeader& found = first->front().block().header();
    const pb::BlockHeader expected = replay->head();
    if (found.SerializeAsString() != expected.SerializeAsString()) {
      AuditFailure f;
      f.height = 0;
      f.check = "genesis";
      auto found_hash = ledger::BlockHash(found);
      f.expected = Hex(replay->head_hash());
      f.found = found_hash.ok() ? Hex(*found_hash) : "a malformed header";
      f.message = "the source's genesis block is not the one this genesis file makes (different chain or genesis)";
      return fail(f);
    }
  }

  auto progress = [&] {
    if (!options.progress) return;
    options.progress(AuditProgress{report.blocks_checked, *head, report.txs_checked, elapsed()});
  };
  progress();

  const std::string& chain_id = genesis.chain_id;
  const Hash256 validators_hash = genesis.validators_hash();
  std::uint64_t next_height = 1;
  std::future<Result<Batch>> ahead;
  // Batches are sized in txs, not blocks, so verification of the next batch overlaps execution
  // of this one whatever the block sizes: start with one block, then aim at kBatchTxs.
  constexpr std::uint64_t kBatchTxs = 4096;
  std::uint64_t blocks_seen = 0, txs_seen = 0;
  auto start_prepare = [&](std::uint64_t from) {
    std::uint64_t count = 1;
    if (blocks_seen > 0) count = std::max<std::uint64_t>(1, kBatchTxs * blocks_seen / std::max<std::uint64_t>(1, txs_seen));
    count = std::min({count, batch_blocks, *head - from + 1});
    ahead = std::async(std::launch::async, [&source, from, count, &chain_id, threads = report.threads] {
      return Prepare(source, from, count, chain_id, threads);
    });
  };
  if (next_height <= *head) start_prepare(next_height);

  while (next_height <= *head) {
    Result<Batch> batch = ahead.get();
    if (!batch.ok()) {
      if (IsSourceFault(batch.status())) return fail(source_fault(next_height, batch.status()));
      return batch.status();
    }
    blocks_seen += batch->blocks.size();
    txs_seen += batch->tx_count;
    const std::uint64_t after = next_height + batch->blocks.size();
    if (after <= *head) start_prepare(after);  // verify the next batch while this one executes
    // Whatever happens below, the prefetch must finish before `source` or `batch` go away.
    struct Drain {
      std::future<Result<Batch>>* f;
      ~Drain() {
        if (f->valid()) f->wait();
      }
    } drain{&ahead};

    for (std::size_t b = 0; b < batch->blocks.size(); ++b) {
      const std::uint64_t height = next_height + b;
      const pb::CommittedBlock& committed = batch->blocks[b];
      const pb::Block& block = committed.block();
      const pb::BlockHeader& h = block.header();
      const pb::BlockHeader prev = replay->head();
      auto chain_fail = [&](std::string expected, std::string found, const std::string& what) {
        AuditFailure f;
        f.height = height;
        f.check = "header_chain";
        f.expected = std::move(expected);
        f.found = std::move(found);
        f.message = "block " + std::to_string(height) + ": " + what;
        return f;
      };
      // Header chain.
      if (h.height() != height) {
        return fail(chain_fail(std::to_string(height), std::to_string(h.height()), "the header's height is wrong"));
      }
      if (h.chain_id() != chain_id) return fail(chain_fail(chain_id, h.chain_id(), "the header's chain id is wrong"));
      if (h.prev_block_hash() != Raw(replay->head_hash())) {
        return fail(chain_fail(Hex(replay->head_hash()), Hex(h.prev_block_hash()),
                               "the previous block hash does not link to block " + std::to_string(height - 1)));
      }
      if (h.time_ms() <= prev.time_ms()) {
        return fail(chain_fail("> " + std::to_string(prev.time_ms()), std::to_string(h.time_ms()),
                               "the block time does not increase"));
      }
      if (h.validators_hash() != Raw(validators_hash)) {
        return fail(chain_fail(Hex(validators_hash), Hex(h.validators_hash()),
                               "the validators hash is not the genesis validator set's"));
      }
      if (h.proposer_index() >= genesis.validators.size()) {
        return fail(chain_fail("< " + std::to_string(genesis.validators.size()), std::to_string(h.proposer_index()),
                               "the proposer index is not a validator"));
      }
      auto hash = ledger::BlockHash(h);
      if (!hash.ok()) return fail(chain_fail("", "", "the header is malformed: " + hash.status().message()));

      // Commit certificate.
      if (Status s = ledger::VerifyCommitCertificate(committed.commit(), chain_id, height, *hash, genesis.validators);
          !s.ok()) {
        AuditFailure f;
        f.height = height;
        f.check = "commit_certificate";
        f.expected = "precommits of more than 2/3 of the voting power for block " + Hex(*hash);
        f.found = std::to_string(committed.commit().signatures_size()) + " signatures for " +
                  Hex(committed.commit().block_hash());
        f.message = "block " + std::to_string(height) + ": the commit certificate does not verify: " + s.message();
        return fail(f);
      }

      // Tx signatures and stateless rules (already checked by the pool).
      const std::vector<CheckedTx>& checked = batch->txs[b];
      std::vector<Hash256> leaf_hashes;
      leaf_hashes.reserve(checked.size());
      for (std::size_t t = 0; t < checked.size(); ++t) {
        if (!checked[t].status.ok()) {
          AuditFailure f;
          f.height = height;
          f.tx_index = static_cast<std::uint32_t>(t);
          f.tx_id_hex = checked[t].id_hex;
          f.check = "tx_signature";
          f.found = checked[t].status.code();
          f.message = "block " + std::to_string(height) + ", tx " + std::to_string(t) +
                      ": the envelope does not verify: " + checked[t].status.ToString();
          return fail(f);
        }
        leaf_hashes.push_back(checked[t].leaf_hash);
      }
      const Hash256 txs_root = crypto::MerkleRootOfLeafHashes(leaf_hashes);
      if (h.txs_root() != Raw(txs_root)) {
        AuditFailure f;
        f.height = height;
        f.check = "txs_root";
        f.expected = Hex(txs_root);
        f.found = Hex(h.txs_root());
        f.message = "block " + std::to_string(height) + ": the txs root does not match the block's transactions";
        return fail(f);
      }

      // Re-execution: signer rules, state rules, conservation, roots and state digest.
      std::size_t asked = 0;
      auto verified = [&](const Hash256& envelope_hash) {
        const bool same = asked < checked.size() && checked[asked].envelope_hash == envelope_hash;
        ++asked;
        return same;
      };
      Result<ledger::ExecutedBlock> executed = Status::Error("internal", "not executed");
      try {
        executed = replay->ExecuteProposal(block, verified);
      } catch (const std::exception& e) {
        // The ledger throws logic_error when a block would break conservation (only a rules bug
        // can), StorageError when the scratch database fails.
        AuditFailure f;
        f.height = height;
        f.check = dynamic_cast<const std::logic_error*>(&e) != nullptr ? "conservation" : "execution";
        f.message = "block " + std::to_string(height) + ": re-execution stopped: " + e.what();
        return fail(f);
      }
      if (!executed.ok()) {
        const std::string& message = executed.status().message();
        constexpr std::string_view kTxPrefix = "transaction ";
        if (message.starts_with(kTxPrefix)) {
          AuditFailure f;
          f.height = height;
          f.check = "execution";
          const std::uint32_t index = static_cast<std::uint32_t>(std::strtoul(message.c_str() + kTxPrefix.size(), nullptr, 10));
          if (index < checked.size()) {
            f.tx_index = index;
            f.tx_id_hex = checked[index].id_hex;
          }
          f.message = "block " + std::to_string(height) + ": " + message;
          return fail(f);
        }
        if (message.find("re-execution") != std::string::npos) {
          // Rebuild the block to name the field that differs.
          std::vector<ledger::DecodedTx> txs;
          for (const std::string& envelope : block.txs()) {
            txs.push_back(*ledger::DecodeTx(AsBytes(envelope), chain_id, /*verify_signatures=*/false));
          }
          const ledger::BuildResult rebuilt = replay->BuildBlock(txs, h.time_ms(), h.proposer_index());
          return fail(DiffHeaders(height, rebuilt.executed.block.header(), h));
        }
        AuditFailure f;
        f.height = height;
        f.check = "execution";
        f.message = "block " + std::to_string(height) + ": " + executed.status().ToString();
        return fail(f);
      }
      if (Status s = replay->Commit(*executed, committed.commit()); !s.ok()) {
        AuditFailure f;
        f.height = height;
        f.check = "execution";
        f.message = "block " + std::to_string(height) + " cannot be committed to the replay: " + s.ToString();
        return fail(f);
      }
      ++report.blocks_checked;
      report.txs_checked += checked.size();
      for (const CheckedTx& c : checked) report.signatures_checked += c.signatures;
    }
    next_height = after;
    progress();
  }

  report.replay_seconds = elapsed();

  // Whole-chain checks on the replayed state.
  auto view = replay->Read();
  const pb::BlockHeader& final_head = view->head();
  report.head_height = final_head.height();
  report.head_hash_hex = Hex(view->head_hash());
  report.log_size = final_head.log_size();
  report.log_root_hex = Hex(final_head.log_root());
  report.state_root_hex = Hex(final_head.state_root());

  if (Status s = ledger::flow::CheckConservation(view->state()); !s.ok()) {
    AuditFailure f;
    f.height = report.head_height;
    f.check = "conservation";
    f.message = "after block " + std::to_string(report.head_height) + ": " + s.message();
    return fail(f);
  }
  report.checks_passed.push_back("conservation");

  std::optional<AuditFailure> trace_failure;
  view->state().Scan("g/", "g/", "", [&](std::string_view key, std::string_view value) {
    pb::GiftRecord gift;
    if (!gift.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      trace_failure = AuditFailure{0, std::nullopt, "", "trace_sums", "", "", "a gift record does not parse"};
      return false;
    }
    const ledger::flow::Trace trace =
        ledger::flow::TraceForward(view->state(), gift.account(), gift.interval_start(), gift.amount_fen());
    std::int64_t sum = 0;
    if (!TraceSumsHold(trace.roots, gift.amount_fen(), &sum) && !trace.truncated) {
      AuditFailure f;
      f.height = gift.height();
      f.tx_id_hex = Hex(key.substr(2));
      f.check = "trace_sums";
      f.expected = std::to_string(gift.amount_fen());
      f.found = std::to_string(sum);
      f.message = "the trace of the gift at leaf " + std::to_string(gift.leaf()) + " into " + gift.account() +
                  " does not add up to its amount";
      trace_failure = f;
      return false;
    }
    ++report.gifts_traced;
    return true;
  });
  if (trace_failure) return fail(*trace_failure);
  report.checks_passed.push_back("trace_sums");

  // What the checkpoint check needs from the replayed log, taken before the ledger closes.
  std::optional<ledger::CheckpointVerification> saved;
  std::optional<Status> saved_error;
  std::optional<Hash256> root_at_saved;
  std::optional<std::vector<Hash256>> local_proof;
  if (options.since_checkpoint_note) {
    auto verified = ledger::VerifyCheckpointNote(*options.since_checkpoint_note, genesis);
    if (!verified.ok()) {
      saved_error = verified.status();
    } else {
      saved = *verified;
      const std::uint64_t size = saved->checkpoint.size;
      if (size <= final_head.log_size()) {
        auto root = view->LogRootAt(size);
        if (!root.ok()) return root.status();
        root_at_saved = *root;
        if (size > 0) {
          auto proof = view->ConsistencyProof(size, final_head.log_size());
          if (!proof.ok()) return proof.status();
          local_proof = *proof;
        } else {
          local_proof = std::vector<Hash256>{};
        }
      }
    }
  }
  view.reset();

  if (leveldb::DB* stored = source.LocalDatabase()) {
    replay.reset();  // close it, then read it back as a plain database
    leveldb::DB* raw = nullptr;
    leveldb::Options db_options;
    leveldb::Status s = leveldb::DB::Open(db_options, (scratch->path() / "ledger").string(), &raw);
    if (!s.ok()) return Status::Error("io_error", "cannot reopen the replay database: " + s.ToString());
    std::unique_ptr<leveldb::DB> replay_db(raw);
    if (auto f = CompareDatabases(replay_db.get(), stored, report.head_height)) return fail(*f);
    report.checks_passed.push_back("stored_state");
  }

  if (options.since_checkpoint_note) {
    const std::string& label = options.since_checkpoint_label;
    AuditFailure f;
    f.height = report.head_height;
    f.check = "checkpoint";
    if (saved_error) {
      f.message = label + " is not a valid checkpoint of this chain: " + saved_error->ToString();
      return fail(f);
    }
    CheckpointResult result;
    result.size = saved->checkpoint.size;
    result.root_hex = Hex(saved->checkpoint.root);
    for (const auto& c : saved->cosigners) result.cosigners.push_back(c.name);
    result.cosigned_power = saved->cosigned_power;
    result.total_power = saved->total_power;
    report.checkpoint = result;
    if (!saved->supermajority) {
      f.expected = "more than 2/3 of " + std::to_string(saved->total_power);
      f.found = std::to_string(saved->cosigned_power);
      f.message = label + " is cosigned by validators holding " + std::to_string(saved->cosigned_power) + " of " +
                  std::to_string(saved->total_power) + " voting power; more than 2/3 is needed";
      return fail(f);
    }
    f.check = "consistency";
    const std::uint64_t size = saved->checkpoint.size;
    if (!root_at_saved) {
      f.expected = ">= " + std::to_string(size) + " leaves";
      f.found = std::to_string(report.log_size);
      f.message = "log was truncated or rewritten: it has " + std::to_string(report.log_size) +
                  " leaves, fewer than the " + std::to_string(size) + " of the checkpoint saved in " + label;
      return fail(f);
    }
    if (*root_at_saved != saved->checkpoint.root) {
      f.expected = Base64Of(saved->checkpoint.root);
      f.found = Base64Of(*root_at_saved);
      f.message = "log was rewritten: root at size " + std::to_string(size) + " differs from the checkpoint saved in " +
                  label + " (saved " + f.expected + ", the audited log has " + f.found + ")";
      return fail(f);
    }
    auto final_root = crypto::Hash256FromHex(report.log_root_hex);
    const bool local_ok = size == 0 || crypto::VerifyMerkleConsistency(size, report.log_size, saved->checkpoint.root,
                                                                       *final_root, *local_proof);
    if (!local_ok) {
      f.message = "the consistency proof from size " + std::to_string(size) + " to " + std::to_string(report.log_size) +
                  " does not verify";
      return fail(f);
    }
    if (size > 0) {
      if (auto served = source.ConsistencyProof(size, report.log_size)) {
        if (!served->ok()) return served->status();
        if (!crypto::VerifyMerkleConsistency(size, report.log_size, saved->checkpoint.root, *final_root, **served)) {
          f.message = "the source's consistency proof from size " + std::to_string(size) + " to " +
                      std::to_string(report.log_size) + " does not verify against the saved and replayed roots";
          return fail(f);
        }
      }
    }
    report.checkpoint->consistent = true;
    report.checks_passed.push_back("checkpoint");
  }
  report.seconds = elapsed();
  return report;
}

}  // namespace shanliu::audit
