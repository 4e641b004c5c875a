// shanliu-node: a validator or observer of a Shanliu chain, hosting the HTTP API.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <iostream>
#include <string>

#include "shanliu/api/server.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/hash.h"
#include "shanliu/ledger/ledger.h"
#include "shanliu/node/config.h"
#include "shanliu/node/log.h"
#include "shanliu/node/mempool.h"
#include "shanliu/node/solo_producer.h"
#include "shanliu/node/version.h"

namespace {

using namespace shanliu;

constexpr const char* kUsage = R"(usage: shanliu-node --config FILE
       shanliu-node --help | --version

Runs a node of a Shanliu chain: it stores the signed ledger, produces blocks when it is
the chain's validator, and serves the HTTP API (and the explorer, if configured).

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
  if (!observer && genesis->validators.size() > 1) {
    return Fail("consensus", Status::Error("unsupported", "this build produces blocks only on single-validator "
                                                          "chains; multi-validator networks need the p2p layer"));
  }

  auto opened = ledger::Ledger::Open(config->data_dir, *genesis);
  if (!opened.ok()) return Fail("ledger", opened.status());
  ledger::Ledger& ledger = **opened;
  node::Mempool mempool(ledger, config->mempool);

  api::NodeHooks hooks;
  const std::string node_id = crypto::ToHex(key->public_key);
  hooks.submit = [&](std::vector<Bytes> envelopes) {
    std::vector<api::SubmitResult> results;
    for (const Bytes& e : envelopes) {
      if (observer) {
        results.push_back({Hash256{}, Status::Error("unavailable", "observers do not accept transactions")});
        continue;
      }
      auto [id, status] = mempool.Submit(e);
      results.push_back({id, status});
    }
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
  hooks.info = [&] {
    return api::NodeInfo{node_id, observer ? "observer" : "validator", mempool.size(), 0};
  };

  api::Server server(config->api, ledger, hooks);
  if (Status s = server.Start(); !s.ok()) return Fail("api", s);

  boost::asio::io_context io;
  std::unique_ptr<node::SoloProducer> producer;
  if (!observer) {
    producer = std::make_unique<node::SoloProducer>(
        io, ledger, mempool, *key, config->block_interval_ms,
        [&](const ledger::ExecutedBlock& block) { server.NotifyCommitted(block.block.header().height()); });
    producer->Start();
  }
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int signal) {
    node::LogEvent("info", "node_stopping", {{"signal", signal}});
    if (producer) producer->Stop();
    io.stop();
  });
  node::LogEvent("info", "node_started",
                 {{"chain_id", genesis->chain_id},
                  {"role", observer ? "observer" : "validator"},
                  {"node_id", node_id},
                  {"height", ledger.height()},
                  {"api", "http://" + config->api.listen_address + ":" + std::to_string(server.port())}});
  // Keep the loop alive while idle: the producer's timer is re-armed, observers wait for signals.
  io.run();
  server.Stop();
  node::LogEvent("info", "node_stopped", {{"height", ledger.height()}});
  return 0;
}
