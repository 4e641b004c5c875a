// The state map's shared node cache: a view keeps proving against its own height's root while
// blocks commit underneath it, and the cache never serves a record of another height.
#include <doctest/doctest.h>

#include "shanliu/ledger/node_cache.h"
#include "test_chain.h"

using namespace shanliu;
using shanliu::testing::TestChain;

namespace {

std::string NodeKey(std::uint8_t depth) {
  std::string k(2 + (depth + 7) / 8, '\0');  // state_map.cc's storage key: the root of each depth's left edge
  k[0] = 'S';
  k[1] = static_cast<char>(depth);
  return k;
}

Status ProveHead(const ledger::ReadView& view, const std::vector<std::string>& keys) {
  std::vector<ledger::smt::Claim> claims;
  for (const std::string& k : keys) claims.push_back({k, view.state().Get(k)});
  const Bytes proof = view.StateProof(keys);
  Hash256 root{};
  std::copy(view.head().state_root().begin(), view.head().state_root().end(), root.begin());
  return ledger::smt::VerifyMultiProof(root, proof, claims);
}

}  // namespace

TEST_CASE("the node cache answers only at its own height and follows committed operations") {
  ledger::NodeCache cache(4);
  CHECK(cache.Holds(NodeKey(3)));
  CHECK_FALSE(cache.Holds(NodeKey(4)));
  cache.Reset(10);
  cache.Fill(NodeKey(0), "root@10", 10);
  cache.Fill(NodeKey(1), "stale", 9);       // another height: ignored
  cache.Fill(NodeKey(5), "too deep", 10);  // not held: ignored
  CHECK(cache.Get(NodeKey(0), 10) == std::optional<std::string>("root@10"));
  CHECK(cache.Get(NodeKey(0), 9) == std::nullopt);
  CHECK(cache.Get(NodeKey(1), 10) == std::nullopt);
  CHECK(cache.Get(NodeKey(5), 10) == std::nullopt);
  // Operations in order: the later one on a key wins; deletions drop the record.
  cache.Commit({{NodeKey(0), "a"}, {NodeKey(2), "b"}, {NodeKey(0), "root@11"}, {NodeKey(2), std::nullopt}}, 11);
  CHECK(cache.Get(NodeKey(0), 10) == std::nullopt);
  CHECK(cache.Get(NodeKey(0), 11) == std::optional<std::string>("root@11"));
  CHECK(cache.Get(NodeKey(2), 11) == std::nullopt);
}

TEST_CASE("views prove against their own state root while later blocks commit and reuse the cache") {
  TestChain chain;
  const std::vector<std::string> keys = {"a/org:federation", "o/federation", "o/bank-1", "g/missing"};
  REQUIRE(chain.Commit(chain.DonationTx("org:federation", 500, chain.bank, "bank-1")).ok());
  auto old_view = chain.ledger().Read();
  CHECK(ProveHead(*old_view, keys).ok());  // fills the cache at this height
  for (int i = 0; i < 5; ++i) {
    REQUIRE(chain.Commit(chain.DonationTx("org:federation", 100 + i, chain.bank, "bank-1")).ok());
    auto view = chain.ledger().Read();
    const Status now = ProveHead(*view, keys);
    CHECK_MESSAGE(now.ok(), now.ToString());
    // The old view reads its snapshot (the cache has moved on) and still proves its own root.
    const Status then = ProveHead(*old_view, keys);
    CHECK_MESSAGE(then.ok(), then.ToString());
    CHECK(view->head().state_root() != old_view->head().state_root());
  }
  CHECK(chain.ledger().VerifyState().ok());
}
