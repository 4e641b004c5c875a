// Fixed byte layouts of the core: proposal sign bytes and WAL records.
#include <algorithm>
#include <cassert>

#include "shanliu/node/consensus.h"

namespace shanliu::node::consensus {
namespace {

constexpr std::size_t kFixedBytes = 1 + 8 + 4 + 32 + 4 + 4;  // up to and including the block length
constexpr std::size_t kPolkaEntryBytes = 4 + 64;

std::uint32_t ReadU32At(ByteView in, std::size_t offset) {
  assert(in.size() >= offset + 4);
  return (std::uint32_t{in[offset]} << 24) | (std::uint32_t{in[offset + 1]} << 16) |
         (std::uint32_t{in[offset + 2]} << 8) | in[offset + 3];
}

}  // namespace

Bytes ProposalSignBytes(std::string_view chain_id, std::uint64_t height, std::uint32_t round,
                        std::optional<std::uint32_t> valid_round, const Hash256& block_hash) {
  assert(!valid_round || *valid_round != kNoValidRound);
  Bytes out;
  out.reserve(kProposalDomain.size() + 2 + chain_id.size() + 8 + 4 + 4 + 32);
  AppendRaw(out, AsBytes(kProposalDomain));
  AppendStr(out, chain_id);
  AppendU64(out, height);
  AppendU32(out, round);
  AppendU32(out, valid_round.value_or(kNoValidRound));
  AppendRaw(out, block_hash);
  return out;
}

Bytes EncodeWalRecord(const WalRecord& record) {
  const bool polka_kind = record.kind == WalRecordKind::kLock || record.kind == WalRecordKind::kValid;
  const bool received_kind = record.kind == WalRecordKind::kReceivedPrecommits;
  assert(!record.valid_round || record.kind == WalRecordKind::kProposal);
  assert(polka_kind || record.block.empty());
  assert(polka_kind || received_kind || record.polka.empty());
  assert(!received_kind || !record.polka.empty());
  assert(record.block.size() <= UINT32_MAX && record.polka.size() <= kMaxValidators);
  Bytes out;
  out.reserve(kFixedBytes + record.block.size() + record.polka.size() * kPolkaEntryBytes);
  AppendU8(out, static_cast<std::uint8_t>(record.kind));
  AppendU64(out, record.height);
  AppendU32(out, record.round);
  AppendRaw(out, record.block_hash);
  AppendU32(out, record.valid_round.value_or(kNoValidRound));
  AppendU32(out, static_cast<std::uint32_t>(record.block.size()));
  AppendRaw(out, record.block);
  AppendU16(out, static_cast<std::uint16_t>(record.polka.size()));
  for (const PolkaSignature& prevote : record.polka) {
    AppendU32(out, prevote.validator_index);
    AppendRaw(out, prevote.signature);
  }
  return out;
}

Result<WalRecord> DecodeWalRecord(ByteView bytes) {
  auto malformed = [](const std::string& why) { return Status::Error("wal_record_malformed", why); };
  if (bytes.size() < kFixedBytes) {
    return malformed("a WAL record of " + std::to_string(bytes.size()) + " bytes is too short");
  }
  WalRecord record;
  const std::uint8_t kind = bytes[0];
  if (kind < static_cast<std::uint8_t>(WalRecordKind::kProposal) ||
      kind > static_cast<std::uint8_t>(WalRecordKind::kReceivedPrecommits)) {
    return malformed("unknown WAL record kind " + std::to_string(kind));
  }
  record.kind = static_cast<WalRecordKind>(kind);
  record.height = ReadU64(bytes.subspan(1));
  record.round = ReadU32At(bytes, 9);
  std::copy_n(bytes.begin() + 13, 32, record.block_hash.begin());
  const std::uint32_t valid_round = ReadU32At(bytes, 45);
  const std::uint32_t block_size = ReadU32At(bytes, 49);
  if (record.height == 0) return malformed("WAL record for height 0");
  if (valid_round != kNoValidRound) {
    if (record.kind != WalRecordKind::kProposal) return malformed("valid round on a record that is not a proposal");
    if (valid_round >= record.round) return malformed("proposal valid round is not below its round");
    record.valid_round = valid_round;
  }
  const bool received_kind = record.kind == WalRecordKind::kReceivedPrecommits;
  const bool nil_allowed =
      record.kind == WalRecordKind::kPrevote || record.kind == WalRecordKind::kPrecommit || received_kind;
  if (!nil_allowed && record.block_hash == kNilHash) return malformed("proposal or polka for the nil hash");
  if (bytes.size() - kFixedBytes < std::size_t{block_size} + 2) return malformed("WAL record shorter than its block");
  const ByteView block = bytes.subspan(kFixedBytes, block_size);
  const ByteView rest = bytes.subspan(kFixedBytes + block_size);
  const std::size_t polka_count = (std::size_t{rest[0]} << 8) | rest[1];
  if (rest.size() != 2 + polka_count * kPolkaEntryBytes) return malformed("WAL record polka length does not match");
  const bool polka_kind = record.kind == WalRecordKind::kLock || record.kind == WalRecordKind::kValid;
  if (received_kind) {
    if (block_size != 0) return malformed("block on a received-precommits record");
    if (polka_count == 0 || polka_count > kMaxValidators) {
      return malformed("received-precommits record must hold 1.." + std::to_string(kMaxValidators) + " precommits");
    }
  } else if (!polka_kind && (block_size != 0 || polka_count != 0)) {
    return malformed("block or polka on a proposal or vote record");
  }
  if (polka_kind && (block_size == 0 || polka_count == 0)) {
    return malformed("polka record without its block or prevotes");
  }
  record.block.assign(block.begin(), block.end());
  for (std::size_t i = 0; i < polka_count; ++i) {
    const ByteView entry = rest.subspan(2 + i * kPolkaEntryBytes, kPolkaEntryBytes);
    PolkaSignature prevote;
    prevote.validator_index = ReadU32At(entry, 0);
    std::copy_n(entry.begin() + 4, prevote.signature.size(), prevote.signature.begin());
    // Received precommits are written in validator order, one each: anything else is not ours.
    if (received_kind && !record.polka.empty() && prevote.validator_index <= record.polka.back().validator_index) {
      return malformed("received-precommits record validators not strictly ascending");
    }
    record.polka.push_back(prevote);
  }
  return record;
}

}  // namespace shanliu::node::consensus
