// The write-ahead log: framing, replay, torn tails, corruption, atomic rewrite; and the
// consensus WAL record layout with hostile input.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "../sim/scripted_net.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/hash.h"
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

// Issue 15 (seed 20001816): other validators' precommits, one record per (round, block hash).
TEST_CASE("WAL records: received precommits round-trip, nil included, at the size bounds") {
  shanliu::Hash256 hash{};
  hash[3] = 0x5C;
  for (const shanliu::Hash256& value : {hash, cs::kNilHash}) {
    for (const std::size_t count : {std::size_t{1}, cs::kMaxValidators}) {
      cs::WalRecord record{cs::WalRecordKind::kReceivedPrecommits, 9, 4, value, std::nullopt, {}, {}};
      for (std::uint32_t v = 0; v < count; ++v) {
        cs::PolkaSignature precommit{v, {}};
        precommit.signature.fill(static_cast<std::uint8_t>(v));
        record.polka.push_back(precommit);
      }
      const Bytes encoded = cs::EncodeWalRecord(record);
      CHECK(encoded.size() == 1 + 8 + 4 + 32 + 4 + 4 + 2 + count * (4 + 64));
      auto decoded = cs::DecodeWalRecord(encoded);
      REQUIRE(decoded.ok());
      CHECK(decoded->kind == cs::WalRecordKind::kReceivedPrecommits);
      CHECK(decoded->polka.size() == count);
      CHECK(decoded->polka.back().signature == record.polka.back().signature);
      CHECK(cs::EncodeWalRecord(*decoded) == encoded);
    }
  }
}

TEST_CASE("WAL records: malformed received-precommits records are refused") {
  shanliu::Hash256 hash{};
  hash[0] = 7;
  auto code = [](const Bytes& bytes) {
    auto decoded = cs::DecodeWalRecord(bytes);
    return decoded.ok() ? std::string("ok") : decoded.status().code();
  };
  const cs::WalRecord two{cs::WalRecordKind::kReceivedPrecommits, 2, 0, hash, std::nullopt, {},
                          {cs::PolkaSignature{1, {}}, cs::PolkaSignature{3, {}}}};
  const Bytes good = cs::EncodeWalRecord(two);
  CHECK(code(good) == "ok");
  // Built by hand: the encoder asserts against each of these.
  Bytes none = good;  // zero precommits
  none.resize(1 + 8 + 4 + 32 + 4 + 4);
  none.push_back(0);
  none.push_back(0);
  CHECK(code(none) == "wal_record_malformed");
  Bytes repeated = good;  // validator 1 twice
  repeated[1 + 8 + 4 + 32 + 4 + 4 + 2 + 68 + 3] = 1;
  CHECK(code(repeated) == "wal_record_malformed");
  Bytes descending = good;  // 3 before 1
  descending[1 + 8 + 4 + 32 + 4 + 4 + 2 + 3] = 3;
  descending[1 + 8 + 4 + 32 + 4 + 4 + 2 + 68 + 3] = 1;
  CHECK(code(descending) == "wal_record_malformed");
  Bytes with_block = good;  // a block on a received-precommits record
  with_block[1 + 8 + 4 + 32 + 4 + 3] = 1;
  with_block.insert(with_block.begin() + 1 + 8 + 4 + 32 + 4 + 4, 0xEE);
  CHECK(code(with_block) == "wal_record_malformed");
  Bytes with_valid_round = good;
  with_valid_round[1 + 8 + 4 + 32 + 3] = 0;  // valid round 0xFFFFFF00
  CHECK(code(with_valid_round) == "wal_record_malformed");
  // More precommits than there can be validators: 1025 entries, each well formed.
  Bytes over = cs::EncodeWalRecord(cs::WalRecord{cs::WalRecordKind::kReceivedPrecommits, 2, 0, hash, std::nullopt,
                                                 {}, {cs::PolkaSignature{0, {}}}});
  over.resize(1 + 8 + 4 + 32 + 4 + 4);
  const std::size_t count = cs::kMaxValidators + 1;
  over.push_back(static_cast<std::uint8_t>(count >> 8));
  over.push_back(static_cast<std::uint8_t>(count));
  for (std::uint32_t v = 0; v < count; ++v) {
    shanliu::AppendU32(over, v);
    over.insert(over.end(), 64, 0);
  }
  CHECK(code(over) == "wal_record_malformed");
  Bytes unknown = good;
  unknown[0] = 7;  // the next kind is unknown
  CHECK(code(unknown) == "wal_record_malformed");
}

// A WAL written before kReceivedPrecommits existed (kinds 1-5 only; frozen bytes, not produced
// by today's encoder) must still replay, and the core must resume from it: its prevote, lock
// and precommit in round 0 and its nil prevote in round 1 at height 1.
TEST_CASE("WAL: a WAL written before received-precommits records replays and restores the core") {
  const std::string old_wal_hex =
      "0000003715536d211cc7912c020000000000000001000000007f262560121508b7d3b61fe67ee4cd4275bcce29a0ac2a"
      "4ef9b1934ea7908235ffffffff00000000000000000110d5baa60be1b3b4f2040000000000000001000000007f262560"
      "121508b7d3b61fe67ee4cd4275bcce29a0ac2a4ef9b1934ea7908235ffffffff0000000d6f6c642d77616c2d626c6f63"
      "6b0003000000001111111111111111111111111111111111111111111111111111111111111111111111111111111111"
      "111111111111111111111111111111111111111111111100000001222222222222222222222222222222222222222222"
      "222222222222222222222222222222222222222222222222222222222222222222222222222222222222220000000233"
      "333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333"
      "33333333333333333333333333333300000037de0e53576eeb6c06030000000000000001000000007f262560121508b7"
      "d3b61fe67ee4cd4275bcce29a0ac2a4ef9b1934ea7908235ffffffff00000000000000000037dca5d922ffe426940200"
      "00000000000001000000010000000000000000000000000000000000000000000000000000000000000000ffffffff00"
      "0000000000";
  auto body = shanliu::crypto::FromHex(old_wal_hex);
  REQUIRE(body.ok());
  // Through the file path as well as the pure decoder.
  TempDir dir;
  Bytes file(kWalMagic.begin(), kWalMagic.end());
  file.insert(file.end(), body->begin(), body->end());
  WriteFile(dir / "wal", file);
  WalReplay replay;
  auto wal = Wal::Open(dir / "wal", &replay);
  REQUIRE(wal.ok());
  REQUIRE(replay.records.size() == 4);
  CHECK(replay.torn_tail_bytes == 0);
  std::vector<cs::WalRecord> records;
  for (const Bytes& frame : replay.records) {
    auto record = cs::DecodeWalRecord(frame);
    REQUIRE(record.ok());
    records.push_back(*record);
  }
  const shanliu::Hash256 block_hash = shanliu::crypto::Sha256(shanliu::ToBytes("old-wal-block"));
  CHECK(records[1].kind == cs::WalRecordKind::kLock);
  CHECK(records[1].block_hash == block_hash);
  CHECK(records[1].polka.size() == 3);
  CHECK(records[3].kind == cs::WalRecordKind::kPrevote);
  CHECK(records[3].round == 1);

  auto core = cs::Core::Create(shanliu::sim::MakeConfig({1, 1, 1, 1}), shanliu::sim::ValidatorKey(0), records);
  REQUIRE(core.ok());
  const cs::Output started = core->Handle(cs::Start{1});
  REQUIRE(started.status.ok());
  const cs::Core::Snapshot s = core->snapshot();
  CHECK(s.height == 1);
  CHECK(s.round == 1);
  CHECK(s.step == cs::Step::kPrevote);  // its round-1 prevote is on record
  REQUIRE(s.locked_round);
  CHECK(*s.locked_round == 0);
  CHECK(s.locked_hash == block_hash);
  bool repeated_prevote = false;
  for (const cs::Effect& e : started.effects) {
    repeated_prevote = repeated_prevote || cs::Describe(e) == "broadcast prevote h=1 r=1 block=nil from=0";
  }
  CHECK(repeated_prevote);
}
