// Fuzz target: consensus wire messages (DecodeMessage) and the core's admission of them.
// Input: one flags byte (bit 0: check Ed25519 signatures for real; otherwise every signature
// is accepted, so mutated messages reach the rules behind the signature check), then chunks
// (fuzz_support.h) of u8 tag || u16 length || bytes. A chunk whose tag has bit 7 set is an
// event of the adapter (a timeout or a gossip tick, chosen by the tag); otherwise its bytes
// are a message from validator tag % 5 (4: a sender that is no validator).
// Properties: a decoded message re-encodes to bytes that decode and re-encode to themselves;
// every status the core returns is typed; every message the core sends decodes again.
#include <cstdint>
#include <deque>

#include "fuzz_support.h"
#include "shanliu/node/consensus.h"

namespace {

using namespace shanliu;
namespace cs = node::consensus;
constexpr std::string_view kTarget = "consensus_message";

void CheckRoundTrip(const cs::Message& message, std::size_t max_bytes) {
  const Bytes once = cs::EncodeMessage(message);
  auto again = cs::DecodeMessage(once, max_bytes);
  if (!again.ok()) fuzz::Fail(kTarget, "a decoded message re-encodes to bytes that do not decode: " + again.status().ToString());
  SHANLIU_FUZZ_CHECK(kTarget, cs::EncodeMessage(*again) == once);
  (void)cs::Describe(message);
}

// Runs one event and every answer the harness gives (a block is validated as good when its
// bytes hash), checking what comes out.
void Run(cs::Core& core, cs::Event first, std::size_t max_bytes) {
  std::deque<cs::Event> events{std::move(first)};
  for (int steps = 0; !events.empty() && steps < 64; ++steps) {
    cs::Output out = core.Handle(std::move(events.front()));
    events.pop_front();
    SHANLIU_FUZZ_CHECK(kTarget, out.status.ok() || !out.status.code().empty());
    for (const cs::Effect& effect : out.effects) {
      (void)cs::Describe(effect);
      if (const auto* b = std::get_if<cs::Broadcast>(&effect)) CheckRoundTrip(b->message, max_bytes);
      if (const auto* s = std::get_if<cs::SendTo>(&effect)) {
        SHANLIU_FUZZ_CHECK(kTarget, s->validator < fuzz::kFixtureValidators);
        CheckRoundTrip(s->message, max_bytes);
      }
      if (const auto* v = std::get_if<cs::ValidateBlock>(&effect)) {
        events.push_back(cs::BlockValidated{v->height, v->block_hash, true});
      }
      if (const auto* w = std::get_if<cs::WaitForTxs>(&effect)) events.push_back(cs::TxsAvailable{w->height});
    }
  }
}

cs::Event AdapterEvent(const cs::Core& core, std::uint8_t tag) {
  const cs::Core::Snapshot at = core.snapshot();
  switch (tag & 0x03) {
    case 0: return cs::GossipTick{};
    case 1: return cs::TimeoutFired{at.height, at.round, cs::Step::kPropose};
    case 2: return cs::TimeoutFired{at.height, at.round, cs::Step::kPrevote};
    default: return cs::TimeoutFired{at.height, at.round, cs::Step::kPrecommit};
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::QuietProtobuf();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const bool real_signatures = (data[0] & 1) != 0;
  static const cs::Config kFake = fuzz::ConsensusConfig(false);
  static const cs::Config kReal = fuzz::ConsensusConfig(true);
  const cs::Config& config = real_signatures ? kReal : kFake;
  const std::size_t max_bytes = cs::MaxMessageBytes(config);
  auto core = cs::Core::Create(config, fuzz::ValidatorKey(0));
  SHANLIU_FUZZ_CHECK(kTarget, core.ok());
  Run(*core, cs::Start{1}, max_bytes);
  for (const fuzz::Chunk& chunk : fuzz::SplitChunks(ByteView(data + 1, size - 1), 64)) {
    if (chunk.tag & 0x80) {
      Run(*core, AdapterEvent(*core, chunk.tag), max_bytes);
      continue;
    }
    auto message = cs::DecodeMessage(chunk.bytes, max_bytes);
    if (!message.ok()) {
      const std::string& code = message.status().code();
      SHANLIU_FUZZ_CHECK(kTarget, code == "malformed" || code == "oversize");
      continue;
    }
    CheckRoundTrip(*message, max_bytes);
    std::optional<std::uint32_t> from;
    if (chunk.tag % 5 < fuzz::kFixtureValidators) from = chunk.tag % 5;
    Run(*core, cs::MessageReceived{std::move(*message), from}, max_bytes);
  }
  return 0;
}
