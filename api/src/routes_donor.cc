// What a donor follows: the live activity feed (donations and spending, newest first), one
// receipt's flow changes as server-sent events, and the same receipt as an Atom feed.
#include <algorithm>
#include <map>
#include <set>

#include "exports.h"
#include "receipt_feed.h"
#include "receipt_watch.h"
#include "routes.h"
#include "shanliu/ledger/json.h"
#include "shanliu/ledger/tx.h"
#include "trace.h"

namespace shanliu::api::internal {
namespace {

namespace flow = ledger::flow;

// ---------------------------------------------------------------- GET /v1/activity

// Leaves read per page at most: the log also holds registrations, disclosures and points, so a
// page may end with fewer items than `limit` (and a `next`) rather than scan without bound.
constexpr std::uint64_t kMaxActivityScan = 2000;
constexpr std::size_t kMaxKindsBytes = 128;
const std::set<std::string> kActivityKinds = {"donation", "trust_deposit", "spend", "transfer", "trust_disbursement", "refund"};
const std::set<std::string> kDefaultActivityKinds = {"donation", "trust_deposit", "spend"};

Result<std::set<std::string>> ActivityKinds(const Query& query) {
  const std::string* raw = query.Find("kinds");
  if (!raw) return kDefaultActivityKinds;
  if (raw->empty() || raw->size() > kMaxKindsBytes) {
    return Status::Error("invalid_argument", "kinds: a comma-separated list of donation, trust_deposit, spend, "
                                             "transfer, trust_disbursement, refund");
  }
  std::set<std::string> kinds;
  std::size_t start = 0;
  while (start <= raw->size()) {
    const std::size_t comma = std::min(raw->find(',', start), raw->size());
    const std::string kind = raw->substr(start, comma - start);
    if (!kActivityKinds.contains(kind)) {
      return Status::Error("invalid_argument", "kinds: '" + CleanUtf8(kind.substr(0, 40)) + "' is not one of donation, "
                                               "trust_deposit, spend, transfer, trust_disbursement, refund");
    }
    kinds.insert(kind);
    start = comma + 1;
  }
  return kinds;
}

Json ProjectOf(const Json& account) {
  if (account.value("type", "") != "project") return nullptr;
  return Json{{"project_id", account.value("id", "")},
              {"name_zh", account.value("name_zh", "")},
              {"name_en", account.value("name_en", "")}};
}

// Amount, accounts and the donor-facing details of one money movement, or null for other kinds.
Json ActivityItem(const ledger::ReadView& view, Names& names, const ledger::TxRecord& tx, const std::string& kind) {
  const pb::TxBody& b = tx.body;
  Json item = {{"id", Hex(tx.id)},          {"code", ReceiptCode(tx.id)}, {"kind", kind},
               {"leaf", tx.location.leaf()}, {"height", tx.location.height()}, {"time_ms", tx.time_ms},
               {"to", nullptr},             {"beneficiary_count", nullptr}, {"donor_display_name", nullptr},
               {"attested", nullptr},       {"category", nullptr},          {"category_name_zh", nullptr},
               {"category_name_en", nullptr}, {"payee_kind", nullptr},      {"payee_name", nullptr}};
  std::string account;
  std::string to;
  if (b.has_donation()) {
    account = b.donation().to_account();
    item["amount_fen"] = b.donation().amount_fen();
    item["donor_display_name"] = b.donation().donor_display_name();
    item["attested"] = !b.donation().attesting_bank().empty();
  } else if (b.has_trust_deposit()) {
    account = "trust:" + b.trust_deposit().trust_id();
    item["amount_fen"] = b.trust_deposit().amount_fen();
    item["donor_display_name"] = b.trust_deposit().settlor_display_name();
    item["attested"] = true;  // a deposit is signed by the custodian bank (docs/rules.md)
  } else if (b.has_spend()) {
    const pb::Spend& s = b.spend();
    account = s.from_account();
    const CategoryName name = SpendCategoryName(s.category());
    item["amount_fen"] = s.amount_fen();
    item["beneficiary_count"] = s.beneficiary_count();
    item["category"] = ledger::EnumValueName(pb::SpendCategory_descriptor()->FindValueByNumber(s.category()));
    item["category_name_zh"] = name.zh;
    item["category_name_en"] = name.en;
    item["payee_kind"] = ledger::EnumValueName(pb::PayeeKind_descriptor()->FindValueByNumber(s.payee_kind()));
    item["payee_name"] = s.payee_name();
  } else if (b.has_transfer()) {
    account = b.transfer().from_account();
    to = b.transfer().to_account();
    item["amount_fen"] = b.transfer().amount_fen();
  } else if (b.has_trust_disbursement()) {
    account = "trust:" + b.trust_disbursement().trust_id();
    to = b.trust_disbursement().to_account();
    item["amount_fen"] = b.trust_disbursement().amount_fen();
  } else if (b.has_refund()) {
    auto gift = view.Gift(HashFromBytes(b.refund().donation_tx_id()));
    if (!gift) throw ledger::StorageError("a committed refund names a missing gift record");
    account = gift->account();
    item["amount_fen"] = gift->refunded_fen();
  }
  const Json& from = names.Account(account);
  item["account"] = from;
  if (!to.empty()) item["to"] = names.Account(to);
  // The project the money reached (a transfer's target) or left (a spend from a project).
  Json project = to.empty() ? nullptr : ProjectOf(item["to"]);
  item["project"] = project.is_null() ? ProjectOf(from) : project;
  const std::string owner = from.value("owner_org", "");
  item["org"] = owner.empty() ? Json(nullptr) : names.Org(owner);
  return item;
}

Response GetActivity(RequestContext& ctx) {
  auto before = BeforeLeaf(ctx.query);
  if (!before.ok()) return ErrorResponse(before.status());
  auto limit = QueryLimit(ctx.query, PageSizes::kDefault, PageSizes::kMax);
  if (!limit.ok()) return ErrorResponse(limit.status());
  auto kinds = ActivityKinds(ctx.query);
  if (!kinds.ok()) return ErrorResponse(kinds.status());

  const ledger::ReadView& view = ctx.view();
  Names names(view);
  Json items = Json::array();
  std::uint64_t leaf = std::min<std::uint64_t>(*before, view.head().log_size());
  const std::uint64_t scan_end = leaf > kMaxActivityScan ? leaf - kMaxActivityScan : 0;
  while (leaf > scan_end && items.size() < *limit) {
    --leaf;
    auto tx = view.TxByLeaf(leaf);
    if (!tx) throw ledger::StorageError("the log has no transaction at leaf " + std::to_string(leaf));
    const std::string kind = ledger::PayloadKindName(tx->body);
    if (kinds->contains(kind)) items.push_back(ActivityItem(view, names, *tx, kind));
  }
  // `leaf` is the lowest leaf read: the next page starts strictly below it.
  return JsonResponse(Json{{"items", std::move(items)},
                           {"next", leaf > 0 ? Json(leaf) : Json(nullptr)},
                           {"log_size", view.head().log_size()}});
}

// ---------------------------------------------------------------- GET /v1/receipts/{code}/stream

Response ResolveError(const Status& status, const std::vector<std::string>& candidates) {
  if (status.code() == "ambiguous_code") return ErrorResponse(status, Json{{"candidates", candidates}});
  return ErrorResponse(status);
}

Response GetReceiptStream(RequestContext& ctx) {
  const ledger::ReadView& view = ctx.view();
  std::vector<std::string> candidates;
  auto ref = ResolveGift(view, ctx.params[0], &candidates);
  if (!ref.ok()) return ResolveError(ref.status(), candidates);
  flow::TraceLimits limits;
  limits.max_nodes = ctx.server.config.max_trace_nodes;
  const pb::GiftRecord& g = ref->gift;
  const flow::Trace trace = flow::TraceForward(view.state(), g.account(), g.interval_start(), g.amount_fen(), limits);
  Response r;
  r.start_stream = true;
  r.stream_topic = Hex(ref->id);
  r.stream_events.push_back(FlowEvent(ReceiptCode(ref->id), view.head().height(), SummarizeTrace(trace, g.amount_fen())));
  return r;
}

// ---------------------------------------------------------------- GET /v1/receipts/{code}/feed.atom

constexpr std::size_t kMaxFeedEntries = 200;

struct Words {
  bool zh;
  std::string Name(const Json& ref, const std::string& fallback) const {
    const std::string a = ref.value(zh ? "name_zh" : "name_en", "");
    const std::string b = ref.value(zh ? "name_en" : "name_zh", "");
    return !a.empty() ? a : !b.empty() ? b : fallback;
  }
};

std::string Yuan(std::int64_t fen) { return "¥" + YuanText(fen); }

// One movement of the gift's money: the pieces of one tx that carried it, summed.
struct Movement {
  std::uint64_t leaf = 0;
  flow::Fate fate = flow::Fate::kSpent;
  std::string account;
  std::int64_t amount_fen = 0;
};

void CollectMovements(const flow::TraceNode& node, std::map<std::uint64_t, Movement>& out) {
  if (node.fate != flow::Fate::kUnspent) {
    Movement& m = out[node.tx];
    m.leaf = node.tx;
    m.fate = node.fate;
    m.account = node.account;
    m.amount_fen += node.amount_fen;
  }
  for (const flow::TraceNode& child : node.children) CollectMovements(child, out);
}

std::pair<std::string, std::string> SpendWords(const Words& w, const Json& tx, const Movement& m) {
  const std::string category = tx.value(w.zh ? "category_name_zh" : "category_name_en", "");
  std::string payee = tx.value("payee_name", "");
  const std::uint64_t people = tx.value("beneficiary_count", std::uint64_t{0});
  std::string title = w.zh ? Yuan(m.amount_fen) + " 已用于" + category : Yuan(m.amount_fen) + " spent on " + category;
  if (!payee.empty()) title += " · " + payee;
  if (people > 0) title += w.zh ? "（惠及 " + std::to_string(people) + " 人）" : " (" + std::to_string(people) + " beneficiaries)";
  std::string summary = tx.value("description", "");
  const std::int64_t total = tx.value("amount_fen", std::int64_t{0});
  if (total != m.amount_fen) {
    summary += (summary.empty() ? "" : " — ") +
               (w.zh ? "这笔支出共 " + Yuan(total) + "，其中 " + Yuan(m.amount_fen) + " 来自您的捐赠"
                     : "this spend was " + Yuan(total) + " in all, " + Yuan(m.amount_fen) + " of it from your gift");
  }
  return {title, summary};
}

std::pair<std::string, std::string> MovementWords(const Words& w, Names& names, const Json& tx, const Movement& m) {
  const std::string from = w.Name(names.Account(m.account), m.account);
  switch (m.fate) {
    case flow::Fate::kSpent: return SpendWords(w, tx, m);
    case flow::Fate::kMovedOn: {
      const std::string to = w.Name(Json{{"name_zh", tx.value("to_name_zh", "")}, {"name_en", tx.value("to_name_en", "")}},
                                    tx.value("to_account", ""));
      return {w.zh ? Yuan(m.amount_fen) + " 从" + from + "转入" + to : Yuan(m.amount_fen) + " moved from " + from + " to " + to,
              tx.value("purpose", "")};
    }
    case flow::Fate::kRefunded:
      return {w.zh ? Yuan(m.amount_fen) + " 已退还捐赠人" : Yuan(m.amount_fen) + " refunded to the donor", tx.value("reason", "")};
    case flow::Fate::kCorrected:
      return {w.zh ? Yuan(m.amount_fen) + " 的记录被更正，款项回到" + from
                   : "The entry moving " + Yuan(m.amount_fen) + " was corrected; the money is back in " + from,
              tx.value("reason", "")};
    case flow::Fate::kWithdrawn:
      return {w.zh ? "捐赠记录被更正撤回：" + Yuan(m.amount_fen) : "Gift entry corrected and withdrawn: " + Yuan(m.amount_fen),
              tx.value("reason", "")};
    case flow::Fate::kUnspent: break;
  }
  return {"", ""};
}

AtomEntry GiftEntry(const Words& w, Names& names, const GiftRef& ref, const ledger::TxRecord& tx, const std::string& urn) {
  const pb::GiftRecord& g = ref.gift;
  const std::string to = w.Name(names.Account(g.account()), g.account());
  const std::string donor = g.donor_display_name().empty() ? (w.zh ? "匿名" : "Anonymous") : g.donor_display_name();
  AtomEntry e;
  e.id = urn + ":tx:" + ReceiptCode(ref.id);
  e.title = w.zh ? (g.trust_deposit() ? "信托财产 " : "捐赠 ") + Yuan(g.amount_fen()) + " 已到账：" + to
                 : (g.trust_deposit() ? "Trust deposit of " : "Gift of ") + Yuan(g.amount_fen()) + " received by " + to;
  e.summary = (w.zh ? "捐赠人：" : "Donor: ") + donor + " · " +
              (g.attested() ? (w.zh ? "银行签名确认" : "confirmed by the bank's signature")
                            : (w.zh ? "受赠机构自行登记" : "self-reported by the recipient"));
  e.link = "/r/" + ReceiptCode(ref.id);
  e.updated_ms = tx.time_ms;
  return e;
}

Response GetReceiptFeed(RequestContext& ctx) {
  const std::string* lang = ctx.query.Find("lang");
  if (lang && *lang != "zh" && *lang != "en") return ErrorResponse("invalid_argument", "lang must be zh or en");
  const Words w{!lang || *lang == "zh"};
  const ledger::ReadView& view = ctx.view();
  std::vector<std::string> candidates;
  auto ref = ResolveGift(view, ctx.params[0], &candidates);
  if (!ref.ok()) return ResolveError(ref.status(), candidates);
  auto gift_tx = view.TxById(ref->id);
  if (!gift_tx) throw ledger::StorageError("a gift record names a missing transaction");

  const pb::GiftRecord& g = ref->gift;
  flow::TraceLimits limits;
  limits.max_nodes = ctx.server.config.max_trace_nodes;
  const flow::Trace trace = flow::TraceForward(view.state(), g.account(), g.interval_start(), g.amount_fen(), limits);
  std::map<std::uint64_t, Movement> movements;
  for (const flow::TraceNode& root : trace.roots) CollectMovements(root, movements);

  Names names(view);
  OutflowDetails details(view, names);
  const std::string code = ReceiptCode(ref->id);
  AtomFeed feed;
  feed.id = "urn:shanliu:receipt:" + code;
  feed.lang = w.zh ? "zh-CN" : "en";
  const FlowSummary s = SummarizeTrace(trace, g.amount_fen());
  feed.title = w.zh ? "捐赠去向 " + code.substr(0, kMinCodePrefix) : "Where gift " + code.substr(0, kMinCodePrefix) + " went";
  feed.subtitle = w.zh ? Yuan(s.amount_fen) + "：已使用 " + Yuan(s.spent_fen) + "，尚未使用 " + Yuan(s.unspent_fen)
                       : Yuan(s.amount_fen) + ": " + Yuan(s.spent_fen) + " spent, " + Yuan(s.unspent_fen) + " not yet spent";
  feed.author = w.Name(names.Org(g.recorded_by()), g.recorded_by());
  feed.self_link = "/v1/receipts/" + code + "/feed.atom" + (lang ? "?lang=" + *lang : "");
  feed.alternate_link = "/r/" + code;
  // Newest first; the gift itself is the oldest entry and always present.
  for (auto it = movements.rbegin(); it != movements.rend() && feed.entries.size() + 1 < kMaxFeedEntries; ++it) {
    const Json& tx = details.At(it->first);
    auto [title, summary] = MovementWords(w, names, tx, it->second);
    feed.entries.push_back({feed.id + ":tx:" + tx.value("code", ""), std::move(title), std::move(summary),
                            "/tx/" + tx.value("id", ""), tx.value("time_ms", std::uint64_t{0})});
  }
  feed.entries.push_back(GiftEntry(w, names, *ref, *gift_tx, feed.id));
  Response r;
  r.content_type = "application/atom+xml; charset=utf-8";
  r.body = AtomDocument(feed);
  return r;
}

}  // namespace

void AddDonorRoutes(Router& router) {
  router.Add({http::verb::get, "/v1/activity", {"before", "limit", "kinds"}, GetActivity});
  router.Add({http::verb::get, "/v1/receipts/{code}/stream", {}, GetReceiptStream});
  router.Add({http::verb::get, "/v1/receipts/{code}/feed.atom", {"lang"}, GetReceiptFeed});
}

}  // namespace shanliu::api::internal
