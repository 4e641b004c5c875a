// Whom block sync asks for committed blocks, and when (docs/p2p.md "Block sync"). A peer's head
// claim is only a claim: a peer that claims blocks it then does not serve (a lie, or a peer that
// is overloaded or gone) is demoted for a growing while, and the others are asked meanwhile.
// Each round asks up to two peers at once, ranked by the blocks they actually delivered, so a
// single peer cannot hold sync back by answering first with nothing or by never answering.
//
// The policy only: it sends nothing and reads no clock (the runner passes now_ms and performs
// the requests it returns), so tests drive it with simulated time.
//
// Thread rule: every member function runs on the runner's io thread; the first call records the
// thread and the others assert it (ThreadRule). Nothing here is shared with other threads.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "shanliu/crypto/keys.h"
#include "shanliu/node/thread_rule.h"

namespace shanliu::node {

class BlockSync {
 public:
  struct Limits {
    std::uint32_t blocks_per_request = 64;
    std::uint64_t request_timeout_ms = 5000;  // an unanswered request counts as a failure after this
    // A validator one height behind normally catches up through consensus (a decision request);
    // only when that has not happened within this long does it sync.
    std::uint64_t validator_lag_grace_ms = 2000;
    std::uint32_t peers_per_round = 2;  // asked at once, for the same blocks
    // Demotion after k failures in a row: request_timeout_ms * 2^(k-1), at most this long.
    std::uint64_t max_demotion_ms = 5 * 60 * 1000;
  };
  struct Request {
    crypto::PublicKey peer{};
    std::uint64_t from_height = 0;
    std::uint32_t max_blocks = 0;
  };
  // What the runner can show about a peer (stats, tests).
  struct PeerView {
    std::uint64_t claimed_height = 0;
    std::uint64_t delivered_blocks = 0;
    std::uint32_t failures_in_a_row = 0;
    bool demoted = false;
    bool in_flight = false;
  };

  explicit BlockSync(Limits limits);

  // A peer's head announcement (HeadStatus), or the head a response says it has.
  void OnClaim(const crypto::PublicKey& peer, std::uint64_t height);
  void OnPeerGone(const crypto::PublicKey& peer);

  // The requests to send now, given our committed height and the time; each is recorded as in
  // flight. Empty when nobody useful claims more, or requests are still within their timeout.
  std::vector<Request> Next(std::uint64_t my_height, bool is_validator, std::uint64_t now_ms);
  // A request made outside Next (the consensus core's decision request), recorded the same way.
  void Asked(const crypto::PublicKey& peer, std::uint64_t from_height, std::uint64_t now_ms);

  // A response from `peer`; `committed` of its blocks were new to us and committed, and our
  // height is now my_height. A response that brought nothing while we still lack the first
  // block it was asked for, from a peer claiming more, is a failure like a timeout. (If another
  // peer delivered those blocks first, an empty answer is no fault: neither credit nor penalty.)
  void OnResponse(const crypto::PublicKey& peer, std::uint64_t committed, std::uint64_t my_height,
                  std::uint64_t now_ms);
  // The peer sent a block that failed its certificate or header chain check.
  void OnBadBlocks(const crypto::PublicKey& peer, std::uint64_t now_ms);

  std::optional<PeerView> View(const crypto::PublicKey& peer, std::uint64_t now_ms) const;
  std::uint64_t failures() const { return failures_total_; }

 private:
  struct Peer {
    std::uint64_t claimed_height = 0;
    std::uint64_t delivered_blocks = 0;
    std::uint32_t failures_in_a_row = 0;
    std::uint64_t demoted_until_ms = 0;
    std::optional<std::uint64_t> asked_at_ms;  // in flight since
    std::uint64_t asked_from_height = 0;       // the first block it was asked for
  };

  void Fail(Peer& peer, std::uint64_t now_ms);
  void ExpireRequests(std::uint64_t now_ms);
  bool WithinGrace(std::uint64_t my_height, std::uint64_t best_claim, bool is_validator, std::uint64_t now_ms);

  // The simulator's deliberate bug (node/src/block_sync_faults.h; production code cannot set it):
  // issue 15's old rule, one request at a time to the highest claimant, never demoted.
  friend class BlockSyncFaults;
  std::vector<Request> NextHighestClaimant(std::uint64_t my_height, std::uint64_t now_ms);
  bool fault_ask_highest_claimant_ = false;

  const Limits limits_;
  std::map<crypto::PublicKey, Peer> peers_;
  std::uint64_t rotation_ = 0;  // breaks ties between equally ranked peers, round by round
  std::optional<std::uint64_t> behind_since_ms_;  // since when we have been at behind_height_ with someone ahead
  std::uint64_t behind_height_ = 0;
  std::uint64_t failures_total_ = 0;
  mutable ThreadRule io_thread_;
};

}  // namespace shanliu::node
