// The flow-proof verifier (docs/flow-proof.md checks 1-8). Pure: it reads only the proof, the
// receipt proof's facts and the genesis file. Every failure is a Status whose code is the
// check's name and whose message says what failed.
#include <algorithm>
#include <set>

#include "flow_proof_names.h"
#include "flow_walk.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/keys.h"
#include "shanliu/crypto/merkle.h"
#include "shanliu/ledger/block.h"
#include "shanliu/ledger/flow_proof.h"
#include "shanliu/ledger/goods.h"
#include "shanliu/ledger/state_map.h"
#include "shanliu/ledger/tx.h"
#include "state_keys.h"

namespace shanliu::ledger::flow_proof {
namespace {

using namespace flow::internal;
using Records = std::map<std::string, std::optional<std::string>, std::less<>>;

// A key as people read it: printable ASCII as is, other bytes as \xNN ("f/o/org:a\x00\x00…").
std::string ReadableKey(std::string_view key) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : key) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      out += {'\\', 'x', kDigits[c >> 4], kDigits[c & 15]};
    }
  }
  return out;
}

Status Fail(std::string_view check, std::string message) { return Status::Error(std::string(check), std::move(message)); }

const std::string& StateRoot(const pb::BlockHeader& h) { return h.state_root(); }

// Check 1: the header is certified by the set that signed it — the genesis set, followed through
// the envelope's validator-set transitions — and not older than the receipt.
Status CheckHeader(const Envelope& e, const Genesis& genesis, std::uint64_t min_height) {
  const pb::BlockHeader& h = e.header;
  auto hash = BlockHash(h);
  if (!hash.ok()) return Fail(kFlowHeader, "the header does not serialise: " + hash.status().message());
  if (*hash != e.block_hash) {
    return Fail(kFlowHeader, "the header hashes to " + crypto::ToHex(*hash) + ", not block_hash " +
                                 crypto::ToHex(e.block_hash));
  }
  if (h.chain_id() != genesis.chain_id) {
    return Fail(kFlowHeader, "the header is of chain '" + h.chain_id() + "', the genesis of '" + genesis.chain_id + "'");
  }
  auto signers = FollowValidatorTransitions(genesis.chain_id, genesis.validators, e.transitions, h.height());
  if (!signers.ok()) return Fail(kFlowHeader, signers.status().message());
  if (Status s = VerifyHeaderAgainstSet(genesis.chain_id, h, *hash, e.commit, *signers); !s.ok()) {
    return Fail(kFlowHeader, s.code() == "bad_commit" ? "commit certificate: " + s.message() : s.message());
  }
  if (h.height() < min_height) {
    return Fail(kFlowHeader, "the flow proof's header (height " + std::to_string(h.height()) +
                                 ") is older than the receipt proof's (height " + std::to_string(min_height) + ")");
  }
  if (StateRoot(h).size() != 32) return Fail(kFlowHeader, "the header's state_root is not 32 bytes");
  return Status::Ok();
}

// Check 2: every record is proven against state_root. Returns them by key.
Result<Records> CheckStateProof(const Envelope& e) {
  Records records;
  std::vector<smt::Claim> claims;
  for (const Record& r : e.records) {
    if (!records.emplace(r.key, r.value).second) return Fail(kStateProof, "the key " + ReadableKey(r.key) + " is given twice");
    claims.push_back(smt::Claim{r.key, r.value});
  }
  Hash256 root{};
  std::copy(StateRoot(e.header).begin(), StateRoot(e.header).end(), root.begin());
  if (Status s = smt::VerifyMultiProof(root, e.state_proof, claims); !s.ok()) {
    return Fail(kStateProof, s.code() + ": " + s.message());
  }
  return records;
}

// Check 3: every tx is a leaf of the log at the header's log_size.
Result<std::map<std::uint64_t, const ProvenTx*>> CheckTxInclusion(const Envelope& e) {
  std::map<std::uint64_t, const ProvenTx*> txs;
  Hash256 log_root{};
  if (e.header.log_root().size() != 32) return Fail(kTxInclusion, "the header's log_root is not 32 bytes");
  std::copy(e.header.log_root().begin(), e.header.log_root().end(), log_root.begin());
  for (const ProvenTx& t : e.txs) {
    if (!txs.emplace(t.leaf, &t).second) return Fail(kTxInclusion, "leaf " + std::to_string(t.leaf) + " is given twice");
    if (t.leaf >= e.header.log_size() ||
        !crypto::VerifyMerkleInclusion(crypto::MerkleLeafHash(t.envelope), t.leaf, e.header.log_size(),
                                       t.inclusion_path, log_root)) {
      return Fail(kTxInclusion, "the tx given for leaf " + std::to_string(t.leaf) + " is not that leaf of the log of " +
                                    std::to_string(e.header.log_size()) + " at log_root " + crypto::ToHex(log_root));
    }
  }
  return txs;
}

// The verifier's record source: proven records only, looked up by key.
class ProvenReader final : public WalkReader, public BackReader {
 public:
  explicit ProvenReader(const Records& records) : records_(records) {}

  Result<std::optional<std::string>> Get(const std::string& key) const {
    auto it = records_.find(key);
    if (it == records_.end()) return Fail(kMissingRecord, "the proof has no record " + ReadableKey(key));
    return it->second;
  }

  Result<AccountRecord> Account(const std::string& account) override {
    auto value = Get(AccountKey(account));
    if (!value.ok()) return value.status();
    if (!value->has_value()) return Fail(kWrongAccount, "the state has no account " + account + " (a/ proven absent)");
    return Decode<AccountRecord>(**value, kWrongAccount, "a/" + account, DecodeAccount);
  }
  Result<std::pair<std::uint64_t, ConsumedEntry>> ConsumedAt(const std::string& account, std::uint64_t p) override {
    auto found = RangeAfter(StreamPrefix(StreamIndex::kConsumed, account), p, "consumed range of " + account);
    if (!found.ok()) return found.status();
    auto entry = Decode<ConsumedEntry>(found->second, kNotContiguous, "f/o/" + account, DecodeConsumed);
    if (!entry.ok()) return entry.status();
    auto start = StartOf(found->first, entry->length, p, "consumed range of " + account);
    if (!start.ok()) return start.status();
    return std::make_pair(*start, std::move(*entry));
  }
  Result<OutflowHeader> Outflow(std::uint64_t tx) override {
    auto value = Get(OutflowKey(tx));
    if (!value.ok()) return value.status();
    if (!value->has_value()) return Fail("not_found", "leaf " + std::to_string(tx) + " made no outflow (f/t/ proven absent)");
    return Decode<OutflowHeader>(**value, kNotContiguous, "f/t/" + std::to_string(tx), DecodeOutflowHeader);
  }
  Result<std::pair<std::uint64_t, OutflowPieceEntry>> PieceAt(std::uint64_t tx, std::uint64_t offset) override {
    const std::string what = "piece of the outflow at leaf " + std::to_string(tx);
    auto found = RangeAfter(OutflowPiecePrefix(tx), offset, what);
    if (!found.ok()) return found.status();
    auto piece = Decode<OutflowPieceEntry>(found->second, kNotContiguous, "f/x/", DecodeOutflowPiece);
    if (!piece.ok()) return piece.status();
    auto start = StartOf(found->first, piece->length, offset, what);
    if (!start.ok()) return start.status();
    return std::make_pair(*start, *piece);
  }
  Result<std::pair<std::uint64_t, InflowEntry>> InflowAt(const std::string& account, std::uint64_t p) override {
    auto found = RangeAfter(StreamPrefix(StreamIndex::kInflow, account), p, "inflow of " + account);
    if (!found.ok()) return found.status();
    auto entry = Decode<InflowEntry>(found->second, kNotContiguous, "f/i/" + account, DecodeInflow);
    if (!entry.ok()) return entry.status();
    auto start = StartOf(found->first, entry->length, p, "inflow of " + account);
    if (!start.ok()) return start.status();
    return std::make_pair(*start, std::move(*entry));
  }

 private:
  template <class T, class F>
  static Result<T> Decode(std::string_view value, std::string_view check, const std::string& what, F decode) {
    try {
      return decode(value);
    } catch (const StorageError& e) {
      return Fail(check, "the proven record " + what + " does not decode: " + e.what());
    }
  }
  // The proven present record under `prefix` + u64 end with the least end above `p`: (end, value).
  Result<std::pair<std::uint64_t, std::string>> RangeAfter(const std::string& prefix, std::uint64_t p,
                                                           const std::string& what) const {
    for (auto it = records_.lower_bound(prefix + U64Be(p + 1)); it != records_.end() && it->first.starts_with(prefix);
         ++it) {
      if (!it->second) continue;  // a claim of absence is no range
      if (it->first.size() != prefix.size() + 8) continue;
      return std::make_pair(ReadU64(AsBytes(it->first).subspan(prefix.size())), *it->second);
    }
    return Fail(kMissingRecord, "the proof has no " + what + " holding position " + std::to_string(p) +
                                    " (a key " + ReadableKey(prefix) + "‖u64 end with end > " + std::to_string(p) + ")");
  }
  static Result<std::uint64_t> StartOf(std::uint64_t end, std::uint64_t length, std::uint64_t p,
                                       const std::string& what) {
    if (length == 0 || length > end || end - length > p) {
      return Fail(kNotContiguous, "the walk is at position " + std::to_string(p) + " but the next proven " + what +
                                      " is [" + std::to_string(end - std::min(end, length)) + ", " +
                                      std::to_string(end) + "): the range holding " + std::to_string(p) +
                                      " is missing");
    }
    return end - length;
  }

  const Records& records_;
};

// The gift's account and amount in its signed body.
std::pair<std::string, std::int64_t> GiftOfBody(const pb::TxBody& body) {
  if (body.has_donation()) return {body.donation().to_account(), body.donation().amount_fen()};
  if (body.has_trust_deposit()) return {"trust:" + body.trust_deposit().trust_id(), body.trust_deposit().amount_fen()};
  return {"", 0};
}

// Check 4: g/<tx_id> is the receipt's gift.
Result<pb::GiftRecord> CheckGift(const FlowProof& proof, const ReceiptFacts& receipt, const ProvenReader& reader) {
  if (proof.tx_id != receipt.tx_id) {
    return Fail(kGift, "the flow proof is for tx " + crypto::ToHex(proof.tx_id) + ", the receipt for " +
                           crypto::ToHex(receipt.tx_id));
  }
  auto value = reader.Get(keys::Gift(ToString(proof.tx_id)));
  if (!value.ok()) return value.status();
  pb::GiftRecord gift;
  if (!value->has_value()) return Fail(kGift, "the state has no gift record g/" + crypto::ToHex(proof.tx_id));
  if (!gift.ParseFromString(**value)) return Fail(kGift, "the gift record does not decode");
  if (gift.leaf() != receipt.leaf_index) {
    return Fail(kGift, "the gift record is of leaf " + std::to_string(gift.leaf()) + ", the receipt's tx is leaf " +
                           std::to_string(receipt.leaf_index));
  }
  const auto [account, amount] = GiftOfBody(receipt.body);
  if (account.empty()) return Fail(kGift, "the receipt's tx is neither a donation nor a trust deposit");
  if (gift.account() != account || gift.amount_fen() != amount) {
    return Fail(kGift, "the gift record says " + std::to_string(gift.amount_fen()) + " fen to " + gift.account() +
                           ", the signed body " + std::to_string(amount) + " fen to " + account);
  }
  if (gift.amount_fen() <= 0 || gift.refunded_fen() < 0 || gift.refunded_fen() > gift.amount_fen() ||
      gift.interval_start() > static_cast<std::uint64_t>(INT64_MAX) ||
      (gift.corrected_leaf() != 0 && (gift.refunded_fen() != 0 || gift.corrected_leaf() <= gift.leaf()))) {
    return Fail(kGift, "the gift record's amounts are out of range");
  }
  return gift;
}

// Check 4 for goods: r/gg/<tx_id> is the receipt's GoodsDonation, in units of its item.
Result<VerifiedGoods> CheckGoodsGift(const FlowProof& proof, const ReceiptFacts& receipt, const ProvenReader& reader,
                                     const Genesis& genesis) {
  auto value = reader.Get(keys::GoodsGift(ToString(proof.tx_id)));
  if (!value.ok()) return value.status();
  VerifiedGoods out;
  pb::GoodsGiftRecord& g = out.gift;
  if (!value->has_value()) return Fail(kGift, "the state has no goods donation record r/gg/" + crypto::ToHex(proof.tx_id));
  if (!g.ParseFromString(**value)) return Fail(kGift, "the goods donation record does not decode");
  if (g.leaf() != receipt.leaf_index) {
    return Fail(kGift, "the goods donation record is of leaf " + std::to_string(g.leaf()) + ", the receipt's tx is leaf " +
                           std::to_string(receipt.leaf_index));
  }
  const pb::GoodsDonation& d = receipt.body.goods_donation();
  const std::string account = goods::AccountFor(d.to_account(), d.item_code()).value_or("");
  if (g.account() != account || g.item_code() != d.item_code() || g.quantity() != d.quantity()) {
    return Fail(kGift, "the goods donation record says " + std::to_string(g.quantity()) + " of " + g.item_code() +
                           " to " + g.account() + ", the signed body " + std::to_string(d.quantity()) + " of " +
                           d.item_code() + " to " + account);
  }
  if (g.quantity() == 0 || g.quantity() > goods::kMaxQuantity ||
      g.interval_start() > static_cast<std::uint64_t>(INT64_MAX) - g.quantity()) {
    return Fail(kGift, "the goods donation record's quantity or position is out of range");
  }
  if (g.notary_org() != d.notary_org() || g.donor_display_name() != d.donor_display_name() ||
      g.lot_number() != d.lot_number() || g.expires_on() != d.expires_on()) {
    return Fail(kGift, "the goods donation record's notary, donor name, lot or expiry is not the signed body's");
  }
  // The item's names and unit: the genesis catalogue, else the federation's proven registration.
  for (const pb::GoodsItem& item : genesis.params.goods_items) {
    if (item.item_code() == g.item_code()) out.item = item;
  }
  if (out.item.item_code().empty()) {
    auto item = reader.Get(keys::GoodsItem(g.item_code()));
    if (!item.ok()) return item.status();
    pb::GoodsItemRecord rec;
    if (!item->has_value() || !rec.ParseFromString(**item) || rec.item().item_code() != g.item_code()) {
      return Fail(kNames, "goods item " + g.item_code() + " is in neither the genesis catalogue nor a proven record");
    }
    out.item = rec.item();
  }
  if (out.item.unit() != d.unit()) {
    return Fail(kGift, "goods item " + g.item_code() + " is counted in " + out.item.unit() + ", the signed body says " +
                           d.unit());
  }
  return out;
}

// Check 4 for either kind of gift, and the root of its walk: a goods donation's record is
// r/gg/ (units of its item), anything else's g/ (fen).
Result<WalkRoot> CheckGiftRoot(const FlowProof& proof, const ReceiptFacts& receipt, const ProvenReader& reader,
                               const Genesis& genesis, VerifiedFlow& out) {
  if (proof.tx_id != receipt.tx_id) {
    return Fail(kGift, "the flow proof is for tx " + crypto::ToHex(proof.tx_id) + ", the receipt for " +
                           crypto::ToHex(receipt.tx_id));
  }
  if (receipt.body.has_goods_donation()) {
    auto goods = CheckGoodsGift(proof, receipt, reader, genesis);
    if (!goods.ok()) return goods.status();
    out.gift.set_account(goods->gift.account());
    out.gift.set_amount_fen(static_cast<std::int64_t>(goods->gift.quantity()));
    out.gift.set_leaf(goods->gift.leaf());
    out.goods = std::move(*goods);
    return RootOfGift(out.gift.account(), out.goods->gift.interval_start(), out.gift.amount_fen(), 0, 0, 0);
  }
  auto gift = CheckGift(proof, receipt, reader);
  if (!gift.ok()) return gift.status();
  out.gift = std::move(*gift);
  return RootOfGift(out.gift.account(), out.gift.interval_start(), out.gift.amount_fen(), out.gift.refunded_fen(),
                    out.gift.refund_leaf(), out.gift.corrected_leaf());
}

// Every node with a hop tx, with the account and target the tx must name.
struct Hop {
  const flow::TraceNode* node;
  std::string target;  // kMovedOn: where the children are (or would be)
};
void CollectHops(const std::vector<flow::TraceNode>& nodes, std::vector<Hop>& out) {
  for (const flow::TraceNode& n : nodes) {
    if (n.fate != flow::Fate::kUnspent) out.push_back(Hop{&n, ""});
    CollectHops(n.children, out);
  }
}

// Check 6: one hop's tx is in txs and of the kind its fate says, from its account.
// Goods move only by GoodsTransfer (moved on) and GoodsDistribution (spent, handed out), of the
// walk's item, between the goods accounts of the holders the signed body names.
bool GoodsHopOk(const flow::TraceNode& n, const pb::TxBody& b, const std::string& item, std::string& want) {
  const auto goods_account = [&](const std::string& holder) { return goods::AccountFor(holder, item).value_or(""); };
  if (n.fate == flow::Fate::kSpent) {
    want = "a goods distribution of " + item + " from " + n.account;
    return b.has_goods_distribution() && b.goods_distribution().item_code() == item &&
           goods_account(b.goods_distribution().from_account()) == n.account;
  }
  if (n.fate == flow::Fate::kMovedOn) {
    const std::string to = n.children.empty() ? "" : n.children.front().account;
    want = "a goods transfer of " + item + " from " + n.account + (to.empty() ? "" : " to " + to);
    return b.has_goods_transfer() && b.goods_transfer().item_code() == item &&
           goods_account(b.goods_transfer().from_account()) == n.account &&
           (to.empty() || goods_account(b.goods_transfer().to_account()) == to);
  }
  want = "a goods transfer or distribution (goods are never " + std::string(flow::FateName(n.fate)) + ")";
  return false;
}

// Check 6: one hop's tx is in txs and of the kind its fate says, from its account. `goods_item`
// is the walk's item for a goods donation, empty for money.
Status CheckHop(const flow::TraceNode& n, const std::map<std::uint64_t, const ProvenTx*>& txs, const Hash256& gift_id,
                const std::string& goods_item, std::map<std::uint64_t, HopTx>& out) {
  const std::string where = "the " + std::to_string(n.amount_fen) + (goods_item.empty() ? " fen" : " units") + " of " +
                            n.account + " at leaf " + std::to_string(n.tx);
  auto it = txs.find(n.tx);
  if (it == txs.end()) return Fail(kHopTx, where + ": the proof has no tx for that leaf");
  pb::Tx tx;
  HopTx hop;
  if (!tx.ParseFromString(ToString(it->second->envelope)) || !hop.body.ParseFromString(tx.body())) {
    return Fail(kHopTx, where + ": the tx is not a Tx envelope holding a TxBody");
  }
  hop.id = TxId(AsBytes(tx.body()));
  const pb::TxBody& b = hop.body;
  bool ok = false;
  std::string want;
  if (!goods_item.empty()) {
    if (!GoodsHopOk(n, b, goods_item, want)) {
      return Fail(kHopTx, where + ": the tx there is a " + PayloadKindName(b) + ", not " + want);
    }
    out.emplace(n.tx, std::move(hop));
    return Status::Ok();
  }
  switch (n.fate) {
    case flow::Fate::kSpent:
      ok = b.has_spend() && b.spend().from_account() == n.account;
      want = "a spend from " + n.account;
      break;
    case flow::Fate::kMovedOn: {
      const std::string to = n.children.empty() ? "" : n.children.front().account;
      const bool transfer = b.has_transfer() && b.transfer().from_account() == n.account &&
                            (to.empty() || b.transfer().to_account() == to);
      const bool disbursement = b.has_trust_disbursement() && "trust:" + b.trust_disbursement().trust_id() == n.account &&
                                (to.empty() || b.trust_disbursement().to_account() == to);
      ok = transfer || disbursement;
      want = "a transfer or trust disbursement from " + n.account + (to.empty() ? "" : " to " + to);
      break;
    }
    case flow::Fate::kRefunded:
      ok = b.has_refund() && b.refund().donation_tx_id() == ToString(gift_id);
      want = "a refund of this gift";
      break;
    case flow::Fate::kCorrected:  // the reversed outflow itself; its correction is checked apart
      ok = (b.has_spend() && b.spend().from_account() == n.account) ||
           (b.has_transfer() && b.transfer().from_account() == n.account);
      want = "a spend or transfer from " + n.account;
      break;
    case flow::Fate::kWithdrawn:
      ok = b.has_correction() && b.correction().corrected_tx_id() == ToString(gift_id);
      want = "a correction of this gift";
      break;
    case flow::Fate::kUnspent: break;
  }
  if (!ok) return Fail(kHopTx, where + ": the tx there is a " + PayloadKindName(b) + ", not " + want);
  out.emplace(n.tx, std::move(hop));
  return Status::Ok();
}

// A reversed outflow's correction: the proven link row r/c/<outflow id> names a leaf whose tx
// is a Correction of that outflow.
Status CheckCorrection(const HopTx& outflow, std::uint64_t outflow_leaf, const ProvenReader& reader,
                       const std::map<std::uint64_t, const ProvenTx*>& txs, VerifiedFlow& out) {
  const std::string where = "the corrected outflow at leaf " + std::to_string(outflow_leaf);
  auto link = reader.Get(keys::CorrectionLink(ToString(outflow.id)));
  if (!link.ok()) return link.status();
  pb::CorrectionRecord record;
  if (!link->has_value() || !record.ParseFromString(**link)) {
    return Fail(kHopTx, where + " has no correction record r/c/" + crypto::ToHex(outflow.id));
  }
  auto it = txs.find(record.correction_leaf());
  pb::Tx tx;
  HopTx hop;
  if (it == txs.end() || !tx.ParseFromString(ToString(it->second->envelope)) || !hop.body.ParseFromString(tx.body())) {
    return Fail(kHopTx, where + ": the proof has no tx for its correction at leaf " +
                            std::to_string(record.correction_leaf()));
  }
  hop.id = TxId(AsBytes(tx.body()));
  if (!hop.body.has_correction() || hop.body.correction().corrected_tx_id() != ToString(outflow.id) ||
      record.correction_tx_id() != ToString(hop.id) || record.corrected_leaf() != outflow_leaf) {
    return Fail(kHopTx, where + ": the tx at leaf " + std::to_string(record.correction_leaf()) +
                            " is not the correction its record names");
  }
  out.corrected_by[outflow_leaf] = record.correction_leaf();
  out.hop_txs.emplace(record.correction_leaf(), std::move(hop));
  return Status::Ok();
}

// One of the receipt tx's signatures verifies under a key of `org`'s proven record.
Status CheckSignedBy(const ReceiptFacts& receipt, const pb::OrgRecord& org) {
  pb::Tx tx;
  if (!tx.ParseFromString(ToString(receipt.envelope))) return Fail(kBank, "the receipt's envelope does not decode");
  Bytes sign_bytes = ToBytes(kTxSignDomain);
  AppendRaw(sign_bytes, AsBytes(tx.body()));
  const auto& keys = org.public_keys();
  for (const pb::Signature& sig : tx.sigs()) {
    if (sig.public_key().size() != 32 || sig.sig().size() != 64) continue;
    if (std::find(keys.begin(), keys.end(), sig.public_key()) == keys.end()) continue;
    crypto::PublicKey key{};
    crypto::Signature s{};
    std::copy(sig.public_key().begin(), sig.public_key().end(), key.begin());
    std::copy(sig.sig().begin(), sig.sig().end(), s.begin());
    if (crypto::VerifyRaw(key, sign_bytes, s)) return Status::Ok();
  }
  return Fail(kBank, "no signature on the donation verifies under a key of " + org.org_id() + "'s proven record");
}

// The bank a gift claims: a donation's attesting bank (signed in its body), a trust deposit's
// custodian bank (from the trust's proven record); empty for a self-reported donation.
Result<std::string> ClaimedBank(const pb::GiftRecord& gift, const ReceiptFacts& receipt,
                                const std::map<std::string, pb::TrustRecord>& trusts) {
  std::string bank;
  if (receipt.body.has_donation()) {
    bank = receipt.body.donation().attesting_bank();
  } else {
    auto trust = trusts.find(receipt.body.trust_deposit().trust_id());
    if (trust == trusts.end()) return Fail(kBank, "the proof has no record of the deposit's trust");
    bank = trust->second.spec().custodian_bank();
  }
  if (bank != gift.attesting_bank() || gift.attested() == bank.empty()) {
    return Fail(kBank, "the gift record names bank '" + gift.attesting_bank() + "', the signed tx '" + bank + "'");
  }
  return bank;
}

// Check 8: "attested by bank B" = o/B is a bank and holds a key that signed the gift.
Result<std::string> CheckBank(const pb::GiftRecord& gift, const ReceiptFacts& receipt, const internal::NamedRecords& names) {
  auto claimed = ClaimedBank(gift, receipt, names.trusts);
  if (!claimed.ok()) return claimed.status();
  const std::string& bank = *claimed;
  if (bank.empty()) return std::string();  // self-reported: no bank is claimed
  const auto& orgs = names.orgs;
  auto org = orgs.find(bank);
  if (org == orgs.end()) return Fail(kBank, "the proof has no record of bank " + bank);
  if (org->second.kind() != pb::ORG_KIND_BANK) return Fail(kBank, "organisation " + bank + " is not a bank");
  SHANLIU_RETURN_IF_ERROR(CheckSignedBy(receipt, org->second));
  return bank;
}

// Check 8 for goods: "co-signed by notary N" = o/N is a bank, the federation or a bureau (who
// may witness goods, docs/rules.md) and holds a key that signed the goods donation.
Result<std::string> CheckNotary(const VerifiedGoods& goods, const ReceiptFacts& receipt,
                                const internal::NamedRecords& names) {
  const std::string& notary = goods.gift.notary_org();
  if (notary.empty()) return std::string();  // self-reported by the receiving organisation
  auto org = names.orgs.find(notary);
  if (org == names.orgs.end()) return Fail(kBank, "the proof has no record of notary " + notary);
  const pb::OrgKind kind = org->second.kind();
  if (kind != pb::ORG_KIND_BANK && kind != pb::ORG_KIND_FEDERATION && kind != pb::ORG_KIND_BUREAU) {
    return Fail(kBank, "organisation " + notary + " is not a bank, federation or bureau, so no goods notary");
  }
  SHANLIU_RETURN_IF_ERROR(CheckSignedBy(receipt, org->second));
  return notary;
}

// The outflow's own tx: a spend from its source, or a transfer / trust disbursement from its
// source to its target.
Status CheckOutflowTx(std::uint64_t leaf, const OutflowHeader& header,
                      const std::map<std::uint64_t, const ProvenTx*>& txs, HopTx& out) {
  auto it = txs.find(leaf);
  pb::Tx tx;
  if (it == txs.end() || !tx.ParseFromString(ToString(it->second->envelope)) || !out.body.ParseFromString(tx.body())) {
    return Fail(kHopTx, "the proof has no tx for the outflow's leaf " + std::to_string(leaf));
  }
  out.id = TxId(AsBytes(tx.body()));
  const pb::TxBody& b = out.body;
  const bool ok =
      header.kind == flow::OutflowKind::kSpend
          ? b.has_spend() && b.spend().from_account() == header.source
          : (b.has_transfer() && b.transfer().from_account() == header.source &&
             b.transfer().to_account() == header.target) ||
                (b.has_trust_disbursement() && "trust:" + b.trust_disbursement().trust_id() == header.source &&
                 b.trust_disbursement().to_account() == header.target);
  if (!ok) {
    return Fail(kHopTx, "the tx at leaf " + std::to_string(leaf) + " is a " + PayloadKindName(b) +
                            ", not the outflow from " + header.source + " its records describe");
  }
  return Status::Ok();
}

void Totals(const std::vector<flow::TraceNode>& nodes, VerifiedFlow& out) {
  for (const flow::TraceNode& n : nodes) {
    switch (n.fate) {
      case flow::Fate::kSpent: out.spent_fen += n.amount_fen; break;
      case flow::Fate::kUnspent: out.unspent_fen += n.amount_fen; break;
      case flow::Fate::kRefunded: out.refunded_fen += n.amount_fen; break;
      case flow::Fate::kWithdrawn: out.withdrawn_fen += n.amount_fen; break;
      case flow::Fate::kCorrected:  // its money is back in the account: the children say where
        if (n.children.empty()) out.untraced_fen += n.amount_fen;
        break;
      case flow::Fate::kMovedOn:
        if (n.children.empty()) out.untraced_fen += n.amount_fen;
        break;
    }
    Totals(n.children, out);
  }
}

// A distributed node's proven r/gd/ record: the distribution the validators recorded at that
// leaf, from that account, of that item and quantity (its block date and expired units are shown).
Status CheckDistribution(const flow::TraceNode& n, const HopTx& hop, const ProvenReader& reader,
                         VerifiedGoods& goods) {
  if (goods.distributions.contains(n.tx)) return Status::Ok();
  auto value = reader.Get(keys::GoodsDistribution(ToString(hop.id)));
  if (!value.ok()) return value.status();
  const pb::GoodsDistribution& d = hop.body.goods_distribution();
  pb::GoodsDistributionRecord rec;
  if (!value->has_value() || !rec.ParseFromString(**value) || rec.leaf() != n.tx || rec.account() != n.account ||
      rec.item_code() != d.item_code() || rec.quantity() != d.quantity() || rec.expired_quantity() > rec.quantity() ||
      !goods::IsValidDate(rec.block_date())) {
    return Fail(kHopTx, "the goods distribution at leaf " + std::to_string(n.tx) +
                            " has no record r/gd/ of that leaf, account, item and quantity");
  }
  goods.distributions.emplace(n.tx, std::move(rec));
  return Status::Ok();
}

// The receiving organisation a goods donation's record names is the owner of the account it
// was given to (the org itself, or the project's owner).
Status CheckRecordedBy(const VerifiedGoods& goods, const internal::NamedRecords& names) {
  const std::string holder = goods::HolderOf(goods.gift.account());
  std::string owner = holder.starts_with("org:") ? holder.substr(4) : "";
  if (holder.starts_with("project:")) {
    auto p = names.projects.find(holder.substr(8));
    if (p != names.projects.end()) owner = p->second.spec().owner_org();
  }
  if (owner.empty() || owner != goods.gift.recorded_by()) {
    return Fail(kNames, "the goods donation is recorded by '" + goods.gift.recorded_by() + "', but " + holder +
                            " is owned by '" + owner + "'");
  }
  return Status::Ok();
}

// Check 8 for money leaving: a spend or refund hop is attested by bank B exactly when its proven
// r/a/<tx id> record (written by the validators after checking the co-signature against B's keys
// at the time) names B; absence must be proven too. Returns leaf -> bank and adds the banks to `orgs`.
Result<std::map<std::uint64_t, std::string>> HopAttestations(const std::map<std::uint64_t, HopTx>& hops,
                                                             const ProvenReader& reader, std::set<std::string>& orgs) {
  std::map<std::uint64_t, std::string> out;
  for (const auto& [leaf, hop] : hops) {
    if (!hop.body.has_spend() && !hop.body.has_refund()) continue;
    auto bank = reader.Get(keys::Attestation(ToString(hop.id)));
    if (!bank.ok()) return bank.status();
    if (!bank->has_value()) continue;
    if (!IsValidId(**bank)) return Fail(kBank, "the attestation record of the tx at leaf " + std::to_string(leaf) +
                                                   " names no organisation id");
    orgs.insert(**bank);
    out.emplace(leaf, **bank);
  }
  return out;
}

// Checks 6-8 over a walked trace.
Status CheckHopsNamesBank(const FlowProof& proof, const ReceiptFacts& receipt, const ProvenReader& reader,
                          const std::map<std::uint64_t, const ProvenTx*>& txs, VerifiedFlow& out) {
  std::vector<Hop> hops;
  CollectHops(out.trace.roots, hops);
  std::set<std::string> accounts{out.gift.account()};
  const std::string item = out.goods ? out.goods->gift.item_code() : "";
  for (const Hop& h : hops) {
    SHANLIU_RETURN_IF_ERROR(CheckHop(*h.node, txs, proof.tx_id, item, out.hop_txs));
    if (h.node->fate == flow::Fate::kCorrected && !out.corrected_by.contains(h.node->tx)) {
      SHANLIU_RETURN_IF_ERROR(CheckCorrection(out.hop_txs.at(h.node->tx), h.node->tx, reader, txs, out));
    }
    accounts.insert(h.node->account);
    const pb::TxBody& b = out.hop_txs.at(h.node->tx).body;
    if (b.has_transfer()) accounts.insert(b.transfer().to_account());
    if (b.has_trust_disbursement()) accounts.insert(b.trust_disbursement().to_account());
    if (b.has_goods_transfer()) accounts.insert(b.goods_transfer().to_account());
    if (b.has_goods_distribution()) {
      SHANLIU_RETURN_IF_ERROR(CheckDistribution(*h.node, out.hop_txs.at(h.node->tx), reader, *out.goods));
    }
  }
  out.hops = hops.size();
  std::set<std::string> orgs = out.goods ? std::set<std::string>{out.goods->gift.recorded_by(), out.goods->gift.notary_org()}
                                         : std::set<std::string>{out.gift.recorded_by(), out.gift.attesting_bank()};
  auto attested = HopAttestations(out.hop_txs, reader, orgs);
  if (!attested.ok()) return attested.status();
  const internal::Lookup get = [&](const std::string& key) { return reader.Get(key); };
  auto names = internal::CollectNames(get, accounts, orgs);
  if (!names.ok()) return names.status();
  if (out.goods) SHANLIU_RETURN_IF_ERROR(CheckRecordedBy(*out.goods, *names));
  auto bank = out.goods ? CheckNotary(*out.goods, receipt, *names) : CheckBank(out.gift, receipt, *names);
  if (!bank.ok()) return bank.status();
  out.attesting_bank = *bank;
  for (const auto& [leaf, hop_bank] : *attested) {
    if (names->orgs.at(hop_bank).kind() != pb::ORG_KIND_BANK) {
      return Fail(kBank, "the tx at leaf " + std::to_string(leaf) + " is recorded as attested by " + hop_bank +
                             ", which is not a bank");
    }
  }
  out.hop_attested_by = std::move(*attested);
  out.orgs = std::move(names->orgs);
  out.projects = std::move(names->projects);
  out.trusts = std::move(names->trusts);
  return Status::Ok();
}

}  // namespace

Result<VerifiedFlow> VerifyFlow(const FlowProof& proof, const ReceiptFacts& receipt, const Genesis& genesis) {
  SHANLIU_RETURN_IF_ERROR(CheckHeader(proof.envelope, genesis, receipt.height));
  auto records = CheckStateProof(proof.envelope);
  if (!records.ok()) return records.status();
  auto txs = CheckTxInclusion(proof.envelope);
  if (!txs.ok()) return txs.status();
  ProvenReader reader(*records);
  VerifiedFlow out;
  out.header = proof.envelope.header;
  auto root = CheckGiftRoot(proof, receipt, reader, genesis, out);
  if (!root.ok()) return root.status();
  if (proof.max_nodes == 0 || proof.max_nodes > kMaxNodes) {
    return Fail(kNotContiguous, "max_nodes must be 1.." + std::to_string(kMaxNodes));
  }
  auto trace = WalkForward(reader, *root, proof.max_nodes);
  if (!trace.ok()) return trace.status();
  out.trace = std::move(*trace);
  SHANLIU_RETURN_IF_ERROR(CheckHopsNamesBank(proof, receipt, reader, *txs, out));
  Totals(out.trace.roots, out);
  return out;
}

Result<VerifiedSources> VerifySources(const SourcesProof& proof, const Genesis& genesis, std::uint64_t min_height) {
  SHANLIU_RETURN_IF_ERROR(CheckHeader(proof.envelope, genesis, min_height));
  auto records = CheckStateProof(proof.envelope);
  if (!records.ok()) return records.status();
  auto txs = CheckTxInclusion(proof.envelope);
  if (!txs.ok()) return txs.status();
  ProvenReader reader(*records);
  auto header = reader.Outflow(proof.outflow_leaf);
  if (!header.ok()) return header.status();
  auto page = WalkBackward(reader, proof.outflow_leaf, proof.cursor, proof.limit);
  if (!page.ok()) return page.status();
  VerifiedSources out;
  out.header = proof.envelope.header;
  SHANLIU_RETURN_IF_ERROR(CheckOutflowTx(proof.outflow_leaf, *header, *txs, out.outflow_tx));
  out.outflow.kind = header->kind;
  out.outflow.from = header->source;
  out.outflow.to = header->target;
  out.outflow.amount_fen = static_cast<std::int64_t>(header->amount);
  out.outflow.target_start = header->target_start;
  out.next_cursor = page->next_cursor;
  std::uint64_t sum = 0;
  for (const flow::SourcePiece& piece : page->pieces) {
    sum += static_cast<std::uint64_t>(piece.amount_fen);
    VerifiedSource source{piece, {}, {}};
    auto it = txs->find(piece.origin_tx);
    pb::Tx tx;
    if (it == txs->end() || !tx.ParseFromString(ToString(it->second->envelope)) ||
        !source.origin.body.ParseFromString(tx.body()) ||
        !(source.origin.body.has_donation() || source.origin.body.has_trust_deposit())) {
      return Fail(kHopTx, "the origin at leaf " + std::to_string(piece.origin_tx) +
                              " has no donation or trust deposit tx in the proof");
    }
    source.origin.id = TxId(AsBytes(tx.body()));
    auto gift = reader.Get(keys::Gift(ToString(source.origin.id)));
    if (!gift.ok()) return gift.status();
    if (!gift->has_value() || !source.gift.ParseFromString(**gift) || source.gift.leaf() != piece.origin_tx) {
      return Fail(kGift, "the origin at leaf " + std::to_string(piece.origin_tx) + " has no gift record of that leaf");
    }
    out.sources.push_back(std::move(source));
  }
  const std::uint64_t end = page->next_cursor.value_or(header->amount);
  if (sum != end - proof.cursor) {
    return Fail(kSumMismatch, "the page's sources sum to " + std::to_string(sum) + " fen, not the " +
                                  std::to_string(end - proof.cursor) + " fen of [" + std::to_string(proof.cursor) +
                                  ", " + std::to_string(end) + ")");
  }
  return out;
}

}  // namespace shanliu::ledger::flow_proof
