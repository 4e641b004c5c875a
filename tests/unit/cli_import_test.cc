// Issue 18 (imports and safe retries): the yuan parser, the encoding detection, the CSV reader,
// the mapping file and the idempotency journal of `shanliu import` / `shanliu tx
// --idempotency-key`, with the bad input the issue lists and the boundaries either side.
#include <doctest/doctest.h>
#include <iconv.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "test_chain.h"
#include "import/amount.h"
#include "import/csv.h"
#include "import/import_map.h"
#include "import/journal.h"
#include "import/text_encoding.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/crypto/hash.h"

namespace shanliu {
namespace {

using namespace cli::import;
using testing::TempDir;

std::string AmountError(const std::string& text) {
  auto r = ParseYuanToFen(text);
  if (r.ok()) return "ok";
  CHECK(r.status().code() == "bad_amount");
  return r.status().message();
}

TEST_CASE("yuan to fen: exact decimals by string, never floating point") {
  CHECK(*ParseYuanToFen("0.01") == 1);
  CHECK(*ParseYuanToFen("0.1") == 10);
  CHECK(*ParseYuanToFen("1") == 100);
  CHECK(*ParseYuanToFen("1.5") == 150);
  CHECK(*ParseYuanToFen("1.05") == 105);
  CHECK(*ParseYuanToFen("1000.00") == 100000);
  CHECK(*ParseYuanToFen(" 12.34 ") == 1234);
  CHECK(*ParseYuanToFen("¥50.00") == 5000);
  CHECK(*ParseYuanToFen("￥50") == 5000);
  CHECK(*ParseYuanToFen("0.29") == 29);       // 0.29 * 100 is 28.999... in binary floating point
  CHECK(*ParseYuanToFen("1234567.89") == 123456789);
  // The ledger's limit, 10^15 fen, passes; one fen more fails.
  CHECK(*ParseYuanToFen("10000000000000") == kMaxImportFen);
  CHECK(*ParseYuanToFen("10000000000000.00") == kMaxImportFen);
  CHECK(AmountError("10000000000000.01").find("limit") != std::string::npos);
  CHECK(AmountError("99999999999999999999999").find("limit") != std::string::npos);
}

TEST_CASE("yuan to fen: every bad amount of the issue is refused with its reason") {
  CHECK(AmountError("¥1.005").find("two decimals") != std::string::npos);
  CHECK(AmountError("1.005").find("two decimals") != std::string::npos);
  CHECK(AmountError("-5.00").find("sign") != std::string::npos);
  CHECK(AmountError("+5.00").find("sign") != std::string::npos);
  CHECK(AmountError("1,000.00").find("thousands") != std::string::npos);
  CHECK(AmountError("１００.００").find("full-width") != std::string::npos);
  CHECK(AmountError("100．00").find("full-width") != std::string::npos);
  CHECK(AmountError("").find("empty") != std::string::npos);
  CHECK(AmountError("   ").find("empty") != std::string::npos);
  CHECK(AmountError("¥").find("empty") != std::string::npos);
  CHECK(AmountError("0").find("zero") != std::string::npos);
  CHECK(AmountError("0.00").find("zero") != std::string::npos);
  CHECK(AmountError("1e3").find("exponent") != std::string::npos);
  CHECK(AmountError("1.").find("after the point") != std::string::npos);
  CHECK(AmountError(".5").find("before the point") != std::string::npos);
  CHECK(AmountError("1.2.3") != "ok");
  CHECK(AmountError("12 34") != "ok");
  CHECK(AmountError("NaN") != "ok");
  CHECK(AmountError("五十") != "ok");
  CHECK(AmountError("1.00元") != "ok");
  CHECK(AmountError("¥¥1") != "ok");
}

std::string ToGbk(const std::string& utf8) {
  iconv_t cd = iconv_open("GBK", "UTF-8");
  REQUIRE(cd != reinterpret_cast<iconv_t>(-1));
  std::string out(utf8.size() * 2 + 4, '\0');
  char* in = const_cast<char*>(utf8.data());
  std::size_t in_left = utf8.size();
  char* o = out.data();
  std::size_t o_left = out.size();
  REQUIRE(iconv(cd, &in, &in_left, &o, &o_left) != static_cast<std::size_t>(-1));
  iconv_close(cd);
  out.resize(out.size() - o_left);
  return out;
}

TEST_CASE("encodings: UTF-8, UTF-8 with BOM and GBK are detected, anything else is refused") {
  const std::string text = "交易日期,金额,流水号\n2026-03-14,50.00,B001\n";
  auto plain = DecodeToUtf8(text, Encoding::kAuto);
  REQUIRE(plain.ok());
  CHECK(plain->utf8 == text);
  CHECK(plain->encoding == Encoding::kUtf8);
  CHECK(!plain->had_bom);
  auto bom = DecodeToUtf8("\xEF\xBB\xBF" + text, Encoding::kAuto);
  REQUIRE(bom.ok());
  CHECK(bom->utf8 == text);
  CHECK(bom->had_bom);
  const std::string gbk = ToGbk(text);
  CHECK(gbk != text);
  auto from_gbk = DecodeToUtf8(gbk, Encoding::kAuto);
  REQUIRE(from_gbk.ok());
  CHECK(from_gbk->utf8 == text);
  CHECK(from_gbk->encoding == Encoding::kGbk);
  CHECK(DecodeToUtf8(gbk, Encoding::kGbk)->utf8 == text);
  // GBK bytes declared as UTF-8: refused with where.
  auto wrong = DecodeToUtf8(gbk, Encoding::kUtf8);
  REQUIRE(!wrong.ok());
  CHECK(wrong.status().code() == "bad_encoding");
  CHECK(wrong.status().message().find("line 1") != std::string::npos);
  // A BOM promises UTF-8: GBK after it is an error, not a silent guess.
  CHECK(DecodeToUtf8("\xEF\xBB\xBF" + gbk, Encoding::kAuto).status().code() == "bad_encoding");
  // Neither UTF-8 nor GBK (0xFF is never valid in either), on line 2.
  auto neither = DecodeToUtf8("a,b\n\xFF\xFF,c\n", Encoding::kAuto);
  REQUIRE(!neither.ok());
  CHECK(neither.status().message().find("line 2") != std::string::npos);
  // A GBK lead byte cut off at the end of the file.
  CHECK(!DecodeToUtf8(gbk.substr(0, 1), Encoding::kGbk).ok());
  // Overlong UTF-8 ("/" as C0 AF) is not valid UTF-8.
  CHECK(DecodeToUtf8("\xC0\xAF", Encoding::kUtf8).status().code() == "bad_encoding");
  CHECK(DecodeToUtf8("", Encoding::kAuto)->utf8.empty());
  CHECK(ParseEncoding("gbk").ok());
  CHECK(ParseEncoding("latin1").status().code() == "usage");
}

TEST_CASE("CSV: quotes, doubled quotes, embedded commas and line breaks, CRLF, blank lines") {
  auto r = ParseCsv("a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n\r\n1,,3\nlast,row,");
  REQUIRE(r.ok());
  REQUIRE(r->size() == 4);
  CHECK((*r)[0].fields == std::vector<std::string>{"a", "b", "c"});
  CHECK((*r)[1].fields == std::vector<std::string>{"x, y", "say \"hi\"", "two\nlines"});
  CHECK((*r)[1].line == 2);
  CHECK((*r)[2].fields == std::vector<std::string>{"1", "", "3"});
  CHECK((*r)[2].line == 5);  // after the two-line field and a blank line
  CHECK((*r)[3].fields == std::vector<std::string>{"last", "row", ""});
  CHECK(ParseCsv("")->empty());
  CHECK(ParseCsv("\"\"")->front().fields == std::vector<std::string>{""});
}

TEST_CASE("CSV: malformed input is refused with its line") {
  auto unterminated = ParseCsv("a,b\n1,\"open\n2,3\n");
  REQUIRE(!unterminated.ok());
  CHECK(unterminated.status().code() == "invalid_csv");
  CHECK(unterminated.status().message().find("line 2") != std::string::npos);
  CHECK(ParseCsv("a,b\n1,x\"y\n").status().message().find("line 2") != std::string::npos);
  CHECK(ParseCsv("\"a\"b,c\n").status().code() == "invalid_csv");
  CHECK(ParseCsv(std::string("a,\0,b\n", 6)).status().code() == "invalid_csv");
  CsvLimits limits;
  limits.max_records = 2;
  limits.max_fields = 3;
  limits.max_field_bytes = 4;
  CHECK(ParseCsv("a\nb\n", limits).ok());
  CHECK(!ParseCsv("a\nb\nc\n", limits).ok());
  CHECK(ParseCsv("1,2,3\n", limits).ok());
  CHECK(!ParseCsv("1,2,3,4\n", limits).ok());
  CHECK(ParseCsv("abcd\n", limits).ok());
  CHECK(!ParseCsv("abcde\n", limits).ok());
  CHECK(!ParseCsv("\"abcde\"\n", limits).ok());
}

TEST_CASE("CSV fields are written back quoted and formula-safe") {
  CHECK(CsvField("plain") == "plain");
  CHECK(CsvField("a,b") == "\"a,b\"");
  CHECK(CsvField("say \"x\"") == "\"say \"\"x\"\"\"");
  CHECK(CsvField("two\nlines") == "\"two\nlines\"");
  CHECK(CsvField("=HYPERLINK(1)") == "'=HYPERLINK(1)");
  auto back = ParseCsv(CsvField("x,\"y\"\n") + "\n");
  REQUIRE(back.ok());
  CHECK(back->front().fields.front() == "x,\"y\"\n");
}

constexpr const char* kDonationMap = R"({"kind": "donations",
  "columns": {"amount_yuan": "金额", "bank_ref": "流水号", "donor_id": "付款账号", "to_account": "收款账户",
              "date": "交易日期", "receipt_number": "票据号"},
  "values": {"attesting_bank": "bank-1"},
  "donor_salt_file": "salt.bin"})";

TEST_CASE("mapping file: a good map binds its columns and builds rows") {
  auto map = ParseImportMap(kDonationMap, ImportKind::kDonations, "/maps");
  REQUIRE(map.ok());
  CHECK(map->donor_salt_file == std::filesystem::path("/maps/salt.bin"));
  REQUIRE(BindColumns(*map, {"交易日期", "金额", "流水号", "付款账号", " 收款账户 ", "票据号", "其他"}).ok());
  CsvRecord record{7, {"2026/03/14", "50.00", "B-001", "donor-42", "org:xihu", "", "x"}};
  const std::string salt = "0123456789abcdef";
  auto row = BuildRow(*map, record, 3, AsBytes(salt));
  REQUIRE(row.ok());
  CHECK(row->row == 3);
  CHECK(row->line == 7);
  CHECK(row->key == "B-001");
  CHECK(row->date == "2026-03-14");
  CHECK(row->payload["amount_fen"] == 5000);
  CHECK(row->payload["attesting_bank"] == "bank-1");
  CHECK(row->payload["channel"] == "bank_transfer");
  CHECK(row->payload["bank_ref_hash"] == crypto::ToHex(crypto::Sha256(AsBytes(std::string("B-001")))));
  CHECK(row->payload["donor_ref"] == crypto::ToHex(crypto::Sha256(AsBytes(salt + "donor-42"))));
  CHECK(!row->payload.contains("receipt_number_hash"));  // empty optional column
  record.fields[1] = "1,000.00";
  CHECK(BuildRow(*map, record, 3, AsBytes(salt)).status().code() == "bad_amount");
  record.fields[1] = "5";
  record.fields[2] = "";
  CHECK(BuildRow(*map, record, 3, AsBytes(salt)).status().code() == "missing_value");
  record.fields[2] = "B-1";
  record.fields[0] = "2026-02-30";
  CHECK(BuildRow(*map, record, 3, AsBytes(salt)).status().code() == "bad_date");
  record.fields.resize(2);  // a short row: the missing cells are empty
  CHECK(!BuildRow(*map, record, 3, AsBytes(salt)).ok());
}

TEST_CASE("mapping file: malformed maps are refused naming the problem") {
  const std::filesystem::path dir = "/maps";
  auto code = [&](const std::string& text, ImportKind kind = ImportKind::kDonations) {
    auto m = ParseImportMap(text, kind, dir);
    return m.ok() ? std::string("ok") : m.status().code() + ": " + m.status().message();
  };
  CHECK(code("not json").find("invalid_map") == 0);
  CHECK(code("[]").find("not a JSON object") != std::string::npos);
  CHECK(code(R"({"kind":"spends"})").find("not donations") != std::string::npos);
  CHECK(code(R"({"kind":"donations","colums":{}})").find("unknown key") != std::string::npos);
  CHECK(code(R"({"kind":"donations","columns":{"amount":"x"}})").find("not a field") != std::string::npos);
  CHECK(code(R"({"kind":"donations","columns":{"amount_yuan":""}})").find("non-empty") != std::string::npos);
  CHECK(code(R"({"kind":"donations","columns":{"amount_yuan":5}})").find("non-empty") != std::string::npos);
  CHECK(code(R"({"kind":"donations","columns":[]})").find("must be an object") != std::string::npos);
  CHECK(code(R"({"kind":"donations","columns":{"amount_yuan":"a"},"values":{"amount_yuan":"1"}})").find("both") !=
        std::string::npos);
  CHECK(code(R"({"kind":"donations","columns":{"amount_yuan":"a"}})").find("bank_ref") != std::string::npos);
  std::string no_salt = kDonationMap;
  no_salt.replace(no_salt.find(",\n  \"donor_salt_file\""), std::string(",\n  \"donor_salt_file\": \"salt.bin\"").size(), "");
  CHECK(code(no_salt).find("donor_salt_file") != std::string::npos);
  CHECK(code(std::string(70 * 1024, ' ')).find("64 KiB") != std::string::npos);
  auto map = ParseImportMap(kDonationMap, ImportKind::kDonations, dir);
  REQUIRE(map.ok());
  CHECK(BindColumns(*map, {"金额", "流水号"}).message().find("not in the file's header") != std::string::npos);
  CHECK(BindColumns(*map, {"交易日期", "金额", "金额", "流水号", "付款账号", "收款账户", "票据号"}).message().find("twice") !=
        std::string::npos);
  const std::string spends = R"({"kind":"spends","columns":{"row_key":"凭证号","amount_yuan":"金额","date":"日期"},
    "values":{"from_account":"org:c","category":"material","payee_kind":"vendor"}})";
  CHECK(code(spends, ImportKind::kSpends) == "ok");
  std::string spends_salt = spends;
  spends_salt.insert(spends_salt.size() - 1, R"(,"donor_salt_file":"s")");
  CHECK(code(spends_salt, ImportKind::kSpends).find("donations only") != std::string::npos);
}

TEST_CASE("salt files hold 16 to 1024 bytes") {
  TempDir dir;
  auto write = [&](std::size_t n) {
    const auto path = std::filesystem::path(dir.path()) / ("salt-" + std::to_string(n));
    std::ofstream(path, std::ios::binary) << std::string(n, 's');
    return path;
  };
  CHECK(!ReadSaltFile(write(15)).ok());
  CHECK(ReadSaltFile(write(16))->size() == 16);
  CHECK(ReadSaltFile(write(1024))->size() == 1024);
  CHECK(!ReadSaltFile(write(1025)).ok());
  CHECK(!ReadSaltFile(std::filesystem::path(dir.path()) / "missing").ok());
}

TEST_CASE("dates: three spellings, real days only, Beijing midnight") {
  CHECK(ParseImportDate("2026-03-14")->iso == "2026-03-14");
  CHECK(ParseImportDate("2026/03/14")->iso == "2026-03-14");
  CHECK(ParseImportDate("20260314")->iso == "2026-03-14");
  // 2026-03-14 00:00 +08:00 is 2026-03-13 16:00 UTC.
  CHECK(ParseImportDate("2026-03-14")->beijing_midnight_ms == 1'773'417'600'000ULL);
  CHECK(ParseImportDate("2024-02-29").ok());
  for (const char* bad : {"2026-02-29", "2026-13-01", "2026-00-10", "2026-3-14", "2026-03/14", "14/03/2026", "",
                          "1999-12-31", "2100-01-01", "２０２６0314", "2026031a"}) {
    CAPTURE(bad);
    CHECK(ParseImportDate(bad).status().code() == "bad_date");
  }
}

JournalEntry Entry(const std::string& key, const std::string& fields, std::uint8_t id) {
  JournalEntry e;
  e.key = key;
  e.fields_hex = fields;
  e.tx_id.fill(id);
  e.envelope = Bytes{1, 2, 3, id};
  e.expires_at_height = 100;
  e.expires_at_ms = 5000;
  return e;
}

TEST_CASE("journal: entries survive reopening, a later entry for a key replaces the earlier") {
  TempDir dir;
  const std::filesystem::path jdir = std::filesystem::path(dir.path()) / "j";
  {
    auto j = Journal::Open(jdir);
    REQUIRE(j.ok());
    CHECK((*j)->size() == 0);
    REQUIRE((*j)->Append({Entry("a", "f1", 1), Entry("b", "f2", 2)}).ok());
    REQUIRE((*j)->Append({Entry("a", "f1", 3)}).ok());
    CHECK((*j)->Find("a")->tx_id[0] == 3);
  }
  CHECK((std::filesystem::status(jdir / kJournalFileName).permissions() & std::filesystem::perms::others_read) ==
        std::filesystem::perms::none);
  auto j = Journal::Open(jdir);
  REQUIRE(j.ok());
  CHECK((*j)->size() == 2);
  CHECK((*j)->Find("a")->tx_id[0] == 3);
  CHECK((*j)->Find("b")->envelope == Bytes{1, 2, 3, 2});
  CHECK((*j)->Find("c") == nullptr);
}

TEST_CASE("journal: one process at a time") {
  TempDir dir;
  auto first = Journal::Open(dir.path());
  REQUIRE(first.ok());
  // flock locks belong to the open file description: a second open in this process conflicts
  // exactly as another process would.
  auto second = Journal::Open(dir.path());
  REQUIRE(!second.ok());
  CHECK(second.status().code() == "journal_busy");
  first->reset();
  CHECK(Journal::Open(dir.path()).ok());
}

TEST_CASE("journal: a torn last line is dropped, a corrupt line is an error") {
  TempDir dir;
  const auto file = std::filesystem::path(dir.path()) / kJournalFileName;
  {
    auto j = Journal::Open(dir.path());
    REQUIRE(j.ok());
    REQUIRE((*j)->Append({Entry("a", "f", 1)}).ok());
  }
  const auto whole = std::filesystem::file_size(file);
  std::ofstream(file, std::ios::app) << R"({"key":"b","fields":"f","tx_id":"01)";  // a crash mid-append
  {
    auto j = Journal::Open(dir.path());
    REQUIRE(j.ok());
    CHECK((*j)->size() == 1);
    CHECK(std::filesystem::file_size(file) == whole);  // truncated back to the last whole line
    REQUIRE((*j)->Append({Entry("b", "f", 2)}).ok());
  }
  {
    auto again = Journal::Open(dir.path());
    REQUIRE(again.ok());
    CHECK((*again)->size() == 2);
  }
  std::ofstream(file, std::ios::app) << "{\"key\":\"c\"}\n";
  auto bad = Journal::Open(dir.path());
  REQUIRE(!bad.ok());
  CHECK(bad.status().code() == "journal_corrupt");
  CHECK(bad.status().message().find("line 3") != std::string::npos);
  std::ofstream(file, std::ios::trunc) << "not json\n";
  CHECK(Journal::Open(dir.path()).status().code() == "journal_corrupt");
  std::ofstream(file, std::ios::trunc) << R"({"key":"a","fields":"f","tx_id":"zz","envelope":"01","expires_at_height":1,"expires_at_ms":1})" << "\n";
  CHECK(Journal::Open(dir.path()).status().code() == "journal_corrupt");
}

TEST_CASE("journal decisions: same key and fields reuse, other fields conflict, expiry by the head") {
  const JournalEntry e = Entry("k", "fields-1", 1);
  CHECK(CheckJournalKey(nullptr, "fields-1") == KeyCheck::kNew);
  CHECK(CheckJournalKey(&e, "fields-1") == KeyCheck::kSameFields);
  CHECK(CheckJournalKey(&e, "fields-2") == KeyCheck::kConflict);
  // expires_at_height 100, expires_at_ms 5000: a block at height <= 100 with time <= 5000 may
  // still include it; the next block is head + 1 with a time strictly after the head's.
  CHECK(CanStillCommit(e, 99, 4999));
  CHECK(!CanStillCommit(e, 100, 4999));  // the next block is 101
  CHECK(!CanStillCommit(e, 99, 5000));   // the next block's time is > 5000
  CHECK(!CanStillCommit(e, 500, 100000));
}

TEST_CASE("fields digest and nonce: retries agree, any booked field or signer changes them") {
  pb::TxBody a;
  a.set_chain_id("c");
  a.mutable_donation()->set_to_account("org:x");
  a.mutable_donation()->set_amount_fen(5000);
  pb::TxBody retry = a;
  retry.set_nonce(7);
  retry.set_created_at_ms(123);
  retry.set_expires_at_ms(456);
  retry.set_expires_at_height(9);
  const crypto::PublicKey k1{1};
  const crypto::PublicKey k2{2};
  const std::string fields = FieldsDigest(a, {k1});
  CHECK(fields.size() == 64);
  CHECK(FieldsDigest(retry, {k1}) == fields);
  pb::TxBody more = a;
  more.mutable_donation()->set_amount_fen(5001);
  CHECK(FieldsDigest(more, {k1}) != fields);
  pb::TxBody other_chain = a;
  other_chain.set_chain_id("d");
  CHECK(FieldsDigest(other_chain, {k1}) != fields);
  CHECK(FieldsDigest(a, {k2}) != fields);
  CHECK(FieldsDigest(a, {k1, k2}) != fields);
  CHECK(DeterministicNonce("key", fields) == DeterministicNonce("key", fields));
  CHECK(DeterministicNonce("key", fields) != DeterministicNonce("key2", fields));
  CHECK(DeterministicNonce("key", fields) != DeterministicNonce("key", FieldsDigest(more, {k1})));
}

}  // namespace
}  // namespace shanliu
