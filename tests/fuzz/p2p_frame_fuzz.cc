// Fuzz target: P2P frames after decryption. Input: chunks (fuzz_support.h), each the plaintext
// of one frame (type byte || payload) from peer tag % 3. Each is sealed and opened with the
// transport's secretstream framing (FrameSealer / FrameOpener), and a data frame's payload is
// decoded as the runner does (P2pFrame, then the consensus message, tx envelopes, blocks or
// cosignature inside). Head claims and block responses drive the block-sync peer policy
// (BlockSync) with simulated time (tag >> 2 half-seconds per frame).
// Properties: the opener returns exactly the sealed type and payload and refuses unknown type
// bytes; a parsed frame re-serialises to a message equal to it; sync requests always start at
// our next height, ask for at most the configured blocks and go to at most two peers at once,
// each of which claimed more than we have.
#include <google/protobuf/util/message_differencer.h>

#include <cstdint>
#include <set>

#include "fuzz_support.h"
#include "shanliu/ledger/checkpoint.h"
#include "shanliu/ledger/snapshot.h"
#include "shanliu/ledger/tx.h"
#include "shanliu/node/block_sync.h"
#include "shanliu/node/consensus.h"
#include "shanliu/pb/p2p.pb.h"
#include "transport_wire.h"

namespace {

using namespace shanliu;
namespace wire = node::p2p::wire;
namespace cs = node::consensus;
constexpr std::string_view kTarget = "p2p_frame";

struct Fixture {
  ledger::Genesis genesis = fuzz::FixtureGenesis();
  std::size_t max_consensus_bytes = cs::MaxMessageBytes(fuzz::ConsensusConfig(true));
  wire::KxKey key{};
};

// What the runner does with each kind of frame, minus the network and the ledger.
void DecodeKinds(const Fixture& f, const pb::p2p::P2pFrame& frame) {
  switch (frame.kind_case()) {
    case pb::p2p::P2pFrame::kConsensus: {
      auto message = cs::DecodeMessage(AsBytes(frame.consensus()), f.max_consensus_bytes);
      if (message.ok()) {
        SHANLIU_FUZZ_CHECK(kTarget, cs::DecodeMessage(cs::EncodeMessage(*message), f.max_consensus_bytes).ok());
      }
      return;
    }
    case pb::p2p::P2pFrame::kTxs:
      for (const std::string& e : frame.txs().envelopes()) (void)ledger::DecodeTx(AsBytes(e), fuzz::kChainId, false);
      return;
    case pb::p2p::P2pFrame::kBlocks:
      for (const std::string& b : frame.blocks().blocks()) {
        pb::CommittedBlock block;
        (void)block.ParseFromString(b);
      }
      return;
    case pb::p2p::P2pFrame::kCosignature: {
      const auto& m = frame.cosignature();
      ledger::Cosignature c;
      if (m.log_root().size() != 32 || m.signature().size() != c.signature.size()) return;
      if (m.public_key().size() == c.public_key.size()) {
        std::copy(m.public_key().begin(), m.public_key().end(), c.public_key.begin());
      } else if (m.validator_index() < f.genesis.validators.size()) {
        c.public_key = f.genesis.validators[m.validator_index()].public_key;
      } else {
        return;
      }
      c.timestamp_s = m.timestamp_s();
      Hash256 root;
      std::copy(m.log_root().begin(), m.log_root().end(), root.begin());
      std::copy(m.signature().begin(), m.signature().end(), c.signature.begin());
      const Status s = ledger::VerifyCosignature(f.genesis, m.log_size(), root, c);
      SHANLIU_FUZZ_CHECK(kTarget, s.ok() || s.code() == "unknown_validator" || s.code() == "bad_cosignature");
      return;
    }
    case pb::p2p::P2pFrame::kSnapshotManifest: {
      // What the state-sync client does with a served manifest: decode and verify, never crash.
      auto m = ledger::snapshot::DecodeManifest(AsBytes(frame.snapshot_manifest().manifest()), f.genesis);
      SHANLIU_FUZZ_CHECK(kTarget, !m.ok());  // an uncertified header never passes
      return;
    }
    default: return;
  }
}

void DriveSync(node::BlockSync& sync, const crypto::PublicKey& peer, const pb::p2p::P2pFrame& frame,
               const std::set<crypto::PublicKey>& claimants, std::uint64_t now_ms) {
  if (frame.has_head()) sync.OnClaim(peer, frame.head().height());
  if (frame.has_blocks()) {
    // Nothing is committed here (no ledger): an answer that brings nothing, as from a liar.
    sync.OnClaim(peer, frame.blocks().head_height());
    sync.OnResponse(peer, 0, 0, now_ms);
  }
  const node::BlockSync::Limits limits;
  const auto requests = sync.Next(0, /*is_validator=*/false, now_ms);
  SHANLIU_FUZZ_CHECK(kTarget, requests.size() <= limits.peers_per_round);
  for (const auto& r : requests) {
    SHANLIU_FUZZ_CHECK(kTarget, r.from_height == 1 && r.max_blocks == limits.blocks_per_request);
    SHANLIU_FUZZ_CHECK(kTarget, claimants.count(r.peer) == 1);
    const auto view = sync.View(r.peer, now_ms);
    SHANLIU_FUZZ_CHECK(kTarget, view && view->claimed_height > 0 && view->in_flight && !view->demoted);
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::QuietProtobuf();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Fixture f;
  wire::FrameSealer sealer;
  wire::FrameOpener opener;
  const auto header = sealer.Init(f.key);
  SHANLIU_FUZZ_CHECK(kTarget, opener.Init(f.key, header).ok());
  node::BlockSync sync(node::BlockSync::Limits{});
  std::set<crypto::PublicKey> claimants;
  std::uint64_t now_ms = 1'000'000;
  for (const fuzz::Chunk& chunk : fuzz::SplitChunks(ByteView(data, size), 32)) {
    if (chunk.bytes.empty()) continue;
    const crypto::PublicKey peer = fuzz::ValidatorKey(chunk.tag % 3).public_key;
    now_ms += 500 * static_cast<std::uint64_t>(chunk.tag >> 2);
    const auto type = static_cast<wire::FrameType>(chunk.bytes[0]);
    const ByteView payload = chunk.bytes.subspan(1);
    Bytes sealed;
    sealer.Seal(type, payload, sealed);
    SHANLIU_FUZZ_CHECK(kTarget, wire::ReadLength(sealed.data()) == sealed.size() - wire::kLengthBytes);
    wire::FrameType opened_type{};
    Bytes opened;
    const Status s = opener.Open(ByteView(sealed).subspan(wire::kLengthBytes), opened_type, opened);
    if (chunk.bytes[0] > 1) {
      // An unknown type byte ends the stream, as on a real connection.
      SHANLIU_FUZZ_CHECK(kTarget, !s.ok());
      return 0;
    }
    SHANLIU_FUZZ_CHECK(kTarget, s.ok() && opened_type == type && opened == Bytes(payload.begin(), payload.end()));
    if (type != wire::FrameType::kData) continue;
    pb::p2p::P2pFrame frame;
    if (!frame.ParseFromArray(opened.data(), static_cast<int>(opened.size()))) continue;
    pb::p2p::P2pFrame again;
    SHANLIU_FUZZ_CHECK(kTarget, again.ParseFromString(frame.SerializeAsString()));
    SHANLIU_FUZZ_CHECK(kTarget, google::protobuf::util::MessageDifferencer::Equals(frame, again));
    DecodeKinds(f, frame);
    if ((frame.has_head() && frame.head().height() > 0) || (frame.has_blocks() && frame.blocks().head_height() > 0)) {
      claimants.insert(peer);
    }
    DriveSync(sync, peer, frame, claimants, now_ms);
  }
  return 0;
}
