// C2SP checkpoints: body format, cosignature/v1 lines checked independently with libsodium,
// signed-note parsing of hostile input, verification against genesis and the collector.
#include <doctest/doctest.h>
#include <sodium.h>

#include <string>
#include <thread>
#include <vector>

#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/hash.h"
#include "shanliu/ledger/checkpoint.h"
#include "test_chain.h"

using namespace shanliu;
using shanliu::testing::TestKey;

namespace {

const std::string kEmDash = "\xE2\x80\x94";

// Four validators of power 1: more than 2/3 means at least 3 cosigners.
ledger::Genesis FourValidators() {
  ledger::Genesis g;
  g.chain_id = "test-chain";
  g.genesis_time_ms = 1'767'225'600'000;
  const char* orgs[] = {"bureau", "federation", "bank-1", "bank-2"};
  for (int i = 0; i < 4; ++i) {
    g.validators.push_back({TestKey("validator-" + std::to_string(i)).public_key, 1, orgs[i]});
  }
  return g;
}

Hash256 RootOf(std::string_view label) { return crypto::Sha256(AsBytes(label)); }

std::string Base64(ByteView data) {
  std::string out(sodium_base64_encoded_len(data.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), data.data(), data.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);
  return out;
}

Bytes FromBase64(const std::string& text) {
  Bytes out(text.size());
  std::size_t len = 0;
  REQUIRE(sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &len, nullptr,
                            sodium_base64_VARIANT_ORIGINAL) == 0);
  out.resize(len);
  return out;
}

std::string NoteWith(const ledger::Genesis& g, std::uint64_t size, const Hash256& root, std::vector<int> signers,
                     std::uint64_t timestamp = 1'767'225'600) {
  std::vector<ledger::Cosignature> cs;
  for (int i : signers) {
    cs.push_back(ledger::MakeCosignature(g, static_cast<std::uint32_t>(i),
                                         TestKey("validator-" + std::to_string(i)).secret_key, size, root, timestamp));
  }
  return ledger::CheckpointNote(g, size, root, cs);
}

}  // namespace

TEST_CASE("checkpoint body matches the tlog-checkpoint example bytes") {
  // The root of the C2SP example checkpoint, decoded and encoded again.
  const Bytes root_bytes = FromBase64("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=");
  REQUIRE(root_bytes.size() == 32);
  Hash256 root;
  std::copy(root_bytes.begin(), root_bytes.end(), root.begin());
  CHECK(ledger::CheckpointBody("example.com/behind-the-sofa", 20852163, root) ==
        "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n");
  auto parsed = ledger::ParseCheckpointBody("example.com/behind-the-sofa\n20852163\n"
                                            "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n");
  REQUIRE(parsed.ok());
  CHECK(parsed->origin == "example.com/behind-the-sofa");
  CHECK(parsed->size == 20852163);
  CHECK(parsed->root == root);
}

TEST_CASE("origin and cosigner names come from genesis") {
  const ledger::Genesis g = FourValidators();
  const Hash256 vh = g.validators_hash();
  CHECK(ledger::CheckpointOrigin(g) == "shanliu/test-chain/" + crypto::ToHex(ByteView(vh.data(), 8)));
  CHECK(*ledger::CosignerName(g, 0) == "shanliu/test-chain/v0-bureau");
  CHECK(*ledger::CosignerName(g, 3) == "shanliu/test-chain/v3-bank-2");
  CHECK(ledger::CosignerName(g, 4).status().code() == "invalid_argument");
}

TEST_CASE("a cosignature line checks out against an independent reading of tlog-cosignature") {
  const auto key = TestKey("validator-0");
  const std::string name = "witness.example.com/w1";
  const std::string body = "example.com/log\n5\n" + Base64(RootOf("five")) + "\n";
  const std::uint64_t ts = 1'679'315'147;
  const std::string line = ledger::Cosign(key.secret_key, name, body, ts);

  REQUIRE(line.starts_with(kEmDash + " " + name + " "));
  REQUIRE(line.ends_with("\n"));
  const Bytes blob = FromBase64(line.substr(kEmDash.size() + 1 + name.size() + 1,
                                            line.size() - (kEmDash.size() + 1 + name.size() + 1) - 1));
  REQUIRE(blob.size() == 76);
  // Key ID: SHA-256(name || "\n" || 0x04 || public key)[:4].
  std::string material = name + "\n";
  material.push_back('\x04');
  material.append(key.public_key.begin(), key.public_key.end());
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(material.data()), material.size());
  CHECK(std::equal(blob.begin(), blob.begin() + 4, digest));
  // Timestamp: u64 big-endian.
  CHECK(ReadU64(ByteView(blob.data() + 4, 8)) == ts);
  // Signature over "cosignature/v1\ntime <ts>\n" || body.
  const std::string message = "cosignature/v1\ntime 1679315147\n" + body;
  CHECK(crypto_sign_verify_detached(blob.data() + 12, reinterpret_cast<const unsigned char*>(message.data()),
                                    message.size(), key.public_key.data()) == 0);
  // Ed25519 is deterministic: the line is pinned so a format change cannot slip through.
  CHECK(line == ledger::Cosign(key.secret_key, name, body, ts));
  CHECK(ledger::CosignatureKeyId(name, key.public_key) ==
        ((std::uint32_t{digest[0]} << 24) | (std::uint32_t{digest[1]} << 16) | (std::uint32_t{digest[2]} << 8) |
         digest[3]));
}

TEST_CASE("a note cosigned by three of four validators verifies with a supermajority") {
  const ledger::Genesis g = FourValidators();
  const std::string note = NoteWith(g, 42, RootOf("42"), {0, 2, 3});
  auto v = ledger::VerifyCheckpointNote(note, g);
  REQUIRE(v.ok());
  CHECK(v->checkpoint.size == 42);
  CHECK(v->checkpoint.root == RootOf("42"));
  REQUIRE(v->cosigners.size() == 3);
  CHECK(v->cosigners[0].validator_index == 0);
  CHECK(v->cosigners[1].name == "shanliu/test-chain/v2-bank-1");
  CHECK(v->cosigned_power == 3);
  CHECK(v->supermajority);
  CHECK(v->ignored.empty());

  auto two = ledger::VerifyCheckpointNote(NoteWith(g, 42, RootOf("42"), {1, 3}), g);
  REQUIRE(two.ok());
  CHECK(two->cosigned_power == 2);
  CHECK_FALSE(two->supermajority);
}

TEST_CASE("parse refuses structurally broken notes with typed errors") {
  const ledger::Genesis g = FourValidators();
  const std::string good = NoteWith(g, 7, RootOf("7"), {0});
  REQUIRE(ledger::ParseNote(good).ok());
  const std::string body = good.substr(0, good.find("\n\n") + 1);
  const std::string sig_line = good.substr(good.find("\n\n") + 2);

  SUBCASE("missing blank line") { CHECK(ledger::ParseNote(body + sig_line).status().code() == "note_malformed"); }
  SUBCASE("no final newline") {
    CHECK(ledger::ParseNote(good.substr(0, good.size() - 1)).status().code() == "note_malformed");
  }
  SUBCASE("no signature lines") { CHECK(ledger::ParseNote(body + "\n").status().code() == "note_malformed"); }
  SUBCASE("empty text") { CHECK(ledger::ParseNote("\n\n" + sig_line).status().code() == "note_malformed"); }
  SUBCASE("signature line without the em dash") {
    CHECK(ledger::ParseNote(body + "\n" + "- name AAAA\n").status().code() == "note_malformed");
    CHECK(ledger::ParseNote(body + "\n" + kEmDash + "name AAAA\n").status().code() == "note_malformed");
  }
  SUBCASE("huge line") {
    const std::string huge = kEmDash + " x " + std::string(2000, 'A') + "\n";
    CHECK(ledger::ParseNote(body + "\n" + huge).status().code() == "note_too_large");
    CHECK(ledger::ParseNote(std::string(1500, 'o') + "\n1\nAAAA\n\n" + sig_line).status().code() == "note_too_large");
  }
  SUBCASE("huge note") {
    std::string many = body + "\n";
    while (many.size() <= ledger::NoteLimits::kMaxNoteBytes) many += sig_line;
    CHECK(ledger::ParseNote(many).status().code() == "note_too_large");
  }
  SUBCASE("more than 100 signature lines") {
    std::string many = body + "\n";
    for (int i = 0; i < 101; ++i) many += sig_line;
    CHECK(ledger::ParseNote(many).status().code() == "note_too_large");
    std::string hundred = body + "\n";
    for (int i = 0; i < 100; ++i) hundred += sig_line;
    CHECK(ledger::ParseNote(hundred).ok());
  }
  SUBCASE("control characters and invalid UTF-8") {
    CHECK(ledger::ParseNote("a\tb\n1\nAAAA\n\n" + sig_line).status().code() == "note_malformed");
    CHECK(ledger::ParseNote("a\rb\n\n" + sig_line).status().code() == "note_malformed");
    CHECK(ledger::ParseNote(std::string("a\xC0\xAF\n\n") + sig_line).status().code() == "note_malformed");
    CHECK(ledger::ParseNote(std::string("a\xED\xA0\x80\n\n") + sig_line).status().code() == "note_malformed");
    CHECK(ledger::ParseNote(std::string("a\xE2\x80\n\n") + sig_line).status().code() == "note_malformed");
    CHECK(ledger::ParseNote(std::string("a\0b\n\n", 6) + sig_line).status().code() == "note_malformed");
    CHECK(ledger::ParseNote("中文 ok\n\n" + sig_line).ok());
  }
}

TEST_CASE("garbled, unknown and repeated lines are ignored and a known key that fails rejects the note") {
  const ledger::Genesis g = FourValidators();
  const Hash256 root = RootOf("9");
  const std::string note = NoteWith(g, 9, root, {0, 1, 2});
  const std::string body = note.substr(0, note.find("\n\n") + 1);
  const std::string sigs = note.substr(note.find("\n\n") + 2);
  const std::string v0_line = sigs.substr(0, sigs.find('\n') + 1);
  const std::string name0 = *ledger::CosignerName(g, 0);

  SUBCASE("bad base64") {
    auto v = ledger::VerifyCheckpointNote(body + "\n" + kEmDash + " " + name0 + " not*base64!\n" + sigs, g);
    REQUIRE(v.ok());
    CHECK(v->cosigners.size() == 3);
    REQUIRE(v->ignored.size() == 1);
    CHECK(v->ignored[0].find("base64") != std::string::npos);
    // Non-canonical padding bits are refused too (one spelling per byte string).
    std::string b64 = v0_line.substr(v0_line.rfind(' ') + 1);
    b64.pop_back();  // newline
    REQUIRE(b64.ends_with("="));
    std::string tweaked = b64;
    char& last = tweaked[tweaked.size() - 2];
    last = last == 'A' ? 'B' : static_cast<char>(last ^ 1);
    auto w = ledger::VerifyCheckpointNote(body + "\n" + kEmDash + " " + name0 + " " + tweaked + "\n", g);
    REQUIRE(w.ok());
    CHECK(w->cosigners.empty());
  }
  SUBCASE("wrong key id") {
    // The Ed25519 signed-note key ID (type 0x01) instead of cosignature/v1 (0x04).
    const crypto::SecretKey& sk = TestKey("validator-0").secret_key;
    std::string line = ledger::Cosign(sk, name0, body, 1);
    Bytes blob = FromBase64(line.substr(line.rfind(' ') + 1, line.size() - line.rfind(' ') - 2));
    blob[0] ^= 0xff;
    const std::string forged = kEmDash + " " + name0 + " " + Base64(blob) + "\n";
    auto v = ledger::VerifyCheckpointNote(body + "\n" + forged, g);
    REQUIRE(v.ok());
    CHECK(v->cosigners.empty());
    REQUIRE(v->ignored.size() == 1);
    CHECK(v->ignored[0].find("unknown key") != std::string::npos);
  }
  SUBCASE("a known key's signature over a different body rejects the whole note") {
    // signed-note: a verifier SHOULD reject a note with a known key's failed signature, even
    // beside three valid ones (which alone would be a supermajority).
    const std::string other = NoteWith(g, 10, RootOf("10"), {3});
    const std::string other_line = other.substr(other.find("\n\n") + 2);
    auto v = ledger::VerifyCheckpointNote(body + "\n" + other_line + sigs, g);
    REQUIRE_FALSE(v.ok());
    CHECK(v.status().code() == "bad_cosignature");
    CHECK(v.status().message().find("does not verify") != std::string::npos);
    auto valid = ledger::VerifyCheckpointNote(body + "\n" + sigs, g);
    REQUIRE(valid.ok());
    CHECK(valid->supermajority);
  }
  SUBCASE("a timestamp of 2^63 is refused, 2^63 - 1 accepted") {
    const crypto::SecretKey& sk = TestKey("validator-0").secret_key;
    const std::uint64_t limit = std::uint64_t{1} << 63;
    const auto line_at = [&](std::uint64_t t) {
      return ledger::CosignatureLine(g, ledger::MakeCosignature(g, 0, sk, 9, root, t));
    };
    auto last_ok = ledger::VerifyCheckpointNote(body + "\n" + line_at(limit - 1), g);
    REQUIRE(last_ok.ok());
    CHECK(last_ok->cosigners.size() == 1);
    CHECK(last_ok->cosigners[0].timestamp_s == limit - 1);
    for (const std::uint64_t t : {limit, ~std::uint64_t{0}}) {
      auto v = ledger::VerifyCheckpointNote(body + "\n" + line_at(t), g);
      REQUIRE_FALSE(v.ok());
      CHECK(v.status().code() == "bad_cosignature");
      CHECK(v.status().message().find("2^63") != std::string::npos);
    }
  }
  SUBCASE("a known key's line of the wrong length rejects the note") {
    std::string b64 = v0_line.substr(v0_line.rfind(' ') + 1);
    b64.pop_back();  // newline
    Bytes blob = FromBase64(b64);
    blob.push_back(0);  // 77 bytes: key ID + 73
    auto v = ledger::VerifyCheckpointNote(body + "\n" + kEmDash + " " + name0 + " " + Base64(blob) + "\n" + sigs, g);
    REQUIRE_FALSE(v.ok());
    CHECK(v.status().code() == "bad_cosignature");
  }
  SUBCASE("duplicate cosigner counts once") {
    auto v = ledger::VerifyCheckpointNote(body + "\n" + v0_line + v0_line, g);
    REQUIRE(v.ok());
    CHECK(v->cosigners.size() == 1);
    CHECK(v->cosigned_power == 1);
    REQUIRE(v->ignored.size() == 1);
    CHECK(v->ignored[0].find("second cosignature") != std::string::npos);
    // Same validator, another timestamp: still one vote.
    const std::string later = ledger::CosignatureLine(
        g, ledger::MakeCosignature(g, 0, TestKey("validator-0").secret_key, 9, root, 99));
    auto w = ledger::VerifyCheckpointNote(body + "\n" + v0_line + later, g);
    REQUIRE(w.ok());
    CHECK(w->cosigned_power == 1);
  }
  SUBCASE("unknown key") {
    const std::string stranger = ledger::Cosign(TestKey("mallory").secret_key, "mallory.example/w", body, 5);
    const std::string impostor = ledger::Cosign(TestKey("mallory").secret_key, name0, body, 5);
    auto v = ledger::VerifyCheckpointNote(body + "\n" + stranger + impostor + v0_line, g);
    REQUIRE(v.ok());
    CHECK(v->cosigners.size() == 1);
    CHECK(v->ignored.size() == 2);
  }
  SUBCASE("checkpoint body errors") {
    const std::string origin = ledger::CheckpointOrigin(g);
    const std::string b64 = Base64(root);
    auto check = [&](const std::string& text, const char* code) {
      CHECK(ledger::VerifyCheckpointNote(text + "\n" + v0_line, g).status().code() == code);
    };
    check("other.example/log\n9\n" + b64 + "\n", "wrong_origin");
    check(origin + "\n09\n" + b64 + "\n", "checkpoint_malformed");
    check(origin + "\n-9\n" + b64 + "\n", "checkpoint_malformed");
    check(origin + "\n18446744073709551616\n" + b64 + "\n", "checkpoint_malformed");
    check(origin + "\n9\n" + b64 + "\nextension\n", "checkpoint_malformed");
    check(origin + "\n9\n" + b64.substr(0, 40) + "\n", "checkpoint_malformed");
    check(origin + "\n9\n", "checkpoint_malformed");
    check("\n9\n" + b64 + "\n", "checkpoint_malformed");  // empty origin line
  }
}

TEST_CASE("collector thresholds, best checkpoint and bounded memory") {
  const ledger::Genesis g = FourValidators();
  ledger::CheckpointCollector collector(g, /*keep_sizes=*/3);
  auto cosig = [&](int i, std::uint64_t size, std::string_view label, std::uint64_t ts = 100) {
    return ledger::MakeCosignature(g, static_cast<std::uint32_t>(i),
                                   TestKey("validator-" + std::to_string(i)).secret_key, size, RootOf(label), ts);
  };
  CHECK_FALSE(collector.Best().has_value());

  REQUIRE(collector.Add(10, RootOf("10"), cosig(0, 10, "10")).ok());
  REQUIRE(collector.Add(10, RootOf("10"), cosig(1, 10, "10")).ok());
  auto best = collector.Best();
  REQUIRE(best.has_value());
  CHECK(best->log_size == 10);
  CHECK_FALSE(best->supermajority);  // 2 of 4 is not more than 2/3
  REQUIRE(collector.Add(10, RootOf("10"), cosig(2, 10, "10")).ok());
  best = collector.Best();
  CHECK(best->supermajority);
  CHECK(best->cosigned_power == 3);
  auto verified = ledger::VerifyCheckpointNote(best->note, g);
  REQUIRE(verified.ok());
  CHECK(verified->supermajority);
  CHECK(verified->checkpoint.size == 10);

  // A newer size with one cosignature does not displace the supermajority checkpoint...
  REQUIRE(collector.Add(20, RootOf("20"), cosig(3, 20, "20")).ok());
  CHECK(collector.Best()->log_size == 10);
  // ...until it has one itself. Repeats from one validator count once.
  REQUIRE(collector.Add(20, RootOf("20"), cosig(0, 20, "20")).ok());
  REQUIRE(collector.Add(20, RootOf("20"), cosig(0, 20, "20", 200)).ok());
  CHECK(collector.Best()->log_size == 10);
  REQUIRE(collector.Add(20, RootOf("20"), cosig(1, 20, "20")).ok());
  best = collector.Best();
  CHECK(best->log_size == 20);
  CHECK(best->cosignatures.size() == 3);
  CHECK(best->cosignatures[0].timestamp_s == 200);  // the newer cosignature replaced the older

  SUBCASE("forged or foreign cosignatures are refused") {
    ledger::Cosignature forged = cosig(2, 30, "30");
    forged.signature[0] ^= 1;
    CHECK(collector.Add(30, RootOf("30"), forged).code() == "bad_cosignature");
    CHECK(collector.Add(31, RootOf("30"), cosig(2, 30, "30")).code() == "bad_cosignature");
    // A timestamp no verifier accepts never enters the collector (it would spoil the whole note).
    const ledger::Cosignature far_future = ledger::MakeCosignature(g, 2, TestKey("validator-2").secret_key, 30,
                                                                   RootOf("30"), std::uint64_t{1} << 63);
    CHECK(collector.Add(30, RootOf("30"), far_future).code() == "bad_cosignature");
    ledger::Cosignature stranger = cosig(2, 30, "30");
    stranger.public_key = TestKey("validator-9").public_key;
    CHECK(collector.Add(30, RootOf("30"), stranger).code() == "unknown_validator");
    CHECK(collector.Best()->log_size == 20);
  }
  SUBCASE("only the newest sizes are kept") {
    REQUIRE(collector.Add(30, RootOf("30"), cosig(0, 30, "30")).ok());
    REQUIRE(collector.Add(40, RootOf("40"), cosig(0, 40, "40")).ok());  // size 10 falls out
    CHECK(collector.Add(5, RootOf("5"), cosig(0, 5, "5")).code() == "stale_checkpoint");
    CHECK(collector.Best()->log_size == 20);
    REQUIRE(collector.Add(50, RootOf("50"), cosig(0, 50, "50")).ok());  // size 20 falls out
    best = collector.Best();
    CHECK(best->log_size == 50);
    CHECK_FALSE(best->supermajority);
  }
  SUBCASE("conflicting roots at one size are bounded") {
    for (std::size_t i = 0; i < ledger::CheckpointCollector::kMaxRootsPerSize; ++i) {
      const std::string label = "fork-" + std::to_string(i);
      REQUIRE(collector.Add(60, RootOf(label), cosig(3, 60, label)).ok());
    }
    CHECK(collector.Add(60, RootOf("fork-x"), cosig(3, 60, "fork-x")).code() == "too_many_roots");
  }
}

TEST_CASE("collector takes cosignatures from many threads") {
  const ledger::Genesis g = FourValidators();
  ledger::CheckpointCollector collector(g, 8);
  std::vector<std::thread> threads;
  for (int v = 0; v < 4; ++v) {
    threads.emplace_back([&, v] {
      const auto key = TestKey("validator-" + std::to_string(v));
      for (std::uint64_t size = 1; size <= 20; ++size) {
        const Hash256 root = RootOf(std::to_string(size));
        (void)collector.Add(size, root,
                            ledger::MakeCosignature(g, static_cast<std::uint32_t>(v), key.secret_key, size, root, size));
      }
    });
  }
  for (auto& t : threads) t.join();
  auto best = collector.Best();
  REQUIRE(best.has_value());
  CHECK(best->log_size == 20);
  CHECK(best->cosignatures.size() == 4);
  CHECK(best->supermajority);
}
