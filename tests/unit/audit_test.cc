// shanliu audit as a library: a clean chain passes; each kind of tampering with a stored
// chain is named exactly (height, tx, check); a rewritten history is caught by a checkpoint
// saved earlier even when it comes with a valid-looking checkpoint of its own.
#include <doctest/doctest.h>
#include <leveldb/db.h>

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "shanliu/audit/audit.h"
#include "shanliu/api/http_client.h"
#include "shanliu/api/server.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/hash.h"
#include "shanliu/ledger/tx.h"
#include "shanliu/ledger/block.h"
#include "shanliu/ledger/checkpoint.h"
#include "shanliu/pb/state.pb.h"
#include "cli_run.h"
#include "test_chain.h"

using namespace shanliu;
using shanliu::testing::TempDir;
using shanliu::testing::TestChain;
using shanliu::testing::TestKey;

namespace {

// A chain with a charity, a project, donations (bank-attested and self-reported), spending
// and an allocation, over `donation_blocks` + 4 blocks. `variant` changes the amounts, so two
// worlds with different variants share a genesis but not a history.
struct World {
  explicit World(int donation_blocks, std::int64_t variant = 0) {
    REQUIRE(chain.RegisterOrg("sunshine", pb::ORG_KIND_CHARITY, sunshine).ok());
    REQUIRE(chain.OpenProject("meals", "sunshine", sunshine).ok());
    for (int b = 0; b < donation_blocks; ++b) {
      std::vector<Bytes> txs;
      for (int i = 0; i < 4; ++i) txs.push_back(chain.DonationTx("project:meals", 1'000 + variant + i, chain.bank, "bank-1"));
      txs.push_back(chain.DonationTx("org:sunshine", 500 + variant, sunshine));
      for (const Status& s : chain.CommitBlock(txs)) REQUIRE(s.ok());
    }
    Grow(1);
  }
  // Two more blocks of spending and allocation.
  void Grow(int rounds) {
    for (int r = 0; r < rounds; ++r) {
      REQUIRE(chain.Commit(chain.SpendTx("project:meals", 700, sunshine)).ok());
      REQUIRE(chain.Commit(chain.TransferTx("org:sunshine", "project:meals", 300, sunshine)).ok());
    }
  }
  // The validator's cosigned checkpoint of the current head.
  std::string Note() {
    const pb::BlockHeader head = chain.ledger().head();
    Hash256 root;
    std::copy(head.log_root().begin(), head.log_root().end(), root.begin());
    const ledger::Cosignature c =
        ledger::MakeCosignature(chain.genesis(), 0, chain.validator().secret_key, head.log_size(), root, 1'767'300'000);
    return ledger::CheckpointNote(chain.genesis(), head.log_size(), root, std::vector<ledger::Cosignature>{c});
  }
  // A copy of the data directory the test may tamper with (the chain keeps its own open).
  std::filesystem::path Copy() {
    const std::filesystem::path to = copies.path() / ("data-" + std::to_string(++copies_made));
    std::filesystem::copy(chain.dir(), to, std::filesystem::copy_options::recursive);
    return to;
  }

  TestChain chain;
  crypto::KeyPair sunshine = TestKey("sunshine");
  TempDir copies;
  int copies_made = 0;
};

// Opens a copied data dir's LevelDB and lets `edit` change it.
void Tamper(const std::filesystem::path& data_dir, const std::function<void(leveldb::DB&)>& edit) {
  leveldb::DB* raw = nullptr;
  REQUIRE(leveldb::DB::Open(leveldb::Options(), (data_dir / "ledger").string(), &raw).ok());
  std::unique_ptr<leveldb::DB> db(raw);
  edit(*db);
}

std::string Key(std::string_view prefix, std::uint64_t v) {
  Bytes b;
  AppendU64(b, v);
  return std::string(prefix) + ToString(b);
}

pb::StoredBlock LoadBlock(leveldb::DB& db, std::uint64_t height) {
  std::string bytes;
  REQUIRE(db.Get(leveldb::ReadOptions(), Key("B/", height), &bytes).ok());
  pb::StoredBlock block;
  REQUIRE(block.ParseFromString(bytes));
  return block;
}

void StoreBlock(leveldb::DB& db, std::uint64_t height, const pb::StoredBlock& block) {
  REQUIRE(db.Put(leveldb::WriteOptions(), Key("B/", height), block.SerializeAsString()).ok());
}

audit::AuditReport AuditDir(const std::filesystem::path& dir, const ledger::Genesis& genesis,
                            std::optional<std::string> note = std::nullopt) {
  auto source = audit::OpenDataDirSource(dir);
  REQUIRE(source.ok());
  audit::AuditOptions options;
  options.threads = 2;
  options.batch_blocks = 3;  // several batches, and faults in the middle of one
  options.since_checkpoint_note = std::move(note);
  options.since_checkpoint_label = "saved.note";
  auto report = audit::RunAudit(**source, genesis, options);
  REQUIRE(report.ok());
  return *report;
}

bool Contains(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("a clean chain passes every check") {
  World w(5);
  const std::uint64_t head = w.chain.ledger().height();
  std::vector<audit::AuditProgress> progress;
  auto source = audit::OpenDataDirSource(w.Copy());
  REQUIRE(source.ok());
  audit::AuditOptions options;
  options.threads = 3;
  options.batch_blocks = 2;
  options.progress = [&](const audit::AuditProgress& p) { progress.push_back(p); };
  auto report = audit::RunAudit(**source, w.chain.genesis(), options);
  REQUIRE(report.ok());
  INFO(audit::ReportText(*report));
  CHECK(report->ok());
  CHECK(report->blocks_checked == head);
  CHECK(report->source_head_height == head);
  CHECK(report->txs_checked == w.chain.ledger().head().log_size());
  CHECK(report->gifts_traced == 25);
  CHECK(report->head_height == head);
  CHECK(report->checks_passed == std::vector<std::string>{"conservation", "trace_sums", "goods_conservation", "goods_trace_sums", "stored_state"});
  REQUIRE_FALSE(progress.empty());
  CHECK(progress.back().blocks_done == head);
  CHECK(progress.back().blocks_total == head);
  const nlohmann::json j = audit::ReportJson(*report);
  CHECK(j["ok"] == true);
  CHECK(j["failure"].is_null());
  CHECK(j["head"]["log_size"] == w.chain.ledger().head().log_size());
  CHECK(Contains(audit::ReportText(*report), "OK: every check holds"));
}

TEST_CASE("one flipped byte in a stored block header is named by its commit certificate") {
  World w(5);
  const auto dir = w.Copy();
  Tamper(dir, [](leveldb::DB& db) {
    pb::StoredBlock b = LoadBlock(db, 5);
    std::string digest = b.header().state_root();
    digest[7] = static_cast<char>(digest[7] ^ 0x01);
    b.mutable_header()->set_state_root(digest);
    StoreBlock(db, 5, b);
  });
  const audit::AuditReport r = AuditDir(dir, w.chain.genesis());
  REQUIRE(r.failure.has_value());
  INFO(audit::ReportText(r));
  CHECK(r.failure->height == 5);
  CHECK(r.failure->check == "commit_certificate");
  CHECK_FALSE(r.failure->tx_index.has_value());
  CHECK(r.blocks_checked == 4);
  const nlohmann::json j = audit::ReportJson(r);
  CHECK(j["ok"] == false);
  CHECK(j["failure"]["height"] == 5);
  CHECK(j["failure"]["check"] == "commit_certificate");
}

TEST_CASE("a wrong state digest signed by the validators themselves is caught by re-execution") {
  World w(5);
  const auto dir = w.Copy();
  std::string forged_digest;
  Tamper(dir, [&](leveldb::DB& db) {
    pb::StoredBlock b = LoadBlock(db, 4);
    std::string digest = b.header().state_root();
    digest[0] = static_cast<char>(digest[0] ^ 0x80);
    forged_digest = digest;
    b.mutable_header()->set_state_root(digest);
    auto hash = ledger::BlockHash(b.header());
    REQUIRE(hash.ok());
    // The validator key signs the forged header: the certificate is valid, the state is not.
    *b.mutable_commit() = ledger::MakeCommitCertificate(
        4, 0, *hash, {ledger::SignPrecommit(w.chain.genesis().chain_id, 4, 0, *hash, 0, w.chain.validator().secret_key)});
    StoreBlock(db, 4, b);
  });
  const audit::AuditReport r = AuditDir(dir, w.chain.genesis());
  REQUIRE(r.failure.has_value());
  INFO(audit::ReportText(r));
  CHECK(r.failure->height == 4);
  CHECK(r.failure->check == "state_root");
  CHECK(r.failure->found == crypto::ToHex(AsBytes(forged_digest)));
  CHECK(r.failure->expected != r.failure->found);
  CHECK(r.failure->expected.size() == 64);
}

TEST_CASE("one flipped byte in a stored transaction names the block and the tx") {
  World w(5);
  const auto dir = w.Copy();
  std::string id_hex;
  Tamper(dir, [&](leveldb::DB& db) {
    const pb::StoredBlock b = LoadBlock(db, 4);
    REQUIRE(b.tx_count() == 5);
    const std::string key = Key("L/", b.first_leaf() + 2);
    std::string envelope;
    REQUIRE(db.Get(leveldb::ReadOptions(), key, &envelope).ok());
    pb::Tx tx;
    REQUIRE(tx.ParseFromString(envelope));
    id_hex = crypto::ToHex(ledger::TxId(AsBytes(tx.body())));
    envelope[envelope.size() - 3] = static_cast<char>(envelope[envelope.size() - 3] ^ 0x40);  // in the signature
    REQUIRE(db.Put(leveldb::WriteOptions(), key, envelope).ok());
  });
  const audit::AuditReport r = AuditDir(dir, w.chain.genesis());
  REQUIRE(r.failure.has_value());
  INFO(audit::ReportText(r));
  CHECK(r.failure->height == 4);
  CHECK(r.failure->check == "tx_signature");
  REQUIRE(r.failure->tx_index.has_value());
  CHECK(*r.failure->tx_index == 2);
  CHECK(r.failure->tx_id_hex == id_hex);
}

TEST_CASE("a validly signed tx swapped into a certified block is named by the replay's execution check") {
  World w(5);
  const auto dir = w.Copy();
  const Bytes overdraw = w.chain.SpendTx("project:meals", 1'000'000'000, w.sunshine);  // far beyond its balance
  Tamper(dir, [&](leveldb::DB& db) {
    const pb::StoredBlock b = LoadBlock(db, 4);
    REQUIRE(db.Put(leveldb::WriteOptions(), Key("L/", b.first_leaf() + 1), ToString(overdraw)).ok());
  });
  const audit::AuditReport r = AuditDir(dir, w.chain.genesis());
  REQUIRE(r.failure.has_value());
  INFO(audit::ReportText(r));
  // The signature verifies and the header is untouched (its certificate holds): the tx is
  // refused by re-execution before the txs root is compared.
  CHECK(r.failure->height == 4);
  CHECK(r.failure->check == "execution");
  REQUIRE(r.failure->tx_index.has_value());
  CHECK(*r.failure->tx_index == 1);
  CHECK(r.failure->tx_id_hex == crypto::ToHex(w.chain.Decode(overdraw).id));
  CHECK(Contains(r.failure->message, "block 4, tx 1"));
  CHECK(r.blocks_checked == 3);
  const nlohmann::json j = audit::ReportJson(r);
  CHECK(j["failure"]["tx_index"] == 1);
  CHECK(j["failure"]["check"] == "execution");
}

TEST_CASE("a removed block is reported at its height") {
  World w(6);
  const auto dir = w.Copy();
  Tamper(dir, [](leveldb::DB& db) { REQUIRE(db.Delete(leveldb::WriteOptions(), Key("B/", 7)).ok()); });
  const audit::AuditReport r = AuditDir(dir, w.chain.genesis());
  REQUIRE(r.failure.has_value());
  INFO(audit::ReportText(r));
  CHECK(r.failure->height == 7);
  CHECK(r.failure->check == "storage");
  CHECK(Contains(r.failure->message, "block 7 is missing"));
  CHECK(r.blocks_checked == 6);
}

TEST_CASE("a forged commit signature is refused") {
  World w(5);
  const auto dir = w.Copy();
  Tamper(dir, [&](leveldb::DB& db) {
    pb::StoredBlock b = LoadBlock(db, 6);
    auto hash = ledger::BlockHash(b.header());
    REQUIRE(hash.ok());
    // Mallory signs the right vote bytes under the real validator's index.
    const pb::CommitSignature forged =
        ledger::SignPrecommit(w.chain.genesis().chain_id, 6, 0, *hash, 0, TestKey("mallory").secret_key);
    *b.mutable_commit()->mutable_signatures(0) = forged;
    StoreBlock(db, 6, b);
  });
  const audit::AuditReport r = AuditDir(dir, w.chain.genesis());
  REQUIRE(r.failure.has_value());
  INFO(audit::ReportText(r));
  CHECK(r.failure->height == 6);
  CHECK(r.failure->check == "commit_certificate");
}

TEST_CASE("a changed state record is caught against re-execution") {
  World w(3);
  const auto dir = w.Copy();
  Tamper(dir, [](leveldb::DB& db) {
    std::string org;
    REQUIRE(db.Get(leveldb::ReadOptions(), "o/sunshine", &org).ok());
    org.back() = static_cast<char>(org.back() ^ 0x01);
    REQUIRE(db.Put(leveldb::WriteOptions(), "o/sunshine", org).ok());
  });
  const audit::AuditReport r = AuditDir(dir, w.chain.genesis());
  REQUIRE(r.failure.has_value());
  INFO(audit::ReportText(r));
  CHECK(r.failure->check == "stored_state");
  CHECK(Contains(r.failure->message, "o/sunshine"));
  CHECK(r.blocks_checked == w.chain.ledger().height());  // every block itself checked out
}

TEST_CASE("a store from another genesis is refused at height 0") {
  World w(2);
  ledger::Genesis other = w.chain.genesis();
  other.organisations[1].name_en = "another federation";  // same chain id and validators, other state
  const audit::AuditReport r = AuditDir(w.Copy(), other);
  REQUIRE(r.failure.has_value());
  CHECK(r.failure->height == 0);
  CHECK(r.failure->check == "genesis");
}

TEST_CASE("a data directory in use by a running ledger is reported clearly") {
  World w(1);
  auto source = audit::OpenDataDirSource(w.chain.dir());
  REQUIRE_FALSE(source.ok());
  CHECK(source.status().code() == "in_use");
  CHECK(Contains(source.status().message(), "stop the node"));
  TempDir empty;
  CHECK(audit::OpenDataDirSource(empty.path()).status().code() == "not_found");
}

TEST_CASE("a saved checkpoint proves the log only grew") {
  World a(3);
  const std::string saved = a.Note();
  const std::uint64_t saved_size = a.chain.ledger().head().log_size();
  a.Grow(2);
  const audit::AuditReport r = AuditDir(a.Copy(), a.chain.genesis(), saved);
  INFO(audit::ReportText(r));
  REQUIRE(r.ok());
  REQUIRE(r.checkpoint.has_value());
  CHECK(r.checkpoint->size == saved_size);
  CHECK(r.checkpoint->consistent);
  CHECK(r.checkpoint->cosigners == std::vector<std::string>{"shanliu/test-chain/v0-bureau"});
  CHECK(r.checks_passed.back() == "checkpoint");
}

TEST_CASE("a rewritten history with a valid-looking new checkpoint is caught") {
  World honest(3);
  const std::string saved = honest.Note();
  const std::uint64_t saved_size = honest.chain.ledger().head().log_size();

  // Same genesis and validator key, different donations: a history written anew, longer.
  World rewritten(5, /*variant=*/7);
  const std::string fresh = rewritten.Note();
  auto fresh_check = ledger::VerifyCheckpointNote(fresh, rewritten.chain.genesis());
  REQUIRE(fresh_check.ok());
  CHECK(fresh_check->supermajority);  // on its own, the new checkpoint looks fine

  const audit::AuditReport clean = AuditDir(rewritten.Copy(), rewritten.chain.genesis(), fresh);
  CHECK(clean.ok());  // and the rewritten chain is internally consistent

  const audit::AuditReport r = AuditDir(rewritten.Copy(), rewritten.chain.genesis(), saved);
  REQUIRE(r.failure.has_value());
  INFO(audit::ReportText(r));
  CHECK(r.failure->check == "consistency");
  CHECK(Contains(r.failure->message, "log was rewritten: root at size " + std::to_string(saved_size) +
                                         " differs from the checkpoint saved in saved.note"));
  CHECK(r.checkpoint.has_value());
  CHECK_FALSE(r.checkpoint->consistent);

  SUBCASE("a shorter log than the checkpoint is a truncation") {
    World shorter(1, 3);
    const audit::AuditReport t = AuditDir(shorter.Copy(), shorter.chain.genesis(), fresh);
    REQUIRE(t.failure.has_value());
    CHECK(t.failure->check == "consistency");
    CHECK(Contains(t.failure->message, "truncated"));
  }
}

TEST_CASE("a checkpoint without enough valid cosignatures is refused") {
  World w(2);
  const std::string note = w.Note();
  const std::string body = note.substr(0, note.find("\n\n") + 1);
  const std::string forged = body + "\n" +
                             ledger::Cosign(TestKey("mallory").secret_key,
                                            *ledger::CosignerName(w.chain.genesis(), 0), body, 5);
  const audit::AuditReport r = AuditDir(w.Copy(), w.chain.genesis(), forged);
  REQUIRE(r.failure.has_value());
  CHECK(r.failure->check == "checkpoint");
  CHECK(Contains(r.failure->message, "more than 2/3"));

  const audit::AuditReport garbage = AuditDir(w.Copy(), w.chain.genesis(), std::string("not a note"));
  REQUIRE(garbage.failure.has_value());
  CHECK(garbage.failure->check == "checkpoint");
  CHECK(Contains(garbage.failure->message, "note_malformed"));
}

TEST_CASE("raw block frames refuse truncated and oversized input") {
  CHECK(audit::ParseRawBlocks("").ok());
  CHECK(audit::ParseRawBlocks(std::string("\x00\x00", 2)).status().code() == "block_malformed");
  CHECK(audit::ParseRawBlocks(std::string("\x00\x00\x00\x09" "abc", 7)).status().code() == "block_malformed");
  CHECK(audit::ParseRawBlocks(std::string("\xff\xff\xff\xff", 4)).status().code() == "block_malformed");
  CHECK(audit::ParseRawBlocks(std::string("\x00\x00\x00\x02\xff\xff", 6)).status().code() == "block_malformed");
}

TEST_CASE("the audit runs through the node API and the checkpoint routes serve the note") {
  World w(4);
  std::optional<std::string> note;
  api::NodeHooks hooks;
  hooks.checkpoint_note = [&note] { return note; };
  api::ServerConfig config;
  config.port = 0;
  api::Server server(config, w.chain.ledger(), hooks);
  REQUIRE(server.Start().ok());
  const std::string base = "http://127.0.0.1:" + std::to_string(server.port());

  // No note yet: null in /v1/checkpoint, 404 with a JSON error at /v1/checkpoint/note.
  auto cp = api::HttpRequest("GET", base + "/v1/checkpoint");
  REQUIRE(cp.ok());
  auto cp_json = nlohmann::json::parse(cp->body);
  CHECK(cp_json["note"].is_null());
  CHECK(cp_json["cosigners"].empty());
  CHECK(cp_json.contains("log_root"));
  auto missing = api::HttpRequest("GET", base + "/v1/checkpoint/note");
  REQUIRE(missing.ok());
  CHECK(missing->status == 404);
  CHECK(nlohmann::json::parse(missing->body)["error"]["code"] == "not_found");

  note = w.Note();
  auto text = api::HttpRequest("GET", base + "/v1/checkpoint/note");
  REQUIRE(text.ok());
  CHECK(text->status == 200);
  CHECK(text->content_type.starts_with("text/plain"));
  CHECK(text->body == *note);
  cp = api::HttpRequest("GET", base + "/v1/checkpoint");
  REQUIRE(cp.ok());
  cp_json = nlohmann::json::parse(cp->body);
  CHECK(cp_json["note"] == *note);
  REQUIRE(cp_json["cosigners"].size() == 1);
  CHECK(cp_json["cosigners"][0]["validator_index"] == 0);
  CHECK(cp_json["cosigners"][0]["name"] == "shanliu/test-chain/v0-bureau");

  // Raw blocks: one, and a batch.
  auto raw = api::HttpRequest("GET", base + "/v1/blocks/3/raw");
  REQUIRE(raw.ok());
  CHECK(raw->content_type == "application/x-protobuf");
  pb::CommittedBlock block;
  REQUIRE(block.ParseFromString(raw->body));
  CHECK(block.block().header().height() == 3);
  CHECK(block.commit().height() == 3);
  auto batch = api::HttpRequest("GET", base + "/v1/blocks/raw?from=2&limit=3");
  REQUIRE(batch.ok());
  auto blocks = audit::ParseRawBlocks(batch->body);
  REQUIRE(blocks.ok());
  REQUIRE(blocks->size() == 3);
  CHECK((*blocks)[2].block().header().height() == 4);
  auto beyond = api::HttpRequest("GET", base + "/v1/blocks/raw?from=999");
  REQUIRE(beyond.ok());
  CHECK(beyond->status == 404);
  auto bad_limit = api::HttpRequest("GET", base + "/v1/blocks/raw?from=1&limit=0");
  REQUIRE(bad_limit.ok());
  CHECK(bad_limit->status == 400);

  const std::string saved = *note;
  w.Grow(1);  // the node moves on after the note was saved
  auto source = audit::OpenNodeSource(base + "/");
  audit::AuditOptions options;
  options.threads = 2;
  options.batch_blocks = 4;
  options.since_checkpoint_note = saved;
  auto report = audit::RunAudit(*source, w.chain.genesis(), options);
  REQUIRE(report.ok());
  INFO(audit::ReportText(*report));
  CHECK(report->ok());
  CHECK(report->blocks_checked == w.chain.ledger().height());
  CHECK(report->checkpoint->consistent);
  // Through an API there is no database to compare.
  CHECK(std::find(report->checks_passed.begin(), report->checks_passed.end(), "stored_state") ==
        report->checks_passed.end());

  auto unreachable = audit::OpenNodeSource("http://127.0.0.1:1");
  auto failed = audit::RunAudit(*unreachable, w.chain.genesis(), options);
  CHECK_FALSE(failed.ok());
  CHECK(failed.status().code() == "unavailable");
  server.Stop();
}

namespace {

using CliRun = testing::CliRun;
using testing::RunCli;

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("shanliu audit and shanliu checkpoint exit codes and reports") {
  World w(3);
  TempDir files;
  const auto genesis_file = files.path() / "genesis.json";
  std::ofstream(genesis_file) << ledger::GenesisToJson(w.chain.genesis());
  const auto json_file = files.path() / "report.json";

  // First, while this process surely holds the LevelDB lock (copying the directory closes a
  // descriptor of its LOCK file, and POSIX then drops this process's fcntl lock on it).
  const CliRun in_use = RunCli({"audit", "--data-dir", w.chain.dir().string(), "--genesis", genesis_file.string()});
  CHECK(in_use.code == 1);
  CHECK(Contains(in_use.output, "in use"));

  const CliRun ok = RunCli({"audit", "--data-dir", w.Copy().string(), "--genesis", genesis_file.string(), "--json",
                            json_file.string(), "--threads", "2"});
  INFO(ok.output);
  CHECK(ok.code == 0);
  CHECK(Contains(ok.output, "OK: every check holds"));
  CHECK(Contains(ok.output, "blocks"));  // the progress lines
  const nlohmann::json report = nlohmann::json::parse(ReadFile(json_file));
  CHECK(report["ok"] == true);
  CHECK(report["blocks_checked"] == w.chain.ledger().height());

  const auto damaged = w.Copy();
  Tamper(damaged, [](leveldb::DB& db) { REQUIRE(db.Delete(leveldb::WriteOptions(), Key("B/", 2)).ok()); });
  const CliRun failed = RunCli({"audit", "--data-dir", damaged.string(), "--genesis", genesis_file.string()});
  INFO(failed.output);
  CHECK(failed.code == 3);
  CHECK(Contains(failed.output, "FAILED at height 2: storage"));

  CHECK(RunCli({"audit", "--genesis", genesis_file.string()}).code == 2);
  CHECK(RunCli({"audit", "--data-dir", "x", "--node", "http://127.0.0.1:1", "--genesis", "g"}).code == 2);
  CHECK(RunCli({"audit", "--data-dir", "x", "--genesis", "g", "--threads", "0"}).code == 2);
  CHECK(RunCli({"audit", "--data-dir", "x", "--genesis", "g", "--bogus", "1"}).code == 2);

  // Through the node: save the note with `shanliu checkpoint`, grow the chain, audit since it.
  const std::string note = w.Note();
  api::NodeHooks hooks;
  hooks.checkpoint_note = [&note] { return std::optional<std::string>(note); };
  api::ServerConfig config;
  config.port = 0;
  api::Server server(config, w.chain.ledger(), hooks);
  REQUIRE(server.Start().ok());
  const std::string base = "http://127.0.0.1:" + std::to_string(server.port());
  const auto note_file = files.path() / "saved.note";
  const CliRun saved = RunCli({"checkpoint", "--node", base, "--out", note_file.string(), "--genesis",
                               genesis_file.string()});
  INFO(saved.output);
  CHECK(saved.code == 0);
  CHECK(ReadFile(note_file) == note);
  CHECK(Contains(saved.output, "shanliu/test-chain/v0-bureau"));
  w.Grow(1);
  const CliRun since = RunCli({"audit", "--node", base, "--genesis", genesis_file.string(), "--since-checkpoint",
                               note_file.string(), "--json", "-"});
  INFO(since.output);
  CHECK(since.code == 0);
  CHECK(Contains(since.output, "\"consistent\": true"));
  server.Stop();
}
