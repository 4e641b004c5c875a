// Issue 20 part 3: state sync. A snapshot at a certified height restores a store whose state
// equals the source's and that continues at h+1; every bad input (hostile manifest or chunk
// bytes, an altered chunk, a chunk of another snapshot, an uncertified or forked header, rows
// that miss the certified state root) is refused with a typed error and nothing is kept.
#include <doctest/doctest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/hash.h"
#include "shanliu/ledger/block.h"
#include "shanliu/ledger/replay.h"
#include "shanliu/ledger/snapshot.h"
#include "shanliu/node/state_sync.h"
#include "test_chain.h"

using namespace shanliu;
using shanliu::testing::TempDir;
using shanliu::testing::TestChain;
using shanliu::testing::TestKey;

namespace {

namespace fs = std::filesystem;
namespace snap = ledger::snapshot;

// Small chunks, so a test chain's few thousand rows make many of them.
constexpr std::size_t kTestChunkBytes = 2048;

// A chain with an organisation, a project, donations over `blocks` blocks and a spend.
void Fill(TestChain& chain, int blocks, std::int64_t base_fen = 1'000) {
  const crypto::KeyPair sunshine = TestKey("sunshine");
  REQUIRE(chain.RegisterOrg("sunshine", pb::ORG_KIND_CHARITY, sunshine).ok());
  REQUIRE(chain.OpenProject("meals", "sunshine", sunshine).ok());
  for (int b = 0; b < blocks; ++b) {
    std::vector<Bytes> txs;
    for (int i = 0; i < 8; ++i) txs.push_back(chain.DonationTx("project:meals", base_fen + b * 10 + i, chain.bank, "bank-1"));
    for (const Status& s : chain.CommitBlock(txs)) REQUIRE(s.ok());
  }
  REQUIRE(chain.Commit(chain.SpendTx("project:meals", 100, sunshine)).ok());
}

std::shared_ptr<const snap::Snapshot> SnapshotOf(TestChain& chain, std::size_t chunk_bytes = kTestChunkBytes) {
  auto built = snap::Snapshot::Build(chain.ledger().Read(), chunk_bytes);
  REQUIRE(built.ok());
  return *built;
}

std::map<std::string, std::string> StateRows(const ledger::ReadView& view) {
  std::map<std::string, std::string> rows;
  REQUIRE(view.ForEachStateRow("", [&](std::string_view k, std::string_view v) {
    rows.emplace(std::string(k), std::string(v));
    return true;
  }).ok());
  return rows;
}

// Peers in memory: each serves one snapshot, or a manifest of the test's making, and may alter
// the chunks it serves. Each peer is called from one fetch thread.
class FakePeers final : public node::SnapshotPeers {
 public:
  struct Peer {
    std::shared_ptr<const snap::Snapshot> snapshot;
    std::string manifest;  // if set, served instead of the snapshot's
    std::function<std::string(std::uint32_t index, std::string bytes)> alter;
    std::map<std::uint32_t, std::string> chunks;  // if set, served instead of the snapshot's
    bool down = false;
  };
  std::vector<Peer> peers;
  static Peer Serving(std::shared_ptr<const snap::Snapshot> snapshot, std::string manifest = "") {
    Peer p;
    p.snapshot = std::move(snapshot);
    p.manifest = std::move(manifest);
    return p;
  }
  mutable std::vector<std::atomic<int>> chunk_requests = std::vector<std::atomic<int>>(8);

  std::size_t peer_count() const override { return peers.size(); }
  std::string PeerName(std::size_t p) const override { return "peer-" + std::to_string(p); }
  Result<std::string> Manifest(std::size_t p) override {
    if (peers[p].down) return Status::Error("timeout", "down");
    if (!peers[p].manifest.empty()) return peers[p].manifest;
    return peers[p].snapshot ? peers[p].snapshot->manifest_bytes() : std::string();
  }
  // With `rendezvous` n, each peer's first chunk request waits until n peers made theirs, so
  // every one of them takes part whatever the threads' timing.
  std::size_t rendezvous = 0;

  Result<std::string> Chunk(std::size_t p, std::uint64_t height, std::uint32_t index) override {
    if (++chunk_requests[p] == 1 && rendezvous > 0) {
      std::unique_lock lock(mutex_);
      ++first_requests_;
      arrived_.notify_all();
      arrived_.wait(lock, [&] { return first_requests_ >= rendezvous; });
    }
    const Peer& peer = peers[p];
    if (peer.down) return Status::Error("timeout", "down");
    if (auto it = peer.chunks.find(index); it != peer.chunks.end()) return it->second;
    if (!peer.snapshot || peer.snapshot->height() != height) return std::string();
    auto bytes = peer.snapshot->Chunk(index);
    if (!bytes.ok()) return bytes.status();
    return peer.alter ? peer.alter(index, std::move(*bytes)) : *bytes;
  }

 private:
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::size_t first_requests_ = 0;
};

node::StateSyncOptions Options(const fs::path& data_dir) {
  node::StateSyncOptions o;
  o.data_dir = data_dir;
  o.min_peers = 2;
  o.manifest_rounds = 3;
  o.sync_writes = false;
  return o;
}

// Nothing of a refused restore is left: no store, no partial directory.
void ExpectNothingKept(const fs::path& data_dir) {
  CHECK(node::HasNoStore(data_dir));
  CHECK_FALSE(fs::exists(data_dir / node::kStateSyncPartialDir));
}

std::string Flip(std::string bytes, std::size_t at) {
  bytes[at % bytes.size()] = static_cast<char>(bytes[at % bytes.size()] ^ 0x01);
  return bytes;
}

// The source commits one more donation; `copy` takes its block through the block-sync checks
// (the Replayer, with signatures verified). Returns the donation's tx id.
Hash256 CommitAndReplay(TestChain& chain, ledger::Ledger& copy) {
  const Bytes next = chain.DonationTx("project:meals", 4'242, chain.bank, "bank-1");
  REQUIRE(chain.Commit(next).ok());
  auto block = chain.ledger().Read()->CommittedBlockAt(chain.ledger().height());
  REQUIRE(block.has_value());
  ledger::VerifyPool pool(1);
  ledger::Replayer replayer(copy, pool);
  ledger::VectorBlockSource source(chain.ledger().height(), {*block});
  auto replayed = replayer.Run(source, chain.ledger().height());
  REQUIRE(replayed.ok());
  REQUIRE(replayed->ok());
  return chain.Decode(next).id;
}

}  // namespace

TEST_CASE("state sync: a restored store holds the source's state and head, refuses old receipts as not_backfilled, and continues at h+1") {
  TestChain chain;
  Fill(chain, 12);
  const Hash256 old_tx = chain.ledger().Read()->TxByLeaf(3)->id;
  auto snapshot = SnapshotOf(chain);
  REQUIRE(snapshot->chunk_count() > 4);
  FakePeers peers;
  peers.peers = {FakePeers::Serving(snapshot), FakePeers::Serving(snapshot)};
  peers.rendezvous = 2;
  TempDir data;
  auto restored = node::RestoreFromPeers(Options(data.path()), chain.genesis(), peers);
  REQUIRE(restored.ok());
  CHECK(restored->height == chain.ledger().height());
  CHECK(restored->chunks == snapshot->chunk_count());
  CHECK(peers.chunk_requests[0].load() > 0);  // both peers served chunks
  CHECK(peers.chunk_requests[1].load() > 0);

  auto opened = ledger::Ledger::Open(data.path(), chain.genesis());
  REQUIRE(opened.ok());
  ledger::Ledger& copy = **opened;
  CHECK(copy.head_hash() == chain.ledger().head_hash());
  CHECK(copy.history_base() == chain.ledger().height());
  CHECK(copy.VerifyState().ok());
  CHECK(StateRows(*copy.Read()) == StateRows(*chain.ledger().Read()));
  auto old_receipt = copy.Read()->ReceiptProof(old_tx);
  REQUIRE_FALSE(old_receipt.ok());
  CHECK(old_receipt.status().code() == "not_backfilled");
  CHECK_THROWS_AS(copy.Read()->TxById(old_tx), ledger::NotBackfilled);
  CHECK_FALSE(copy.Read()->CommittedBlockAt(chain.ledger().height()).has_value());

  // The source commits on; the restored store replays the block through the block-sync checks.
  const Hash256 new_tx = CommitAndReplay(chain, copy);
  CHECK(copy.head_hash() == chain.ledger().head_hash());
  auto mine = copy.Read()->ReceiptProof(new_tx);
  auto theirs = chain.ledger().Read()->ReceiptProof(new_tx);
  REQUIRE(mine.ok());
  REQUIRE(theirs.ok());
  CHECK(mine->inclusion_path == theirs->inclusion_path);
  CHECK(mine->block_hash == theirs->block_hash);

  // Reopened (the startup sample skips the heights it does not hold).
  opened->reset();
  CHECK(ledger::Ledger::Open(data.path(), chain.genesis()).ok());
}

TEST_CASE("state sync: an altered chunk is refused as snapshot_chunk_mismatch, its peer demoted, the chunk fetched elsewhere") {
  TestChain chain;
  Fill(chain, 6);
  auto snapshot = SnapshotOf(chain);
  FakePeers peers;
  peers.peers = {FakePeers::Serving(snapshot), FakePeers::Serving(snapshot)};
  peers.peers[0].alter = [](std::uint32_t, std::string bytes) { return Flip(std::move(bytes), 17); };
  peers.rendezvous = 2;
  TempDir data;
  auto restored = node::RestoreFromPeers(Options(data.path()), chain.genesis(), peers);
  REQUIRE(restored.ok());
  CHECK(peers.chunk_requests[0].load() == 1);  // demoted after its first altered chunk
  CHECK(restored->chunks_refetched >= 1);
  REQUIRE(restored->refused_peers.size() == 1);
  CHECK(restored->refused_peers[0].find("snapshot_chunk_mismatch") != std::string::npos);
  auto opened = ledger::Ledger::Open(data.path(), chain.genesis());
  REQUIRE(opened.ok());
  CHECK((*opened)->VerifyState().ok());

  // With every peer altering, nothing checks out: typed, and nothing is kept.
  peers.peers[1].alter = peers.peers[0].alter;
  peers.rendezvous = 0;
  TempDir data2;
  auto refused = node::RestoreFromPeers(Options(data2.path()), chain.genesis(), peers);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == "state_sync_no_peers");
  ExpectNothingKept(data2.path());
}

TEST_CASE("state sync: a chunk from another snapshot is refused and writes nothing") {
  TestChain chain;
  Fill(chain, 4);
  auto early = SnapshotOf(chain);
  REQUIRE(chain.Commit(chain.DonationTx("project:meals", 77, chain.bank, "bank-1")).ok());
  auto late = SnapshotOf(chain);
  REQUIRE(early->height() != late->height());
  TempDir work;
  auto manifest = snap::DecodeManifest(AsBytes(late->manifest_bytes()), chain.genesis());
  REQUIRE(manifest.ok());
  auto restorer = snap::Restorer::Begin(work.path() / "r", chain.genesis(), *manifest, false);
  REQUIRE(restorer.ok());
  bool some_differ = false;
  for (std::uint32_t i = 0; i < std::min(early->chunk_count(), late->chunk_count()); ++i) {
    auto foreign = early->Chunk(i);
    REQUIRE(foreign.ok());
    if (*foreign == *late->Chunk(i)) continue;
    some_differ = true;
    Status s = (*restorer)->Add(i, AsBytes(*foreign));
    CHECK(s.code() == "snapshot_chunk_mismatch");
  }
  CHECK(some_differ);
  CHECK((*restorer)->rows() == 0);
  CHECK((*restorer)->Missing().size() == late->chunk_count());
}

TEST_CASE("state sync: manifests that are not certified, are forged or malformed are refused, typed, before anything is fetched") {
  TestChain chain;
  Fill(chain, 3);
  auto snapshot = SnapshotOf(chain);
  const ledger::Genesis& genesis = chain.genesis();
  const pb::SnapshotManifest good = snapshot->manifest();
  REQUIRE(snap::VerifyManifest(good, genesis).ok());
  auto code_of = [&](const pb::SnapshotManifest& m) { return snap::VerifyManifest(m, genesis).code(); };

  pb::SnapshotManifest m = good;
  m.mutable_block()->mutable_commit()->mutable_signatures(0)->set_signature(Flip(good.block().commit().signatures(0).signature(), 5));
  CHECK(code_of(m) == "snapshot_uncertified");  // a bad certificate

  m = good;  // a header of a fork: other roots, re-signed by a key outside the validator set
  m.mutable_block()->mutable_header()->set_state_root(std::string(32, '\x42'));
  const Hash256 forged = *ledger::BlockHash(m.block().header());
  *m.mutable_block()->mutable_commit() = ledger::MakeCommitCertificate(
      m.block().header().height(), 0, forged,
      {ledger::SignPrecommit(genesis.chain_id, m.block().header().height(), 0, forged, 0, TestKey("mallory").secret_key)});
  CHECK(code_of(m) == "snapshot_uncertified");

  m = good;  // the header altered under a genuine certificate
  m.mutable_block()->mutable_header()->set_log_size(good.block().header().log_size() + 1);
  CHECK(code_of(m) == "snapshot_uncertified");

  m = good;
  m.set_log_peaks(0, std::string(32, '\0'));
  CHECK(code_of(m) == "snapshot_uncertified");  // peaks that miss the certified log_root
  m = good;
  m.add_log_peaks(std::string(32, '\0'));
  CHECK(code_of(m) == "snapshot_malformed");
  m = good;
  m.clear_chunk_hashes();
  CHECK(code_of(m) == "snapshot_malformed");
  m = good;
  m.set_chunk_hashes(0, "short");
  CHECK(code_of(m) == "snapshot_malformed");
  m = good;
  m.set_format(2);
  CHECK(code_of(m) == "snapshot_malformed");
  m = good;
  m.mutable_block()->set_tx_count(good.block().tx_count() + 1);
  CHECK(code_of(m) == "snapshot_malformed");

  ledger::Genesis other = genesis;
  other.chain_id = "another-chain";
  CHECK(snap::VerifyManifest(good, other).code() == "snapshot_uncertified");

  // Hostile bytes.
  const std::string bytes = snapshot->manifest_bytes();
  CHECK(snap::DecodeManifest({}, genesis).status().code() == "snapshot_malformed");
  CHECK(snap::DecodeManifest(AsBytes(bytes.substr(0, bytes.size() / 2)), genesis).status().code() == "snapshot_malformed");
  const std::string huge(snap::kMaxManifestBytes + 1, '\x0a');
  CHECK(snap::DecodeManifest(AsBytes(huge), genesis).status().code() == "snapshot_malformed");
  for (std::size_t at = 0; at < bytes.size(); at += 7) {
    auto decoded = snap::DecodeManifest(AsBytes(Flip(bytes, at)), genesis);
    // What still verifies after a flip differs only outside the certified block and log peaks
    // (a chunk hash, the row count): the chunks and the state root then refuse it.
    if (decoded.ok()) {
      CHECK(decoded->block().SerializeAsString() == good.block().SerializeAsString());
      CHECK(decoded->log_peaks_size() == good.log_peaks_size());
    }
  }

  // Peers serving only such manifests: no snapshot is chosen, nothing is written.
  FakePeers peers;
  pb::SnapshotManifest bad = good;
  bad.mutable_block()->mutable_commit()->clear_signatures();
  peers.peers = {FakePeers::Serving(snapshot, bad.SerializeAsString()), FakePeers::Serving(snapshot, "garbage")};
  TempDir data;
  auto refused = node::RestoreFromPeers(Options(data.path()), genesis, peers);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == "state_sync_no_peers");
  CHECK(peers.chunk_requests[0].load() == 0);
  CHECK(peers.chunk_requests[1].load() == 0);
  ExpectNothingKept(data.path());
}

TEST_CASE("state sync: two certified blocks at one height (a fork the validators signed) are both refused") {
  TestChain a, b;  // the same genesis and validator key, different txs: the validator equivocated
  Fill(a, 2, 1'000);
  Fill(b, 2, 2'000);
  REQUIRE(a.ledger().height() == b.ledger().height());
  REQUIRE(a.ledger().head_hash() != b.ledger().head_hash());
  FakePeers peers;
  peers.peers = {FakePeers::Serving(SnapshotOf(a)), FakePeers::Serving(SnapshotOf(b))};
  TempDir data;
  auto refused = node::RestoreFromPeers(Options(data.path()), a.genesis(), peers);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == "snapshot_uncertified");
  ExpectNothingKept(data.path());
}

TEST_CASE("state sync: rows that do not hash to the certified state root are refused as snapshot_root_mismatch, nothing kept") {
  TestChain chain;
  Fill(chain, 3);
  auto snapshot = SnapshotOf(chain);
  // A lying peer: the genuine certified block, one row's value changed and the manifest's chunk
  // hash made to match, so every chunk passes its own check and only the state root can tell.
  pb::SnapshotChunk chunk;
  REQUIRE(chunk.ParseFromString(*snapshot->Chunk(0)));
  chunk.mutable_rows(0)->set_value(chunk.rows(0).value() + "x");
  const std::string altered = chunk.SerializeAsString();
  pb::SnapshotManifest lying = snapshot->manifest();
  const Hash256 h = crypto::Sha256(AsBytes(altered));
  lying.set_chunk_hashes(0, std::string(h.begin(), h.end()));
  FakePeers peers;
  peers.peers = {FakePeers::Serving(snapshot, lying.SerializeAsString()),
                 FakePeers::Serving(snapshot, lying.SerializeAsString())};
  peers.peers[0].chunks[0] = altered;
  peers.peers[1].chunks[0] = altered;
  TempDir data;
  auto refused = node::RestoreFromPeers(Options(data.path()), chain.genesis(), peers);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == "snapshot_root_mismatch");
  ExpectNothingKept(data.path());
}

TEST_CASE("state sync: hostile chunk bytes are refused before any row is written") {
  TestChain chain;
  Fill(chain, 2);
  auto snapshot = SnapshotOf(chain);
  auto with_rows = [&](const std::vector<std::pair<std::string, std::string>>& rows) {
    pb::SnapshotChunk c;
    for (const auto& [k, v] : rows) {
      pb::SnapshotRow* r = c.add_rows();
      r->set_key(k);
      r->set_value(v);
    }
    return c.SerializeAsString();
  };
  // Each hostile chunk is given the manifest hash it needs, so the rule after the hash is tested.
  auto check = [&](const std::string& bytes) {
    pb::SnapshotManifest m = snapshot->manifest();
    const Hash256 h = crypto::Sha256(AsBytes(bytes));
    m.set_chunk_hashes(0, std::string(h.begin(), h.end()));
    return snap::CheckChunk(m, 0, AsBytes(bytes)).status().code();
  };
  CHECK(check(with_rows({{"o/b", "1"}, {"o/a", "2"}})) == "snapshot_malformed");  // out of order
  CHECK(check(with_rows({{"o/a", "1"}, {"o/a", "2"}})) == "snapshot_malformed");  // a key twice
  CHECK(check(with_rows({{"B/\x00\x00\x00\x00\x00\x00\x00\x01", "x"}})) == "snapshot_malformed");  // chain storage
  CHECK(check(with_rows({{"c/head", "x"}})) == "snapshot_malformed");
  CHECK(check(with_rows({{"S\x00", "x"}})) == "snapshot_malformed");  // the tree is rebuilt, never taken
  CHECK(check(with_rows({})) == "snapshot_malformed");
  CHECK(check("\xff\xff\xff") == "snapshot_malformed");
  CHECK(check(with_rows({{"o/" + std::string(snap::kMaxRowKeyBytes, 'k'), "x"}})) == "snapshot_malformed");
  const std::string genuine = *snapshot->Chunk(0);
  CHECK(snap::CheckChunk(snapshot->manifest(), 0, AsBytes(genuine)).ok());
  CHECK(snap::CheckChunk(snapshot->manifest(), 0, AsBytes(Flip(genuine, 3))).status().code() == "snapshot_chunk_mismatch");
  CHECK(snap::CheckChunk(snapshot->manifest(), snapshot->chunk_count(), AsBytes(genuine)).status().code() ==
        "snapshot_malformed");
  const std::string huge(snap::kMaxChunkBytes + 1, '\x0a');
  CHECK(snap::CheckChunk(snapshot->manifest(), 0, AsBytes(huge)).status().code() == "snapshot_malformed");
}

TEST_CASE("state sync: a restore a crash interrupted is never opened and is dropped at the next start") {
  TestChain chain;
  Fill(chain, 3);
  auto snapshot = SnapshotOf(chain);
  TempDir data;
  {
    auto restorer = snap::Restorer::Begin(data.path() / node::kStateSyncPartialDir, chain.genesis(),
                                          snapshot->manifest(), false);
    REQUIRE(restorer.ok());
    REQUIRE((*restorer)->Add(0, AsBytes(*snapshot->Chunk(0))).ok());
  }  // the process dies here: rows of one chunk on disk, no head, not moved into place
  CHECK(node::HasNoStore(data.path()));
  FakePeers peers;
  peers.peers = {FakePeers::Serving(snapshot), FakePeers::Serving(snapshot)};
  auto restored = node::RestoreFromPeers(Options(data.path()), chain.genesis(), peers);  // starts over
  REQUIRE(restored.ok());
  CHECK_FALSE(fs::exists(data.path() / node::kStateSyncPartialDir));
  auto opened = ledger::Ledger::Open(data.path(), chain.genesis());
  REQUIRE(opened.ok());
  CHECK((*opened)->head_hash() == chain.ledger().head_hash());
  // A second restore into a directory that now holds a store is refused.
  opened->reset();
  CHECK(node::RestoreFromPeers(Options(data.path()), chain.genesis(), peers).status().code() == "invalid_state");
}

TEST_CASE("state sync: the tree a restore builds at once is the tree block-by-block commits stored") {
  TestChain chain;
  Fill(chain, 5);
  std::vector<std::pair<Hash256, Hash256>> leaves;
  for (const auto& [k, v] : StateRows(*chain.ledger().Read())) {
    leaves.emplace_back(ledger::smt::KeyPath(k), ledger::smt::ValueHash(v));
  }
  std::map<std::string, std::string> built;
  auto root = ledger::smt::BuildTree(leaves, [&](const std::string& k, const std::string& v) { built[k] = v; });
  REQUIRE(root.ok());
  CHECK(std::string(root->begin(), root->end()) == chain.ledger().head().state_root());
  const ledger::smt::NodeReader stored = chain.ledger().CommittedNodes();
  for (const auto& [k, v] : built) CHECK(stored(k) == std::optional<std::string>(v));
  leaves.push_back(leaves.front());
  CHECK(ledger::smt::BuildTree(leaves, [](const std::string&, const std::string&) {}).status().code() ==
        "snapshot_malformed");
}

namespace {

// Four genesis validators of power 1 (validator-0 .. validator-3) and the test holding every key
// up to validator-4, which a ValidatorSetChange adds for bank-2; a second change removes
// validator-0. Then donations, so blocks follow each change.
struct ChangedChain {
  ChangedChain()
      : chain([](ledger::Genesis& g) {
          g.validators = {{TestKey("validator-0").public_key, 1, "bureau"},
                          {TestKey("validator-1").public_key, 1, "federation"},
                          {TestKey("validator-2").public_key, 1, "bank-1"},
                          {TestKey("validator-3").public_key, 1, "bank-1"}};
        }) {
    for (int i = 1; i <= 4; ++i) chain.validator_keys.push_back(Key(i));
    REQUIRE(chain.RegisterOrg("bank-2", pb::ORG_KIND_BANK, TestKey("bank-2")).ok());
    Fill(chain, 2);
    Change(Key(4), 1, "bank-2", {0, 1, 2});
    Change(Key(0), 0, "", {1, 2, 3, 4});
    for (int b = 0; b < 3; ++b) REQUIRE(chain.Commit(chain.DonationTx("project:meals", 500 + b, chain.bank, "bank-1")).ok());
  }
  static crypto::KeyPair Key(int i) { return TestKey("validator-" + std::to_string(i)); }
  // A change effective two blocks on, signed by the bureau and the validators `signers`.
  void Change(const crypto::KeyPair& key, std::uint64_t power, const std::string& org, const std::vector<int>& signers) {
    std::vector<crypto::KeyPair> held;
    for (int i : signers) held.push_back(Key(i));
    std::vector<const crypto::KeyPair*> keys = {&chain.bureau};
    for (const crypto::KeyPair& k : held) keys.push_back(&k);
    const std::uint64_t effective = chain.ledger().height() + 3;
    const Bytes tx = chain.MakeTx(
        [&](pb::TxBody& b) {
          auto* p = b.mutable_validator_set_change();
          auto* e = p->add_updates();
          e->set_public_key(std::string(key.public_key.begin(), key.public_key.end()));
          e->set_voting_power(power);
          e->set_org_id(org);
          p->set_effective_height(effective);
        },
        keys);
    REQUIRE(chain.Commit(tx).ok());
    // Blocks up to the effective height, so the change is in force before the next one.
    while (chain.ledger().height() < effective) {
      REQUIRE(chain.Commit(chain.DonationTx("project:meals", 100, chain.bank, "bank-1")).ok());
    }
  }
  TestChain chain;
};

}  // namespace

TEST_CASE("state sync: a chain that changed its validator set restores from the transitions its manifest carries, and serves receipts with them") {
  ChangedChain c;
  TestChain& chain = c.chain;
  auto snapshot = SnapshotOf(chain);
  const pb::SnapshotManifest& good = snapshot->manifest();
  REQUIRE(good.transitions_size() == 2);
  const ledger::Genesis& genesis = chain.genesis();
  REQUIRE(snap::VerifyManifest(good, genesis).ok());

  FakePeers peers;
  peers.peers = {FakePeers::Serving(snapshot), FakePeers::Serving(snapshot)};
  TempDir data;
  auto restored = node::RestoreFromPeers(Options(data.path()), genesis, peers);
  REQUIRE(restored.ok());
  auto opened = ledger::Ledger::Open(data.path(), genesis);
  REQUIRE(opened.ok());
  ledger::Ledger& copy = **opened;
  CHECK(copy.head_hash() == chain.ledger().head_hash());
  CHECK(ledger::ValidatorsHash(*copy.ValidatorsAt(copy.height() + 1)) ==
        ledger::ValidatorsHash(*chain.ledger().ValidatorsAt(chain.ledger().height() + 1)));

  // The source commits on; the restored store takes the block through the block-sync checks
  // (the certificate of the changed set) and proves its receipt with both transitions.
  const Hash256 id = CommitAndReplay(chain, copy);
  auto mine = copy.Read()->ReceiptProof(id);
  REQUIRE(mine.ok());
  REQUIRE(mine->transitions.size() == 2);
  auto followed = ledger::FollowValidatorTransitions(genesis.chain_id, genesis.validators, mine->transitions,
                                                     mine->header.height());
  REQUIRE(followed.ok());
  CHECK(ledger::VerifyHeaderAgainstSet(genesis.chain_id, mine->header, mine->block_hash, mine->commit, *followed).ok());
  // The blocks of the changes are kept for the proofs but stay "not held" for everything else.
  const std::uint64_t e1_block = good.transitions(0).block().header().height();
  CHECK_FALSE(copy.Read()->CommittedBlockAt(e1_block).has_value());
  // A restored node serves a snapshot with the same transitions in turn.
  auto again = snap::Snapshot::Build(copy.Read(), kTestChunkBytes);
  REQUIRE(again.ok());
  CHECK(snap::VerifyManifest((*again)->manifest(), genesis).ok());
  CHECK((*again)->manifest().transitions_size() == 2);
}

TEST_CASE("state sync: forged, missing or reordered validator-set transitions are refused as snapshot_uncertified, nothing kept") {
  ChangedChain c;
  auto snapshot = SnapshotOf(c.chain);
  const pb::SnapshotManifest good = snapshot->manifest();
  const ledger::Genesis& genesis = c.chain.genesis();
  auto code_of = [&](const pb::SnapshotManifest& m) { return snap::VerifyManifest(m, genesis).code(); };

  pb::SnapshotManifest m = good;
  m.clear_transitions();  // the snapshot block names a set genesis does not lead to
  CHECK(code_of(m) == "snapshot_uncertified");
  m = good;
  m.mutable_transitions()->DeleteSubrange(0, 1);  // the first change left out
  CHECK(code_of(m) == "snapshot_uncertified");
  m = good;
  m.mutable_transitions()->SwapElements(0, 1);
  CHECK(code_of(m) == "snapshot_uncertified");
  m = good;  // a forged next set (more power for the new validator)
  m.mutable_transitions(0)->mutable_next_validators(4)->set_voting_power(100);
  CHECK(code_of(m) == "snapshot_uncertified");
  m = good;  // a bad certificate on the change's block
  auto* sig = m.mutable_transitions(1)->mutable_block()->mutable_commit()->mutable_signatures(0);
  sig->set_signature(Flip(sig->signature(), 3));
  CHECK(code_of(m) == "snapshot_uncertified");
  m = good;  // the change's block altered under its certificate: the hash link breaks
  m.mutable_transitions(0)->mutable_block()->mutable_header()->set_time_ms(good.transitions(0).block().header().time_ms() + 1);
  CHECK(code_of(m) == "snapshot_uncertified");
  m = good;
  m.mutable_transitions(0)->set_effective_height(good.transitions(0).effective_height() + 1);
  CHECK(code_of(m) == "snapshot_uncertified");
  m = good;
  m.mutable_transitions(0)->mutable_next_validators(0)->set_public_key("short");
  CHECK(code_of(m) == "snapshot_malformed");
  m = good;
  m.mutable_transitions(0)->mutable_block()->set_tx_count(good.transitions(0).block().tx_count() + 1);
  CHECK(code_of(m) == "snapshot_malformed");

  // Peers serving a forged change: no snapshot is chosen, nothing is written.
  pb::SnapshotManifest forged = good;
  forged.mutable_transitions(1)->mutable_next_validators(0)->set_voting_power(7);
  FakePeers peers;
  peers.peers = {FakePeers::Serving(snapshot, forged.SerializeAsString()),
                 FakePeers::Serving(snapshot, forged.SerializeAsString())};
  TempDir data;
  auto refused = node::RestoreFromPeers(Options(data.path()), genesis, peers);
  REQUIRE_FALSE(refused.ok());
  CHECK(peers.chunk_requests[0].load() == 0);
  CHECK(peers.chunk_requests[1].load() == 0);
  ExpectNothingKept(data.path());
}
