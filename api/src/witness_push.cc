// The node pushing its checkpoints to C2SP witnesses (see witness_push.h).
#include "shanliu/api/witness_push.h"

#include <algorithm>
#include <charconv>
#include <chrono>

#include "shanliu/log.h"

namespace shanliu::api {
namespace {

constexpr std::size_t kMaxWitnessResponseBytes = 16 * 1024;  // a few signature lines
constexpr std::size_t kMaxErrorEcho = 200;                   // of a refusal's body, in our log

// The text/x.tlog.size body of a 409: a decimal without leading zeros and a newline.
std::optional<std::uint64_t> ParseSizeBody(std::string_view body) {
  if (!body.ends_with('\n')) return std::nullopt;
  body.remove_suffix(1);
  if (body.empty() || body.size() > 20 || (body.size() > 1 && body[0] == '0')) return std::nullopt;
  std::uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(body.data(), body.data() + body.size(), value);
  if (ec != std::errc() || ptr != body.data() + body.size()) return std::nullopt;
  return value;
}

}  // namespace

WitnessPusher::WitnessPusher(std::vector<WitnessTarget> witnesses, CheckpointSource checkpoint, ProofSource proofs,
                             WitnessPushOptions options, Post post)
    : checkpoint_(std::move(checkpoint)),
      proofs_(std::move(proofs)),
      options_(options),
      post_(post ? std::move(post) : Post([](const std::string& url, const std::string& body, unsigned timeout_ms) {
        return HttpRequest("POST", url, body, "text/plain; charset=utf-8", timeout_ms, kMaxWitnessResponseBytes);
      })) {
  for (WitnessTarget& w : witnesses) {
    State s;
    s.cosigned.name = w.key.name;
    s.cosigned.vkey = ledger::FormatVerifierKey(w.key.name, w.key.type, w.key.public_key);
    while (w.url.ends_with('/')) w.url.pop_back();
    s.target = std::move(w);
    states_.push_back(std::move(s));
  }
}

WitnessPusher::~WitnessPusher() { Stop(); }

void WitnessPusher::Start() {
  if (states_.empty() || thread_.joinable()) return;
  thread_ = std::thread([this] {
    for (;;) {
      {
        std::unique_lock lock(mutex_);
        if (wake_.wait_for(lock, std::chrono::milliseconds(options_.poll_ms), [this] { return stopping_; })) return;
      }
      PushOnce(SteadyNowMs());
    }
  });
}

void WitnessPusher::Stop() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void WitnessPusher::PushOnce(std::uint64_t now_ms) {
  const std::optional<Checkpoint> checkpoint = checkpoint_();
  // Only what the validators' supermajority signed goes out: a witness would refuse the rest.
  if (!checkpoint || !checkpoint->supermajority) return;
  for (std::size_t i = 0; i < states_.size(); ++i) PushTo(i, *checkpoint, now_ms);
}

void WitnessPusher::PushTo(std::size_t index, const Checkpoint& checkpoint, std::uint64_t now_ms) {
  std::uint64_t known_size = 0;
  {
    const std::lock_guard lock(mutex_);
    const State& s = states_[index];
    if (now_ms < s.next_try_ms) return;
    if (s.cosigned.log_size && *s.cosigned.log_size >= checkpoint.log_size) return;  // nothing newer for it
    known_size = s.known_size;
  }
  auto note = ledger::ParseNote(checkpoint.note);
  if (!note.ok()) return Failed(index, "our own checkpoint note: " + note.status().ToString(), now_ms);
  // The witness holds more than our newest checkpoint (we lag, or it was fed by another node):
  // nothing to prove until we catch up.
  if (known_size > checkpoint.log_size) return;
  std::optional<std::uint64_t> reported = Attempt(index, checkpoint, note->body, known_size, now_ms);
  // A 409 said which size the witness holds: prove from there, once per round.
  if (reported && *reported <= checkpoint.log_size) Attempt(index, checkpoint, note->body, *reported, now_ms);
}

std::optional<std::uint64_t> WitnessPusher::Attempt(std::size_t index, const Checkpoint& checkpoint,
                                                    const std::string& body, std::uint64_t old_size,
                                                    std::uint64_t now_ms) {
  ledger::AddCheckpointRequest request{old_size, {}, checkpoint.note};
  if (old_size != 0 && old_size != checkpoint.log_size) {
    auto proof = proofs_(old_size, checkpoint.log_size);
    if (!proof.ok()) {
      Failed(index, "consistency proof " + std::to_string(old_size) + " -> " + std::to_string(checkpoint.log_size) +
                        ": " + proof.status().ToString(),
             now_ms);
      return std::nullopt;
    }
    request.proof = std::move(*proof);
  }
  const WitnessTarget& target = states_[index].target;  // const after construction
  auto response = post_(target.url + "/add-checkpoint", ledger::FormatAddCheckpointRequest(request),
                        options_.request_timeout_ms);
  if (!response.ok()) {
    Failed(index, response.status().ToString(), now_ms);
    return std::nullopt;
  }
  if (response->status == 409 && response->content_type.starts_with("text/x.tlog.size")) {
    auto size = ParseSizeBody(response->body);
    if (!size) {
      Failed(index, "a 409 whose body is not a tree size", now_ms);
      return std::nullopt;
    }
    const std::lock_guard lock(mutex_);
    states_[index].known_size = *size;
    return size;
  }
  if (response->status != 200) {
    Failed(index, "HTTP " + std::to_string(response->status) + ": " + response->body.substr(0, kMaxErrorEcho), now_ms);
    return std::nullopt;
  }
  {
    // A 200 means the witness recorded this size, whatever we make of its answer: the next
    // request proves from here rather than learning it from a 409.
    const std::lock_guard lock(mutex_);
    states_[index].known_size = checkpoint.log_size;
  }
  auto cosigned = ledger::VerifyWitnessCosignature(body, response->body, target.key);
  if (!cosigned.ok()) {
    Failed(index, "its answer: " + cosigned.status().ToString(), now_ms);
    return std::nullopt;
  }
  {
    const std::lock_guard lock(mutex_);
    State& s = states_[index];
    s.backoff_ms = 0;
    s.next_try_ms = 0;
    s.cosigned.log_size = checkpoint.log_size;
    s.cosigned.timestamp_s = cosigned->timestamp_s;
    s.cosigned.checkpoint_body = body;
    s.cosigned.line = cosigned->line;
    s.cosigned.last_error.clear();
  }
  LogEvent("info", "witness_cosigned",
           {{"witness", target.key.name}, {"log_size", checkpoint.log_size}, {"timestamp", cosigned->timestamp_s}});
  return std::nullopt;
}

void WitnessPusher::Failed(std::size_t index, const std::string& why, std::uint64_t now_ms) {
  std::string name;
  unsigned backoff_ms = 0;
  {
    const std::lock_guard lock(mutex_);
    State& s = states_[index];
    s.backoff_ms = s.backoff_ms == 0 ? options_.min_backoff_ms : std::min(s.backoff_ms * 2, options_.max_backoff_ms);
    s.next_try_ms = now_ms + s.backoff_ms;
    s.cosigned.last_error = why;
    name = s.target.key.name;
    backoff_ms = s.backoff_ms;
  }
  // One line per attempt, and attempts back off: a dead witness cannot fill the log.
  LogEvent("warn", "witness_push_failed", {{"witness", name}, {"error", why}, {"retry_in_ms", backoff_ms}});
}

std::string WitnessPusher::Decorate(const std::string& note) const {
  auto parsed = ledger::ParseNote(note);
  if (!parsed.ok()) return note;
  std::string out = note;
  std::size_t lines = parsed->signatures.size() + parsed->garbled.size();
  const std::lock_guard lock(mutex_);
  for (const State& s : states_) {
    if (s.cosigned.line.empty() || s.cosigned.checkpoint_body != parsed->body) continue;
    if (++lines > ledger::NoteLimits::kMaxSignatureLines) break;  // readers refuse longer notes
    out += s.cosigned.line;
  }
  return out;
}

std::vector<WitnessCosigned> WitnessPusher::Cosignatures() const {
  const std::lock_guard lock(mutex_);
  std::vector<WitnessCosigned> out;
  for (const State& s : states_) out.push_back(s.cosigned);
  return out;
}

}  // namespace shanliu::api
