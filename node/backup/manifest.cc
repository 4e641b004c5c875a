// The backup manifest's JSON codec (shanliu/node/backup.h). The decoder trusts nothing: a
// manifest comes from a directory an operator copied around, perhaps truncated or edited.
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "shanliu/crypto/codec.h"
#include "shanliu/ledger/ledger.h"
#include "shanliu/ledger/store_format.h"
#include "shanliu/node/backup.h"

// `lhs = *expr`, or return its error (local: status.h has no such macro).
#define BACKUP_CONCAT_(a, b) a##b
#define BACKUP_CONCAT(a, b) BACKUP_CONCAT_(a, b)
#define BACKUP_ASSIGN_(tmp, lhs, expr) \
  auto tmp = (expr);                   \
  if (!tmp.ok()) return tmp.status();  \
  lhs = std::move(*tmp)
#define BACKUP_ASSIGN(lhs, expr) BACKUP_ASSIGN_(BACKUP_CONCAT(backup_result_, __LINE__), lhs, expr)

namespace shanliu::node::backup {
namespace {

using nlohmann::json;

constexpr const char* kKind = "shanliu-backup";

Status Malformed(const std::string& what) {
  return Status::Error("backup_manifest_malformed", "backup manifest: " + what);
}

// A LevelDB file name directly under ledger/: never a path that climbs out or goes deeper.
bool SafeFilePath(const std::string& path) {
  static const std::regex kPath(R"(ledger/[A-Za-z0-9][A-Za-z0-9._-]{0,63})");
  return std::regex_match(path, kPath);
}

Result<std::uint64_t> U64Field(const json& o, const char* name) {
  if (!o.contains(name) || !o[name].is_number_unsigned()) return Malformed(std::string(name) + " must be an unsigned integer");
  return o[name].get<std::uint64_t>();
}

Result<std::string> StringField(const json& o, const char* name, std::size_t max_chars) {
  if (!o.contains(name) || !o[name].is_string()) return Malformed(std::string(name) + " must be a string");
  std::string s = o[name].get<std::string>();
  if (s.empty() || s.size() > max_chars) return Malformed(std::string(name) + " must be 1.." + std::to_string(max_chars) + " bytes");
  return s;
}

Result<Hash256> HashField(const json& o, const char* name) {
  auto text = StringField(o, name, 64);
  if (!text.ok()) return text.status();
  auto hash = crypto::Hash256FromHex(*text);
  if (!hash.ok() || text->size() != 64 || *text != crypto::ToHex(*hash)) {
    return Malformed(std::string(name) + " must be 64 lowercase hex digits");
  }
  return *hash;
}

Result<std::vector<FileDigest>> FilesField(const json& o) {
  if (!o.contains("files") || !o["files"].is_array()) return Malformed("files must be an array");
  const json& list = o["files"];
  if (list.empty() || list.size() > kMaxManifestFiles) {
    return Malformed("files must list 1.." + std::to_string(kMaxManifestFiles) + " files");
  }
  std::vector<FileDigest> files;
  std::set<std::string> seen;
  for (const json& f : list) {
    if (!f.is_object()) return Malformed("each entry of files must be an object");
    FileDigest d;
    BACKUP_ASSIGN(d.path, StringField(f, "path", 80));
    if (!SafeFilePath(d.path)) return Malformed("file path '" + d.path + "' is not a file directly under ledger/");
    if (!seen.insert(d.path).second) return Malformed("file " + d.path + " is listed twice");
    BACKUP_ASSIGN(d.bytes, U64Field(f, "bytes"));
    BACKUP_ASSIGN(d.sha256, HashField(f, "sha256"));
    files.push_back(std::move(d));
  }
  return files;
}

}  // namespace

std::string EncodeManifest(const Manifest& m) {
  json files = json::array();
  for (const FileDigest& f : m.files) {
    files.push_back({{"path", f.path}, {"bytes", f.bytes}, {"sha256", crypto::ToHex(f.sha256)}});
  }
  const json o = {{"kind", kKind},
                  {"version", m.version},
                  {"chain_id", m.chain_id},
                  {"store_format", m.store_format},
                  {"height", m.height},
                  {"block_hash", crypto::ToHex(m.block_hash)},
                  {"state_root", crypto::ToHex(m.state_root)},
                  {"log_size", m.log_size},
                  {"log_root", crypto::ToHex(m.log_root)},
                  {"records", m.records},
                  {"created_ms", m.created_ms},
                  {"source", m.source},
                  {"files", std::move(files)}};
  return o.dump(2) + "\n";
}

Result<Manifest> DecodeManifest(std::string_view text) {
  if (text.size() > kMaxManifestBytes) return Malformed("over " + std::to_string(kMaxManifestBytes) + " bytes");
  const json o = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (o.is_discarded()) return Malformed("not JSON (truncated?)");
  if (!o.is_object()) return Malformed("not a JSON object");
  if (!o.contains("kind") || o["kind"] != kKind) return Malformed(std::string("kind must be \"") + kKind + "\"");
  Manifest m;
  BACKUP_ASSIGN(const std::uint64_t version, U64Field(o, "version"));
  if (version != kManifestVersion) {
    return Status::Error("backup_format_unsupported", "backup manifest version " + std::to_string(version) +
                                                          " (this build reads version " +
                                                          std::to_string(kManifestVersion) + ")");
  }
  BACKUP_ASSIGN(m.store_format, U64Field(o, "store_format"));
  // A format the node upgrades on its first open is restorable as it is.
  if (m.store_format < ledger::kOldestUpgradableStoreFormat || m.store_format > ledger::kLedgerStoreFormat) {
    return Status::Error("backup_format_unsupported",
                         "the backup holds a store of format " + std::to_string(m.store_format) +
                             " (this build runs format " + std::to_string(ledger::kLedgerStoreFormat) +
                             "); restore it with the build that made it, then `shanliu-node repair`");
  }
  BACKUP_ASSIGN(m.chain_id, StringField(o, "chain_id", 128));
  BACKUP_ASSIGN(m.height, U64Field(o, "height"));
  BACKUP_ASSIGN(m.block_hash, HashField(o, "block_hash"));
  BACKUP_ASSIGN(m.state_root, HashField(o, "state_root"));
  BACKUP_ASSIGN(m.log_size, U64Field(o, "log_size"));
  BACKUP_ASSIGN(m.log_root, HashField(o, "log_root"));
  BACKUP_ASSIGN(m.records, U64Field(o, "records"));
  BACKUP_ASSIGN(m.created_ms, U64Field(o, "created_ms"));
  BACKUP_ASSIGN(m.source, StringField(o, "source", 32));
  if (m.source != "running_node" && m.source != "stopped_store") {
    return Malformed("source must be \"running_node\" or \"stopped_store\"");
  }
  BACKUP_ASSIGN(m.files, FilesField(o));
  return m;
}

}  // namespace shanliu::node::backup
