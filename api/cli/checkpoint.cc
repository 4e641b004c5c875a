// shanliu checkpoint: fetch the node's current cosigned checkpoint note (C2SP signed note) and
// save it, so a later `shanliu audit --since-checkpoint FILE` can prove the log only grew.
#include <fstream>
#include <iostream>

#include "commands.h"
#include "shanliu/api/http_client.h"
#include "shanliu/ledger/checkpoint.h"
#include "shanliu/ledger/witness.h"

namespace shanliu::cli {

const char kCheckpointUsage[] = R"(usage: shanliu checkpoint --node URL [--out FILE] [--genesis FILE] [--witness VKEY ...]

Fetches GET /v1/checkpoint/note: the latest checkpoint (origin, log size, base64 log root) in
the C2SP tlog-checkpoint signed-note format, with the validators' cosignature/v1 lines.
Writes it to FILE (or stdout). With --genesis, also verifies the cosignatures and says which
validators signed; exit 3 unless they hold more than 2/3 of the voting power.

options:
  --node URL       node API, e.g. http://127.0.0.1:8080
  --out FILE       where to save the note (overwritten)
  --genesis FILE   verify the note against the chain's genesis.json
  --witness VKEY   also require a valid cosignature/v1 line of this C2SP witness (its
                   `shanliu witness vkey`); repeatable

exit status: 0 saved (and verified); 1 cannot fetch or write; 2 usage; 3 not enough cosigners
or a witness given with --witness did not cosign
)";

namespace {

// Each witness given must have a valid cosignature/v1 line on this note; says which did. 0 if all.
int VerifyWitnesses(const std::vector<std::string>& vkeys, const std::string& note, const ledger::Note& parsed) {
  int failures = 0;
  const std::string lines = note.substr(parsed.body.size() + 1);
  for (const std::string& vkey : vkeys) {
    auto key = ledger::ParseVerifierKey(vkey);
    Result<ledger::WitnessCosignatureLine> line = key.ok() ? ledger::VerifyWitnessCosignature(parsed.body, lines, *key)
                                                           : Result<ledger::WitnessCosignatureLine>(key.status());
    if (!line.ok()) {
      std::cerr << "shanliu checkpoint: NOT VERIFIED: witness " << vkey << ": " << line.status().ToString() << "\n";
      ++failures;
      continue;
    }
    std::cerr << "checkpoint: witness " << key->name << " cosigned at " << line->timestamp_s << "\n";
  }
  return failures;
}

}  // namespace

int Checkpoint(const Args& args) {
  if (Status s = RequireOnly(args, {"node", "out", "genesis", "witness"}); !s.ok()) {
    return UsageError("checkpoint", kCheckpointUsage, s.message());
  }
  if (!args.positional.empty()) return UsageError("checkpoint", kCheckpointUsage, "no positional arguments");
  if (!args.Has("node")) return UsageError("checkpoint", kCheckpointUsage, "--node URL is required");
  std::string base = *args.Get("node");
  while (base.ends_with('/')) base.pop_back();
  auto response = api::HttpRequest("GET", base + "/v1/checkpoint/note", "", "application/json", 30'000,
                                   ledger::NoteLimits::kMaxNoteBytes + 1);
  if (!response.ok()) return Fail("checkpoint", response.status());
  if (response->status == 404) {
    return Fail("checkpoint", Status::Error("not_found", "the node has no cosigned checkpoint yet"));
  }
  if (response->status != 200) {
    return Fail("checkpoint", Status::Error("http_error", "HTTP " + std::to_string(response->status) + " from " + base +
                                                              "/v1/checkpoint/note"));
  }
  const std::string& note = response->body;
  auto parsed = ledger::ParseNote(note);
  if (!parsed.ok()) return Fail("checkpoint", parsed.status());

  int exit_code = 0;
  if (auto genesis_path = args.Get("genesis")) {
    auto genesis = ledger::LoadGenesis(*genesis_path);
    if (!genesis.ok()) return Fail("checkpoint", genesis.status());
    auto verified = ledger::VerifyCheckpointNote(*parsed, *genesis);
    if (!verified.ok()) return Fail("checkpoint", verified.status());
    std::cerr << "checkpoint: log size " << verified->checkpoint.size << ", cosigned by";
    for (const auto& c : verified->cosigners) std::cerr << " " << c.name;
    std::cerr << " (" << verified->cosigned_power << " of " << verified->total_power << " voting power)\n";
    // The origin line was checked against the genesis group key by VerifyCheckpointNote (a line
    // that does not verify failed it above); say whether one is there.
    if (genesis->origin_key) {
      std::cerr << "checkpoint: origin key " << (verified->origin_signed ? "signed" : "did not sign") << " ("
                << ledger::OriginVerifierKey(*genesis) << ")\n";
    }
    for (const std::string& why : verified->ignored) std::cerr << "checkpoint: ignored " << why << "\n";
    if (!verified->supermajority) {
      std::cerr << "shanliu checkpoint: NOT VERIFIED: more than 2/3 of the voting power must cosign\n";
      exit_code = 3;
    }
  }
  if (VerifyWitnesses(args.GetAll("witness"), note, *parsed) != 0) exit_code = 3;
  if (auto out_path = args.Get("out")) {
    std::ofstream out(*out_path, std::ios::binary | std::ios::trunc);
    out << note;
    if (!out) return Fail("checkpoint", Status::Error("io_error", "cannot write " + *out_path));
  } else {
    std::cout << note;
  }
  return exit_code;
}

}  // namespace shanliu::cli
