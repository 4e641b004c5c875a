// shanliu-node: a validator or observer of a Shanliu chain, hosting the HTTP API.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <cstring>
#include <ctime>
#include <iostream>
#include <string>

#include "shanliu/api/server.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/hash.h"
#include "shanliu/ledger/checkpoint.h"
#include "shanliu/ledger/ledger.h"
#include "shanliu/node/config.h"
#include "shanliu/node/log.h"
#include "shanliu/node/mempool.h"
#include "shanliu/node/runner.h"
#include "shanliu/node/solo_producer.h"
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
                                     request_timeout_ms, max_connections, max_batch_txs}
                    blocks          {interval_ms}: how often pending txs are cut into a block
                    mempool         {max_txs, max_bytes, max_per_signer}
                    p2p             {listen, port, peers: [{public_key, address}]}
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

}  // namespace

int main(int argc, char** argv) {
  crypto::Init();
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

  const int validator_index = genesis->ValidatorIndex(key->public_key);
  const bool observer = config->observer || validator_index < 0;
  const bool solo = !observer && genesis->validators.size() == 1;
  if (observer && config->peers.empty()) {
    return Fail("p2p", Status::Error("invalid_config", "an observer needs at least one peer to follow"));
  }

  auto opened = ledger::Ledger::Open(config->data_dir, *genesis);
  if (!opened.ok()) return Fail("ledger", opened.status());
  ledger::Ledger& ledger = **opened;
  if (verify_state) {
    const Status s = ledger.VerifyState();
    if (!s.ok()) {
      std::cerr << "shanliu-node: state check failed at height " << ledger.height() << ": " << s.message() << "\n";
      return 1;
    }
    std::cout << "state map verified at height " << ledger.height() << ": root "
              << crypto::ToHex(AsBytes(ledger.head().state_root())) << " recomputed from every key\n";
    return 0;
  }
  node::Mempool mempool(ledger, config->mempool);

  // Checkpoints: each validator cosigns the log after every block it commits and shares the
  // cosignature; every node collects them and serves the best-cosigned note.
  ledger::CheckpointCollector checkpoints(*genesis);
  struct OwnCosignature {
    std::uint64_t log_size = 0;
    Hash256 log_root{};
    ledger::Cosignature cosignature;
  };
  const auto cosign_head = [&]() -> std::optional<OwnCosignature> {
    if (config->observer || validator_index < 0) return std::nullopt;
    const pb::BlockHeader head = ledger.head();
    OwnCosignature own;
    own.log_size = head.log_size();
    std::memcpy(own.log_root.data(), head.log_root().data(), std::min(own.log_root.size(), head.log_root().size()));
    own.cosignature =
        ledger::MakeCosignature(*genesis, static_cast<std::uint32_t>(validator_index), key->secret_key, own.log_size,
                                own.log_root, static_cast<std::uint64_t>(std::time(nullptr)));
    if (Status s = checkpoints.Add(own.log_size, own.log_root, own.cosignature); !s.ok()) {
      node::LogEvent("warn", "cosignature_failed", {{"error", s.ToString()}});
      return std::nullopt;
    }
    return own;
  };
  std::unique_ptr<node::Runner> runner;
  const auto cosign_and_share = [&] {
    auto own = cosign_head();
    if (own && runner) runner->ShareCosignature(own->log_size, own->log_root, own->cosignature);
  };

  boost::asio::io_context io;
  // The network side: consensus between validators, block sync and tx gossip. A lone
  // validator with no peers configured has no one to talk to and runs without it.
  std::unique_ptr<api::Server> server;
  if (!solo || !config->peers.empty()) {
    node::RunnerConfig rc;
    rc.wal_path = config->data_dir / "consensus.wal";
    rc.observer = observer;
    rc.empty_block_wait_ms = config->empty_block_wait_ms;
    node::p2p::TransportConfig tc;
    tc.listen_address = config->p2p_listen;
    tc.listen_port = config->p2p_port;
    for (const node::PeerConfig& p : config->peers) tc.peers.push_back({p.public_key, p.address});
    runner = std::make_unique<node::Runner>(
        io, rc, tc, *key, ledger, mempool,
        [&](std::uint64_t height) {
          if (server) server->NotifyCommitted(height);
          cosign_and_share();
        },
        &checkpoints);
  }

  api::NodeHooks hooks;
  const std::string node_id = crypto::ToHex(key->public_key);
  hooks.submit = [&](std::vector<Bytes> envelopes) {
    std::vector<api::SubmitResult> results;
    std::vector<Bytes> admitted;
    for (Bytes& e : envelopes) {
      auto [id, status] = mempool.Submit(e);
      if (status.ok()) admitted.push_back(std::move(e));
      results.push_back({id, status});
    }
    // Observers pass txs on to the validators like anyone else: they are an API front end too.
    if (runner && !admitted.empty()) runner->Gossip(std::move(admitted));
    return results;
  };
  hooks.pending = [&](const Hash256& id) {
    api::PendingInfo info;
    Status error;
    switch (mempool.State(id, &error)) {
      case node::TxState::kPending: info.state = api::PendingState::kPending; break;
      case node::TxState::kRejected:
        info.state = api::PendingState::kRejected;
        info.error = error;
        break;
      case node::TxState::kUnknown: break;
    }
    return info;
  };
  hooks.checkpoint_note = [&]() -> std::optional<std::string> {
    auto best = checkpoints.Best();
    if (!best) return std::nullopt;
    return best->note;
  };
  hooks.info = [&] {
    return api::NodeInfo{node_id, observer ? "observer" : "validator", mempool.size(),
                         runner ? runner->stats().peers : 0};
  };

  server = std::make_unique<api::Server>(config->api, ledger, hooks);
  if (Status s = server->Start(); !s.ok()) return Fail("api", s);
  if (runner) {
    if (Status s = runner->Start(); !s.ok()) return Fail("p2p", s);
  }

  std::unique_ptr<node::SoloProducer> producer;
  if (solo) {
    producer = std::make_unique<node::SoloProducer>(io, ledger, mempool, *key, config->block_interval_ms,
                                                    [&](const ledger::ExecutedBlock& block) {
                                                      server->NotifyCommitted(block.block.header().height());
                                                      if (runner) runner->AnnounceHead();
                                                      cosign_and_share();
                                                    });
    producer->Start();
  }
  // A checkpoint of the head at once, so a restarted validator serves one before the next block.
  cosign_and_share();
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int signal) {
    node::LogEvent("info", "node_stopping", {{"signal", signal}});
    if (producer) producer->Stop();
    if (runner) runner->Stop();
    io.stop();
  });
  node::LogEvent("info", "node_started",
                 {{"chain_id", genesis->chain_id},
                  {"role", observer ? "observer" : "validator"},
                  {"node_id", node_id},
                  {"height", ledger.height()},
                  {"api", "http://" + config->api.listen_address + ":" + std::to_string(server->port())},
                  {"p2p", runner ? config->p2p_listen + ":" + std::to_string(config->p2p_port) : "off"}});
  // Keep the loop alive while idle: the producer's timer is re-armed, observers wait for signals.
  io.run();
  if (runner) runner->Stop();
  server->Stop();
  node::LogEvent("info", "node_stopped", {{"height", ledger.height()}});
  return 0;
}
