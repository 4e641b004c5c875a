// The durable block store of each simulated node, and the faults injected into it. Each block is
// one record in the WAL's frame format (length, checksum, payload), so a read checks its bytes
// with the same code the node uses to check its WAL. Read corruption (a flipped byte inside a
// stored block) must be detected on read: the block is never served nor applied, and the node
// stops as shanliu-node does (docs/operator.md "Repairing a damaged store"); its restart repairs
// the store from peers. A torn write (a crash inside a block write) leaves a partial record after
// the head, which reopening drops, as LevelDB drops an unfinished log record.
#include <cassert>

#include "scripted_net.h"
#include "shanliu/node/wal.h"
#include "world.h"

namespace shanliu::sim {
namespace {

// payload: height u64 | round u64 | block hash | block length u64 | block | certificate
constexpr std::size_t kBlockLengthAt = 8 + 8 + 32;
constexpr std::size_t kBlockAt = kBlockLengthAt + 8;

Bytes EncodeStored(const cs::CommitBlock& commit) {
  Bytes out;
  AppendU64(out, commit.height);
  AppendU64(out, commit.round);
  AppendRaw(out, commit.block_hash);
  AppendU64(out, commit.block.size());
  AppendRaw(out, commit.block);
  AppendRaw(out, AsBytes(commit.certificate.SerializeAsString()));
  return out;
}

std::optional<cs::CommitBlock> DecodeStored(ByteView payload) {
  if (payload.size() < kBlockAt) return std::nullopt;
  cs::CommitBlock commit;
  commit.height = ReadU64(payload);
  commit.round = static_cast<std::uint32_t>(ReadU64(payload.subspan(8)));
  std::copy_n(payload.begin() + 16, commit.block_hash.size(), commit.block_hash.begin());
  const std::uint64_t length = ReadU64(payload.subspan(kBlockLengthAt));
  if (length > payload.size() - kBlockAt) return std::nullopt;
  const ByteView block = payload.subspan(kBlockAt, length);
  commit.block.assign(block.begin(), block.end());
  const ByteView certificate = payload.subspan(kBlockAt + length);
  if (!commit.certificate.ParseFromArray(certificate.data(), static_cast<int>(certificate.size()))) return std::nullopt;
  return commit;
}

}  // namespace

void World::StoreAppend(std::uint32_t i, const cs::CommitBlock& commit) {
  BlockStore& store = nodes_[i].store;
  assert(commit.height == store.head() + 1);
  assert(store.bytes.size() == (store.ends.empty() ? 0 : store.ends.back()));  // no torn tail while alive
  AppendRaw(store.bytes, node::EncodeWalFrame(EncodeStored(commit)));
  store.ends.push_back(store.bytes.size());
}

void World::StoreTear(std::uint32_t i, const cs::CommitBlock& commit) {
  BlockStore& store = nodes_[i].store;
  const Bytes frame = node::EncodeWalFrame(EncodeStored(commit));
  const std::size_t written = node_random_.Between(0, frame.size() - 1);
  store.bytes.insert(store.bytes.end(), frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(written));
  ++report_.torn_block_writes;
  Trace(i, "xx", [&] {
    return "crash tearing the write of block " + std::to_string(commit.height) + " after " + std::to_string(written) +
           " bytes";
  });
}

std::optional<cs::CommitBlock> World::StoreRead(std::uint32_t i, std::uint64_t height) {
  const BlockStore& store = nodes_[i].store;
  assert(height >= 1 && height <= store.head());
  const std::size_t begin = height == 1 ? 0 : store.ends[height - 2];
  const ByteView record = ByteView(store.bytes).subspan(begin, store.ends[height - 1] - begin);
  std::optional<cs::CommitBlock> commit;
  if (options_.faults.ignore_read_checksum) {
    commit = DecodeStored(record.subspan(node::kWalFrameHeaderBytes));  // the bug: bytes taken unchecked
  } else {
    auto frames = node::DecodeWalFrames(record);
    if (frames.ok() && frames->records.size() == 1) commit = DecodeStored(frames->records.front());
  }
  if (commit && commit->height != height) commit.reset();
  return commit;
}

std::vector<cs::CommitBlock> World::StoreOpen(std::uint32_t i, std::uint64_t* damaged_head) {
  BlockStore& store = nodes_[i].store;
  *damaged_head = 0;
  store.bytes.resize(store.ends.empty() ? 0 : store.ends.back());  // a torn tail past the head record
  // The real node samples blocks at startup and meets the rest on read; here every record is
  // read, which finds no more than reads would later, only sooner.
  std::vector<cs::CommitBlock> intact;
  for (std::uint64_t h = 1; h <= store.head(); ++h) {
    std::optional<cs::CommitBlock> commit = StoreRead(i, h);
    if (!commit) {
      *damaged_head = store.head();
      ++report_.corrupt_reads;
      Trace(i, "xx", [&] { return "store damaged at block " + std::to_string(h) + ": repairing from peers"; });
      KeepAboveGap(i, h);
      store.ends.resize(h - 1);
      store.bytes.resize(h == 1 ? 0 : store.ends.back());
      break;
    }
    intact.push_back(std::move(*commit));
  }
  return intact;
}

// The blocks above the first damaged one (`gap`) that still read back intact, kept for the
// repair (Node::above_gap); the rebuilt store has only the prefix until peers fill the gap.
void World::KeepAboveGap(std::uint32_t i, std::uint64_t gap) {
  Node& node = nodes_[i];
  if (options_.faults.repair_drop_above_gap) return;  // the bug: only the prefix is salvaged
  for (std::uint64_t h = gap + 1; h <= node.store.head(); ++h) {
    if (std::optional<cs::CommitBlock> commit = StoreRead(i, h)) node.above_gap[h] = std::move(*commit);
  }
}

void World::Corrupt(const ReadFault& fault) {
  assert(fault.node < nodes_.size());
  BlockStore& store = nodes_[fault.node].store;
  if (nodes_[fault.node].byzantine || store.head() == 0) return;
  // Mostly one of the newest blocks, the ones peers still ask for, so the damage is read.
  const std::uint64_t height = store.head() - fault.pick % std::min<std::uint64_t>(store.head(), 4);
  // As VOPR bounds its storage faults, the damage must stay repairable: the repair salvages only
  // the blocks below a node's first damaged one and fetches the rest, so another honest node must
  // be able to serve every block from here to this node's head out of its intact prefix. (A block
  // whose every honest copy is gone, or sits above damage, cannot be repaired by anyone, and a
  // node that refuses to run on a store short of its head would rightly stay down.)
  std::uint64_t best_elsewhere = 0;
  for (std::uint32_t j = 0; j < nodes_.size(); ++j) {
    if (j == fault.node || nodes_[j].byzantine || nodes_[j].role == Role::kLiar) continue;
    best_elsewhere = std::max(best_elsewhere, IntactPrefix(j));
  }
  if (best_elsewhere < store.head()) return;
  const std::size_t begin = height == 1 ? 0 : store.ends[height - 2];
  const std::size_t block_at = begin + node::kWalFrameHeaderBytes + kBlockAt;
  const std::uint64_t length = ReadU64(ByteView(store.bytes).subspan(block_at - 8));
  if (length == 0) return;
  const std::size_t at = block_at + (fault.pick >> 20) % length;
  store.bytes[at] ^= static_cast<std::uint8_t>(1u << ((fault.pick >> 8) % 8));
  Trace(fault.node, "xx", [&] { return "a byte of stored block " + std::to_string(height) + " flipped"; });
}

std::uint64_t World::IntactPrefix(std::uint32_t i) {
  std::uint64_t h = 0;
  while (h < nodes_[i].store.head() && StoreRead(i, h + 1)) ++h;
  return h;
}

bool World::TearIfArmed(std::uint32_t i, const cs::CommitBlock& commit) {
  Node& node = nodes_[i];
  if (!node.tear_block_write) return false;
  Push(*node.tear_block_write, RestartAt{i});
  StoreTear(i, commit);
  CrashNow(i);
  return true;
}

// As DamageGuard does for a validator (and for an observer with storage.auto_repair): record the
// damage, stop; the supervisor's restart repairs.
void World::StopOnDamage(std::uint32_t i, std::uint64_t height, const char* where) {
  ++report_.corrupt_reads;
  Trace(i, "xx", [&] {
    return std::string("storage_corrupt: block ") + std::to_string(height) + " fails its checksum (" + where +
           "); stopping";
  });
  if (!nodes_[i].up) return;
  CrashNow(i);
  Push(kRestartAfterDamageMs, RestartAt{i});
}

}  // namespace shanliu::sim
