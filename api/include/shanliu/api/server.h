// The HTTP/JSON API (DESIGN 8, 11) on Boost.Beast, hosted by shanliu-node.
// It reads the ledger through ReadViews and reaches the node only through NodeHooks,
// so the API depends on the ledger and never on node internals.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shanliu/api/witness_push.h"
#include "shanliu/bytes.h"
#include "shanliu/ledger/ledger.h"
#include "shanliu/status.h"

namespace shanliu::api {

struct ServerConfig {
  std::string listen_address = "127.0.0.1";
  std::uint16_t port = 8080;                 // 0 picks a free port (tests); see Server::port()
  unsigned threads = 2;                      // io_context thread pool
  std::filesystem::path explorer_dir;        // built explorer files; empty serves none
  std::filesystem::path documents_dir;       // files served under /documents/ (disclosures); empty: none
  std::size_t max_body_bytes = 4 << 20;      // POST /v1/txs batches (413 above)
  std::size_t max_header_bytes = 16 << 10;   // request line + headers (431 above)
  unsigned request_timeout_ms = 15'000;      // whole request, slow clients are cut off
  unsigned header_timeout_ms = 10'000;       // request line + headers; also the keep-alive idle limit
  unsigned write_timeout_ms = 15'000;        // a response or stream event must be taken within this
  std::size_t max_batch_txs = 1000;
  std::size_t max_connections = 1024;        // more are answered 503 and closed
  // Open connections from one client address; more are answered 503 and closed. 0: no per-address
  // cap (behind a reverse proxy every client shares the proxy's address).
  std::size_t max_connections_per_ip = 64;
  std::size_t max_sse_clients = 256;
  unsigned sse_heartbeat_ms = 15'000;        // comment lines on idle /v1/stream connections
  unsigned stop_grace_ms = 3'000;            // Stop() lets open responses finish this long
  std::size_t max_trace_nodes = 2'000;       // larger traces are cut and marked "truncated"
  std::string cors_allow_origin = "*";       // Access-Control-Allow-Origin on GET /v1/*; empty: none
  // Where readers reach the explorer ("https://shanliu.example.org", no query): the base of the
  // absolute links the API builds (receipt QR codes). Empty: http://<listen_address>:<port>. The
  // request's Host header is never used: any client could make the node sign its links with it.
  std::string public_url;
  // Signing requests the co-signing inbox holds at once (docs/api.md); expired ones are dropped
  // and completed ones evicted oldest first to make room.
  std::size_t max_signing_requests = 1000;
};

// What a submission became.
struct SubmitResult {
  Hash256 id{};          // zero if the bytes did not decode
  Status status;         // ok = accepted into the mempool (pending)
};

enum class PendingState { kUnknown, kPending, kRejected };
struct PendingInfo {
  PendingState state = PendingState::kUnknown;
  Status error;  // for kRejected: the rule it broke
};

struct NodeInfo {
  std::string node_id;       // hex public key of the node (validator or observer)
  std::string role;          // "validator" or "observer"
  std::size_t mempool_txs = 0;
  std::size_t peers = 0;
  // Times admission applied a tx under a planned block's context since start: the first
  // planning plus every re-plan (docs/performance.md). Per committed tx, 1 is the floor.
  std::uint64_t mempool_applied_total = 0;
};

// A stored record the API refused to serve because it failed its integrity check.
struct StorageCorruptEvent {
  std::string key;     // printable LevelDB key (ledger::PrintableStorageKey)
  std::string detail;  // what failed, with LevelDB's status
  std::string where;   // the request target (shortened) or the stream event being built
};

// The node's own audit of its ledger (GET /v1/audit): the node's claim, not a proof.
struct AuditFailureInfo {
  std::uint64_t height = 0;
  std::optional<std::uint32_t> tx_index;
  std::string tx_id_hex;  // empty when the failure is not about one tx
  std::string check;      // audit check name (docs/audit.md)
  std::string expected, found, message;
};
struct AuditRunInfo {
  std::uint64_t started_ms = 0, finished_ms = 0;
  bool ran = false;  // false: it could not run (error_code / error_message say why)
  std::string error_code, error_message;
  std::uint64_t audited_height = 0;  // the head height of the chain the run audited
  std::uint64_t blocks_checked = 0, txs_checked = 0, signatures_checked = 0, log_size = 0;
  std::string head_hash_hex, log_root_hex, state_root_hex;
  std::vector<std::string> checks_passed;
  std::optional<AuditFailureInfo> failure;  // ran and FAILED
};
struct AuditStatusInfo {
  bool enabled = false;
  bool running = false;
  std::uint64_t runs = 0;
  std::uint64_t every_blocks = 0, every_ms = 0;
  std::optional<AuditRunInfo> last;
};

// Implemented by the node; every hook must be thread-safe.
struct NodeHooks {
  std::function<std::vector<SubmitResult>(std::vector<Bytes> envelopes)> submit;
  std::function<PendingInfo(const Hash256& id)> pending;
  std::function<NodeInfo()> info;
  // The newest cosigned checkpoint as a C2SP signed note (ledger/checkpoint.h), or nothing yet.
  // Optional: when empty, /v1/checkpoint answers "note": null and /v1/checkpoint/note 404.
  std::function<std::optional<std::string>()> checkpoint_note;
  // The C2SP witnesses the node pushes its checkpoints to (config "witnesses") and what each
  // cosigned last. Optional: when empty, /v1/checkpoint lists no witnesses.
  std::function<std::vector<WitnessCosigned>()> witnesses;
  // Called (from API threads) for each response refused with 500 storage_corrupt; the node logs
  // one structured line. Optional: when empty, the API writes the event to stderr itself.
  std::function<void(const StorageCorruptEvent&)> storage_corrupt;
  // The node's scheduled self-audit. Optional: when empty, GET /v1/audit answers enabled: false.
  std::function<AuditStatusInfo()> audit_status;
};

// The route table as data (for documentation checks and tooling): one entry per endpoint.
struct RouteInfo {
  std::string method;                     // "GET", "POST"
  std::string pattern;                    // "/v1/txs/{id}"
  std::vector<std::string> query_params;  // the query parameters the route accepts
};
std::vector<RouteInfo> Routes();
// The OpenAPI 3 document embedded at build time from api/openapi.json (served at /v1/openapi.json).
std::string_view OpenApiDocument();

class Server {
 public:
  Server(ServerConfig config, ledger::Ledger& ledger, NodeHooks hooks);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  Status Start();              // binds and starts the thread pool
  void Stop();                 // closes the listener and every connection; idempotent
  std::uint16_t port() const;  // the bound port
  // Called by the node after each commit: wakes /v1/stream subscribers.
  void NotifyCommitted(std::uint64_t height);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace shanliu::api
