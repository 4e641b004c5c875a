// The flow-proof prover (docs/flow-proof.md): runs the same walks as the verifier over the
// ledger's state, noting every key they read, then proves those keys against the head's state
// root and every hop tx against its log root.
#include "shanliu/ledger/flow_proof.h"

#include <algorithm>
#include <set>

#include "flow_proof_names.h"
#include "flow_walk.h"
#include "shanliu/ledger/goods.h"
#include "state_keys.h"

namespace shanliu::ledger::flow_proof {
namespace {

using namespace flow::internal;

std::uint64_t ConsumedLength(std::string_view value) { return DecodeConsumed(value).length; }
std::uint64_t InflowLength(std::string_view value) { return DecodeInflow(value).length; }

// Reads the committed state and remembers every key read (present or not).
class RecordingState {
 public:
  explicit RecordingState(const StateView& view) : view_(view) {}
  std::optional<std::string> Get(const std::string& key) {
    keys_.insert(key);
    return view_.Get(key);
  }
  // FirstEndingAfter, noting the key found.
  std::optional<std::pair<std::uint64_t, std::string>> RangeAt(StreamIndex index, const std::string& account,
                                                               std::uint64_t p,
                                                               std::uint64_t (*length_of)(std::string_view)) {
    auto found = FirstEndingAfter(view_, index, account, p, length_of);
    if (found) keys_.insert(StreamKey(index, account, found->first + length_of(found->second)));
    return found;
  }
  const StateView& view() const { return view_; }
  const std::set<std::string>& keys() const { return keys_; }

 private:
  const StateView& view_;
  std::set<std::string> keys_;
};

class StateWalkReader final : public WalkReader, public BackReader {
 public:
  explicit StateWalkReader(RecordingState& state) : state_(state) {}

  Result<AccountRecord> Account(const std::string& account) override {
    auto value = state_.Get(AccountKey(account));
    if (!value) return Status::Error("wrong_account", "the state has no account " + account);
    return DecodeAccount(*value);
  }
  Result<std::pair<std::uint64_t, ConsumedEntry>> ConsumedAt(const std::string& account, std::uint64_t p) override {
    auto found = state_.RangeAt(StreamIndex::kConsumed, account, p, ConsumedLength);
    if (!found || found->first > p) Corrupt("consumed range", account, p);
    return std::make_pair(found->first, DecodeConsumed(found->second));
  }
  Result<OutflowHeader> Outflow(std::uint64_t tx) override {
    auto value = state_.Get(OutflowKey(tx));
    if (!value) return Status::Error("not_found", "leaf " + std::to_string(tx) + " made no outflow");
    return DecodeOutflowHeader(*value);
  }
  Result<std::pair<std::uint64_t, OutflowPieceEntry>> PieceAt(std::uint64_t tx, std::uint64_t offset) override {
    std::optional<std::pair<std::uint64_t, OutflowPieceEntry>> found;
    state_.view().Scan(OutflowPiecePrefix(tx), OutflowPieceKey(tx, offset + 1), "",
                       [&](std::string_view key, std::string_view value) {
                         const OutflowPieceEntry piece = DecodeOutflowPiece(value);
                         const std::uint64_t end = OutflowPieceKeyEnd(key);
                         found.emplace(end - std::min(end, piece.length), piece);
                         state_.Get(std::string(key));  // note the key
                         return false;
                       });
    if (!found || found->first > offset) Corrupt("outflow piece", "leaf " + std::to_string(tx), offset);
    return *found;
  }
  Result<std::pair<std::uint64_t, InflowEntry>> InflowAt(const std::string& account, std::uint64_t p) override {
    auto found = state_.RangeAt(StreamIndex::kInflow, account, p, InflowLength);
    if (!found || found->first > p) Corrupt("inflow", account, p);
    return std::make_pair(found->first, DecodeInflow(found->second));
  }

 private:
  // Committed state always has a range below out_pos (or in_pos): anything else is corruption.
  [[noreturn]] static void Corrupt(const std::string& what, const std::string& of, std::uint64_t p) {
    throw StorageError("corrupt fund-flow records: no " + what + " of " + of + " holds position " + std::to_string(p));
  }
  RecordingState& state_;
};

// Every record read, with its value, and the multi-proof of all of them.
Envelope Prove(const ReadView& view, const std::set<std::string>& keys, const std::set<std::uint64_t>& leaves) {
  Envelope out;
  out.header = view.head();
  out.block_hash = view.head_hash();
  out.commit = view.HeadCommit();
  out.transitions = view.ProvenTransitions(out.header.height());
  const std::vector<std::string> sorted(keys.begin(), keys.end());
  out.state_proof = view.StateProof(sorted);
  for (const std::string& key : sorted) out.records.push_back(Record{key, view.state().Get(key)});
  for (std::uint64_t leaf : leaves) {
    auto tx = view.TxByLeaf(leaf);
    if (!tx) throw StorageError("a fund-flow record names a missing log leaf " + std::to_string(leaf));
    auto path = view.InclusionPath(leaf);
    if (!path.ok()) throw StorageError("no inclusion path for leaf " + std::to_string(leaf) + ": " + path.status().ToString());
    out.txs.push_back(ProvenTx{leaf, tx->envelope, std::move(*path)});
  }
  return out;
}

// The accounts a trace shows (nodes and transfer targets) and the hop leaves it names.
void Visit(const std::vector<flow::TraceNode>& nodes, std::set<std::string>& accounts, std::set<std::uint64_t>& leaves,
           std::set<std::uint64_t>& corrected) {
  for (const flow::TraceNode& n : nodes) {
    accounts.insert(n.account);
    if (n.fate != flow::Fate::kUnspent) leaves.insert(n.tx);
    if (n.fate == flow::Fate::kCorrected) corrected.insert(n.tx);
    Visit(n.children, accounts, leaves, corrected);
  }
}

// A hop tx's target account (transfers, trust disbursements, goods transfers), or empty.
std::string TargetOf(const pb::TxBody& body) {
  if (body.has_transfer()) return body.transfer().to_account();
  if (body.has_trust_disbursement()) return body.trust_disbursement().to_account();
  if (body.has_goods_transfer()) {
    return goods::AccountFor(body.goods_transfer().to_account(), body.goods_transfer().item_code()).value_or("");
  }
  return "";
}

// What a walk starts from: a money gift's g/ record or a goods donation's r/gg/ record (read
// through `state`, so the verifier gets whichever one the receipt's tx kind makes it look up).
struct Start {
  WalkRoot root;
  std::set<std::string> orgs;  // recorded_by and the bank or notary
  std::string item_code;       // goods only
};
Result<Start> StartOf(const ReadView& view, RecordingState& state, const Hash256& gift_tx_id) {
  const std::string id = ToString(gift_tx_id);
  if (view.state().Get(keys::GoodsGift(id))) {
    pb::GoodsGiftRecord g;
    if (!g.ParseFromString(*state.Get(keys::GoodsGift(id)))) throw StorageError("a goods donation record does not parse");
    assert(g.quantity() > 0 && g.quantity() <= goods::kMaxQuantity);
    const auto quantity = static_cast<std::int64_t>(g.quantity());
    // The item's names and unit: a registered item's record (genesis items need none).
    const bool in_genesis = std::ranges::any_of(view.genesis().params.goods_items,
                                                [&](const pb::GoodsItem& i) { return i.item_code() == g.item_code(); });
    if (!in_genesis) state.Get(keys::GoodsItem(g.item_code()));
    return Start{RootOfGift(g.account(), g.interval_start(), quantity, 0, 0, 0), {g.recorded_by(), g.notary_org()},
                 g.item_code()};
  }
  auto gift_bytes = state.Get(keys::Gift(id));
  pb::GiftRecord gift;
  if (!gift_bytes || !gift.ParseFromString(*gift_bytes)) return Status::Error("not_found", "no gift has this tx id");
  return Start{RootOfGift(gift.account(), gift.interval_start(), gift.amount_fen(), gift.refunded_fen(),
                          gift.refund_leaf(), gift.corrected_leaf()),
               {gift.recorded_by(), gift.attesting_bank()},
               ""};
}

}  // namespace

Envelope ProveRecords(const ReadView& view, const std::vector<std::string>& keys) {
  return Prove(view, std::set<std::string>(keys.begin(), keys.end()), {});
}

Result<FlowProof> ProveFlow(const ReadView& view, const Hash256& gift_tx_id, std::size_t max_nodes) {
  assert(max_nodes > 0);
  RecordingState state(view.state());
  auto start = StartOf(view, state, gift_tx_id);
  if (!start.ok()) return start.status();
  StateWalkReader reader(state);
  auto trace = WalkForward(reader, start->root, std::min(max_nodes, kMaxNodes));
  if (!trace.ok()) return trace.status();

  std::set<std::string> accounts{start->root.account};
  std::set<std::uint64_t> leaves;
  std::set<std::uint64_t> corrected;
  Visit(trace->roots, accounts, leaves, corrected);
  // A reversed outflow is shown with its correction: the link row and the correction's tx.
  for (std::uint64_t leaf : corrected) {
    auto tx = view.TxByLeaf(leaf);
    if (!tx) throw StorageError("a fund-flow record names a missing log leaf " + std::to_string(leaf));
    auto link = state.Get(keys::CorrectionLink(ToString(tx->id)));
    pb::CorrectionRecord record;
    if (!link || !record.ParseFromString(*link)) {
      throw StorageError("the corrected outflow at leaf " + std::to_string(leaf) + " has no correction record");
    }
    leaves.insert(record.correction_leaf());
  }
  std::set<std::string> orgs = start->orgs;
  for (std::uint64_t leaf : leaves) {
    auto tx = view.TxByLeaf(leaf);
    if (!tx) continue;
    if (!TargetOf(tx->body).empty()) accounts.insert(TargetOf(tx->body));
    // Goods handed out: the distribution's record (block date, expired units) is shown.
    if (tx->body.has_goods_distribution()) state.Get(keys::GoodsDistribution(ToString(tx->id)));
    // Money leaving (spend, refund): whether a bank co-signed it, proven present or absent.
    if (tx->body.has_spend() || tx->body.has_refund()) {
      if (auto bank = state.Get(keys::Attestation(ToString(tx->id)))) orgs.insert(*bank);
    }
  }
  const flow_proof::internal::Lookup get = [&](const std::string& key) -> Result<std::optional<std::string>> {
    return state.Get(key);
  };
  // An absent record is proven absent; the verifier reports it (check 7).
  (void)flow_proof::internal::CollectNames(get, accounts, orgs);

  FlowProof proof;
  proof.tx_id = gift_tx_id;
  proof.max_nodes = std::min(max_nodes, kMaxNodes);
  proof.envelope = Prove(view, state.keys(), leaves);
  return proof;
}

Result<SourcesProof> ProveSources(const ReadView& view, std::uint64_t outflow_leaf, std::uint64_t cursor,
                                  std::size_t limit) {
  RecordingState state(view.state());
  StateWalkReader reader(state);
  auto page = WalkBackward(reader, outflow_leaf, cursor, limit);
  if (!page.ok()) return page.status();
  std::set<std::uint64_t> leaves{outflow_leaf};
  for (const flow::SourcePiece& piece : page->pieces) leaves.insert(piece.origin_tx);
  for (std::uint64_t leaf : leaves) {
    auto tx = view.TxByLeaf(leaf);
    if (!tx) continue;
    // The origins' gift records carry the donor name and account shown beside each source.
    if (leaf != outflow_leaf) state.Get(keys::Gift(ToString(tx->id)));
  }
  SourcesProof proof;
  proof.outflow_leaf = outflow_leaf;
  proof.cursor = cursor;
  proof.limit = limit;
  proof.envelope = Prove(view, state.keys(), leaves);
  return proof;
}

}  // namespace shanliu::ledger::flow_proof
