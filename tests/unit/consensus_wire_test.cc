// Consensus wire messages and sign bytes: round trips, the fixed proposal sign-byte layout, and
// hostile bytes, each refused with a typed error.
#include <doctest/doctest.h>

#include "../sim/scripted_net.h"
#include "shanliu/crypto/codec.h"

namespace {

using namespace shanliu;
using sim::SignedProposal;
using sim::SignedVote;
namespace cs = node::consensus;

constexpr std::size_t kLimit = 1 << 20;

Hash256 HashOf(std::uint8_t fill) {
  Hash256 hash;
  hash.fill(fill);
  return hash;
}

std::string Code(ByteView bytes, std::size_t limit = kLimit) {
  auto decoded = cs::DecodeMessage(bytes, limit);
  return decoded.ok() ? "ok" : decoded.status().code();
}

// A valid protobuf field: tag, then a length-delimited payload (all our fields here are short).
Bytes Field(std::uint8_t number, ByteView payload) {
  Bytes out;
  AppendU8(out, static_cast<std::uint8_t>(number << 3 | 2));
  AppendU8(out, static_cast<std::uint8_t>(payload.size()));
  AppendRaw(out, payload);
  return out;
}

}  // namespace

TEST_CASE("proposal sign bytes have the documented fixed layout") {
  const Bytes bytes = cs::ProposalSignBytes("c", 0x0102030405060708, 9, std::nullopt, HashOf(0xEE));
  const std::string hex = crypto::ToHex(bytes);
  CHECK(hex == crypto::ToHex(AsBytes(cs::kProposalDomain)) + "0001" + "63" + "0102030405060708" + "00000009" +
                   "ffffffff" + std::string(64, 'e'));
  const Bytes with_round = cs::ProposalSignBytes("c", 1, 9, 4, HashOf(0xEE));
  CHECK(crypto::ToHex(with_round).substr(2 * (20 + 3 + 8 + 4), 8) == "00000004");
}

TEST_CASE("proposals, votes and decisions survive encoding unchanged") {
  cs::Proposal proposal = SignedProposal(1, 5, 2, 1, ToBytes("a block"));
  proposal.polka = {cs::PolkaSignature{0, SignedVote(0, cs::VoteType::kPrevote, 5, 1, proposal.block_hash).signature}};
  auto p = cs::DecodeMessage(cs::EncodeMessage(proposal), kLimit);
  REQUIRE(p.ok());
  const auto& got = std::get<cs::Proposal>(*p);
  CHECK(got.height == 5);
  CHECK(got.round == 2);
  CHECK(got.valid_round == std::optional<std::uint32_t>(1));
  CHECK(got.block == proposal.block);
  CHECK(got.signature == proposal.signature);
  REQUIRE(got.polka.size() == 1);
  CHECK(got.polka[0].signature == proposal.polka[0].signature);

  const cs::Vote vote = SignedVote(3, cs::VoteType::kPrecommit, 5, 2, cs::kNilHash);
  auto v = cs::DecodeMessage(cs::EncodeMessage(vote), kLimit);
  REQUIRE(v.ok());
  CHECK(cs::Describe(*v) == "precommit h=5 r=2 block=nil from=3");
  CHECK(std::get<cs::Vote>(*v).signature == vote.signature);

  cs::Decision decision{ToBytes("decided"), {}};
  decision.certificate.set_height(5);
  decision.certificate.set_round(2);
  decision.certificate.set_block_hash(std::string(32, 'x'));
  decision.certificate.add_signatures()->set_validator_index(1);
  auto d = cs::DecodeMessage(cs::EncodeMessage(decision), kLimit);
  REQUIRE(d.ok());
  CHECK(std::get<cs::Decision>(*d).certificate.SerializeAsString() == decision.certificate.SerializeAsString());
}

TEST_CASE("hostile bytes: every malformed message is refused with a reason") {
  const Bytes vote = cs::EncodeMessage(SignedVote(0, cs::VoteType::kPrevote, 1, 0, HashOf(1)));
  CHECK(Code(vote) == "ok");
  CHECK(Code(vote, vote.size() - 1) == "oversize");
  CHECK(Code(Bytes{}) == "malformed");  // no kind at all
  CHECK(Code(Bytes{0xFF, 0xFF, 0xFF}) == "malformed");
  CHECK(Code(Bytes(vote.begin(), vote.end() - 3)) == "malformed");  // cut short

  const Bytes sig(64, 1), short_hash(31, 2), hash(32, 2);
  auto vote_with = [&](std::uint8_t type, ByteView hash_field, ByteView sig_field) {
    Bytes inner;
    AppendU8(inner, 0x08);  // field 1 (type), varint
    AppendU8(inner, type);
    AppendRaw(inner, Field(4, hash_field));
    AppendRaw(inner, Field(6, sig_field));
    return Field(2, inner);  // ConsensusMessage.vote
  };
  CHECK(Code(vote_with(1, hash, sig)) == "ok");
  CHECK(Code(vote_with(3, hash, sig)) == "malformed");           // unknown vote type
  CHECK(Code(vote_with(0, hash, sig)) == "malformed");           // type missing
  CHECK(Code(vote_with(1, short_hash, sig)) == "malformed");     // 31-byte hash
  CHECK(Code(vote_with(1, hash, Bytes(63, 1))) == "malformed");  // short signature

  cs::Proposal proposal = SignedProposal(1, 1, 0, std::nullopt, ToBytes("b"));
  proposal.polka = {cs::PolkaSignature{}};  // a proof of lock change without a valid round
  CHECK(Code(cs::EncodeMessage(proposal)) == "malformed");

  const Bytes decision = Field(3, Field(2, ToBytes("\xff\xff not a certificate")));
  CHECK(Code(decision) == "malformed");
}
