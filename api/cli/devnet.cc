// shanliu devnet: genesis, keys and node configs for a local network (DESIGN 11).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <regex>

#include "commands.h"
#include "shanliu/ledger/registry_codes.h"
#include "format.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/frost.h"
#include "shanliu/crypto/hash.h"
#include "shanliu/ledger/genesis.h"
#include "shanliu/ledger/tx.h"

namespace shanliu::cli {
namespace {

// Resident populations (常住人口, rounded, from the districts' statistical yearbooks) of the
// places the demo's organisations sit in, for the genesis year and the one before, so the
// region dashboards show per-capita giving on a fresh devnet (docs/regions.md). A real chain
// records them by the bureau's RegionPopulation txs as the statistics bureau publishes them.
void AddDemoPopulations(ledger::Genesis& genesis) {
  static const std::pair<const char*, std::uint64_t> kPopulations[] = {
      {"33", 66'270'000},      {"3301", 12'524'000}, {"330102", 1'400'000}, {"330105", 1'190'000},
      {"330106", 1'135'000},   {"330108", 550'000},  {"330109", 2'130'000}, {"330110", 1'370'000},
      {"330114", 790'000}};
  const auto year = static_cast<std::uint32_t>(BeijingYear(genesis.genesis_time_ms));
  for (std::uint32_t y : {year - 1, year}) {
    for (const auto& [region, population] : kPopulations) genesis.populations.push_back({region, y, population});
  }
}

namespace fs = std::filesystem;
using nlohmann::json;

constexpr std::uint64_t kMaxValidators = 12;
constexpr std::uint64_t kMaxObservers = 12;
constexpr std::size_t kMinBanks = 3;

struct FoundingOrg {
  const char* name_zh;
  const char* name_en;
  const char* kind2;
  const char* division;
};

constexpr FoundingOrg kBureau = {"杭州市西湖区民政局", "Civil Affairs Bureau of Xihu District, Hangzhou", "11", "330106"};
constexpr FoundingOrg kFederation = {"杭州市西湖区慈善总会", "Xihu District Charity Federation, Hangzhou", "51",
                                     "330106"};
constexpr FoundingOrg kBanks[] = {
    {"中国工商银行股份有限公司杭州分行", "Industrial and Commercial Bank of China, Hangzhou Branch", "91", "330100"},
    {"中国建设银行股份有限公司杭州分行", "China Construction Bank, Hangzhou Branch", "91", "330100"},
    {"杭州银行股份有限公司西湖支行", "Bank of Hangzhou, Xihu Sub-branch", "91", "330106"},
    {"中国农业银行股份有限公司杭州分行", "Agricultural Bank of China, Hangzhou Branch", "91", "330100"},
    {"中国银行股份有限公司杭州市分行", "Bank of China, Hangzhou Branch", "91", "330100"},
    {"交通银行股份有限公司杭州分行", "Bank of Communications, Hangzhou Branch", "91", "330100"},
    {"招商银行股份有限公司杭州分行", "China Merchants Bank, Hangzhou Branch", "91", "330100"},
    {"浙商银行股份有限公司杭州分行", "China Zheshang Bank, Hangzhou Branch", "91", "330100"},
    {"浙江杭州余杭农村商业银行股份有限公司", "Zhejiang Hangzhou Yuhang Rural Commercial Bank", "91", "330110"},
    {"中信银行股份有限公司杭州分行", "China CITIC Bank, Hangzhou Branch", "91", "330100"},
};

struct NodePlan {
  std::string name;  // "node0"
  bool observer = false;
  bool standby = false;  // a bank's node outside the genesis set, not an observer (--standby)
  std::string org;   // the organisation running a validator
  crypto::KeyPair key;
  std::uint16_t api_port = 0;
  std::uint16_t p2p_port = 0;
};

// The organisation code body is derived from the org id, so a devnet's codes are stable.
std::string CodeFor(const FoundingOrg& o, const std::string& org_id) {
  const Hash256 h = crypto::Sha256(AsBytes(std::string("shanliu/devnet/credit-code/") + org_id));
  return ledger::MakeCreditCode(o.kind2, o.division, ReadU64(h));
}

ledger::GenesisOrg MakeOrg(const std::string& id, pb::OrgKind kind, const FoundingOrg& o, const crypto::KeyPair& key) {
  ledger::GenesisOrg org;
  org.org_id = id;
  org.kind = kind;
  org.name_zh = o.name_zh;
  org.name_en = o.name_en;
  org.credit_code = CodeFor(o, id);
  org.public_keys = {key.public_key};
  return org;
}

// The built explorer next to the program (build/bin/shanliu -> explorer/dist), if there is one.
std::string DefaultExplorerDir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return "";
  const fs::path dist = exe.parent_path().parent_path().parent_path() / "explorer" / "dist";
  return fs::exists(dist / "index.html", ec) ? dist.string() : "";
}

Status WriteText(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return Status::Error("io_error", "cannot write " + path.string());
  return Status::Ok();
}

// --force: removes only what a devnet run creates.
Status RemovePrevious(const fs::path& dir) {
  std::error_code ec;
  fs::remove(dir / "genesis.json", ec);
  if (ec) return Status::Error("io_error", "cannot remove " + (dir / "genesis.json").string() + ": " + ec.message());
  fs::remove_all(dir / "keys", ec);
  if (ec) return Status::Error("io_error", "cannot remove " + (dir / "keys").string() + ": " + ec.message());
  const std::regex node_dir("node[0-9]+");
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_directory() && std::regex_match(entry.path().filename().string(), node_dir)) {
      fs::remove_all(entry.path(), ec);
      if (ec) return Status::Error("io_error", "cannot remove " + entry.path().string() + ": " + ec.message());
    }
  }
  return Status::Ok();
}

nlohmann::ordered_json NodeConfig(const NodePlan& node, const std::vector<NodePlan>& all, const std::string& explorer_dir) {
  nlohmann::ordered_json peers = nlohmann::ordered_json::array();
  for (const NodePlan& other : all) {
    if (other.name == node.name) continue;
    peers.push_back({{"public_key", crypto::ToHex(other.key.public_key)},
                     {"address", "127.0.0.1:" + std::to_string(other.p2p_port)}});
  }
  return nlohmann::ordered_json{{"data_dir", "data"},
              {"genesis", "../genesis.json"},
              {"node_key", "node.key"},
              {"api", {{"listen", "127.0.0.1"}, {"port", node.api_port}, {"threads", 2}, {"explorer_dir", explorer_dir},
                       // Disclosure documents (shanliu demo writes them there), at /documents/.
                       {"documents_dir", "../documents"}}},
              {"blocks", {{"interval_ms", 300}}},
              // The node's own audit: a devnet chain is small, so audit it often enough that
              // the regulator page's audit status follows a demo as it loads.
              {"audit", {{"every_blocks", 20}, {"every_ms", 600'000}}},
              {"mempool", {{"max_txs", 50000}}},
              {"p2p", {{"listen", "127.0.0.1"}, {"port", node.p2p_port}, {"peers", peers}}},
              {"observer", node.observer}};
}

}  // namespace

const char kDevnetUsage[] = R"(usage: shanliu devnet --dir DIR --validators N [--observers M] [--standby K]
                      [--base-port P] [--chain-id ID] [--explorer-dir PATH] [--force]

Writes everything a local network needs into DIR:
  DIR/genesis.json          the chain: the bureau (民政局), the federation (慈善总会) and banks
                            as founding organisations, and the validators
  DIR/keys/<org>.key        each founding organisation's signing key (0600): bureau,
                            federation, bank-1, bank-2, ... (at least 3 banks)
  DIR/node<i>/node.key      each node's own identity key (0600), separate from org keys
  DIR/node<i>/origin.share  each validator's share of the origin key (0600; 2 validators or
                            more): a trusted dealer splits it floor(2N/3)+1-of-N, and genesis
                            holds the group key and every verifying share ("origin_key")
  DIR/node<i>/config.json   shanliu-node configuration; API on port P+10i, p2p on P+10i+1,
                            every other node as a peer
Validators: node0 is run by the bureau, node1 by the federation, node2.. by the banks;
observers (non-voting, read-only nodes) follow them. With --standby K, the first K observers
are standby validators instead: each is run by a bank of its own (registered in genesis, with
its org key in DIR/keys), is configured "observer": false, and follows without voting until a
ValidatorSetChange adds its key (docs/operator.md "Adding or removing a validator").

options:
  --dir DIR             output folder (created; refused if it already holds a genesis.json)
  --validators N        1 to 12
  --observers M         0 to 12 (default 0)
  --standby K           0 to M (default 0): observers that are banks' standby validators
  --base-port P         first API port (default 8080)
  --chain-id ID         [a-z0-9-]{3,40} (default shanliu-devnet)
  --explorer-dir PATH   built explorer files for the nodes to serve (default: explorer/dist
                        beside this program's build, if it exists)
  --force               replace a previous devnet in DIR: deletes DIR/genesis.json, DIR/keys
                        and DIR/node*/ (their ledgers too) first
)";

int Devnet(const Args& args) {
  const auto usage = [](const std::string& m) { return UsageError("devnet", kDevnetUsage, m); };
  if (Status s = RequireOnly(args, {"dir", "validators", "observers", "standby", "base-port", "chain-id", "explorer-dir",
                                      "force"});
      !s.ok()) {
    return usage(s.message());
  }
  if (!args.positional.empty()) return usage("unexpected argument '" + args.positional[0] + "'");
  if (!args.Has("dir") || args.Get("dir")->empty()) return usage("--dir DIR is required");
  if (!args.Has("validators")) return usage("--validators N is required");
  auto validators = ParseUInt(*args.Get("validators"), 1, kMaxValidators, "--validators");
  if (!validators.ok()) return usage(validators.status().message());
  auto observers = ParseUInt(args.Get("observers").value_or("0"), 0, kMaxObservers, "--observers");
  if (!observers.ok()) return usage(observers.status().message());
  auto standby = ParseUInt(args.Get("standby").value_or("0"), 0, *observers, "--standby");
  if (!standby.ok()) return usage(standby.status().message());
  const std::uint64_t nodes = *validators + *observers;
  auto base_port = ParseUInt(args.Get("base-port").value_or("8080"), 1, 65535 - (nodes - 1) * 10 - 1, "--base-port");
  if (!base_port.ok()) return usage(base_port.status().message());
  const std::string chain_id = args.Get("chain-id").value_or("shanliu-devnet");
  if (!ledger::IsValidId(chain_id)) return usage("--chain-id must match [a-z0-9-]{3,40}");
  std::string explorer_dir = DefaultExplorerDir();
  if (auto e = args.Get("explorer-dir")) {
    std::error_code ec;
    explorer_dir = e->empty() ? "" : fs::absolute(*e, ec).lexically_normal().string();
    if (!explorer_dir.empty() && !fs::is_directory(explorer_dir, ec)) {
      return usage("--explorer-dir " + *e + " is not a folder");
    }
  }

  std::error_code ec;
  const fs::path dir = fs::absolute(*args.Get("dir"), ec).lexically_normal();
  if (fs::exists(dir / "genesis.json", ec)) {
    if (!args.Has("force")) {
      return Fail("devnet", Status::Error("already_exists", (dir / "genesis.json").string() +
                                                                " exists: this folder already holds a network "
                                                                "(use --force to replace it and its ledgers)"));
    }
    if (Status s = RemovePrevious(dir); !s.ok()) return Fail("devnet", s);
  }

  // Organisations and their keys.
  ledger::Genesis genesis;
  genesis.chain_id = chain_id;
  genesis.genesis_time_ms = NowMs();
  std::vector<std::pair<std::string, crypto::KeyPair>> org_keys;
  const auto add_org = [&](const std::string& id, pb::OrgKind kind, const FoundingOrg& o) {
    org_keys.emplace_back(id, crypto::GenerateKeyPair());
    genesis.organisations.push_back(MakeOrg(id, kind, o, org_keys.back().second));
  };
  add_org("bureau", pb::ORG_KIND_BUREAU, kBureau);
  add_org("federation", pb::ORG_KIND_FEDERATION, kFederation);
  const std::size_t banks = std::max<std::size_t>(kMinBanks, *validators > 2 ? *validators - 2 : 0);
  // A standby validator's bank comes after the founding banks; validators may only be run by
  // registered banks (and the bureau and federation), so it is registered here too.
  if (banks + *standby > std::size(kBanks)) {
    return usage("--validators and --standby together need more banks than the devnet has (" +
                 std::to_string(std::size(kBanks)) + ")");
  }
  for (std::size_t b = 0; b < banks + *standby; ++b) {
    add_org("bank-" + std::to_string(b + 1), pb::ORG_KIND_BANK, kBanks[b]);
  }

  AddDemoPopulations(genesis);

  // Nodes: validators first (bureau, federation, banks), then observers.
  std::vector<NodePlan> plan;
  for (std::uint64_t i = 0; i < nodes; ++i) {
    NodePlan n;
    n.name = "node" + std::to_string(i);
    n.observer = i >= *validators + *standby;
    n.org = n.observer ? "" : i == 0 ? "bureau" : i == 1 ? "federation" : "bank-" + std::to_string(i - 1);
    // Standby: after the founding banks, numbered on from them.
    n.standby = i >= *validators && !n.observer;
    if (n.standby) n.org = "bank-" + std::to_string(banks + 1 + (i - *validators));
    n.key = crypto::GenerateKeyPair();
    n.api_port = static_cast<std::uint16_t>(*base_port + i * 10);
    n.p2p_port = static_cast<std::uint16_t>(*base_port + i * 10 + 1);
    if (i < *validators) genesis.validators.push_back(ledger::Validator{n.key.public_key, 1, n.org});
    plan.push_back(std::move(n));
  }
  // The origin key (docs/decisions.md "FROST wiring"): the devnet generator holds every key
  // already, so a trusted dealer adds no trust; a 1-validator chain has no threshold to share.
  std::optional<crypto::frost::DealerOutput> dealt;
  if (*validators >= 2) {
    auto out = crypto::frost::TrustedDealerKeygen(static_cast<std::uint16_t>(*validators),
                                                  ledger::OriginThreshold(*validators));
    if (!out.ok()) return Fail("devnet", out.status());
    genesis.origin_key = ledger::GenesisOriginKey{out->public_keys.verifying_key, out->public_keys.min_signers, {}};
    for (const auto& [id, share] : out->public_keys.verifying_shares) genesis.origin_key->verifying_shares.push_back(share);
    dealt = std::move(*out);
  }
  const std::string genesis_json = ledger::GenesisToJson(genesis);
  if (auto parsed = ledger::ParseGenesis(genesis_json); !parsed.ok()) return Fail("devnet", parsed.status());

  // Files.
  fs::create_directories(dir / "keys", ec);
  if (ec) return Fail("devnet", Status::Error("io_error", "cannot create " + (dir / "keys").string() + ": " + ec.message()));
  for (const auto& [id, key] : org_keys) {
    if (Status s = crypto::WriteKeyFile(dir / "keys" / (id + ".key"), key); !s.ok()) return Fail("devnet", s);
  }
  for (const NodePlan& n : plan) {
    const fs::path node_dir = dir / n.name;
    fs::create_directories(node_dir, ec);
    if (ec) return Fail("devnet", Status::Error("io_error", "cannot create " + node_dir.string() + ": " + ec.message()));
    if (Status s = crypto::WriteKeyFile(node_dir / "node.key", n.key); !s.ok()) return Fail("devnet", s);
    // Validator i holds FROST identifier i + 1 (the dealer's shares are in that order).
    const std::size_t index = static_cast<std::size_t>(&n - plan.data());
    if (dealt && index < *validators) {
      if (Status s = crypto::frost::WriteShareFile(node_dir / "origin.share", static_cast<std::uint16_t>(index + 1),
                                                   dealt->shares[index].value);
          !s.ok()) {
        return Fail("devnet", s);
      }
    }
    if (Status s = WriteText(node_dir / "config.json", NodeConfig(n, plan, explorer_dir).dump(2) + "\n"); !s.ok()) {
      return Fail("devnet", s);
    }
  }
  // The genesis goes last: its presence marks a complete devnet.
  if (Status s = WriteText(dir / "genesis.json", genesis_json); !s.ok()) return Fail("devnet", s);

  std::cout << "devnet '" << chain_id << "' in " << dir.string() << ": " << *validators << " validator"
            << (*validators == 1 ? "" : "s") << ", " << *observers << " observer" << (*observers == 1 ? "" : "s")
            << "\n  genesis   " << (dir / "genesis.json").string() << "\n  org keys  ";
  for (std::size_t i = 0; i < org_keys.size(); ++i) {
    std::cout << (i == 0 ? "" : ", ") << (dir / "keys" / (org_keys[i].first + ".key")).string();
  }
  std::cout << "\n";
  for (const NodePlan& n : plan) {
    std::cout << "  " << n.name << (n.observer ? "  observer            " : n.standby ? "  standby   " : "  validator ")
              << n.org
              << std::string(n.observer ? 0 : std::max<std::size_t>(1, 11 - n.org.size()), ' ')
              << "api http://127.0.0.1:" << n.api_port << "  p2p 127.0.0.1:" << n.p2p_port << "  config "
              << (dir / n.name / "config.json").string() << "\n";
  }
  std::cout << "start a node:  shanliu-node --config " << (dir / "node0" / "config.json").string()
            << "\nload the demo: shanliu demo --node http://127.0.0.1:" << plan[0].api_port << " --dir "
            << dir.string() << "\n";
  return 0;
}

}  // namespace shanliu::cli
