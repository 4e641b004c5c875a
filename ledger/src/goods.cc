// In-kind goods: the catalogue, goods account names, Beijing dates, and the per-item checks
// (conservation, trace sums) that run beside the money checks. Goods streams are ordinary
// fund-flow streams (flow_*.cc) counted in units; only the naming keeps them apart from money.
#include "shanliu/ledger/goods.h"

#include <algorithm>
#include <cassert>
#include <chrono>
#include <cstdio>
#include <map>

#include "flow_records.h"
#include "shanliu/ledger/genesis.h"
#include "shanliu/ledger/text.h"
#include "shanliu/ledger/tx.h"
#include "shanliu/pb/state.pb.h"
#include "state_keys.h"

namespace shanliu::ledger::goods {
namespace {

struct CategoryNames {
  pb::GoodsCategory category;
  const char* key;
  const char* zh;
};
constexpr CategoryNames kCategories[] = {
    {pb::GOODS_CATEGORY_EPIDEMIC_PREVENTION, "epidemic-prevention", "防疫物资"},
    {pb::GOODS_CATEGORY_FOOD, "food", "食品"},
    {pb::GOODS_CATEGORY_CLOTHING, "clothing", "衣物"},
    {pb::GOODS_CATEGORY_MEDICINE, "medicine", "药品"},
    {pb::GOODS_CATEGORY_SCHOOL_SUPPLIES, "school-supplies", "学习用品"},
    {pb::GOODS_CATEGORY_DAILY_NECESSITIES, "daily-necessities", "生活用品"},
    {pb::GOODS_CATEGORY_OTHER, "other", "其他"},
};

constexpr std::size_t kMaxUnitBytes = 40;

pb::GoodsItem Item(const char* code, const char* zh, const char* en, const char* unit, pb::GoodsCategory category,
                   bool perishable) {
  pb::GoodsItem item;
  item.set_item_code(code);
  item.set_name_zh(zh);
  item.set_name_en(en);
  item.set_unit(unit);
  item.set_category(category);
  item.set_perishable(perishable);
  return item;
}

Status Malformed(const std::string& field, const std::string& why) {
  return Status::Error("malformed", "goods item " + field + " " + why);
}

Status CheckText(const std::string& field, const std::string& v, std::size_t max, bool required) {
  if (required && v.empty()) return Malformed(field, "is required");
  if (v.size() > max) return Malformed(field, "is longer than " + std::to_string(max) + " bytes");
  if (FindControlCharacter(v)) return Malformed(field, "contains a control character");
  return Status::Ok();
}

}  // namespace

const char* CategoryName(pb::GoodsCategory category) {
  for (const auto& c : kCategories) {
    if (c.category == category) return c.key;
  }
  return "unspecified";
}

const char* CategoryNameZh(pb::GoodsCategory category) {
  for (const auto& c : kCategories) {
    if (c.category == category) return c.zh;
  }
  return "未指定";
}

bool ParseCategory(std::string_view name, pb::GoodsCategory* category) {
  for (const auto& c : kCategories) {
    if (name == c.key) {
      *category = c.category;
      return true;
    }
  }
  return false;
}

std::vector<pb::GoodsItem> DefaultItems() {
  // What district relief drives and school drives collect most; perishable ones carry lots.
  using C = pb::GoodsCategory;
  return {
      Item("mask-medical", "医用外科口罩", "Medical surgical mask", "只", C::GOODS_CATEGORY_EPIDEMIC_PREVENTION, false),
      Item("mask-kn95", "KN95 口罩", "KN95 respirator", "只", C::GOODS_CATEGORY_EPIDEMIC_PREVENTION, false),
      Item("disinfectant", "消毒液", "Disinfectant", "瓶", C::GOODS_CATEGORY_EPIDEMIC_PREVENTION, true),
      Item("rice-10kg", "大米（10 千克装）", "Rice (10 kg bag)", "袋", C::GOODS_CATEGORY_FOOD, true),
      Item("cooking-oil-5l", "食用油（5 升装）", "Cooking oil (5 l)", "桶", C::GOODS_CATEGORY_FOOD, true),
      Item("drinking-water", "瓶装饮用水（箱）", "Bottled water (case)", "箱", C::GOODS_CATEGORY_FOOD, true),
      Item("quilt", "棉被", "Quilt", "床", C::GOODS_CATEGORY_CLOTHING, false),
      Item("winter-coat", "冬衣", "Winter coat", "件", C::GOODS_CATEGORY_CLOTHING, false),
      Item("medicine-kit", "家庭常用药箱", "Household medicine kit", "个", C::GOODS_CATEGORY_MEDICINE, true),
      Item("school-bag", "书包", "School bag", "个", C::GOODS_CATEGORY_SCHOOL_SUPPLIES, false),
      Item("stationery-set", "文具套装", "Stationery set", "套", C::GOODS_CATEGORY_SCHOOL_SUPPLIES, false),
      Item("tent", "救灾帐篷", "Relief tent", "顶", C::GOODS_CATEGORY_DAILY_NECESSITIES, false),
  };
}

Status CheckItem(const pb::GoodsItem& item) {
  if (!IsValidId(item.item_code())) return Malformed("item_code", "must match [a-z0-9-]{3,40}");
  SHANLIU_RETURN_IF_ERROR(CheckText("name_zh", item.name_zh(), TxLimits::kMaxShortText, true));
  SHANLIU_RETURN_IF_ERROR(CheckText("name_en", item.name_en(), TxLimits::kMaxShortText, false));
  SHANLIU_RETURN_IF_ERROR(CheckText("unit", item.unit(), kMaxUnitBytes, true));
  if (std::string_view(CategoryName(item.category())) == "unspecified") {
    return Malformed("category", "is not a known goods category");
  }
  return Status::Ok();
}

std::optional<std::string> AccountFor(std::string_view holder_account, std::string_view item_code) {
  std::string code(item_code);
  if (holder_account.starts_with("org:")) return "goods:" + std::string(holder_account.substr(4)) + "/" + code;
  if (holder_account.starts_with("project:")) return "goods:" + std::string(holder_account) + "/" + code;
  return std::nullopt;
}

bool IsGoodsAccount(std::string_view account) {
  return account.starts_with(kAccountPrefix) && account.find('/') != std::string_view::npos;
}

std::string_view ItemOf(std::string_view goods_account) {
  if (!IsGoodsAccount(goods_account)) return {};
  return goods_account.substr(goods_account.rfind('/') + 1);
}

std::vector<std::pair<std::string, std::uint64_t>> Holdings(const StateView& view, std::string_view holder_account) {
  std::vector<std::pair<std::string, std::uint64_t>> out;
  auto base = AccountFor(holder_account, "");
  if (!base) return out;
  const std::string prefix = std::string(flow::internal::kAccountPrefix) + *base;
  view.Scan(prefix, prefix, "", [&](std::string_view key, std::string_view value) {
    const std::string_view account = key.substr(flow::internal::kAccountPrefix.size());
    // Item codes hold no '/': anything else under the prefix is not this holder's account.
    if (account.substr(base->size()).find('/') != std::string_view::npos) return true;
    const auto balance = flow::internal::DecodeAccount(value).balance_fen;
    out.emplace_back(std::string(account.substr(base->size())), static_cast<std::uint64_t>(balance));
    return true;
  });
  return out;
}

std::string HolderOf(std::string_view goods_account) {
  if (!IsGoodsAccount(goods_account)) return {};
  const std::string_view inner = goods_account.substr(kAccountPrefix.size(), goods_account.rfind('/') -
                                                                                 kAccountPrefix.size());
  if (inner.starts_with("project:")) return std::string(inner);
  return "org:" + std::string(inner);
}

std::vector<CatalogueEntry> Catalogue(const StateView& view, const Genesis& genesis) {
  std::vector<CatalogueEntry> out;
  for (const pb::GoodsItem& item : genesis.params.goods_items) out.push_back(CatalogueEntry{item, false, ""});
  const std::string prefix = keys::GoodsItem("");
  view.Scan(prefix, prefix, "", [&](std::string_view key, std::string_view) {
    auto rec = keys::Load<pb::GoodsItemRecord>(view, key);
    out.push_back(CatalogueEntry{rec->item(), true, rec->registered_by()});
    return true;
  });
  return out;
}

bool HoldsAnyGoods(const StateView& view, std::string_view holder_account) {
  for (const auto& [item, units] : Holdings(view, holder_account)) {
    if (units > 0) return true;
  }
  return false;
}

bool IsValidDate(std::uint32_t yyyymmdd) {
  using namespace std::chrono;
  const auto y = static_cast<int>(yyyymmdd / 10000);
  const auto m = static_cast<unsigned>(yyyymmdd / 100 % 100);
  const auto d = static_cast<unsigned>(yyyymmdd % 100);
  return y >= 1900 && y <= 9999 && year_month_day(year(y), month(m), day(d)).ok();
}

std::string IsoDate(std::uint32_t yyyymmdd) {
  if (yyyymmdd == 0) return "";
  char out[16];
  std::snprintf(out, sizeof out, "%04u-%02u-%02u", yyyymmdd / 10000, yyyymmdd / 100 % 100, yyyymmdd % 100);
  return out;
}

std::uint32_t BeijingDate(std::uint64_t time_ms) {
  using namespace std::chrono;
  const sys_days day = floor<days>(sys_time<milliseconds>(milliseconds(time_ms) + hours(8)));
  const year_month_day ymd(day);
  return static_cast<std::uint32_t>(static_cast<int>(ymd.year())) * 10000 +
         static_cast<unsigned>(ymd.month()) * 100 + static_cast<unsigned>(ymd.day());
}

std::optional<pb::GoodsItem> FindItem(const StateView& view, const Genesis& genesis, std::string_view item_code) {
  for (const pb::GoodsItem& item : genesis.params.goods_items) {
    if (item.item_code() == item_code) return item;
  }
  auto rec = keys::Load<pb::GoodsItemRecord>(view, keys::GoodsItem(item_code));
  if (!rec) return std::nullopt;
  return rec->item();
}

std::optional<pb::GoodsGiftRecord> FindGift(const StateView& view, const Hash256& tx_id) {
  return keys::Load<pb::GoodsGiftRecord>(view, keys::GoodsGift(std::string(tx_id.begin(), tx_id.end())));
}

std::optional<pb::GoodsDistributionRecord> FindDistribution(const StateView& view, const Hash256& tx_id) {
  return keys::Load<pb::GoodsDistributionRecord>(view,
                                                 keys::GoodsDistribution(std::string(tx_id.begin(), tx_id.end())));
}

pb::GoodsGiftRecord GiftAtLeaf(const StateView& view, std::uint64_t leaf) {
  auto gift_id = view.Get(keys::GoodsGiftAtLeaf(leaf));
  if (!gift_id) throw StorageError("a goods stream names an origin that is not a goods donation");
  auto gift = keys::Load<pb::GoodsGiftRecord>(view, keys::GoodsGift(*gift_id));
  if (!gift) throw StorageError("a goods donation's leaf row names no goods donation record");
  return *gift;
}

Result<bool> ForEachOrigin(const StateView& view, std::uint64_t leaf, std::size_t max_pieces,
                           const std::function<void(const flow::SourcePiece&, const pb::GoodsGiftRecord&)>& fn) {
  assert(max_pieces > 0);
  constexpr std::size_t kPagePieces = 256;
  std::size_t read = 0;
  std::uint64_t cursor = 0;
  for (;;) {
    auto page = flow::TraceBackward(view, leaf, cursor, std::min(kPagePieces, max_pieces - read));
    if (!page.ok()) return page.status();
    for (const flow::SourcePiece& piece : page->pieces) {
      ++read;
      fn(piece, GiftAtLeaf(view, piece.origin_tx));
    }
    if (!page->next_cursor) return true;
    if (read >= max_pieces) return false;
    assert(*page->next_cursor > cursor);
    cursor = *page->next_cursor;
  }
}

namespace {

__extension__ using Int128 = __int128;

struct ItemSums {
  Int128 balances = 0, inflow = 0, spent = 0, refunded = 0, sent = 0, received = 0;
};

std::string Decimal(Int128 v) {
  if (v == 0) return "0";
  const bool negative = v < 0;
  std::string digits;
  for (; v != 0; v /= 10) digits.push_back(static_cast<char>('0' + static_cast<int>(negative ? -(v % 10) : v % 10)));
  if (negative) digits.push_back('-');
  return std::string(digits.rbegin(), digits.rend());
}

// Sums per item over "a/goods:..."; the first account whose record breaks its identities is
// reported through `bad` (and left out).
std::map<std::string, ItemSums> SumPerItem(const StateView& view, std::optional<std::string>* bad) {
  std::map<std::string, ItemSums> out;
  const std::string prefix = std::string(flow::internal::kAccountPrefix) + std::string(kAccountPrefix);
  view.Scan(prefix, prefix, "", [&](std::string_view key, std::string_view value) {
    const std::string_view account = key.substr(flow::internal::kAccountPrefix.size());
    flow::internal::AccountRecord r;
    try {
      r = flow::internal::DecodeAccount(value);
    } catch (const StorageError& e) {
      if (!*bad) *bad = std::string(account) + ": " + e.what();
      return true;
    }
    ItemSums& s = out[std::string(ItemOf(account))];
    s.balances += r.balance_fen;
    s.inflow += r.inflow_fen;
    s.spent += r.spent_fen;
    s.refunded += r.refunded_fen;
    s.sent += r.sent_fen;
    s.received += r.received_fen;
    return true;
  });
  return out;
}

}  // namespace

Status CheckConservation(const StateView& view) {
  std::optional<std::string> bad;
  const auto sums = SumPerItem(view, &bad);
  if (bad) return Status::Error("conservation_violated", "goods account " + *bad);
  for (const auto& [item, s] : sums) {
    // Goods leave only by distribution (there is no goods refund), so refunded stays 0.
    if (item.empty() || s.refunded != 0 || s.balances != s.inflow - s.spent || s.sent != s.received) {
      return Status::Error("conservation_violated",
                           "goods item '" + item + "': held " + Decimal(s.balances) + ", donated " +
                               Decimal(s.inflow) + ", distributed " + Decimal(s.spent) + ", refunded " +
                               Decimal(s.refunded) + ", sent " + Decimal(s.sent) + ", received " +
                               Decimal(s.received));
    }
  }
  return Status::Ok();
}

std::vector<ItemTotals> SumItems(const StateView& view) {
  std::optional<std::string> bad;
  std::vector<ItemTotals> out;
  for (const auto& [item, s] : SumPerItem(view, &bad)) {
    out.push_back(ItemTotals{item, static_cast<std::uint64_t>(s.balances), static_cast<std::uint64_t>(s.inflow),
                             static_cast<std::uint64_t>(s.spent)});
  }
  return out;
}

namespace {

bool SumsHold(const std::vector<flow::TraceNode>& nodes, std::int64_t want) {
  Int128 sum = 0;
  for (const flow::TraceNode& n : nodes) {
    sum += n.amount_fen;
    if (!n.children.empty() && !SumsHold(n.children, n.amount_fen)) return false;
  }
  return sum == want;
}

}  // namespace

Result<std::uint64_t> CheckTraceSums(const StateView& view) {
  const std::string prefix = keys::GoodsGift("");
  std::uint64_t traced = 0;
  std::optional<Status> error;
  view.Scan(prefix, prefix, "", [&](std::string_view key, std::string_view value) {
    pb::GoodsGiftRecord g;
    if (!g.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      error = Status::Error("corruption", "a goods donation record does not parse");
      return false;
    }
    const auto quantity = static_cast<std::int64_t>(g.quantity());
    const flow::Trace trace = flow::TraceForward(view, g.account(), g.interval_start(), quantity);
    if (!trace.truncated && !SumsHold(trace.roots, quantity)) {
      error = Status::Error("conservation_violated", "the trace of the goods donation at leaf " + std::to_string(g.leaf()) +
                                                      " into " + g.account() + " does not add up to its " +
                                                      std::to_string(g.quantity()) + " units");
      return false;
    }
    (void)key;
    ++traced;
    return true;
  });
  if (error) return *error;
  return traced;
}

}  // namespace shanliu::ledger::goods
