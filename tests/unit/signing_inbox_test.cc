// The node's co-signing inbox (api/src/signing_inbox.h) with an injected clock: bounded in
// count (flooded: completed ones evicted oldest first, else a typed error) and in lifetime (the
// tx's expiry), merging a re-posted request, and completing exactly once.
#include <doctest/doctest.h>

#include <string>

#include "../../api/src/signing_inbox.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/ledger/tx.h"

namespace shanliu::api::internal {
namespace {

constexpr std::uint64_t kExpiresMs = 1'800'000'000'000;

crypto::KeyPair Key(std::uint8_t n) {
  crypto::Seed seed{};
  seed.fill(n);
  return crypto::KeyPairFromSeed(seed);
}

const crypto::KeyPair kTrustee = Key(11), kBank = Key(12), kOther = Key(13);

// A trust disbursement request (trustee + custodian bank) made distinct by `nonce`.
ledger::SigningRequest Request(std::uint64_t nonce, std::uint64_t expires_ms = kExpiresMs) {
  pb::TxBody body;
  body.set_chain_id("inbox-test");
  body.set_expires_at_height(100);
  body.set_expires_at_ms(expires_ms);
  body.set_nonce(nonce);
  auto* p = body.mutable_trust_disbursement();
  p->set_trust_id("trust-a");
  p->set_to_account("org:charity-a");
  p->set_amount_fen(100);
  std::vector<ledger::SignerSlot> slots = {{"trustee", "trustee-a", {kTrustee.public_key}},
                                           {"custodian_bank", "bank-a", {kBank.public_key}}};
  ledger::SigningRequest request = ledger::NewSigningRequest(body, slots);
  REQUIRE(ledger::SignRequest(request, kTrustee).ok());
  return request;
}

crypto::Signature BankSignature(const ledger::SigningRequest& request) {
  return crypto::Sign(kBank.secret_key, ledger::kTxSignDomain, request.body_bytes);
}

struct Clock {
  std::uint64_t now_ms = kExpiresMs - 60'000;
  std::function<std::uint64_t()> Fn() {
    return [this] { return now_ms; };
  }
};

TEST_CASE("a request waits for the bank, completes once, and then shows as submitted") {
  Clock clock;
  SigningInbox inbox(10, clock.Fn());
  const ledger::SigningRequest request = Request(1);
  auto put = inbox.Put(request, 5);
  REQUIRE(put.ok());
  CHECK_FALSE(put->completed_now);

  CHECK(inbox.Waiting("bank-a", 20, 5).size() == 1);
  CHECK(inbox.Waiting(crypto::ToHex(kBank.public_key), 20, 5).size() == 1);
  CHECK(inbox.Waiting("trustee-a", 20, 5).empty());  // it has signed
  CHECK(inbox.Waiting("", 20, 5).size() == 1);

  const crypto::Signature other = crypto::Sign(kOther.secret_key, ledger::kTxSignDomain, request.body_bytes);
  CHECK(inbox.AddSignature(request.id, kOther.public_key, other, 5).status().code() == "signer_not_required");
  crypto::Signature forged = BankSignature(request);
  forged[0] ^= 1;
  CHECK(inbox.AddSignature(request.id, kBank.public_key, forged, 5).status().code() == "bad_signature");

  auto done = inbox.AddSignature(request.id, kBank.public_key, BankSignature(request), 5);
  REQUIRE(done.ok());
  CHECK(done->completed_now);
  CHECK(done->entry.request.Complete());
  CHECK(inbox.AddSignature(request.id, kBank.public_key, BankSignature(request), 5).status().code() ==
        "duplicate_signature");
  inbox.MarkSubmitted(request.id, Status::Ok());
  CHECK(inbox.Get(request.id, 5)->submitted);
  CHECK(inbox.Waiting("bank-a", 20, 5).empty());
}

TEST_CASE("the same request posted twice merges signatures and completes only once") {
  Clock clock;
  SigningInbox inbox(10, clock.Fn());
  ledger::SigningRequest request = Request(2);
  REQUIRE(inbox.Put(request, 5).ok());
  auto same = inbox.Put(request, 5);  // a retry: nothing new
  REQUIRE(same.ok());
  CHECK_FALSE(same->completed_now);
  REQUIRE(ledger::AddSignature(request, kBank.public_key, BankSignature(request)).ok());
  auto merged = inbox.Put(request, 5);
  REQUIRE(merged.ok());
  CHECK(merged->completed_now);
  auto again = inbox.Put(request, 5);
  REQUIRE(again.ok());
  CHECK_FALSE(again->completed_now);
  CHECK(inbox.size() == 1);
}

TEST_CASE("a flooded inbox is bounded: completed requests are evicted oldest first, else signing_inbox_full") {
  Clock clock;
  SigningInbox inbox(3, clock.Fn());
  for (std::uint64_t n = 10; n < 13; ++n) REQUIRE(inbox.Put(Request(n), 5).ok());
  CHECK(inbox.size() == 3);
  auto refused = inbox.Put(Request(13), 5);
  CHECK(refused.status().code() == "signing_inbox_full");
  CHECK(inbox.size() == 3);

  // Two complete: the one posted earlier makes room, the open one stays.
  const ledger::SigningRequest first = Request(10), second = Request(11);
  REQUIRE(inbox.AddSignature(second.id, kBank.public_key, BankSignature(second), 5).ok());
  inbox.MarkSubmitted(second.id, Status::Ok());
  REQUIRE(inbox.AddSignature(first.id, kBank.public_key, BankSignature(first), 5).ok());
  inbox.MarkSubmitted(first.id, Status::Ok());
  REQUIRE(inbox.Put(Request(13), 5).ok());
  CHECK(inbox.size() == 3);
  CHECK(inbox.Get(first.id, 5).status().code() == "not_found");  // posted first, evicted first
  CHECK(inbox.Get(second.id, 5).ok());
  CHECK(inbox.Get(Request(12).id, 5).ok());
}

TEST_CASE("lifetime is the tx's expiry: the last millisecond is kept, then the request is dropped") {
  Clock clock;
  SigningInbox inbox(2, clock.Fn());
  const ledger::SigningRequest soon = Request(20, kExpiresMs - 30'000);
  REQUIRE(inbox.Put(soon, 5).ok());
  REQUIRE(inbox.Put(Request(21), 5).ok());
  CHECK(inbox.Put(Request(22), 5).status().code() == "signing_inbox_full");

  clock.now_ms = kExpiresMs - 30'000;
  CHECK(inbox.Get(soon.id, 5).ok());
  clock.now_ms = kExpiresMs - 29'999;
  CHECK(inbox.Get(soon.id, 5).status().code() == "not_found");
  CHECK(inbox.AddSignature(soon.id, kBank.public_key, BankSignature(soon), 5).status().code() == "not_found");
  REQUIRE(inbox.Put(Request(22), 5).ok());  // the expired one made room
  CHECK(inbox.size() == 2);

  // Expired before posting, or by height.
  CHECK(inbox.Put(Request(23, clock.now_ms - 1), 5).status().code() == "expired");
  CHECK(inbox.Waiting("", 20, 100).empty());  // at height 100 both are past expires_at_height
  CHECK(inbox.size() == 0);
}

TEST_CASE("signer filters match an organisation id or a hex key, nothing else") {
  const ledger::SignerSlot slot{"custodian_bank", "bank-a", {kBank.public_key}};
  CHECK(SignerMatches(slot, "bank-a"));
  CHECK(SignerMatches(slot, crypto::ToHex(kBank.public_key)));
  CHECK_FALSE(SignerMatches(slot, "bank-b"));
  CHECK_FALSE(SignerMatches(slot, crypto::ToHex(kOther.public_key)));
  const ledger::SignerSlot holder{"holder", "", {kOther.public_key}};
  CHECK_FALSE(SignerMatches(holder, ""));
}

}  // namespace
}  // namespace shanliu::api::internal
