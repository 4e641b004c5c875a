#include "exports.h"

#include <chrono>
#include <map>

#include "compliance.h"
#include "shanliu/ledger/goods.h"
#include "shanliu/ledger/goods_report.h"
#include "shanliu/ledger/registry_codes.h"
#include "shanliu/ledger/tx.h"

namespace shanliu::api::internal {
namespace {

using namespace std::chrono;

Status Invalid(std::string message) { return Status::Error("invalid_argument", std::move(message)); }

Result<sys_days> ParseDate(const std::string* text, std::string_view what) {
  if (text == nullptr) return Invalid(std::string(what) + " is required (YYYY-MM-DD, Beijing date)");
  const std::string& t = *text;
  auto digits = [&](std::size_t at, std::size_t n) {
    for (std::size_t i = at; i < at + n; ++i) {
      if (t[i] < '0' || t[i] > '9') return false;
    }
    return true;
  };
  if (t.size() != 10 || t[4] != '-' || t[7] != '-' || !digits(0, 4) || !digits(5, 2) || !digits(8, 2)) {
    return Invalid(std::string(what) + " must be a date written YYYY-MM-DD");
  }
  const int y = std::stoi(t.substr(0, 4));
  const unsigned m = static_cast<unsigned>(std::stoi(t.substr(5, 2)));
  const unsigned d = static_cast<unsigned>(std::stoi(t.substr(8, 2)));
  const year_month_day ymd{year{y}, month{m}, day{d}};
  if (!ymd.ok() || y < 1970) return Invalid(std::string(what) + " is not a calendar day between 1970 and 9999");
  return sys_days(ymd);
}

std::uint64_t BeijingMidnightMs(sys_days day) {
  const std::int64_t ms = static_cast<std::int64_t>(day.time_since_epoch().count()) * 86'400'000 - 8 * 3'600'000;
  return ms < 0 ? 0 : static_cast<std::uint64_t>(ms);
}

const char* SpendCategoryKey(pb::SpendCategory c) {
  switch (c) {
    case pb::SPEND_CATEGORY_MATERIAL: return "material";
    case pb::SPEND_CATEGORY_CASH_AID: return "cash_aid";
    case pb::SPEND_CATEGORY_SERVICE: return "service";
    case pb::SPEND_CATEGORY_ADMIN: return "admin";
    case pb::SPEND_CATEGORY_OTHER: return "other";
    default: return "unspecified";
  }
}

const char* PayeeKindKey(pb::PayeeKind k) {
  switch (k) {
    case pb::PAYEE_KIND_VENDOR: return "vendor";
    case pb::PAYEE_KIND_INDIVIDUALS: return "individuals";
    case pb::PAYEE_KIND_ORGANISATION: return "organisation";
    default: return "unspecified";
  }
}

std::string ProjectOf(const std::string& a, const std::string& b) {
  if (a.starts_with("project:")) return a.substr(8);
  if (b.starts_with("project:")) return b.substr(8);
  return "";
}

std::string DisplayName(const std::string& chosen) { return chosen.empty() ? "匿名" : chosen; }

// A money movement a bank signed for (`bank` non-empty) or one the organisation alone recorded.
void Attest(Movement& m, const std::string& bank) {
  m.attested = !bank.empty();
  m.attested_by = bank;
  m.channel = m.attested ? "bank_attested" : "self_reported";
}

// Origin pieces read to value one goods outflow; a larger one is valued from its first pieces.
constexpr std::size_t kMaxGoodsValuePieces = 512;

void GoodsItemFields(const ledger::ReadView& view, const std::string& code, const std::string& unit, std::uint64_t quantity,
                     Movement& m) {
  if (!ledger::goods::FindItem(view.state(), view.genesis(), code)) {
    throw ledger::StorageError("a committed goods tx names an item that is not in the catalogue");
  }
  m.item_code = code;
  m.unit = unit;  // the executor checked it equals the item's unit
  m.quantity = quantity;
}

// A goods transfer's or distribution's valued amount and lots, carried from its donations.
void GoodsOutflowValue(const ledger::ReadView& view, Movement& m) {
  auto value = ledger::goods::ValueOfOutflow(view.state(), m.leaf, kMaxGoodsValuePieces);
  if (!value.ok()) throw ledger::StorageError("a committed goods outflow has no flow record");
  m.value_fen = value->value_fen;
  for (const std::string& lot : value->lots) m.lot += (m.lot.empty() ? "" : " ") + lot;
}

// Fills `m` from a committed goods tx; false for any other payload.
bool GoodsMovementOf(const ledger::ReadView& view, const pb::TxBody& b, Movement& m) {
  if (b.has_goods_donation()) {
    const pb::GoodsDonation& d = b.goods_donation();
    m.kind = "goods_donation";
    m.from = "donor";
    m.from_name = DisplayName(d.donor_display_name());
    m.to = d.to_account();
    m.description = d.memo();
    GoodsItemFields(view, d.item_code(), d.unit(), d.quantity(), m);
    m.value_fen = d.value_fen();
    m.lot = d.lot_number();
    // For goods the third party is a notary (bank, federation or bureau) that saw them.
    m.attested = !d.notary_org().empty();
    m.attested_by = d.notary_org();
    m.channel = "goods";
    return true;
  }
  if (b.has_goods_transfer()) {
    const pb::GoodsTransfer& t = b.goods_transfer();
    m.kind = "goods_transfer";
    m.from = t.from_account();
    m.to = t.to_account();
    m.description = t.purpose();
    GoodsItemFields(view, t.item_code(), t.unit(), t.quantity(), m);
    GoodsOutflowValue(view, m);
    m.channel = "goods";
    return true;
  }
  if (b.has_goods_distribution()) {
    const pb::GoodsDistribution& d = b.goods_distribution();
    m.kind = "goods_distribution";
    m.from = d.from_account();
    m.to = "place:" + d.region();
    m.to_name = d.place_name();
    m.description = d.description();
    m.beneficiary_count = d.beneficiary_count();
    GoodsItemFields(view, d.item_code(), d.unit(), d.quantity(), m);
    GoodsOutflowValue(view, m);
    m.region = d.region();
    m.region_name = std::string(ledger::RegionName(d.region()).value_or(""));
    m.channel = "goods";
    return true;
  }
  return false;
}

// A correction's row: the reversed movement, the other way round — money back from the payee (a
// spend), from the target (a transfer), or out to the donor side (a withdrawn gift).
void CorrectionMovement(const pb::Correction& c, Movement& m) {
  pb::TxBody wrong;
  if (!wrong.ParseFromString(c.corrected_tx_body())) throw ledger::StorageError("a committed correction's body does not parse");
  m.kind = "correction";
  m.description = c.reason();
  m.channel = "reversal";
  if (wrong.has_spend()) {
    m.from = std::string("payee:") + PayeeKindKey(wrong.spend().payee_kind());
    m.from_name = wrong.spend().payee_name();
    m.to = wrong.spend().from_account();
    m.amount_fen = wrong.spend().amount_fen();
    m.category = SpendCategoryKey(wrong.spend().category());
    m.beneficiary_count = wrong.spend().beneficiary_count();  // the reversed spend's, taken back
  } else if (wrong.has_transfer()) {
    m.from = wrong.transfer().to_account();
    m.to = wrong.transfer().from_account();
    m.amount_fen = wrong.transfer().amount_fen();
  } else if (wrong.has_donation()) {
    m.from = wrong.donation().to_account();
    m.to = "donor";
    m.to_name = DisplayName(wrong.donation().donor_display_name());
    m.amount_fen = wrong.donation().amount_fen();
    // The author of a donation's correction is its attesting bank (executor_correction.cc):
    // an attested gift's withdrawal is signed by that bank.
    if (!wrong.donation().attesting_bank().empty()) {
      m.attested = true;
      m.attested_by = wrong.donation().attesting_bank();
    }
  } else {
    throw ledger::StorageError("a committed correction reverses neither a spend, a transfer nor a donation");
  }
}

// The movement a committed tx made, if it moved money.
std::optional<Movement> MovementOf(const ledger::ReadView& view, Names& names, const ledger::TxRecord& tx) {
  Movement m;
  m.leaf = tx.location.leaf();
  m.height = tx.location.height();
  m.time_ms = tx.time_ms;
  m.id = tx.id;
  auto name = [&](const std::string& account) { return names.Account(account).value("name_zh", std::string()); };
  const pb::TxBody& b = tx.body;
  switch (b.payload_case()) {
    case pb::TxBody::kDonation: {
      const pb::Donation& d = b.donation();
      m.kind = "donation";
      m.from = "donor";
      m.from_name = DisplayName(d.donor_display_name());
      m.to = d.to_account();
      m.amount_fen = d.amount_fen();
      m.description = d.memo();
      Attest(m, d.attesting_bank());  // the executor required that bank's signature
      break;
    }
    case pb::TxBody::kTrustDeposit: {
      const pb::TrustDeposit& d = b.trust_deposit();
      m.kind = "trust_deposit";
      m.from = "settlor";
      m.from_name = DisplayName(d.settlor_display_name());
      m.to = "trust:" + d.trust_id();
      m.amount_fen = d.amount_fen();
      auto gift = view.Gift(tx.id);
      if (!gift) throw ledger::StorageError("a committed trust deposit has no gift record");
      Attest(m, gift->attesting_bank());  // the custodian bank, the only signer a deposit takes
      break;
    }
    case pb::TxBody::kTransfer: {
      const pb::Transfer& t = b.transfer();
      m.kind = "transfer";
      m.from = t.from_account();
      m.to = t.to_account();
      m.amount_fen = t.amount_fen();
      m.description = t.purpose();
      m.channel = "ledger_transfer";  // the sender alone signs: never attested
      break;
    }
    case pb::TxBody::kTrustDisbursement: {
      const pb::TrustDisbursement& t = b.trust_disbursement();
      m.kind = "trust_disbursement";
      m.from = "trust:" + t.trust_id();
      m.to = t.to_account();
      m.amount_fen = t.amount_fen();
      m.description = t.purpose();
      auto trust = view.Trust(t.trust_id());
      if (!trust) throw ledger::StorageError("a committed trust disbursement names no trust");
      Attest(m, trust->spec().custodian_bank());  // the rules require its co-signature
      break;
    }
    case pb::TxBody::kSpend: {
      const pb::Spend& s = b.spend();
      m.kind = "spend";
      m.from = s.from_account();
      m.to = std::string("payee:") + PayeeKindKey(s.payee_kind());
      m.to_name = s.payee_name();
      m.amount_fen = s.amount_fen();
      m.category = SpendCategoryKey(s.category());
      m.description = s.description();
      m.beneficiary_count = s.beneficiary_count();
      Attest(m, view.AttestedBy(tx.id));
      break;
    }
    case pb::TxBody::kRefund: {
      const pb::Refund& r = b.refund();
      auto gift = view.Gift(HashFromBytes(r.donation_tx_id()));
      if (!gift) throw ledger::StorageError("a committed refund names no gift");
      m.kind = "refund";
      m.from = gift->account();
      m.to = "donor";
      m.to_name = DisplayName(gift->donor_display_name());
      m.amount_fen = gift->refunded_fen();
      m.description = r.reason();
      Attest(m, view.AttestedBy(tx.id));
      break;
    }
    case pb::TxBody::kCorrection:
      CorrectionMovement(b.correction(), m);
      break;
    default:
      if (!GoodsMovementOf(view, b, m)) return std::nullopt;
  }
  if (m.from.find(':') != std::string::npos && m.from != "donor" && !m.from.starts_with("payee:")) {
    m.from_name = name(m.from);
  }
  if (m.to.starts_with("org:") || m.to.starts_with("project:") || m.to.starts_with("trust:")) m.to_name = name(m.to);
  m.project = ProjectOf(m.from, m.to);
  return m;
}

}  // namespace

Result<ExportPeriod> ParseExportPeriod(const std::string* from, const std::string* to) {
  auto from_day = ParseDate(from, "from");
  if (!from_day.ok()) return from_day.status();
  auto to_day = ParseDate(to, "to");
  if (!to_day.ok()) return to_day.status();
  if (*from_day > *to_day) return Invalid("from must not be after to");
  const auto days_inclusive = (*to_day - *from_day).count() + 1;
  if (days_inclusive > ExportLimits::kMaxPeriodDays) {
    return Invalid("a period may span at most " + std::to_string(ExportLimits::kMaxPeriodDays) +
                   " days; export longer periods in parts");
  }
  ExportPeriod p;
  p.from_date = *from;
  p.to_date = *to;
  p.begin_ms = BeijingMidnightMs(*from_day);
  p.end_ms = BeijingMidnightMs(*to_day + days(1));
  return p;
}

// The first height in [low, high) whose block time is at or after time_ms (high: none), every
// block of the range held. Block times strictly increase (the ledger checks it).
std::uint64_t FirstHeightAtOrAfter(const ledger::ReadView& view, std::uint64_t low, std::uint64_t high,
                                   std::uint64_t time_ms) {
  while (low < high) {
    const std::uint64_t mid = low + (high - low) / 2;
    auto block = view.Block(mid);
    if (!block) throw ledger::StorageError("a block below the head is missing");
    if (block->header().time_ms() >= time_ms) {
      high = mid;
    } else {
      low = mid + 1;
    }
  }
  return low;
}

std::uint64_t BlockTimeMs(const ledger::ReadView& view, std::uint64_t height) {
  auto block = view.Block(height);
  if (!block) throw ledger::StorageError("block " + std::to_string(height) + " is missing");
  return block->header().time_ms();
}

// The first height at or after time_ms. A store restored from a snapshot at height S holds no
// blocks in (backfilled_height, S) (ReadView::NotHeld; it holds block 0, S's header and what the
// backfill stored): the search runs on either side of that gap and a period that starts inside
// it is "not_backfilled", never a guess.
std::uint64_t FirstHeightAtOrAfter(const ledger::ReadView& view, std::uint64_t time_ms) {
  const std::uint64_t end = view.head().height() + 1;
  const std::uint64_t base = view.history_base();
  const std::uint64_t held_below = view.backfilled_height();  // blocks 0 .. held_below are held
  if (base == 0 || !view.NotHeld(held_below + 1)) return FirstHeightAtOrAfter(view, 0, end, time_ms);
  if (BlockTimeMs(view, base) < time_ms) return FirstHeightAtOrAfter(view, base + 1, end, time_ms);
  if (BlockTimeMs(view, held_below) >= time_ms) return FirstHeightAtOrAfter(view, 0, held_below + 1, time_ms);
  if (base == held_below + 1) return base;  // the gap is the snapshot block alone, whose header is held
  throw ledger::NotBackfilled("the period starts in blocks " + std::to_string(held_below + 1) + " .. " +
                              std::to_string(base) + ", below the snapshot this node started from, which it does "
                              "not hold yet; ask a node with the full history");
}

std::uint64_t FirstLeafAtOrAfter(const ledger::ReadView& view, std::uint64_t time_ms) {
  const std::uint64_t height = FirstHeightAtOrAfter(view, time_ms);
  if (height > view.head().height()) return view.head().log_size();
  return view.Block(height)->first_leaf();
}

Result<MovementPage> CollectMovements(const ledger::ReadView& view, Names& names, const ExportScan& scan) {
  // A project's movements are all indexed under its owner (docs/exports.md "Per-project
  // exports"), so its owner's index is read rather than the whole log.
  std::optional<std::string> index = scan.org;
  if (scan.project && !index) {
    auto project = view.Project(*scan.project);
    if (!project) return Status::Error("not_found", "no project has the id '" + *scan.project + "'");
    index = project->spec().owner_org();
  }
  const std::uint64_t first = FirstLeafAtOrAfter(view, scan.period.begin_ms);
  const std::uint64_t end = FirstLeafAtOrAfter(view, scan.period.end_ms);
  std::uint64_t next = first;
  if (scan.cursor) {
    if (*scan.cursor < first || *scan.cursor > end) {
      return Invalid("cursor is outside the period's transactions; start again without a cursor");
    }
    next = *scan.cursor;
  }
  MovementPage page;
  std::size_t scanned = 0;
  auto take = [&](std::uint64_t leaf) {
    auto tx = view.TxByLeaf(leaf);
    if (!tx) throw ledger::StorageError("a log leaf below the log size is missing");
    if (auto m = MovementOf(view, names, *tx)) {
      // Skipped rows still count as scanned: a page's work stays bounded whatever the filter.
      const bool goods = IsGoodsMovement(*m);
      const bool kind_kept = scan.only == ExportOnly::kAll || goods == (scan.only == ExportOnly::kGoods);
      if (kind_kept && (!scan.project || m->project == *scan.project)) page.rows.push_back(std::move(*m));
    }
    ++scanned;
  };
  auto full = [&] { return page.rows.size() >= scan.max_rows || scanned >= scan.max_scanned; };
  if (!index) {
    while (next < end && !full()) take(next++);
    if (next < end) page.next_cursor = next;
    return page;
  }
  while (!full()) {
    const std::vector<std::uint64_t> leaves = view.OrgActivityFrom(*index, next, 256);
    bool done = leaves.size() < 256;
    for (std::uint64_t leaf : leaves) {
      if (leaf >= end) {
        done = true;
        break;
      }
      if (full()) {
        done = false;
        break;
      }
      take(leaf);
      next = leaf + 1;
    }
    if (done) return page;
  }
  // Full: say whether anything of the period follows.
  const std::vector<std::uint64_t> after = view.OrgActivityFrom(*index, next, 1);
  if (!after.empty() && after[0] < end) page.next_cursor = next;
  return page;
}

// ---------------------------------------------------------------- text forms

std::string CleanUtf8(std::string_view text) {
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
        out += kReplacement;
      } else if (c == 0x7F) {
        out += kReplacement;
      } else {
        out.push_back(static_cast<char>(c));
      }
      ++i;
      continue;
    }
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      n = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 4;
      cp = c & 0x07;
    }
    bool ok = n != 0 && i + n <= text.size();
    for (std::size_t k = 1; ok && k < n; ++k) {
      const auto cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xC0) != 0x80) ok = false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms, surrogates, beyond U+10FFFF, and the XML non-characters U+FFFE/U+FFFF.
    if (ok && ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
               (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE || cp == 0xFFFF)) {
      ok = false;
    }
    if (!ok) {
      out += kReplacement;
      ++i;
      continue;
    }
    out.append(text.substr(i, n));
    i += n;
  }
  return out;
}

std::string YuanText(std::int64_t fen) {
  const bool negative = fen < 0;
  const std::uint64_t abs = negative ? 0 - static_cast<std::uint64_t>(fen) : static_cast<std::uint64_t>(fen);
  std::string cents = std::to_string(abs % 100);
  if (cents.size() < 2) cents.insert(0, "0");
  return (negative ? "-" : "") + std::to_string(abs / 100) + "." + cents;
}

std::string CsvField(std::string_view text) {
  const std::string clean = CleanUtf8(text);
  if (clean.find_first_of(",\"\r\n") == std::string::npos) return clean;
  std::string out = "\"";
  for (char c : clean) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string CsvTextField(std::string_view text) {
  const std::string clean = CleanUtf8(text);
  if (clean.empty() || std::string_view("=+-@\t\r").find(clean.front()) == std::string_view::npos) {
    return CsvField(clean);
  }
  // The apostrophe makes the cell text in Excel, LibreOffice and Google Sheets; the quotes keep
  // a leading tab or CR from being trimmed away by an importer.
  std::string out = "\"'";
  for (char c : clean) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string CsvHeader() {
  return "time,height,tx_id,kind,from,to,amount_fen,amount_yuan,project,category,receipt_code,from_name,to_name,"
         "description,item_code,unit,quantity,value_fen,lot,region,region_name,attested,attested_by,channel,beneficiaries\r\n";
}

bool IsGoodsMovement(const Movement& m) { return m.kind.starts_with("goods_"); }

std::string CsvRow(const Movement& m) {
  // Goods rows leave the money columns empty, so that a spreadsheet summing amount_fen never
  // adds a valued amount of goods to cash; money rows leave the goods columns empty.
  const bool goods = IsGoodsMovement(m);
  const std::string fields[] = {BeijingIsoTime(m.time_ms), std::to_string(m.height), Hex(m.id), m.kind, m.from, m.to,
                                goods ? "" : std::to_string(m.amount_fen), goods ? "" : YuanText(m.amount_fen),
                                m.project, m.category, ReceiptCode(m.id), m.from_name, m.to_name, m.description,
                                m.item_code, m.unit, goods ? std::to_string(m.quantity) : "",
                                goods ? std::to_string(m.value_fen) : "", m.lot, m.region, m.region_name,
                                m.attested ? "true" : "false", m.attested_by, m.channel,
                                // proto3 cannot tell an unset count from 0: empty, never an invented 0
                                m.beneficiary_count > 0 ? std::to_string(m.beneficiary_count) : ""};
  // Numbers the node formats (amounts may be negative): plain fields; every other is text.
  constexpr std::size_t kAmountFen = 6, kAmountYuan = 7, kQuantity = 16, kValueFen = 17, kBeneficiaries = 24;
  std::string row;
  for (std::size_t i = 0; i < std::size(fields); ++i) {
    if (i > 0) row += ',';
    const bool number = i == kAmountFen || i == kAmountYuan || i == kQuantity || i == kValueFen || i == kBeneficiaries;
    row += number ? CsvField(fields[i]) : CsvTextField(fields[i]);
  }
  row += "\r\n";
  return row;
}

XmlWriter::XmlWriter() { out_ = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"; }

std::string XmlWriter::Escape(std::string_view text) {
  const std::string clean = CleanUtf8(text);
  std::string out;
  out.reserve(clean.size());
  for (char c : clean) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      case '\r': out += "&#13;"; break;  // kept through attribute-value normalisation
      case '\n': out += "&#10;"; break;
      case '\t': out += "&#9;"; break;
      default: out += c;
    }
  }
  return out;
}

void XmlWriter::Indent() { out_.append(open_.size() * 1, ' '); }

void XmlWriter::Start(std::string_view name, const Attributes& attributes) {
  Indent();
  out_ += '<';
  out_ += name;
  for (const auto& [key, value] : attributes) {
    out_ += ' ';
    out_ += key;
    out_ += "=\"";
    out_ += Escape(value);
    out_ += '"';
  }
}

void XmlWriter::Open(std::string_view name, const Attributes& attributes) {
  Start(name, attributes);
  out_ += ">\n";
  open_.emplace_back(name);
}

void XmlWriter::Close() {
  if (open_.empty()) return;
  const std::string name = std::move(open_.back());
  open_.pop_back();
  Indent();
  out_ += "</" + name + ">\n";
}

void XmlWriter::Empty(std::string_view name, const Attributes& attributes) {
  Start(name, attributes);
  out_ += "/>\n";
}

void XmlWriter::Text(std::string_view name, const Attributes& attributes, std::string_view text) {
  Start(name, attributes);
  out_ += '>';
  out_ += Escape(text);
  out_ += "</";
  out_ += name;
  out_ += ">\n";
}

std::string XmlWriter::Finish() {
  while (!open_.empty()) Close();
  return std::move(out_);
}

std::string IatiOrgRef(std::string_view credit_code) { return "CN-USCC-" + std::string(credit_code); }

namespace {

// IATI OrganisationType codes.
const char* IatiOrgType(pb::OrgKind kind) {
  switch (kind) {
    case pb::ORG_KIND_BUREAU: return "10";  // government
    case pb::ORG_KIND_BANK:
    case pb::ORG_KIND_MERCHANT: return "70";  // private sector
    case pb::ORG_KIND_TRUSTEE: return "60";   // foundation
    default: return "22";                     // national NGO
  }
}

struct Activity {
  std::string identifier;
  std::string reporting_org;  // org id
  std::string title_zh, title_en, description;
  std::string category;  // projects: the sector code (reporting organisation's vocabulary)
  std::uint64_t start_ms = 0, planned_start_ms = 0, planned_end_ms = 0, end_ms = 0;
  bool closed = false;
};

struct Txn {
  const Movement* m = nullptr;
  int type = 1;        // 1 incoming funds, 3 disbursement, 4 expenditure
  bool negate = false;  // refunds: incoming funds returned
  std::string other_account;  // the counterparty account, if any
};

class IatiBuilder {
 public:
  explicit IatiBuilder(const ledger::ReadView& view) : view_(view) {}

  // The activity an account's money belongs to (nullopt for an unknown account).
  const Activity* For(const std::string& account) {
    auto it = activities_.find(account);
    if (it != activities_.end()) return &it->second;
    Activity a;
    if (account.starts_with("project:")) {
      auto p = view_.Project(account.substr(8));
      if (!p) return nullptr;
      a.reporting_org = p->spec().owner_org();
      a.identifier = Ref(a.reporting_org) + "-project-" + p->spec().project_id();
      a.title_zh = p->spec().name_zh();
      a.title_en = p->spec().name_en();
      a.description = p->spec().description().empty() ? p->spec().region() : p->spec().description();
      a.category = p->spec().category();
      a.start_ms = p->opened_time_ms();
      a.planned_start_ms = p->spec().starts_at_ms();
      a.planned_end_ms = p->spec().ends_at_ms();
      a.closed = p->closed();
      a.end_ms = p->closed_time_ms();
    } else if (account.starts_with("trust:")) {
      auto t = view_.Trust(account.substr(6));
      if (!t) return nullptr;
      a.reporting_org = t->spec().trustee_org();
      a.identifier = Ref(a.reporting_org) + "-trust-" + t->spec().trust_id();
      a.title_zh = t->spec().name_zh();
      a.title_en = t->spec().name_en();
      a.description = t->spec().purpose();
      a.start_ms = t->opened_time_ms();
      a.planned_end_ms = t->spec().term_ends_at_ms();
    } else if (account.starts_with("org:")) {
      auto o = view_.Org(account.substr(4));
      if (!o) return nullptr;
      a.reporting_org = o->org_id();
      a.identifier = Ref(a.reporting_org) + "-general-fund";
      a.title_zh = o->name_zh() + " 非限定性资金";
      a.title_en = o->name_en() + " general fund";
      a.description = "Unrestricted money of the organisation (org: account)";
      // The schema requires an activity date: the general fund starts when the organisation was
      // registered (genesis organisations: the genesis time).
      a.start_ms = RegisteredTimeMs(*o);
    } else {
      return nullptr;
    }
    order_.push_back(account);
    return &activities_.emplace(account, std::move(a)).first->second;
  }

  std::uint64_t RegisteredTimeMs(const pb::OrgRecord& org) {
    if (org.registered_height() == 0) return view_.genesis().genesis_time_ms;
    auto block = view_.Block(org.registered_height());
    if (!block) throw ledger::StorageError("the block that registered " + org.org_id() + " is missing");
    return block->header().time_ms();
  }

  void Add(const std::string& account, Txn txn) {
    if (For(account) == nullptr) return;
    txns_[account].push_back(std::move(txn));
  }

  std::string Ref(const std::string& org_id) { return OrgInfo(org_id).first; }

  // (ref, OrgRecord) with the ref derived from the credit code.
  std::pair<std::string, pb::OrgRecord> OrgInfo(const std::string& org_id) {
    auto it = orgs_.find(org_id);
    if (it != orgs_.end()) return it->second;
    pb::OrgRecord rec = view_.Org(org_id).value_or(pb::OrgRecord());
    std::pair<std::string, pb::OrgRecord> info{IatiOrgRef(rec.credit_code().empty() ? org_id : rec.credit_code()),
                                               rec};
    return orgs_.emplace(org_id, info).first->second;
  }

  void OrgElement(XmlWriter& w, std::string_view element, const std::string& account, XmlWriter::Attributes extra) {
    const Activity* a = For(account);
    if (a == nullptr) return;
    auto [ref, rec] = OrgInfo(a->reporting_org);
    XmlWriter::Attributes attributes{{"ref", ref}, {"type", IatiOrgType(rec.kind())}};
    for (auto& e : extra) attributes.push_back(std::move(e));
    w.Open(element, attributes);
    w.Text("narrative", {}, rec.name_zh());
    if (!rec.name_en().empty()) w.Text("narrative", {{"xml:lang", "en"}}, rec.name_en());
    w.Close();
  }

  std::optional<std::string> Write(const std::optional<std::string>& only_org, const std::optional<std::string>& project) {
    XmlWriter w;
    std::size_t written = 0;
    const std::string now = BeijingIsoTime(view_.head().time_ms()).substr(0, 19) + "+08:00";
    w.Open("iati-activities", {{"version", "2.03"}, {"generated-datetime", now}});
    for (const std::string& account : order_) {
      const Activity& a = activities_.at(account);
      if (only_org && a.reporting_org != *only_org) continue;
      if (project && account != "project:" + *project) continue;
      auto txns = txns_.find(account);
      if (txns == txns_.end()) continue;
      ++written;
      w.Open("iati-activity", {{"last-updated-datetime", now},
                               {"xml:lang", "zh"},
                               {"default-currency", "CNY"},
                               {"hierarchy", "1"}});
      w.Text("iati-identifier", {}, a.identifier);
      OrgElement(w, "reporting-org", account, {});
      w.Open("title");
      w.Text("narrative", {}, a.title_zh);
      if (!a.title_en.empty()) w.Text("narrative", {{"xml:lang", "en"}}, a.title_en);
      w.Close();
      if (!a.description.empty()) {
        w.Open("description", {{"type", "1"}});
        w.Text("narrative", {}, a.description);
        w.Close();
      }
      OrgElement(w, "participating-org", account, {{"role", "4"}});  // implementing
      w.Empty("activity-status", {{"code", a.closed ? "4" : "2"}});  // closed / implementation
      if (a.planned_start_ms) w.Empty("activity-date", {{"iso-date", BeijingIsoDate(a.planned_start_ms)}, {"type", "1"}});
      if (a.start_ms) w.Empty("activity-date", {{"iso-date", BeijingIsoDate(a.start_ms)}, {"type", "2"}});
      if (a.planned_end_ms) w.Empty("activity-date", {{"iso-date", BeijingIsoDate(a.planned_end_ms)}, {"type", "3"}});
      if (a.closed) w.Empty("activity-date", {{"iso-date", BeijingIsoDate(a.end_ms)}, {"type", "4"}});
      w.Empty("recipient-country", {{"code", "CN"}, {"percentage", "100"}});
      if (!a.category.empty()) w.Empty("sector", {{"vocabulary", "99"}, {"code", a.category}});
      for (const Txn& t : txns->second) WriteTxn(w, account, a, t);
      w.Close();
    }
    if (written == 0) return std::nullopt;
    return w.Finish();
  }

 private:
  void WriteTxn(XmlWriter& w, const std::string& account, const Activity& a, const Txn& t) {
    const Movement& m = *t.m;
    const std::string date = BeijingIsoDate(m.time_ms);
    w.Open("transaction", {{"ref", Hex(m.id)}});
    w.Empty("transaction-type", {{"code", std::to_string(t.type)}});
    w.Empty("transaction-date", {{"iso-date", date}});
    const bool in_kind = IsGoodsMovement(m);
    // Goods are reported at their valued amount, marked in kind (disbursement-channel below).
    const std::int64_t fen = in_kind ? m.value_fen : m.amount_fen;
    w.Text("value", {{"currency", "CNY"}, {"value-date", date}}, YuanText(t.negate ? -fen : fen));
    std::string description = m.kind + " " + ReceiptCode(m.id);
    if (in_kind) description += GoodsDescription(m);
    if (!m.description.empty()) description += ": " + m.description;
    w.Open("description");
    w.Text("narrative", {}, description);
    w.Close();
    auto named = [&](std::string_view element, const std::string& name) {
      w.Open(element);
      w.Text("narrative", {}, name);
      w.Close();
    };
    auto linked = [&](std::string_view element, const std::string& other, const char* activity_attribute) {
      const Activity* o = For(other);
      if (o == nullptr) return named(element, other);
      OrgElement(w, element, other, {{activity_attribute, o->identifier}});
    };
    if (m.kind == "donation" || m.kind == "trust_deposit" || m.kind == "goods_donation") {
      named("provider-org", m.from_name);
      OrgElement(w, "receiver-org", account, {{"receiver-activity-id", a.identifier}});
    } else if (m.kind == "refund") {
      named("provider-org", m.to_name);  // the donor whose gift is returned
      OrgElement(w, "receiver-org", account, {{"receiver-activity-id", a.identifier}});
    } else if (m.kind == "goods_distribution") {
      OrgElement(w, "provider-org", account, {{"provider-activity-id", a.identifier}});
      named("receiver-org", m.to_name + " (" + m.region + " " + m.region_name + ")");
    } else if (m.kind == "spend") {
      OrgElement(w, "provider-org", account, {{"provider-activity-id", a.identifier}});
      named("receiver-org", !m.to_name.empty() ? m.to_name
                                               : std::to_string(m.beneficiary_count) + " 名受益人 / beneficiaries");
    } else if (m.kind == "correction" && m.from.starts_with("payee:")) {  // a spend reversed: the spend, negated
      OrgElement(w, "provider-org", account, {{"provider-activity-id", a.identifier}});
      named("receiver-org", !m.from_name.empty() ? m.from_name : "受益人 / beneficiaries");
    } else if (m.kind == "correction" && m.to == "donor") {  // a gift withdrawn: the gift, negated
      named("provider-org", m.to_name);
      OrgElement(w, "receiver-org", account, {{"receiver-activity-id", a.identifier}});
    } else if (t.type == 3) {  // transfer or trust disbursement, sending side
      OrgElement(w, "provider-org", account, {{"provider-activity-id", a.identifier}});
      linked("receiver-org", t.other_account, "receiver-activity-id");
    } else {  // receiving side
      linked("provider-org", t.other_account, "provider-activity-id");
      OrgElement(w, "receiver-org", account, {{"receiver-activity-id", a.identifier}});
    }
    // IATI's DisbursementChannel codelist is where 2.03 records aid in kind: 3 for goods a donor
    // hands to an organisation to pass on, 4 for goods the organisation hands out itself.
    if (in_kind) w.Empty("disbursement-channel", {{"code", m.kind == "goods_donation" ? "3" : "4"}});
    w.Close();
  }

  static std::string GoodsDescription(const Movement& m) {
    std::string out = " (in kind): " + std::to_string(m.quantity) + " " + m.unit + " " + m.item_code;
    if (!m.lot.empty()) out += ", lot " + m.lot;
    return out;
  }

  const ledger::ReadView& view_;
  std::map<std::string, Activity> activities_;
  std::vector<std::string> order_;  // activities in first-seen order
  std::map<std::string, std::vector<Txn>> txns_;
  std::map<std::string, std::pair<std::string, pb::OrgRecord>> orgs_;
};

}  // namespace

std::optional<std::string> IatiXml(const ledger::ReadView& view, const std::vector<Movement>& rows,
                                   const std::optional<std::string>& org, const std::optional<std::string>& project) {
  IatiBuilder b(view);
  for (const Movement& m : rows) {
    if (m.kind == "donation" || m.kind == "trust_deposit" || m.kind == "goods_donation") {
      b.Add(m.to, Txn{&m, 1, false, ""});
    } else if (m.kind == "goods_distribution") {  // goods handed out: expenditure, in kind
      b.Add(m.from, Txn{&m, 4, false, ""});
    } else if (m.kind == "refund") {
      b.Add(m.from, Txn{&m, 1, true, ""});
    } else if (m.kind == "spend") {
      b.Add(m.from, Txn{&m, 4, false, ""});
    } else if (m.kind == "correction") {  // the reversed movement, with negated values (IATI's reversals)
      if (m.from.starts_with("payee:")) {
        b.Add(m.to, Txn{&m, 4, true, ""});
      } else if (m.to == "donor") {
        b.Add(m.from, Txn{&m, 1, true, ""});
      } else {
        b.Add(m.to, Txn{&m, 3, true, m.from});
        b.Add(m.from, Txn{&m, 1, true, m.to});
      }
    } else {  // transfer, trust_disbursement: both sides report
      b.Add(m.from, Txn{&m, 3, false, m.to});
      b.Add(m.to, Txn{&m, 1, false, m.from});
    }
  }
  return b.Write(org, project);
}

}  // namespace shanliu::api::internal
