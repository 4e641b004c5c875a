// shanliu-node backup / restore (docs/operator.md "Backup and restore"), the running node's admin
// socket that serves backups, and the restored-validator guard. Part of the shanliu-node
// executable: it reads the node's config file, which the node library does not know.
#include "backup_command.h"

#include <iostream>
#include <string>

#include "shanliu/crypto/codec.h"
#include "shanliu/node/admin.h"
#include "shanliu/node/backup.h"
#include "shanliu/node/clock.h"
#include "shanliu/node/config.h"
#include "shanliu/node/log.h"

namespace shanliu::node {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct Args {
  std::optional<fs::path> config, data_dir, genesis, out, verify, from;
  bool force = false;
};

// Flags of `backup` / `restore` (argv[1] is the command). false on an unknown argument.
bool ParseArgs(int argc, char** argv, Args& args) {
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--force") {
      args.force = true;
      continue;
    }
    std::optional<fs::path>* slot = arg == "--config"     ? &args.config
                                    : arg == "--data-dir" ? &args.data_dir
                                    : arg == "--genesis"  ? &args.genesis
                                    : arg == "--out"      ? &args.out
                                    : arg == "--verify"   ? &args.verify
                                    : arg == "--from"     ? &args.from
                                                          : nullptr;
    if (!slot || !has_value) {
      std::cerr << "shanliu-node " << argv[1] << ": unknown argument '" << arg << "'\n";
      return false;
    }
    *slot = fs::path(argv[++i]);
  }
  return true;
}

// --data-dir and --genesis, or what --config names (the flags win).
bool ResolvePaths(Args& args, const char* command) {
  if (!args.config) return true;
  auto config = LoadNodeConfig(*args.config);
  if (!config.ok()) {
    std::cerr << "shanliu-node " << command << ": config: " << config.status().ToString() << "\n";
    return false;
  }
  if (!args.data_dir) args.data_dir = config->data_dir;
  if (!args.genesis) args.genesis = config->genesis;
  return true;
}

int Failed(const char* command, const Status& s) {
  std::cerr << "shanliu-node " << command << ": " << s.ToString() << "\n";
  return 1;
}

void PrintManifest(const backup::Manifest& m, const fs::path& dir) {
  std::cout << "backup of height " << m.height << " written to " << dir.string() << "\n"
            << "  block " << crypto::ToHex(m.block_hash) << ", state root "
            << crypto::ToHex(m.state_root) << "\n"
            << "  " << m.records << " records, " << m.files.size() << " files, from the "
            << (m.source == "running_node" ? "running node (one snapshot)" : "stopped store") << "\n";
}

// Asks the running node over its admin socket; if none answers, reads the stopped store.
int Backup(const Args& args) {
  const fs::path out = fs::absolute(*args.out);  // the node's working directory is not ours
  auto answer = admin::Call(*args.data_dir / admin::kSocketFile, {{"command", "backup"}, {"out", out.string()}});
  if (!answer.ok() && answer.status().code() != "unavailable") return Failed("backup", answer.status());
  if (!answer.ok()) {
    auto written = backup::BackupStoppedStore(*args.data_dir, out, SystemClock().WallMs());
    if (!written.ok()) return Failed("backup", written.status());
    PrintManifest(*written, out);
    return 0;
  }
  if (answer->contains("error")) {
    const json& e = (*answer)["error"];
    return Failed("backup", Status::Error(e.value("code", "bad_response"), e.value("message", "")));
  }
  auto manifest = answer->contains("manifest") ? backup::DecodeManifest((*answer)["manifest"].dump())
                                               : Result<backup::Manifest>(Status::Error("bad_response", "no manifest"));
  if (!manifest.ok()) return Failed("backup", manifest.status());
  PrintManifest(*manifest, out);
  return 0;
}

void PrintProved(const backup::Proved& p) {
  const audit::AuditReport& r = p.report;
  std::cout << "backup verified: height " << r.head_height << ", block " << r.head_hash_hex << ", state root "
            << r.state_root_hex << "\n"
            << "  every file matches the manifest; " << r.blocks_checked << " blocks and " << r.txs_checked
            << " txs replayed from genesis, " << r.signatures_checked
            << " signatures checked; checks passed:";
  for (const std::string& c : r.checks_passed) std::cout << " " << c;
  std::cout << "\n";
}

}  // namespace

int BackupCommand(int argc, char** argv) {
  Args args;
  if (!ParseArgs(argc, argv, args) || !ResolvePaths(args, "backup")) return 2;
  if (args.verify) {
    if (!args.genesis) return Failed("backup", Status::Error("invalid_argument", "--verify needs --config or --genesis"));
    auto genesis = ledger::LoadGenesis(*args.genesis);
    if (!genesis.ok()) return Failed("backup", genesis.status());
    auto proved = backup::VerifyBackup(*args.verify, *genesis);
    if (!proved.ok()) return Failed("backup --verify", proved.status());
    PrintProved(*proved);
    return 0;
  }
  if (!args.data_dir || !args.out) {
    return Failed("backup", Status::Error("invalid_argument", "give --out DIR and --config FILE (or --data-dir DIR)"));
  }
  return Backup(args);
}

int RestoreCommand(int argc, char** argv) {
  Args args;
  if (!ParseArgs(argc, argv, args) || !ResolvePaths(args, "restore")) return 2;
  if (!args.from || !args.data_dir || !args.genesis) {
    return Failed("restore", Status::Error("invalid_argument",
                                           "give --from DIR and --config FILE (or --data-dir DIR --genesis FILE)"));
  }
  auto genesis = ledger::LoadGenesis(*args.genesis);
  if (!genesis.ok()) return Failed("restore", genesis.status());
  backup::RestoreOptions options;
  options.from = *args.from;
  options.data_dir = *args.data_dir;
  options.force = args.force;
  options.restored_ms = SystemClock().WallMs();
  auto restored = backup::RestoreBackup(options, *genesis);
  if (!restored.ok()) {
    std::cerr << "shanliu-node restore: " << restored.status().ToString() << "\nthe data directory "
              << options.data_dir.string() << " was not changed\n";
    return 1;
  }
  PrintProved(restored->proved);
  std::cout << "restored into " << options.data_dir.string() << "\n";
  if (restored->set_aside) std::cout << "  the old data directory is kept in " << restored->set_aside->string() << "\n";
  std::cout << "  a validator will not start on it until you confirm with --restored-ok (docs/operator.md)\n";
  return 0;
}

std::unique_ptr<admin::Server> StartAdminSocket(const fs::path& data_dir, ledger::Ledger& ledger,
                                                std::function<void(const std::string& detail)> storage_corrupt) {
  auto handler = [&ledger, storage_corrupt](const json& request, const std::atomic<bool>& stopping) -> json {
    const auto error = [](const std::string& code, const std::string& message) {
      return json{{"error", {{"code", code}, {"message", message}}}};
    };
    if (request.value("command", "") != "backup") return error("bad_request", "unknown command (known: backup)");
    if (!request.contains("out") || !request["out"].is_string()) return error("bad_request", "out must be a string");
    const fs::path out = request["out"].get<std::string>();
    if (!out.is_absolute()) return error("invalid_argument", "out must be an absolute path");
    auto written = backup::WriteBackup(backup::FromReadView(ledger.Read()), out, SystemClock().WallMs(), &stopping);
    if (!written.ok()) {
      LogEvent("warn", "backup_failed", {{"out", out.string()}, {"error", written.status().ToString()}});
      if (written.status().code() == "storage_corrupt" && storage_corrupt) storage_corrupt(written.status().message());
      return error(written.status().code(), written.status().message());
    }
    LogEvent("info", "backup_written", {{"out", out.string()}, {"height", written->height},
                                        {"records", written->records}});
    return json{{"manifest", json::parse(backup::EncodeManifest(*written))}};
  };
  auto server = admin::Server::Start(data_dir / admin::kSocketFile, handler);
  if (!server.ok()) {  // the node runs on; backups then need it stopped
    LogEvent("warn", "admin_socket_unavailable", {{"error", server.status().ToString()}});
    return nullptr;
  }
  return std::move(*server);
}

std::optional<int> CheckRestored(const fs::path& data_dir, bool validator, bool restored_ok) {
  const std::optional<std::string> record = backup::RestoredRecord(data_dir);
  if (!record) return std::nullopt;
  if (!validator) {
    LogEvent("info", "restored_store", {{"restored", *record}});
    return std::nullopt;
  }
  if (!restored_ok) {
    LogEvent("error", "restored_validator", {{"restored", *record}});
    std::cerr << "shanliu-node: restored_validator: the store in " << data_dir.string()
              << " was restored from a backup and this node is a validator: its votes above the restored height\n"
              << "are not in the backup, so it could sign twice. Follow docs/operator.md (\"Restoring a validator\"),\n"
              << "then start it once with --restored-ok.\n";
    return backup::kExitRestoredValidator;
  }
  if (Status s = backup::ClearRestored(data_dir); !s.ok()) {
    LogEvent("error", "startup_failed", {{"step", "restored"}, {"error", s.ToString()}});
    return 1;
  }
  LogEvent("warn", "restored_validator_confirmed", {{"restored", *record}});
  return std::nullopt;
}

}  // namespace shanliu::node
