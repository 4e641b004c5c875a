#include "shanliu/node/config.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "shanliu/crypto/codec.h"
#include "shanliu/ledger/witness.h"

namespace shanliu::node {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxConfigBytes = 1 << 20;

Status Bad(const std::string& why) { return Status::Error("invalid_config", why); }

Status CheckKeys(const json& object, const std::set<std::string>& allowed, const std::string& where) {
  if (!object.is_object()) return Bad(where + " must be an object");
  for (const auto& [key, value] : object.items()) {
    if (!allowed.count(key)) return Bad("unknown setting '" + key + "' in " + where);
  }
  return Status::Ok();
}

template <class T>
Status GetUInt(const json& object, const char* name, T* out, std::uint64_t min, std::uint64_t max) {
  if (!object.contains(name)) return Status::Ok();
  const json& v = object.at(name);
  if (!v.is_number_unsigned() || v.get<std::uint64_t>() < min || v.get<std::uint64_t>() > max) {
    return Bad(std::string(name) + " must be a whole number from " + std::to_string(min) + " to " +
               std::to_string(max));
  }
  *out = static_cast<T>(v.get<std::uint64_t>());
  return Status::Ok();
}

// Settings no production node has: each is named so in the file, and the node logs it at start.
Status ParseTestOnly(const json& t, NodeConfig* c) {
  SHANLIU_RETURN_IF_ERROR(CheckKeys(t, {"clock_offset_ms"}, "test_only"));
  if (!t.contains("clock_offset_ms")) return Status::Ok();
  const json& v = t.at("clock_offset_ms");
  // An unsigned number is compared as one, so 2^64 - 1 is not read back as -1.
  const bool in_range =
      v.is_number_unsigned()
          ? v.get<std::uint64_t>() <= static_cast<std::uint64_t>(kMaxTestClockOffsetMs)
          : v.is_number_integer() && v.get<std::int64_t>() >= -kMaxTestClockOffsetMs;
  if (!in_range) {
    return Bad("test_only.clock_offset_ms must be a whole number from " + std::to_string(-kMaxTestClockOffsetMs) +
               " to " + std::to_string(kMaxTestClockOffsetMs));
  }
  c->test_clock_offset_ms = v.get<std::int64_t>();
  return Status::Ok();
}

Status GetString(const json& object, const char* name, std::string* out) {
  if (!object.contains(name)) return Status::Ok();
  if (!object.at(name).is_string()) return Bad(std::string(name) + " must be a string");
  *out = object.at(name).get<std::string>();
  return Status::Ok();
}

Status GetPath(const json& object, const char* name, const std::filesystem::path& base, std::filesystem::path* out,
               bool required) {
  std::string text;
  SHANLIU_RETURN_IF_ERROR(GetString(object, name, &text));
  if (text.empty()) {
    if (required) return Bad(std::string("missing setting '") + name + "'");
    return Status::Ok();
  }
  std::filesystem::path p(text);
  *out = p.is_absolute() ? p : (base / p).lexically_normal();
  return Status::Ok();
}

Status GetBool(const json& object, const char* name, bool* out) {
  if (!object.contains(name)) return Status::Ok();
  if (!object.at(name).is_boolean()) return Bad(std::string(name) + " must be true or false");
  *out = object.at(name).get<bool>();
  return Status::Ok();
}

// The node's scheduled self-audit: on by default; tests that do not want it say enabled: false.
Status ParseAudit(const json& a, const std::filesystem::path& base_dir, audit::AuditSchedule* out) {
  SHANLIU_RETURN_IF_ERROR(
      CheckKeys(a, {"enabled", "at_startup", "every_blocks", "every_ms", "threads", "work_dir"}, "audit"));
  SHANLIU_RETURN_IF_ERROR(GetBool(a, "enabled", &out->enabled));
  SHANLIU_RETURN_IF_ERROR(GetBool(a, "at_startup", &out->at_startup));
  // 0 turns a trigger off. At least 10 blocks / one minute otherwise: every audit replays the
  // whole chain, so a tighter schedule would only keep a core busy.
  SHANLIU_RETURN_IF_ERROR(GetUInt(a, "every_blocks", &out->every_blocks, 0, UINT64_MAX));
  if (out->every_blocks != 0 && out->every_blocks < 10) return Bad("audit.every_blocks must be 0 or at least 10");
  SHANLIU_RETURN_IF_ERROR(GetUInt(a, "every_ms", &out->every_ms, 0, 30ull * 86'400'000));
  if (out->every_ms != 0 && out->every_ms < 60'000) return Bad("audit.every_ms must be 0 or at least 60000");
  SHANLIU_RETURN_IF_ERROR(GetUInt(a, "threads", &out->threads, 1, 64));
  return GetPath(a, "work_dir", base_dir, &out->work_dir, false);
}

// One witness: {"url", "vkey"} (the witness's cosignature/v1 vkey, `shanliu witness vkey`) or
// {"url", "name", "public_key" (64 hex)}.
Status ParseWitness(const json& w, api::WitnessTarget* out) {
  SHANLIU_RETURN_IF_ERROR(CheckKeys(w, {"url", "vkey", "name", "public_key"}, "a witness"));
  SHANLIU_RETURN_IF_ERROR(GetString(w, "url", &out->url));
  if (!out->url.starts_with("http://")) return Bad("witness url must be http://host:port[/prefix]");
  std::string vkey;
  if (w.contains("vkey")) {
    if (w.contains("name") || w.contains("public_key")) return Bad("a witness has a vkey or a name and public_key");
    SHANLIU_RETURN_IF_ERROR(GetString(w, "vkey", &vkey));
  } else {
    std::string name;
    std::string key_hex;
    SHANLIU_RETURN_IF_ERROR(GetString(w, "name", &name));
    SHANLIU_RETURN_IF_ERROR(GetString(w, "public_key", &key_hex));
    auto key = crypto::Hash256FromHex(key_hex);
    if (!key.ok()) return Bad("witness public_key must be 64 hex digits");
    crypto::PublicKey public_key;
    std::copy(key->begin(), key->end(), public_key.begin());
    vkey = ledger::FormatVerifierKey(name, ledger::kCosignatureV1KeyType, public_key);
  }
  auto parsed = ledger::ParseVerifierKey(vkey);
  if (!parsed.ok()) return Bad("witness " + out->url + ": " + parsed.status().message());
  if (parsed->type != ledger::kCosignatureV1KeyType) return Bad("a witness key is a cosignature/v1 key (type 4)");
  out->key = *parsed;
  return Status::Ok();
}

Status ParseWitnesses(const json& list, std::vector<api::WitnessTarget>* out) {
  if (!list.is_array() || list.size() > kMaxWitnesses) {
    return Bad("witnesses must be a list of at most " + std::to_string(kMaxWitnesses));
  }
  for (const json& w : list) {
    api::WitnessTarget target;
    SHANLIU_RETURN_IF_ERROR(ParseWitness(w, &target));
    for (const api::WitnessTarget& other : *out) {
      if (other.key.name == target.key.name) return Bad("witness " + target.key.name + " is listed twice");
    }
    out->push_back(std::move(target));
  }
  return Status::Ok();
}

}  // namespace

Result<NodeConfig> ParseNodeConfig(std::string_view json_text, const std::filesystem::path& base_dir) {
  if (json_text.size() > kMaxConfigBytes) return Bad("config file is larger than 1 MiB");
  json root = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) return Bad("config is not valid JSON");
  SHANLIU_RETURN_IF_ERROR(
      CheckKeys(root, {"data_dir", "genesis", "node_key", "observer", "api", "blocks", "mempool", "p2p", "audit",
                       "storage", "test_only", "witnesses", "state_sync"},
                "config"));
  NodeConfig c;
  SHANLIU_RETURN_IF_ERROR(GetPath(root, "data_dir", base_dir, &c.data_dir, true));
  SHANLIU_RETURN_IF_ERROR(GetPath(root, "genesis", base_dir, &c.genesis, true));
  SHANLIU_RETURN_IF_ERROR(GetPath(root, "node_key", base_dir, &c.node_key, true));
  if (root.contains("observer")) {
    if (!root.at("observer").is_boolean()) return Bad("observer must be true or false");
    c.observer = root.at("observer").get<bool>();
  }
  if (root.contains("api")) {
    const json& a = root.at("api");
    SHANLIU_RETURN_IF_ERROR(CheckKeys(a,
                                      {"listen", "port", "threads", "explorer_dir", "max_body_bytes",
                                       "request_timeout_ms", "max_connections", "max_connections_per_ip",
                                       "max_batch_txs", "public_url", "documents_dir", "max_signing_requests"},
                                      "api"));
    SHANLIU_RETURN_IF_ERROR(GetString(a, "listen", &c.api.listen_address));
    SHANLIU_RETURN_IF_ERROR(GetUInt(a, "port", &c.api.port, 0, 65535));
    SHANLIU_RETURN_IF_ERROR(GetUInt(a, "threads", &c.api.threads, 1, 64));
    SHANLIU_RETURN_IF_ERROR(GetPath(a, "explorer_dir", base_dir, &c.api.explorer_dir, false));
    SHANLIU_RETURN_IF_ERROR(GetPath(a, "documents_dir", base_dir, &c.api.documents_dir, false));
    SHANLIU_RETURN_IF_ERROR(GetUInt(a, "max_body_bytes", &c.api.max_body_bytes, 1024, 64 << 20));
    SHANLIU_RETURN_IF_ERROR(GetUInt(a, "request_timeout_ms", &c.api.request_timeout_ms, 100, 600'000));
    SHANLIU_RETURN_IF_ERROR(GetUInt(a, "max_connections", &c.api.max_connections, 1, 100'000));
    SHANLIU_RETURN_IF_ERROR(GetUInt(a, "max_batch_txs", &c.api.max_batch_txs, 1, 10'000));
    // 0 turns the per-address cap off (behind a reverse proxy all clients share its address).
    SHANLIU_RETURN_IF_ERROR(GetUInt(a, "max_connections_per_ip", &c.api.max_connections_per_ip, 0, 100'000));
    // Checked in full by the API server at start (invalid_config); the QR codes' link base.
    SHANLIU_RETURN_IF_ERROR(GetString(a, "public_url", &c.api.public_url));
    // The co-signing inbox holds this many signing requests (each at most 64 KiB) in memory.
    SHANLIU_RETURN_IF_ERROR(GetUInt(a, "max_signing_requests", &c.api.max_signing_requests, 1, 100'000));
  }
  if (root.contains("blocks")) {
    const json& b = root.at("blocks");
    SHANLIU_RETURN_IF_ERROR(CheckKeys(b, {"interval_ms", "heartbeat_ms"}, "blocks"));
    SHANLIU_RETURN_IF_ERROR(GetUInt(b, "interval_ms", &c.block_interval_ms, 10, 60'000));
    // One second at least (a heartbeat faster than consensus rounds is just empty blocks
    // again); one day at most (checkpoints older than that are stale by any measure).
    SHANLIU_RETURN_IF_ERROR(GetUInt(b, "heartbeat_ms", &c.heartbeat_ms, 1'000, 86'400'000));
  }
  if (root.contains("audit")) SHANLIU_RETURN_IF_ERROR(ParseAudit(root.at("audit"), base_dir, &c.audit));
  if (root.contains("mempool")) {
    const json& m = root.at("mempool");
    SHANLIU_RETURN_IF_ERROR(CheckKeys(
        m, {"max_txs", "max_bytes", "max_per_signer", "signer_rate_per_second", "signer_burst", "planned_blocks"},
        "mempool"));
    SHANLIU_RETURN_IF_ERROR(GetUInt(m, "planned_blocks", &c.mempool.max_planned_blocks, 1, 64));
    SHANLIU_RETURN_IF_ERROR(GetUInt(m, "signer_rate_per_second", &c.mempool.signer_rate_per_second, 0, 10'000'000));
    SHANLIU_RETURN_IF_ERROR(GetUInt(m, "signer_burst", &c.mempool.signer_burst, 1, 10'000'000));
    SHANLIU_RETURN_IF_ERROR(GetUInt(m, "max_txs", &c.mempool.max_txs, 1, 10'000'000));
    SHANLIU_RETURN_IF_ERROR(GetUInt(m, "max_bytes", &c.mempool.max_bytes, 1 << 16, std::uint64_t{16} << 30));
    SHANLIU_RETURN_IF_ERROR(GetUInt(m, "max_per_signer", &c.mempool.max_per_signer, 1, 10'000'000));
  }
  if (root.contains("p2p")) {
    const json& p = root.at("p2p");
    SHANLIU_RETURN_IF_ERROR(CheckKeys(p, {"listen", "port", "peers"}, "p2p"));
    SHANLIU_RETURN_IF_ERROR(GetString(p, "listen", &c.p2p_listen));
    SHANLIU_RETURN_IF_ERROR(GetUInt(p, "port", &c.p2p_port, 0, 65535));
    if (p.contains("peers")) {
      if (!p.at("peers").is_array() || p.at("peers").size() > 1000) return Bad("p2p.peers must be a list");
      for (const json& peer : p.at("peers")) {
        SHANLIU_RETURN_IF_ERROR(CheckKeys(peer, {"public_key", "address"}, "a peer"));
        PeerConfig pc;
        std::string key;
        SHANLIU_RETURN_IF_ERROR(GetString(peer, "public_key", &key));
        auto parsed = crypto::Hash256FromHex(key);
        if (!parsed.ok()) return Bad("peer public_key must be 64 hex digits");
        pc.public_key = *parsed;
        SHANLIU_RETURN_IF_ERROR(GetString(peer, "address", &pc.address));
        if (pc.address.find(':') == std::string::npos) return Bad("peer address must be host:port");
        c.peers.push_back(std::move(pc));
      }
    }
  }
  if (root.contains("storage")) {
    const json& s = root.at("storage");
    SHANLIU_RETURN_IF_ERROR(CheckKeys(s, {"auto_repair", "repair_timeout_ms"}, "storage"));
    if (s.contains("auto_repair")) {
      bool auto_repair = false;
      SHANLIU_RETURN_IF_ERROR(GetBool(s, "auto_repair", &auto_repair));
      c.auto_repair = auto_repair;
    }
    SHANLIU_RETURN_IF_ERROR(GetUInt(s, "repair_timeout_ms", &c.repair_timeout_ms, 100, 600'000));
  }
  if (root.contains("state_sync")) {
    const json& s = root.at("state_sync");
    SHANLIU_RETURN_IF_ERROR(CheckKeys(s, {"enabled", "min_peers", "timeout_ms", "backfill"}, "state_sync"));
    if (s.contains("enabled")) SHANLIU_RETURN_IF_ERROR(GetBool(s, "enabled", &c.state_sync));
    if (s.contains("backfill")) SHANLIU_RETURN_IF_ERROR(GetBool(s, "backfill", &c.backfill));
    SHANLIU_RETURN_IF_ERROR(GetUInt(s, "min_peers", &c.state_sync_min_peers, 1, 1000));
    SHANLIU_RETURN_IF_ERROR(GetUInt(s, "timeout_ms", &c.state_sync_timeout_ms, 100, 600'000));
  }
  if (root.contains("test_only")) SHANLIU_RETURN_IF_ERROR(ParseTestOnly(root.at("test_only"), &c));
  if (root.contains("witnesses")) SHANLIU_RETURN_IF_ERROR(ParseWitnesses(root.at("witnesses"), &c.witnesses));
  return c;
}

Result<NodeConfig> LoadNodeConfig(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error("io_error", "cannot open config file " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return ParseNodeConfig(text.str(), std::filesystem::absolute(path).parent_path());
}

}  // namespace shanliu::node
