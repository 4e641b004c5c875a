// shanliu import: a bank statement (donations) or a charity's accounting export (spends) from
// CSV to the ledger, idempotently (docs/cli.md "import", docs/decisions.md).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "commands.h"
#include "format.h"
#include "idempotent.h"
#include "import/csv.h"
#include "import/import_map.h"
#include "import/text_encoding.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/hash.h"
#include "shanliu/ledger/json.h"
#include "tx_sign.h"

namespace shanliu::cli {
namespace {

namespace fs = std::filesystem;
using import::ImportKind;
using import::ImportRow;

constexpr std::uintmax_t kMaxFileBytes = 256ull << 20;
constexpr std::size_t kErrorsShown = 20;
constexpr unsigned kImportWaitMs = 600'000;

struct RowError {
  std::size_t row = 0;
  std::size_t line = 0;
  Status error;
};

struct Loaded {
  std::vector<ImportRow> rows;
  std::vector<pb::TxBody> bodies;  // one per row: the payload only
  std::vector<RowError> errors;
  std::size_t data_rows = 0;
  std::int64_t total_fen = 0;
  import::Encoding encoding{};
};

Result<std::string> ReadFile(const fs::path& path, std::uintmax_t max_bytes) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) return Status::Error("usage", "cannot read " + path.string() + ": " + ec.message());
  if (size > max_bytes) return Status::Error("too_large", path.string() + " is larger than " + std::to_string(max_bytes >> 20) + " MiB");
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (!in && !in.eof()) return Status::Error("io_error", "cannot read " + path.string());
  return buffer.str();
}

// Stateless rules (limits, ids, personal data, control characters) checked by decoding a
// signed copy exactly as a node will, so they show with the row number before anything is sent.
Status CheckStateless(pb::TxBody body, const crypto::KeyPair& key) {
  body.set_chain_id("import-check");
  body.set_nonce(1);
  body.set_created_at_ms(1);
  body.set_expires_at_height(1);
  body.set_expires_at_ms(1);
  auto tx = SignTx(body, {&key});
  return tx.ok() ? Status::Ok() : tx.status();
}

Status ToBody(ImportKind kind, const ImportRow& row, pb::TxBody& body) {
  google::protobuf::Message* payload =
      kind == ImportKind::kDonations ? static_cast<google::protobuf::Message*>(body.mutable_donation())
                                     : static_cast<google::protobuf::Message*>(body.mutable_spend());
  Status s = ledger::JsonToMessage(row.payload, payload);
  return s.ok() ? s : Status::Error("bad_value", s.message());
}

// Reads, decodes and checks every row; rows with errors are left out of `rows`.
Result<Loaded> LoadRows(ImportKind kind, const Args& args, const crypto::KeyPair& key) {
  const fs::path map_path = *args.Get("map");
  auto map_text = ReadFile(map_path, 64 * 1024);
  if (!map_text.ok()) return map_text.status();
  auto map = import::ParseImportMap(*map_text, kind, map_path.parent_path());
  if (!map.ok()) return map.status();
  Bytes salt;
  if (kind == ImportKind::kDonations) {
    auto read = import::ReadSaltFile(map->donor_salt_file);
    if (!read.ok()) return read.status();
    salt = std::move(*read);
  }
  auto encoding = import::ParseEncoding(args.Get("encoding").value_or("auto"));
  if (!encoding.ok()) return encoding.status();
  auto bytes = ReadFile(args.positional[1], kMaxFileBytes);
  if (!bytes.ok()) return bytes.status();
  auto text = import::DecodeToUtf8(*bytes, *encoding);
  if (!text.ok()) return text.status();
  auto records = import::ParseCsv(text->utf8);
  if (!records.ok()) return records.status();
  if (records->empty()) return Status::Error("invalid_csv", "the file has no header row");
  SHANLIU_RETURN_IF_ERROR(import::BindColumns(*map, records->front().fields));
  Loaded out;
  out.encoding = text->encoding;
  out.data_rows = records->size() - 1;
  std::map<std::string, std::size_t> first_row_of_key;
  for (std::size_t r = 1; r < records->size(); ++r) {
    const import::CsvRecord& record = (*records)[r];
    auto row = import::BuildRow(*map, record, r, salt);
    pb::TxBody body;
    Status s = row.ok() ? ToBody(kind, *row, body) : row.status();
    if (s.ok()) s = CheckStateless(body, key);
    if (s.ok()) {
      auto [it, inserted] = first_row_of_key.emplace(row->key, r);
      if (!inserted) {
        s = Status::Error("duplicate_row", std::string(kind == ImportKind::kDonations ? "bank_ref" : "row_key") +
                                               " '" + row->key + "' is also in row " + std::to_string(it->second));
      }
    }
    if (!s.ok()) {
      out.errors.push_back({r, record.line, s});
      continue;
    }
    out.total_fen += row->payload["amount_fen"].get<std::int64_t>();
    out.rows.push_back(std::move(*row));
    out.bodies.push_back(std::move(body));
  }
  return out;
}

// The account a row books against and, for donations, the attesting bank (whose key signs).
std::vector<std::pair<std::string, std::string>> NamedOf(ImportKind kind, const pb::TxBody& body) {
  if (kind == ImportKind::kDonations) {
    return {{"account", body.donation().to_account()}, {"org", body.donation().attesting_bank()}};
  }
  const std::string& from = body.spend().from_account();
  // A spend from an organisation's own account is signed with that organisation's key; a
  // project's owner is left to the node (wrong_signer per row).
  if (from.starts_with("org:")) return {{"account", from}, {"org", from.substr(4)}};
  return {{"account", from}};
}

// Unknown organisations and projects, asked of the node once per distinct name.
Status CheckNames(const NodeClient& node, ImportKind kind, const crypto::PublicKey& signer, Loaded& loaded) {
  std::map<std::string, Status> known;  // "org:x" / "project:y" -> Ok or the typed error
  const std::string signer_hex = crypto::ToHex(signer);
  // Returns a failure to reach the node; `verdict` is Ok or the row's typed error. "signer:<org>"
  // also checks that the signing key is one of the organisation's current keys, so a wrong
  // --bank-key fails here once instead of as wrong_signer on every row.
  auto lookup = [&](const std::string& name, Status& verdict) -> Status {
    if (auto it = known.find(name); it != known.end()) {
      verdict = it->second;
      return Status::Ok();
    }
    const bool project = name.starts_with("project:");
    const bool signer_check = name.starts_with("signer:");
    const std::string id = name.substr(name.find(':') + 1);
    auto answer = node.GetJson(std::string(project ? "/v1/projects/" : "/v1/orgs/") + id + "?limit=1");
    if (!answer.ok() && answer.status().code() != "not_found") return answer.status();
    verdict = answer.ok() ? Status::Ok()
                          : Status::Error(project ? "unknown_project" : "unknown_org",
                                          std::string(project ? "project '" : "organisation '") + id +
                                              "' is not on the ledger");
    if (verdict.ok() && signer_check) {
      const nlohmann::json keys = (*answer).contains("org") ? (*answer)["org"].value("public_keys", nlohmann::json::array())
                                                            : nlohmann::json::array();
      if (std::find(keys.begin(), keys.end(), signer_hex) == keys.end()) {
        verdict = Status::Error("wrong_signer", "the signing key " + signer_hex.substr(0, 16) + "… is not a key of '" +
                                                    id + "'");
      }
    }
    known.emplace(name, verdict);
    return Status::Ok();
  };
  std::vector<ImportRow> rows;
  std::vector<pb::TxBody> bodies;
  for (std::size_t i = 0; i < loaded.rows.size(); ++i) {
    Status bad = Status::Ok();
    for (const auto& [what, value] : NamedOf(kind, loaded.bodies[i])) {
      if (what == "account" && !value.starts_with("org:") && !value.starts_with("project:")) continue;
      Status verdict = Status::Ok();
      SHANLIU_RETURN_IF_ERROR(lookup(what == "org" ? "signer:" + value : value, verdict));
      if (!verdict.ok()) bad = verdict;
    }
    if (!bad.ok()) {
      loaded.errors.push_back({loaded.rows[i].row, loaded.rows[i].line, bad});
      loaded.total_fen -= loaded.bodies[i].has_donation() ? loaded.bodies[i].donation().amount_fen()
                                                          : loaded.bodies[i].spend().amount_fen();
      continue;
    }
    rows.push_back(std::move(loaded.rows[i]));
    bodies.push_back(std::move(loaded.bodies[i]));
  }
  loaded.rows = std::move(rows);
  loaded.bodies = std::move(bodies);
  std::sort(loaded.errors.begin(), loaded.errors.end(), [](const RowError& a, const RowError& b) { return a.row < b.row; });
  return Status::Ok();
}

void PrintErrors(const std::vector<RowError>& errors) {
  for (std::size_t i = 0; i < errors.size() && i < kErrorsShown; ++i) {
    const RowError& e = errors[i];
    std::cerr << "row " << e.row << " (line " << e.line << "): " << e.error.message() << " [" << e.error.code() << "]\n";
  }
  if (errors.size() > kErrorsShown) std::cerr << "... and " << errors.size() - kErrorsShown << " more rows with errors\n";
}

std::string RowKey(ImportKind kind, const pb::TxBody& body, const std::string& key) {
  const std::string scope = kind == ImportKind::kDonations ? body.donation().attesting_bank() : body.spend().from_account();
  return std::string("import/") + import::ImportKindName(kind) + "/" + scope + "/" +
         crypto::ToHex(crypto::Sha256(AsBytes(key)));
}

std::string StatusOf(const IdempotentResult& r) {
  if (r.outcome == Outcome::kCommitted && r.committed_before) return "already_imported";
  return OutcomeName(r.outcome);
}

Status WriteResult(const fs::path& path, const Loaded& loaded, const std::vector<IdempotentResult>& results) {
  using import::CsvField;
  std::vector<std::pair<std::size_t, std::string>> lines;  // row -> line, sorted by row at the end
  for (const RowError& e : loaded.errors) {
    lines.emplace_back(e.row, std::to_string(e.row) + "," + std::to_string(e.line) + ",,invalid,," +
                                  CsvField(e.error.code()) + "," + CsvField(e.error.message()));
  }
  for (std::size_t i = 0; i < results.size(); ++i) {
    const ImportRow& row = loaded.rows[i];
    const IdempotentResult& r = results[i];
    const bool has_id = r.outcome != Outcome::kRejected || r.tx_id != Hash256{};
    // A row already on the ledger is not an error: its tx id says where it is.
    const Status shown = r.outcome == Outcome::kAlreadyBooked ? Status::Ok() : r.error;
    lines.emplace_back(row.row, std::to_string(row.row) + "," + std::to_string(row.line) + "," + CsvField(row.key) +
                                    "," + StatusOf(r) + "," + (has_id ? crypto::ToHex(r.tx_id) : "") + "," +
                                    CsvField(shown.code()) + "," + CsvField(shown.ok() ? "" : shown.message()));
  }
  std::sort(lines.begin(), lines.end());
  const fs::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << "row,line,key,status,tx_id,error_code,error_message\n";
    for (const auto& [row, line] : lines) out << line << "\n";
    if (!out) return Status::Error("io_error", "cannot write " + tmp.string());
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) return Status::Error("io_error", "cannot write " + path.string() + ": " + ec.message());
  return Status::Ok();
}

}  // namespace

const char kImportUsage[] = R"(usage: shanliu import donations FILE.csv --bank-key KEY --map MAP.json [options]
       shanliu import spends FILE.csv --key KEY --map MAP.json [options]

Books every row of a bank statement (donations, signed by the attesting bank) or of a charity's
accounting export (spends, signed by the paying organisation). Every row is checked first; a
real run submits nothing unless every row is valid. Running the same file again books nothing
twice: rows already on the ledger are reported already_imported with their tx id, and an
interrupted run resumes where it stopped (docs/cli.md "import").

options:
  --map MAP.json    which column fills which field, constants, the donor-ref salt file
  --node URL        node API (required, except for --dry-run without name checks)
  --dry-run         check every row (and, with --node, unknown organisations and projects),
                    print the first errors with row numbers; writes and submits nothing
  --result OUT.csv  row -> status, tx id, error code (default FILE.csv.result.csv)
  --encoding E      auto (default: valid UTF-8, with or without BOM, else GBK), utf-8 or gbk
  --journal DIR     idempotency journal directory (default: the key file's directory)
  --batch N         rows per POST /v1/txs (1..1000, default 1000)
  --expires-in N, --expires-in-ms MS   tx lifetime, as for shanliu tx
)";

namespace {

struct ImportOptions {
  ImportKind kind = ImportKind::kDonations;
  fs::path key_path;
  bool dry_run = false;
  IdempotentOptions submit;
};

// Checks the command line; a usage error comes back as its message.
Result<ImportOptions> ParseImportOptions(const Args& args) {
  SHANLIU_RETURN_IF_ERROR(RequireOnly(args, {"bank-key", "key", "map", "node", "dry-run", "result", "encoding",
                                             "journal", "batch", "expires-in", "expires-in-ms"}));
  const auto usage = [](const std::string& m) { return Status::Error("usage", m); };
  if (args.positional.size() != 2) return usage("name what to import (donations or spends) and the CSV file");
  const std::string what = args.positional[0];
  if (what != "donations" && what != "spends") return usage("import donations or spends, not '" + what + "'");
  ImportOptions out;
  out.kind = what == "donations" ? ImportKind::kDonations : ImportKind::kSpends;
  const char* key_flag = out.kind == ImportKind::kDonations ? "bank-key" : "key";
  if (!args.Has(key_flag)) return usage(std::string("--") + key_flag + " KEY is required");
  if (args.Has(out.kind == ImportKind::kDonations ? "key" : "bank-key")) {
    return usage(std::string("import ") + what + " signs with --" + key_flag);
  }
  out.key_path = *args.Get(key_flag);
  if (!args.Has("map")) return usage("--map MAP.json is required");
  out.dry_run = args.Has("dry-run");
  if (!out.dry_run && !args.Has("node")) return usage("--node URL is required (or --dry-run)");
  auto batch = ParseUInt(args.Get("batch").value_or("1000"), 1, kMaxSubmitBatch, "--batch");
  if (!batch.ok()) return batch.status();
  auto expires_in = ParseUInt(args.Get("expires-in").value_or("100"), 1, 1000, "--expires-in");
  if (!expires_in.ok()) return expires_in.status();
  auto expires_in_ms = ParseUInt(args.Get("expires-in-ms").value_or("3600000"), 60'000, 86'400'000, "--expires-in-ms");
  if (!expires_in_ms.ok()) return expires_in_ms.status();
  out.submit.batch = *batch;
  out.submit.expires_in_blocks = *expires_in;
  out.submit.expires_in_ms = *expires_in_ms;
  out.submit.wait = true;  // the result file reports where each row ended up
  out.submit.wait_timeout_ms = kImportWaitMs;
  return out;
}

// Journals, submits, waits, writes the result file and prints the tally; returns the exit code.
int SubmitRows(const Args& args, const NodeClient& node, const crypto::KeyPair& key, ImportOptions& options,
               const Loaded& loaded) {
  const fs::path journal_dir = args.Get("journal")               ? fs::path(*args.Get("journal"))
                               : options.key_path.has_parent_path() ? options.key_path.parent_path()
                                                                    : fs::path(".");
  auto journal = import::Journal::Open(journal_dir);
  if (!journal.ok()) return Fail("import", journal.status());
  std::vector<IdempotentRequest> requests;
  for (std::size_t i = 0; i < loaded.rows.size(); ++i) {
    requests.push_back({RowKey(options.kind, loaded.bodies[i], loaded.rows[i].key), loaded.bodies[i]});
  }
  const std::uint64_t started_ms = NowMs();
  options.submit.progress = [started_ms](std::size_t done, std::size_t total) {
    std::cerr << "submitted " << done << "/" << total << " rows (" << (NowMs() - started_ms) / 1000 << " s)\n";
  };
  auto results = SubmitIdempotent(node, **journal, {&key}, requests, options.submit);
  if (!results.ok()) {
    return Fail("import", Status::Error(results.status().code(), results.status().message() +
                                                                     " (run the same command again to resume)"));
  }
  const fs::path result_path = args.Get("result").value_or(args.positional[1] + ".result.csv");
  if (Status s = WriteResult(result_path, loaded, *results); !s.ok()) return Fail("import", s);
  std::map<std::string, std::size_t> counts;
  for (const IdempotentResult& r : *results) counts[StatusOf(r)]++;
  const std::uint64_t elapsed_ms = std::max<std::uint64_t>(1, NowMs() - started_ms);
  for (const auto& [status, n] : counts) std::cout << status << " " << n << "\n";
  std::cout << "rows/s " << (requests.size() * 1000 / elapsed_ms) << " (" << requests.size() << " rows in "
            << elapsed_ms << " ms)\nresult " << result_path.string() << "\n";
  const std::size_t done = counts["committed"] + counts["already_imported"];
  return done == requests.size() ? 0 : 1;
}

}  // namespace

int Import(const Args& args) {
  auto options = ParseImportOptions(args);
  if (!options.ok()) return UsageError("import", kImportUsage, options.status().message());
  auto key = crypto::ReadKeyFile(options->key_path);
  if (!key.ok()) return Fail("import", key.status());
  auto loaded = LoadRows(options->kind, args, *key);
  if (!loaded.ok()) {
    if (loaded.status().code() == "usage") return UsageError("import", kImportUsage, loaded.status().message());
    return Fail("import", loaded.status());
  }
  std::optional<NodeClient> node;
  if (args.Has("node")) {
    node.emplace(*args.Get("node"));
    if (Status s = CheckNames(*node, options->kind, key->public_key, *loaded); !s.ok()) return Fail("import", s);
  }
  std::cout << loaded->data_rows << " rows (" << import::EncodingName(loaded->encoding) << "), " << loaded->rows.size()
            << " valid totalling " << Yuan(loaded->total_fen) << ", " << loaded->errors.size() << " with errors\n";
  PrintErrors(loaded->errors);
  if (options->dry_run) {
    std::cout << "dry run: nothing was submitted or written\n";
    return loaded->errors.empty() ? 0 : 1;
  }
  if (!loaded->errors.empty()) {
    return Fail("import", Status::Error("invalid_rows", std::to_string(loaded->errors.size()) +
                                                            " rows have errors: nothing was submitted (fix them, or "
                                                            "remove them from the file, and run again)"));
  }
  return SubmitRows(args, *node, *key, *options, *loaded);
}

}  // namespace shanliu::cli
