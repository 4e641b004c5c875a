// Keys and binary records of the fund-flow module (layouts in docs/tracing.md).
#include "flow_records.h"

#include <limits>

#include "shanliu/bytes.h"

namespace shanliu::ledger::flow::internal {
namespace {

constexpr std::string_view kOutflowHeaderPrefix = "f/t/";
constexpr std::string_view kOutflowPiecePrefix = "f/x/";

[[noreturn]] void Corrupt(std::string_view what) {
  throw StorageError("corrupt fund-flow record: " + std::string(what));
}

class Writer {
 public:
  explicit Writer(std::uint8_t version) { AppendU8(out_, version); }
  Writer& U8(std::uint8_t v) {
    AppendU8(out_, v);
    return *this;
  }
  Writer& U64(std::uint64_t v) {
    AppendU64(out_, v);
    return *this;
  }
  Writer& I64(std::int64_t v) {
    AppendU64(out_, static_cast<std::uint64_t>(v));
    return *this;
  }
  Writer& Str(std::string_view s) {
    AppendStr(out_, s);
    return *this;
  }
  std::string Done() const { return ToString(out_); }

 private:
  Bytes out_;
};

// Reads fields front to back; any shortfall, leftover byte or bad version is corruption.
class Reader {
 public:
  Reader(std::string_view value, std::string_view what) : in_(value), what_(what) {
    if (U8() != kRecordVersion) Corrupt(std::string(what_) + " has an unknown version");
  }
  std::uint8_t U8() {
    Need(1);
    auto v = static_cast<std::uint8_t>(in_[0]);
    in_.remove_prefix(1);
    return v;
  }
  std::uint64_t U64() {
    Need(8);
    std::uint64_t v = ReadU64(AsBytes(in_.substr(0, 8)));
    in_.remove_prefix(8);
    return v;
  }
  // Stream positions and lengths never exceed int64 (RecordInflow keeps in_pos <= INT64_MAX).
  std::uint64_t Position() {
    std::uint64_t v = U64();
    if (v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      Corrupt(std::string(what_) + " has a position beyond int64");
    }
    return v;
  }
  std::int64_t NonNegative() { return static_cast<std::int64_t>(Position()); }
  std::string Str() {
    Need(2);
    std::size_t n =
        (static_cast<std::size_t>(static_cast<std::uint8_t>(in_[0])) << 8) | static_cast<std::uint8_t>(in_[1]);
    in_.remove_prefix(2);
    Need(n);
    std::string s(in_.substr(0, n));
    in_.remove_prefix(n);
    return s;
  }
  void End() const {
    if (!in_.empty()) Corrupt(std::string(what_) + " has trailing bytes");
  }

 private:
  void Need(std::size_t n) const {
    if (in_.size() < n) Corrupt(std::string(what_) + " is truncated");
  }
  std::string_view in_;
  std::string_view what_;
};

std::string TagPrefix(StreamIndex index) { return std::string("f/") + static_cast<char>(index) + "/"; }

}  // namespace

bool ValidAccountName(std::string_view account) {
  return !account.empty() && account.size() <= kMaxAccountBytes && account.find('\0') == std::string_view::npos;
}

std::string U64Be(std::uint64_t v) {
  Bytes b;
  AppendU64(b, v);
  return ToString(b);
}

std::string AccountKey(std::string_view account) { return std::string(kAccountPrefix) + std::string(account); }

std::string StreamPrefix(StreamIndex index, std::string_view account) {
  return TagPrefix(index) + std::string(account) + '\0';
}

std::string StreamKey(StreamIndex index, std::string_view account, std::uint64_t end) {
  return StreamPrefix(index, account) + U64Be(end);
}

std::uint64_t StreamKeyEnd(std::string_view key, std::size_t prefix_size) {
  if (key.size() != prefix_size + 8) Corrupt("stream key has the wrong length");
  return ReadU64(AsBytes(key.substr(prefix_size)));
}

std::string OutflowKey(std::uint64_t tx) { return std::string(kOutflowHeaderPrefix) + U64Be(tx); }
std::string OutflowPiecePrefix(std::uint64_t tx) { return std::string(kOutflowPiecePrefix) + U64Be(tx); }
std::string OutflowPieceKey(std::uint64_t tx, std::uint64_t end_offset) {
  return OutflowPiecePrefix(tx) + U64Be(end_offset);
}

std::uint64_t OutflowPieceKeyEnd(std::string_view key) {
  if (key.size() != kOutflowPiecePrefix.size() + 16) Corrupt("outflow piece key has the wrong length");
  return ReadU64(AsBytes(key.substr(kOutflowPiecePrefix.size() + 8)));
}

// ---------------------------------------------------------------- encode

std::string Encode(const AccountRecord& r) {
  return Writer(kRecordVersion)
      .I64(r.balance_fen)
      .U64(r.in_pos)
      .U64(r.out_pos)
      .I64(r.inflow_fen)
      .I64(r.received_fen)
      .I64(r.sent_fen)
      .I64(r.spent_fen)
      .I64(r.refunded_fen)
      .U64(r.hole_count)
      .Done();
}

std::string Encode(const ConsumedEntry& e) {
  return Writer(kRecordVersion)
      .U8(static_cast<std::uint8_t>(e.kind))
      .U64(e.tx)
      .U64(e.length)
      .U64(e.offset)
      .U64(e.target_start)
      .Str(e.target)
      .Done();
}

std::string Encode(const InflowEntry& e) {
  return Writer(kRecordVersion).U8(static_cast<std::uint8_t>(e.kind)).U64(e.tx).U64(e.length).Str(e.source).Done();
}

std::string Encode(const OutflowHeader& h) {
  return Writer(kRecordVersion)
      .U8(static_cast<std::uint8_t>(h.kind))
      .U64(h.amount)
      .U64(h.piece_count)
      .U64(h.target_start)
      .Str(h.source)
      .Str(h.target)
      .Done();
}

std::string Encode(const OutflowPieceEntry& p) {
  return Writer(kRecordVersion).U64(p.source_start).U64(p.length).Done();
}

std::string Encode(const HoleEntry& h) { return Writer(kRecordVersion).U64(h.length).Done(); }

// ---------------------------------------------------------------- decode

AccountRecord DecodeAccount(std::string_view value) {
  Reader in(value, "account");
  AccountRecord r;
  r.balance_fen = in.NonNegative();
  r.in_pos = in.Position();
  r.out_pos = in.Position();
  r.inflow_fen = in.NonNegative();
  r.received_fen = in.NonNegative();
  r.sent_fen = in.NonNegative();
  r.spent_fen = in.NonNegative();
  r.refunded_fen = in.NonNegative();
  r.hole_count = in.U64();
  in.End();
  if (auto why = AccountInconsistency(r)) Corrupt("account: " + *why);
  return r;
}

ConsumedEntry DecodeConsumed(std::string_view value) {
  Reader in(value, "consumed range");
  ConsumedEntry e;
  std::uint8_t kind = in.U8();
  if (kind < 1 || kind > 5) Corrupt("consumed range has an unknown kind");
  e.kind = static_cast<ConsumeKind>(kind);
  e.tx = in.U64();
  e.length = in.Position();
  e.offset = in.Position();
  e.target_start = in.Position();
  e.target = in.Str();
  in.End();
  if (e.length == 0) Corrupt("consumed range is empty");
  if (HasTarget(e.kind) != !e.target.empty()) Corrupt("consumed range target disagrees with kind");
  return e;
}

InflowEntry DecodeInflow(std::string_view value) {
  Reader in(value, "inflow");
  InflowEntry e;
  std::uint8_t kind = in.U8();
  if (kind < 1 || kind > 4) Corrupt("inflow has an unknown kind");
  e.kind = static_cast<InflowKind>(kind);
  e.tx = in.U64();
  e.length = in.Position();
  e.source = in.Str();
  in.End();
  if (e.length == 0) Corrupt("inflow is empty");
  if (HasSource(e.kind) != !e.source.empty()) Corrupt("inflow source disagrees with kind");
  return e;
}

OutflowHeader DecodeOutflowHeader(std::string_view value) {
  Reader in(value, "outflow");
  OutflowHeader h;
  std::uint8_t kind = in.U8();
  if (kind < 1 || kind > 2) Corrupt("outflow has an unknown kind");
  h.kind = static_cast<OutflowKind>(kind);
  h.amount = in.Position();
  h.piece_count = in.U64();
  h.target_start = in.Position();
  h.source = in.Str();
  h.target = in.Str();
  in.End();
  if (h.amount == 0 || h.piece_count == 0 || h.piece_count > h.amount) Corrupt("outflow has a bad amount");
  if ((h.kind == OutflowKind::kTransfer) != !h.target.empty()) Corrupt("outflow target disagrees with kind");
  return h;
}

OutflowPieceEntry DecodeOutflowPiece(std::string_view value) {
  Reader in(value, "outflow piece");
  OutflowPieceEntry p;
  p.source_start = in.Position();
  p.length = in.Position();
  in.End();
  if (p.length == 0) Corrupt("outflow piece is empty");
  return p;
}

HoleEntry DecodeHole(std::string_view value) {
  Reader in(value, "hole");
  HoleEntry h;
  h.length = in.Position();
  in.End();
  if (h.length == 0) Corrupt("hole is empty");
  return h;
}

}  // namespace shanliu::ledger::flow::internal
