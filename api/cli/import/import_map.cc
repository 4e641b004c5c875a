#include "import_map.h"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <chrono>
#include <fstream>
#include <sstream>

#include "amount.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/hash.h"

namespace shanliu::cli::import {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxMapBytes = 64 * 1024;
constexpr std::size_t kMinSaltBytes = 16;
constexpr std::size_t kMaxSaltBytes = 1024;
constexpr std::size_t kMaxKeyBytes = 128;  // a bank reference or voucher number
constexpr std::int64_t kBeijingOffsetMs = 8 * 3'600'000;

Status InvalidMap(const std::string& why) { return Status::Error("invalid_map", "mapping file: " + why); }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

const ImportField* FindField(ImportKind kind, std::string_view name) {
  for (const ImportField& f : ImportFields(kind)) {
    if (name == f.name) return &f;
  }
  return nullptr;
}

// Reads "columns" or "values": an object of field name -> non-empty string.
Status ReadSources(const json& j, const char* key, ImportMap& map) {
  if (!j.contains(key)) return Status::Ok();
  const json& obj = j[key];
  if (!obj.is_object()) return InvalidMap(std::string("\"") + key + "\" must be an object");
  for (const auto& [name, source] : obj.items()) {
    if (FindField(map.kind, name) == nullptr) {
      return InvalidMap(std::string(key) + "." + name + " is not a field of " + ImportKindName(map.kind) + " imports");
    }
    if (!source.is_string() || Trim(source.get<std::string>()).empty()) {
      return InvalidMap(std::string(key) + "." + name + " must be a non-empty string");
    }
    if (map.fields.count(name)) return InvalidMap(name + " is given both as a column and as a value");
    FieldSource& f = map.fields[name];
    f.from_column = std::string_view(key) == "columns";
    (f.from_column ? f.column : f.value) = std::string(Trim(source.get<std::string>()));
  }
  return Status::Ok();
}

std::string Value(const ImportMap& map, const CsvRecord& record, const char* field) {
  auto it = map.fields.find(field);
  if (it == map.fields.end()) return "";
  if (!it->second.from_column) return it->second.value;
  const std::size_t i = it->second.index;
  return i < record.fields.size() ? std::string(Trim(record.fields[i])) : std::string();
}

std::string HexSha256(std::string_view text) { return crypto::ToHex(crypto::Sha256(AsBytes(text))); }

// A reference that identifies a bank movement or an accounting row: printable ASCII or any
// UTF-8 text without control characters, at most kMaxKeyBytes.
Status CheckKey(const std::string& key, const char* field) {
  if (key.empty()) return Status::Error("missing_value", std::string(field) + " is empty");
  if (key.size() > kMaxKeyBytes) {
    return Status::Error("bad_value", std::string(field) + " is longer than " + std::to_string(kMaxKeyBytes) + " bytes");
  }
  for (unsigned char c : key) {
    if (c < 0x20 || c == 0x7F) return Status::Error("bad_value", std::string(field) + " holds a control character");
  }
  return Status::Ok();
}

Result<json> DonationPayload(const ImportMap& map, const CsvRecord& record, ByteView salt, ImportRow& row) {
  assert(salt.size() >= kMinSaltBytes);
  json p = json::object();
  auto fen = ParseYuanToFen(Value(map, record, "amount_yuan"));
  if (!fen.ok()) return fen.status();
  p["amount_fen"] = *fen;
  row.key = Value(map, record, "bank_ref");
  SHANLIU_RETURN_IF_ERROR(CheckKey(row.key, "bank_ref"));
  p["bank_ref_hash"] = HexSha256(row.key);
  const std::string donor_id = Value(map, record, "donor_id");
  if (donor_id.empty()) return Status::Error("missing_value", "donor_id is empty");
  Bytes salted(salt.begin(), salt.end());
  salted.insert(salted.end(), donor_id.begin(), donor_id.end());
  p["donor_ref"] = crypto::ToHex(crypto::Sha256(salted));
  for (const char* field : {"to_account", "attesting_bank"}) {
    const std::string v = Value(map, record, field);
    if (v.empty()) return Status::Error("missing_value", std::string(field) + " is empty");
    p[field] = v;
  }
  const std::string channel = Value(map, record, "channel");
  p["channel"] = channel.empty() ? "bank_transfer" : channel;
  if (auto holder = Value(map, record, "points_holder"); !holder.empty()) p["points_holder"] = holder;
  if (auto receipt = Value(map, record, "receipt_number"); !receipt.empty()) {
    SHANLIU_RETURN_IF_ERROR(CheckKey(receipt, "receipt_number"));
    p["receipt_number_hash"] = HexSha256(receipt);
  }
  if (auto name = Value(map, record, "donor_display_name"); !name.empty()) p["donor_display_name"] = name;
  if (auto memo = Value(map, record, "memo"); !memo.empty()) p["memo"] = memo;
  return p;
}

Result<json> SpendPayload(const ImportMap& map, const CsvRecord& record, ImportRow& row) {
  json p = json::object();
  row.key = Value(map, record, "row_key");
  SHANLIU_RETURN_IF_ERROR(CheckKey(row.key, "row_key"));
  auto fen = ParseYuanToFen(Value(map, record, "amount_yuan"));
  if (!fen.ok()) return fen.status();
  p["amount_fen"] = *fen;
  for (const char* field : {"from_account", "category", "payee_kind"}) {
    const std::string v = Value(map, record, field);
    if (v.empty()) return Status::Error("missing_value", std::string(field) + " is empty");
    p[field] = v;
  }
  if (auto payee = Value(map, record, "payee_name"); !payee.empty()) p["payee_name"] = payee;
  if (auto count = Value(map, record, "beneficiary_count"); !count.empty()) {
    std::uint32_t n = 0;
    auto [end, ec] = std::from_chars(count.data(), count.data() + count.size(), n);
    if (ec != std::errc() || end != count.data() + count.size()) {
      return Status::Error("bad_value", "beneficiary_count '" + count + "' is not a whole number up to 4294967295");
    }
    p["beneficiary_count"] = n;
  }
  if (auto invoice = Value(map, record, "invoice_number"); !invoice.empty()) {
    SHANLIU_RETURN_IF_ERROR(CheckKey(invoice, "invoice_number"));
    p["invoice_hash"] = HexSha256(invoice);
  }
  if (auto text = Value(map, record, "description"); !text.empty()) p["description"] = text;
  return p;
}

}  // namespace

const char* ImportKindName(ImportKind kind) { return kind == ImportKind::kDonations ? "donations" : "spends"; }

const std::vector<ImportField>& ImportFields(ImportKind kind) {
  static const std::vector<ImportField> donations = {
      {"amount_yuan", true, "amount in yuan, at most two decimals"},
      {"bank_ref", true, "the bank's transaction reference (its SHA-256 becomes bank_ref_hash)"},
      {"donor_id", true, "the organisation's donor id (SHA-256(salt || id) becomes donor_ref)"},
      {"to_account", true, "org:<id> or project:<id>"},
      {"attesting_bank", true, "the bank's organisation id (the --bank-key's organisation)"},
      {"date", false, "value date, YYYY-MM-DD, YYYY/MM/DD or YYYYMMDD (checked and reported)"},
      {"channel", false, "bank_transfer (default), online_platform, mobile_payment, cash, ..."},
      {"points_holder", false, "64-hex Ed25519 key that earns charity points"},
      {"receipt_number", false, "e-receipt (电子票据) number (its SHA-256 becomes receipt_number_hash)"},
      {"donor_display_name", false, "name the donor chose; empty is anonymous"},
      {"memo", false, "free text"},
  };
  static const std::vector<ImportField> spends = {
      {"row_key", true, "the row's unique key in the accounting system (voucher number, 凭证号)"},
      {"amount_yuan", true, "amount in yuan, at most two decimals"},
      {"from_account", true, "org:<id> or project:<id>"},
      {"category", true, "material, cash_aid, service, admin or other"},
      {"payee_kind", true, "vendor, individuals or organisation"},
      {"date", true, "the day it occurred (occurred_at_ms = 00:00 Beijing time)"},
      {"payee_name", false, "vendor or organisation name (empty for individuals)"},
      {"beneficiary_count", false, "whole number"},
      {"invoice_number", false, "invoice (发票) number (its SHA-256 becomes invoice_hash)"},
      {"description", false, "free text"},
  };
  return kind == ImportKind::kDonations ? donations : spends;
}

Result<ImportMap> ParseImportMap(std::string_view json_text, ImportKind expected,
                                 const std::filesystem::path& map_directory) {
  if (json_text.size() > kMaxMapBytes) return InvalidMap("larger than 64 KiB");
  json j = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return InvalidMap("not a JSON object");
  for (const auto& [key, value] : j.items()) {
    if (key != "kind" && key != "columns" && key != "values" && key != "donor_salt_file") {
      return InvalidMap("unknown key \"" + key + "\" (kind, columns, values, donor_salt_file)");
    }
  }
  ImportMap map;
  map.kind = expected;
  if (!j.contains("kind") || !j["kind"].is_string()) return InvalidMap("\"kind\" must be \"donations\" or \"spends\"");
  const std::string kind = j["kind"].get<std::string>();
  if (kind != ImportKindName(expected)) {
    return InvalidMap("this map is for \"" + kind + "\", not " + ImportKindName(expected));
  }
  SHANLIU_RETURN_IF_ERROR(ReadSources(j, "columns", map));
  SHANLIU_RETURN_IF_ERROR(ReadSources(j, "values", map));
  for (const ImportField& f : ImportFields(expected)) {
    if (f.required && !map.fields.count(f.name)) {
      return InvalidMap(std::string("field ") + f.name + " (" + f.meaning + ") is not mapped");
    }
  }
  if (expected == ImportKind::kDonations) {
    if (!j.contains("donor_salt_file") || !j["donor_salt_file"].is_string() ||
        j["donor_salt_file"].get<std::string>().empty()) {
      return InvalidMap("\"donor_salt_file\" (the organisation's donor-ref salt) is required for donations");
    }
    map.donor_salt_file = map_directory / j["donor_salt_file"].get<std::string>();
  } else if (j.contains("donor_salt_file")) {
    return InvalidMap("\"donor_salt_file\" applies to donations only");
  }
  return map;
}

Status BindColumns(ImportMap& map, const std::vector<std::string>& header) {
  for (auto& [name, source] : map.fields) {
    if (!source.from_column) continue;
    std::size_t found = header.size();
    for (std::size_t i = 0; i < header.size(); ++i) {
      if (Trim(header[i]) != source.column) continue;
      if (found != header.size()) return InvalidMap("column \"" + source.column + "\" appears twice in the header");
      found = i;
    }
    if (found == header.size()) {
      return InvalidMap("column \"" + source.column + "\" (for " + name + ") is not in the file's header row");
    }
    source.index = found;
  }
  return Status::Ok();
}

Result<Bytes> ReadSaltFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return InvalidMap("cannot read the donor salt file " + path.string());
  std::ostringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  if (text.size() < kMinSaltBytes || text.size() > kMaxSaltBytes) {
    return InvalidMap("the donor salt file " + path.string() + " must hold 16 to 1024 bytes");
  }
  return Bytes(text.begin(), text.end());
}

Result<ImportRow> BuildRow(const ImportMap& map, const CsvRecord& record, std::size_t row, ByteView salt) {
  ImportRow out;
  out.row = row;
  out.line = record.line;
  std::uint64_t occurred_at_ms = 0;
  if (map.fields.count("date")) {
    auto date = ParseImportDate(Value(map, record, "date"));
    if (!date.ok()) return date.status();
    out.date = date->iso;
    occurred_at_ms = date->beijing_midnight_ms;
  }
  auto payload = map.kind == ImportKind::kDonations ? DonationPayload(map, record, salt, out)
                                                    : SpendPayload(map, record, out);
  if (!payload.ok()) return payload.status();
  if (map.kind == ImportKind::kSpends) (*payload)["occurred_at_ms"] = occurred_at_ms;
  out.payload = std::move(*payload);
  return out;
}

Result<ImportDate> ParseImportDate(std::string_view text) {
  const std::string t(Trim(text));
  std::string digits;
  if (t.size() == 10 && (t[4] == '-' || t[4] == '/') && t[7] == t[4]) {
    digits = t.substr(0, 4) + t.substr(5, 2) + t.substr(8, 2);
  } else if (t.size() == 8) {
    digits = t;
  } else {
    return Status::Error("bad_date", "date '" + t + "' is not YYYY-MM-DD, YYYY/MM/DD or YYYYMMDD");
  }
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return Status::Error("bad_date", "date '" + t + "' is not YYYY-MM-DD, YYYY/MM/DD or YYYYMMDD");
  }
  const int year = std::stoi(digits.substr(0, 4));
  const unsigned month = static_cast<unsigned>(std::stoi(digits.substr(4, 2)));
  const unsigned day = static_cast<unsigned>(std::stoi(digits.substr(6, 2)));
  const std::chrono::year_month_day ymd{std::chrono::year(year), std::chrono::month(month), std::chrono::day(day)};
  if (year < 2000 || year > 2099 || !ymd.ok()) return Status::Error("bad_date", "date '" + t + "' is not a real day");
  const std::int64_t utc_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::sys_days(ymd).time_since_epoch()).count();
  const std::string iso = digits.substr(0, 4) + "-" + digits.substr(4, 2) + "-" + digits.substr(6, 2);
  return ImportDate{iso, static_cast<std::uint64_t>(utc_ms - kBeijingOffsetMs)};
}

}  // namespace shanliu::cli::import
