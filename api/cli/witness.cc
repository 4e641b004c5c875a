// shanliu witness: run a C2SP tlog-witness (c2sp.org/tlog-witness) that cosigns a Shanliu
// chain's checkpoints — what a newspaper or a university runs (docs/witness.md).
#include <iostream>

#include "commands.h"
#include "shanliu/crypto/keys.h"
#include "shanliu/ledger/genesis.h"
#include "shanliu/ledger/witness.h"
#include "witness_http.h"

namespace shanliu::cli {

const char kWitnessUsage[] = R"(usage: shanliu witness serve --name NAME --key FILE --state DIR --listen ADDR:PORT
                               --log GENESIS_FILE [--log GENESIS_FILE ...] [--log-vkey ORIGIN=VKEY ...]
       shanliu witness vkey --name NAME --key FILE

A C2SP tlog-witness (c2sp.org/tlog-witness): POST /add-checkpoint takes "old <size>", a
consistency proof and a checkpoint note, checks it against the log's policy and what it cosigned
before (kept durably in DIR), and answers with its cosignature/v1 line. GET / lists the logs.

A log's policy: with --log (the chain's genesis.json), cosignatures of the genesis validators
holding more than 2/3 of the voting power, or the origin line of the genesis origin_key (the
validators' threshold key, which survives validator-set changes); with --log-vkey ORIGIN=VKEY
(VKEY = <origin>+<hex key ID>+<base64(0x01 || key)>), an Ed25519 signed-note signature by that key.

  serve   run the witness until SIGINT or SIGTERM
  vkey    print the witness's verifier key (<name>+<key ID>+<base64(0x04 || key)>) to give to
          the logs and readers that check its cosignatures

options:
  --name NAME        the witness's key name, e.g. news.example.cn/witness (no spaces, no '+')
  --key FILE         its Ed25519 key file (shanliu keygen --out FILE)
  --state DIR        where it records what it cosigned (LevelDB, created if missing)
  --listen ADDR:PORT address to serve on, e.g. 127.0.0.1:7380 (port 0: any free port)
  --log FILE         a Shanliu chain's genesis.json (repeatable)
  --log-vkey O=VKEY  an Ed25519 key the log with origin O signs its checkpoints with (repeatable)

exit status: 0 stopped cleanly; 1 cannot start; 2 usage
)";

namespace {

int ServeUsage(const std::string& message) { return UsageError("witness", kWitnessUsage, message); }

// The witness's name must be a signed-note key name; checked by formatting and re-reading its vkey.
Result<crypto::KeyPair> LoadIdentity(const Args& args) {
  if (!args.Has("name") || !args.Has("key")) return Status::Error("usage", "--name NAME and --key FILE are required");
  auto key = crypto::ReadKeyFile(*args.Get("key"));
  if (!key.ok()) return key.status();
  auto vkey = ledger::ParseVerifierKey(
      ledger::FormatVerifierKey(*args.Get("name"), ledger::kCosignatureV1KeyType, key->public_key));
  if (!vkey.ok()) return Status::Error("usage", "--name: not a signed-note key name (no spaces, no '+')");
  return key;
}

Result<std::vector<ledger::LogPolicy>> LoadLogs(const Args& args) {
  std::map<std::string, ledger::LogPolicy> by_origin;
  for (const std::string& path : args.GetAll("log")) {
    auto genesis = ledger::LoadGenesis(path);
    if (!genesis.ok()) return genesis.status();
    ledger::LogPolicy policy = ledger::GenesisLogPolicy(*genesis);
    if (by_origin.count(policy.origin)) return Status::Error("usage", "--log " + path + ": origin given twice");
    by_origin.emplace(policy.origin, std::move(policy));
  }
  for (const std::string& entry : args.GetAll("log-vkey")) {
    const std::size_t eq = entry.find('=');
    if (eq == std::string::npos) return Status::Error("usage", "--log-vkey takes ORIGIN=VKEY");
    const std::string origin = entry.substr(0, eq);
    auto key = ledger::ParseVerifierKey(entry.substr(eq + 1));
    if (!key.ok()) return Status::Error("usage", "--log-vkey " + origin + ": " + key.status().message());
    if (key->type != ledger::kNoteEd25519KeyType) {
      return Status::Error("usage", "--log-vkey " + origin + ": a log key is an Ed25519 signed-note key (type 1)");
    }
    // C2SP: a log signs its checkpoints under its origin name.
    if (key->name != origin) return Status::Error("usage", "--log-vkey: the key's name is not the origin " + origin);
    ledger::LogPolicy& policy = by_origin[origin];
    policy.origin = origin;
    policy.origin_keys.push_back(*key);
  }
  if (by_origin.empty()) return Status::Error("usage", "at least one --log or --log-vkey is required");
  std::vector<ledger::LogPolicy> out;
  for (auto& [origin, policy] : by_origin) out.push_back(std::move(policy));
  return out;
}

Result<WitnessHttpConfig> ParseListen(const std::string& listen) {
  const std::size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) return Status::Error("usage", "--listen takes ADDR:PORT");
  auto port = ParseUInt(listen.substr(colon + 1), 0, 65535, "--listen port");
  if (!port.ok()) return Status::Error("usage", port.status().message());
  WitnessHttpConfig config;
  config.address = listen.substr(0, colon);
  if (config.address.starts_with('[') && config.address.ends_with(']')) {
    config.address = config.address.substr(1, config.address.size() - 2);
  }
  config.port = static_cast<std::uint16_t>(*port);
  return config;
}

int Serve(const Args& args) {
  if (Status s = RequireOnly(args, {"name", "key", "state", "listen", "log", "log-vkey"}); !s.ok()) {
    return ServeUsage(s.message());
  }
  if (!args.Has("state") || !args.Has("listen")) return ServeUsage("--state DIR and --listen ADDR:PORT are required");
  auto key = LoadIdentity(args);
  if (!key.ok()) return key.status().code() == "usage" ? ServeUsage(key.status().message()) : Fail("witness", key.status());
  auto logs = LoadLogs(args);
  if (!logs.ok()) {
    return logs.status().code() == "usage" ? ServeUsage(logs.status().message()) : Fail("witness", logs.status());
  }
  auto config = ParseListen(*args.Get("listen"));
  if (!config.ok()) return ServeUsage(config.status().message());
  auto store = ledger::WitnessStore::Open(*args.Get("state"));
  if (!store.ok()) return Fail("witness", store.status());
  ledger::Witness witness(*args.Get("name"), std::move(*key), std::move(*logs), std::move(store).value());
  // Refuse to start on a state that does not read: cosigning from "nothing" would restart history.
  if (auto records = witness.Records(); !records.ok()) return Fail("witness", records.status());
  if (Status s = ServeWitness(witness, *config); !s.ok()) return Fail("witness", s);
  return 0;
}

int Vkey(const Args& args) {
  if (Status s = RequireOnly(args, {"name", "key"}); !s.ok()) return ServeUsage(s.message());
  auto key = LoadIdentity(args);
  if (!key.ok()) return key.status().code() == "usage" ? ServeUsage(key.status().message()) : Fail("witness", key.status());
  std::cout << ledger::FormatVerifierKey(*args.Get("name"), ledger::kCosignatureV1KeyType, key->public_key) << "\n";
  return 0;
}

}  // namespace

int Witness(const Args& args) {
  if (args.positional.size() != 1) return ServeUsage("one subcommand: serve or vkey");
  if (args.positional[0] == "serve") return Serve(args);
  if (args.positional[0] == "vkey") return Vkey(args);
  return ServeUsage("unknown subcommand '" + args.positional[0] + "'");
}

}  // namespace shanliu::cli
