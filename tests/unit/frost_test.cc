// FROST(Ed25519, SHA-512) (crypto/include/shanliu/crypto/frost.h): the RFC 9591 test vectors with
// every intermediate value, t-of-n signing from a dealer and from the DKG whose aggregate is a plain
// Ed25519 signature, and hostile input refused with typed codes naming the participant.
#include "shanliu/crypto/frost.h"

#include <doctest/doctest.h>
#include <sodium.h>

#include <algorithm>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "shanliu/bytes.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/error_codes.h"
#include "frost_sign.h"

namespace shanliu::crypto::frost {
namespace {

template <std::size_t N>
std::array<std::uint8_t, N> Hex(std::string_view text) {
  auto bytes = FromHex(text);
  REQUIRE(bytes.ok());
  REQUIRE(bytes->size() == N);
  std::array<std::uint8_t, N> out{};
  std::copy(bytes->begin(), bytes->end(), out.begin());
  return out;
}

Identifier Id(std::uint16_t i) { return *Identifier::FromIndex(i); }

const auto Seeded = ::shanliu::testing::SeededRandom;

// Hands out fixed 32-byte strings in order (the RFC's nonce randomness).
RandomFill Fixed(std::vector<std::array<std::uint8_t, 32>> values) {
  auto next = std::make_shared<std::size_t>(0);
  return [values = std::move(values), next](std::span<std::uint8_t> out) {
    REQUIRE(out.size() == 32);
    REQUIRE(*next < values.size());
    std::copy(values[*next].begin(), values[*next].end(), out.begin());
    ++*next;
  };
}

bool PlainEd25519Verify(const Element& key, ByteView message, const Signature& sig) {
  return crypto_sign_verify_detached(sig.data(), message.data(), message.size(), key.data()) == 0;
}

void CheckCode(const Status& status, std::string_view code, std::string_view names = "") {
  CAPTURE(status.ToString());
  CHECK(status.code() == code);
  if (!names.empty()) CHECK(status.message().find(names) != std::string::npos);
}

const auto SignWith = ::shanliu::testing::FrostSign;

std::map<Identifier, KeyPackage> VerifiedKeys(const DealerOutput& dealer) {
  std::map<Identifier, KeyPackage> keys;
  for (const SecretShare& share : dealer.shares) {
    auto key = VerifySecretShare(share);
    REQUIRE(key.ok());
    CHECK(key->verifying_key == dealer.public_keys.verifying_key);
    CHECK(key->verifying_share == dealer.public_keys.verifying_shares.at(share.identifier));
    keys.emplace(share.identifier, *key);
  }
  return keys;
}

std::vector<Identifier> RandomSubset(std::uint16_t n, std::uint16_t count, std::mt19937_64& rng) {
  std::vector<Identifier> all;
  for (std::uint16_t i = 1; i <= n; ++i) all.push_back(Id(i));
  std::shuffle(all.begin(), all.end(), rng);
  all.erase(all.begin() + count, all.end());
  return all;
}

// ---- RFC 9591 Appendix E.1, FROST(Ed25519, SHA-512). The values are the RFC's (the same values
// are in ZcashFoundation/frost frost-ed25519/tests/helpers/vectors.json). ----
struct Rfc9591Signer {
  std::uint16_t id;
  const char* hiding_randomness;
  const char* binding_randomness;
  const char* hiding_nonce;
  const char* binding_nonce;
  const char* hiding_commitment;
  const char* binding_commitment;
  const char* binding_factor_input;
  const char* binding_factor;
  const char* sig_share;
};

constexpr const char* kRfcSecret = "7b1c33d3f5291d85de664833beb1ad469f7fb6025a0ec78b3a790c6e13a98304";
constexpr const char* kRfcGroupKey = "15d21ccd7ee42959562fc8aa63224c8851fb3ec85a3faf66040d380fb9738673";
constexpr const char* kRfcCoefficient = "178199860edd8c62f5212ee91eff1295d0d670ab4ed4506866bae57e7030b204";
constexpr const char* kRfcShares[] = {"929dcc590407aae7d388761cddb0c0db6f5627aea8e217f4a033f2ec83d93509",
                                      "a91e66e012e4364ac9aaa405fcafd370402d9859f7b6685c07eed76bf409e80d",
                                      "d3cb090a075eb154e82fdb4b3cb507f110040905468bb9c46da8bdea643a9a02"};
constexpr const char* kRfcBindingPrefix =
    "15d21ccd7ee42959562fc8aa63224c8851fb3ec85a3faf66040d380fb9738673504df914fa965023fb75c25ded4bb260f417de6d32e5c4"
    "42c6ba313791cc9a4948d6273e8d3511f93348ea7a708a9b862bc73ba2a79cfdfe07729a193751cbc93df7739fd1223d8697dfc21b1679"
    "435bafda1f92815944f28d2faf21ded33ae94a16100090ae7d83555c9b2d961e3d5d1b62828e8cb58a88a73cda404f8f725a";
const Rfc9591Signer kRfcSigners[] = {
    {1, "06894e04ee4aceec8619d5f6a0a180e2f47194d2ac306cba586b555e7c48d765",
     "40d6f879ff22e22409f7d808fed81f37118e7d3e4af71c0f44c60207553bcbce",
     "ef6599dea4010581a72b3018c37c29a4341d7cab0773e8687ca74dcf14009701",
     "2baadfa0c69aa60d517ad4751de372a73f9d89cfc39026601f18458cdec12605",
     "9b116f12589591a7e23fe8048059ab10ab48e67739e7a2fb3890f61a7999478c",
     "c39b66b7dfccb122da24f13587f9a08c4347cae70046ca15169adf90ba65854d",
     "0100000000000000000000000000000000000000000000000000000000000000",
     "ff960a65374e216a0918729b153466016664fa980d409bc3f308daa7acb30d0d",
     "60997f0142e43e8005027fe5ab7447dac00d22c2d7ddd9571a02613ba7d81c08"},
    {3, "fa5d950626782aade9e33fa781376d4888c2d1de7c37518bc248eb818ed0cdde",
     "7459a4d14ded0e365b085271be8dc6600d5b88f3978a2174297ffa32001a5afc",
     "80f8d9a4b8f9366e1a0b618107c907cd3ee29fa9bb40b4691cc1bde696240005",
     "2610b664a5a187b4855e87d2ff485bebdf043dc2f161fcd4854cd01dc0276404",
     "e679a2a971748ccfaabead4dbe8ac1def61275c186c79d471e1e45091ad1e687",
     "b2a942478453fabb6bd3181c56ba657413447b4136e1daea2484d396d1a516b3",
     "0300000000000000000000000000000000000000000000000000000000000000",
     "279d48ec56f16d234c09ea62f3d02ab776ee38e03f66b20f939f1316e13df10f",
     "79390e78bc59699c7af831f8f5fb478ec871a85f561a8641b5670ac4443f720f"},
};
constexpr const char* kRfcSignature =
    "154fb694ee7fcb37bf2381d94488c2a84b03b3352ad085feca81ad26d45852b7ecfe971ce4da95c4a95db93ac376b053897fca212ef85f99"
    "cf696bffeb178f07";

TEST_CASE("RFC 9591 E.1 vectors: dealer shares, nonces, commitments, binding factors, shares and signature") {
  const Bytes message = ToBytes("test");
  const SecretScalar coefficient(Hex<32>(kRfcCoefficient));
  auto dealer = TrustedDealerKeygen(SecretScalar(Hex<32>(kRfcSecret)), std::span(&coefficient, 1), 3, 2);
  REQUIRE(dealer.ok());
  CHECK(ToHex(dealer->public_keys.verifying_key) == kRfcGroupKey);
  REQUIRE(dealer->shares.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) CHECK(ToHex(dealer->shares[i].value.bytes()) == kRfcShares[i]);
  const auto keys = VerifiedKeys(*dealer);
  auto derived = DeriveGroupInfo(3, dealer->shares[0].vss_commitment);
  REQUIRE(derived.ok());
  CHECK(derived->verifying_shares == dealer->public_keys.verifying_shares);
  CHECK(ToHex(derived->verifying_key) == kRfcGroupKey);

  SigningPackage package{{}, message};
  std::map<Identifier, SigningNonces> nonces;
  for (const Rfc9591Signer& s : kRfcSigners) {
    CAPTURE(s.id);
    const KeyPackage& key = keys.at(Id(s.id));
    CHECK(ToHex(suite::NonceGenerate(key.signing_share, Hex<32>(s.hiding_randomness)).bytes()) == s.hiding_nonce);
    SigningNonces n = Commit(key, Fixed({Hex<32>(s.hiding_randomness), Hex<32>(s.binding_randomness)}));
    CHECK(ToHex(n.hiding().bytes()) == s.hiding_nonce);
    CHECK(ToHex(n.binding().bytes()) == s.binding_nonce);
    CHECK(ToHex(n.commitments().hiding) == s.hiding_commitment);
    CHECK(ToHex(n.commitments().binding) == s.binding_commitment);
    package.commitments.push_back({Id(s.id), n.commitments()});
    nonces.emplace(Id(s.id), std::move(n));
  }
  auto sorted = suite::CheckCommitmentList(package.commitments, 2);
  REQUIRE(sorted.ok());
  const auto factors = suite::ComputeBindingFactors(dealer->public_keys.verifying_key, *sorted, message);
  REQUIRE(factors.size() == 2);
  for (std::size_t i = 0; i < 2; ++i) {
    CHECK(factors[i].identifier == Id(kRfcSigners[i].id));
    CHECK(ToHex(factors[i].input) == std::string(kRfcBindingPrefix) + kRfcSigners[i].binding_factor_input);
    CHECK(ToHex(factors[i].factor) == kRfcSigners[i].binding_factor);
  }
  const Signature expected = Hex<64>(kRfcSignature);
  auto group_commitment = suite::ComputeGroupCommitment(*sorted, factors);
  REQUIRE(group_commitment.ok());
  CHECK(std::equal(group_commitment->begin(), group_commitment->end(), expected.begin()));

  std::vector<SignatureShare> shares;
  for (const Rfc9591Signer& s : kRfcSigners) {
    auto share = Sign(package, nonces.at(Id(s.id)), keys.at(Id(s.id)));
    REQUIRE(share.ok());
    CHECK(ToHex(share->share) == s.sig_share);
    CHECK(VerifySignatureShare(package, *share, dealer->public_keys).ok());
    shares.push_back(*share);
  }
  auto sig = Aggregate(package, shares, dealer->public_keys);
  REQUIRE(sig.ok());
  CHECK(ToHex(*sig) == kRfcSignature);
  CHECK(PlainEd25519Verify(dealer->public_keys.verifying_key, message, *sig));
}

TEST_CASE("RFC 9591 building blocks: H2 is plain SHA-512 and Lagrange coefficients interpolate 1 at 0") {
  std::array<std::uint8_t, 64> digest{};
  crypto_hash_sha512(digest.data(), reinterpret_cast<const unsigned char*>("abc"), 3);
  std::array<std::uint8_t, 32> reduced{};
  crypto_core_ed25519_scalar_reduce(reduced.data(), digest.data());
  CHECK(suite::H2(AsBytes("abc")) == reduced);
  CHECK(suite::H1(AsBytes("abc")) != reduced);  // the other hashes carry the context string
  CHECK(suite::H4(AsBytes("abc")) != digest);

  const std::vector<Identifier> list{Id(1), Id(4), Id(7), Id(9)};
  std::array<std::uint8_t, 32> sum{};
  for (const Identifier& id : list) {
    auto lambda = suite::DeriveInterpolatingValue(list, id);
    REQUIRE(lambda.ok());
    crypto_core_ed25519_scalar_add(sum.data(), sum.data(), lambda->data());
  }
  std::array<std::uint8_t, 32> one{1};
  CHECK(sum == one);
  CheckCode(suite::DeriveInterpolatingValue(list, Id(2)).status(), errc::kFrostMalformed, "participant 2");
  const std::vector<Identifier> twice{Id(1), Id(4), Id(4)};
  CheckCode(suite::DeriveInterpolatingValue(twice, Id(1)).status(), errc::kFrostDuplicateIdentifier, "participant 4");
}

void RunDealerThreshold(std::uint16_t t, std::uint16_t n, std::uint64_t seed) {
  CAPTURE(t);
  CAPTURE(n);
  auto dealer = TrustedDealerKeygen(n, t, Seeded(seed));
  REQUIRE(dealer.ok());
  const auto keys = VerifiedKeys(*dealer);
  if (n <= 10) {  // derive_group_info from the commitment alone gives the dealer's public keys
    auto derived = DeriveGroupInfo(n, dealer->shares[0].vss_commitment);
    REQUIRE(derived.ok());
    CHECK(derived->verifying_key == dealer->public_keys.verifying_key);
    CHECK(derived->verifying_shares == dealer->public_keys.verifying_shares);
    CHECK(derived->min_signers == t);
  }
  std::mt19937_64 rng(seed);
  const Bytes message = ToBytes("shanliu checkpoint " + std::to_string(seed));
  // One more signer than needed works as well; skipped for large n, where a session costs seconds.
  std::vector<std::uint16_t> counts{t};
  if (n <= 10 && t < n) counts.push_back(static_cast<std::uint16_t>(t + 1));
  for (std::uint16_t count : counts) {
    const auto signers = RandomSubset(n, count, rng);
    auto sig = SignWith(keys, dealer->public_keys, signers, message, Seeded(seed + count));
    REQUIRE(sig.ok());
    CHECK(PlainEd25519Verify(dealer->public_keys.verifying_key, message, *sig));
    CHECK_FALSE(PlainEd25519Verify(dealer->public_keys.verifying_key, ToBytes("another message"), *sig));
  }
}

TEST_CASE("trusted dealer t-of-n: a random signer subset makes a plain Ed25519 signature") {
  RunDealerThreshold(2, 3, 1);
  RunDealerThreshold(3, 4, 2);
  RunDealerThreshold(5, 7, 3);
  RunDealerThreshold(67, 100, 4);
}

TEST_CASE("the system random source: two dealers differ, nonces never repeat, and the result signs") {
  auto a = TrustedDealerKeygen(3, 2);
  auto b = TrustedDealerKeygen(3, 2);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->public_keys.verifying_key != b->public_keys.verifying_key);
  const auto keys = VerifiedKeys(*a);
  const KeyPackage& key = keys.at(Id(2));
  CHECK(Commit(key).commitments().hiding != Commit(key).commitments().hiding);
  const Bytes message = ToBytes("system random");
  auto sig = SignWith(keys, a->public_keys, {Id(3), Id(2)}, message, SystemRandom());
  REQUIRE(sig.ok());
  CHECK(PlainEd25519Verify(a->public_keys.verifying_key, message, *sig));
}

struct DkgResult {
  std::map<Identifier, KeyPackage> keys;
  std::map<Identifier, PublicKeyPackage> public_keys;  // as each participant derived it
};

std::map<Identifier, DkgRound1Package> Without(const std::map<Identifier, DkgRound1Package>& all,
                                               const Identifier& id) {
  auto out = all;
  out.erase(id);
  return out;
}

// Runs the three parts for participants 1..n, every package delivered as sent.
Result<DkgResult> RunDkg(std::uint16_t t, const std::vector<Identifier>& ids, std::uint64_t seed) {
  const Bytes context = ToBytes("shanliu/test-chain/epoch-0");
  const auto n = static_cast<std::uint16_t>(ids.size());
  std::map<Identifier, DkgRound1Secret> secrets1;
  std::map<Identifier, DkgRound1Package> broadcast;
  for (std::uint16_t i = 0; i < n; ++i) {
    auto part1 = DkgPart1(ids[i], n, t, context, Seeded(seed * 1000 + i));
    if (!part1.ok()) return part1.status();
    secrets1.emplace(ids[i], std::move(part1->first));
    broadcast.emplace(ids[i], std::move(part1->second));
  }
  std::map<Identifier, DkgRound2Secret> secrets2;
  std::map<Identifier, std::map<Identifier, DkgRound2Package>> inbox;  // recipient -> sender -> share
  for (const auto& [id, secret] : secrets1) {
    auto part2 = DkgPart2(secret, Without(broadcast, id));
    if (!part2.ok()) return part2.status();
    secrets2.emplace(id, std::move(part2->first));
    for (auto& [recipient, package] : part2->second) inbox[recipient].emplace(id, std::move(package));
  }
  DkgResult out;
  for (const auto& [id, secret] : secrets2) {
    auto part3 = DkgPart3(secret, inbox[id]);
    if (!part3.ok()) return part3.status();
    out.keys.emplace(id, std::move(part3->first));
    out.public_keys.emplace(id, std::move(part3->second));
  }
  return out;
}

Result<DkgResult> RunDkg(std::uint16_t t, std::uint16_t n, std::uint64_t seed) {
  std::vector<Identifier> ids;
  for (std::uint16_t i = 1; i <= n; ++i) ids.push_back(Id(i));
  return RunDkg(t, ids, seed);
}

TEST_CASE("DKG end to end: every participant derives the same group key and the result signs") {
  for (auto [t, n] : {std::pair<std::uint16_t, std::uint16_t>{2, 3}, {3, 4}, {5, 7}}) {
    CAPTURE(t);
    CAPTURE(n);
    auto dkg = RunDkg(t, n, t * 10 + n);
    REQUIRE(dkg.ok());
    const PublicKeyPackage& reference = dkg->public_keys.begin()->second;
    CHECK(reference.verifying_shares.size() == std::size_t{n});
    for (const auto& [id, pub] : dkg->public_keys) {
      CHECK(pub.verifying_key == reference.verifying_key);
      CHECK(pub.verifying_shares == reference.verifying_shares);
      CHECK(dkg->keys.at(id).verifying_key == reference.verifying_key);
      CHECK(dkg->keys.at(id).verifying_share == reference.verifying_shares.at(id));
    }
    std::mt19937_64 rng(n);
    const auto signers = RandomSubset(n, t, rng);
    const Bytes message = ToBytes("signed by a key nobody holds");
    auto sig = SignWith(dkg->keys, reference, signers, message, Seeded(n));
    REQUIRE(sig.ok());
    CHECK(PlainEd25519Verify(reference.verifying_key, message, *sig));
  }
  // Two runs with other randomness give other keys (no hidden fixed secret).
  auto a = RunDkg(2, 3, 7);
  auto b = RunDkg(2, 3, 8);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->public_keys.begin()->second.verifying_key != b->public_keys.begin()->second.verifying_key);
}

TEST_CASE("DKG with identifiers that are not 1..n, one of them a full-width scalar") {
  auto wide = Identifier::Parse(suite::H3(AsBytes("a full-width identifier")));
  REQUIRE(wide.ok());
  CHECK(wide->ToString().size() == std::string("participant ").size() + 64);
  CHECK(Id(65535) < *wide);
  const std::vector<Identifier> ids{Id(300), *wide, Id(5), Id(65535)};
  auto dkg = RunDkg(3, ids, 33);
  REQUIRE(dkg.ok());
  const PublicKeyPackage& reference = dkg->public_keys.at(Id(5));
  for (const auto& [id, pub] : dkg->public_keys) CHECK(pub.verifying_shares == reference.verifying_shares);
  const Bytes message = ToBytes("any non-zero identifiers");
  for (const std::vector<Identifier>& signers :
       {std::vector<Identifier>{*wide, Id(5), Id(65535)}, std::vector<Identifier>{Id(300), Id(65535), Id(5), *wide}}) {
    auto sig = SignWith(dkg->keys, reference, signers, message, Seeded(signers.size()));
    REQUIRE(sig.ok());
    CHECK(PlainEd25519Verify(reference.verifying_key, message, *sig));
  }
}

// ---- Hostile input ----

// Encodings DeserializeElement refuses: the identity, small-order points, a non-canonical y, a
// point with a torsion component, bytes that decode to no point.
std::vector<Element> BadElements(const Element& valid) {
  Element identity{1};
  Element order_two = Hex<32>("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");      // (0, -1)
  Element order_four{};                                                                                 // y = 0
  Element non_canonical = Hex<32>("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");  // y = p
  Element mixed{};
  REQUIRE(crypto_core_ed25519_add(mixed.data(), valid.data(), order_two.data()) == 0);
  std::vector<Element> out{identity, order_two, order_four, non_canonical, mixed};
  // The first small y libsodium refuses (off the curve, or a point outside the prime-order subgroup).
  for (std::uint8_t y = 2; y < 100; ++y) {
    Element e{y};
    if (crypto_core_ed25519_is_valid_point(e.data()) == 0) {
      out.push_back(e);
      break;
    }
  }
  REQUIRE(out.size() == 6);
  for (const Element& e : out) REQUIRE(crypto_core_ed25519_is_valid_point(e.data()) == 0);
  return out;
}

// L, the order of the prime-order subgroup (RFC 8032), little-endian.
ScalarBytes GroupOrder() { return Hex<32>("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010"); }

ScalarBytes NonCanonical(const ScalarBytes& s) {  // s + L, the same residue in a second encoding
  const ScalarBytes order = GroupOrder();
  ScalarBytes out{};
  unsigned carry = 0;
  for (std::size_t i = 0; i < 32; ++i) {
    carry += static_cast<unsigned>(s[i]) + order[i];
    out[i] = static_cast<std::uint8_t>(carry);
    carry >>= 8;
  }
  REQUIRE(carry == 0);
  return out;
}

TEST_CASE("hostile identifiers and scalars: zero, non-canonical, duplicates, out-of-range thresholds") {
  CheckCode(Identifier::FromIndex(0).status(), errc::kFrostMalformed);
  CheckCode(Identifier::Parse(ScalarBytes{}).status(), errc::kFrostMalformed);
  CheckCode(Identifier::Parse(GroupOrder()).status(), errc::kFrostMalformed);
  CheckCode(Identifier::Parse(NonCanonical(Id(1).bytes())).status(), errc::kFrostMalformed);
  CHECK(Identifier::Parse(Id(3).bytes())->ToString() == "participant 3");
  CheckCode(SecretScalar::Parse(GroupOrder()).status(), errc::kFrostMalformed);
  CHECK(SecretScalar::Parse(Hex<32>(kRfcSecret)).ok());
  CHECK(Id(2) < Id(10));
  CHECK(Id(255) < Id(256));

  CheckCode(TrustedDealerKeygen(101, 67).status(), errc::kFrostBadThreshold, "67-of-101");
  CheckCode(TrustedDealerKeygen(3, 1).status(), errc::kFrostBadThreshold);
  CheckCode(TrustedDealerKeygen(2, 3).status(), errc::kFrostBadThreshold);
  CheckCode(DkgPart1(Id(1), 3, 4, {}).status(), errc::kFrostBadThreshold);
  CheckCode(TrustedDealerKeygen(SecretScalar(Hex<32>(kRfcSecret)), {}, 3, 2).status(), errc::kFrostMalformed);
  const SecretScalar bad_coefficient(GroupOrder());
  CheckCode(TrustedDealerKeygen(SecretScalar(Hex<32>(kRfcSecret)), std::span(&bad_coefficient, 1), 3, 2).status(),
            errc::kFrostMalformed);
}

TEST_CASE("dealer shares: a wrong share is named, a corrupted or malformed commitment refused") {
  auto dealer = TrustedDealerKeygen(4, 3, Seeded(40));
  REQUIRE(dealer.ok());
  SecretShare wrong = dealer->shares[1];
  wrong.value = dealer->shares[2].value;
  CheckCode(VerifySecretShare(wrong).status(), errc::kFrostInvalidShare, "participant 2");

  SecretShare corrupted = dealer->shares[0];
  corrupted.vss_commitment[1] = dealer->public_keys.verifying_shares.at(Id(4));  // a valid point, the wrong one
  CheckCode(VerifySecretShare(corrupted).status(), errc::kFrostInvalidShare, "participant 1");
  SecretShare short_commitment = dealer->shares[0];
  short_commitment.vss_commitment.pop_back();
  CHECK(VerifySecretShare(short_commitment).status().code() == errc::kFrostInvalidShare);  // a 2-point polynomial
  short_commitment.vss_commitment.pop_back();
  CheckCode(VerifySecretShare(short_commitment).status(), errc::kFrostBadCommitment);
  for (const Element& bad : BadElements(dealer->public_keys.verifying_key)) {
    SecretShare s = dealer->shares[0];
    s.vss_commitment[2] = bad;
    CheckCode(VerifySecretShare(s).status(), errc::kFrostMalformed);
    CheckCode(DeriveGroupInfo(4, s.vss_commitment).status(), errc::kFrostMalformed);
  }
  SecretShare non_canonical = dealer->shares[0];
  non_canonical.value = SecretScalar(NonCanonical(non_canonical.value.bytes()));
  CheckCode(VerifySecretShare(non_canonical).status(), errc::kFrostMalformed, "participant 1");
}

struct SigningSetup {
  DealerOutput dealer;
  std::map<Identifier, KeyPackage> keys;
  std::map<Identifier, SigningNonces> nonces;
  SigningPackage package;
};

// 3-of-5 with signers 1, 3 and 5 committed.
SigningSetup Setup() {
  auto dealer = TrustedDealerKeygen(5, 3, Seeded(50));
  REQUIRE(dealer.ok());
  SigningSetup s{*dealer, VerifiedKeys(*dealer), {}, {{}, ToBytes("checkpoint 42")}};
  for (std::uint16_t i : {1, 3, 5}) {
    SigningNonces n = Commit(s.keys.at(Id(i)), Seeded(500 + i));
    s.package.commitments.push_back({Id(i), n.commitments()});
    s.nonces.emplace(Id(i), std::move(n));
  }
  return s;
}

std::vector<SignatureShare> SignAll(SigningSetup& s) {
  std::vector<SignatureShare> shares;
  for (auto& [id, n] : s.nonces) {
    auto share = Sign(s.package, n, s.keys.at(id));
    REQUIRE(share.ok());
    shares.push_back(*share);
  }
  return shares;
}

TEST_CASE("signing refuses too few signers, duplicates, bad points and a list that misstates the signer") {
  SigningSetup s = Setup();
  SigningPackage two = s.package;
  two.commitments.pop_back();  // t - 1 signers
  CheckCode(Sign(two, s.nonces.at(Id(1)), s.keys.at(Id(1))).status(), errc::kFrostTooFewSigners);
  CHECK_FALSE(s.nonces.at(Id(1)).fresh());  // a refused request still burns the nonces
  CheckCode(Sign(s.package, s.nonces.at(Id(1)), s.keys.at(Id(1))).status(), errc::kFrostNonceUsed, "participant 1");
  CHECK(sodium_is_zero(s.nonces.at(Id(1)).hiding().bytes().data(), 32) == 1);  // wiped, not just flagged
  CHECK(sodium_is_zero(s.nonces.at(Id(1)).binding().bytes().data(), 32) == 1);
  CheckCode(Aggregate(two, {}, s.dealer.public_keys).status(), errc::kFrostTooFewSigners);
  CheckCode(VerifySignatureShare(two, SignatureShare{Id(3), {}}, s.dealer.public_keys), errc::kFrostTooFewSigners);

  SigningPackage duplicate = s.package;
  duplicate.commitments.push_back(duplicate.commitments[1]);
  CheckCode(Sign(duplicate, s.nonces.at(Id(3)), s.keys.at(Id(3))).status(), errc::kFrostDuplicateIdentifier,
            "participant 3");

  for (const Element& bad : BadElements(s.dealer.public_keys.verifying_key)) {
    SigningPackage p = s.package;
    p.commitments[2].commitments.binding = bad;
    SigningNonces n = Commit(s.keys.at(Id(5)), Seeded(77));
    p.commitments[2].commitments.hiding = n.commitments().hiding;
    CheckCode(Sign(p, n, s.keys.at(Id(5))).status(), errc::kFrostMalformed, "participant 5");
    CheckCode(VerifySignatureShare(p, SignatureShare{Id(1), {}}, s.dealer.public_keys), errc::kFrostMalformed);
  }

  SigningNonces mine = Commit(s.keys.at(Id(2)), Seeded(78));
  CheckCode(Sign(s.package, mine, s.keys.at(Id(2))).status(), errc::kFrostBadCommitment, "participant 2");
  SigningNonces other = Commit(s.keys.at(Id(5)), Seeded(79));  // the list carries 5's earlier commitment
  CheckCode(Sign(s.package, other, s.keys.at(Id(5))).status(), errc::kFrostBadCommitment, "participant 5");
}

TEST_CASE("aggregation names a bad share, and a message changed between rounds is caught") {
  SigningSetup s = Setup();
  std::vector<SignatureShare> shares = SignAll(s);
  auto sig = Aggregate(s.package, shares, s.dealer.public_keys);
  REQUIRE(sig.ok());
  CHECK(PlainEd25519Verify(s.dealer.public_keys.verifying_key, s.package.message, *sig));
  for (auto& [id, n] : s.nonces) CHECK_FALSE(n.fresh());  // each nonce pair signed once
  std::reverse(shares.begin(), shares.end());             // the coordinator may collect shares in any order
  CHECK(Aggregate(s.package, shares, s.dealer.public_keys).ok());
  std::reverse(shares.begin(), shares.end());

  std::vector<SignatureShare> corrupted = shares;
  crypto_core_ed25519_scalar_add(corrupted[1].share.data(), corrupted[1].share.data(), Id(1).bytes().data());
  CheckCode(Aggregate(s.package, corrupted, s.dealer.public_keys).status(), errc::kFrostInvalidShare, "participant 3");
  CheckCode(VerifySignatureShare(s.package, corrupted[1], s.dealer.public_keys), errc::kFrostInvalidShare,
            "participant 3");

  std::vector<SignatureShare> non_canonical = shares;
  non_canonical[2].share = NonCanonical(non_canonical[2].share);
  CheckCode(Aggregate(s.package, non_canonical, s.dealer.public_keys).status(), errc::kFrostMalformed, "participant 5");
  std::vector<SignatureShare> missing(shares.begin(), shares.end() - 1);
  CheckCode(Aggregate(s.package, missing, s.dealer.public_keys).status(), errc::kFrostTooFewSigners, "participant 5");
  std::vector<SignatureShare> twice = missing;
  twice.push_back(shares[0]);
  CheckCode(Aggregate(s.package, twice, s.dealer.public_keys).status(), errc::kFrostDuplicateIdentifier,
            "participant 1");
  std::vector<SignatureShare> stranger = shares;
  stranger[0].identifier = Id(2);
  CheckCode(Aggregate(s.package, stranger, s.dealer.public_keys).status(), errc::kFrostMalformed, "participant 2");

  // The coordinator shows participant 5 another message in round two.
  SigningSetup t = Setup();
  SigningPackage altered = t.package;
  altered.message = ToBytes("checkpoint 43");
  std::vector<SignatureShare> mixed;
  for (auto& [id, n] : t.nonces) {
    auto share = Sign(id == Id(5) ? altered : t.package, n, t.keys.at(id));
    REQUIRE(share.ok());
    mixed.push_back(*share);
  }
  CheckCode(Aggregate(t.package, mixed, t.dealer.public_keys).status(), errc::kFrostInvalidShare, "participant 5");
  CheckCode(Aggregate(altered, mixed, t.dealer.public_keys).status(), errc::kFrostInvalidShare, "participant 1");
}

struct DkgRound1 {
  std::map<Identifier, DkgRound1Secret> secrets;
  std::map<Identifier, DkgRound1Package> packages;
};

DkgRound1 Round1(std::uint16_t t, std::uint16_t n, ByteView context) {
  DkgRound1 out;
  for (std::uint16_t i = 1; i <= n; ++i) {
    auto part1 = DkgPart1(Id(i), n, t, context, Seeded(900 + i));
    REQUIRE(part1.ok());
    out.secrets.emplace(Id(i), std::move(part1->first));
    out.packages.emplace(Id(i), std::move(part1->second));
  }
  return out;
}

TEST_CASE("DKG refuses a corrupted proof of knowledge or commitment, a wrong share and a bad roster") {
  const Bytes context = ToBytes("epoch-1");
  DkgRound1 r1 = Round1(3, 4, context);
  const DkgRound1Secret& me = r1.secrets.at(Id(1));
  auto received = Without(r1.packages, Id(1));
  REQUIRE(DkgPart2(me, received).ok());

  auto bad_mu = received;
  crypto_core_ed25519_scalar_add(bad_mu.at(Id(3)).proof_mu.data(), bad_mu.at(Id(3)).proof_mu.data(),
                                 Id(1).bytes().data());
  CheckCode(DkgPart2(me, bad_mu).status(), errc::kFrostBadProof, "participant 3");
  auto bad_phi0 = received;
  bad_phi0.at(Id(2)).commitment[0] = r1.packages.at(Id(4)).commitment[0];
  CheckCode(DkgPart2(me, bad_phi0).status(), errc::kFrostBadProof, "participant 2");
  auto replayed = received;  // participant 4's proof, claimed by participant 2
  replayed.at(Id(2)) = r1.packages.at(Id(4));
  CheckCode(DkgPart2(me, replayed).status(), errc::kFrostBadProof, "participant 2");
  DkgRound1Secret other_context = me;
  other_context.context = ToBytes("epoch-2");  // proofs made for epoch-1 do not verify for epoch-2
  CheckCode(DkgPart2(other_context, received).status(), errc::kFrostBadProof);
  auto short_commitment = received;
  short_commitment.at(Id(4)).commitment.pop_back();
  CheckCode(DkgPart2(me, short_commitment).status(), errc::kFrostBadCommitment, "participant 4");
  for (const Element& bad : BadElements(r1.packages.at(Id(2)).commitment[0])) {
    auto malformed = received;
    malformed.at(Id(2)).commitment[1] = bad;
    CheckCode(DkgPart2(me, malformed).status(), errc::kFrostMalformed, "participant 2");
    malformed = received;
    malformed.at(Id(3)).proof_r = bad;
    CheckCode(DkgPart2(me, malformed).status(), errc::kFrostMalformed, "participant 3");
  }
  auto with_self = received;
  with_self.emplace(Id(1), r1.packages.at(Id(1)));
  CheckCode(DkgPart2(me, with_self).status(), errc::kFrostDuplicateIdentifier, "participant 1");
  auto missing = received;
  missing.erase(Id(4));
  CheckCode(DkgPart2(me, missing).status(), errc::kFrostTooFewSigners);

  // A later coefficient changed: the proof (over phi_0) still verifies, the share check catches it.
  auto bad_phi1 = received;
  bad_phi1.at(Id(3)).commitment[1] = r1.packages.at(Id(4)).commitment[1];
  auto part2 = DkgPart2(me, bad_phi1);
  REQUIRE(part2.ok());
  std::map<Identifier, DkgRound2Package> inbox;
  for (std::uint16_t sender : {2, 3, 4}) {
    auto theirs = DkgPart2(r1.secrets.at(Id(sender)), Without(r1.packages, Id(sender)));
    REQUIRE(theirs.ok());
    inbox.emplace(Id(sender), theirs->second.at(Id(1)));
  }
  CheckCode(DkgPart3(part2->first, inbox).status(), errc::kFrostInvalidShare, "participant 3");
  auto honest = DkgPart2(me, received);
  REQUIRE(honest.ok());
  REQUIRE(DkgPart3(honest->first, inbox).ok());
  auto wrong_share = inbox;
  wrong_share.at(Id(4)) = inbox.at(Id(2));
  CheckCode(DkgPart3(honest->first, wrong_share).status(), errc::kFrostInvalidShare, "participant 4");
  auto non_canonical = inbox;
  non_canonical.at(Id(2)).share = SecretScalar(NonCanonical(inbox.at(Id(2)).share.bytes()));
  CheckCode(DkgPart3(honest->first, non_canonical).status(), errc::kFrostMalformed, "participant 2");
  auto short_inbox = inbox;
  short_inbox.erase(Id(2));
  CheckCode(DkgPart3(honest->first, short_inbox).status(), errc::kFrostTooFewSigners);
  auto stranger = short_inbox;
  stranger.emplace(Id(9), inbox.at(Id(2)));
  CheckCode(DkgPart3(honest->first, stranger).status(), errc::kFrostMalformed, "participant 9");
}

}  // namespace
}  // namespace shanliu::crypto::frost
