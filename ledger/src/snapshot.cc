// State sync, serving side and the checks of what a peer serves (snapshot.h).
#include "shanliu/ledger/snapshot.h"

#include <bit>

#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/hash.h"
#include "shanliu/crypto/merkle.h"
#include "shanliu/ledger/block.h"
#include "shanliu/ledger/state_map.h"
#include "shanliu/ledger/validator_set.h"

namespace shanliu::ledger::snapshot {
namespace {

Status Malformed(const std::string& what) { return Status::Error(std::string(kSnapshotMalformed), what); }
Status Uncertified(const std::string& what) { return Status::Error(std::string(kSnapshotUncertified), what); }

std::string HashBytes(const Hash256& h) { return std::string(h.begin(), h.end()); }

// Serves the peaks of a manifest at their positions, so the log's own code computes the root.
class PeakReader final : public crypto::PerfectSubtreeReader {
 public:
  PeakReader(std::vector<std::pair<unsigned, std::uint64_t>> positions, std::vector<Hash256> peaks)
      : positions_(std::move(positions)), peaks_(std::move(peaks)) {}
  Result<Hash256> PerfectSubtree(unsigned level, std::uint64_t index) override {
    for (std::size_t i = 0; i < positions_.size(); ++i) {
      if (positions_[i] == std::pair{level, index}) return peaks_[i];
    }
    return Status::Error("out_of_range", "not a peak of the snapshot's log");
  }

 private:
  std::vector<std::pair<unsigned, std::uint64_t>> positions_;
  std::vector<Hash256> peaks_;
};

Status CheckLogPeaks(const pb::SnapshotManifest& manifest) {
  const pb::BlockHeader& header = manifest.block().header();
  auto positions = LogPeakPositions(header.log_size());
  if (static_cast<std::size_t>(manifest.log_peaks_size()) != positions.size()) {
    return Malformed("the manifest has " + std::to_string(manifest.log_peaks_size()) + " log peaks, log size " +
                     std::to_string(header.log_size()) + " has " + std::to_string(positions.size()));
  }
  std::vector<Hash256> peaks;
  for (const std::string& p : manifest.log_peaks()) {
    if (p.size() != 32) return Malformed("a log peak is not 32 bytes");
    Hash256 h;
    std::copy(p.begin(), p.end(), h.begin());
    peaks.push_back(h);
  }
  PeakReader reader(positions, peaks);
  auto frontier = crypto::MerkleFrontier::Load(reader, header.log_size());
  if (!frontier.ok()) return Malformed("the log peaks do not load: " + frontier.status().message());
  if (HashBytes(frontier->Root()) != header.log_root()) {
    return Uncertified("the log peaks do not hash to the header's log_root");
  }
  return Status::Ok();
}

// The manifest's transitions as the light client reads them; shapes that cannot be a stored block
// and a set are malformed, everything else is for FollowValidatorTransitions to judge.
Result<std::vector<ProvenTransition>> ManifestTransitions(const pb::SnapshotManifest& m) {
  if (static_cast<std::size_t>(m.transitions_size()) > kMaxManifestTransitions) {
    return Malformed("the manifest carries more than " + std::to_string(kMaxManifestTransitions) + " transitions");
  }
  std::vector<ProvenTransition> out;
  for (int i = 0; i < m.transitions_size(); ++i) {
    const pb::SnapshotTransition& t = m.transitions(i);
    const std::string where = "transition " + std::to_string(i);
    const pb::StoredBlock& b = t.block();
    if (b.first_leaf() > b.header().log_size() || b.first_leaf() + b.tx_count() != b.header().log_size()) {
      return Malformed(where + ": the block's first leaf and tx count do not add up to its log size");
    }
    if (t.next_validators_size() == 0 || static_cast<std::size_t>(t.next_validators_size()) > kMaxValidatorCount) {
      return Malformed(where + ": not 1 to 100 next validators");
    }
    ProvenTransition p;
    p.effective_height = t.effective_height();
    p.header = b.header();
    p.commit = b.commit();
    auto hash = BlockHash(b.header());
    if (!hash.ok()) return Malformed(where + ": the block header does not encode: " + hash.status().message());
    p.block_hash = *hash;
    for (const pb::ValidatorEntry& e : t.next_validators()) {
      Validator v;
      if (e.public_key().size() != v.public_key.size()) return Malformed(where + ": a validator key is not 32 bytes");
      std::copy(e.public_key().begin(), e.public_key().end(), v.public_key.begin());
      v.voting_power = e.voting_power();
      v.org_id = e.org_id();
      p.next_validators.push_back(std::move(v));
    }
    out.push_back(std::move(p));
  }
  return out;
}

Status AddTransitions(const ReadView& view, std::uint64_t height, pb::SnapshotManifest& m) {
  for (const ValidatorTransition& t : view.ValidatorTransitions(height)) {
    auto block = view.Block(t.effective_height - 1);
    if (!block) {
      return Status::Error("storage_corrupt", "block " + std::to_string(t.effective_height - 1) +
                                                  " (a validator set transition) is missing");
    }
    pb::SnapshotTransition* out = m.add_transitions();
    out->set_effective_height(t.effective_height);
    *out->mutable_block() = std::move(*block);
    for (const Validator& v : t.validators) {
      pb::ValidatorEntry* e = out->add_next_validators();
      e->set_public_key(std::string(v.public_key.begin(), v.public_key.end()));
      e->set_voting_power(v.voting_power);
      e->set_org_id(v.org_id);
    }
  }
  return Status::Ok();
}

}  // namespace

std::vector<std::pair<unsigned, std::uint64_t>> LogPeakPositions(std::uint64_t size) {
  std::vector<std::pair<unsigned, std::uint64_t>> out;
  std::uint64_t start = 0;
  for (int level = 63; level >= 0; --level) {
    const std::uint64_t width = std::uint64_t{1} << level;
    if ((size & width) == 0) continue;
    out.emplace_back(static_cast<unsigned>(level), start >> level);
    start += width;
  }
  return out;
}

// ---------------------------------------------------------------- serving

Result<std::shared_ptr<const Snapshot>> Snapshot::Build(std::shared_ptr<const ReadView> view,
                                                        std::size_t chunk_row_bytes) {
  std::shared_ptr<Snapshot> snap(new Snapshot());
  snap->chunk_row_bytes_ = chunk_row_bytes;
  pb::SnapshotManifest& m = snap->manifest_;
  m.set_format(kFormat);
  auto block = view->Block(view->head().height());
  if (!block) return Status::Error("storage_corrupt", "the head block is missing");
  *m.mutable_block() = *block;
  try {
    SHANLIU_RETURN_IF_ERROR(AddTransitions(*view, view->head().height(), m));
  } catch (const StorageError& e) {
    return Status::Error("storage_corrupt", e.what());
  }
  auto peaks = view->LogPeaks();
  if (!peaks.ok()) return peaks.status();
  for (const Hash256& p : *peaks) m.add_log_peaks(HashBytes(p));

  pb::SnapshotChunk chunk;
  std::size_t row_bytes = 0;
  std::uint64_t rows = 0;
  auto close_chunk = [&] {
    m.add_chunk_hashes(HashBytes(crypto::Sha256(AsBytes(chunk.SerializeAsString()))));
    chunk.Clear();
    row_bytes = 0;
  };
  Status s = view->ForEachStateRow("", [&](std::string_view key, std::string_view value) {
    if (chunk.rows_size() > 0 && row_bytes + key.size() + value.size() > chunk_row_bytes) close_chunk();
    if (chunk.rows_size() == 0) snap->first_keys_.emplace_back(key);
    pb::SnapshotRow* row = chunk.add_rows();
    row->set_key(std::string(key));
    row->set_value(std::string(value));
    row_bytes += key.size() + value.size();
    ++rows;
    return true;
  });
  if (!s.ok()) return s;
  if (chunk.rows_size() > 0) close_chunk();
  m.set_row_count(rows);
  snap->manifest_bytes_ = m.SerializeAsString();
  snap->view_ = std::move(view);
  return std::shared_ptr<const Snapshot>(std::move(snap));
}

Result<std::string> Snapshot::Chunk(std::uint32_t index) const {
  if (index >= first_keys_.size()) return Status::Error("out_of_range", "no such chunk");
  pb::SnapshotChunk chunk;
  // The same cut as Build: from this chunk's first key until the next chunk's first key.
  const std::string* next = index + 1 < first_keys_.size() ? &first_keys_[index + 1] : nullptr;
  Status s = view_->ForEachStateRow(first_keys_[index], [&](std::string_view key, std::string_view value) {
    if (next != nullptr && key == *next) return false;
    pb::SnapshotRow* row = chunk.add_rows();
    row->set_key(std::string(key));
    row->set_value(std::string(value));
    return true;
  });
  if (!s.ok()) return s;
  return chunk.SerializeAsString();
}

// ---------------------------------------------------------------- checks of what peers serve

Status VerifyManifest(const pb::SnapshotManifest& m, const Genesis& genesis) {
  if (m.format() != kFormat) return Malformed("unknown snapshot format " + std::to_string(m.format()));
  const pb::BlockHeader& header = m.block().header();
  if (header.chain_id() != genesis.chain_id) {
    return Uncertified("the snapshot's block is of chain '" + header.chain_id() + "', not '" + genesis.chain_id + "'");
  }
  if (header.height() == 0) return Malformed("a snapshot at height 0 is the genesis: replay instead");
  auto hash = BlockHash(header);
  if (!hash.ok()) return Malformed("the snapshot's header does not encode: " + hash.status().message());
  // The set that signs the snapshot block, followed from genesis through the certified changes
  // (as receipt proofs are); then the check block sync makes for every block it replays.
  auto transitions = ManifestTransitions(m);
  if (!transitions.ok()) return transitions.status();
  auto set = FollowValidatorTransitions(genesis.chain_id, genesis.validators, *transitions, header.height());
  if (!set.ok()) return Uncertified("the manifest's validator-set changes do not check out: " + set.status().message());
  Status certified = VerifyHeaderAgainstSet(genesis.chain_id, header, *hash, m.block().commit(), *set);
  if (!certified.ok()) return Uncertified("the snapshot's block is not certified: " + certified.message());
  if (m.block().first_leaf() + m.block().tx_count() != header.log_size() || m.block().first_leaf() > header.log_size()) {
    return Malformed("the snapshot block's first leaf and tx count do not add up to its log size");
  }
  if (m.chunk_hashes_size() == 0 || static_cast<std::size_t>(m.chunk_hashes_size()) > kMaxChunks) {
    return Malformed("the manifest lists " + std::to_string(m.chunk_hashes_size()) + " chunks (1 to " +
                     std::to_string(kMaxChunks) + ")");
  }
  for (const std::string& h : m.chunk_hashes()) {
    if (h.size() != 32) return Malformed("a chunk hash is not 32 bytes");
  }
  return CheckLogPeaks(m);
}

Result<pb::SnapshotManifest> DecodeManifest(ByteView bytes, const Genesis& genesis) {
  if (bytes.size() > kMaxManifestBytes) return Malformed("the manifest is over " + std::to_string(kMaxManifestBytes) + " bytes");
  pb::SnapshotManifest m;
  if (bytes.empty() || !m.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return Malformed("the manifest does not decode");
  }
  SHANLIU_RETURN_IF_ERROR(VerifyManifest(m, genesis));
  return m;
}

Result<pb::SnapshotChunk> CheckChunk(const pb::SnapshotManifest& m, std::uint32_t index, ByteView bytes) {
  if (index >= static_cast<std::uint32_t>(m.chunk_hashes_size())) return Malformed("no chunk " + std::to_string(index));
  if (bytes.size() > kMaxChunkBytes) return Malformed("chunk " + std::to_string(index) + " is over the size limit");
  if (HashBytes(crypto::Sha256(bytes)) != m.chunk_hashes(static_cast<int>(index))) {
    return Status::Error(std::string(kSnapshotChunkMismatch),
                         "chunk " + std::to_string(index) + " does not hash to the manifest's hash for it");
  }
  pb::SnapshotChunk chunk;
  if (!chunk.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) || chunk.rows_size() == 0) {
    return Malformed("chunk " + std::to_string(index) + " does not decode");
  }
  for (int i = 0; i < chunk.rows_size(); ++i) {
    const std::string& key = chunk.rows(i).key();
    if (key.size() > kMaxRowKeyBytes || !smt::InStateMap(key)) {
      return Malformed("chunk " + std::to_string(index) + " holds a key that is not a state row: " +
                       PrintableStorageKey(key));
    }
    if (i > 0 && !(chunk.rows(i - 1).key() < key)) {
      return Malformed("chunk " + std::to_string(index) + "'s rows are not in ascending key order");
    }
  }
  return chunk;
}

}  // namespace shanliu::ledger::snapshot
