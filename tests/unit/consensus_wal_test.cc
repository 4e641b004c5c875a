// The write-ahead log: framing, replay, torn tails, corruption, atomic rewrite; and the
// consensus WAL record layout with hostile input.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "shanliu/node/consensus.h"
#include "shanliu/node/wal.h"

namespace {

using shanliu::Bytes;
using shanliu::ByteView;
using shanliu::node::DecodeWalFrames;
using shanliu::node::EncodeWalFrame;
using shanliu::node::kWalMagic;
using shanliu::node::Wal;
using shanliu::node::WalReplay;
namespace cs = shanliu::node::consensus;

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "shanliu-wal-").string();
    pattern += std::string(6, 'X');  // the mkdtemp template
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::filesystem::path operator/(const char* name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

Bytes ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void WriteFile(const std::filesystem::path& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

Bytes Record(const std::string& text) { return shanliu::ToBytes(text); }

}  // namespace

TEST_CASE("WAL: records appended are replayed in order after reopening") {
  TempDir dir;
  WalReplay replay;
  {
    auto wal = Wal::Open(dir / "wal", &replay);
    REQUIRE(wal.ok());
    CHECK(replay.records.empty());
    CHECK(wal->Append(Record("first")).ok());
    const std::vector<Bytes> batch{Record("second"), Record("third")};
    CHECK(wal->Append(batch).ok());
  }
  auto wal = Wal::Open(dir / "wal", &replay);
  REQUIRE(wal.ok());
  CHECK(replay.records == std::vector<Bytes>{Record("first"), Record("second"), Record("third")});
  CHECK(replay.torn_tail_bytes == 0);
  struct stat info {};
  REQUIRE(::stat((dir / "wal").c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);
}

TEST_CASE("WAL: a torn last record is dropped and the file truncated, at every cut point") {
  TempDir dir;
  WalReplay replay;
  {
    auto wal = Wal::Open(dir / "wal", &replay);
    REQUIRE(wal.ok());
    REQUIRE(wal->Append(Record("kept")).ok());
    REQUIRE(wal->Append(Record("torn by the crash")).ok());
  }
  const Bytes whole = ReadFile(dir / "wal");
  const std::size_t last_frame = EncodeWalFrame(Record("torn by the crash")).size();
  for (std::size_t cut = 1; cut < last_frame; ++cut) {
    CAPTURE(cut);
    WriteFile(dir / "wal", Bytes(whole.begin(), whole.end() - static_cast<std::ptrdiff_t>(cut)));
    auto wal = Wal::Open(dir / "wal", &replay);
    REQUIRE(wal.ok());
    CHECK(replay.records == std::vector<Bytes>{Record("kept")});
    CHECK(replay.torn_tail_bytes == last_frame - cut);
    CHECK(ReadFile(dir / "wal").size() == whole.size() - last_frame);
  }
  // After truncation, appends continue cleanly behind the last whole record.
  {
    auto wal = Wal::Open(dir / "wal", &replay);
    REQUIRE(wal.ok());
    REQUIRE(wal->Append(Record("after")).ok());
  }
  REQUIRE(Wal::Open(dir / "wal", &replay).ok());
  CHECK(replay.records == std::vector<Bytes>{Record("kept"), Record("after")});
}

TEST_CASE("WAL: a zero-filled or garbled tail record counts as torn") {
  const Bytes good = EncodeWalFrame(Record("good"));
  SUBCASE("zeros after the last record (the filesystem grew the file, the data never landed)") {
    Bytes body = good;
    body.resize(body.size() + 40, 0);
    auto replay = DecodeWalFrames(body);
    REQUIRE(replay.ok());
    CHECK(replay->records.size() == 1);
    CHECK(replay->torn_tail_bytes == 40);
  }
  SUBCASE("a whole-length last frame whose bytes did not all land") {
    Bytes body = good;
    Bytes last = EncodeWalFrame(Record("last one"));
    last.back() ^= 0xFF;
    body.insert(body.end(), last.begin(), last.end());
    auto replay = DecodeWalFrames(body);
    REQUIRE(replay.ok());
    CHECK(replay->records.size() == 1);
    CHECK(replay->valid_bytes == good.size());
  }
}

TEST_CASE("WAL: damage before the tail is corruption, not a torn write, and nothing is dropped") {
  Bytes body = EncodeWalFrame(Record("one"));
  const Bytes two = EncodeWalFrame(Record("two"));
  body.insert(body.end(), two.begin(), two.end());
  SUBCASE("a flipped payload byte in the first record") {
    body[shanliu::node::kWalFrameHeaderBytes] ^= 0x01;
    auto replay = DecodeWalFrames(body);
    REQUIRE_FALSE(replay.ok());
    CHECK(replay.status().code() == "wal_corrupt");
  }
  SUBCASE("an impossible length that is not zero fill") {
    body[0] = 0xFF;
    auto replay = DecodeWalFrames(body);
    REQUIRE_FALSE(replay.ok());
    CHECK(replay.status().code() == "wal_corrupt");
  }
  SUBCASE("in a file: Open refuses and leaves the file alone") {
    TempDir dir;
    body[shanliu::node::kWalFrameHeaderBytes + 1] ^= 0x20;
    Bytes file(kWalMagic.begin(), kWalMagic.end());
    file.insert(file.end(), body.begin(), body.end());
    WriteFile(dir / "wal", file);
    WalReplay replay;
    auto wal = Wal::Open(dir / "wal", &replay);
    REQUIRE_FALSE(wal.ok());
    CHECK(wal.status().code() == "wal_corrupt");
    CHECK(ReadFile(dir / "wal") == file);
  }
}

TEST_CASE("WAL: wrong magic is refused, and a half-written magic is a fresh WAL") {
  TempDir dir;
  WalReplay replay;
  WriteFile(dir / "wal", Record("not a wal at all, just text"));
  auto refused = Wal::Open(dir / "wal", &replay);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == "wal_corrupt");

  WriteFile(dir / "wal", Bytes(kWalMagic.begin(), kWalMagic.begin() + 6));
  auto fresh = Wal::Open(dir / "wal", &replay);
  REQUIRE(fresh.ok());
  CHECK(replay.records.empty());
  CHECK(ReadFile(dir / "wal") == Bytes(kWalMagic.begin(), kWalMagic.end()));
}

TEST_CASE("WAL: Rewrite replaces the contents atomically and appends continue after it") {
  TempDir dir;
  WalReplay replay;
  {
    auto wal = Wal::Open(dir / "wal", &replay);
    REQUIRE(wal.ok());
    REQUIRE(wal->Append(Record("old height")).ok());
    REQUIRE(wal->Rewrite(std::vector<Bytes>{Record("current height")}).ok());
    REQUIRE(wal->Append(Record("next")).ok());
  }
  REQUIRE(Wal::Open(dir / "wal", &replay).ok());
  CHECK(replay.records == std::vector<Bytes>{Record("current height"), Record("next")});
  CHECK_FALSE(std::filesystem::exists(dir / "wal.rewrite"));
}

TEST_CASE("WAL: empty and oversized records are refused with a typed error") {
  TempDir dir;
  WalReplay replay;
  auto wal = Wal::Open(dir / "wal", &replay);
  REQUIRE(wal.ok());
  CHECK(wal->Append(Bytes{}).code() == "wal_record_too_large");
  CHECK(wal->Append(Bytes(shanliu::node::kMaxWalRecordBytes + 1, 7)).code() == "wal_record_too_large");
  CHECK(wal->Append(Record("still fine")).ok());
}

TEST_CASE("WAL: a directory that does not exist is an I/O error") {
  WalReplay replay;
  auto wal = Wal::Open("/nonexistent-shanliu-dir/wal", &replay);
  REQUIRE_FALSE(wal.ok());
  CHECK(wal.status().code() == "wal_io");
}

TEST_CASE("WAL records: every kind round-trips through its fixed layout") {
  shanliu::Hash256 hash{};
  hash[0] = 0xAB;
  const cs::WalRecord proposal{cs::WalRecordKind::kProposal, 7, 3, hash, 1, {}, {}};
  const cs::WalRecord prevote{cs::WalRecordKind::kPrevote, 7, 3, cs::kNilHash, std::nullopt, {}, {}};
  const cs::WalRecord lock{cs::WalRecordKind::kLock,
                           7,
                           2,
                           hash,
                           std::nullopt,
                           Record("block"),
                           {cs::PolkaSignature{0, {}}, cs::PolkaSignature{2, {}}}};
  for (const cs::WalRecord& record : {proposal, prevote, lock}) {
    const Bytes encoded = cs::EncodeWalRecord(record);
    auto decoded = cs::DecodeWalRecord(encoded);
    REQUIRE(decoded.ok());
    CHECK(cs::EncodeWalRecord(*decoded) == encoded);
    CHECK(cs::Describe(*decoded) == cs::Describe(record));
  }
  CHECK(cs::EncodeWalRecord(prevote).size() == 1 + 8 + 4 + 32 + 4 + 4 + 2);
}

TEST_CASE("WAL records: hostile bytes are rejected as wal_record_malformed") {
  shanliu::Hash256 hash{};
  hash[5] = 1;
  const Bytes vote =
      cs::EncodeWalRecord(cs::WalRecord{cs::WalRecordKind::kPrecommit, 4, 1, hash, std::nullopt, {}, {}});
  auto malformed = [](Bytes bytes) {
    auto decoded = cs::DecodeWalRecord(bytes);
    return !decoded.ok() && decoded.status().code() == "wal_record_malformed";
  };
  CHECK(malformed(Bytes{}));
  CHECK(malformed(Bytes(vote.begin(), vote.end() - 1)));  // truncated
  Bytes longer = vote;
  longer.push_back(0);
  CHECK(malformed(longer));  // trailing bytes
  Bytes kind = vote;
  kind[0] = 9;
  CHECK(malformed(kind));  // unknown kind
  Bytes zero_height = vote;
  std::fill(zero_height.begin() + 1, zero_height.begin() + 9, 0);
  CHECK(malformed(zero_height));
  Bytes valid_round_on_vote = vote;
  valid_round_on_vote[48] = 0;  // valid round 0x......00 instead of none
  CHECK(malformed(valid_round_on_vote));
  Bytes block_claim = vote;
  block_claim[52] = 10;  // claims a 10-byte block that is not there
  CHECK(malformed(block_claim));
  const Bytes nil_lock = cs::EncodeWalRecord(
      cs::WalRecord{cs::WalRecordKind::kLock, 4, 1, cs::kNilHash, std::nullopt, Record("b"), {cs::PolkaSignature{}}});
  CHECK(malformed(nil_lock));
  const Bytes lock_without_polka =
      cs::EncodeWalRecord(cs::WalRecord{cs::WalRecordKind::kLock, 4, 1, hash, std::nullopt, Record("b"), {}});
  CHECK(malformed(lock_without_polka));
}
