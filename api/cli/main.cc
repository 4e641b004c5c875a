// shanliu: the command-line client (DESIGN 11).
#include <iostream>
#include <string>
#include <vector>

#include "commands.h"
#include "cosign.h"
#include "shanliu/crypto/hash.h"

namespace {

using shanliu::cli::Args;

constexpr const char* kUsage = R"(usage: shanliu <command> [options]      (shanliu <command> --help for details)

commands:
  keygen  --out FILE                            new Ed25519 key file (0600); prints the public key
  key show FILE [--node URL]                    the public key of a key file (and its org)
  devnet  --dir DIR --validators N [...]        genesis, keys and node configs for a local network
  tx      <kind> --key FILE --node URL [...]    build, sign and submit any transaction kind
  demo    --node URL --dir DIR [...]            load a realistic demo district through the API
  trace   CODE --node URL                       print where a donation's money went
  verify  CODE --node URL --genesis FILE        verify a receipt proof offline (exit 0 only if it holds)
  audit   (--node URL | --data-dir DIR) --genesis FILE   replay and re-verify the chain from genesis
  sign    REQ --key FILE | --node URL --request ID --key FILE   add a signature to a signing request
  submit  FILE --node URL [--wait]              submit a complete signing request or a saved envelope
  inbox   --node URL [--signer ORG] [--post REQ]  the node's co-signing inbox: list or post requests
  checkpoint --node URL [--out FILE]            save the current cosigned checkpoint note
  export  --node URL --from D --to D --format csv|iati --out FILE   movements of a period (CSV or IATI XML)
  export settlement --merchant ORG --month YYYY-MM [--csv]   a merchant's monthly settlement report
  import  donations|spends FILE.csv --map MAP.json ...   book a bank statement or accounting export (idempotent)
  redeem  request|complete [...]                a points redemption at a shop, via the resident's wallet QR
  volunteer request|complete [...]              a volunteer record the volunteer confirms in the wallet (QR)
  witness serve|vkey [...]                      run a C2SP tlog-witness that cosigns a chain's checkpoints
  validators change --add HEX:POWER:ORG | --reweight HEX:POWER | --remove HEX  (--effective-height E | --after N)
          --key FILE [--key FILE ...] --node URL [--wait]   add, re-weight or remove validators (bureau + > 2/3)
  help                                          show this text

Amounts on the ledger are integer fen (1 yuan = 100 fen); receipt codes are base32 tx ids.
)";

struct Command {
  const char* name;
  int (*run)(const Args&);
  const char* usage;
  std::vector<std::string> flags;       // options without a value
  std::vector<std::string> repeatable;  // options that may be given more than once
};

const std::vector<Command>& Commands() {
  using namespace shanliu::cli;
  static const std::vector<Command> commands = {
      {"keygen", Keygen, kKeygenUsage, {}, {}},
      {"key", Key, kKeyUsage, {}, {}},
      {"devnet", Devnet, kDevnetUsage, {"force"}, {}},
      {"tx", Tx, kTxUsage, {"dry-run", "wait", "unsigned"}, {"key"}},
      {"demo", Demo, kDemoUsage, {}, {}},
      {"trace", Trace, kTraceUsage, {"json"}, {}},
      {"verify", Verify, kVerifyUsage, {}, {}},
      {"audit", Audit, kAuditUsage, {}, {}},
      {"checkpoint", Checkpoint, kCheckpointUsage, {}, {"witness"}},
      {"export", Export, kExportUsage, {"csv"}, {}},
      {"import", Import, kImportUsage, {"dry-run"}, {}},
      {"sign", Sign, kSignUsage, {}, {}},
      {"submit", Submit, kSubmitUsage, {"wait"}, {}},
      {"inbox", Inbox, kInboxUsage, {}, {}},
      {"redeem", Redeem, kRedeemUsage, {"unsigned", "no-wait"}, {}},
      {"volunteer", Volunteer, kVolunteerUsage, {"unsigned", "no-wait"}, {}},
      {"witness", Witness, kWitnessUsage, {}, {"log", "log-vkey"}},
      {"validators", Validators, kValidatorsUsage, {"dry-run", "wait"}, {"add", "reweight", "remove", "key"}},
  };
  return commands;
}

}  // namespace

int main(int argc, char** argv) {
  shanliu::crypto::Init();
  if (argc < 2) {
    std::cerr << kUsage;
    return 2;
  }
  const std::string name = argv[1];
  if (name == "help" || name == "--help" || name == "-h") {
    std::cout << kUsage;
    return 0;
  }
  for (const Command& command : Commands()) {
    if (name != command.name) continue;
    std::vector<std::string> flags = command.flags;
    flags.push_back("help");
    auto args = shanliu::cli::ParseArgs(argc, argv, 2, flags, command.repeatable);
    if (!args.ok()) return shanliu::cli::UsageError(name, command.usage, args.status().message());
    if (args->Has("help")) {
      std::cout << command.usage;
      return 0;
    }
    return command.run(*args);
  }
  std::cerr << "shanliu: unknown command '" << name << "'\n\n" << kUsage;
  return 2;
}
