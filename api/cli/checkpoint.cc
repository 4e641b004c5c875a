// shanliu checkpoint: fetch the node's current cosigned checkpoint note (C2SP signed note) and
// save it, so a later `shanliu audit --since-checkpoint FILE` can prove the log only grew.
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "shanliu/api/http_client.h"
#include "shanliu/ledger/checkpoint.h"
#include "shanliu/ledger/witness.h"

namespace shanliu::cli {

const char kCheckpointUsage[] = R"(usage: shanliu checkpoint --node URL [--out FILE] [--genesis FILE] [--witness VKEY ...]

Fetches GET /v1/checkpoint/note: the latest checkpoint (origin, log size, base64 log root) in
the C2SP tlog-checkpoint signed-note format, with the validators' cosignature/v1 lines.
Writes it to FILE (or stdout). With --genesis, fetches GET /v1/checkpoint instead, follows its
validator-set transitions from genesis to the set of the checkpoint's block (checking that
block's certificate and that it carries the note's log size and root), verifies the
cosignatures against that set and says which validators signed; exit 3 unless they hold more
than 2/3 of its voting power.

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

namespace {

struct FetchedNote {
  std::string text;
  nlohmann::json checkpoint;  // GET /v1/checkpoint (with --genesis), else null
};

Result<FetchedNote> FetchNote(const std::string& base, bool with_proof) {
  const std::string path = with_proof ? "/v1/checkpoint" : "/v1/checkpoint/note";
  constexpr std::size_t kMaxCheckpointJsonBytes = 16 << 20;  // 100 validators a transition, many transitions
  auto response = api::HttpRequest("GET", base + path, "", "application/json", 30'000,
                                   with_proof ? kMaxCheckpointJsonBytes : ledger::NoteLimits::kMaxNoteBytes + 1);
  if (!response.ok()) return response.status();
  if (response->status == 404) return Status::Error("not_found", "the node has no cosigned checkpoint yet");
  if (response->status != 200) {
    return Status::Error("http_error", "HTTP " + std::to_string(response->status) + " from " + base + path);
  }
  if (!with_proof) return FetchedNote{response->body, nullptr};
  nlohmann::json j = nlohmann::json::parse(response->body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("note") || !j.contains("note_checkpoint") || !j.contains("validator_transitions")) {
    return Status::Error("invalid_proof", base + path + " is not a checkpoint response");
  }
  if (!j["note"].is_string() || !j["note_checkpoint"].is_object()) {
    return Status::Error("not_found", "the node has no cosigned checkpoint of a block it holds yet");
  }
  return FetchedNote{j["note"].get<std::string>(), std::move(j)};
}

// The set whose cosignatures count for the note: followed from genesis to the block the node
// names as the checkpoint's, whose certificate and log fields are checked.
Result<ledger::CheckpointSigners> SignersOf(const ledger::Genesis& genesis, const nlohmann::json& checkpoint,
                                            const ledger::Note& note) {
  auto fields = ledger::ParseCheckpointBody(note.body);
  if (!fields.ok()) return fields.status();
  if (fields->size == 0) return ledger::CheckpointSigners{0, genesis.validators};
  auto transitions = ledger::TransitionsFromJson(checkpoint["validator_transitions"], "validator_transitions");
  if (!transitions.ok()) return transitions.status();
  auto block = ledger::CertifiedHeaderFromJson(checkpoint["note_checkpoint"], "note_checkpoint");
  if (!block.ok()) return block.status();
  return ledger::CheckpointSignersFromProof(genesis, *transitions, block->header, block->block_hash, block->commit,
                                            fields->size, fields->root);
}

int VerifyCosigners(const std::string& genesis_path, const nlohmann::json& checkpoint, const ledger::Note& note) {
  auto genesis = ledger::LoadGenesis(genesis_path);
  if (!genesis.ok()) return Fail("checkpoint", genesis.status());
  auto signers = SignersOf(*genesis, checkpoint, note);
  if (!signers.ok()) return Fail("checkpoint", signers.status());
  auto verified = ledger::VerifyCheckpointNote(note, *genesis, signers->validators);
  if (!verified.ok()) return Fail("checkpoint", verified.status());
  std::cerr << "checkpoint: log size " << verified->checkpoint.size << " (block " << signers->height
            << "), cosigned by";
  for (const auto& c : verified->cosigners) std::cerr << " " << c.name;
  std::cerr << " (" << verified->cosigned_power << " of " << verified->total_power << " voting power of the set of block "
            << signers->height << ")\n";
  // The origin line was checked against the genesis group key by VerifyCheckpointNote (a line
  // that does not verify failed it above); say whether one is there.
  if (genesis->origin_key) {
    std::cerr << "checkpoint: origin key " << (verified->origin_signed ? "signed" : "did not sign") << " ("
              << ledger::OriginVerifierKey(*genesis) << ")\n";
  }
  for (const std::string& why : verified->ignored) std::cerr << "checkpoint: ignored " << why << "\n";
  if (!verified->supermajority) {
    std::cerr << "shanliu checkpoint: NOT VERIFIED: more than 2/3 of the voting power must cosign\n";
    return 3;
  }
  return 0;
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
  const std::optional<std::string> genesis_path = args.Get("genesis");
  auto fetched = FetchNote(base, genesis_path.has_value());
  if (!fetched.ok()) return Fail("checkpoint", fetched.status());
  const std::string& note = fetched->text;
  auto parsed = ledger::ParseNote(note);
  if (!parsed.ok()) return Fail("checkpoint", parsed.status());

  int exit_code = 0;
  if (genesis_path) {
    exit_code = VerifyCosigners(*genesis_path, fetched->checkpoint, *parsed);
    if (exit_code != 0 && exit_code != 3) return exit_code;
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
