// A real one-validator chain in a temporary directory for tests: genesis with the bureau,
// the federation and a bank; helpers to sign txs of every kind and commit blocks through
// the same BuildBlock / Commit path the node uses.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <vector>

#include "shanliu/crypto/keys.h"
#include "shanliu/ledger/ledger.h"

namespace shanliu::testing {

// A fresh directory under the system temp dir, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

crypto::KeyPair TestKey(std::string_view name);  // deterministic: seed = SHA-256(name)
// A valid unified social credit code (GB 32100-2015), distinct per org id.
std::string TestCreditCode(std::string_view kind2, std::string_view org_id);

class TestChain {
 public:
  // Orgs in genesis: "bureau", "federation", "bank-1". The validator is run by the bureau.
  explicit TestChain(std::function<void(ledger::Genesis&)> adjust_genesis = {},
                     ledger::LedgerOptions options = {});

  ledger::Ledger& ledger() { return *ledger_; }
  const ledger::Genesis& genesis() const { return genesis_; }
  const std::filesystem::path& dir() const { return dir_.path(); }
  const crypto::KeyPair& validator() const { return validator_; }
  // Closes the ledger (its directory stays until the chain is destroyed), e.g. to reopen it.
  void Close() { ledger_.reset(); }

  // A signed envelope; `fill` sets the payload. Expiry is height + 100 and, in time, the signing
  // time + max_tx_expiry_ms, unless changed in `fill`.
  Bytes MakeTx(const std::function<void(pb::TxBody&)>& fill, std::vector<const crypto::KeyPair*> signers);
  ledger::DecodedTx Decode(const Bytes& envelope) const;

  // Builds, signs (1-of-1 commit certificate) and commits one block of `txs`. Returns the
  // status of each tx (ok, or why BuildBlock left it out). No block is committed if every tx
  // was left out. `time_ms` 0 means "previous block time + 1000".
  std::vector<Status> CommitBlock(const std::vector<Bytes>& txs, std::uint64_t time_ms = 0);
  // A commit certificate for block `height` signed by every validator of the set that signs it
  // (Ledger::ValidatorsAt) whose key the test holds: validator() and validator_keys.
  pb::CommitCertificate SignCommit(std::uint64_t height, const Hash256& block_hash) const;
  // One tx in its own block; returns its status.
  Status Commit(const Bytes& tx) { return CommitBlock({tx}).front(); }
  // Applies `tx` to a scratch overlay of the committed state without committing anything.
  // The returned flag says whether the overlay was left without a single write.
  std::pair<Status, bool> DryRun(const Bytes& tx);

  // Convenience: register an organisation (signed by the bureau) and commit it.
  // `account_banks`: the banks holding its accounts (the only ones that may co-sign its outflows).
  Status RegisterOrg(const std::string& id, pb::OrgKind kind, const crypto::KeyPair& key,
                     const std::vector<std::string>& account_banks = {});
  Status OpenProject(const std::string& id, const std::string& owner, const crypto::KeyPair& owner_key,
                     std::int64_t budget_fen = 100'000'00);
  // A donation tx (not committed) to `account`, signed by `signer`; bank-attested if `bank` is set.
  Bytes DonationTx(const std::string& account, std::int64_t amount_fen, const crypto::KeyPair& signer,
                   const std::string& bank = "", const crypto::KeyPair* points_holder = nullptr);
  Bytes SpendTx(const std::string& account, std::int64_t amount_fen, const crypto::KeyPair& signer,
                pb::SpendCategory category = pb::SPEND_CATEGORY_MATERIAL);
  Bytes TransferTx(const std::string& from, const std::string& to, std::int64_t amount_fen,
                   const crypto::KeyPair& signer);
  // A Correction (not committed) reversing the tx `corrected` (an envelope): carries its id and body.
  Bytes CorrectionTx(const Bytes& corrected, std::vector<const crypto::KeyPair*> signers,
                     const std::string& reason = "录入错误：金额填错");

  // When MakeTx signs (its expires_at_ms counts from here); 0 means the head block's time. Set it
  // before building txs for a block far in the future (CommitBlock with a time_ms).
  std::uint64_t signing_time_ms = 0;

  crypto::KeyPair bureau = TestKey("bureau");
  crypto::KeyPair federation = TestKey("federation");
  crypto::KeyPair bank = TestKey("bank-1");
  // Further validator keys the test holds (genesis validators it added, validators it adds by
  // ValidatorSetChange): CommitBlock signs with each one in the set of the block's height.
  std::vector<crypto::KeyPair> validator_keys;

 private:
  TempDir dir_;
  crypto::KeyPair validator_ = TestKey("validator-0");
  ledger::Genesis genesis_;
  std::unique_ptr<ledger::Ledger> ledger_;
  std::uint64_t nonce_ = 1;
};

// Rejected with `code` twice: on a scratch overlay that then holds no write, and as a block that
// does not move the head (height, hash, state root). Fails the running test otherwise.
void ExpectRejected(TestChain& chain, const Bytes& tx, const std::string& code);

}  // namespace shanliu::testing
