// Store format 4 (the state map in pages of 4 levels above depth 16 and 8 below, docs/data-format.md):
// a store an older build wrote in format 2 (one record per tree node) or 3 (pages of 8 levels
// throughout) is upgraded on open, from its own state rows, in one batch; a store whose rows do not
// hash to its head's state root is refused and left alone.
#include <doctest/doctest.h>
#include <leveldb/db.h>
#include <leveldb/write_batch.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "shanliu/crypto/codec.h"
#include "shanliu/ledger/state_map.h"
#include "shanliu/ledger/store_format.h"
#include "test_chain.h"

using namespace shanliu;
using shanliu::testing::TestChain;
using shanliu::testing::TestKey;
namespace smt = shanliu::ledger::smt;

namespace {

using Leaves = std::vector<std::pair<Hash256, Hash256>>;

bool Bit(const Hash256& path, std::size_t i) { return (path[i / 8] >> (7 - i % 8)) & 1; }

// The canonical tree over sorted `leaves`, node by node, children first: put(depth, prefix, record)
// with the record as both older formats store a node, 0x02 ‖ k ‖ v (leaf) or
// 0x03 ‖ left ‖ right ‖ flags (internal).
struct OldNode {
  Hash256 hash{};
  bool leaf = false;
};
using OldNodeSink = std::function<void(std::size_t depth, const Hash256& prefix, const std::string& record)>;
OldNode WalkTree(std::span<const std::pair<Hash256, Hash256>> leaves, std::size_t depth, const Hash256& prefix,
                 const OldNodeSink& put) {
  if (leaves.empty()) return {};
  std::string record;
  OldNode out;
  if (leaves.size() == 1) {
    record.push_back('\x02');
    record.append(reinterpret_cast<const char*>(leaves[0].first.data()), 32);
    record.append(reinterpret_cast<const char*>(leaves[0].second.data()), 32);
    out = {smt::LeafHash(leaves[0].first, leaves[0].second), true};
  } else {
    const auto split = std::partition_point(leaves.begin(), leaves.end(), [&](const auto& l) { return !Bit(l.first, depth); });
    Hash256 right_prefix = prefix;
    right_prefix[depth / 8] |= static_cast<std::uint8_t>(1u << (7 - depth % 8));
    const OldNode left = WalkTree({leaves.begin(), split}, depth + 1, prefix, put);
    const OldNode right = WalkTree({split, leaves.end()}, depth + 1, right_prefix, put);
    record.push_back('\x03');
    record.append(reinterpret_cast<const char*>(left.hash.data()), 32);
    record.append(reinterpret_cast<const char*>(right.hash.data()), 32);
    record.push_back(static_cast<char>((left.leaf ? 1 : 0) | (right.leaf ? 2 : 0)));
    out = {smt::InternalHash(left.hash, right.hash), false};
  }
  put(depth, prefix, record);
  return out;
}

// "S" ‖ u8 depth ‖ the prefix's first ⌈depth / 8⌉ bytes.
std::string OldKey(std::size_t depth, const Hash256& prefix) {
  std::string key(2 + (depth + 7) / 8, '\0');
  key[0] = 'S';
  key[1] = static_cast<char>(depth);
  std::memcpy(key.data() + 2, prefix.data(), (depth + 7) / 8);
  return key;
}

// Format 2's records, made here the way that build stored them: one per node.
void PutFormat2(leveldb::WriteBatch& batch, const Leaves& leaves) {
  WalkTree(leaves, 0, Hash256{}, [&](std::size_t depth, const Hash256& prefix, const std::string& record) {
    batch.Put(OldKey(depth, prefix), record);
  });
}

// Format 3's: pages of 8 levels at every multiple of 8, each its nodes as u8 heap index ‖ record in
// increasing heap index (heap = 2^r + the r path bits below the page's depth).
void PutFormat3(leveldb::WriteBatch& batch, const Leaves& leaves) {
  std::map<std::string, std::map<std::uint8_t, std::string>> pages;
  WalkTree(leaves, 0, Hash256{}, [&](std::size_t depth, const Hash256& prefix, const std::string& record) {
    const std::size_t page_depth = depth - depth % 8;
    std::uint32_t heap = 1;
    for (std::size_t i = page_depth; i < depth; ++i) heap = (heap << 1) | (Bit(prefix, i) ? 1u : 0u);
    pages[OldKey(page_depth, prefix)][static_cast<std::uint8_t>(heap)] = record;
  });
  for (const auto& [key, entries] : pages) {
    std::string page;
    for (const auto& [heap, record] : entries) page += static_cast<char>(heap) + record;
    batch.Put(key, page);
  }
}

std::unique_ptr<leveldb::DB> OpenRaw(const std::filesystem::path& dir) {
  leveldb::DB* raw = nullptr;
  leveldb::Options options;
  REQUIRE(leveldb::DB::Open(options, (dir / "ledger").string(), &raw).ok());
  return std::unique_ptr<leveldb::DB>(raw);
}

std::map<std::string, std::string> RecordsWithPrefix(leveldb::DB& db, char prefix) {
  std::map<std::string, std::string> out;
  std::unique_ptr<leveldb::Iterator> it(db.NewIterator(leveldb::ReadOptions()));
  for (it->Seek(std::string(1, prefix)); it->Valid() && it->key()[0] == prefix; it->Next()) {
    out.emplace(it->key().ToString(), it->value().ToString());
  }
  return out;
}

// Rewrites a closed store's tree in an older format (2 or 3) and marks it so. Returns its records.
std::map<std::string, std::string> Downgrade(const std::filesystem::path& dir, int format) {
  auto db = OpenRaw(dir);
  leveldb::WriteBatch batch;
  Leaves leaves;
  std::unique_ptr<leveldb::Iterator> it(db->NewIterator(leveldb::ReadOptions()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string key = it->key().ToString();
    if (key[0] == 'S') batch.Delete(key);
    if (smt::InStateMap(key)) leaves.emplace_back(smt::KeyPath(key), smt::ValueHash(it->value().ToString()));
  }
  it.reset();
  std::sort(leaves.begin(), leaves.end());
  if (format == 2) {
    PutFormat2(batch, leaves);
  } else {
    PutFormat3(batch, leaves);
  }
  batch.Put("c/format", std::string(7, '\0') + static_cast<char>(format));
  leveldb::WriteOptions sync;
  sync.sync = true;
  REQUIRE(db->Write(sync, &batch).ok());
  return RecordsWithPrefix(*db, 'S');
}

}  // namespace

TEST_CASE("a format 2 or 3 store is upgraded to format 4 pages on open and proves and commits as before") {
  static_assert(ledger::kLedgerStoreFormat == 4);
  for (const int old_format : {2, 3}) {
    CAPTURE(old_format);
    TestChain chain;
    const crypto::KeyPair sunshine = TestKey("sunshine");
    REQUIRE(chain.RegisterOrg("sunshine", pb::ORG_KIND_CHARITY, sunshine).ok());
    REQUIRE(chain.OpenProject("meals", "sunshine", sunshine).ok());
    for (int i = 0; i < 30; ++i) REQUIRE(chain.Commit(chain.DonationTx("project:meals", 100 + i, chain.bank, "bank-1")).ok());
    const std::string state_root = chain.ledger().head().state_root();
    const std::uint64_t head = chain.ledger().height();
    std::map<std::string, std::string> pages;
    chain.Close();
    {
      auto db = OpenRaw(chain.dir());
      pages = RecordsWithPrefix(*db, 'S');
    }
    const auto old_records = Downgrade(chain.dir(), old_format);
    REQUIRE(old_records != pages);
    if (old_format == 2) {
      // A record per node: several per leaf, at depths that are not multiples of 4.
      CHECK(old_records.size() > 2 * pages.size());
      CHECK(std::any_of(old_records.begin(), old_records.end(), [](const auto& r) { return r.first[1] % 4 != 0; }));
    } else {
      // 8-level pages only: none at depth 4 or 12, where format 4 starts its 4-level pages.
      CHECK(std::all_of(old_records.begin(), old_records.end(), [](const auto& r) { return r.first[1] % 8 == 0; }));
      CHECK(std::any_of(pages.begin(), pages.end(), [](const auto& r) { return r.first[1] == 4; }));
    }

    auto opened = ledger::Ledger::Open(chain.dir(), chain.genesis());
    REQUIRE_MESSAGE(opened.ok(), opened.status().ToString());
    CHECK((*opened)->height() == head);
    CHECK((*opened)->head().state_root() == state_root);
    CHECK((*opened)->VerifyState().ok());
    const std::vector<std::string> keys = {"o/sunshine", "a/project:meals", "o/nobody"};
    std::vector<smt::Claim> claims;
    auto view = (*opened)->Read();
    for (const std::string& k : keys) claims.push_back({k, view->state().Get(k)});
    Hash256 root{};
    std::copy(state_root.begin(), state_root.end(), root.begin());
    CHECK(smt::VerifyMultiProof(root, view->StateProof(keys), claims).ok());
    view.reset();
    opened->reset();
    auto db = OpenRaw(chain.dir());
    CHECK(RecordsWithPrefix(*db, 'S') == pages);  // exactly what block-by-block commits stored
    std::string format;
    REQUIRE(db->Get(leveldb::ReadOptions(), "c/format", &format).ok());
    CHECK(format == std::string("\0\0\0\0\0\0\0\x04", 8));
  }
}

TEST_CASE("a format 2 or 3 store whose rows do not match its state root is refused and left as it was") {
  for (const int old_format : {2, 3}) {
    CAPTURE(old_format);
    TestChain chain;
    REQUIRE(chain.Commit(chain.DonationTx("org:federation", 500, chain.bank, "bank-1")).ok());
    chain.Close();
    const auto old_records = Downgrade(chain.dir(), old_format);
    {
      auto db = OpenRaw(chain.dir());
      leveldb::WriteOptions sync;
      sync.sync = true;
      REQUIRE(db->Put(sync, "o/intruder", "a row nobody certified").ok());
    }
    auto refused = ledger::Ledger::Open(chain.dir(), chain.genesis());
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.status().code() == "corruption");
    CHECK(refused.status().message().find("state root") != std::string::npos);
    auto db = OpenRaw(chain.dir());
    CHECK(RecordsWithPrefix(*db, 'S') == old_records);
    std::string format;
    REQUIRE(db->Get(leveldb::ReadOptions(), "c/format", &format).ok());
    CHECK(format == std::string(7, '\0') + static_cast<char>(old_format));
  }
}
