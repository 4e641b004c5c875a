// shanliu-node's backup and restore commands and what the running node does for them
// (backup_command.cc; docs/operator.md "Backup and restore").
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>

#include "shanliu/ledger/ledger.h"
#include "shanliu/node/admin.h"

namespace shanliu::node {

// `shanliu-node backup ...` and `shanliu-node restore ...` (argv[1] is the command). Exit codes:
// 0 done, 1 failed (typed error on stderr), 2 bad arguments.
int BackupCommand(int argc, char** argv);
int RestoreCommand(int argc, char** argv);

// The running node's admin socket in data_dir, serving backups of `ledger` (which must outlive
// it: stop it first). A backup that meets a record failing its checksum tells `storage_corrupt`
// (the node's DamageGuard), as any other reader would. Null (logged admin_socket_unavailable) if
// it cannot listen.
std::unique_ptr<admin::Server> StartAdminSocket(const std::filesystem::path& data_dir, ledger::Ledger& ledger,
                                                std::function<void(const std::string& detail)> storage_corrupt);

// At start: a validator on a restored store (backup::kRestoredFile) stops with
// backup::kExitRestoredValidator unless `restored_ok`, which clears the record. An exit code,
// or nothing to go on.
std::optional<int> CheckRestored(const std::filesystem::path& data_dir, bool validator, bool restored_ok);

}  // namespace shanliu::node
