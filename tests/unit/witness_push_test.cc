// The node's witness pusher against a real in-process ledger::Witness: first push, growth with
// proofs, a 409 answered by re-proving from the size the witness holds, a witness whose key is
// not the configured one (its lines are never served), backoff, and the decorated note.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "shanliu/api/witness_push.h"
#include "shanliu/crypto/merkle.h"
#include "shanliu/ledger/checkpoint.h"
#include "shanliu/ledger/witness.h"
#include "test_chain.h"

using namespace shanliu;
using shanliu::testing::TempDir;
using shanliu::testing::TestKey;

namespace {

ledger::Genesis OneValidator() {
  ledger::Genesis g;
  g.chain_id = "push-chain";
  g.genesis_time_ms = 1'767'225'600'000;
  g.validators.push_back({TestKey("validator-0").public_key, 1, "bureau"});
  return g;
}

// A log the test grows, its supermajority notes and consistency proofs: what the node supplies.
struct FakeNode {
  ledger::Genesis genesis = OneValidator();
  std::vector<Hash256> leaves;
  std::uint64_t size = 0;
  int proofs_asked = 0;

  void Grow(std::uint64_t to) {
    while (leaves.size() < to) leaves.push_back(crypto::MerkleLeafHash(AsBytes("tx " + std::to_string(leaves.size()))));
    size = to;
  }
  Hash256 Root(std::uint64_t n) const {
    crypto::InMemorySubtrees r(std::vector<Hash256>(leaves.begin(), leaves.begin() + static_cast<long>(n)));
    return *crypto::MerkleRoot(r, n);
  }
  std::string Note(std::uint64_t n) const {
    auto c = ledger::MakeCosignature(genesis, 0, TestKey("validator-0").secret_key, n, Root(n), 1'767'225'650);
    return ledger::CheckpointNote(genesis, n, Root(n), std::vector{c});
  }
  api::WitnessPusher::CheckpointSource Checkpoints() {
    return [this]() -> std::optional<api::WitnessPusher::Checkpoint> {
      if (size == 0) return std::nullopt;
      return api::WitnessPusher::Checkpoint{Note(size), size, true};
    };
  }
  api::WitnessPusher::ProofSource Proofs() {
    return [this](std::uint64_t old_size, std::uint64_t new_size) {
      ++proofs_asked;
      crypto::InMemorySubtrees r(leaves);
      return crypto::MerkleConsistencyProof(r, old_size, new_size);
    };
  }
};

// An in-process witness reached through the pusher's Post hook, counting requests.
struct FakeWitness {
  TempDir dir;
  std::unique_ptr<ledger::Witness> witness;
  int requests = 0;
  bool down = false;

  FakeWitness(const ledger::Genesis& genesis, const std::string& name, const std::string& key_name) {
    auto store = ledger::WitnessStore::Open(dir.path());
    REQUIRE(store.ok());
    witness = std::make_unique<ledger::Witness>(name, TestKey(key_name), std::vector{ledger::GenesisLogPolicy(genesis)},
                                                std::move(store).value());
  }
  api::WitnessPusher::Post Post() {
    return [this](const std::string& url, const std::string& body, unsigned) -> Result<api::HttpResponse> {
      ++requests;
      if (down) return Status::Error("unavailable", "connection refused");
      CHECK(url == "http://witness.test/add-checkpoint");
      ledger::WitnessResponse r = witness->AddCheckpoint(body, 1'767'225'700);
      return api::HttpResponse{r.http_status, r.content_type, r.body, {}};
    };
  }
  ledger::NoteVerifierKey Key() const { return *ledger::ParseVerifierKey(witness->VerifierKey()); }
};

api::WitnessPushOptions Options() {
  api::WitnessPushOptions o;
  o.min_backoff_ms = 1'000;
  o.max_backoff_ms = 4'000;
  return o;
}

}  // namespace

TEST_CASE("witness pusher: first push, growth with proofs, and the served note carries the line") {
  FakeNode node;
  FakeWitness w(node.genesis, "news.example/witness", "witness");
  api::WitnessPusher pusher({{"http://witness.test/", w.Key()}}, node.Checkpoints(), node.Proofs(), Options(), w.Post());
  pusher.PushOnce(0);  // no checkpoint yet: nothing sent
  CHECK(w.requests == 0);
  node.Grow(5);
  pusher.PushOnce(1);
  REQUIRE(w.requests == 1);
  auto cosigned = pusher.Cosignatures();
  REQUIRE(cosigned.size() == 1);
  CHECK(cosigned[0].log_size == 5u);
  CHECK(cosigned[0].timestamp_s == 1'767'225'700u);
  CHECK(cosigned[0].last_error.empty());
  const std::string served = pusher.Decorate(node.Note(5));
  CHECK(served == node.Note(5) + cosigned[0].line);
  // Readers that know only the validators still verify the decorated note.
  auto verified = ledger::VerifyCheckpointNote(served, node.genesis);
  REQUIRE(verified.ok());
  CHECK(verified->supermajority);
  // Nothing newer: no request.
  pusher.PushOnce(2);
  CHECK(w.requests == 1);
  node.Grow(12);
  pusher.PushOnce(3);
  CHECK(w.requests == 2);
  CHECK(node.proofs_asked == 1);
  CHECK(pusher.Cosignatures()[0].log_size == 12u);
  // The line for size 12 is not put on a note of another checkpoint.
  CHECK(pusher.Decorate(node.Note(5)) == node.Note(5));
}

TEST_CASE("witness pusher: a 409 is answered by proving from the size the witness holds") {
  FakeNode node;
  FakeWitness w(node.genesis, "news.example/witness", "witness");
  node.Grow(8);
  // Another node (or a previous run of this one) already brought the witness to size 8.
  REQUIRE(w.witness->AddCheckpoint(ledger::FormatAddCheckpointRequest({0, {}, node.Note(8)}), 1'767'225'600)
              .http_status == 200);
  node.Grow(20);
  api::WitnessPusher pusher({{"http://witness.test", w.Key()}}, node.Checkpoints(), node.Proofs(), Options(), w.Post());
  pusher.PushOnce(1);
  CHECK(w.requests == 2);  // old 0 -> 409 "8", then old 8 with a proof -> 200
  CHECK(node.proofs_asked == 1);
  CHECK(pusher.Cosignatures()[0].log_size == 20u);
}

TEST_CASE("witness pusher: a wrong key is never served, and failures back off") {
  FakeNode node;
  node.Grow(3);
  // The witness signs with another key than the one configured for its name.
  FakeWitness w(node.genesis, "news.example/witness", "not-the-configured-key");
  const auto configured = *ledger::ParseVerifierKey(ledger::FormatVerifierKey(
      "news.example/witness", ledger::kCosignatureV1KeyType, TestKey("witness").public_key));
  api::WitnessPusher pusher({{"http://witness.test", configured}}, node.Checkpoints(), node.Proofs(), Options(),
                            w.Post());
  pusher.PushOnce(10'000);
  CHECK(w.requests == 1);
  auto c = pusher.Cosignatures()[0];
  CHECK_FALSE(c.log_size.has_value());
  CHECK(c.line.empty());
  CHECK(c.last_error.find("insufficient_signatures") != std::string::npos);
  CHECK(pusher.Decorate(node.Note(3)) == node.Note(3));
  // Backoff: 1 s, then 2 s, capped at 4 s.
  pusher.PushOnce(10'500);
  CHECK(w.requests == 1);
  pusher.PushOnce(11'000);
  CHECK(w.requests == 2);
  pusher.PushOnce(12'999);
  CHECK(w.requests == 2);
  pusher.PushOnce(13'000);
  CHECK(w.requests == 3);
  pusher.PushOnce(17'000);
  CHECK(w.requests == 4);
  pusher.PushOnce(21'000);
  CHECK(w.requests == 5);  // still 4 s apart: the cap
}

TEST_CASE("witness pusher: an unreachable witness recovers when it comes back") {
  FakeNode node;
  node.Grow(4);
  FakeWitness w(node.genesis, "w", "witness");
  w.down = true;
  api::WitnessPusher pusher({{"http://witness.test", w.Key()}}, node.Checkpoints(), node.Proofs(), Options(), w.Post());
  pusher.PushOnce(0);
  CHECK(pusher.Cosignatures()[0].last_error.find("unavailable") != std::string::npos);
  w.down = false;
  pusher.PushOnce(1'000);
  CHECK(pusher.Cosignatures()[0].log_size == 4u);
  CHECK(pusher.Cosignatures()[0].last_error.empty());
}
