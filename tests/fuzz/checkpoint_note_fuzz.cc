// Fuzz target: checkpoint notes (C2SP signed-note, tlog-checkpoint and tlog-cosignature) as the
// CLI and API read them: ParseNote, ParseCheckpointBody and VerifyCheckpointNote against the
// fixture genesis (four validators).
// Properties: a parsed note's body ends with its newline and it has signature lines; written
// out again from its parts it parses to the same body and signatures; an accepted checkpoint
// body is exactly what CheckpointBody writes for its fields; a verification names this chain's
// origin, counts each validator once and no more power than there is.
#include <sodium.h>

#include <cstdint>
#include <set>

#include "fuzz_support.h"
#include "shanliu/ledger/block.h"
#include "shanliu/ledger/checkpoint.h"

namespace {

using namespace shanliu;
constexpr std::string_view kTarget = "checkpoint_note";

std::string Base64(ByteView bytes) {
  std::string out(sodium_base64_encoded_len(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), bytes.data(), bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

// The note from its parts: body, blank line, "— name base64(key ID || signature)" lines.
std::string Rewrite(const ledger::Note& note) {
  std::string text = note.body + "\n";
  for (const ledger::NoteSignature& s : note.signatures) {
    Bytes blob = {static_cast<std::uint8_t>(s.key_id >> 24), static_cast<std::uint8_t>(s.key_id >> 16),
                  static_cast<std::uint8_t>(s.key_id >> 8), static_cast<std::uint8_t>(s.key_id)};
    blob.insert(blob.end(), s.signature.begin(), s.signature.end());
    text += "\u2014 " + s.name + " " + Base64(blob) + "\n";
  }
  return text;
}

void CheckBody(std::string_view body) {
  auto fields = ledger::ParseCheckpointBody(body);
  if (!fields.ok()) {
    SHANLIU_FUZZ_CHECK(kTarget, fields.status().code() == "checkpoint_malformed");
    return;
  }
  SHANLIU_FUZZ_CHECK(kTarget, ledger::CheckpointBody(fields->origin, fields->size, fields->root) == body);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::QuietProtobuf();
  if (sodium_init() < 0) fuzz::Fail(kTarget, "sodium_init");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const ledger::Genesis genesis = fuzz::FixtureGenesis();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  CheckBody(text);
  auto note = ledger::ParseNote(text);
  if (!note.ok()) {
    const std::string& code = note.status().code();
    SHANLIU_FUZZ_CHECK(kTarget, code == "note_malformed" || code == "note_too_large");
    return 0;
  }
  SHANLIU_FUZZ_CHECK(kTarget, !note->body.empty() && note->body.back() == '\n');
  SHANLIU_FUZZ_CHECK(kTarget, !note->signatures.empty() || !note->garbled.empty());
  if (note->garbled.empty()) {
    auto again = ledger::ParseNote(Rewrite(*note));
    if (!again.ok()) fuzz::Fail(kTarget, "a parsed note written out again does not parse: " + again.status().ToString());
    SHANLIU_FUZZ_CHECK(kTarget, again->body == note->body && again->signatures.size() == note->signatures.size());
    for (std::size_t i = 0; i < note->signatures.size(); ++i) {
      SHANLIU_FUZZ_CHECK(kTarget, again->signatures[i].name == note->signatures[i].name);
      SHANLIU_FUZZ_CHECK(kTarget, again->signatures[i].key_id == note->signatures[i].key_id);
      SHANLIU_FUZZ_CHECK(kTarget, again->signatures[i].signature == note->signatures[i].signature);
    }
  }
  auto verified = ledger::VerifyCheckpointNote(*note, genesis);
  if (!verified.ok()) {
    const std::string& code = verified.status().code();
    // bad_cosignature: a genesis validator's line that fails refuses the whole note.
    SHANLIU_FUZZ_CHECK(kTarget, code == "checkpoint_malformed" || code == "wrong_origin" || code == "bad_cosignature");
    return 0;
  }
  SHANLIU_FUZZ_CHECK(kTarget, verified->checkpoint.origin == ledger::CheckpointOrigin(genesis));
  std::set<std::uint32_t> seen;
  std::uint64_t power = 0;
  for (const ledger::CheckpointCosigner& c : verified->cosigners) {
    SHANLIU_FUZZ_CHECK(kTarget, c.validator_index < genesis.validators.size() && seen.insert(c.validator_index).second);
    power += genesis.validators[c.validator_index].voting_power;
  }
  SHANLIU_FUZZ_CHECK(kTarget, power == verified->cosigned_power && power <= verified->total_power);
  SHANLIU_FUZZ_CHECK(kTarget, verified->total_power == genesis.total_voting_power());
  SHANLIU_FUZZ_CHECK(kTarget, verified->supermajority == ledger::IsSupermajority(power, verified->total_power));
  // The string overload parses the same way.
  auto from_text = ledger::VerifyCheckpointNote(text, genesis);
  SHANLIU_FUZZ_CHECK(kTarget, from_text.ok() && from_text->cosigned_power == power);
  return 0;
}
