// Private to the fund-flow module: key layout and the binary records stored under "a/" and
// "f/" (docs/tracing.md has the byte layouts). Every value starts with a version byte;
// integers are fixed-width big-endian; a string is a u16 length then its bytes. Decoders
// check lengths, versions and ranges and throw StorageError on corrupt state.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "shanliu/ledger/flow.h"
#include "shanliu/ledger/state_view.h"

namespace shanliu::ledger::flow::internal {

inline constexpr std::uint8_t kRecordVersion = 1;
inline constexpr std::int64_t kMaxAmountFen = 1'000'000'000'000'000;  // 10^15 fen per movement (DESIGN 3)
inline constexpr std::size_t kMaxAccountBytes = 255;

// Account names appear inside keys, terminated by '\0'.
bool ValidAccountName(std::string_view account);

// ---------------------------------------------------------------- keys

// Per-account stream indexes of disjoint ranges, each keyed by the END of its range (the
// position just past its last fen) and holding its length. The range covering position p is
// then the first key above p: every lookup is one forward seek, never a seek-and-step-back.
//   'o'  consumed ranges: outflow pieces and refunded ranges  (ConsumedEntry)
//   'i'  inflow intervals; they tile [0, in_pos)              (InflowEntry)
//   'h'  holes: refunded ranges not yet passed by out_pos      (HoleEntry)
enum class StreamIndex : char { kConsumed = 'o', kInflow = 'i', kHole = 'h' };

std::string AccountKey(std::string_view account);  // "a/" + account
inline constexpr std::string_view kAccountPrefix = "a/";
std::string StreamPrefix(StreamIndex index, std::string_view account);  // "f/<i>/" + account + '\0'
std::string StreamKey(StreamIndex index, std::string_view account, std::uint64_t end);
// The end position encoded in the last 8 bytes of a stream key (throws StorageError if malformed).
std::uint64_t StreamKeyEnd(std::string_view key, std::size_t prefix_size);

std::string OutflowKey(std::uint64_t tx);          // "f/t/" + u64 tx: OutflowHeader
std::string OutflowPiecePrefix(std::uint64_t tx);  // "f/x/" + u64 tx
// prefix + u64 end offset (fen into the outflow just past the piece): OutflowPieceEntry
std::string OutflowPieceKey(std::uint64_t tx, std::uint64_t end_offset);
std::uint64_t OutflowPieceKeyEnd(std::string_view key);

std::string U64Be(std::uint64_t v);

// ---------------------------------------------------------------- records

// "a/<account>": the scalar part of AccountFlow; holes live under "f/h/".
struct AccountRecord {
  std::int64_t balance_fen = 0;
  std::uint64_t in_pos = 0;
  std::uint64_t out_pos = 0;
  std::int64_t inflow_fen = 0;
  std::int64_t received_fen = 0;
  std::int64_t sent_fen = 0;
  std::int64_t spent_fen = 0;
  std::int64_t refunded_fen = 0;
  std::uint64_t hole_count = 0;
};

// What consumed a range of an account's stream. kTransfer and kSpend share OutflowKind's values.
// kCorrected: a transfer or spend piece a Correction reversed (tx stays the outflow's leaf; the
// money is back in this account at target_start); kWithdrawn: a range a Correction took out
// of order (tx: the correction's leaf). ConsumedKind (flow.h) has the same values.
enum class ConsumeKind : std::uint8_t { kTransfer = 1, kSpend = 2, kRefund = 3, kCorrected = 4, kWithdrawn = 5 };

// "f/o/<account>\0<end>"
struct ConsumedEntry {
  ConsumeKind kind = ConsumeKind::kSpend;
  std::uint64_t tx = 0;  // outflow or refund leaf
  std::uint64_t length = 0;
  std::uint64_t offset = 0;        // fen into the outflow (or refund) where this range begins
  std::uint64_t target_start = 0;  // kTransfer, kCorrected: position of this range's first fen in the target's stream
  std::string target;              // kTransfer: the receiving account; kCorrected: this account; else empty
};
inline bool HasTarget(ConsumeKind kind) { return kind == ConsumeKind::kTransfer || kind == ConsumeKind::kCorrected; }

// "f/i/<account>\0<end>"
struct InflowEntry {
  InflowKind kind = InflowKind::kDonation;
  std::uint64_t tx = 0;
  std::uint64_t length = 0;
  std::string source;  // kTransfer: the sending account (its pieces are under "f/x/" + tx);
                       // kCorrection: the account itself (the reversed outflow's pieces are there)
};
inline bool HasSource(InflowKind kind) { return kind == InflowKind::kTransfer || kind == InflowKind::kCorrection; }

// "f/t/<tx>"
struct OutflowHeader {
  OutflowKind kind = OutflowKind::kSpend;
  std::uint64_t amount = 0;
  std::uint64_t piece_count = 0;
  std::uint64_t target_start = 0;  // kTransfer: start of the target's inflow interval
  std::string source;
  std::string target;  // empty for spends
};

// "f/x/<tx><end offset>"
struct OutflowPieceEntry {
  std::uint64_t source_start = 0;
  std::uint64_t length = 0;
};

// "f/h/<account>\0<end>"
struct HoleEntry {
  std::uint64_t length = 0;
};

std::string Encode(const AccountRecord& r);
std::string Encode(const ConsumedEntry& e);
std::string Encode(const InflowEntry& e);
std::string Encode(const OutflowHeader& h);
std::string Encode(const OutflowPieceEntry& p);
std::string Encode(const HoleEntry& h);

AccountRecord DecodeAccount(std::string_view value);
ConsumedEntry DecodeConsumed(std::string_view value);
InflowEntry DecodeInflow(std::string_view value);
OutflowHeader DecodeOutflowHeader(std::string_view value);
OutflowPieceEntry DecodeOutflowPiece(std::string_view value);
HoleEntry DecodeHole(std::string_view value);

// ---------------------------------------------------------------- state access

AccountRecord LoadAccount(const StateView& view, std::string_view account);
void StoreAccount(StateView& view, std::string_view account, const AccountRecord& r);

// Why a record breaks the account identities, or nullopt if it keeps them:
//   0 <= balance, out_pos <= in_pos, in_pos = inflow + received,
//   balance = inflow + received - sent - spent - refunded,
//   holes = in_pos - out_pos - balance >= 0, and hole_count = 0 exactly when holes = 0.
std::optional<std::string> AccountInconsistency(const AccountRecord& r);
// The fen inside holes (in_pos - out_pos - balance); valid for a consistent record.
std::uint64_t HoleFen(const AccountRecord& r);

// Visits, in stream order, every entry of `index` in `account` whose range [start, start + length)
// overlaps [from, to). `length_of` extracts a value's length. Stops when `visit` returns false.
void ForEachOverlapping(const StateView& view, StreamIndex index, std::string_view account, std::uint64_t from,
                        std::uint64_t to, const std::function<std::uint64_t(std::string_view value)>& length_of,
                        const std::function<bool(std::uint64_t start, std::string_view value)>& visit);

// The first entry of `index` in `account` whose range ends after `position`: (start, value).
std::optional<std::pair<std::uint64_t, std::string>> FirstEndingAfter(
    const StateView& view, StreamIndex index, std::string_view account, std::uint64_t position,
    const std::function<std::uint64_t(std::string_view value)>& length_of);

}  // namespace shanliu::ledger::flow::internal
