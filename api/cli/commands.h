// Each shanliu subcommand: takes its arguments, returns the process exit code
// (0 success, 1 a failure outside the user's command line, 2 usage, 3 a verification failed).
#pragma once

#include <string>

#include "args.h"
#include "shanliu/bytes.h"
#include "shanliu/status.h"

namespace shanliu::cli {

int Keygen(const Args& args);
int Key(const Args& args);
int Devnet(const Args& args);
int Tx(const Args& args);
int Trace(const Args& args);
int Verify(const Args& args);
int Demo(const Args& args);
int Audit(const Args& args);
int Checkpoint(const Args& args);
int Export(const Args& args);
int Import(const Args& args);
int Redeem(const Args& args);
int Volunteer(const Args& args);
int Witness(const Args& args);
int Validators(const Args& args);

extern const char kKeygenUsage[];
extern const char kKeyUsage[];
extern const char kDevnetUsage[];
extern const char kTxUsage[];
extern const char kTraceUsage[];
extern const char kVerifyUsage[];
extern const char kDemoUsage[];
extern const char kAuditUsage[];
extern const char kCheckpointUsage[];
extern const char kExportUsage[];
extern const char kImportUsage[];
extern const char kRedeemUsage[];
extern const char kVolunteerUsage[];
extern const char kWitnessUsage[];
extern const char kValidatorsUsage[];

// Prints "shanliu <command>: <message>" and the command's usage to stderr; returns 2.
int UsageError(const std::string& command, const char* usage, const std::string& message);
// Prints "shanliu <command>: <message>" to stderr; returns 1.
int Fail(const std::string& command, const Status& status);

class NodeClient;
// How long `--wait` (and redeem complete, submit --wait) wait for a commit.
constexpr unsigned kCommitWaitMs = 60'000;
// After the node accepted a tx: waits up to `timeout_ms` for `id`, prints its final
// "status   ..." line and returns the command's exit code: 0 only when committed; a rejection,
// or a tx still pending at the timeout, is Fail.
int WaitAndReport(const NodeClient& node, const Hash256& id, unsigned timeout_ms, const std::string& command);

}  // namespace shanliu::cli
