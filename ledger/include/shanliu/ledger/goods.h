// In-kind goods (物资, DESIGN 4.1): the item catalogue, goods account names, dates, and the
// checks that keep goods apart from money. Goods move through the same interval-FIFO streams
// as money (flow.h), in integer units of one item per account, under account names that start
// with "goods:" so that no money check ever adds them to a cash figure.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shanliu/ledger/flow.h"
#include "shanliu/ledger/state_view.h"
#include "shanliu/bytes.h"
#include "shanliu/pb/shanliu.pb.h"
#include "shanliu/pb/state.pb.h"
#include "shanliu/status.h"

namespace shanliu::ledger {

struct Genesis;

namespace goods {

// A quantity in one transaction is 1 .. 10^12 units (a trillion masks is beyond any drive;
// the bound keeps every stream position and sum far from overflow).
inline constexpr std::uint64_t kMaxQuantity = 1'000'000'000'000;
inline constexpr std::string_view kAccountPrefix = "goods:";

// "epidemic-prevention", "food", "clothing", "medicine", "school-supplies",
// "daily-necessities", "other"; "unspecified" for anything else.
const char* CategoryName(pb::GoodsCategory category);
bool ParseCategory(std::string_view name, pb::GoodsCategory* category);
// 防疫物资, 食品, 衣物, 药品, 学习用品, 生活用品, 其他.
const char* CategoryNameZh(pb::GoodsCategory category);

// The catalogue a chain starts with unless its genesis lists its own.
std::vector<pb::GoodsItem> DefaultItems();

// Field rules for an item (genesis and RegisterGoodsItem): code [a-z0-9-]{3,40}, name_zh
// 1..200 bytes, name_en 0..200, unit 1..40 bytes, a known category; no control characters.
// Error "malformed" naming the field.
Status CheckItem(const pb::GoodsItem& item);

// The goods account of a holding account and an item: "org:<org>" -> "goods:<org>/<item>",
// "project:<p>" -> "goods:project:<p>/<item>". nullopt for any other holder.
std::optional<std::string> AccountFor(std::string_view holder_account, std::string_view item_code);
bool IsGoodsAccount(std::string_view account);
// True if any goods account of this holder ("org:<org>" or "project:<p>") holds units.
bool HoldsAnyGoods(const StateView& view, std::string_view holder_account);
// The goods accounts of a holder with their balances (units), in item-code order.
std::vector<std::pair<std::string, std::uint64_t>> Holdings(const StateView& view, std::string_view holder_account);
// The holding account of a goods account ("goods:x/i" -> "org:x", "goods:project:p/i" ->
// "project:p"); empty if not a goods account.
std::string HolderOf(std::string_view goods_account);
// The item code of a goods account (the part after the last '/'); empty if not a goods account.
std::string_view ItemOf(std::string_view goods_account);

// A calendar date YYYYMMDD that exists (1900-01-01 .. 9999-12-31).
bool IsValidDate(std::uint32_t yyyymmdd);
// The Beijing (UTC+8) date of a block time, as YYYYMMDD.
std::uint32_t BeijingDate(std::uint64_t time_ms);
// YYYYMMDD as "YYYY-MM-DD" for reports; "" for 0 (no date).
std::string IsoDate(std::uint32_t yyyymmdd);

// The item with this code: the genesis catalogue first, then items the federation registered
// ("gi/<code>" in the state). nullopt when unknown.
std::optional<pb::GoodsItem> FindItem(const StateView& view, const Genesis& genesis, std::string_view item_code);

// The records a committed GoodsDonation / GoodsDistribution left (nullopt: no such tx).
std::optional<pb::GoodsGiftRecord> FindGift(const StateView& view, const Hash256& tx_id);
std::optional<pb::GoodsDistributionRecord> FindDistribution(const StateView& view, const Hash256& tx_id);

// The record of the GoodsDonation at log leaf `leaf`, an origin a goods stream names. A goods
// stream starts only at goods donations, so a missing one is a StorageError.
pb::GoodsGiftRecord GiftAtLeaf(const StateView& view, std::uint64_t leaf);
// Each source piece of the goods outflow at `leaf` (oldest first, flow::TraceBackward in pages of
// at most 256) with the donation it came from, until `max_pieces` were read. Returns whether
// every piece was read.
Result<bool> ForEachOrigin(const StateView& view, std::uint64_t leaf, std::size_t max_pieces,
                           const std::function<void(const flow::SourcePiece&, const pb::GoodsGiftRecord&)>& fn);

// The whole catalogue: the genesis items in genesis order, then the registered ones by code.
struct CatalogueEntry {
  pb::GoodsItem item;
  bool registered = false;    // by RegisterGoodsItem (false: genesis)
  std::string registered_by;  // the federation, when registered
};
std::vector<CatalogueEntry> Catalogue(const StateView& view, const Genesis& genesis);

// Conservation of goods, per item, over every goods account: the units held equal the units
// donated minus the units distributed, transfers cancel out within the item, and each account
// keeps its own identities. Error "conservation_violated" naming the item and the figures.
Status CheckConservation(const StateView& view);

// Per-item totals over the goods accounts (for reports and the property tests).
struct ItemTotals {
  std::string item_code;
  std::uint64_t held = 0;         // sum of balances
  std::uint64_t donated = 0;      // entered by GoodsDonation
  std::uint64_t distributed = 0;  // left by GoodsDistribution
};
std::vector<ItemTotals> SumItems(const StateView& view);

// Every goods donation's forward trace adds up to its quantity (each hop's children to the
// hop). Returns how many were traced, or error "conservation_violated" naming the first that fails,
// "corruption" if a record does not parse.
Result<std::uint64_t> CheckTraceSums(const StateView& view);

}  // namespace goods
}  // namespace shanliu::ledger
