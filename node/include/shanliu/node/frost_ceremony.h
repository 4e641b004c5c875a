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
#include <string>

#include "shanliu/crypto/keys.h"
#include "shanliu/ledger/genesis.h"
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

}  // namespace shanliu::node
