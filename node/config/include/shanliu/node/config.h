// shanliu-node's configuration file (JSON, documented in docs/operator.md). Relative
// paths are resolved against the directory holding the config file.
//
// A library of its own (shanliu_node_config), used by the executable and its tests: the file
// holds the API server's settings too, and the node library itself must not depend on the API.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "shanliu/api/server.h"
#include "shanliu/audit/scheduler.h"
#include "shanliu/crypto/keys.h"
#include "shanliu/node/node.h"
#include "shanliu/status.h"

namespace shanliu::node {

struct NodeConfig : NodeOptions {
  std::filesystem::path genesis;
  std::filesystem::path node_key;
  api::ServerConfig api;
  audit::AuditSchedule audit;  // the node's own scheduled audit (GET /v1/audit)
  // Test-only (`test_only.clock_offset_ms`): the node's wall clock runs this far from the
  // machine's, so a testnet on one machine can have skewed clocks (docs/testing.md). 0: none.
  std::int64_t test_clock_offset_ms = 0;
  // `storage.auto_repair`: on a damaged store, rebuild it from certified blocks at start (after
  // stopping with exit status 4 when the damage is met while running). Unset: true for an
  // observer, false for a validator (docs/decisions.md, "Repair rebuilds the store and swaps it").
  std::optional<bool> auto_repair;
  // `storage.repair_timeout_ms`: per peer connection and per answer during a repair.
  std::uint32_t repair_timeout_ms = 10'000;
  // `state_sync` (docs/operator.md "Starting from a snapshot"): with `enabled` (or the
  // --state-sync option), a node whose data directory holds no store starts from its peers'
  // latest certified snapshot instead of replaying from genesis. `min_peers`: manifests from at
  // least this many peers (all, if fewer are configured) before one is chosen; `timeout_ms`: per
  // peer connection and per answer. `backfill` (default true; NodeOptions::backfill): a restored
  // store fetches the blocks below its snapshot from the peers while it runs.
  bool state_sync = false;
  std::uint32_t state_sync_min_peers = 2;
  std::uint32_t state_sync_timeout_ms = 10'000;
  // `witnesses`: C2SP tlog-witnesses the node pushes its supermajority checkpoints to
  // (docs/witness.md); their valid cosignatures are appended to the note it serves.
  std::vector<api::WitnessTarget> witnesses;
};

// At most this many witnesses: each is one request per new checkpoint and one note line.
inline constexpr std::size_t kMaxWitnesses = 32;

// Bound of test_only.clock_offset_ms either way: an hour is far beyond the 5 s proposal rule.
inline constexpr std::int64_t kMaxTestClockOffsetMs = 3'600'000;

Result<NodeConfig> ParseNodeConfig(std::string_view json_text, const std::filesystem::path& base_dir);
Result<NodeConfig> LoadNodeConfig(const std::filesystem::path& path);

}  // namespace shanliu::node
