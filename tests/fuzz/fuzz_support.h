// What the libFuzzer targets of tests/fuzz share with each other and with the seed generator
// (shanliu-fuzz-seeds): the fixtures every input is run against, the input framing of the
// targets that take several messages, and a check that aborts with a message (docs/testing.md).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shanliu/bytes.h"
#include "shanliu/crypto/keys.h"
#include "shanliu/ledger/genesis.h"
#include "shanliu/node/consensus.h"
#include "test_chain.h"

namespace shanliu::fuzz {

// A property the target checks failed: print it and abort, so libFuzzer saves the input as a
// crash (an assert would vanish from a build with NDEBUG; this one cannot).
[[noreturn]] void Fail(std::string_view target, std::string_view what);
#define SHANLIU_FUZZ_CHECK(target, cond) \
  do {                                   \
    if (!(cond)) ::shanliu::fuzz::Fail(target, #cond); \
  } while (0)

// Protobuf logs every parse of invalid UTF-8 to stderr; on fuzz input that is most inputs.
// The targets look at the results, so the log lines are dropped.
void QuietProtobuf();

// The chain id of every fixture (TestChain's).
inline constexpr std::string_view kChainId = "test-chain";

// ---------------------------------------------------------------- consensus fixture

// The validators of the consensus and checkpoint fixtures: "validator-0".."validator-3" with
// mixed voting powers 1, 3, 1, 2 (as in the liveness seeds of issue 15), chain "test-chain".
inline constexpr std::uint32_t kFixtureValidators = 4;
crypto::KeyPair ValidatorKey(std::uint32_t index);
ledger::Genesis FixtureGenesis();

// The core's configuration as the node builds it (LedgerBlockHash for blocks), with small
// limits so the fuzzer reaches them. `real_signatures` false replaces Ed25519 checks with
// "accept", so mutated messages get past the signature to the rules behind it.
node::consensus::Config ConsensusConfig(bool real_signatures);

// ---------------------------------------------------------------- input framing

// Several messages in one input: each is u8 tag || u16 big-endian length || bytes; a length
// past the end takes what is left. Tags mean what the target says (a sender, a kind).
struct Chunk {
  std::uint8_t tag = 0;
  ByteView bytes;
};
std::vector<Chunk> SplitChunks(ByteView input, std::size_t max_chunks);
void AppendChunk(Bytes& out, std::uint8_t tag, ByteView bytes);

// ---------------------------------------------------------------- ledger fixture

// A real one-validator chain (tests/support TestChain) with three blocks: organisations, a
// project and donations, so receipt codes resolve and sync responses carry real certified
// blocks. Deterministic: keys and times are fixed, so every build makes the same blocks.
struct LedgerFixture {
  std::unique_ptr<testing::TestChain> chain;
  std::vector<Hash256> gift_ids;      // the donations' tx ids
  std::vector<Bytes> envelopes;       // every committed tx, in order
};
LedgerFixture MakeLedgerFixture(ledger::LedgerOptions options = {});

}  // namespace shanliu::fuzz
