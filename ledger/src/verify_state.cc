// `shanliu-node --verify-state`: the state map recomputed from every leaf, compared with the
// stored tree and the head block.
#include <leveldb/db.h>

#include <cctype>

#include "shanliu/crypto/codec.h"
#include "shanliu/ledger/ledger.h"
#include "store_io.h"

namespace shanliu::ledger {
namespace {

// Keys hold binary ids and positions: printable bytes as they are, the rest as \xNN.
std::string PrintableKey(std::string_view key) {
  std::string out;
  for (unsigned char c : key) {
    if (std::isprint(c) && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      static const char* kHex = "0123456789abcdef";
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace

Status Ledger::VerifyState() const {
  const pb::BlockHeader header = head();
  leveldb::ReadOptions ro = VerifiedReadOptions(db_->GetSnapshot());
  ro.fill_cache = false;
  struct Release {
    leveldb::DB* db;
    const leveldb::Snapshot* s;
    ~Release() { db->ReleaseSnapshot(s); }
  } release{db_.get(), ro.snapshot};
  const smt::NodeReader nodes = [&](std::string_view key) -> std::optional<std::string> {
    std::string v;
    leveldb::Status s = db_->Get(ro, leveldb::Slice(key.data(), key.size()), &v);
    if (s.IsNotFound()) return std::nullopt;
    if (!s.ok()) ThrowReadFailure(s, key, "cannot read the state map");
    return v;
  };

  std::vector<std::pair<Hash256, Hash256>> leaves;
  std::vector<std::string> keys;
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(ro));
  for (it->SeekToFirst(); it->Valid() && it->status().ok(); it->Next()) {
    const std::string_view key(it->key().data(), it->key().size());
    if (!smt::InStateMap(key)) continue;
    leaves.emplace_back(smt::KeyPath(key), smt::ValueHash(std::string_view(it->value().data(), it->value().size())));
    keys.emplace_back(key);
  }
  if (!it->status().ok()) {
    return internal::IoError(it->status(), "cannot read the state");
  }

  const Hash256 recomputed = smt::RootOfLeaves(leaves);
  const Hash256 stored = smt::StoredRoot(nodes);
  const std::string want = header.state_root();
  auto same = [&](const Hash256& h) { return std::string(h.begin(), h.end()) == want; };
  if (same(recomputed) && same(stored)) return Status::Ok();

  for (std::size_t i = 0; i < keys.size(); ++i) {
    auto held = smt::StoredValueHash(nodes, keys[i]);
    if (!held || *held != leaves[i].second) {
      return Status::Error("state_mismatch", "key \"" + PrintableKey(keys[i]) + "\": the stored tree " +
                                                 (held ? "holds another value" : "has no leaf") + " (" +
                                                 std::to_string(keys.size()) + " keys checked up to here)");
    }
  }
  return Status::Error("state_mismatch",
                       std::string("every key's leaf is stored, but ") +
                           (same(recomputed) ? "the stored tree's root differs (stale or corrupt nodes)"
                                             : "the state's root " + crypto::ToHex(recomputed) +
                                                   " is not the head block's state_root " +
                                                   crypto::ToHex(AsBytes(want))));
}

}  // namespace shanliu::ledger
