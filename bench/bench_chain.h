// A synthetic chain for benchmarks that replay or build blocks: one validator, a bureau, a
// bank and N charities in genesis, and a city-like tx mix (70 % donations, some bank-attested,
// 20 % allocations between charities, 10 % spending) from a seed. Header-only: each bench/*.cc
// is its own program.
#pragma once

#include <random>
#include <string>
#include <vector>

#include "shanliu/crypto/hash.h"
#include "shanliu/crypto/keys.h"
#include "shanliu/ledger/genesis.h"
#include "shanliu/ledger/registry_codes.h"
#include "shanliu/ledger/tx.h"

namespace shanliu::bench {

inline crypto::KeyPair Key(const std::string& name) { return crypto::KeyPairFromSeed(crypto::Sha256(AsBytes(name))); }

struct BenchChain {
  ledger::Genesis genesis;
  crypto::KeyPair validator = Key("validator");
  crypto::KeyPair bureau = Key("bureau");
  crypto::KeyPair bank = Key("bank");
  std::vector<crypto::KeyPair> charities;

  BenchChain(const std::string& chain_id, std::size_t charity_count) {
    genesis.chain_id = chain_id;
    genesis.genesis_time_ms = 1'767'225'600'000;
    std::uint64_t serial = 0;  // distinct credit codes: the ledger refuses a code used twice
    auto org = [&serial](const std::string& id, pb::OrgKind kind, const crypto::KeyPair& k) {
      ledger::GenesisOrg o;
      o.org_id = id;
      o.kind = kind;
      o.name_zh = id;
      o.credit_code = ledger::MakeCreditCode("11", "330106", ++serial);
      o.public_keys = {k.public_key};
      return o;
    };
    genesis.organisations = {org("bureau", pb::ORG_KIND_BUREAU, bureau), org("bank-1", pb::ORG_KIND_BANK, bank)};
    for (std::size_t i = 0; i < charity_count; ++i) {
      charities.push_back(Key("charity-" + std::to_string(i)));
      genesis.organisations.push_back(org("charity-" + std::to_string(i), pb::ORG_KIND_CHARITY, charities.back()));
    }
    genesis.validators = {ledger::Validator{validator.public_key, 1, "bureau"}};
  }
};

inline std::vector<Bytes> MakeTxs(const BenchChain& chain, std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  const std::size_t charities = chain.charities.size();
  std::vector<Bytes> txs;
  txs.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t c = rng() % charities;
    const std::string account = "org:charity-" + std::to_string(c);
    pb::TxBody body;
    body.set_chain_id(chain.genesis.chain_id);
    body.set_expires_at_height(1'000);
    // Bench blocks are a second apart from genesis: its time + the window covers every run.
    body.set_expires_at_ms(chain.genesis.genesis_time_ms + chain.genesis.params.max_tx_expiry_ms);
    body.set_nonce(rng());
    const int kind = static_cast<int>(rng() % 10);
    const crypto::KeyPair* signer = &chain.charities[c];
    if (kind < 7) {
      auto* d = body.mutable_donation();
      d->set_to_account(account);
      d->set_amount_fen(100 + static_cast<std::int64_t>(rng() % 5000));
      const Hash256 ref = crypto::Sha256(AsBytes("donor-" + std::to_string(i)));
      d->set_donor_ref(std::string(ref.begin(), ref.end()));
      d->set_channel(pb::DONATION_CHANNEL_MOBILE_PAYMENT);
      if (kind < 3) {
        d->set_attesting_bank("bank-1");
        signer = &chain.bank;
      }
    } else if (kind < 9) {
      auto* t = body.mutable_transfer();
      t->set_from_account(account);
      t->set_to_account("org:charity-" + std::to_string((c + 1) % charities));
      t->set_amount_fen(50);
      t->set_purpose("allocation");
    } else {
      auto* s = body.mutable_spend();
      s->set_from_account(account);
      s->set_amount_fen(80);
      s->set_category(pb::SPEND_CATEGORY_MATERIAL);
      s->set_payee_kind(pb::PAYEE_KIND_VENDOR);
      s->set_payee_name("supplier");
    }
    const crypto::KeyPair* signers[] = {signer};
    txs.push_back(ledger::BuildTx(body, signers));
  }
  return txs;
}

}  // namespace shanliu::bench
