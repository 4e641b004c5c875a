// Block sync's choice of peers (issue 15 part 3): a peer that claims a head and does not serve it
// is demoted, others are asked meanwhile, two at a time; driven here with simulated time, the
// way the runner drives it with the wall clock.
#include <doctest/doctest.h>

#include <algorithm>

#include "shanliu/node/block_sync.h"

namespace {

using namespace shanliu;
using node::BlockSync;

crypto::PublicKey Peer(std::uint8_t id) {
  crypto::PublicKey key{};
  key[0] = id;
  return key;
}
const crypto::PublicKey kHonest = Peer(1), kHeadPlusOne = Peer(2), kAbsurd = Peer(3), kOther = Peer(4);
constexpr std::uint64_t kAbsurdHeight = 1'000'000'000'000'000;  // 10^15

BlockSync::Limits TestLimits() {
  BlockSync::Limits limits;
  limits.blocks_per_request = 64;
  limits.request_timeout_ms = 5000;
  limits.validator_lag_grace_ms = 2000;
  limits.peers_per_round = 2;
  limits.max_demotion_ms = 300'000;
  return limits;
}

std::vector<crypto::PublicKey> Asked(const std::vector<BlockSync::Request>& requests) {
  std::vector<crypto::PublicKey> peers;
  for (const auto& r : requests) peers.push_back(r.peer);
  return peers;
}

bool Contains(const std::vector<crypto::PublicKey>& peers, const crypto::PublicKey& peer) {
  return std::find(peers.begin(), peers.end(), peer) != peers.end();
}

// An observer at height 0, an honest peer at `honest_head` answering in 50 ms, and two liars that
// keep announcing (every second) heads they never serve: one always our head + 1, one 10^15.
// The absurd one answers every request at once with no blocks; the other never answers. Runs in
// 10 ms steps until the observer reaches the honest head or `limit_ms` passes.
struct LyingWorld {
  BlockSync sync{TestLimits()};
  std::uint64_t height = 0;
  std::uint64_t now_ms = 0;
  std::uint64_t honest_head;
  bool honest_present;
  std::map<crypto::PublicKey, std::uint64_t> requests;
  std::vector<std::pair<std::uint64_t, BlockSync::Request>> honest_answers;  // due time, request

  LyingWorld(std::uint64_t head, bool with_honest) : honest_head(head), honest_present(with_honest) {}

  void Run(std::uint64_t limit_ms) {
    for (; now_ms <= limit_ms && height < honest_head; now_ms += 10) {
      if (now_ms % 1000 == 0) {
        if (honest_present) sync.OnClaim(kHonest, honest_head);
        sync.OnClaim(kHeadPlusOne, height + 1);
        sync.OnClaim(kAbsurd, kAbsurdHeight);
      }
      Answer();
      for (const BlockSync::Request& r : sync.Next(height, /*is_validator=*/false, now_ms)) {
        ++requests[r.peer];
        CHECK(r.from_height == height + 1);
        if (r.peer == kHonest) honest_answers.emplace_back(now_ms + 50, r);
        if (r.peer == kAbsurd) sync.OnResponse(kAbsurd, 0, height, now_ms);
      }
    }
  }

  void Answer() {
    for (auto it = honest_answers.begin(); it != honest_answers.end();) {
      if (it->first > now_ms) {
        ++it;
        continue;
      }
      const BlockSync::Request r = it->second;
      const std::uint64_t last = std::min<std::uint64_t>(honest_head, r.from_height + r.max_blocks - 1);
      const std::uint64_t committed = last > height ? last - height : 0;
      height = std::max(height, last);
      sync.OnResponse(kHonest, committed, height, now_ms);
      it = honest_answers.erase(it);
    }
  }
};

}  // namespace

TEST_CASE("block sync: an observer reaches the honest head while one peer claims head + 1 and one 10^15") {
  LyingWorld world(2000, /*with_honest=*/true);
  world.Run(120'000);
  CHECK(world.height == 2000);
  // Each round asks the honest peer and one other; liars are demoted after failing and asked
  // ever more rarely (5 s, 10 s, 20 s ...), so the honest peer carries nearly every request.
  CHECK(world.requests[kHonest] >= 2000 / 64);
  CHECK(world.requests[kHeadPlusOne] + world.requests[kAbsurd] <= 8);
  const auto liar = world.sync.View(kAbsurd, world.now_ms);
  REQUIRE(liar);
  CHECK(liar->delivered_blocks == 0);
  CHECK(liar->failures_in_a_row >= 1);
  const auto honest = world.sync.View(kHonest, world.now_ms);
  REQUIRE(honest);
  CHECK(honest->delivered_blocks == 2000);
  CHECK(honest->failures_in_a_row == 0);
}

TEST_CASE("block sync: with only liars, requests to them thin out exponentially and stay bounded") {
  LyingWorld world(100, /*with_honest=*/false);
  world.Run(600'000);  // ten minutes of lies
  CHECK(world.height == 0);
  // Demotions of 5, 10, 20 ... s, capped at 300 s: about 7 failures each in ten minutes.
  CHECK(world.requests[kHeadPlusOne] <= 9);
  CHECK(world.requests[kAbsurd] <= 9);
  CHECK(world.requests[kHeadPlusOne] >= 3);
}

TEST_CASE("block sync: two peers per round, the one that delivered more first, ties rotated") {
  BlockSync sync(TestLimits());
  for (std::uint8_t id = 1; id <= 4; ++id) sync.OnClaim(Peer(id), 100);
  const auto first = sync.Next(10, false, 0);
  REQUIRE(first.size() == 2);
  CHECK(first[0].from_height == 11);
  CHECK(first[0].max_blocks == 64);
  CHECK(sync.Next(10, false, 1).empty());  // both slots busy
  // Peer 3 delivers (whichever was asked); answer both, peer 3 having committed 64.
  sync.OnResponse(first[0].peer, 0, 10, 2);  // nothing new: a failure (we still lack 11)
  sync.OnResponse(first[1].peer, 64, 74, 3);
  const auto view_failed = sync.View(first[0].peer, 3);
  REQUIRE(view_failed);
  CHECK(view_failed->demoted);
  const auto second = sync.Next(74, false, 4);
  REQUIRE(second.size() == 2);
  CHECK(second[0].peer == first[1].peer);  // the one that delivered leads
  CHECK_FALSE(Contains(Asked(second), first[0].peer));  // the demoted one waits
}

TEST_CASE("block sync: an empty answer after another peer delivered the same blocks is no fault") {
  BlockSync sync(TestLimits());
  sync.OnClaim(kHonest, 200);
  sync.OnClaim(kOther, 200);
  const auto asked = sync.Next(0, false, 0);
  REQUIRE(asked.size() == 2);
  sync.OnResponse(kHonest, 64, 64, 10);  // delivered blocks 1..64
  sync.OnResponse(kOther, 0, 64, 20);    // its copy of 1..64 came second: nothing new
  const auto other = sync.View(kOther, 20);
  REQUIRE(other);
  CHECK(other->failures_in_a_row == 0);
  CHECK_FALSE(other->demoted);
}

TEST_CASE("block sync: timeouts demote for 5, 10, 20 s ... capped, and a delivery forgives") {
  BlockSync sync(TestLimits());
  sync.OnClaim(kOther, 50);
  std::uint64_t now = 0;
  std::vector<std::uint64_t> waits;
  for (int round = 0; round < 8; ++round) {
    std::uint64_t asked_at = now;
    while (sync.Next(0, false, now).empty()) now += 100;  // until it is asked again
    if (round > 0) waits.push_back(now - asked_at);
    now += 5000;  // the request times out
  }
  // After the k-th failure: 5 s timeout already spent, then a demotion of 5 * 2^(k-1) s.
  CHECK(waits.front() == 5000);
  CHECK(waits.at(1) == 10'000);
  CHECK(waits.at(2) == 20'000);
  CHECK(waits.back() == 300'000);  // capped
  (void)sync.Next(0, false, now);
  sync.OnResponse(kOther, 10, 10, now + 1);
  const auto view = sync.View(kOther, now + 1);
  REQUIRE(view);
  CHECK(view->failures_in_a_row == 0);
  CHECK_FALSE(view->demoted);
}

TEST_CASE("block sync: uncertified blocks demote the sender, and a validator one behind waits for consensus") {
  BlockSync sync(TestLimits());
  sync.OnClaim(kOther, 20);
  REQUIRE(sync.Next(0, false, 0).size() == 1);
  sync.OnBadBlocks(kOther, 10);
  CHECK(sync.View(kOther, 10)->demoted);
  CHECK(sync.Next(0, false, 20).empty());

  BlockSync validator(TestLimits());
  validator.OnClaim(kHonest, 11);
  CHECK(validator.Next(10, /*is_validator=*/true, 0).empty());      // one behind: consensus catches up
  CHECK(validator.Next(10, true, 1999).empty());
  CHECK(validator.Next(10, true, 2000).size() == 1);                 // the grace is over
  BlockSync far_behind(TestLimits());
  far_behind.OnClaim(kOther, 12);
  CHECK(Asked(far_behind.Next(10, true, 0)) == std::vector<crypto::PublicKey>{kOther});  // two behind: at once

  BlockSync gone(TestLimits());
  gone.OnClaim(kOther, 5);
  gone.OnPeerGone(kOther);
  CHECK_FALSE(gone.View(kOther, 0));
  CHECK(gone.Next(0, false, 0).empty());
  CHECK(gone.failures() == 0);
}
