// The C2SP tlog-witness logic: verifier keys, the add-checkpoint body, every answer of the spec
// (200, 400, 403, 404, 409, 422) against hostile requests, and the durable record across reopen.
#include <doctest/doctest.h>
#include <leveldb/db.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/hash.h"
#include "shanliu/crypto/merkle.h"
#include "shanliu/ledger/checkpoint.h"
#include "shanliu/ledger/witness.h"
#include "test_chain.h"

using namespace shanliu;
using shanliu::testing::TempDir;
using shanliu::testing::TestKey;

namespace {

constexpr std::uint64_t kNow = 1'767'225'700;
const std::string kEmDash = "\xE2\x80\x94";

ledger::Genesis FourValidators() {
  ledger::Genesis g;
  g.chain_id = "witness-chain";
  g.genesis_time_ms = 1'767'225'600'000;
  const char* orgs[] = {"bureau", "federation", "bank-1", "bank-2"};
  for (int i = 0; i < 4; ++i) {
    g.validators.push_back({TestKey("validator-" + std::to_string(i)).public_key, 1, orgs[i]});
  }
  return g;
}

// A log of `n` leaves, for roots and consistency proofs.
struct Log {
  std::vector<Hash256> leaves;
  explicit Log(std::uint64_t n) {
    for (std::uint64_t i = 0; i < n; ++i) leaves.push_back(crypto::MerkleLeafHash(AsBytes("leaf " + std::to_string(i))));
  }
  Hash256 Root(std::uint64_t size) const {
    crypto::InMemorySubtrees r(std::vector<Hash256>(leaves.begin(), leaves.begin() + static_cast<long>(size)));
    return *crypto::MerkleRoot(r, size);
  }
  std::vector<Hash256> Proof(std::uint64_t old_size, std::uint64_t size) const {
    crypto::InMemorySubtrees r(leaves);
    return *crypto::MerkleConsistencyProof(r, old_size, size);
  }
};

std::string NoteWith(const ledger::Genesis& g, std::uint64_t size, const Hash256& root, std::vector<int> signers) {
  std::vector<ledger::Cosignature> cs;
  for (int i : signers) {
    cs.push_back(ledger::MakeCosignature(g, static_cast<std::uint32_t>(i),
                                         TestKey("validator-" + std::to_string(i)).secret_key, size, root, kNow - 50));
  }
  return ledger::CheckpointNote(g, size, root, cs);
}

std::string Request(std::uint64_t old_size, const std::vector<Hash256>& proof, const std::string& note) {
  return ledger::FormatAddCheckpointRequest({old_size, proof, note});
}

struct Fixture {
  ledger::Genesis genesis = FourValidators();
  Log log{40};
  TempDir dir;
  std::unique_ptr<ledger::Witness> witness;
  crypto::KeyPair key = TestKey("witness");

  Fixture() { Open(); }
  void Open() {
    witness.reset();
    auto store = ledger::WitnessStore::Open(dir.path() / "state");
    REQUIRE(store.ok());
    witness = std::make_unique<ledger::Witness>("news.example/witness", key,
                                                std::vector{ledger::GenesisLogPolicy(genesis)}, std::move(*store));
  }
  std::string Note(std::uint64_t size, std::vector<int> signers = {0, 1, 2}) const {
    return NoteWith(genesis, size, log.Root(size), signers);
  }
  ledger::WitnessResponse Add(std::uint64_t old_size, std::uint64_t size) {
    const auto proof = old_size == 0 || old_size >= size ? std::vector<Hash256>{} : log.Proof(old_size, size);
    return witness->AddCheckpoint(Request(old_size, proof, Note(size)), kNow);
  }
  ledger::NoteVerifierKey Vkey() const { return *ledger::ParseVerifierKey(witness->VerifierKey()); }
};

}  // namespace

TEST_CASE("witness verifier keys round-trip and refuse malformed text") {
  const auto key = TestKey("log");
  const std::string vkey = ledger::FormatVerifierKey("example.com/log", ledger::kNoteEd25519KeyType, key.public_key);
  auto parsed = ledger::ParseVerifierKey(vkey);
  REQUIRE(parsed.ok());
  CHECK(parsed->name == "example.com/log");
  CHECK(parsed->type == ledger::kNoteEd25519KeyType);
  CHECK(parsed->public_key == key.public_key);
  CHECK(parsed->key_id == ledger::NoteKeyId("example.com/log", 1, key.public_key));

  const std::size_t plus1 = vkey.find('+');
  const std::size_t plus2 = vkey.find('+', plus1 + 1);
  std::string wrong_id = vkey;
  wrong_id[plus1 + 1] = wrong_id[plus1 + 1] == '0' ? '1' : '0';
  std::string upper_id = vkey;
  for (std::size_t i = plus1 + 1; i < plus2; ++i) upper_id[i] = static_cast<char>(std::toupper(upper_id[i]));
  const std::string other_name = "example.com/other" + vkey.substr(plus1);
  const std::string type9 = "x+" + vkey.substr(plus1 + 1, 8) + "+" +
                            crypto::ToBase64(Bytes(33, 9));
  for (const std::string& bad : {std::string(""), std::string("name"), std::string("name+0011"),
                                 "+" + vkey.substr(plus1 + 1), wrong_id, other_name, type9,
                                 vkey.substr(0, vkey.size() - 4), vkey + "=", "a b" + vkey.substr(plus1)}) {
    CAPTURE(bad);
    auto r = ledger::ParseVerifierKey(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == "invalid_argument");
  }
  if (upper_id != vkey) CHECK_FALSE(ledger::ParseVerifierKey(upper_id).ok());
}

TEST_CASE("witness add-checkpoint bodies parse strictly and within bounds") {
  const Log log(8);
  const std::string note = NoteWith(FourValidators(), 8, log.Root(8), {0, 1, 2});
  const auto proof = log.Proof(3, 8);
  auto ok = ledger::ParseAddCheckpointRequest(Request(3, proof, note));
  REQUIRE(ok.ok());
  CHECK(ok->old_size == 3);
  CHECK(ok->proof == proof);
  CHECK(ok->note == note);

  const std::string line = crypto::ToBase64(proof[0]) + "\n";
  std::string sixty_three = "old 1\n";
  for (int i = 0; i < 63; ++i) sixty_three += line;
  CHECK(ledger::ParseAddCheckpointRequest(sixty_three + "\n" + note).ok());
  const std::string sixty_four = sixty_three + line + "\n" + note;

  std::string short_hash = crypto::ToBase64(Bytes(31, 7));
  // 32 bytes leave 2 unused bits in the last base64 digit: setting one spells the same bytes again.
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string non_canonical = crypto::ToBase64(proof[0]);
  char& last_digit = non_canonical[non_canonical.size() - 2];
  last_digit = alphabet[alphabet.find(last_digit) ^ 1];
  for (const std::string& bad :
       {std::string(""), std::string("old 3"), std::string("old 3\n"), "old 03\n\n" + note, "old -1\n\n" + note,
        "old 18446744073709551616\n\n" + note, "old  3\n\n" + note, "new 3\n\n" + note, "old 3\n" + line,
        "old 3\n" + line + "\n", "old 3\nnot base64!\n\n" + note, "old 3\n" + short_hash + "\n\n" + note,
        sixty_four, "OLD 3\n\n" + note, "old 3\r\n\r\n" + note}) {
    CAPTURE(bad);
    auto r = ledger::ParseAddCheckpointRequest(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == "bad_request");
  }
  // Canonical base64 only: a second spelling of a hash is refused.
  CHECK_FALSE(ledger::ParseAddCheckpointRequest("old 3\n" + non_canonical + "\n\n" + note).ok());
  const std::string huge = "old 0\n\n" + std::string(ledger::WitnessLimits::kMaxRequestBytes, 'x');
  CHECK(ledger::ParseAddCheckpointRequest(huge).status().code() == "too_large");
}

TEST_CASE("witness cosigns a fresh log, then grows it with proofs, and the answer verifies") {
  Fixture f;
  auto first = f.Add(0, 5);
  REQUIRE(first.http_status == 200);
  auto ts = ledger::VerifyWitnessCosignature(ledger::CheckpointBody(ledger::CheckpointOrigin(f.genesis), 5, f.log.Root(5)),
                                             first.body, f.Vkey());
  REQUIRE(ts.ok());
  CHECK(ts->timestamp_s == kNow);
  CHECK(ts->line == first.body);
  CHECK(first.body.starts_with(kEmDash + " news.example/witness "));

  CHECK(f.Add(5, 13).http_status == 200);
  CHECK(f.Add(13, 13).http_status == 200);  // the same checkpoint again: cosigned again
  CHECK(f.Add(13, 40).http_status == 200);
  auto records = f.witness->Records();
  REQUIRE(records.ok());
  REQUIRE(records->size() == 1);
  CHECK(records->begin()->second.size == 40);
  CHECK(records->begin()->second.root == f.log.Root(40));

  // The response read against another key, or for another checkpoint, does not verify.
  const auto body13 = ledger::CheckpointBody(ledger::CheckpointOrigin(f.genesis), 13, f.log.Root(13));
  CHECK(ledger::VerifyWitnessCosignature(body13, first.body, f.Vkey()).status().code() == "bad_cosignature");
  const auto other = *ledger::ParseVerifierKey(
      ledger::FormatVerifierKey("other/witness", ledger::kCosignatureV1KeyType, TestKey("other").public_key));
  CHECK(ledger::VerifyWitnessCosignature(body13, first.body, other).status().code() == "insufficient_signatures");
}

TEST_CASE("witness answers 409 with the size it holds, and refuses replays and rollbacks") {
  Fixture f;
  REQUIRE(f.Add(0, 20).http_status == 200);
  auto stale = f.Add(0, 10);  // an older checkpoint as if the witness were new
  CHECK(stale.http_status == 409);
  CHECK(stale.content_type == "text/x.tlog.size");
  CHECK(stale.body == "20\n");
  auto replay = f.Add(5, 10);
  CHECK(replay.http_status == 409);
  CHECK(replay.body == "20\n");
  CHECK(f.Add(30, 20).http_status == 400);  // old size above the checkpoint's
  // Same size, another root: the spec's 409, not a cosignature of a fork.
  const Hash256 forked = crypto::Sha256(AsBytes("fork"));
  auto fork = f.witness->AddCheckpoint(Request(20, {}, NoteWith(f.genesis, 20, forked, {0, 1, 2})), kNow);
  CHECK(fork.http_status == 409);
  CHECK(fork.content_type != "text/x.tlog.size");
  CHECK(f.witness->Records()->begin()->second.root == f.log.Root(20));
}

TEST_CASE("witness answers 422 to proofs that do not verify") {
  Fixture f;
  REQUIRE(f.Add(0, 8).http_status == 200);
  // A proof for another pair of sizes, a proof towards another root, a tampered hash.
  CHECK(f.witness->AddCheckpoint(Request(8, f.log.Proof(7, 12), f.Note(12)), kNow).http_status == 422);
  Log other(40);
  other.leaves[3] = crypto::Sha256(AsBytes("rewritten"));
  CHECK(f.witness->AddCheckpoint(Request(8, other.Proof(8, 12), NoteWith(f.genesis, 12, other.Root(12), {0, 1, 2})),
                                 kNow)
            .http_status == 422);
  auto tampered = f.log.Proof(8, 12);
  tampered.back()[0] ^= 1;
  CHECK(f.witness->AddCheckpoint(Request(8, tampered, f.Note(12)), kNow).http_status == 422);
  // Equal sizes take an empty proof.
  CHECK(f.witness->AddCheckpoint(Request(8, f.log.Proof(4, 8), f.Note(8)), kNow).http_status == 422);
  CHECK(f.witness->Records()->begin()->second.size == 8);
}

TEST_CASE("witness size 0: the empty tree's root only, and proofs from 0 must be empty") {
  Fixture f;
  const Hash256 empty = crypto::MerkleEmptyRoot();
  auto bad_root = f.witness->AddCheckpoint(Request(0, {}, NoteWith(f.genesis, 0, f.log.Root(1), {0, 1, 2})), kNow);
  CHECK(bad_root.http_status == 422);
  CHECK(f.witness->AddCheckpoint(Request(0, {}, NoteWith(f.genesis, 0, empty, {0, 1, 2})), kNow).http_status == 200);
  CHECK(f.witness->AddCheckpoint(Request(0, f.log.Proof(2, 4), f.Note(4)), kNow).http_status == 422);
  CHECK(f.Add(0, 4).http_status == 200);
}

TEST_CASE("witness policy: 404 unknown origin, 403 forged or too few validators, malformed notes") {
  Fixture f;
  ledger::Genesis other = f.genesis;
  other.chain_id = "other-chain";
  auto unknown = f.witness->AddCheckpoint(Request(0, {}, NoteWith(other, 4, f.log.Root(4), {0, 1, 2})), kNow);
  CHECK(unknown.http_status == 404);
  // Two of four is not more than 2/3.
  CHECK(f.witness->AddCheckpoint(Request(0, {}, f.Note(4, {0, 1})), kNow).http_status == 403);
  // Only unknown signers: a stranger's line under a made-up name.
  const std::string body = ledger::CheckpointBody(ledger::CheckpointOrigin(f.genesis), 4, f.log.Root(4));
  const std::string strangers = body + "\n" + ledger::Cosign(TestKey("x").secret_key, "stranger", body, kNow);
  CHECK(f.witness->AddCheckpoint(Request(0, {}, strangers), kNow).http_status == 403);
  // A validator's line forged (signed by another key under its name): the whole note is refused,
  // even with three good lines beside it.
  const std::string name3 = *ledger::CosignerName(f.genesis, 3);
  std::string forged = f.Note(4, {0, 1, 2});
  const std::string fake3 = ledger::Cosign(TestKey("mallory").secret_key, name3, body, kNow);
  auto good3 = ledger::CosignatureLine(f.genesis, ledger::MakeCosignature(f.genesis, 3, TestKey("validator-3").secret_key,
                                                                          4, f.log.Root(4), kNow));
  // Same name and key ID as validator 3's real line, another signature.
  std::string tampered3 = good3;
  tampered3[tampered3.size() - 5] = tampered3[tampered3.size() - 5] == 'A' ? 'B' : 'A';
  CHECK(f.witness->AddCheckpoint(Request(0, {}, forged + tampered3), kNow).http_status == 403);
  CHECK(f.witness->AddCheckpoint(Request(0, {}, forged + fake3), kNow).http_status == 200);  // unknown key ID: ignored
  // Notes that do not parse (no signatures, no blank line) and bodies that are not checkpoints.
  CHECK(f.witness->AddCheckpoint(Request(4, {}, body), kNow).http_status == 403);
  CHECK(f.witness->AddCheckpoint(Request(4, {}, body + "\n"), kNow).http_status == 403);
  const std::string not_checkpoint = "hello\n\n" + ledger::Cosign(TestKey("x").secret_key, "x", "hello\n", kNow);
  CHECK(f.witness->AddCheckpoint(Request(4, {}, not_checkpoint), kNow).http_status == 400);
  CHECK(f.witness->Records()->begin()->second.size == 4);
}

TEST_CASE("witness policy: an Ed25519 signed-note key under the origin name") {
  const ledger::Genesis genesis = FourValidators();
  const Log log(10);
  const auto log_key = TestKey("origin-key");
  const std::string origin = ledger::CheckpointOrigin(genesis);
  ledger::LogPolicy policy;
  policy.origin = origin;
  policy.origin_keys.push_back(
      *ledger::ParseVerifierKey(ledger::FormatVerifierKey(origin, ledger::kNoteEd25519KeyType, log_key.public_key)));
  TempDir dir;
  ledger::Witness w("w", TestKey("witness"), {policy}, ledger::WitnessStore::Open(dir.path()).value());
  const std::string body = ledger::CheckpointBody(origin, 10, log.Root(10));
  const std::string signed_note = body + "\n" + ledger::SignNoteEd25519(log_key.secret_key, origin, body);
  // The validators' lines do not count under this policy; the origin key's does.
  CHECK(w.AddCheckpoint(Request(0, {}, NoteWith(genesis, 10, log.Root(10), {0, 1, 2, 3})), kNow).http_status == 403);
  const std::string wrong_key = body + "\n" + ledger::SignNoteEd25519(TestKey("impostor").secret_key, origin, body);
  CHECK(w.AddCheckpoint(Request(0, {}, wrong_key), kNow).http_status == 403);
  // The right name and key ID over another body: forged.
  const std::string other_body = ledger::CheckpointBody(origin, 10, log.Root(9));
  const std::string sig_line = ledger::SignNoteEd25519(log_key.secret_key, origin, other_body);
  CHECK(w.AddCheckpoint(Request(0, {}, body + "\n" + sig_line), kNow).http_status == 403);
  CHECK(w.AddCheckpoint(Request(0, {}, signed_note), kNow).http_status == 200);
  // Other C2SP logs put extension lines after the root: cosigned, extensions included.
  const std::string extended = body + "extension one\n";
  const std::string extended_note = extended + "\n" + ledger::SignNoteEd25519(log_key.secret_key, origin, extended);
  auto with_extension = w.AddCheckpoint(Request(10, {}, extended_note), kNow);
  REQUIRE(with_extension.http_status == 200);
  const auto wkey = *ledger::ParseVerifierKey(w.VerifierKey());
  CHECK(ledger::VerifyWitnessCosignature(extended, with_extension.body, wkey).ok());
  CHECK_FALSE(ledger::VerifyWitnessCosignature(body, with_extension.body, wkey).ok());
  const std::string blank_extension = body + "\n" + "x\n";  // an empty line is the note's separator, not an extension
  CHECK(w.AddCheckpoint(Request(10, {}, blank_extension + "\n" +
                                            ledger::SignNoteEd25519(log_key.secret_key, origin, blank_extension)),
                        kNow)
            .http_status != 200);

  // Both forms in one policy: either suffices.
  policy.genesis = genesis;
  TempDir dir2;
  ledger::Witness both("w", TestKey("witness"), {policy}, ledger::WitnessStore::Open(dir2.path()).value());
  CHECK(both.AddCheckpoint(Request(0, {}, NoteWith(genesis, 4, log.Root(4), {1, 2, 3})), kNow).http_status == 200);
  CHECK(both.AddCheckpoint(Request(4, log.Proof(4, 10), signed_note), kNow).http_status == 200);
}

TEST_CASE("witness state survives reopening and a corrupt record is an error, not a fresh start") {
  Fixture f;
  REQUIRE(f.Add(0, 16).http_status == 200);
  f.Open();
  auto after = f.Add(0, 8);
  CHECK(after.http_status == 409);
  CHECK(after.body == "16\n");
  CHECK(f.Add(16, 24).http_status == 200);
  f.witness.reset();
  {
    auto store = ledger::WitnessStore::Open(f.dir.path() / "state");
    REQUIRE(store.ok());
    auto record = (*store)->Get(ledger::CheckpointOrigin(f.genesis));
    REQUIRE(record.ok());
    REQUIRE(record->has_value());
    CHECK((*record)->size == 24);
  }
  // Overwrite the record with garbage through LevelDB itself.
  {
    leveldb::DB* db = nullptr;
    REQUIRE(leveldb::DB::Open(leveldb::Options(), (f.dir.path() / "state").string(), &db).ok());
    REQUIRE(db->Put(leveldb::WriteOptions(), "witness/log/" + ledger::CheckpointOrigin(f.genesis), "junk").ok());
    delete db;
  }
  f.Open();
  auto corrupt = f.Add(0, 30);
  CHECK(corrupt.http_status == 500);
  CHECK(corrupt.body.find("storage_corrupt") != std::string::npos);
  CHECK_FALSE(f.witness->Records().ok());
}

TEST_CASE("witness requests racing from many threads never roll the record back") {
  Fixture f;
  // Every thread offers a different size as if the witness were new: exactly one can win, and the
  // others learn its size from a 409.
  std::vector<std::thread> threads;
  std::vector<unsigned> statuses(8);
  for (std::size_t i = 0; i < statuses.size(); ++i) {
    threads.emplace_back([&f, &statuses, i] { statuses[i] = f.Add(0, 4 + 4 * i).http_status; });
  }
  for (std::thread& t : threads) t.join();
  std::size_t winner = statuses.size();
  for (std::size_t i = 0; i < statuses.size(); ++i) {
    if (statuses[i] == 200) {
      CHECK(winner == statuses.size());
      winner = i;
    } else {
      CHECK(statuses[i] == 409);
    }
  }
  REQUIRE(winner < statuses.size());
  CHECK(f.witness->Records()->begin()->second.size == 4 + 4 * winner);
}
