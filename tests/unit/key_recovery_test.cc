// Key recovery (docs/rules.md "Key recovery"): the bureau replaces an organisation's lost keys
// after a public window in which any current key of the organisation can veto. Every refusal
// names its rule and writes nothing.
#include <doctest/doctest.h>

#include "shanliu/crypto/hash.h"
#include "test_chain.h"

using namespace shanliu;
using shanliu::testing::ExpectRejected;
using shanliu::testing::TestChain;
using shanliu::testing::TestCreditCode;
using shanliu::testing::TestKey;

namespace {

constexpr std::uint64_t kDelayMs = 3'600'000;  // one hour: short enough for the tx time window

std::string KeyStr(const crypto::KeyPair& k) { return std::string(k.public_key.begin(), k.public_key.end()); }
std::string IdStr(const Hash256& id) { return std::string(id.begin(), id.end()); }

struct Recovery {
  TestChain chain{[](ledger::Genesis& g) { g.params.key_recovery_delay_ms = kDelayMs; }};
  crypto::KeyPair lost = TestKey("sunshine-lost");
  crypto::KeyPair kept = TestKey("sunshine-kept");
  crypto::KeyPair fresh = TestKey("sunshine-new");
  crypto::KeyPair spring = TestKey("spring");
  crypto::KeyPair stranger = TestKey("stranger");

  Recovery() {
    // "sunshine" holds two keys; "spring" one.
    REQUIRE(chain.Commit(chain.MakeTx(
                             [&](pb::TxBody& b) {
                               auto* p = b.mutable_register_org();
                               p->set_org_id("sunshine");
                               p->set_kind(pb::ORG_KIND_CHARITY);
                               p->set_name_zh("阳光慈善");
                               p->set_credit_code(TestCreditCode("53", "sunshine"));
                               p->add_public_keys(KeyStr(lost));
                               p->add_public_keys(KeyStr(kept));
                             },
                             {&chain.bureau}))
                .ok());
    REQUIRE(chain.RegisterOrg("spring", pb::ORG_KIND_CHARITY, spring).ok());
  }

  Bytes Request(const std::string& org, std::vector<std::string> old_keys, const std::string& new_key,
                const crypto::KeyPair& signer) {
    return chain.MakeTx(
        [&](pb::TxBody& b) {
          auto* p = b.mutable_request_key_recovery();
          p->set_org_id(org);
          for (const std::string& k : old_keys) p->add_old_public_keys(k);
          p->set_new_public_key(new_key);
          p->set_reason("负责人离职，私钥遗失");
        },
        {&signer});
  }
  Bytes Request(const crypto::KeyPair& signer) { return Request("sunshine", {KeyStr(lost)}, KeyStr(fresh), signer); }
  Bytes Veto(const std::string& org, const Hash256& request, const crypto::KeyPair& signer) {
    return chain.MakeTx(
        [&](pb::TxBody& b) {
          auto* p = b.mutable_veto_key_recovery();
          p->set_org_id(org);
          p->set_request_tx_id(IdStr(request));
          p->set_reason("密钥未遗失");
        },
        {&signer});
  }
  Bytes Complete(const std::string& org, const Hash256& request, const crypto::KeyPair& signer) {
    return chain.MakeTx(
        [&](pb::TxBody& b) {
          auto* p = b.mutable_complete_key_recovery();
          p->set_org_id(org);
          p->set_request_tx_id(IdStr(request));
        },
        {&signer});
  }
  Bytes Rotate(const crypto::KeyPair& old_key, const crypto::KeyPair& new_key) {
    return chain.MakeTx(
        [&](pb::TxBody& b) {
          auto* r = b.mutable_rotate_key();
          r->set_org_id("sunshine");
          r->set_old_public_key(KeyStr(old_key));
          r->set_new_public_key(KeyStr(new_key));
        },
        {&old_key});
  }
  // Commits a request by the bureau; returns its tx id.
  Hash256 Requested(const Bytes& request) {
    REQUIRE(chain.Commit(request).ok());
    return chain.Decode(request).id;
  }
  pb::OrgRecord Org(const std::string& id) { return *chain.ledger().Read()->Org(id); }
  std::vector<pb::KeyRecoveryRecord> History(const std::string& id) {
    return chain.ledger().Read()->KeyRecoveries(id, 10);
  }
  std::uint64_t Head() { return chain.ledger().head().time_ms(); }
};

Status DecodeStatus(const Bytes& envelope) { return ledger::DecodeTx(envelope, "test-chain").status(); }

}  // namespace

TEST_CASE("key recovery completes after the window: the old key acts until then and never after") {
  Recovery r;
  TestChain& c = r.chain;
  const Hash256 request = r.Requested(r.Request(c.bureau));
  const pb::OrgRecord pending = r.Org("sunshine");
  REQUIRE(pending.has_pending_recovery());
  CHECK(pending.pending_recovery().request_tx_id() == IdStr(request));
  const std::uint64_t deadline = pending.pending_recovery().deadline_ms();
  CHECK(deadline == r.Head() + kDelayMs);
  // Not proven lost: the old key still signs during the window.
  CHECK(c.Commit(c.DonationTx("org:sunshine", 100, r.lost)).ok());
  ExpectRejected(c, r.Complete("sunshine", request, c.bureau), "recovery_window_open");
  // The last millisecond of the window still belongs to the veto.
  c.signing_time_ms = deadline - 1;
  REQUIRE(c.CommitBlock({r.Complete("sunshine", request, c.bureau)}, deadline - 1).front().code() ==
          "recovery_window_open");
  c.signing_time_ms = 0;
  const Bytes done = r.Complete("sunshine", request, c.bureau);
  REQUIRE(c.CommitBlock({done}, deadline).front().ok());

  const pb::OrgRecord after = r.Org("sunshine");
  CHECK_FALSE(after.has_pending_recovery());
  REQUIRE(after.public_keys_size() == 2);
  CHECK(after.public_keys(0) == KeyStr(r.fresh));  // in the replaced key's place
  CHECK(after.public_keys(1) == KeyStr(r.kept));
  ExpectRejected(c, c.DonationTx("org:sunshine", 100, r.lost), "wrong_signer");
  CHECK(c.Commit(c.DonationTx("org:sunshine", 100, r.fresh)).ok());
  CHECK(c.Commit(c.DonationTx("org:sunshine", 100, r.kept)).ok());

  const auto history = r.History("sunshine");
  REQUIRE(history.size() == 1);
  CHECK(history[0].status() == pb::KEY_RECOVERY_STATUS_COMPLETED);
  CHECK(history[0].bureau_org() == "bureau");
  CHECK(history[0].closed_tx_id() == IdStr(c.Decode(done).id));
  CHECK(history[0].deadline_ms() == deadline);
  // Already completed: neither a second completion nor a late veto.
  ExpectRejected(c, r.Complete("sunshine", request, c.bureau), "recovery_completed");
  ExpectRejected(c, r.Veto("sunshine", request, r.fresh), "recovery_completed");
  // The replaced key is free again; the new one is taken.
  ExpectRejected(c, r.Request("spring", {KeyStr(r.spring)}, KeyStr(r.fresh), c.bureau), "key_in_use");
  CHECK(c.Commit(r.Request("spring", {KeyStr(r.spring)}, KeyStr(r.lost), c.bureau)).ok());
}

TEST_CASE("a veto by any current key of the organisation voids the recovery for good") {
  Recovery r;
  TestChain& c = r.chain;
  const Hash256 request = r.Requested(r.Request(c.bureau));
  ExpectRejected(c, r.Veto("sunshine", request, r.stranger), "wrong_signer");
  ExpectRejected(c, r.Veto("sunshine", request, r.spring), "wrong_signer");
  ExpectRejected(c, r.Veto("sunshine", request, c.bureau), "wrong_signer");
  ExpectRejected(c, r.Veto("sunshine", request, r.fresh), "wrong_signer");  // not a key of it yet
  // The key named as lost vetoes: using it proves it is not lost.
  const Bytes veto = r.Veto("sunshine", request, r.lost);
  REQUIRE(c.Commit(veto).ok());
  CHECK_FALSE(r.Org("sunshine").has_pending_recovery());
  const auto history = r.History("sunshine");
  REQUIRE(history.size() == 1);
  CHECK(history[0].status() == pb::KEY_RECOVERY_STATUS_VETOED);
  CHECK(history[0].vetoed_by_key() == KeyStr(r.lost));
  CHECK(history[0].veto_reason() == "密钥未遗失");
  CHECK(history[0].closed_tx_id() == IdStr(c.Decode(veto).id));

  // Past the window a vetoed recovery still never completes.
  const std::uint64_t late = history[0].deadline_ms() + 1;
  c.signing_time_ms = late;
  CHECK(c.CommitBlock({r.Complete("sunshine", request, c.bureau)}, late).front().code() == "recovery_vetoed");
  c.signing_time_ms = 0;  // no block was committed: later txs are signed at the head's time again
  ExpectRejected(c, r.Complete("sunshine", request, r.fresh), "recovery_vetoed");
  ExpectRejected(c, r.Veto("sunshine", request, r.kept), "recovery_vetoed");
  CHECK(r.Org("sunshine").public_keys(0) == KeyStr(r.lost));
  // The veto frees the new key and the organisation: a new request (for another key) may follow.
  CHECK(c.Commit(r.Request("sunshine", {KeyStr(r.kept)}, KeyStr(r.fresh), c.bureau)).ok());
  CHECK(r.History("sunshine").size() == 2);
}

TEST_CASE("after the window only completion remains, by the bureau or the new key") {
  Recovery r;
  TestChain& c = r.chain;
  const Hash256 request = r.Requested(r.Request(c.bureau));
  const std::uint64_t deadline = r.Org("sunshine").pending_recovery().deadline_ms();
  c.signing_time_ms = deadline;
  REQUIRE(c.CommitBlock({c.DonationTx("org:sunshine", 100, r.kept)}, deadline).front().ok());
  ExpectRejected(c, r.Veto("sunshine", request, r.lost), "recovery_window_closed");
  ExpectRejected(c, r.Complete("sunshine", request, r.stranger), "wrong_signer");
  ExpectRejected(c, r.Complete("sunshine", request, r.lost), "wrong_signer");
  ExpectRejected(c, r.Complete("spring", request, r.fresh), "unknown_recovery");  // another organisation's
  CHECK(c.Commit(r.Complete("sunshine", request, r.fresh)).ok());
  CHECK(r.Org("sunshine").public_keys(0) == KeyStr(r.fresh));
}

TEST_CASE("key recovery requests: every bad input is refused and writes nothing") {
  Recovery r;
  TestChain& c = r.chain;
  const std::string lost = KeyStr(r.lost), fresh = KeyStr(r.fresh);
  SUBCASE("signers and organisations") {
    ExpectRejected(c, r.Request(r.spring), "wrong_signer");
    ExpectRejected(c, r.Request(r.kept), "wrong_signer");  // the organisation cannot recover itself
    ExpectRejected(c, r.Request(c.federation), "wrong_signer");
    ExpectRejected(c, r.Request("nobody", {lost}, fresh, c.bureau), "unknown_org");
    // Who would recover the bureau's key? It rotates its own keys (docs/decisions.md).
    ExpectRejected(c, r.Request("bureau", {KeyStr(c.bureau)}, fresh, c.bureau), "wrong_kind");
  }
  SUBCASE("keys") {
    ExpectRejected(c, r.Request("sunshine", {KeyStr(r.spring)}, fresh, c.bureau), "unknown_key");
    ExpectRejected(c, r.Request("sunshine", {lost, KeyStr(r.stranger)}, fresh, c.bureau), "unknown_key");
    ExpectRejected(c, r.Request("sunshine", {lost}, KeyStr(r.kept), c.bureau), "key_in_use");  // already its own
    ExpectRejected(c, r.Request("sunshine", {lost}, KeyStr(r.spring), c.bureau), "key_in_use");
    ExpectRejected(c, r.Request("sunshine", {lost}, KeyStr(c.bureau), c.bureau), "key_in_use");
  }
  SUBCASE("one pending recovery per organisation, and its new key is held") {
    const Hash256 request = r.Requested(r.Request(c.bureau));
    ExpectRejected(c, r.Request("sunshine", {KeyStr(r.kept)}, KeyStr(r.stranger), c.bureau), "recovery_pending");
    ExpectRejected(c, r.Request("spring", {KeyStr(r.spring)}, fresh, c.bureau), "key_in_use");
    ExpectRejected(c, r.Rotate(r.kept, r.stranger), "recovery_pending");  // veto first
    ExpectRejected(c, r.Rotate(r.lost, r.stranger), "recovery_pending");
    ExpectRejected(c,
                   c.MakeTx(
                       [&](pb::TxBody& b) {
                         auto* p = b.mutable_rotate_key();
                         p->set_org_id("spring");
                         p->set_old_public_key(KeyStr(r.spring));
                         p->set_new_public_key(fresh);
                       },
                       {&r.spring}),
                   "key_in_use");
    ExpectRejected(c,
                   c.MakeTx(
                       [&](pb::TxBody& b) {
                         auto* p = b.mutable_register_org();
                         p->set_org_id("copycat");
                         p->set_kind(pb::ORG_KIND_CHARITY);
                         p->set_name_zh("冒名");
                         p->set_credit_code(TestCreditCode("53", "copycat"));
                         p->add_public_keys(fresh);
                       },
                       {&c.bureau}),
                   "key_in_use");
    ExpectRejected(c, r.Veto("sunshine", crypto::Sha256(AsBytes("no such tx")), r.lost), "unknown_recovery");
    const Bytes gift = c.DonationTx("org:sunshine", 100, r.kept);
    REQUIRE(c.Commit(gift).ok());
    ExpectRejected(c, r.Veto("sunshine", c.Decode(gift).id, r.lost), "unknown_recovery");  // not a recovery
    ExpectRejected(c, r.Veto("spring", request, r.spring), "unknown_recovery");
    ExpectRejected(c, r.Veto("nobody", request, r.lost), "unknown_org");
  }
}

TEST_CASE("a suspended organisation can be recovered, and several keys can be replaced by one") {
  Recovery r;
  TestChain& c = r.chain;
  REQUIRE(c.Commit(c.MakeTx(
                       [&](pb::TxBody& b) {
                         auto* p = b.mutable_update_org();
                         p->set_org_id("sunshine");
                         p->set_status(pb::ORG_STATUS_SUSPENDED);
                         p->set_reason("私钥遗失，暂停");
                       },
                       {&c.bureau}))
              .ok());
  const Hash256 request = r.Requested(r.Request("sunshine", {KeyStr(r.kept), KeyStr(r.lost)}, KeyStr(r.fresh), c.bureau));
  const std::uint64_t deadline = r.Org("sunshine").pending_recovery().deadline_ms();
  c.signing_time_ms = deadline + 5000;
  REQUIRE(c.CommitBlock({r.Complete("sunshine", request, c.bureau)}, deadline + 5000).front().ok());
  const pb::OrgRecord after = r.Org("sunshine");
  REQUIRE(after.public_keys_size() == 1);
  CHECK(after.public_keys(0) == KeyStr(r.fresh));
  CHECK(after.status() == pb::ORG_STATUS_SUSPENDED);  // recovery changes keys, never the status
  // Both replaced keys are free again.
  CHECK(c.RegisterOrg("reborn", pb::ORG_KIND_CHARITY, r.lost).ok());
  CHECK(c.RegisterOrg("reborn-2", pb::ORG_KIND_CHARITY, r.kept).ok());
}

TEST_CASE("malformed key recovery payloads are refused when decoded") {
  Recovery r;
  TestChain& c = r.chain;
  const std::string lost = KeyStr(r.lost), fresh = KeyStr(r.fresh);
  CHECK(DecodeStatus(r.Request("sunshine", {}, fresh, c.bureau)).code() == "malformed");
  CHECK(DecodeStatus(r.Request("sunshine", {lost, lost}, fresh, c.bureau)).code() == "malformed");
  CHECK(DecodeStatus(r.Request("sunshine", {lost.substr(1)}, fresh, c.bureau)).code() == "malformed");
  CHECK(DecodeStatus(r.Request("sunshine", {lost}, fresh.substr(1), c.bureau)).code() == "malformed");
  CHECK(DecodeStatus(r.Request("sunshine", {lost}, "", c.bureau)).code() == "malformed");
  CHECK(DecodeStatus(r.Request("sunshine", {lost}, lost, c.bureau)).code() == "malformed");
  CHECK(DecodeStatus(r.Request("sunshine", {lost, fresh, KeyStr(r.kept), KeyStr(r.spring), KeyStr(r.stranger)},
                               KeyStr(TestKey("x")), c.bureau))
            .code() == "malformed");
  // 32 bytes that are not a usable Ed25519 key: the identity point, a small-order point.
  std::string identity(32, '\0');
  identity[0] = 1;
  CHECK(DecodeStatus(r.Request("sunshine", {lost}, identity, c.bureau)).code() == "malformed");
  CHECK(DecodeStatus(r.Request("sunshine", {lost}, std::string(32, '\0'), c.bureau)).code() == "malformed");
  CHECK(DecodeStatus(r.Request("Sunshine!", {lost}, fresh, c.bureau)).code() == "malformed");
  CHECK(DecodeStatus(c.MakeTx(
                         [&](pb::TxBody& b) {
                           auto* p = b.mutable_request_key_recovery();
                           p->set_org_id("sunshine");
                           p->add_old_public_keys(lost);
                           p->set_new_public_key(fresh);
                         },
                         {&c.bureau}))
            .code() == "malformed");  // a reason is required: the window exists so the public can judge it
  CHECK(DecodeStatus(c.MakeTx(
                         [&](pb::TxBody& b) {
                           auto* p = b.mutable_request_key_recovery();
                           p->set_org_id("sunshine");
                           p->add_old_public_keys(lost);
                           p->set_new_public_key(fresh);
                           p->set_reason("联系电话 13812345678");
                         },
                         {&c.bureau}))
            .code() == "personal_data");
  const Hash256 any = crypto::Sha256(AsBytes("any"));
  CHECK(DecodeStatus(c.MakeTx(
                         [&](pb::TxBody& b) {
                           b.mutable_veto_key_recovery()->set_org_id("sunshine");
                           b.mutable_veto_key_recovery()->set_request_tx_id(IdStr(any).substr(4));
                         },
                         {&r.lost}))
            .code() == "malformed");
  CHECK(DecodeStatus(c.MakeTx([&](pb::TxBody& b) { b.mutable_complete_key_recovery()->set_org_id("sunshine"); },
                              {&c.bureau}))
            .code() == "malformed");
  CHECK(DecodeStatus(r.Complete("sunshine", any, c.bureau)).ok());
}

TEST_CASE("key_recovery_delay_ms is a genesis parameter from one minute to 366 days, default 7 days") {
  CHECK(ledger::GenesisParams{}.key_recovery_delay_ms == 7ull * 86'400'000);
  TestChain chain;
  ledger::Genesis g = chain.genesis();
  const std::string base = ledger::GenesisToJson(g);
  CHECK(base.find("key_recovery_delay_ms") == std::string::npos);  // default: not written
  g.params.key_recovery_delay_ms = 120'000;
  const std::string text = ledger::GenesisToJson(g);
  auto parsed = ledger::ParseGenesis(text);
  REQUIRE(parsed.ok());
  CHECK(parsed->params.key_recovery_delay_ms == 120'000);
  for (const char* bad : {"59999", "31622400001", "-1", "\"7d\""}) {
    std::string edited = text;
    const std::string field = "\"key_recovery_delay_ms\": 120000";
    const auto at = edited.find(field);
    REQUIRE(at != std::string::npos);
    edited.replace(at, field.size(), std::string("\"key_recovery_delay_ms\": ") + bad);
    CHECK_FALSE(ledger::ParseGenesis(edited).ok());
  }
}
