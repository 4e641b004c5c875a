// shanliu-node's configuration file (JSON, documented in docs/operator.md). Relative
// paths are resolved against the directory holding the config file.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "shanliu/api/server.h"
#include "shanliu/crypto/keys.h"
#include "shanliu/node/mempool.h"
#include "shanliu/status.h"

namespace shanliu::node {

struct PeerConfig {
  crypto::PublicKey public_key{};
  std::string address;  // host:port
};

struct NodeConfig {
  std::filesystem::path data_dir;
  std::filesystem::path genesis;
  std::filesystem::path node_key;
  bool observer = false;
  api::ServerConfig api;
  std::uint32_t block_interval_ms = 300;     // single validator: how often pending txs become a block
  std::uint32_t empty_block_wait_ms = 1000;  // several validators: an idle proposer's wait (below the propose timeout)
  MempoolConfig mempool;
  std::string p2p_listen = "127.0.0.1";
  std::uint16_t p2p_port = 26656;
  std::vector<PeerConfig> peers;
};

Result<NodeConfig> ParseNodeConfig(std::string_view json_text, const std::filesystem::path& base_dir);
Result<NodeConfig> LoadNodeConfig(const std::filesystem::path& path);

}  // namespace shanliu::node
