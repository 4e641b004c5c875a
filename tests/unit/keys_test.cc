// Ed25519 keys, domain-separated signatures and key files (DESIGN 4, 9, 11), and
// `shanliu keygen --out FILE` end to end.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <random>
#include <string>

#include "shanliu/bytes.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/hash.h"
#include "shanliu/crypto/keys.h"

namespace shanliu::crypto {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kTx{"shanliu/tx/v1\0", 14};
constexpr std::string_view kVote{"shanliu/vote/v1\0", 16};

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/shanliu-keys-test-XXXXXX";
    const char* p = ::mkdtemp(tmpl);
    REQUIRE(p != nullptr);
    path_ = p;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

Seed SeedOf(std::uint8_t fill) {
  Seed s;
  s.fill(fill);
  return s;
}

unsigned ModeOf(const fs::path& p) {
  struct stat st {};
  REQUIRE(::lstat(p.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

void WriteText(const fs::path& p, const std::string& text, mode_t mode = 0600) {
  {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    REQUIRE(out.good());
    out << text;
  }
  REQUIRE(::chmod(p.c_str(), mode) == 0);
}

std::string ReadText(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// ------------------------------------------------------------------ signatures

TEST_CASE("sign and verify with domain separation") {
  const KeyPair kp = KeyPairFromSeed(SeedOf(1));
  const Bytes msg = ToBytes("transfer 100 fen");
  const Signature sig = Sign(kp.secret_key, kTx, msg);
  CHECK(Verify(kp.public_key, kTx, msg, sig));
  // The same signature is worthless under any other domain, even one differing in the NUL only.
  CHECK_FALSE(Verify(kp.public_key, kVote, msg, sig));
  CHECK_FALSE(Verify(kp.public_key, "shanliu/tx/v1", msg, sig));
  CHECK_FALSE(Verify(kp.public_key, "", msg, sig));
  // ... and as a raw signature over the message alone.
  CHECK_FALSE(VerifyRaw(kp.public_key, msg, sig));
  // It is exactly Ed25519 over domain || message.
  Bytes joined = ToBytes(kTx);
  AppendRaw(joined, msg);
  CHECK(VerifyRaw(kp.public_key, joined, sig));
  CHECK(SignRaw(kp.secret_key, joined) == sig);
  // Moving bytes between the domain and the message changes nothing in the signed string,
  // which is why every domain ends in NUL: no domain is a prefix of another.
  CHECK(Verify(kp.public_key, "shanliu/tx/v", ToBytes(std::string("1\0", 2) + "transfer 100 fen"), sig));

  // Wrong key, altered message, altered signature.
  const KeyPair other = KeyPairFromSeed(SeedOf(2));
  CHECK_FALSE(Verify(other.public_key, kTx, msg, sig));
  Bytes altered = msg;
  altered.back() ^= 1;
  CHECK_FALSE(Verify(kp.public_key, kTx, altered, sig));
  for (int bit = 0; bit < 512; ++bit) {
    Signature bad = sig;
    bad[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    if (Verify(kp.public_key, kTx, msg, bad)) FAIL("accepted a signature with bit ", bit, " flipped");
  }
  // Empty messages sign fine.
  const Signature empty_sig = Sign(kp.secret_key, kTx, Bytes{});
  CHECK(Verify(kp.public_key, kTx, Bytes{}, empty_sig));
  CHECK_FALSE(Verify(kp.public_key, kTx, Bytes{0}, empty_sig));
}

TEST_CASE("keys from a seed are deterministic, generated keys are distinct") {
  const KeyPair a = KeyPairFromSeed(SeedOf(7));
  const KeyPair b = KeyPairFromSeed(SeedOf(7));
  const KeyPair c = KeyPairFromSeed(SeedOf(8));
  CHECK(a.public_key == b.public_key);
  CHECK(a.secret_key.seed() == SeedOf(7));
  CHECK(a.public_key != c.public_key);
  // Ed25519 signatures are deterministic.
  CHECK(Sign(a.secret_key, kTx, ToBytes("x")) == Sign(b.secret_key, kTx, ToBytes("x")));
  CHECK(Sign(a.secret_key, kTx, ToBytes("x")) != Sign(a.secret_key, kTx, ToBytes("y")));

  // RFC 8032 section 7.1, TEST 1: the seed 9d61b1...7f60 has public key d75a98...511a.
  auto seed = Hash256FromHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
  REQUIRE(seed.ok());
  const KeyPair rfc = KeyPairFromSeed(*seed);
  CHECK(ToHex(rfc.public_key) == "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  CHECK(ToHex(SignRaw(rfc.secret_key, Bytes{})) ==
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");

  const KeyPair g1 = GenerateKeyPair();
  const KeyPair g2 = GenerateKeyPair();
  CHECK(g1.public_key != g2.public_key);
  CHECK(KeyPairFromSeed(g1.secret_key.seed()).public_key == g1.public_key);
  const Signature s = Sign(g1.secret_key, kVote, ToBytes("v"));
  CHECK(Verify(g1.public_key, kVote, ToBytes("v"), s));
  CHECK_FALSE(Verify(g2.public_key, kVote, ToBytes("v"), s));
}

// ------------------------------------------------------------------ key files

TEST_CASE("WriteKeyFile creates a 0600 file and never overwrites") {
  TempDir dir;
  const fs::path path = dir / "validator.key";
  const KeyPair kp = KeyPairFromSeed(SeedOf(3));
  const mode_t old_umask = ::umask(0);  // even with a permissive umask the file is 0600
  const Status s = WriteKeyFile(path, kp);
  ::umask(old_umask);
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  CHECK(ModeOf(path) == 0600);
  const std::string text = ReadText(path);
  CHECK(text == "shanliu-ed25519-secret-v1\n" + ToHex(SeedOf(3)) + "\n");

  const std::string before = text;
  const Status again = WriteKeyFile(path, KeyPairFromSeed(SeedOf(4)));
  CHECK_FALSE(again.ok());
  CHECK(again.code() == "already_exists");
  CHECK(ReadText(path) == before);  // untouched

  // Not through a dangling symlink either (O_EXCL does not follow it).
  const fs::path target = dir / "target";
  const fs::path link = dir / "link.key";
  fs::create_symlink(target, link);
  CHECK_FALSE(WriteKeyFile(link, kp).ok());
  CHECK_FALSE(fs::exists(target));
  // A directory that does not exist.
  const Status missing = WriteKeyFile(dir / "no-such-dir" / "k.key", kp);
  CHECK_FALSE(missing.ok());
  CHECK(missing.code() == "io_error");
}

TEST_CASE("key file round trip") {
  TempDir dir;
  for (int i = 0; i < 5; ++i) {
    const fs::path path = dir / (std::string("k").append(std::to_string(i)));
    const KeyPair kp = i == 0 ? KeyPairFromSeed(SeedOf(0)) : GenerateKeyPair();
    REQUIRE(WriteKeyFile(path, kp).ok());
    auto back = ReadKeyFile(path);
    REQUIRE_MESSAGE(back.ok(), back.status().ToString());
    CHECK(back->public_key == kp.public_key);
    CHECK(back->secret_key.seed() == kp.secret_key.seed());
    const Signature sig = Sign(back->secret_key, kTx, ToBytes("m"));
    CHECK(Verify(kp.public_key, kTx, ToBytes("m"), sig));
  }
  // A hand-written file with an uppercase seed is the same key (hex is case-insensitive).
  const fs::path upper = dir / "upper";
  std::string hex = ToHex(SeedOf(0xab));
  for (char& c : hex) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  WriteText(upper, "shanliu-ed25519-secret-v1\n" + hex + "\n");
  auto u = ReadKeyFile(upper);
  REQUIRE(u.ok());
  CHECK(u->public_key == KeyPairFromSeed(SeedOf(0xab)).public_key);
}

TEST_CASE("ReadKeyFile refuses group- or world-accessible files") {
  TempDir dir;
  const fs::path path = dir / "k.key";
  REQUIRE(WriteKeyFile(path, KeyPairFromSeed(SeedOf(5))).ok());
  REQUIRE(ReadKeyFile(path).ok());
  for (mode_t mode : {0640, 0604, 0644, 0660, 0606, 0620, 0602, 0610, 0601, 0700 | 0040, 0777}) {
    CAPTURE(mode);
    REQUIRE(::chmod(path.c_str(), mode) == 0);
    auto r = ReadKeyFile(path);
    CHECK_FALSE(r.ok());
    if (!r.ok()) CHECK(r.status().code() == "insecure_key_file");
  }
  for (mode_t mode : {0600, 0400, 0700}) {
    CAPTURE(mode);
    REQUIRE(::chmod(path.c_str(), mode) == 0);
    CHECK(ReadKeyFile(path).ok());
  }
}

TEST_CASE("ReadKeyFile refuses malformed content, wrong magic, truncation, directories and symlinks") {
  TempDir dir;
  const std::string magic = "shanliu-ed25519-secret-v1\n";
  const std::string seed = ToHex(SeedOf(9));
  const std::string good = magic + seed + "\n";
  {
    const fs::path p = dir / "good";
    WriteText(p, good);
    REQUIRE(ReadKeyFile(p).ok());  // the fixture itself is valid
  }
  const std::string bad_contents[] = {
      "",
      "\n",
      magic,
      magic + "\n",
      "shanliu-ed25519-secret-v2\n" + seed + "\n",   // wrong magic
      "SHANLIU-ED25519-SECRET-V1\n" + seed + "\n",   // magic is case-sensitive
      "shanliu-x25519-secret-v1\n" + seed + "\n",
      seed + "\n",                                   // no magic line
      magic + seed,                                  // missing final newline
      magic + seed.substr(0, 62) + "\n",             // truncated seed
      magic + seed.substr(0, 63) + "\n",             // odd number of digits
      good.substr(0, good.size() - 10),              // truncated file
      magic + seed + "00\n",                         // 33 bytes
      magic + seed + "\n\n",                         // trailing garbage
      magic + seed + "\nextra\n",
      magic + seed.substr(0, 63) + "g\n",            // non-hex
      magic + " " + seed.substr(1) + "\n",
      magic + seed + "\r\n",                         // CRLF
      "shanliu-ed25519-secret-v1\r\n" + seed + "\n",
      magic + seed.substr(0, 32) + "\n" + seed.substr(32) + "\n",
      "{\"seed\": \"" + seed + "\"}\n",
      std::string(5000, 'a'),                        // larger than any key file
      magic + std::string(64, '\0') + "\n",
  };
  int i = 0;
  for (const std::string& content : bad_contents) {
    CAPTURE(i);
    const fs::path p = dir / (std::string("bad").append(std::to_string(i++)));
    WriteText(p, content);
    auto r = ReadKeyFile(p);
    CHECK_FALSE(r.ok());
    if (!r.ok()) CHECK(r.status().code() == "invalid_key_file");
  }

  // A directory, even with a safe mode.
  const fs::path d = dir / "a-directory";
  fs::create_directory(d);
  REQUIRE(::chmod(d.c_str(), 0700) == 0);
  CHECK_FALSE(ReadKeyFile(d).ok());

  // A symlink to a perfectly good 0600 key file is refused (O_NOFOLLOW).
  const fs::path target = dir / "good";
  const fs::path link = dir / "link.key";
  fs::create_symlink(target, link);
  auto via_link = ReadKeyFile(link);
  CHECK_FALSE(via_link.ok());

  // A FIFO is refused at once: opening it must not wait for a writer that never comes.
  const fs::path fifo = dir / "fifo.key";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  auto pending = std::async(std::launch::async, [&] { return ReadKeyFile(fifo).ok(); });
  if (pending.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
    // Unblock the stuck reader so the test can finish, then fail.
    const int w = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
    if (w >= 0) ::close(w);
    pending.wait();
    FAIL("ReadKeyFile blocked opening a FIFO");
  }
  CHECK_FALSE(pending.get());

  // A file that does not exist.
  auto missing = ReadKeyFile(dir / "missing");
  CHECK_FALSE(missing.ok());
  CHECK(missing.status().code() == "io_error");
}

// ------------------------------------------------------------------ shanliu keygen

struct Run {
  int exit_code = -1;
  std::string out;
};

Run RunCommand(const std::string& command) {
  Run r;
  FILE* pipe = ::popen((command + " 2>/dev/null").c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buf[256];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) r.out.append(buf, n);
  const int status = ::pclose(pipe);
  REQUIRE(WIFEXITED(status));
  r.exit_code = WEXITSTATUS(status);
  return r;
}

const std::string kShanliu = std::string(SHANLIU_BINARY_DIR) + "/bin/shanliu";

TEST_CASE("shanliu keygen --out FILE end to end") {
  REQUIRE_MESSAGE(fs::exists(kShanliu), "build the shanliu program first: ", kShanliu);
  TempDir dir;
  const fs::path key = dir / "node.key";
  const Run first = RunCommand(kShanliu + " keygen --out '" + key.string() + "'");
  CHECK(first.exit_code == 0);
  REQUIRE(first.out.size() == 65);
  CHECK(first.out.back() == '\n');
  const std::string hex = first.out.substr(0, 64);
  for (char c : hex) CHECK(((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')));
  CHECK(ModeOf(key) == 0600);
  auto kp = ReadKeyFile(key);
  REQUIRE(kp.ok());
  CHECK(ToHex(kp->public_key) == hex);

  // Never overwrites: a second run fails and leaves the key as it was.
  const std::string before = ReadText(key);
  const Run second = RunCommand(kShanliu + " keygen --out '" + key.string() + "'");
  CHECK(second.exit_code != 0);
  CHECK(second.out.empty());
  CHECK(ReadText(key) == before);

  // Two runs make two different keys.
  const Run other = RunCommand(kShanliu + " keygen --out '" + (dir / "other.key").string() + "'");
  CHECK(other.exit_code == 0);
  CHECK(other.out != first.out);
}

TEST_CASE("shanliu keygen usage errors exit 2") {
  REQUIRE(fs::exists(kShanliu));
  TempDir dir;
  CHECK(RunCommand(kShanliu + " keygen").exit_code == 2);
  CHECK(RunCommand(kShanliu + " keygen --out").exit_code == 2);
  CHECK(RunCommand(kShanliu + " keygen --bogus x --out '" + (dir / "a.key").string() + "'").exit_code == 2);
  CHECK(RunCommand(kShanliu + " keygen extra --out '" + (dir / "b.key").string() + "'").exit_code == 2);
  CHECK_FALSE(fs::exists(dir / "a.key"));
  CHECK_FALSE(fs::exists(dir / "b.key"));
  CHECK(RunCommand(kShanliu).exit_code == 2);
}

}  // namespace
}  // namespace shanliu::crypto
