// Issue 15: a damaged store is rebuilt from certified blocks (node/store_repair.h). The swap
// keeps the damaged directory and is recoverable after a crash at every step; the rebuild
// salvages intact local blocks, fetches the rest, refuses forged blocks and lying peers, and a
// repair that cannot finish leaves the data directory byte for byte as it was.
#include <doctest/doctest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <leveldb/db.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/hash.h"
#include "shanliu/ledger/block.h"
#include "shanliu/ledger/replay.h"
#include "shanliu/ledger/store_reader.h"
#include "shanliu/node/store_repair.h"
#include "test_chain.h"

using namespace shanliu;
using shanliu::testing::TempDir;
using shanliu::testing::TestChain;
using shanliu::testing::TestKey;

namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteFile(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

// Every file under `dir` (relative path -> SHA-256 of its bytes); empty if there is no dir.
std::map<std::string, std::string> HashTree(const fs::path& dir) {
  std::map<std::string, std::string> out;
  if (!fs::exists(dir)) return out;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    out[fs::relative(entry.path(), dir).string()] = crypto::ToHex(crypto::Sha256(AsBytes(ReadFile(entry.path()))));
  }
  return out;
}

void FlipByte(const fs::path& file, std::uint64_t offset) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  REQUIRE(f.good());
  f.seekg(static_cast<std::streamoff>(offset));
  char c = 0;
  f.read(&c, 1);
  c = static_cast<char>(c ^ 0x5a);
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(&c, 1);
  REQUIRE(f.good());
}

fs::path LargestTable(const fs::path& data_dir) {
  fs::path best;
  std::uintmax_t best_size = 0;
  for (const auto& entry : fs::directory_iterator(data_dir / "ledger")) {
    if (entry.path().extension() == ".ldb" && entry.file_size() > best_size) {
      best = entry.path();
      best_size = entry.file_size();
    }
  }
  REQUIRE(!best.empty());
  return best;
}

// A closed one-validator chain of 2 + 2 * rounds blocks, its blocks kept as committed, and a
// place for damaged copies of its data directory (with a consensus WAL stand-in beside it).
struct StoredChain {
  explicit StoredChain(int rounds) {
    REQUIRE(chain.RegisterOrg("sunshine", pb::ORG_KIND_CHARITY, sunshine).ok());
    REQUIRE(chain.OpenProject("meals", "sunshine", sunshine).ok());
    for (int r = 0; r < rounds; ++r) {
      std::vector<Bytes> txs;
      for (int i = 0; i < 3; ++i) txs.push_back(chain.DonationTx("project:meals", 1'000 + r * 10 + i, chain.bank, "bank-1"));
      for (const Status& s : chain.CommitBlock(txs)) REQUIRE(s.ok());
      REQUIRE(chain.Commit(chain.SpendTx("project:meals", 100, sunshine)).ok());
    }
    head = chain.ledger().height();
    head_hash = crypto::ToHex(chain.ledger().head_hash());
    state_root = crypto::ToHex(AsBytes(chain.ledger().head().state_root()));
    {
      auto view = chain.ledger().Read();  // released before the ledger closes
      for (std::uint64_t h = 1; h <= head; ++h) blocks.push_back(*view->CommittedBlockAt(h));
    }
    chain.Close();
    // Reopened once so LevelDB moves the log into table files, which the damage tests flip.
    REQUIRE(ledger::Ledger::Open(chain.dir(), chain.genesis()).ok());
  }
  fs::path Copy(const std::string& name) {
    const fs::path to = copies.path() / name;
    fs::copy(chain.dir(), to, fs::copy_options::recursive);
    WriteFile(to / "consensus.wal", "the validator's own votes");
    return to;
  }
  std::string BlockBytes(std::uint64_t height) const { return blocks.at(height - 1).SerializeAsString(); }

  TestChain chain;
  crypto::KeyPair sunshine = TestKey("sunshine");
  std::uint64_t head = 0;
  std::string head_hash, state_root;
  std::vector<pb::CommittedBlock> blocks;  // heights 1..head
  TempDir copies;
};

// Peers played by the test: each serves the honest blocks, or misbehaves in one way.
enum class Peer { kHonest, kForgedBlock, kUnreachable, kClaimsOnly, kMalformed };

class FakePeers final : public node::RemoteBlocks {
 public:
  FakePeers(const StoredChain& stored, std::vector<Peer> peers) : stored_(stored), peers_(std::move(peers)) {}
  std::size_t peer_count() const override { return peers_.size(); }
  std::string PeerName(std::size_t peer) const override { return "peer-" + std::to_string(peer); }
  Result<Response> Fetch(std::size_t peer, std::uint64_t from, std::uint32_t max_blocks) override {
    ++requests;
    Response r;
    r.head_height = std::min(stored_.head, peers_head);
    switch (peers_.at(peer)) {
      case Peer::kUnreachable: return Status::Error("timeout", "no answer");
      case Peer::kMalformed: return Status::Error(std::string(ledger::kBlockMalformed), "not a block");
      case Peer::kClaimsOnly: r.head_height = 1'000'000'000'000'000ull; return r;
      case Peer::kHonest:
      case Peer::kForgedBlock: break;
    }
    for (std::uint64_t h = from; h <= r.head_height && h < from + max_blocks; ++h) {
      r.blocks.push_back(stored_.blocks.at(h - 1));
      // A forged block: the same height with another time, under the honest certificate.
      if (peers_[peer] == Peer::kForgedBlock && h == 3) {
        r.blocks.back().mutable_block()->mutable_header()->set_time_ms(r.blocks.back().block().header().time_ms() + 1);
      }
    }
    return r;
  }
  int requests = 0;
  std::uint64_t peers_head = UINT64_MAX;  // every peer is behind at this height (never decided more)

 private:
  const StoredChain& stored_;
  std::vector<Peer> peers_;
};

Result<node::RepairSummary> Repair(const fs::path& data, const StoredChain& stored, node::RemoteBlocks& remote,
                                   bool salvage = true) {
  node::RepairOptions options;
  options.data_dir = data;
  options.salvage_local = salvage;
  options.blocks_per_request = 3;  // several requests per peer, so rotation and limits are exercised
  return node::RepairStore(options, stored.chain.genesis(), remote);
}

// The repaired directory serves the same certified block bytes and state root as the chain.
void CheckRepaired(const fs::path& data, const StoredChain& stored) {
  auto opened = ledger::Ledger::Open(data, stored.chain.genesis());
  REQUIRE_MESSAGE(opened.ok(), opened.status().ToString());
  REQUIRE((*opened)->height() == stored.head);
  CHECK(crypto::ToHex((*opened)->head_hash()) == stored.head_hash);
  CHECK(crypto::ToHex(AsBytes((*opened)->head().state_root())) == stored.state_root);
  auto view = (*opened)->Read();
  for (std::uint64_t h = 1; h <= stored.head; ++h) CHECK(view->CommittedBlockAt(h)->SerializeAsString() == stored.BlockBytes(h));
  CHECK((*opened)->VerifyState().ok());
  CHECK(ReadFile(data / "consensus.wal") == "the validator's own votes");
  CHECK_FALSE(fs::exists(data / node::kRepairNeededFile));
  CHECK_FALSE(fs::exists(data / node::kRepairCompleteFile));
  CHECK_FALSE(fs::exists(node::RebuildDirFor(data)));
}

// A store LevelDB cannot open at all: nothing to salvage, every block must come from peers.
fs::path UnreadableCopy(StoredChain& stored, const std::string& name) {
  const fs::path data = stored.Copy(name);
  WriteFile(data / "ledger" / "CURRENT", "MANIFEST-999999\n");
  return data;
}

// A swap fixture: <root>/data with an old store, a WAL and the damage record; <root>/data.repair
// with a rebuilt store.
struct SwapDirs {
  SwapDirs() {
    WriteFile(data / "ledger" / "table", "old");
    WriteFile(data / "consensus.wal", "votes");
    WriteFile(data / node::kRepairNeededFile, "storage_corrupt at key B/7");
    WriteFile(node::RebuildDirFor(data) / "ledger" / "table", "new");
  }
  TempDir root;
  fs::path data = root.path() / "data";
};

}  // namespace

TEST_CASE("the swap keeps the damaged store, carries the WAL over and clears the damage record") {
  SwapDirs dirs;
  fs::path kept;
  REQUIRE(node::SwapInRebuilt(dirs.data, 42, &kept).ok());
  CHECK(kept == dirs.root.path() / "data.damaged-42");
  CHECK(ReadFile(dirs.data / "ledger" / "table") == "new");
  CHECK(ReadFile(dirs.data / "consensus.wal") == "votes");
  CHECK_FALSE(fs::exists(dirs.data / node::kRepairNeededFile));
  CHECK_FALSE(fs::exists(dirs.data / node::kRepairCompleteFile));
  CHECK(ReadFile(kept / "ledger" / "table") == "old");
  CHECK(ReadFile(kept / node::kRepairNeededFile) == "storage_corrupt at key B/7");
  CHECK_FALSE(fs::exists(node::RebuildDirFor(dirs.data)));
  // Nothing left to recover; a second damaged copy at the same height gets its own name.
  CHECK(*node::RecoverInterruptedSwap(dirs.data) == "");
  WriteFile(node::RebuildDirFor(dirs.data) / "ledger" / "table", "newer");
  REQUIRE(node::SwapInRebuilt(dirs.data.string() + "/", 42, &kept).ok());
  CHECK(kept == dirs.root.path() / "data.damaged-42-2");
  CHECK(ReadFile(dirs.data / "ledger" / "table") == "newer");
}

TEST_CASE("the swap skips a stale admin socket a node left in its data directory") {
  SwapDirs dirs;
  // A node killed without a clean stop leaves admin.sock (node/backup): not a file to copy.
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string path = (dirs.data / "admin.sock").string();
  REQUIRE(path.size() < sizeof(addr.sun_path));
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  REQUIRE(::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) == 0);
  ::close(fd);
  REQUIRE(fs::is_socket(dirs.data / "admin.sock"));
  fs::path kept;
  const Status swapped = node::SwapInRebuilt(dirs.data, 7, &kept);
  REQUIRE_MESSAGE(swapped.ok(), swapped.ToString());
  CHECK(ReadFile(dirs.data / "consensus.wal") == "votes");
  CHECK_FALSE(fs::exists(dirs.data / "admin.sock"));
  CHECK(fs::is_socket(kept / "admin.sock"));  // the old directory is kept as it was
}

TEST_CASE("a crash after any step of the swap is recovered to the old or the new store, never neither") {
  for (node::SwapStep step : {node::SwapStep::kMarkComplete, node::SwapStep::kSetAsideDamaged,
                              node::SwapStep::kMoveRebuilt, node::SwapStep::kClearMarker}) {
    CAPTURE(static_cast<int>(step));
    SwapDirs dirs;
    fs::path kept;
    REQUIRE(node::SwapInRebuilt(dirs.data, 7, &kept, step).ok());
    auto recovered = node::RecoverInterruptedSwap(dirs.data);
    REQUIRE(recovered.ok());
    CHECK_FALSE(fs::exists(node::RebuildDirFor(dirs.data)));
    CHECK_FALSE(fs::exists(dirs.data / node::kRepairCompleteFile));
    if (step == node::SwapStep::kMarkComplete) {
      // Before the commit point: the old store stays in use, damage record and all, and the
      // rebuild is dropped (a node may have run on the old store since, moving its WAL on).
      CHECK(*recovered == "dropped an unfinished rebuild in " + node::RebuildDirFor(dirs.data).string());
      CHECK(ReadFile(dirs.data / "ledger" / "table") == "old");
      CHECK(fs::exists(dirs.data / node::kRepairNeededFile));
      CHECK_FALSE(fs::exists(dirs.root.path() / "data.damaged-7"));
    } else {
      CHECK((step == node::SwapStep::kClearMarker) == recovered->empty());
      CHECK(ReadFile(dirs.data / "ledger" / "table") == "new");
      CHECK(ReadFile(dirs.data / "consensus.wal") == "votes");
      CHECK_FALSE(fs::exists(dirs.data / node::kRepairNeededFile));
      CHECK(ReadFile(dirs.root.path() / "data.damaged-7" / "ledger" / "table") == "old");
    }
    CHECK(*node::RecoverInterruptedSwap(dirs.data) == "");  // recovery is idempotent
  }
}

TEST_CASE("the damage record is durable text and absent until written") {
  TempDir dir;
  CHECK_FALSE(node::RepairNeeded(dir.path()).has_value());
  REQUIRE(node::MarkRepairNeeded(dir.path(), "storage_corrupt at key s/org/x (GET /v1/orgs/x)").ok());
  CHECK(*node::RepairNeeded(dir.path()) == "storage_corrupt at key s/org/x (GET /v1/orgs/x)");
  CHECK(node::MarkRepairNeeded(dir.path() / "missing", "x").code() == "io_error");
}

TEST_CASE("an unreadable store is rebuilt from a peer and the damaged copy is kept byte for byte") {
  StoredChain stored(4);
  const fs::path data = UnreadableCopy(stored, "unreadable");
  const auto before = HashTree(data);
  FakePeers peers(stored, {Peer::kHonest});
  auto repaired = Repair(data, stored, peers);
  REQUIRE_MESSAGE(repaired.ok(), repaired.status().ToString());
  CHECK(repaired->salvaged_blocks == 0);
  CHECK(repaired->fetched_blocks == stored.head);
  CHECK_FALSE(repaired->damaged_head.has_value());
  CHECK(repaired->height == stored.head);
  CHECK(repaired->head_hash_hex == stored.head_hash);
  CHECK(repaired->state_root_hex == stored.state_root);
  CheckRepaired(data, stored);
  CHECK(repaired->damaged_kept == fs::path(data.string() + ".damaged-" + std::to_string(stored.head)));
  CHECK(HashTree(repaired->damaged_kept) == before);
}

TEST_CASE("an intact store is salvaged without a download") {
  StoredChain stored(3);
  const fs::path data = stored.Copy("intact");
  FakePeers peers(stored, {Peer::kUnreachable});
  auto repaired = Repair(data, stored, peers);
  REQUIRE_MESSAGE(repaired.ok(), repaired.status().ToString());
  CHECK(repaired->salvaged_blocks == stored.head);
  CHECK(repaired->fetched_blocks == 0);
  CHECK(repaired->damaged_head == stored.head);
  CHECK(repaired->unreachable_peers.size() == 1);
  CheckRepaired(data, stored);
}

// Repairs `data` after its damage and checks the outcome; returns whether the salvage stopped
// part way with the rest fetched from the peer.
bool RepairSplit(StoredChain& stored, const fs::path& data, const std::string& what) {
  FakePeers peers(stored, {Peer::kHonest});
  auto repaired = Repair(data, stored, peers);
  REQUIRE_MESSAGE(repaired.ok(), repaired.status().ToString());
  CHECK(repaired->salvaged_blocks + repaired->fetched_blocks == stored.head);
  MESSAGE(what << ": salvaged " << repaired->salvaged_blocks << ", fetched " << repaired->fetched_blocks
               << ", salvage stopped: " << repaired->salvage_stopped);
  CheckRepaired(data, stored);
  if (repaired->fetched_blocks == 0 || repaired->salvaged_blocks == 0) return false;
  CHECK_MESSAGE(repaired->salvage_stopped.find("storage_corrupt") != std::string::npos, repaired->salvage_stopped);
  return true;
}

TEST_CASE("a table byte flip stops the salvage at the damaged block and peers serve the rest") {
  StoredChain stored(6);
  const fs::path pristine = stored.Copy("pristine");
  // A flip inside a middle block's first tx: the blocks below it are salvaged, the rest fetched.
  // The tx's bytes are found in the table as written (the store is not compressed; if it ever
  // is, the spread below still runs, and the search is skipped with a message).
  const std::uint64_t middle = stored.head / 2 + 1;
  const std::string tx = stored.blocks.at(middle - 1).block().txs(0);
  const std::size_t at = ReadFile(LargestTable(pristine)).find(tx);
  int split = 0;
  if (at != std::string::npos) {
    const fs::path data = stored.Copy("flip-tx");
    FlipByte(LargestTable(data), at + tx.size() / 2);
    CHECK(RepairSplit(stored, data, "flip in block " + std::to_string(middle) + "'s tx"));
    ++split;
  } else {
    MESSAGE("block " << middle << "'s tx is not stored verbatim (compressed table): the spread alone runs");
  }
  // Flips spread over the whole table (records, index, footer): every outcome is a full repair.
  const std::uint64_t flips = 12;
  const std::uint64_t step_bytes = (fs::file_size(LargestTable(pristine)) - 16) / (flips + 1);
  REQUIRE(step_bytes >= 64);
  for (std::uint64_t i = 0; i < flips; ++i) {
    CAPTURE(i);
    const fs::path data = stored.Copy("flip-" + std::to_string(i));
    FlipByte(LargestTable(data), 16 + i * step_bytes);
    if (RepairSplit(stored, data, "flip " + std::to_string(i))) ++split;
  }
  // The test must have exercised a salvage that stopped part way, the rest fetched.
  CHECK(split >= 1);
}

// The heights at or after the first one `data`'s damaged store no longer reads back: the damaged
// range [first, last] if it is one run below the head with intact blocks above it, else nothing.
std::optional<std::pair<std::uint64_t, std::uint64_t>> GapBelowIntact(const fs::path& data, std::uint64_t head) {
  auto reader = ledger::StoreReader::Open(data);
  if (!reader.ok()) return std::nullopt;
  std::vector<bool> intact;
  for (std::uint64_t h = 1; h <= head; ++h) intact.push_back((*reader)->CommittedBlockAt(h).ok());
  std::uint64_t first = 1;
  while (first <= head && intact[first - 1]) ++first;
  std::uint64_t last = first;
  while (last < head && !intact[last]) ++last;
  for (std::uint64_t h = last + 1; h <= head; ++h) {
    if (!intact[h - 1]) return std::nullopt;
  }
  if (first > head || last >= head) return std::nullopt;
  return std::pair{first, last};
}

// A block decided after the damage may exist intact only above it: the peers, behind, can fill
// the gap but not serve what follows, so the repair must keep the damaged store's blocks above.
TEST_CASE("the intact blocks above a damaged one are kept when the peers are behind") {
  StoredChain stored(6);
  const fs::path pristine = stored.Copy("pristine-gap");
  const std::uint64_t flips = 12;
  const std::uint64_t step_bytes = (fs::file_size(LargestTable(pristine)) - 16) / (flips + 1);
  int kept = 0;
  for (std::uint64_t i = 0; i < flips; ++i) {
    CAPTURE(i);
    const fs::path data = stored.Copy("gap-" + std::to_string(i));
    FlipByte(LargestTable(data), 16 + i * step_bytes);
    const auto gap = GapBelowIntact(data, stored.head);
    if (!gap) continue;
    FakePeers peers(stored, {Peer::kHonest});
    peers.peers_head = gap->second;
    auto repaired = Repair(data, stored, peers);
    REQUIRE_MESSAGE(repaired.ok(), repaired.status().ToString());
    CHECK(repaired->fetched_blocks == gap->second - gap->first + 1);
    CHECK(repaired->salvaged_above_gap == stored.head - gap->second);
    CHECK(repaired->salvaged_blocks == stored.head - (gap->second - gap->first + 1));
    CheckRepaired(data, stored);
    ++kept;
  }
  // The test must have met damage with intact blocks above it.
  CHECK(kept >= 1);
  MESSAGE(kept << " of " << flips << " flips left intact blocks above the damage");
}

// Store format 2 (short state-map keys, docs/data-format.md): a store without the format record
// is refused, typed, and the repair rewrites it from its own blocks with no peer's help.
TEST_CASE("a store of the old format is refused on open and the repair rewrites it from its own blocks") {
  StoredChain stored(2);
  const fs::path data = stored.Copy("format-1");
  {
    leveldb::DB* raw = nullptr;
    leveldb::Options options;
    options.compression = leveldb::kNoCompression;
    REQUIRE(leveldb::DB::Open(options, (data / "ledger").string(), &raw).ok());
    std::unique_ptr<leveldb::DB> db(raw);
    leveldb::WriteOptions sync;
    sync.sync = true;
    REQUIRE(db->Delete(sync, "c/format").ok());
  }
  auto refused = ledger::Ledger::Open(data, stored.chain.genesis());
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == "store_format_old");
  FakePeers none(stored, {Peer::kUnreachable});
  auto repaired = Repair(data, stored, none);
  REQUIRE_MESSAGE(repaired.ok(), repaired.status().ToString());
  CHECK(repaired->salvaged_blocks == stored.head);
  CHECK(repaired->fetched_blocks == 0);
  CheckRepaired(data, stored);
}

TEST_CASE("a forged block is refused by its certificate and the next peer serves the real one") {
  StoredChain stored(3);
  const fs::path data = UnreadableCopy(stored, "forged");
  FakePeers peers(stored, {Peer::kForgedBlock, Peer::kHonest});
  auto repaired = Repair(data, stored, peers);
  REQUIRE_MESSAGE(repaired.ok(), repaired.status().ToString());
  REQUIRE(repaired->refused_peers.size() == 1);
  CHECK_MESSAGE(repaired->refused_peers[0].find("peer-0: block 3 failed commit_certificate") == 0,
                repaired->refused_peers[0]);
  CHECK(repaired->fetched_blocks == stored.head);
  CheckRepaired(data, stored);
}

TEST_CASE("repair with no peer that serves fails cleanly and changes nothing") {
  StoredChain stored(2);
  struct Case {
    std::vector<Peer> peers;
    std::string code;
  };
  const std::vector<Case> cases = {
      {{}, "repair_no_peers"},
      {{Peer::kUnreachable, Peer::kUnreachable}, "repair_no_peers"},
      {{Peer::kClaimsOnly}, "repair_no_peers"},
      {{Peer::kMalformed}, "repair_no_peers"},
      {{Peer::kForgedBlock}, "repair_no_peers"},
  };
  int n = 0;
  for (const Case& c : cases) {
    CAPTURE(n);
    const fs::path data = UnreadableCopy(stored, "nopeer-" + std::to_string(n++));
    const auto before = HashTree(data);
    FakePeers peers(stored, c.peers);
    auto repaired = Repair(data, stored, peers);
    REQUIRE_FALSE(repaired.ok());
    CHECK_MESSAGE(repaired.status().code() == c.code, repaired.status().ToString());
    CHECK(HashTree(data) == before);
    CHECK_FALSE(fs::exists(node::RebuildDirFor(data)));
    for (const auto& entry : fs::directory_iterator(stored.copies.path())) {
      CHECK(entry.path().filename().string().find("damaged") == std::string::npos);
    }
  }
}

TEST_CASE("a damaged block with only a lagging peer is incomplete, not swapped for a shorter chain") {
  StoredChain stored(3);
  const fs::path data = stored.Copy("lagging");
  // Salvage stops at once (no salvage), and the only peer answers quietly that it has nothing:
  // the rebuild would be shorter than the damaged store's head.
  struct Quiet final : node::RemoteBlocks {
    std::size_t peer_count() const override { return 1; }
    std::string PeerName(std::size_t) const override { return "quiet"; }
    Result<Response> Fetch(std::size_t, std::uint64_t, std::uint32_t) override { return Response{}; }
  } quiet;
  const auto before = HashTree(data);
  auto repaired = Repair(data, stored, quiet, /*salvage=*/false);
  REQUIRE_FALSE(repaired.ok());
  CHECK(repaired.status().code() == "repair_incomplete");
  CHECK(HashTree(data) == before);
}

TEST_CASE("repair refuses a store a running node holds, and a missing data directory") {
  StoredChain stored(1);
  const fs::path data = stored.Copy("in-use");
  FakePeers peers(stored, {Peer::kHonest});
  {
    auto running = ledger::Ledger::Open(data, stored.chain.genesis());
    REQUIRE(running.ok());
    auto repaired = Repair(data, stored, peers);
    REQUIRE_FALSE(repaired.ok());
    CHECK(repaired.status().code() == "in_use");
    CHECK_FALSE(fs::exists(node::RebuildDirFor(data)));
  }
  auto missing = Repair(stored.copies.path() / "nothing-here", stored, peers);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == "not_found");
}

TEST_CASE("damage met while running is recorded once and stops a node that must not go on") {
  TempDir dir;
  int stops = 0;
  node::DamageGuard validator(dir.path(), /*stop=*/true, [&] { ++stops; });
  CHECK_FALSE(validator.stopped());
  validator.Seen("B/7", "GET /v1/blocks/7/raw");
  validator.Seen("s/org/x", "sync request");  // later reports change nothing
  CHECK(stops == 1);
  CHECK(validator.stopped());
  CHECK(*node::RepairNeeded(dir.path()) == "storage_corrupt at key B/7 (GET /v1/blocks/7/raw)");

  TempDir other;
  node::DamageGuard observer(other.path(), /*stop=*/false, {});
  observer.Seen("B/9", "sync request");
  CHECK_FALSE(observer.stopped());  // keeps serving what reads back intact
  CHECK(*node::RepairNeeded(other.path()) == "storage_corrupt at key B/9 (sync request)");
}
