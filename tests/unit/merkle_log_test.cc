// The append-only RFC 9162 log over a real LevelDB (DESIGN 6, 9): batches written with sync,
// roots and proofs at every past size, reopening, staged appends, and corruption handling.
#include <doctest/doctest.h>
#include <leveldb/db.h>
#include <leveldb/write_batch.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "shanliu/bytes.h"
#include "shanliu/crypto/hash.h"
#include "shanliu/crypto/merkle.h"
#include "shanliu/ledger/merkle_log.h"

namespace shanliu::ledger {
namespace {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/shanliu-merkle-log-test-XXXXXX";
    const char* p = ::mkdtemp(tmpl);
    REQUIRE(p != nullptr);
    path_ = p;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::unique_ptr<leveldb::DB> OpenDb(const std::string& path) {
  leveldb::Options options;
  options.create_if_missing = true;
  leveldb::DB* db = nullptr;
  leveldb::Status s = leveldb::DB::Open(options, path, &db);
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  return std::unique_ptr<leveldb::DB>(db);
}

leveldb::WriteOptions Sync() {
  leveldb::WriteOptions o;
  o.sync = true;
  return o;
}

Bytes Leaf(std::uint64_t i) {
  Bytes b = ToBytes("tx-envelope-");
  AppendU64(b, i * 2654435761u);
  b.resize(b.size() + i % 7, static_cast<std::uint8_t>(i));
  return b;
}

// In-memory reference over the same leaves (the library's InMemorySubtrees, itself checked
// against a brute-force RFC 9162 reference in merkle_test).
// Perfect subtrees precomputed level by level from InMemorySubtrees' answers for level 0 and 1
// upwards, so checking every proof of every size stays fast.
class CachedSubtrees final : public crypto::PerfectSubtreeReader {
 public:
  explicit CachedSubtrees(const std::vector<Hash256>& leaves) {
    crypto::InMemorySubtrees mem(leaves);
    levels_.push_back(leaves);
    for (unsigned level = 1; (std::size_t{1} << level) <= leaves.size(); ++level) {
      std::vector<Hash256> row;
      for (std::uint64_t i = 0; i < (leaves.size() >> level); ++i) {
        row.push_back(crypto::MerkleNodeHash(levels_[level - 1][2 * i], levels_[level - 1][2 * i + 1]));
      }
      if (level <= 2) {  // spot-check the cache against the library's reader
        for (std::uint64_t i = 0; i < row.size(); ++i) REQUIRE(*mem.PerfectSubtree(level, i) == row[i]);
      }
      levels_.push_back(std::move(row));
    }
  }
  Result<Hash256> PerfectSubtree(unsigned level, std::uint64_t index) override {
    if (level >= levels_.size() || index >= levels_[level].size()) return Status::Error("out_of_range", "outside");
    return levels_[level][index];
  }

 private:
  std::vector<std::vector<Hash256>> levels_;
};

struct Reference {
  std::vector<Hash256> leaf_hashes;
  void Add(std::uint64_t i) { leaf_hashes.push_back(crypto::MerkleLeafHash(Leaf(i))); }
  CachedSubtrees Mem() const { return CachedSubtrees(leaf_hashes); }
  Hash256 Root(std::uint64_t size) const {
    return crypto::MerkleRootOfLeafHashes(std::span<const Hash256>(leaf_hashes.data(), size));
  }
};

MerkleLog OpenLog(leveldb::DB* db) {
  auto log = MerkleLog::Open(db);
  REQUIRE_MESSAGE(log.ok(), log.status().ToString());
  return std::move(*log);
}

// Appends leaves [from, to) in one batch written with sync, then marks them committed.
void AppendBatch(MerkleLog& log, leveldb::DB* db, Reference& ref, std::uint64_t from, std::uint64_t to) {
  leveldb::WriteBatch batch;
  const std::uint64_t committed_before = log.committed_size();
  for (std::uint64_t i = from; i < to; ++i) {
    CHECK(log.Append(Leaf(i), batch) == i);
    ref.Add(i);
    CHECK(log.size() == i + 1);
    CHECK(log.committed_size() == committed_before);
  }
  CHECK(log.root() == ref.Root(to));
  leveldb::Status s = db->Write(Sync(), &batch);
  REQUIRE(s.ok());
  log.MarkCommitted();
  CHECK(log.committed_size() == to);
  CHECK(log.size() == to);
}

struct Snapshot {
  std::vector<Hash256> roots;
  std::vector<std::vector<Hash256>> inclusion;    // every (index < size <= n), row-major
  std::vector<std::vector<Hash256>> consistency;  // every (1 <= m <= size <= n)
};

// Checks every root, leaf hash, inclusion and consistency proof of sizes 0..n against the
// reference, and returns them for comparison after a reopen.
Snapshot CheckAllSizes(MerkleLog& log, const Reference& ref, std::uint64_t n) {
  Snapshot snap;
  auto mem = ref.Mem();
  std::vector<Hash256> want_roots;
  for (std::uint64_t size = 0; size <= n; ++size) want_roots.push_back(ref.Root(size));
  int mismatches = 0, failures = 0;
  for (std::uint64_t size = 0; size <= n; ++size) {
    auto root = log.RootAt(size);
    REQUIRE(root.ok());
    CHECK(*root == want_roots[size]);
    snap.roots.push_back(*root);
    for (std::uint64_t i = 0; i < size; ++i) {
      auto p = log.InclusionProof(i, size);
      if (!p.ok()) {
        ++failures;
        continue;
      }
      auto want = crypto::MerkleInclusionProof(mem, i, size);
      if (*p != *want) ++mismatches;
      if (!crypto::VerifyMerkleInclusion(ref.leaf_hashes[i], i, size, *p, *root)) ++mismatches;
      snap.inclusion.push_back(*p);
    }
    for (std::uint64_t m = 1; m <= size; ++m) {
      auto p = log.ConsistencyProof(m, size);
      if (!p.ok()) {
        ++failures;
        continue;
      }
      auto want = crypto::MerkleConsistencyProof(mem, m, size);
      if (*p != *want) ++mismatches;
      if (!crypto::VerifyMerkleConsistency(m, size, want_roots[m], *root, *p)) ++mismatches;
      snap.consistency.push_back(*p);
    }
  }
  for (std::uint64_t i = 0; i < n; ++i) {
    auto h = log.LeafHash(i);
    REQUIRE(h.ok());
    if (*h != ref.leaf_hashes[i]) ++mismatches;
  }
  CHECK(failures == 0);
  CHECK(mismatches == 0);
  return snap;
}

std::string SubtreeKey(unsigned level, std::uint64_t index) {
  // The log's internal key layout: 'M' || u8 level || u64 index (big-endian).
  Bytes key{'M', static_cast<std::uint8_t>(level)};
  AppendU64(key, index);
  return ToString(key);
}

TEST_CASE("an empty log") {
  TempDir dir;
  auto db = OpenDb(dir.path());
  MerkleLog log = OpenLog(db.get());
  CHECK(log.size() == 0);
  CHECK(log.committed_size() == 0);
  CHECK(log.root() == crypto::MerkleEmptyRoot());
  auto r = log.RootAt(0);
  REQUIRE(r.ok());
  CHECK(*r == crypto::MerkleEmptyRoot());
  CHECK_FALSE(log.RootAt(1).ok());
  CHECK_FALSE(log.InclusionProof(0, 0).ok());
  CHECK_FALSE(log.ConsistencyProof(0, 0).ok());
  CHECK_FALSE(log.LeafHash(0).ok());
  CHECK(log.DiscardStaged().ok());
  CHECK(log.size() == 0);
}

TEST_CASE("batched appends: roots and proofs at every past size, identical after reopening") {
  TempDir dir;
  Reference ref;
  const std::uint64_t batches[] = {1, 2, 5, 17, 31, 64, 30};  // 150 leaves; crosses 128
  std::uint64_t n = 0;
  Snapshot before;
  {
    auto db = OpenDb(dir.path());
    // Unrelated keys around the log's prefix: the log shares the ledger's database.
    REQUIRE(db->Put(Sync(), "L/other", "x").ok());
    REQUIRE(db->Put(Sync(), "N/other", "y").ok());
    MerkleLog log = OpenLog(db.get());
    for (std::uint64_t b : batches) {
      AppendBatch(log, db.get(), ref, n, n + b);
      n += b;
      CHECK(log.root() == ref.Root(n));
    }
    REQUIRE(n == 150);
    before = CheckAllSizes(log, ref, n);
  }
  {
    auto db = OpenDb(dir.path());
    MerkleLog log = OpenLog(db.get());
    CHECK(log.size() == n);
    CHECK(log.committed_size() == n);
    CHECK(log.root() == ref.Root(n));
    Snapshot after = CheckAllSizes(log, ref, n);
    CHECK(after.roots == before.roots);
    CHECK(after.inclusion == before.inclusion);
    CHECK(after.consistency == before.consistency);
    // The reloaded frontier keeps growing correctly.
    AppendBatch(log, db.get(), ref, n, n + 106);
    n += 106;
    CHECK(log.root() == ref.Root(n));
    auto p = log.InclusionProof(149, n);
    REQUIRE(p.ok());
    CHECK(crypto::VerifyMerkleInclusion(ref.leaf_hashes[149], 149, n, *p, ref.Root(n)));
  }
  {
    auto db = OpenDb(dir.path());
    MerkleLog log = OpenLog(db.get());
    CHECK(log.size() == 256);
    CHECK(log.root() == ref.Root(256));
    auto c = log.ConsistencyProof(150, 256);
    REQUIRE(c.ok());
    CHECK(crypto::VerifyMerkleConsistency(150, 256, before.roots[150], log.root(), *c));
    std::string v;
    CHECK(db->Get(leveldb::ReadOptions(), "L/other", &v).ok());
    CHECK(v == "x");
  }
}

TEST_CASE("leaf by leaf: every intermediate root and a fresh Open after each commit agree") {
  TempDir dir;
  auto db = OpenDb(dir.path());
  Reference ref;
  MerkleLog log = OpenLog(db.get());
  for (std::uint64_t i = 0; i < 70; ++i) {
    AppendBatch(log, db.get(), ref, i, i + 1);
    MerkleLog other = OpenLog(db.get());  // a second reader of the same database
    CHECK(other.size() == i + 1);
    CHECK(other.root() == ref.Root(i + 1));
  }
}

TEST_CASE("staged appends are visible before commit and gone after DiscardStaged") {
  TempDir dir;
  Reference ref;
  auto db = OpenDb(dir.path());
  MerkleLog log = OpenLog(db.get());
  AppendBatch(log, db.get(), ref, 0, 37);
  const Hash256 root37 = ref.Root(37);

  Reference staged_ref = ref;
  {
    leveldb::WriteBatch batch;
    for (std::uint64_t i = 37; i < 47; ++i) {
      CHECK(log.Append(Leaf(i), batch) == i);
      staged_ref.Add(i);
    }
    CHECK(log.size() == 47);
    CHECK(log.committed_size() == 37);
    CHECK(log.root() == staged_ref.Root(47));
    auto r = log.RootAt(47);
    REQUIRE(r.ok());
    CHECK(*r == staged_ref.Root(47));
    auto mem = staged_ref.Mem();
    for (std::uint64_t i : {0u, 36u, 37u, 40u, 46u}) {
      auto p = log.InclusionProof(i, 47);
      REQUIRE(p.ok());
      CHECK(*p == *crypto::MerkleInclusionProof(mem, i, 47));
    }
    auto c = log.ConsistencyProof(37, 47);
    REQUIRE(c.ok());
    CHECK(crypto::VerifyMerkleConsistency(37, 47, root37, *r, *c));
    auto lh = log.LeafHash(45);
    REQUIRE(lh.ok());
    CHECK(*lh == staged_ref.leaf_hashes[45]);
    // Nothing reached the database: a second log over it sees only the committed size.
    MerkleLog other = OpenLog(db.get());
    CHECK(other.size() == 37);
    CHECK(other.root() == root37);

    REQUIRE(log.DiscardStaged().ok());  // the batch is dropped unwritten
  }
  CHECK(log.size() == 37);
  CHECK(log.committed_size() == 37);
  CHECK(log.root() == root37);
  for (auto r : {log.RootAt(38).status(), log.InclusionProof(0, 38).status(), log.ConsistencyProof(37, 38).status(),
                 log.LeafHash(37).status()}) {
    CHECK_FALSE(r.ok());
    CHECK(r.code() == "out_of_range");
  }

  // Different leaves at the same positions: nothing of the discarded ones may leak through.
  {
    leveldb::WriteBatch batch;
    for (std::uint64_t i = 1000; i < 1012; ++i) {
      log.Append(Leaf(i), batch);
      ref.Add(i);
    }
    REQUIRE(db->Write(Sync(), &batch).ok());
    log.MarkCommitted();
  }
  CHECK(log.size() == 49);
  CHECK(log.root() == ref.Root(49));
  CheckAllSizes(log, ref, 49);

  db.reset();
  db = OpenDb(dir.path());
  MerkleLog reopened = OpenLog(db.get());
  CHECK(reopened.size() == 49);
  CHECK(reopened.root() == ref.Root(49));
  CheckAllSizes(reopened, ref, 49);
}

TEST_CASE("RootAfter previews a root without staging, CommittedSubtreeReader sees only committed data") {
  TempDir dir;
  Reference ref;
  auto db = OpenDb(dir.path());
  MerkleLog log = OpenLog(db.get());
  AppendBatch(log, db.get(), ref, 0, 37);

  Reference more = ref;
  std::vector<Hash256> next;
  for (std::uint64_t i = 37; i < 50; ++i) {
    more.Add(i);
    next.push_back(more.leaf_hashes.back());
  }
  CHECK(log.RootAfter(next) == more.Root(50));
  CHECK(log.RootAfter({}) == ref.Root(37));
  CHECK(log.size() == 37);  // nothing staged
  CHECK(log.root() == ref.Root(37));
  CHECK_FALSE(log.RootAt(38).ok());

  const leveldb::Snapshot* snap = db->GetSnapshot();
  AppendBatch(log, db.get(), ref, 37, 50);
  CHECK(log.root() == more.Root(50));
  {
    leveldb::WriteBatch staged;  // staged, never written
    for (std::uint64_t i = 50; i < 55; ++i) log.Append(Leaf(i), staged);
    REQUIRE(log.RootAt(55).ok());

    CommittedSubtreeReader at_snapshot(db.get(), snap);
    auto old_root = crypto::MerkleRoot(at_snapshot, 37);
    REQUIRE(old_root.ok());
    CHECK(*old_root == ref.Root(37));
    auto mem = ref.Mem();
    for (std::uint64_t i = 0; i < 37; ++i) {
      auto p = crypto::MerkleInclusionProof(at_snapshot, i, 37);
      REQUIRE(p.ok());
      CHECK(*p == *crypto::MerkleInclusionProof(mem, i, 37));
    }
    auto later = crypto::MerkleRoot(at_snapshot, 50);  // [32, 48) did not exist at the snapshot
    REQUIRE_FALSE(later.ok());
    CHECK(later.status().code() == "corruption");

    CommittedSubtreeReader latest(db.get(), nullptr);
    auto now = crypto::MerkleRoot(latest, 50);
    REQUIRE(now.ok());
    CHECK(*now == ref.Root(50));
    auto c = crypto::MerkleConsistencyProof(latest, 37, 50);
    REQUIRE(c.ok());
    CHECK(crypto::VerifyMerkleConsistency(37, 50, *old_root, *now, *c));
    CHECK_FALSE(crypto::MerkleRoot(latest, 55).ok());  // staged leaves are not committed
    REQUIRE(log.DiscardStaged().ok());
  }
  db->ReleaseSnapshot(snap);
  CHECK(log.size() == 50);
}

TEST_CASE("a batch that never reaches the disk leaves the log as it was after a restart") {
  TempDir dir;
  Reference ref;
  {
    auto db = OpenDb(dir.path());
    MerkleLog log = OpenLog(db.get());
    AppendBatch(log, db.get(), ref, 0, 20);
    leveldb::WriteBatch batch;
    for (std::uint64_t i = 20; i < 33; ++i) log.Append(Leaf(i), batch);
    CHECK(log.size() == 33);
    // "Crash": the process goes away with the batch unwritten.
  }
  auto db = OpenDb(dir.path());
  MerkleLog log = OpenLog(db.get());
  CHECK(log.size() == 20);
  CHECK(log.root() == ref.Root(20));
  CheckAllSizes(log, ref, 20);
}

TEST_CASE("reading beyond the log's size is an out_of_range error") {
  TempDir dir;
  Reference ref;
  auto db = OpenDb(dir.path());
  MerkleLog log = OpenLog(db.get());
  AppendBatch(log, db.get(), ref, 0, 10);
  const Status errors[] = {
      log.RootAt(11).status(),           log.RootAt(UINT64_MAX).status(),
      log.InclusionProof(0, 11).status(), log.InclusionProof(10, 10).status(),
      log.InclusionProof(UINT64_MAX, 10).status(), log.InclusionProof(3, UINT64_MAX).status(),
      log.ConsistencyProof(1, 11).status(), log.ConsistencyProof(0, 10).status(),
      log.ConsistencyProof(10, 9).status(), log.ConsistencyProof(11, 11).status(),
      log.LeafHash(10).status(),          log.LeafHash(UINT64_MAX).status(),
  };
  for (const Status& s : errors) {
    CHECK_FALSE(s.ok());
    CHECK(s.code() == "out_of_range");
  }
  CHECK(log.RootAt(10).ok());
  CHECK(log.InclusionProof(9, 10).ok());
  CHECK(log.ConsistencyProof(10, 10).ok());
}

TEST_CASE("a deleted or damaged subtree record is reported as corruption, not a crash") {
  TempDir dir;
  Reference ref;
  {
    auto db = OpenDb(dir.path());
    MerkleLog log = OpenLog(db.get());
    AppendBatch(log, db.get(), ref, 0, 150);  // peaks: level 7 #0, level 4 #8, level 2 #36, level 1 #74
  }
  auto db = OpenDb(dir.path());
  std::string value;
  // An interior, non-peak subtree: leaves [0, 2).
  REQUIRE_MESSAGE(db->Get(leveldb::ReadOptions(), SubtreeKey(1, 0), &value).ok(), "subtree key layout changed?");
  REQUIRE(value.size() == 32);
  REQUIRE(db->Delete(Sync(), SubtreeKey(1, 0)).ok());
  {
    MerkleLog log = OpenLog(db.get());  // peaks are intact, so opening works
    CHECK(log.size() == 150);
    CHECK(log.root() == ref.Root(150));
    auto p = log.InclusionProof(2, 150);  // needs [0, 2) as a sibling
    REQUIRE_FALSE(p.ok());
    CHECK(p.status().code() == "corruption");
    auto r = log.RootAt(2);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == "corruption");
    auto c = log.ConsistencyProof(3, 150);  // needs leaf 2 and [0, 2)
    REQUIRE_FALSE(c.ok());
    CHECK(c.status().code() == "corruption");
    // Everything that does not touch it still works.
    CHECK(log.InclusionProof(100, 150).ok());
    CHECK(log.RootAt(4).ok());
  }
  // A subtree hash of the wrong length.
  REQUIRE(db->Put(Sync(), SubtreeKey(0, 5), std::string(31, 'x')).ok());
  {
    MerkleLog log = OpenLog(db.get());
    auto p = log.InclusionProof(4, 150);
    REQUIRE_FALSE(p.ok());
    CHECK(p.status().code() == "corruption");
    auto lh = log.LeafHash(5);
    REQUIRE_FALSE(lh.ok());
    CHECK(lh.status().code() == "corruption");
  }
  // A missing peak: the log cannot even load its frontier.
  REQUIRE(db->Get(leveldb::ReadOptions(), SubtreeKey(4, 8), &value).ok());
  REQUIRE(db->Delete(Sync(), SubtreeKey(4, 8)).ok());
  {
    auto log = MerkleLog::Open(db.get());
    REQUIRE_FALSE(log.ok());
    CHECK(log.status().code() == "corruption");
  }
  REQUIRE(db->Put(Sync(), SubtreeKey(4, 8), value).ok());
  CHECK(MerkleLog::Open(db.get()).ok());
  // A size record claiming leaves that were never stored.
  REQUIRE_MESSAGE(db->Get(leveldb::ReadOptions(), "m/log_size", &value).ok(), "size key layout changed?");
  CHECK(ReadU64(AsBytes(value)) == 150);
  Bytes big;
  AppendU64(big, 1000);
  REQUIRE(db->Put(Sync(), "m/log_size", ToString(big)).ok());
  {
    auto log = MerkleLog::Open(db.get());
    REQUIRE_FALSE(log.ok());
    CHECK(log.status().code() == "corruption");
  }
  // A size record of the wrong length.
  REQUIRE(db->Put(Sync(), "m/log_size", std::string(7, '\0')).ok());
  {
    auto log = MerkleLog::Open(db.get());
    REQUIRE_FALSE(log.ok());
    CHECK(log.status().code() == "corruption");
  }
}

}  // namespace
}  // namespace shanliu::ledger
