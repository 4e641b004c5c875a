// The co-signing inbox (docs/api.md "Co-signing inbox"): signing requests waiting for the
// other institutions' signatures. In memory, bounded in count and lifetime; nothing here is on
// the ledger until a request is complete and the route handler submits its envelope.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "shanliu/ledger/signing_request.h"
#include "shanliu/status.h"

namespace shanliu::api::internal {

class SigningInbox {
 public:
  struct Entry {
    ledger::SigningRequest request;
    std::uint64_t sequence = 0;  // arrival order: the oldest is evicted first
    bool submitted = false;      // complete and handed to the node's mempool
    Status submit_status;        // what the mempool said (ok: accepted or already known)
  };
  // A snapshot of an entry; `completed_now` is true only for the call that added the last
  // missing signature (that caller, and no other, submits the envelope).
  struct Outcome {
    Entry entry;
    bool completed_now = false;
  };

  // `now_ms` is the clock the lifetimes are measured against (injected so tests need no waits).
  SigningInbox(std::size_t max_requests, std::function<std::uint64_t()> now_ms);

  // Adds a request (with at least one signature, checked by the caller), or merges its new
  // signatures into the one already held for the same tx id. Expired entries are dropped first;
  // when the inbox is still full, the oldest submitted entry is evicted, and if every entry is
  // still collecting signatures the new one is refused with signing_inbox_full.
  Result<Outcome> Put(ledger::SigningRequest request, std::optional<std::uint64_t> head_height);

  // Adds one verified signature (ledger::AddSignature's errors; not_found, expired).
  Result<Outcome> AddSignature(const Hash256& id, const crypto::PublicKey& key, const crypto::Signature& signature,
                               std::optional<std::uint64_t> head_height);

  Result<Entry> Get(const Hash256& id, std::optional<std::uint64_t> head_height);

  // Requests still waiting for a signature that `signer` can give (an org id or a key), oldest
  // first, at most `limit`; an empty signer lists every open request.
  std::vector<Entry> Waiting(const std::string& signer, std::size_t limit, std::optional<std::uint64_t> head_height);

  void MarkSubmitted(const Hash256& id, Status status);
  std::size_t size() const;

 private:
  // Lock rule: mutex_ is held for map updates only, never while calling out (the clock aside).
  void DropExpiredLocked(std::optional<std::uint64_t> head_height);
  Status MakeRoomLocked();
  Result<Entry*> FindLocked(const Hash256& id, std::optional<std::uint64_t> head_height);

  const std::size_t max_requests_;
  const std::function<std::uint64_t()> now_ms_;
  mutable std::mutex mutex_;
  std::map<Hash256, Entry> entries_;
  std::uint64_t next_sequence_ = 0;
};

// Milliseconds since the Unix epoch: the clock of the inbox's request lifetimes.
std::uint64_t SystemNowMs();

// True if `slot` is one `signer` (an organisation id, or a 64-hex public key) can fill.
bool SignerMatches(const ledger::SignerSlot& slot, const std::string& signer);

}  // namespace shanliu::api::internal
