// Flow proofs (DESIGN 5.1, docs/flow-proof.md): "where my money went", proven against the state
// root of one certified header. The prover collects, from a ReadView, every record and hop tx a
// gift's forward walk (or one page of a spend's reverse walk) needs; the verifier is pure (no
// I/O) and runs the checks of docs/flow-proof.md in order, returning the verified trace or a
// Status whose code is the failed check's name and whose message says exactly what failed.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "shanliu/bytes.h"
#include "shanliu/ledger/flow.h"
#include "shanliu/ledger/genesis.h"
#include "shanliu/ledger/ledger.h"
#include "shanliu/ledger/validator_set.h"
#include "shanliu/pb/state.pb.h"
#include "shanliu/status.h"

namespace shanliu::ledger::flow_proof {

inline constexpr int kVersion = 1;
inline constexpr std::size_t kMaxNodes = 10'000;  // a walk passing it stops (the rest is "not proven")

// Check names, in the order the verifier makes them (the Status code of a failure).
inline constexpr std::string_view kFlowHeader = "flow_header";
inline constexpr std::string_view kStateProof = "state_proof";
inline constexpr std::string_view kMissingRecord = "missing_record";
inline constexpr std::string_view kTxInclusion = "tx_inclusion";
inline constexpr std::string_view kGift = "gift";
inline constexpr std::string_view kNotContiguous = "not_contiguous";
inline constexpr std::string_view kWrongAccount = "wrong_account";
inline constexpr std::string_view kSumMismatch = "sum_mismatch";
inline constexpr std::string_view kHopTx = "hop_tx";
inline constexpr std::string_view kNames = "names";
inline constexpr std::string_view kBank = "bank";

// One state-map claim: the key present with `value`, or (nullopt) absent.
struct Record {
  std::string key;
  std::optional<std::string> value;
};

// One committed tx with its RFC 9162 inclusion path in the log at the header's log_size.
struct ProvenTx {
  std::uint64_t leaf = 0;
  Bytes envelope;
  std::vector<Hash256> inclusion_path;
};

// What the forward and the reverse proofs share: one certified header and what is proven
// against it.
struct Envelope {
  pb::BlockHeader header;
  Hash256 block_hash{};
  pb::CommitCertificate commit;
  Bytes state_proof;            // multi-proof bytes (docs/data-format.md "State map")
  std::vector<Record> records;  // sorted by key, distinct keys
  std::vector<ProvenTx> txs;    // sorted by leaf, distinct leaves
  // Every validator-set transition effective at or before header.height(), oldest first: how a
  // verifier holding genesis reaches the set that signed the header ("validator_transitions").
  std::vector<ProvenTransition> transitions;
};

// GET /v1/receipts/{code} -> flow_proof.
struct FlowProof {
  Hash256 tx_id{};
  Envelope envelope;
  std::size_t max_nodes = kMaxNodes;
};

// GET /v1/spends/{id}/sources -> proof: one page [cursor, next) of the reverse walk of the
// outflow at leaf `outflow_leaf`.
struct SourcesProof {
  std::uint64_t outflow_leaf = 0;
  std::uint64_t cursor = 0;
  std::size_t limit = 0;
  Envelope envelope;
};

// ---------------------------------------------------------------- prover

// The proof of the gift (donation, trust deposit or goods donation) `gift_tx_id` against the
// view's head. A goods donation's proof walks its goods account in units of the item from its
// record r/gg/<tx id> (docs/flow-proof.md "Goods traces").
// Errors: not_found (no such gift), and any storage inconsistency the walk meets.
Result<FlowProof> ProveFlow(const ReadView& view, const Hash256& gift_tx_id, std::size_t max_nodes = kMaxNodes);

// The proof of one page of TraceBackward(outflow_leaf, cursor, limit) against the view's head.
// Errors as TraceBackward.
Result<SourcesProof> ProveSources(const ReadView& view, std::uint64_t outflow_leaf, std::uint64_t cursor,
                                  std::size_t limit);

// An envelope proving each of `keys` (present with its value, or absent) and no tx against the
// view's head: GET /v1/genesis/origin_key proves the genesis origin key row with it.
Envelope ProveRecords(const ReadView& view, const std::vector<std::string>& keys);

// ---------------------------------------------------------------- JSON (docs/flow-proof.md)

nlohmann::json ToJson(const FlowProof& proof);
nlohmann::json ToJson(const SourcesProof& proof);
nlohmann::json ToJson(const Envelope& envelope);  // "version" and the envelope's fields only
nlohmann::json HeaderToJson(const pb::BlockHeader& header);  // v2: every field, hashes hex
nlohmann::json CommitToJson(const pb::CommitCertificate& commit);
// Strict: unknown or missing fields, bad hex, wrong versions are "invalid_proof" naming the field.
Result<FlowProof> FlowProofFromJson(const nlohmann::json& json);
Result<SourcesProof> SourcesProofFromJson(const nlohmann::json& json);

// ---------------------------------------------------------------- verifier

// What the receipt proof (DESIGN 6.2, already verified by the caller) established.
struct ReceiptFacts {
  Hash256 tx_id{};
  Bytes envelope;           // the gift's Tx envelope (its signatures are read by check 8)
  pb::TxBody body;          // its signed body
  std::uint64_t leaf_index = 0;
  std::uint64_t height = 0;  // the receipt proof header's height
};

// A hop tx proven in the log.
struct HopTx {
  Hash256 id{};
  pb::TxBody body;
};

// What a goods donation's proof proves beyond the walk (empty for a money gift).
struct VerifiedGoods {
  pb::GoodsGiftRecord gift;  // its proven r/gg/ record (account, item, quantity, lot, donor name)
  pb::GoodsItem item;        // from the genesis catalogue or the proven r/gi/<code> record
  // By leaf: every distributed node's proven r/gd/ record (block date, expired units).
  std::map<std::uint64_t, pb::GoodsDistributionRecord> distributions;
};

// For a goods donation the *_fen totals, the nodes' amount_fen and `trace` count units of the
// item (never fen): the walk is the same, only the stream is a goods account's.
struct VerifiedFlow {
  pb::BlockHeader header;  // the certified header everything is proven against
  pb::GiftRecord gift;     // a money gift's record; for goods only account and amount_fen (= quantity) are set
  std::optional<VerifiedGoods> goods;  // set exactly when the receipt's tx is a GoodsDonation
  flow::Trace trace;  // node for node what flow::TraceForward gives on the same state
  std::map<std::uint64_t, HopTx> hop_txs;             // by leaf: every spent / moved-on / refunded node's tx
  std::map<std::string, pb::OrgRecord> orgs;          // by org id: every organisation named
  std::map<std::string, pb::ProjectRecord> projects;  // by project id
  std::map<std::string, pb::TrustRecord> trusts;      // by trust id
  std::string attesting_bank;                         // proven by check 8; empty: self-reported
                                                      // (goods: the notary that co-signed)
  // By leaf: the bank that co-signed a spend or refund hop (its proven r/a/ record, a proven bank).
  std::map<std::uint64_t, std::string> hop_attested_by;
  std::size_t hops = 0;                               // nodes with a hop tx
  std::map<std::uint64_t, std::uint64_t> corrected_by;  // reversed outflow's leaf -> its correction's leaf
                                                        // (whose tx is in hop_txs too)
  std::int64_t spent_fen = 0, unspent_fen = 0, refunded_fen = 0, untraced_fen = 0;
  std::int64_t withdrawn_fen = 0;  // a corrected gift, taken out whole by its correction
};

// Runs checks 1-8 of docs/flow-proof.md in order. The first failure is the returned Status.
Result<VerifiedFlow> VerifyFlow(const FlowProof& proof, const ReceiptFacts& receipt, const Genesis& genesis);

// One verified source of a spend's page.
struct VerifiedSource {
  flow::SourcePiece piece;
  HopTx origin;         // the donation or trust deposit
  pb::GiftRecord gift;  // its proven gift record (account, amount, donor name, bank)
};
struct VerifiedSources {
  pb::BlockHeader header;
  flow::OutflowInfo outflow;  // from the proven outflow header (pieces left empty)
  HopTx outflow_tx;           // the spend, transfer or trust disbursement itself
  std::vector<VerifiedSource> sources;
  std::optional<std::uint64_t> next_cursor;
};
// Checks the header (flow_header), the state proof, the txs' inclusion, then rebuilds the page
// from proven records alone: pieces must cover [cursor, next) exactly (not_contiguous,
// sum_mismatch); the outflow's tx and each origin's tx must be in txs and of the right kind
// (hop_tx), each origin with its gift record (gift). `min_height` is the lowest
// acceptable header height (0: any).
Result<VerifiedSources> VerifySources(const SourcesProof& proof, const Genesis& genesis, std::uint64_t min_height = 0);

}  // namespace shanliu::ledger::flow_proof
