#include "idempotent.h"

#include <cassert>
#include <chrono>
#include <regex>
#include <optional>
#include <thread>
#include <variant>

#include "format.h"
#include "shanliu/crypto/codec.h"
#include "tx_sign.h"

namespace shanliu::cli {
namespace {

using import::JournalEntry;
using nlohmann::json;

constexpr unsigned kPollIntervalMs = 200;

struct Work {
  std::size_t index = 0;
  JournalEntry entry;
  bool fresh = false;     // signed by this run (not taken from the journal)
  bool replaces = false;  // and it replaces a journalled envelope that expired unused
};

Result<JournalEntry> MakeEnvelope(const IdempotentRequest& request, const std::string& fields_hex,
                                  const ChainHead& head, const std::vector<const crypto::KeyPair*>& signers,
                                  const IdempotentOptions& options) {
  pb::TxBody body = request.body;
  body.set_chain_id(head.chain_id);
  body.set_nonce(import::DeterministicNonce(request.key, fields_hex));
  const std::uint64_t now_ms = NowMs();
  body.set_created_at_ms(now_ms);
  body.set_expires_at_height(head.height + options.expires_in_blocks);
  body.set_expires_at_ms(now_ms + options.expires_in_ms);
  auto tx = SignTx(body, signers);
  if (!tx.ok()) return tx.status();
  JournalEntry e;
  e.key = request.key;
  e.fields_hex = fields_hex;
  e.tx_id = tx->id;
  e.envelope = std::move(tx->envelope);
  e.expires_at_height = body.expires_at_height();
  e.expires_at_ms = body.expires_at_ms();
  return e;
}

// The tx that first recorded a bank reference, from the rule's message (docs/rules.md).
std::optional<Hash256> FirstRecordedBy(const Status& error) {
  if (error.code() != "duplicate_bank_ref") return std::nullopt;
  static const std::regex by_tx("by tx ([0-9a-f]{64})");
  std::smatch m;
  const std::string message = error.message();
  if (!std::regex_search(message, m, by_tx)) return std::nullopt;
  auto id = crypto::Hash256FromHex(m[1].str());
  if (!id.ok()) return std::nullopt;
  return *id;
}

// POST /v1/txs for at most one API batch; one result per envelope, keeping "committed" apart
// from "pending" (NodeClient::Submit folds them together).
Result<std::vector<IdempotentResult>> Post(const NodeClient& node, const std::vector<const Bytes*>& envelopes) {
  assert(!envelopes.empty() && envelopes.size() <= kMaxSubmitBatch);
  json txs = json::array();
  for (const Bytes* e : envelopes) txs.push_back(crypto::ToBase64(*e));
  auto response = node.PostJson("/v1/txs", json{{"txs", std::move(txs)}});
  if (!response.ok()) return response.status();
  const json& r = *response;
  if (!r.is_object() || !r.contains("results") || !r["results"].is_array() || r["results"].size() != envelopes.size()) {
    return Status::Error("bad_response", "POST /v1/txs must return one result per transaction");
  }
  std::vector<IdempotentResult> out;
  for (const json& item : r["results"]) {
    IdempotentResult res;
    const std::string status = item.is_object() ? item.value("status", std::string()) : std::string();
    if (status == "committed") {
      res.outcome = Outcome::kCommitted;
      if (item.contains("height") && item["height"].is_number_unsigned()) res.height = item["height"].get<std::uint64_t>();
    } else if (status == "pending") {
      res.outcome = Outcome::kPending;
    } else {
      const json error = item.is_object() ? item.value("error", json()) : json();
      res.outcome = Outcome::kRejected;
      res.error = error.is_object() && error.contains("code") && error["code"].is_string()
                      ? Status::Error(error["code"].get<std::string>(), error.value("message", std::string()))
                      : Status::Error("rejected", "rejected without a typed error");
      if (auto first = FirstRecordedBy(res.error)) {
        res.outcome = Outcome::kAlreadyBooked;
        res.tx_id = *first;
      }
    }
    out.push_back(std::move(res));
  }
  return out;
}

// A journalled envelope the node calls expired: it is replaced only if the committed head is
// past its expiry and the tx is not committed (asked in that order, so a commit in between is
// seen: a block that commits it after `head` would have to be at a later height and time). Returns the fresh entry to submit, or the final result when there is nothing to send.
using Next = std::variant<JournalEntry, IdempotentResult>;
Result<Next> Reconsider(const NodeClient& node, const Work& work,
                                                                const IdempotentRequest& request,
                                                                const std::vector<const crypto::KeyPair*>& signers,
                                                                const IdempotentOptions& options,
                                                                std::optional<ChainHead>& head) {
  if (!head) {  // one head per batch: fetched before any of the batch's status queries
    auto fetched = node.Head();
    if (!fetched.ok()) return fetched.status();
    head = *fetched;
  }
  auto status = node.Status(work.entry.tx_id);
  if (!status.ok()) return status.status();
  IdempotentResult res;
  res.tx_id = work.entry.tx_id;
  res.reused = true;
  if (status->phase == TxPhase::kCommitted) {
    res.outcome = Outcome::kCommitted;
    res.committed_before = true;
    res.height = status->height;
    return Next(res);
  }
  if (import::CanStillCommit(work.entry, head->height, head->time_ms)) {
    res.outcome = Outcome::kPending;
    res.error = Status::Error("expired", "the node calls it expired but the chain has not passed its expiry yet: "
                                         "run again later (nothing new was signed)");
    return Next(res);
  }
  auto fresh = MakeEnvelope(request, work.entry.fields_hex, *head, signers, options);
  if (!fresh.ok()) return fresh.status();
  return Next(std::move(*fresh));
}

// Polls until the last pending tx settles, then resubmits what is still pending (answered
// committed, pending or rejected per envelope) until nothing is pending or time runs out.
Status WaitSettled(const NodeClient& node, const std::vector<Bytes>& envelopes, std::vector<IdempotentResult>& results,
                   unsigned timeout_ms) {
  const std::uint64_t deadline = NowMs() + timeout_ms;
  std::optional<std::size_t> last;
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (results[i].outcome == Outcome::kPending && !envelopes[i].empty()) last = i;
  }
  if (!last) return Status::Ok();
  auto waited = node.Wait({results[*last].tx_id}, timeout_ms);
  if (!waited.ok()) return waited.status();
  while (true) {
    std::vector<std::size_t> open;
    for (std::size_t i = 0; i < results.size(); ++i) {
      if (results[i].outcome == Outcome::kPending && !envelopes[i].empty()) open.push_back(i);
    }
    if (open.empty() || NowMs() >= deadline) return Status::Ok();
    for (std::size_t begin = 0; begin < open.size(); begin += kMaxSubmitBatch) {
      const std::size_t end = std::min(open.size(), begin + kMaxSubmitBatch);
      std::vector<const Bytes*> batch;
      for (std::size_t k = begin; k < end; ++k) batch.push_back(&envelopes[open[k]]);
      auto posted = Post(node, batch);
      if (!posted.ok()) return posted.status();
      for (std::size_t k = begin; k < end; ++k) {
        IdempotentResult& r = results[open[k]];
        const IdempotentResult& now = (*posted)[k - begin];
        r.outcome = now.outcome;
        r.height = now.height;
        r.error = now.error;
        if (now.outcome == Outcome::kAlreadyBooked) r.tx_id = now.tx_id;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(kPollIntervalMs));
  }
}

// Posts the batch's envelopes and records each answer. A journalled envelope the node calls
// expired is reconsidered; its replacement (journalled first) is posted in a second round.
Status SubmitWork(const NodeClient& node, import::Journal& journal, const std::vector<const crypto::KeyPair*>& signers,
                  const std::vector<IdempotentRequest>& requests, const IdempotentOptions& options,
                  const std::vector<Work>& work, std::vector<IdempotentResult>& results,
                  std::vector<Bytes>& envelopes) {
  if (work.empty()) return Status::Ok();
  std::vector<const Bytes*> batch;
  for (const Work& w : work) batch.push_back(&w.entry.envelope);
  auto posted = Post(node, batch);
  if (!posted.ok()) return posted.status();
  std::vector<Work> replaced;
  std::optional<ChainHead> head;
  for (std::size_t k = 0; k < work.size(); ++k) {
    const Work& w = work[k];
    IdempotentResult r = (*posted)[k];
    if (r.outcome != Outcome::kAlreadyBooked) r.tx_id = w.entry.tx_id;
    r.reused = !w.fresh;
    r.committed_before = r.reused && r.outcome == Outcome::kCommitted;
    r.replaced = w.replaces;
    if (r.outcome == Outcome::kRejected && r.error.code() == "expired" && !w.fresh) {
      auto next = Reconsider(node, w, requests[w.index], signers, options, head);
      if (!next.ok()) return next.status();
      if (auto* final_result = std::get_if<IdempotentResult>(&*next)) {
        results[w.index] = *final_result;
        if (final_result->outcome == Outcome::kPending) envelopes[w.index] = w.entry.envelope;
        continue;
      }
      replaced.push_back({w.index, std::get<JournalEntry>(*next), true, true});
      continue;
    }
    results[w.index] = r;
    envelopes[w.index] = w.entry.envelope;
  }
  if (replaced.empty()) return Status::Ok();
  std::vector<JournalEntry> entries;
  for (const Work& w : replaced) entries.push_back(w.entry);
  SHANLIU_RETURN_IF_ERROR(journal.Append(entries));
  return SubmitWork(node, journal, signers, requests, options, replaced, results, envelopes);
}

}  // namespace

const char* OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kCommitted: return "committed";
    case Outcome::kPending: return "pending";
    case Outcome::kAlreadyBooked: return "already_imported";
    case Outcome::kRejected: return "rejected";
    case Outcome::kConflict: return "conflict";
  }
  return "unknown";
}

Result<std::vector<IdempotentResult>> SubmitIdempotent(const NodeClient& node, import::Journal& journal,
                                                       const std::vector<const crypto::KeyPair*>& signers,
                                                       const std::vector<IdempotentRequest>& requests,
                                                       const IdempotentOptions& options) {
  assert(options.batch >= 1 && options.batch <= kMaxSubmitBatch);
  std::vector<crypto::PublicKey> keys;
  for (const crypto::KeyPair* k : signers) keys.push_back(k->public_key);
  auto head = node.Head();
  if (!head.ok()) return head.status();
  std::vector<IdempotentResult> results(requests.size());
  std::vector<Bytes> envelopes(requests.size());  // what was last submitted per request
  for (std::size_t begin = 0; begin < requests.size(); begin += options.batch) {
    const std::size_t end = std::min(requests.size(), begin + options.batch);
    std::vector<Work> work;
    std::vector<JournalEntry> fresh;
    for (std::size_t i = begin; i < end; ++i) {
      pb::TxBody what = requests[i].body;
      what.set_chain_id(head->chain_id);
      const std::string fields = import::FieldsDigest(what, keys);
      const JournalEntry* known = journal.Find(requests[i].key);
      switch (import::CheckJournalKey(known, fields)) {
        case import::KeyCheck::kConflict:
          results[i].outcome = Outcome::kConflict;
          results[i].tx_id = known->tx_id;
          results[i].error = Status::Error("idempotency_conflict", "key '" + requests[i].key +
                                                                      "' was used before with other fields (tx " +
                                                                      crypto::ToHex(known->tx_id) + ")");
          continue;
        case import::KeyCheck::kSameFields: work.push_back({i, *known, false}); continue;
        case import::KeyCheck::kNew: break;
      }
      auto made = MakeEnvelope(requests[i], fields, *head, signers, options);
      if (!made.ok()) {
        results[i].error = made.status();  // stateless rule broken: nothing signed is kept
        continue;
      }
      fresh.push_back(*made);
      work.push_back({i, std::move(*made), true});
    }
    if (!fresh.empty()) SHANLIU_RETURN_IF_ERROR(journal.Append(fresh));
    SHANLIU_RETURN_IF_ERROR(SubmitWork(node, journal, signers, requests, options, work, results, envelopes));
    if (options.progress) options.progress(end, requests.size());
  }
  if (options.wait) SHANLIU_RETURN_IF_ERROR(WaitSettled(node, envelopes, results, options.wait_timeout_ms));
  return results;
}

}  // namespace shanliu::cli
