// Key layout of the ledger's state in LevelDB (documented in docs/data-format.md).
// Prefixes are single letters so ranges scan cheaply; integers are big-endian so they sort.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "shanliu/bytes.h"
#include "shanliu/ledger/origin_key_row.h"
#include "shanliu/ledger/state_view.h"

namespace shanliu::ledger::keys {

inline std::string U64(std::uint64_t v) {
  Bytes b;
  AppendU64(b, v);
  return ToString(b);
}
inline std::string Raw(ByteView v) { return ToString(v); }

// State (part of the state digest).
inline std::string Org(std::string_view id) { return "o/" + std::string(id); }
inline std::string KeyOwner(std::string_view public_key) { return "k/" + std::string(public_key); }
inline std::string Project(std::string_view id) { return "p/" + std::string(id); }
inline std::string Trust(std::string_view id) { return "t/" + std::string(id); }
inline std::string Gift(std::string_view tx_id) { return "g/" + std::string(tx_id); }
inline std::string Points(std::string_view holder) { return "h/" + std::string(holder); }
// A holder's points lots by earning day (PointsLots), kept only when points expire.
inline std::string PointsLots(std::string_view holder) { return "hx/" + std::string(holder); }
// Volunteer minutes credited to a holder on one day (days since the epoch, China Standard Time).
inline std::string VolunteerDay(std::string_view holder, std::uint64_t day) {
  return "hv/" + std::string(holder) + U64(day);
}
// The honour list (docs/data-format.md "Honour list"): a holder's chosen name, its yearly totals,
// and, for holders with a name only, a rank row per year that sorts best first: year, then points
// and minutes inverted (so larger sorts first), then the holder key (the deterministic tie order).
inline std::string HonourName(std::string_view holder) { return "hn/" + std::string(holder); }
inline std::string HonourYear(std::string_view holder, std::uint32_t year) {
  return "hy/" + std::string(holder) + U64(year);
}
inline std::string HonourYearPrefix(std::string_view holder) { return "hy/" + std::string(holder); }
inline std::string HonourRankPrefix(std::uint32_t year) { return "hr/" + U64(year); }
inline std::string HonourRank(std::uint32_t year, std::uint64_t points, std::uint64_t minutes,
                              std::string_view holder) {
  return HonourRankPrefix(year) + U64(~points) + U64(~minutes) + std::string(holder);
}
inline std::string TxLoc(std::string_view tx_id) { return "x/" + std::string(tx_id); }
inline std::string OrgYear(std::string_view org, std::uint32_t year) {
  return "y/" + std::string(org) + '\0' + U64(year);
}
inline const std::string kStats = "s/stats";
// Attestation index (docs/rules.md): a bank reference is used once per bank, an e-receipt number
// once per issuing organisation, for ever; both map to the tx id that used them.
inline std::string BankRef(std::string_view bank, std::string_view hash) {
  return "r/b/" + std::string(bank) + '\0' + std::string(hash);
}
inline std::string ReceiptNumber(std::string_view org, std::string_view hash) {
  return "r/n/" + std::string(org) + '\0' + std::string(hash);
}
// A unified social credit code belongs to one organisation, for ever (value: its org id).
inline std::string CreditCode(std::string_view code) { return "r/u/" + std::string(code); }
// A project's update history: one ProjectUpdateRecord per UpdateProject, in log order.
inline std::string ProjectUpdate(std::string_view project, std::uint64_t leaf) {
  return "pu/" + std::string(project) + '\0' + U64(leaf);
}
inline std::string ProjectUpdatePrefix(std::string_view project) { return "pu/" + std::string(project) + '\0'; }
// Key recovery (docs/rules.md "Key recovery"): one KeyRecoveryRecord per RequestKeyRecovery, in
// log order per organisation, and the new key a pending recovery holds (value: org id), so no
// other organisation can take it before the recovery completes or is vetoed.
inline std::string KeyRecovery(std::string_view org, std::uint64_t leaf) {
  return "r/kr/" + std::string(org) + '\0' + U64(leaf);
}
inline std::string KeyRecoveryPrefix(std::string_view org) { return "r/kr/" + std::string(org) + '\0'; }
inline std::string RecoveryKey(std::string_view public_key) { return "r/kn/" + std::string(public_key); }
// The bank that co-signed a Spend or Refund (value: its org id); absent when none did.
inline std::string Attestation(std::string_view tx_id) { return "r/a/" + std::string(tx_id); }
// A corrected tx's link to its Correction (value: CorrectionRecord); absent: not corrected.
inline std::string CorrectionLink(std::string_view tx_id) { return "r/c/" + std::string(tx_id); }
// A merchant's catalogue item (CatalogueRecord); the prefix lists one merchant's catalogue.
inline std::string CatalogueItem(std::string_view merchant, std::string_view item_id) {
  return "mc/" + std::string(merchant) + '\0' + std::string(item_id);
}
inline std::string CataloguePrefix(std::string_view merchant) { return "mc/" + std::string(merchant) + '\0'; }
// What a MovePoints carried (PointsMoveRecord).
inline std::string PointsMove(std::string_view tx_id) { return "r/m/" + std::string(tx_id); }
// In-kind goods (docs/rules.md "In-kind goods"): registered items, goods donations (what goods
// traces start from), distributions with their expiry flag, and the goods donation made at a
// log leaf (value: its tx id), which a distribution's backward walk reads to find each lot's expiry.
inline std::string GoodsItem(std::string_view code) { return "r/gi/" + std::string(code); }
inline std::string GoodsGift(std::string_view tx_id) { return "r/gg/" + std::string(tx_id); }
inline std::string GoodsDistribution(std::string_view tx_id) { return "r/gd/" + std::string(tx_id); }
inline std::string GoodsGiftAtLeaf(std::uint64_t leaf) { return "r/gl/" + U64(leaf); }
// Per-subject activity lists: the leaves of txs that touched an account, a holder, an org.
inline std::string AccountActivity(std::string_view account, std::uint64_t leaf) {
  return "ia/" + std::string(account) + '\0' + U64(leaf);
}
inline std::string AccountActivityPrefix(std::string_view account) { return "ia/" + std::string(account) + '\0'; }
inline std::string HolderActivity(std::string_view holder, std::uint64_t leaf) {
  return "ih/" + std::string(holder) + U64(leaf);
}
inline std::string HolderActivityPrefix(std::string_view holder) { return "ih/" + std::string(holder); }
inline std::string OrgActivity(std::string_view org, std::uint64_t leaf) {
  return "io/" + std::string(org) + '\0' + U64(leaf);
}
inline std::string OrgActivityPrefix(std::string_view org) { return "io/" + std::string(org) + '\0'; }
inline std::string Disclosure(std::string_view org, std::uint64_t leaf) {
  return "id/" + std::string(org) + '\0' + U64(leaf);
}
inline std::string DisclosurePrefix(std::string_view org) { return "id/" + std::string(org) + '\0'; }

// Regions (docs/regions.md), under r/ so they are in the state digest. Figures of a county or
// street per Beijing month sort by year first, so one year's rows under any code prefix are one
// range; populations per region and year; registered streets; each organisation's region history.
inline std::string RegionMonthPrefix(std::uint32_t year, std::string_view region_prefix) {
  return "r/rm/" + U64(year) + std::string(region_prefix);
}
inline std::string RegionMonth(std::uint32_t year, std::string_view region, std::uint32_t month) {
  return RegionMonthPrefix(year, region) + '\0' + std::string(1, static_cast<char>(month));
}
inline std::string RegionPopulation(std::string_view region, std::uint32_t year) {
  return "r/rp/" + std::string(region) + '\0' + U64(year);
}
inline std::string Street(std::string_view code) { return "r/rs/" + std::string(code); }
inline std::string OrgRegionPrefix(std::string_view org) { return "r/rh/" + std::string(org) + '\0'; }
inline std::string OrgRegion(std::string_view org, std::uint64_t leaf) { return OrgRegionPrefix(org) + U64(leaf); }

// The validator set's history (docs/rules.md "Validator set changes"): the full set that signs
// blocks from an effective height on (ValidatorSetRecord); heights big-endian so rows sort by height.
inline const std::string kValidatorSetPrefix = "r/vs/";
inline std::string ValidatorSet(std::uint64_t effective_height) { return kValidatorSetPrefix + U64(effective_height); }
// The genesis origin_key's verifying key (32 bytes), written by ApplyGenesis only and never by a
// tx: the genesis block's state_root then commits to the key the origin line is checked against.
// Absent when the genesis has no origin_key (such a chain's genesis state is unchanged).
inline const std::string kOriginKey{kOriginKeyRow};

// Chain storage (outside the state digest; covered by the block header's roots instead).
inline std::string Block(std::uint64_t height) { return "B/" + U64(height); }
inline std::string Leaf(std::uint64_t leaf) { return "L/" + U64(leaf); }
inline std::string BlockByFirstLeaf(std::uint64_t first_leaf) { return "F/" + U64(first_leaf); }
inline const std::string kHead = "c/head";
// Written only by a state-sync restore (snapshot.h): u64 snapshot height; blocks at and below it
// are held as header and certificate at most, without their txs. Absent: the whole history.
inline const std::string kHistoryBase = "c/base";
// While a backfill of a restored store is under way (Ledger::StoreBackfill): u64 height h, blocks
// 1..h are held again with their txs. Removed with c/base when the backfill reaches it.
inline const std::string kBackfill = "c/backfill";
inline const std::string kStateRoot = "c/state";  // the head's state root, as the tree stored it
inline const std::string kFormat = "c/format";    // the store format (store_format.h)
// The LevelDB directory inside a node's data_dir.
inline constexpr std::string_view kDatabaseDir = "ledger";

template <class Message>
std::optional<Message> Load(const StateView& view, std::string_view key) {
  auto bytes = view.Get(key);
  if (!bytes) return std::nullopt;
  Message m;
  if (!m.ParseFromString(*bytes)) {
    throw StorageCorrupt(PrintableStorageKey(key), "the record at key \"" + PrintableStorageKey(key) + "\" does not decode");
  }
  return m;
}

template <class Message>
void Store(StateView& view, std::string_view key, const Message& m) {
  view.Put(key, m.SerializeAsString());
}

}  // namespace shanliu::ledger::keys
