// FROST resharing (frost.h "Resharing"): the group key of a 3-of-4 set handed to a 4-of-5 set and
// back, with exactly t dealers and with all n; the new shares sign plain Ed25519 signatures under
// the ORIGINAL group key; hostile dealings and shares are typed errors naming the dealer; fewer
// than t dealers cannot make a package through the group key.
#include <doctest/doctest.h>
#include <sodium.h>

#include <map>
#include <string>
#include <vector>

#include "frost_sign.h"
#include "shanliu/crypto/frost.h"
#include "shanliu/error_codes.h"

namespace shanliu::crypto::frost {
namespace {

Identifier Id(std::uint16_t i) { return *Identifier::FromIndex(i); }

const auto Seeded = ::shanliu::testing::SeededRandom;

void CheckCode(const Status& status, std::string_view code, std::string_view names = "") {
  CAPTURE(status.ToString());
  CHECK(status.code() == code);
  if (!names.empty()) CHECK(status.message().find(names) != std::string::npos);
}

struct Group {
  std::map<Identifier, KeyPackage> keys;
  PublicKeyPackage public_keys;
};

Group Dealt(std::uint16_t n, std::uint16_t t, std::uint64_t seed) {
  auto dealer = TrustedDealerKeygen(n, t, Seeded(seed));
  REQUIRE(dealer.ok());
  Group out{{}, dealer->public_keys};
  for (const SecretShare& share : dealer->shares) out.keys.emplace(share.identifier, *VerifySecretShare(share));
  return out;
}

struct Dealings {
  std::map<Identifier, ReshareDealing> public_part;
  std::map<Identifier, std::map<Identifier, SecretScalar>> shares;  // dealer -> recipient -> share
};

Dealings Deal(const Group& old, const std::vector<std::uint16_t>& dealers, std::uint16_t n, std::uint16_t t,
              std::uint64_t seed) {
  Dealings out;
  for (std::uint16_t d : dealers) {
    auto dealt = ReshareDeal(old.keys.at(Id(d)), n, t, Seeded(seed + d));
    REQUIRE_MESSAGE(dealt.ok(), dealt.status().ToString());
    REQUIRE(dealt->first.commitment.size() == t);
    REQUIRE(dealt->second.size() == n);
    out.public_part.emplace(Id(d), dealt->first);
    out.shares.emplace(Id(d), dealt->second);
  }
  return out;
}

// What new participant `j` received from every dealer.
std::map<Identifier, SecretScalar> ReceivedBy(const Dealings& d, std::uint16_t j) {
  std::map<Identifier, SecretScalar> out;
  for (const auto& [dealer, shares] : d.shares) out.emplace(dealer, shares.at(Id(j)));
  return out;
}

Group Reshare(const Group& old, const std::vector<std::uint16_t>& dealers, std::uint16_t n, std::uint16_t t,
              std::uint64_t seed) {
  const Dealings d = Deal(old, dealers, n, t, seed);
  auto public_keys = ResharedPublicKeys(old.public_keys, d.public_part, n, t);
  REQUIRE_MESSAGE(public_keys.ok(), public_keys.status().ToString());
  CHECK(public_keys->verifying_key == old.public_keys.verifying_key);
  CHECK(public_keys->min_signers == t);
  CHECK(public_keys->verifying_shares.size() == n);
  CHECK(CheckPublicKeyPackage(*public_keys).ok());
  Group out{{}, *public_keys};
  for (std::uint16_t j = 1; j <= n; ++j) {
    auto combined = ReshareCombine(old.public_keys, d.public_part, Id(j), ReceivedBy(d, j), n, t);
    REQUIRE_MESSAGE(combined.ok(), combined.status().ToString());
    CHECK(combined->second.verifying_shares == public_keys->verifying_shares);
    CHECK(combined->first.verifying_share == public_keys->verifying_shares.at(Id(j)));
    CHECK(combined->first.min_signers == t);
    CHECK(KeyPackageFromShare(Id(j), combined->first.signing_share, *public_keys).ok());
    out.keys.emplace(Id(j), combined->first);
  }
  return out;
}

// Every window of t consecutive signers (wrapping) signs; the aggregate is plain Ed25519 under `key`.
void SignsUnder(const Group& g, const Element& key, std::uint64_t seed) {
  const std::string message = "a checkpoint body after the hand-over\n";
  const auto n = static_cast<std::uint16_t>(g.keys.size());
  for (std::uint16_t first = 1; first <= n; ++first) {
    std::vector<Identifier> signers;
    for (std::uint16_t k = 0; k < g.public_keys.min_signers; ++k) signers.push_back(Id((first - 1 + k) % n + 1));
    auto sig = ::shanliu::testing::FrostSign(g.keys, g.public_keys, signers, AsBytes(message), Seeded(seed + first));
    REQUIRE_MESSAGE(sig.ok(), sig.status().ToString());
    CHECK(crypto_sign_verify_detached(sig->data(), reinterpret_cast<const unsigned char*>(message.data()),
                                      message.size(), key.data()) == 0);
  }
}

}  // namespace

TEST_CASE("resharing 3-of-4 to 4-of-5 and back keeps the group key and the new shares sign under it") {
  const Group genesis = Dealt(4, 3, 1);
  const Element& key = genesis.public_keys.verifying_key;
  SUBCASE("exactly t dealers each time") {
    const Group five = Reshare(genesis, {1, 3, 4}, 5, 4, 100);
    SignsUnder(five, key, 200);
    const Group four = Reshare(five, {2, 3, 4, 5}, 4, 3, 300);
    SignsUnder(four, key, 400);
    // The old shares are not the new ones: a fresh polynomial.
    CHECK(four.public_keys.verifying_shares != genesis.public_keys.verifying_shares);
  }
  SUBCASE("all n dealers each time") {
    const Group five = Reshare(genesis, {1, 2, 3, 4}, 5, 4, 500);
    SignsUnder(five, key, 600);
    const Group four = Reshare(five, {1, 2, 3, 4, 5}, 4, 3, 700);
    SignsUnder(four, key, 800);
  }
  SUBCASE("two dealer sets give two different packages through the same key") {
    const Group a = Reshare(genesis, {1, 2, 3}, 5, 4, 900);
    const Group b = Reshare(genesis, {2, 3, 4}, 5, 4, 900);
    CHECK(a.public_keys.verifying_key == b.public_keys.verifying_key);
    CHECK(a.public_keys.verifying_shares != b.public_keys.verifying_shares);
  }
}

TEST_CASE("hostile dealings are typed errors naming the dealer") {
  const Group old = Dealt(4, 3, 2);
  Dealings d = Deal(old, {1, 2, 3}, 5, 4, 1000);
  REQUIRE(ResharedPublicKeys(old.public_keys, d.public_part, 5, 4).ok());
  SUBCASE("too few dealers") {
    d.public_part.erase(Id(3));
    CheckCode(ResharedPublicKeys(old.public_keys, d.public_part, 5, 4).status(), errc::kFrostTooFewSigners);
    d.shares.erase(Id(3));
    CheckCode(ReshareCombine(old.public_keys, d.public_part, Id(1), ReceivedBy(d, 1), 5, 4).status(),
              errc::kFrostTooFewSigners);
    CheckCode(ResharedPublicKeys(old.public_keys, {}, 5, 4).status(), errc::kFrostTooFewSigners);
  }
  SUBCASE("a dealer that is not an old participant") {
    d.public_part.emplace(Id(7), d.public_part.at(Id(3)));
    CheckCode(ResharedPublicKeys(old.public_keys, d.public_part, 5, 4).status(), errc::kFrostMalformed, "participant 7");
  }
  SUBCASE("a commitment of the wrong length") {
    d.public_part.at(Id(2)).commitment.pop_back();
    CheckCode(ResharedPublicKeys(old.public_keys, d.public_part, 5, 4).status(), errc::kFrostBadCommitment,
              "participant 2");
    d.public_part.at(Id(2)).commitment.clear();
    CheckCode(ResharedPublicKeys(old.public_keys, d.public_part, 5, 4).status(), errc::kFrostBadCommitment,
              "participant 2");
    d = Deal(old, {1, 2, 3}, 5, 4, 1000);
    d.public_part.at(Id(2)).commitment.push_back(d.public_part.at(Id(2)).commitment[1]);
    CheckCode(ResharedPublicKeys(old.public_keys, d.public_part, 5, 4).status(), errc::kFrostBadCommitment,
              "participant 2");
  }
  SUBCASE("a constant term other than the dealer's verifying share") {
    // Dealer 3 deals dealer 1's verifying share: the constant term is pinned, so it is refused.
    d.public_part.at(Id(3)).commitment[0] = old.public_keys.verifying_shares.at(Id(1));
    CheckCode(ResharedPublicKeys(old.public_keys, d.public_part, 5, 4).status(), errc::kFrostInvalidShare,
              "participant 3");
    d.public_part.at(Id(3)).commitment[0] = old.public_keys.verifying_key;
    CheckCode(ResharedPublicKeys(old.public_keys, d.public_part, 5, 4).status(), errc::kFrostInvalidShare,
              "participant 3");
  }
  SUBCASE("invalid points") {
    Element identity{};
    identity[0] = 1;
    d.public_part.at(Id(1)).commitment[2] = identity;
    CheckCode(ResharedPublicKeys(old.public_keys, d.public_part, 5, 4).status(), errc::kFrostMalformed, "participant 1");
    Element off_curve{};
    off_curve.fill(0xff);
    d.public_part.at(Id(1)).commitment[2] = off_curve;
    CheckCode(ResharedPublicKeys(old.public_keys, d.public_part, 5, 4).status(), errc::kFrostMalformed, "participant 1");
    // A point of small order (the encoding of -1's y is a point of order 2).
    Element order_two{};
    order_two[0] = 0xec;
    for (int i = 1; i < 31; ++i) order_two[i] = 0xff;
    order_two[31] = 0x7f;
    d.public_part.at(Id(1)).commitment[3] = order_two;
    CheckCode(ResharedPublicKeys(old.public_keys, d.public_part, 5, 4).status(), errc::kFrostMalformed, "participant 1");
  }
  SUBCASE("thresholds out of range") {
    CheckCode(ReshareDeal(old.keys.at(Id(1)), 3, 4).status(), errc::kFrostBadThreshold);  // t' > n'
    CheckCode(ReshareDeal(old.keys.at(Id(1)), 5, 1).status(), errc::kFrostBadThreshold);  // t' < 2
    CheckCode(ReshareDeal(old.keys.at(Id(1)), 1, 1).status(), errc::kFrostBadThreshold);
    CheckCode(ReshareDeal(old.keys.at(Id(1)), 101, 50).status(), errc::kFrostBadThreshold);
    CheckCode(ResharedPublicKeys(old.public_keys, d.public_part, 3, 4).status(), errc::kFrostBadThreshold);
    CheckCode(ResharedPublicKeys(old.public_keys, d.public_part, 5, 1).status(), errc::kFrostBadThreshold);
    CheckCode(ReshareCombine(old.public_keys, d.public_part, Id(1), ReceivedBy(d, 1), 3, 4).status(),
              errc::kFrostBadThreshold);
    // The dealings were made for 4-of-5: read as 3-of-5 their commitments have the wrong length.
    CheckCode(ResharedPublicKeys(old.public_keys, d.public_part, 5, 3).status(), errc::kFrostBadCommitment);
  }
  SUBCASE("an old package with a threshold below 2") {
    PublicKeyPackage lax = old.public_keys;
    lax.min_signers = 1;
    CheckCode(ResharedPublicKeys(lax, d.public_part, 5, 4).status(), errc::kFrostBadThreshold);
  }
  SUBCASE("a dealer whose key package does not hold its share") {
    KeyPackage wrong = old.keys.at(Id(1));
    wrong.verifying_share = old.public_keys.verifying_shares.at(Id(2));
    CheckCode(ReshareDeal(wrong, 5, 4).status(), errc::kFrostInvalidShare, "participant 1");
  }
}

TEST_CASE("a new participant refuses tampered, missing or extra shares") {
  const Group old = Dealt(4, 3, 3);
  Dealings d = Deal(old, {2, 3, 4}, 5, 4, 2000);
  auto received = ReceivedBy(d, 2);
  REQUIRE(ReshareCombine(old.public_keys, d.public_part, Id(2), received, 5, 4).ok());
  SUBCASE("a tampered share names its dealer") {
    ScalarBytes bumped = received.at(Id(3)).bytes();
    bumped[0] ^= 1;
    received.at(Id(3)) = SecretScalar(bumped);
    CheckCode(ReshareCombine(old.public_keys, d.public_part, Id(2), received, 5, 4).status(), errc::kFrostInvalidShare,
              "participant 3");
  }
  SUBCASE("a share meant for another participant") {
    received.at(Id(4)) = d.shares.at(Id(4)).at(Id(5));
    CheckCode(ReshareCombine(old.public_keys, d.public_part, Id(2), received, 5, 4).status(), errc::kFrostInvalidShare,
              "participant 4");
  }
  SUBCASE("a share that is not a canonical scalar") {
    ScalarBytes big{};
    big.fill(0xff);
    received.at(Id(2)) = SecretScalar(big);
    CheckCode(ReshareCombine(old.public_keys, d.public_part, Id(2), received, 5, 4).status(), errc::kFrostMalformed,
              "participant 2");
  }
  SUBCASE("a missing share") {
    received.erase(Id(4));
    CheckCode(ReshareCombine(old.public_keys, d.public_part, Id(2), received, 5, 4).status(), errc::kFrostTooFewSigners,
              "participant 4");
  }
  SUBCASE("a share from someone who made no dealing") {
    received.emplace(Id(1), received.at(Id(2)));
    CheckCode(ReshareCombine(old.public_keys, d.public_part, Id(2), received, 5, 4).status(), errc::kFrostMalformed,
              "participant 1");
  }
  SUBCASE("an identifier outside the new set") {
    CheckCode(ReshareCombine(old.public_keys, d.public_part, Id(6), received, 5, 4).status(), errc::kFrostMalformed,
              "participant 6");
  }
}

TEST_CASE("fewer than t dealers cannot make a package through the group key") {
  const Group old = Dealt(4, 3, 4);
  const Dealings d = Deal(old, {1, 2}, 5, 4, 3000);
  CheckCode(ResharedPublicKeys(old.public_keys, d.public_part, 5, 4).status(), errc::kFrostTooFewSigners);
  CheckCode(ReshareCombine(old.public_keys, d.public_part, Id(1), ReceivedBy(d, 1), 5, 4).status(),
            errc::kFrostTooFewSigners);
  // Lying about the old threshold does not help: two old shares interpolate to another point,
  // so the combination is not a polynomial through the group key and is refused.
  PublicKeyPackage lowered = old.public_keys;
  lowered.min_signers = 2;
  CheckCode(ResharedPublicKeys(lowered, d.public_part, 5, 4).status(), errc::kFrostInvalidShare);
  CheckCode(ReshareCombine(lowered, d.public_part, Id(1), ReceivedBy(d, 1), 5, 4).status(), errc::kFrostInvalidShare);
  // Nor does a forged third dealing: anyone can publish a commitment through dealer 3's
  // verifying share, and its package is even valid, but no one can make shares that match it.
  Dealings forged = d;
  ReshareDealing fake = d.public_part.at(Id(1));
  fake.commitment[0] = old.public_keys.verifying_shares.at(Id(3));
  forged.public_part.emplace(Id(3), fake);
  forged.shares.emplace(Id(3), d.shares.at(Id(1)));
  REQUIRE(ResharedPublicKeys(old.public_keys, forged.public_part, 5, 4).ok());
  for (std::uint16_t j = 1; j <= 5; ++j) {
    CheckCode(ReshareCombine(old.public_keys, forged.public_part, Id(j), ReceivedBy(forged, j), 5, 4).status(),
              errc::kFrostInvalidShare, "participant 3");
  }
}

}  // namespace shanliu::crypto::frost
