#include "signing_inbox.h"

#include <algorithm>
#include <cassert>
#include <chrono>

#include "shanliu/crypto/codec.h"

namespace shanliu::api::internal {

SigningInbox::SigningInbox(std::size_t max_requests, std::function<std::uint64_t()> now_ms)
    : max_requests_(max_requests), now_ms_(std::move(now_ms)) {
  assert(max_requests_ > 0);
  assert(now_ms_);
}

void SigningInbox::DropExpiredLocked(std::optional<std::uint64_t> head_height) {
  const std::uint64_t now = now_ms_();
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (!ledger::CheckNotExpired(it->second.request, now, head_height).ok()) {
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
}

Status SigningInbox::MakeRoomLocked() {
  if (entries_.size() < max_requests_) return Status::Ok();
  auto oldest = entries_.end();
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (!it->second.submitted) continue;
    if (oldest == entries_.end() || it->second.sequence < oldest->second.sequence) oldest = it;
  }
  if (oldest == entries_.end()) {
    return Status::Error("signing_inbox_full", "the co-signing inbox holds " + std::to_string(max_requests_) +
                                                   " requests still collecting signatures; retry when some complete "
                                                   "or expire");
  }
  entries_.erase(oldest);
  return Status::Ok();
}

Result<SigningInbox::Entry*> SigningInbox::FindLocked(const Hash256& id, std::optional<std::uint64_t> head_height) {
  DropExpiredLocked(head_height);
  auto it = entries_.find(id);
  if (it == entries_.end()) {
    return Status::Error("not_found", "no signing request " + crypto::ToHex(id) +
                                          " is in the inbox (never posted, or expired)");
  }
  return &it->second;
}

Result<SigningInbox::Outcome> SigningInbox::Put(ledger::SigningRequest request,
                                                std::optional<std::uint64_t> head_height) {
  SHANLIU_RETURN_IF_ERROR(ledger::CheckNotExpired(request, now_ms_(), head_height));
  std::lock_guard lock(mutex_);
  DropExpiredLocked(head_height);
  auto it = entries_.find(request.id);
  if (it == entries_.end()) {
    SHANLIU_RETURN_IF_ERROR(MakeRoomLocked());
    const bool complete = request.Complete();
    const Hash256 id = request.id;
    Entry& entry = entries_[id];
    entry.request = std::move(request);
    entry.sequence = next_sequence_++;
    return Outcome{entry, complete};
  }
  // The same tx posted again (a retry, or a second institution posting its copy): its new
  // signatures join the held ones; signatures already held are not an error.
  Entry& held = it->second;
  const bool was_complete = held.request.Complete();
  for (const ledger::SignatureEntry& s : request.signatures) {
    Status added = ledger::AddSignature(held.request, s.public_key, s.signature);
    if (!added.ok() && added.code() != "duplicate_signature" && added.code() != "signer_not_required") return added;
  }
  return Outcome{held, !was_complete && held.request.Complete()};
}

Result<SigningInbox::Outcome> SigningInbox::AddSignature(const Hash256& id, const crypto::PublicKey& key,
                                                         const crypto::Signature& signature,
                                                         std::optional<std::uint64_t> head_height) {
  std::lock_guard lock(mutex_);
  auto entry = FindLocked(id, head_height);
  if (!entry.ok()) return entry.status();
  SHANLIU_RETURN_IF_ERROR(ledger::AddSignature((*entry)->request, key, signature));
  return Outcome{**entry, (*entry)->request.Complete()};
}

Result<SigningInbox::Entry> SigningInbox::Get(const Hash256& id, std::optional<std::uint64_t> head_height) {
  std::lock_guard lock(mutex_);
  auto entry = FindLocked(id, head_height);
  if (!entry.ok()) return entry.status();
  return **entry;
}

std::vector<SigningInbox::Entry> SigningInbox::Waiting(const std::string& signer, std::size_t limit,
                                                       std::optional<std::uint64_t> head_height) {
  std::lock_guard lock(mutex_);
  DropExpiredLocked(head_height);
  std::vector<const Entry*> matches;
  for (const auto& [id, entry] : entries_) {
    if (entry.submitted) continue;
    for (const ledger::SignerSlot* slot : entry.request.Missing()) {
      if (signer.empty() || SignerMatches(*slot, signer)) {
        matches.push_back(&entry);
        break;
      }
    }
  }
  std::sort(matches.begin(), matches.end(), [](const Entry* a, const Entry* b) { return a->sequence < b->sequence; });
  std::vector<Entry> out;
  for (std::size_t i = 0; i < matches.size() && i < limit; ++i) out.push_back(*matches[i]);
  return out;
}

void SigningInbox::MarkSubmitted(const Hash256& id, Status status) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return;  // expired between completion and submission
  it->second.submitted = true;
  it->second.submit_status = std::move(status);
}

std::size_t SigningInbox::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

std::uint64_t SystemNowMs() {
  using namespace std::chrono;
  return static_cast<std::uint64_t>(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

bool SignerMatches(const ledger::SignerSlot& slot, const std::string& signer) {
  if (!slot.org_id.empty() && slot.org_id == signer) return true;
  for (const crypto::PublicKey& key : slot.public_keys) {
    if (crypto::ToHex(key) == signer) return true;
  }
  return false;
}

}  // namespace shanliu::api::internal
