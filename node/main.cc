// shanliu-node: a validator or observer of a Shanliu chain, hosting the HTTP API. This file only
// parses options and wires node::Node (which owns the chain) to the API server.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <iostream>
#include <string>

#include "shanliu/error_codes.h"
#include "shanliu/api/server.h"
#include "shanliu/audit/scheduler.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/hash.h"
#include "shanliu/ledger/ledger.h"
#include "shanliu/node/config.h"
#include "shanliu/node/log.h"
#include "shanliu/node/node.h"
#include "shanliu/node/offset_clock.h"
#include "shanliu/node/version.h"

namespace {

using namespace shanliu;

constexpr const char* kUsage = R"(usage: shanliu-node --config FILE [--verify-state]
       shanliu-node --help | --version

Runs a node of a Shanliu chain: it stores the signed ledger, agrees on blocks with the other
validators (or follows them as an observer), and serves the HTTP API (and the explorer, if configured).

options:
  --config FILE   node configuration (JSON). Settings, all paths relative to FILE's folder:
                    data_dir        ledger database folder (created if missing)
                    genesis         the chain's genesis file
                    node_key        this node's Ed25519 key file (mode 0600)
                    observer        true: never vote, only follow and serve reads
                    api             {listen, port, threads, explorer_dir, max_body_bytes,
                                     request_timeout_ms, max_connections, max_connections_per_ip,
                                     max_batch_txs, public_url, max_signing_requests}
                    blocks          {interval_ms, heartbeat_ms}: least gap between blocks while txs
                                    keep coming; an empty block after this long idle
                    mempool         {max_txs, max_bytes, max_per_signer}
                    p2p             {listen, port, peers: [{public_key, address}]}
                    test_only       {clock_offset_ms}: for testnets on one machine only
                  See docs/operator.md for every setting and its default.
  --verify-state  do not run: recompute the state map's root from every state key and value,
                  compare it with the stored tree and the head block's state_root, print the
                  result (naming the first bad key) and exit 0 only if all agree
  --help          this text
  --version       print the version
)";

int Fail(const std::string& what, const shanliu::Status& s) {
  node::LogEvent("error", "startup_failed", {{"step", what}, {"error", s.ToString()}});
  std::cerr << "shanliu-node: " << what << ": " << s.message() << "\n";
  return 1;
}

int VerifyState(ledger::Ledger& ledger) {
  const Status s = ledger.VerifyState();
  if (!s.ok()) {
    std::cerr << "shanliu-node: state check failed at height " << ledger.height() << ": " << s.message() << "\n";
    return 1;
  }
  std::cout << "state map verified at height " << ledger.height() << ": root "
            << crypto::ToHex(AsBytes(ledger.head().state_root())) << " recomputed from every key\n";
  return 0;
}

// The scheduler's last run in the API's terms (the API does not depend on the audit library).
api::AuditStatusInfo AuditStatusOf(const audit::AuditScheduler& scheduler, const audit::AuditSchedule& schedule) {
  const audit::AuditState state = scheduler.State();
  api::AuditStatusInfo out{state.enabled, state.running, state.runs, schedule.every_blocks, schedule.every_ms, {}};
  if (!state.last) return out;
  const audit::AuditRun& run = *state.last;
  api::AuditRunInfo info;
  info.started_ms = run.started_ms;
  info.finished_ms = run.finished_ms;
  info.ran = run.report.has_value();
  if (!run.report) {
    info.error_code = std::string(run.error.code());
    info.error_message = run.error.message();
    out.last = std::move(info);
    return out;
  }
  const audit::AuditReport& r = *run.report;
  info.audited_height = r.source_head_height;
  info.blocks_checked = r.blocks_checked;
  info.txs_checked = r.txs_checked;
  info.signatures_checked = r.signatures_checked;
  info.log_size = r.log_size;
  info.head_hash_hex = r.head_hash_hex;
  info.log_root_hex = r.log_root_hex;
  info.state_root_hex = r.state_root_hex;
  info.checks_passed = r.checks_passed;
  if (r.failure) {
    const audit::AuditFailure& f = *r.failure;
    info.failure = api::AuditFailureInfo{f.height, f.tx_index, f.tx_id_hex, f.check, f.expected, f.found, f.message};
  }
  out.last = std::move(info);
  return out;
}

// The API reaches the node only through these, from its own threads (all thread-safe in Node).
api::NodeHooks ApiHooks(node::Node& node) {
  api::NodeHooks hooks;
  hooks.submit = [&node](std::vector<Bytes> envelopes) {
    std::vector<api::SubmitResult> results;
    for (auto& [id, status] : node.Submit(std::move(envelopes))) results.push_back({id, std::move(status)});
    return results;
  };
  hooks.pending = [&node](const Hash256& id) {
    api::PendingInfo info;
    Status error;
    switch (node.PendingState(id, &error)) {
      case node::TxState::kPending: info.state = api::PendingState::kPending; break;
      case node::TxState::kRejected:
        info.state = api::PendingState::kRejected;
        info.error = error;
        break;
      case node::TxState::kUnknown: break;
    }
    return info;
  };
  hooks.checkpoint_note = [&node] { return node.CheckpointNote(); };
  hooks.storage_corrupt = [](const api::StorageCorruptEvent& e) {
    node::LogEvent("error", "storage_corrupt", {{"key", e.key}, {"detail", e.detail}, {"where", e.where}});
  };
  hooks.info = [&node] {
    return api::NodeInfo{node.node_id(), node.role() == node::NodeRole::kObserver ? "observer" : "validator",
                         node.mempool().size(), node.peers()};
  };
  return hooks;
}

}  // namespace

// Runs the io loop until it stops. A storage fault (or a broken invariant) escaping a handler
// ends the node with one node_fatal line and exit code 3 instead of std::terminate; so does a
// producer or runner that stopped the loop because it could not store a block.
static int RunLoop(boost::asio::io_context& io, node::Node& node) {
  constexpr int kFatalExit = 3;
  try {
    io.run();
  } catch (const ledger::StorageError& e) {
    node::LogEvent("error", "node_fatal", {{"step", "storage"}, {"error", e.what()}, {"height", node.ledger().height()}});
    return kFatalExit;
  } catch (const std::exception& e) {
    node::LogEvent("error", "node_fatal", {{"step", "internal"}, {"error", e.what()}, {"height", node.ledger().height()}});
    return kFatalExit;
  }
  return node.fatal() ? kFatalExit : 0;
}

int main(int argc, char** argv) {
  crypto::Init();
  node::RouteProtobufLogs();  // before any thread parses: protobuf's own lines become rate-limited JSON
  std::string config_path;
  bool verify_state = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return 0;
    }
    if (arg == "--version") {
      std::cout << node::VersionString() << "\n";
      return 0;
    }
    if (arg == "--config" && i + 1 < argc) {
      config_path = argv[++i];
      continue;
    }
    if (arg == "--verify-state") {
      verify_state = true;
      continue;
    }
    std::cerr << "shanliu-node: unknown argument '" << arg << "'\n" << kUsage;
    return 2;
  }
  if (config_path.empty()) {
    std::cerr << kUsage;
    return 2;
  }

  auto config = node::LoadNodeConfig(config_path);
  if (!config.ok()) return Fail("config", config.status());
  auto genesis = ledger::LoadGenesis(config->genesis);
  if (!genesis.ok()) return Fail("genesis", genesis.status());
  auto key = crypto::ReadKeyFile(config->node_key);
  if (!key.ok()) return Fail("node key", key.status());

  // Test-only skew (docs/testing.md): the node's every clock reading moves by the offset.
  const node::OffsetClock skewed_clock(node::SystemClock(), config->test_clock_offset_ms);
  if (config->test_clock_offset_ms != 0) {
    config->clock = &skewed_clock;
    node::LogEvent("warn", "test_only_clock_offset", {{"clock_offset_ms", config->test_clock_offset_ms}});
  }
  boost::asio::io_context io;
  auto opened = node::Node::Open(io, *config, std::move(*genesis), std::move(*key));
  if (!opened.ok()) return Fail(opened.status().code() == errc::kInvalidConfig ? "p2p" : "ledger", opened.status());
  node::Node& node = **opened;
  if (verify_state) return VerifyState(node.ledger());

  // The node's own audit reads a ReadView (a snapshot) of the ledger on its own low-priority
  // thread; the io thread only counts commits into it.
  audit::AuditScheduler auditor(
      node.ledger().genesis(),
      [&node]() -> Result<std::unique_ptr<audit::BlockSource>> { return audit::OpenLedgerSource(node.ledger().Read()); },
      config->audit);
  api::NodeHooks hooks = ApiHooks(node);
  hooks.audit_status = [&auditor, schedule = config->audit] { return AuditStatusOf(auditor, schedule); };
  auto server = std::make_unique<api::Server>(config->api, node.ledger(), std::move(hooks));
  node.SetOnCommitted([&server, &auditor](std::uint64_t height) {
    server->NotifyCommitted(height);
    auditor.NotifyCommitted(height);
  });
  if (Status s = server->Start(); !s.ok()) return Fail("api", s);
  if (Status s = node.Start(); !s.ok()) return Fail("p2p", s);
  auditor.NotifyCommitted(node.ledger().height());
  auditor.Start();

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int signal) {
    node::LogEvent("info", "node_stopping", {{"signal", signal}});
    node.Stop();
    io.stop();
  });
  const bool networked = node.role() != node::NodeRole::kSolo || !config->peers.empty();
  node::LogEvent("info", "node_started",
                 {{"chain_id", node.ledger().genesis().chain_id},
                  {"role", node.role() == node::NodeRole::kObserver ? "observer" : "validator"},
                  {"node_id", node.node_id()},
                  {"height", node.ledger().height()},
                  {"api", "http://" + config->api.listen_address + ":" + std::to_string(server->port())},
                  {"p2p", networked ? config->p2p_listen + ":" + std::to_string(config->p2p_port) : "off"}});
  // Keep the loop alive while idle: the producer's timer is re-armed, observers wait for signals.
  const int code = RunLoop(io, node);
  auditor.Stop();  // before the ledger it reads goes away
  node.Stop();
  server->Stop();
  node::LogEvent("info", "node_stopped", {{"height", node.ledger().height()}, {"exit_code", code}});
  return code;
}
