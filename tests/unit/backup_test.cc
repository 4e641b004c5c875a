// Issue 20 part 4: backup and restore (node/backup). A backup is consistent with the one height
// it was taken at while blocks keep committing; its manifest decoder refuses what is truncated,
// edited or hostile; verify proves the copy by the audit's replay; restore refuses a non-empty
// data directory, sets an old one aside only when forced, and leaves everything as it was when
// the backup does not check; the admin socket is owner-only and answers bad requests typed.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/hash.h"
#include "shanliu/ledger/store_format.h"
#include "shanliu/node/admin.h"
#include "shanliu/node/backup.h"
#include "test_chain.h"

using namespace shanliu;
using shanliu::testing::TempDir;
using shanliu::testing::TestChain;
using shanliu::testing::TestKey;
namespace backup = shanliu::node::backup;
namespace admin = shanliu::node::admin;

namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteFile(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

std::map<std::string, std::string> HashTree(const fs::path& dir) {
  std::map<std::string, std::string> out;
  if (!fs::exists(dir)) return out;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    out[fs::relative(entry.path(), dir).string()] = crypto::ToHex(crypto::Sha256(AsBytes(ReadFile(entry.path()))));
  }
  return out;
}

// A one-validator chain with donations and spends in a few blocks.
struct Chain {
  Chain() {
    REQUIRE(chain.RegisterOrg("sunshine", pb::ORG_KIND_CHARITY, sunshine).ok());
    REQUIRE(chain.OpenProject("meals", "sunshine", sunshine).ok());
    AddBlocks(2);
  }
  void AddBlocks(int rounds) {
    for (int r = 0; r < rounds; ++r) {
      std::vector<Bytes> txs;
      for (int i = 0; i < 3; ++i) txs.push_back(chain.DonationTx("project:meals", 1'000 + ++n, chain.bank, "bank-1"));
      for (const Status& s : chain.CommitBlock(txs)) REQUIRE(s.ok());
      REQUIRE(chain.Commit(chain.SpendTx("project:meals", 100, sunshine)).ok());
    }
  }
  TestChain chain;
  crypto::KeyPair sunshine = TestKey("sunshine");
  int n = 0;
};

backup::Manifest SampleManifest() {
  backup::Manifest m;
  m.chain_id = "shanliu-test";
  m.store_format = ledger::kLedgerStoreFormat;
  m.height = 7;
  m.block_hash = crypto::Sha256(AsBytes(std::string_view("block")));
  m.state_root = crypto::Sha256(AsBytes(std::string_view("state")));
  m.log_size = 12;
  m.log_root = crypto::Sha256(AsBytes(std::string_view("log")));
  m.records = 99;
  m.created_ms = 1'700'000'000'000;
  m.source = "running_node";
  m.files = {{"ledger/000003.log", 4096, crypto::Sha256(AsBytes(std::string_view("a")))},
             {"ledger/CURRENT", 16, crypto::Sha256(AsBytes(std::string_view("b")))}};
  return m;
}

// The sample manifest as JSON with one change applied.
std::string Edited(const std::function<void(nlohmann::json&)>& edit) {
  nlohmann::json o = nlohmann::json::parse(backup::EncodeManifest(SampleManifest()));
  edit(o);
  return o.dump();
}

std::string CodeOf(const Status& s) { return s.code(); }

}  // namespace

TEST_CASE("the backup manifest round-trips and refuses truncated, edited and hostile text") {
  const backup::Manifest m = SampleManifest();
  const std::string text = backup::EncodeManifest(m);
  auto back = backup::DecodeManifest(text);
  REQUIRE(back.ok());
  CHECK(back->height == 7);
  CHECK(back->block_hash == m.block_hash);
  CHECK(back->files.size() == 2);
  CHECK(back->files[1].path == "ledger/CURRENT");
  CHECK(backup::EncodeManifest(*back) == text);

  for (std::size_t cut : {std::size_t{0}, std::size_t{1}, text.size() / 2, text.size() - 3}) {
    CAPTURE(cut);
    CHECK(CodeOf(backup::DecodeManifest(text.substr(0, cut)).status()) == "backup_manifest_malformed");
  }
  CHECK(CodeOf(backup::DecodeManifest("[1,2]").status()) == "backup_manifest_malformed");
  CHECK(CodeOf(backup::DecodeManifest(std::string(backup::kMaxManifestBytes + 1, ' ')).status()) ==
        "backup_manifest_malformed");
  const std::map<std::string, std::function<void(nlohmann::json&)>> malformed = {
      {"wrong kind", [](nlohmann::json& o) { o["kind"] = "other"; }},
      {"height missing", [](nlohmann::json& o) { o.erase("height"); }},
      {"negative height", [](nlohmann::json& o) { o["height"] = -1; }},
      {"height as text", [](nlohmann::json& o) { o["height"] = "7"; }},
      {"short hash", [](nlohmann::json& o) { o["state_root"] = "abcd"; }},
      {"uppercase hash", [](nlohmann::json& o) { o["block_hash"] = std::string(64, 'A'); }},
      {"not hex", [](nlohmann::json& o) { o["log_root"] = std::string(64, 'z'); }},
      {"empty chain id", [](nlohmann::json& o) { o["chain_id"] = ""; }},
      {"unknown source", [](nlohmann::json& o) { o["source"] = "somewhere"; }},
      {"no files", [](nlohmann::json& o) { o["files"] = nlohmann::json::array(); }},
      {"path climbs out", [](nlohmann::json& o) { o["files"][0]["path"] = "ledger/../../etc/passwd"; }},
      {"path outside ledger", [](nlohmann::json& o) { o["files"][0]["path"] = "consensus.wal"; }},
      {"path in a subfolder", [](nlohmann::json& o) { o["files"][0]["path"] = "ledger/sub/CURRENT"; }},
      {"absolute path", [](nlohmann::json& o) { o["files"][0]["path"] = "/ledger/CURRENT"; }},
      {"file twice", [](nlohmann::json& o) { o["files"][1]["path"] = o["files"][0]["path"]; }},
      {"file bytes missing", [](nlohmann::json& o) { o["files"][0].erase("bytes"); }},
      {"file entry not an object", [](nlohmann::json& o) { o["files"][0] = 5; }},
  };
  for (const auto& [name, edit] : malformed) {
    CAPTURE(name);
    CHECK(CodeOf(backup::DecodeManifest(Edited(edit)).status()) == "backup_manifest_malformed");
  }
  CHECK(CodeOf(backup::DecodeManifest(Edited([](nlohmann::json& o) { o["version"] = 2; })).status()) ==
        "backup_format_unsupported");
  CHECK(CodeOf(backup::DecodeManifest(Edited([](nlohmann::json& o) { o["store_format"] = 1; })).status()) ==
        "backup_format_unsupported");
  CHECK(CodeOf(backup::DecodeManifest(Edited([](nlohmann::json& o) {
              o["store_format"] = ledger::kLedgerStoreFormat + 1;  // a newer build's
            })).status()) == "backup_format_unsupported");
  for (std::uint64_t older = ledger::kOldestUpgradableStoreFormat; older < ledger::kLedgerStoreFormat; ++older) {
    CAPTURE(older);
    CHECK(backup::DecodeManifest(Edited([&](nlohmann::json& o) { o["store_format"] = older; })).ok());  // upgraded on open
  }
  // Boundaries that are fine: height 0 (a backup of genesis), the largest u64.
  CHECK(backup::DecodeManifest(Edited([](nlohmann::json& o) { o["height"] = 0; })).ok());
  CHECK(backup::DecodeManifest(Edited([](nlohmann::json& o) { o["records"] = UINT64_MAX; })).ok());
}

TEST_CASE("a backup of a running ledger holds exactly the height it was taken at and verifies by replay") {
  Chain c;
  TempDir out;
  auto view = c.chain.ledger().Read();
  const std::uint64_t taken_at = view->head().height();
  const Hash256 taken_hash = view->head_hash();
  c.AddBlocks(2);  // blocks keep committing after the snapshot
  REQUIRE(c.chain.ledger().height() > taken_at);
  auto written = backup::WriteBackup(backup::FromReadView(view), out.path() / "b1", 42);
  REQUIRE(written.ok());
  view.reset();
  CHECK(written->height == taken_at);
  CHECK(written->block_hash == taken_hash);
  CHECK(written->source == "running_node");
  CHECK(written->records > 0);
  CHECK(fs::exists(out.path() / "b1" / backup::kManifestFile));

  const auto before = HashTree(out.path() / "b1");
  REQUIRE(before.count("ledger/CURRENT") == 1);
  auto proved = backup::VerifyBackup(out.path() / "b1", c.chain.genesis());
  REQUIRE_MESSAGE(proved.ok(), proved.status().ToString());
  CHECK(proved->report.head_height == taken_at);
  CHECK(proved->report.head_hash_hex == crypto::ToHex(taken_hash));
  CHECK(std::find(proved->report.checks_passed.begin(), proved->report.checks_passed.end(), "stored_state") !=
        proved->report.checks_passed.end());
  CHECK(HashTree(out.path() / "b1") == before);  // verifying changes nothing

  // Another chain's genesis: refused before any replay.
  ledger::Genesis other = c.chain.genesis();
  other.chain_id = "another-chain";
  CHECK(CodeOf(backup::VerifyBackup(out.path() / "b1", other).status()) == "genesis_mismatch");
}

TEST_CASE("a backup refuses a non-empty output directory and leaves it as it was") {
  Chain c;
  TempDir out;
  fs::create_directories(out.path() / "taken");
  WriteFile(out.path() / "taken" / "notes.txt", "mine");
  const auto before = HashTree(out.path() / "taken");
  auto written = backup::WriteBackup(backup::FromReadView(c.chain.ledger().Read()), out.path() / "taken", 1);
  CHECK(CodeOf(written.status()) == "target_not_empty");
  CHECK(HashTree(out.path() / "taken") == before);
  // An existing empty directory is fine.
  fs::create_directories(out.path() / "empty");
  CHECK(backup::WriteBackup(backup::FromReadView(c.chain.ledger().Read()), out.path() / "empty", 1).ok());
}

TEST_CASE("a cancelled backup leaves nothing that could pass for one") {
  Chain c;
  TempDir out;
  std::atomic<bool> cancel{true};
  auto written = backup::WriteBackup(backup::FromReadView(c.chain.ledger().Read()), out.path() / "b", 1, &cancel);
  CHECK(CodeOf(written.status()) == "unavailable");
  CHECK_FALSE(fs::exists(out.path() / "b"));
}

TEST_CASE("a stopped store is backed up through a private copy and a held one is refused in_use") {
  Chain c;
  TempDir out;
  CHECK(CodeOf(backup::BackupStoppedStore(c.chain.dir(), out.path() / "b", 1).status()) == "in_use");
  CHECK_FALSE(fs::exists(out.path() / "b" / backup::kManifestFile));
  const std::uint64_t head = c.chain.ledger().height();
  const Hash256 head_hash = c.chain.ledger().head_hash();
  c.chain.Close();
  const auto data_before = HashTree(c.chain.dir());
  auto written = backup::BackupStoppedStore(c.chain.dir(), out.path() / "b", 1);
  REQUIRE_MESSAGE(written.ok(), written.status().ToString());
  CHECK(written->height == head);
  CHECK(written->block_hash == head_hash);
  CHECK(written->source == "stopped_store");
  CHECK(HashTree(c.chain.dir()) == data_before);
  CHECK(backup::VerifyBackup(out.path() / "b", c.chain.genesis()).ok());
  TempDir nothing;
  CHECK(CodeOf(backup::BackupStoppedStore(nothing.path(), out.path() / "c", 1).status()) == "not_found");
}

TEST_CASE("verify names a missing, extra, altered or mis-described backup file") {
  Chain c;
  TempDir out;
  const fs::path b = out.path() / "b";
  REQUIRE(backup::WriteBackup(backup::FromReadView(c.chain.ledger().Read()), b, 1).ok());
  const backup::Manifest m = *backup::CheckBackupFiles(b);
  const fs::path some_file = b / m.files.front().path;
  const std::string original = ReadFile(some_file);
  const std::string manifest_text = ReadFile(b / backup::kManifestFile);

  SUBCASE("a byte flipped") {
    std::string bad = original;
    bad[bad.size() / 2] = static_cast<char>(bad[bad.size() / 2] ^ 1);
    WriteFile(some_file, bad);
    CHECK(CodeOf(backup::CheckBackupFiles(b).status()) == "backup_digest_mismatch");
    CHECK(CodeOf(backup::VerifyBackup(b, c.chain.genesis()).status()) == "backup_digest_mismatch");
  }
  SUBCASE("a file missing") {
    fs::remove(some_file);
    CHECK(CodeOf(backup::CheckBackupFiles(b).status()) == "backup_digest_mismatch");
  }
  SUBCASE("a file added") {
    WriteFile(b / "ledger" / "000999.ldb", "planted");
    CHECK(CodeOf(backup::CheckBackupFiles(b).status()) == "backup_digest_mismatch");
  }
  SUBCASE("the manifest truncated") {
    WriteFile(b / backup::kManifestFile, manifest_text.substr(0, manifest_text.size() / 3));
    CHECK(CodeOf(backup::VerifyBackup(b, c.chain.genesis()).status()) == "backup_manifest_malformed");
  }
  SUBCASE("the manifest missing") {
    fs::remove(b / backup::kManifestFile);
    CHECK(CodeOf(backup::VerifyBackup(b, c.chain.genesis()).status()) == "not_found");
  }
  SUBCASE("the manifest claims another head") {
    backup::Manifest edited = m;
    edited.height = m.height - 1;
    WriteFile(b / backup::kManifestFile, backup::EncodeManifest(edited));
    CHECK(backup::CheckBackupFiles(b).ok());  // the files are intact...
    CHECK(CodeOf(backup::VerifyBackup(b, c.chain.genesis()).status()) == "backup_mismatch");  // ...the claim is not
    edited = m;
    edited.state_root[0] ^= 1;
    WriteFile(b / backup::kManifestFile, backup::EncodeManifest(edited));
    CHECK(CodeOf(backup::VerifyBackup(b, c.chain.genesis()).status()) == "backup_mismatch");
  }
  SUBCASE("the manifest of another store format") {
    WriteFile(b / backup::kManifestFile, Edited([](nlohmann::json& o) { o["store_format"] = 1; }));
    CHECK(CodeOf(backup::VerifyBackup(b, c.chain.genesis()).status()) == "backup_format_unsupported");
  }
}

TEST_CASE("restore writes a verified store with RESTORED and refuses a non-empty data directory") {
  Chain c;
  TempDir out;
  const fs::path b = out.path() / "b";
  auto written = backup::WriteBackup(backup::FromReadView(c.chain.ledger().Read()), b, 1);
  REQUIRE(written.ok());
  const ledger::Genesis genesis = c.chain.genesis();

  backup::RestoreOptions options;
  options.from = b;
  options.data_dir = out.path() / "node" / "data";
  options.restored_ms = 5;
  fs::create_directories(options.data_dir.parent_path());
  auto restored = backup::RestoreBackup(options, genesis);
  REQUIRE_MESSAGE(restored.ok(), restored.status().ToString());
  CHECK_FALSE(restored->set_aside);
  CHECK(restored->proved.report.head_height == written->height);
  const auto record = backup::RestoredRecord(options.data_dir);
  REQUIRE(record);
  CHECK(nlohmann::json::parse(*record)["height"] == written->height);
  CHECK_FALSE(fs::exists(options.data_dir.string() + ".restore"));
  {
    auto reopened = ledger::Ledger::Open(options.data_dir, genesis);
    REQUIRE_MESSAGE(reopened.ok(), reopened.status().ToString());
    CHECK((*reopened)->head_hash() == written->block_hash);
    CHECK((*reopened)->VerifyState().ok());
  }

  // Not empty: refused, nothing changes.
  const auto before = HashTree(options.data_dir);
  CHECK(CodeOf(backup::RestoreBackup(options, genesis).status()) == "target_not_empty");
  CHECK(HashTree(options.data_dir) == before);

  // Forced: the old directory is set aside, never deleted.
  WriteFile(options.data_dir / "consensus.wal", "old votes");
  options.force = true;
  auto again = backup::RestoreBackup(options, genesis);
  REQUIRE_MESSAGE(again.ok(), again.status().ToString());
  REQUIRE(again->set_aside);
  CHECK(ReadFile(*again->set_aside / "consensus.wal") == "old votes");
  CHECK_FALSE(fs::exists(options.data_dir / "consensus.wal"));

  CHECK(backup::ClearRestored(options.data_dir).ok());
  CHECK_FALSE(backup::RestoredRecord(options.data_dir));
}

TEST_CASE("restore from a bad backup or over a running store leaves the data directory as it was") {
  Chain c;
  TempDir out;
  const fs::path b = out.path() / "b";
  REQUIRE(backup::WriteBackup(backup::FromReadView(c.chain.ledger().Read()), b, 1).ok());
  backup::RestoreOptions options;
  options.from = b;
  options.data_dir = c.chain.dir();  // the running ledger's own directory
  options.force = true;
  const std::uint64_t head = c.chain.ledger().height();
  CHECK(CodeOf(backup::RestoreBackup(options, c.chain.genesis()).status()) == "in_use");
  CHECK(c.chain.ledger().height() == head);

  const backup::Manifest m = *backup::CheckBackupFiles(b);
  const fs::path file = b / m.files.back().path;
  WriteFile(file, ReadFile(file) + "x");
  options.data_dir = out.path() / "fresh";
  CHECK(CodeOf(backup::RestoreBackup(options, c.chain.genesis()).status()) == "backup_digest_mismatch");
  CHECK_FALSE(fs::exists(options.data_dir));
  CHECK_FALSE(fs::exists(out.path() / "fresh.restore"));
  options.from = out.path() / "no-such-backup";
  CHECK(CodeOf(backup::RestoreBackup(options, c.chain.genesis()).status()) == "not_found");
}

TEST_CASE("the admin socket is owner-only, answers one JSON line and refuses what is not one") {
  TempDir dir;
  const fs::path socket = dir.path() / admin::kSocketFile;
  CHECK(CodeOf(admin::Call(socket, {{"command", "backup"}}).status()) == "unavailable");  // no node
  WriteFile(socket, "stale");  // a node that did not stop cleanly left its file behind
  auto server = admin::Server::Start(socket, [](const nlohmann::json& request, const std::atomic<bool>&) {
    return nlohmann::json{{"echo", request}};
  });
  REQUIRE_MESSAGE(server.ok(), server.status().ToString());
  struct stat st {};
  REQUIRE(::stat(socket.c_str(), &st) == 0);
  CHECK(S_ISSOCK(st.st_mode));
  CHECK((st.st_mode & 0777) == 0600);
  auto answer = admin::Call(socket, {{"command", "backup"}, {"out", "/tmp/x"}});
  REQUIRE(answer.ok());
  CHECK((*answer)["echo"]["out"] == "/tmp/x");
  auto not_object = admin::Call(socket, nlohmann::json::array({1, 2}));
  REQUIRE(not_object.ok());
  CHECK((*not_object)["error"]["code"] == "bad_request");
  (*server)->Stop();
  CHECK_FALSE(fs::exists(socket));
  CHECK(CodeOf(admin::Call(socket, {{"command", "backup"}}).status()) == "unavailable");  // stopped

  const fs::path long_path = dir.path() / std::string(120, 'a');
  CHECK(CodeOf(admin::Server::Start(long_path, {}).status()) == "invalid_config");
}
