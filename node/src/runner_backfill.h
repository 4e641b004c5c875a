// The history backfill (issue 20 part 3; docs/p2p.md "History backfill"): a node whose store was
// restored from a snapshot at height S fetches blocks 1..S from its peers once it runs, oldest
// first, with the block-sync frames (BlocksRequest; the answer echoes from_height, which is how
// the router tells it from block sync's), and stores each answer through Ledger::StoreBackfill,
// which checks every block before it writes anything of the step.
//
// Bounded and never in the way: one request in flight, at most `blocks_per_request` blocks, and
// the next only at the runner's next backfill tick (RunnerConfig::backfill_interval_ms), so the
// io thread spends one small step per tick on it (certificates, hashes, one synced batch) and
// consensus and block sync go on between steps. A peer that does not answer in time, answers
// with nothing (it does not hold the history either) or serves a block that fails a check is not
// asked again for request_timeout_ms * 2^(failures-1), at most max_demotion_ms, as in block sync;
// the bad block is logged (backfill_bad_block) and nothing of it is written.
//
// Thread rule: io thread (the first call records it, the rest assert it); Stop is thread-safe.
#pragma once

#include <atomic>
#include <map>
#include <optional>

#include "runner_parts.h"
#include "shanliu/node/clock.h"

namespace shanliu::node {

class BackfillDriver {
 public:
  struct Limits {
    std::uint32_t blocks_per_request = 16;
    std::uint64_t request_timeout_ms = 5000;
    std::uint64_t max_demotion_ms = 5 * 60 * 1000;
  };
  struct Parts {
    ledger::Ledger& ledger;
    const Clock& clock;
    PeerOut& peers;
    PeerFaultLog& faults;
    FatalFn fatal;
  };

  BackfillDriver(Parts parts, Limits limits);
  BackfillDriver(const BackfillDriver&) = delete;
  BackfillDriver& operator=(const BackfillDriver&) = delete;
  void Stop() { stopped_ = true; }

  // Whether blocks are still missing (the store's history base is set).
  bool active() const { return parts_.ledger.history_base() > 0; }
  void OnHeadStatus(const crypto::PublicKey& from, std::uint64_t head_height);
  void OnPeerGone(const crypto::PublicKey& peer);
  // Whether `response` answers the request in flight to `from` (same from_height).
  bool Expects(const crypto::PublicKey& from, const pb::p2p::BlocksResponse& response) const;
  void OnBlocks(const crypto::PublicKey& from, const pb::p2p::BlocksResponse& response);
  // Counts a request past its timeout as a failure, then asks the next peer if none is asked.
  void Tick();

 private:
  struct Peer {
    std::uint64_t claimed_height = 0;
    std::uint32_t failures = 0;  // in a row
    std::uint64_t demoted_until_ms = 0;
  };
  struct InFlight {
    crypto::PublicKey peer{};
    std::uint64_t from_height = 0;
    std::uint64_t sent_ms = 0;
  };
  std::optional<crypto::PublicKey> Pick(std::uint64_t now_ms);
  void Fail(const crypto::PublicKey& peer, std::uint64_t now_ms);
  // The answer's blocks from from_height on, consecutive and not past the snapshot; false if one
  // does not decode.
  bool Decode(const pb::p2p::BlocksResponse& response, std::vector<pb::CommittedBlock>& blocks) const;
  void Store(const crypto::PublicKey& from, const std::vector<pb::CommittedBlock>& blocks);

  Parts parts_;
  const Limits limits_;
  std::map<crypto::PublicKey, Peer> known_;
  std::optional<InFlight> in_flight_;
  crypto::PublicKey last_asked_{};
  std::uint64_t stored_blocks_ = 0;  // this run, for the log
  std::atomic<bool> stopped_{false};
  ThreadRule io_thread_;
};

}  // namespace shanliu::node
