// The offline DKG ceremony for a chain's origin key (docs/operator.md "The origin key ceremony"):
// the genesis validators run the FROST DKG (crypto/frost.h) over files, so no one ever holds the
// group secret. Every file a validator hands on is bound to it and to this key generation:
//
//   part 1  writes round1-v<i>.json (public: commitment and proof of knowledge, signed with the
//           validator's Ed25519 key) and round1-v<i>.secret (0600, kept).
//   part 2  reads every round1-v*.json, checks each signature against the genesis key and each
//           proof, writes round2-v<i>-to-v<j>.json for every other j (the share sealed with
//           crypto_box_seal to the X25519 form of validator j's key) and round2-v<i>.secret.
//   part 3  reads the round2-v*-to-v<i>.json files sent to it, opens and checks each share, and
//           writes origin.share (0600) and origin_key.json (the genesis "origin_key" block).
//
// Parts 2 and 3 return the SHA-256 of all round-1 packages in validator order: every participant
// compares it out of band, since a sender showing two participants different packages splits
// the key. Context = "shanliu/frost-dkg/v1\n<chain id>\n<epoch>". Any bad input (malformed,
// another chain's, wrong recipient, altered, a share that fails its commitment) is a typed frost_*
// error and nothing is written.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "shanliu/crypto/keys.h"
#include "shanliu/ledger/genesis.h"
#include "shanliu/ledger/origin_keys.h"
#include "shanliu/status.h"

namespace shanliu::node {

struct CeremonyParty {
  const ledger::Genesis& genesis;  // its validators take part: validator i is identifier i + 1
  std::uint64_t epoch = 0;         // 0 for the genesis set
  const crypto::KeyPair& key;      // this validator's Ed25519 key
  std::filesystem::path dir;       // where every ceremony file of this validator is read and written
};

Status DkgCeremonyPart1(const CeremonyParty& party);
// The hex SHA-256 of the sorted round-1 packages.
Result<std::string> DkgCeremonyPart2(const CeremonyParty& party);
Result<std::string> DkgCeremonyPart3(const CeremonyParty& party);

// ---- Resharing: the origin key handed to a new validator set (docs/operator.md "Handing the
// origin key to a new set") ----
//
//   part 1  (an old participant, its key in `current`) reads its share file, deals it afresh to
//           the next set (crypto::frost::ReshareDeal) and writes reshare1-k<dealer16>.json (public:
//           the dealing, signed with its Ed25519 key) and reshare2-k<dealer16>-to-k<recipient16>.json
//           for every member of `next` (the share sealed to the recipient's key).
//   part 2  (a member of `next`) checks the dealings of the old participants, opens the shares
//           sealed to it, combines them (ReshareCombine) and writes origin-<verifying16>.share
//           (0600) and origin_handover.json (ledger::OriginKeySetToJson of the new set). It
//           returns the SHA-256 of the dealings it used: every new participant compares it out of
//           band (a dealer showing two participants different dealings, or two participants using
//           different dealers, gives shares that do not fit together).
//
// <key16> is the first 16 hex digits of an Ed25519 key. Context bound into every signed file and
// sealed box: "shanliu/frost-reshare/v1\n<chain id>\n<hex SHA-256 of current's JSON dump>\n<hex
// SHA-256 of the concatenated next keys>". Bad input is a typed frost_* (or invalid_argument,
// no_origin_key) error and nothing is written.
struct ReshareParty {
  const ledger::Genesis& genesis;       // the chain id, and its origin_key that `current` must carry
  const crypto::KeyPair& key;           // this validator's Ed25519 key
  std::filesystem::path dir;            // where every ceremony file of this validator is read and written
  const ledger::OriginKeySet& current;  // the set holding shares now: participants[i] is identifier i + 1
  std::vector<crypto::PublicKey> next;  // the next set's consensus keys in its order: next[j] gets identifier j + 1
};

// `current` from a hand-over file (ledger::OriginKeySetFromJson), or, for an empty path, the
// genesis origin key (no_origin_key without one).
Result<ledger::OriginKeySet> ReadCurrentOriginKeys(const ledger::Genesis& genesis, const std::filesystem::path& path);
// `next` from {"validators": ["hex", ...]}: 2 to 100 distinct valid keys (frost_bad_threshold for
// the count, frost_malformed otherwise).
Result<std::vector<crypto::PublicKey>> ReadNextSet(const std::filesystem::path& path);

// `share_file` holds this validator's share of `current` (crypto::frost::ReadShareFile).
Status ReshareCeremonyPart1(const ReshareParty& party, const std::filesystem::path& share_file);
// The dealers are every reshare1-k*.json in the folder, or those of `dealers` when given (keys
// of `current` participants; at least current's min_signers of them). Returns the hex SHA-256 of
// the dealings used.
Result<std::string> ReshareCeremonyPart2(const ReshareParty& party,
                                         const std::optional<std::vector<crypto::PublicKey>>& dealers = std::nullopt);

}  // namespace shanliu::node
