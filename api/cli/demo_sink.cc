#include "demo_sink.h"

#include <map>
#include <regex>

#include "format.h"
#include "shanliu/error_codes.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/ledger/block.h"

namespace shanliu::cli::demo {
namespace {

namespace fs = std::filesystem;

constexpr unsigned kCommitTimeoutMs = 180'000;
constexpr int kMaxBusyRetries = 30;

bool IsBusy(const Status& s) { return s.code() == errc::kMempoolFull || s.code() == errc::kRateLimited; }

class HttpSink final : public Sink {
 public:
  explicit HttpSink(const std::string& url) : node_(url) {}

  Result<ChainHead> Head() override { return node_.Head(); }

  Result<std::vector<TxFailure>> Apply(const std::vector<ledger::DecodedTx>& txs) override {
    std::vector<TxFailure> failures;
    std::vector<std::size_t> todo(txs.size());
    for (std::size_t i = 0; i < txs.size(); ++i) todo[i] = i;
    std::vector<std::size_t> accepted;
    for (int attempt = 0; !todo.empty(); ++attempt) {
      std::vector<Bytes> envelopes;
      for (std::size_t i : todo) envelopes.push_back(txs[i].envelope);
      auto results = node_.Submit(envelopes);
      if (!results.ok()) return results.status();
      std::vector<std::size_t> busy;
      for (std::size_t k = 0; k < todo.size(); ++k) {
        const Submitted& r = (*results)[k];
        if (r.accepted) {
          accepted.push_back(todo[k]);
        } else if (IsBusy(r.error) && attempt < kMaxBusyRetries) {
          busy.push_back(todo[k]);
        } else {
          failures.push_back(TxFailure{todo[k], r.error});
        }
      }
      todo = std::move(busy);
      if (!todo.empty()) {  // let the node work through what it holds, then offer the rest again
        if (Status s = WaitFor(txs, accepted, failures); !s.ok()) return s;
        accepted.clear();
      }
    }
    if (Status s = WaitFor(txs, accepted, failures); !s.ok()) return s;
    return failures;
  }

 private:
  Status WaitFor(const std::vector<ledger::DecodedTx>& txs, const std::vector<std::size_t>& which,
                 std::vector<TxFailure>& failures) {
    std::vector<Hash256> ids;
    for (std::size_t i : which) ids.push_back(txs[i].id);
    auto statuses = node_.Wait(ids, kCommitTimeoutMs);
    if (!statuses.ok()) return statuses.status();
    for (std::size_t k = 0; k < which.size(); ++k) {
      const TxStatus& st = (*statuses)[k];
      if (st.phase == TxPhase::kRejected) {
        failures.push_back(TxFailure{which[k], st.error});
      } else if (st.phase != TxPhase::kCommitted) {
        failures.push_back(TxFailure{which[k], Status::Error("timeout", std::string("still ") + TxPhaseName(st.phase) +
                                                                           " after " +
                                                                           std::to_string(kCommitTimeoutMs / 1000) + " s")});
      }
    }
    return Status::Ok();
  }

  NodeClient node_;
};

class LedgerSink final : public Sink {
 public:
  LedgerSink(std::unique_ptr<ledger::Ledger> ledger, std::map<std::uint32_t, crypto::KeyPair> keys)
      : ledger_(std::move(ledger)), keys_(std::move(keys)) {}

  Result<ChainHead> Head() override {
    const pb::BlockHeader h = ledger_->head();
    return ChainHead{h.chain_id(), h.height(), h.time_ms(), crypto::ToHex(AsBytes(h.validators_hash()))};
  }

  Result<std::vector<TxFailure>> Apply(const std::vector<ledger::DecodedTx>& txs) override {
    const ledger::GenesisParams& params = ledger_->genesis().params;
    std::map<Hash256, std::size_t> index;
    for (std::size_t i = 0; i < txs.size(); ++i) index[txs[i].id] = i;
    std::vector<TxFailure> failures;
    std::size_t begin = 0;
    while (begin < txs.size()) {
      std::size_t end = begin;
      std::uint64_t bytes = 0;
      while (end < txs.size() && end - begin < params.max_block_txs &&
             bytes + txs[end].envelope.size() <= params.max_block_bytes) {
        bytes += txs[end++].envelope.size();
      }
      const std::span<const ledger::DecodedTx> block(txs.data() + begin, end - begin);
      ledger::BuildResult built = ledger_->BuildBlock(block, NowMs(), keys_.begin()->first);
      for (const ledger::RejectedTx& r : built.rejected) failures.push_back(TxFailure{index[r.id], r.status});
      if (built.executed.block.txs_size() > 0) {
        const pb::BlockHeader& h = built.executed.block.header();
        std::vector<pb::CommitSignature> sigs;
        for (const auto& [validator, key] : keys_) {
          sigs.push_back(
              ledger::SignPrecommit(h.chain_id(), h.height(), 0, built.executed.hash, validator, key.secret_key));
        }
        SHANLIU_RETURN_IF_ERROR(ledger_->Commit(
            built.executed, ledger::MakeCommitCertificate(h.height(), 0, built.executed.hash, std::move(sigs))));
      }
      begin = end;
    }
    return failures;
  }

 private:
  std::unique_ptr<ledger::Ledger> ledger_;
  std::map<std::uint32_t, crypto::KeyPair> keys_;  // validator index -> key
};

}  // namespace

std::unique_ptr<Sink> MakeHttpSink(const std::string& node_url) { return std::make_unique<HttpSink>(node_url); }

Result<std::unique_ptr<Sink>> MakeLedgerSink(const fs::path& data_dir, const ledger::Genesis& genesis,
                                             const fs::path& devnet_dir) {
  std::map<std::uint32_t, crypto::KeyPair> keys;
  std::uint64_t power = 0;
  std::error_code ec;
  const std::regex node_dir("node[0-9]+");
  for (const auto& entry : fs::directory_iterator(devnet_dir, ec)) {
    if (!entry.is_directory() || !std::regex_match(entry.path().filename().string(), node_dir)) continue;
    if (!fs::exists(entry.path() / "node.key", ec)) continue;
    auto key = crypto::ReadKeyFile(entry.path() / "node.key");
    if (!key.ok()) return key.status();
    const int index = genesis.ValidatorIndex(key->public_key);
    if (index < 0) continue;  // an observer
    power += genesis.validators[static_cast<std::size_t>(index)].voting_power;
    keys.emplace(static_cast<std::uint32_t>(index), std::move(*key));
  }
  if (!ledger::IsSupermajority(power, genesis.total_voting_power())) {
    return Status::Error("missing_keys", "committing blocks needs the keys of validators holding more than 2/3 of "
                                         "the voting power; " + devnet_dir.string() + "/node*/node.key hold " +
                                         std::to_string(power) + " of " + std::to_string(genesis.total_voting_power()));
  }
  auto ledger = ledger::Ledger::Open(data_dir, genesis);
  if (!ledger.ok()) return ledger.status();
  return std::unique_ptr<Sink>(std::make_unique<LedgerSink>(std::move(*ledger), std::move(keys)));
}

}  // namespace shanliu::cli::demo
