// The node's side of c2sp.org/tlog-witness: after the validators cosigned a checkpoint with
// more than 2/3 of the power, push it to each configured witness (POST <url>/add-checkpoint,
// with an RFC 9162 consistency proof from the size the witness holds), check the cosignature it
// returns against the witness's configured key, and keep the valid lines so the node can serve
// them appended to its checkpoint note (docs/witness.md).
//
// One thread of its own: HTTP never runs on the node's io thread. Each round is bounded (one
// request per witness, plus one retry after a 409 that told the size the witness holds), and a
// witness that fails is retried with exponential backoff.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "shanliu/api/http_client.h"
#include "shanliu/bytes.h"
#include "shanliu/ledger/witness.h"
#include "shanliu/status.h"

namespace shanliu::api {

struct WitnessTarget {
  std::string url;                  // http://host:port[/prefix]; add-checkpoint is under it
  ledger::NoteVerifierKey key;      // cosignature/v1 (type 4): name, key ID, public key
};

struct WitnessPushOptions {
  unsigned poll_ms = 1'000;            // how often the newest checkpoint is looked at
  unsigned request_timeout_ms = 10'000;
  unsigned min_backoff_ms = 1'000;
  unsigned max_backoff_ms = 300'000;
};

// What one witness cosigned last (and what went wrong since, if anything).
struct WitnessCosigned {
  std::string name;
  std::string vkey;
  std::optional<std::uint64_t> log_size;     // the size it cosigned for us, if any yet
  std::optional<std::uint64_t> timestamp_s;  // its cosignature's time
  std::string checkpoint_body;               // the checkpoint text the line signs
  std::string line;                          // "— <name> <base64>\n"
  std::string last_error;                    // empty after a success
};

class WitnessPusher {
 public:
  struct Checkpoint {
    std::string note;  // the signed note (validators' lines)
    std::uint64_t log_size = 0;
    bool supermajority = false;
  };
  using CheckpointSource = std::function<std::optional<Checkpoint>()>;
  using ProofSource = std::function<Result<std::vector<Hash256>>(std::uint64_t old_size, std::uint64_t new_size)>;
  using Post = std::function<Result<HttpResponse>(const std::string& url, const std::string& body, unsigned timeout_ms)>;

  // `post` defaults to HttpRequest; tests give their own.
  WitnessPusher(std::vector<WitnessTarget> witnesses, CheckpointSource checkpoint, ProofSource proofs,
                WitnessPushOptions options = {}, Post post = {});
  ~WitnessPusher();
  WitnessPusher(const WitnessPusher&) = delete;
  WitnessPusher& operator=(const WitnessPusher&) = delete;

  void Start();
  void Stop();

  // One round over every witness due at `now_ms` (a steady clock). The thread calls it; tests
  // call it directly without Start.
  void PushOnce(std::uint64_t now_ms);

  // `note` with the valid witness lines for exactly its checkpoint text appended (the others
  // cosigned another checkpoint and are left out). A note that does not parse is returned as is.
  std::string Decorate(const std::string& note) const;
  std::vector<WitnessCosigned> Cosignatures() const;

 private:
  struct State {
    WitnessTarget target;
    WitnessCosigned cosigned;
    std::uint64_t known_size = 0;  // the size we believe the witness holds (0 until told)
    std::uint64_t next_try_ms = 0;
    unsigned backoff_ms = 0;
  };
  void PushTo(std::size_t index, const Checkpoint& checkpoint, std::uint64_t now_ms);
  // One add-checkpoint request; returns the size a 409 reported, if it did.
  std::optional<std::uint64_t> Attempt(std::size_t index, const Checkpoint& checkpoint, const std::string& body,
                                       std::uint64_t old_size, std::uint64_t now_ms);
  void Failed(std::size_t index, const std::string& why, std::uint64_t now_ms);

  const CheckpointSource checkpoint_;
  const ProofSource proofs_;
  const WitnessPushOptions options_;
  const Post post_;
  mutable std::mutex mutex_;  // guards states_ (the thread writes, API threads read)
  std::vector<State> states_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mutex_
  std::thread thread_;
};

}  // namespace shanliu::api
