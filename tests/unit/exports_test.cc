// Exports: CSV quoting, period parsing and boundaries, paging, the XML writer, IATI documents
// that parse back (python3's xml.etree) and validate, the attestation/channel/beneficiary
// columns, per-project exports, the disclosure export, and hostile names (python3's csv module).
#include <doctest/doctest.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlschemas.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <tuple>
#include <vector>

#include "../../api/src/exports.h"
#include "shanliu/api/http_client.h"
#include "shanliu/api/server.h"
#include "cli_run.h"
#include "snapshot_restore.h"
#include "test_chain.h"

namespace shanliu::api::internal {
namespace {

// The official IATI 2.03 schema (a byte-identical copy of ../shared/iati-2.03; see its README).
const std::filesystem::path kIatiSchemaDir = std::filesystem::path(SHANLIU_SOURCE_DIR) / "tests" / "data" / "iati-2.03";

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void CollectSchemaError(void* sink, const xmlError* error) {
  auto* errors = static_cast<std::vector<std::string>*>(sink);
  errors->push_back("line " + std::to_string(error->line) + ": " + (error->message ? error->message : "?"));
}

// Validates `xml` against the official IATI activities schema with libxml2 (no network); returns
// the schema errors one per line, empty when the document is valid. A schema that does not load is a failure.
std::string IatiSchemaErrors(const std::string& xml) {
  std::vector<std::string> errors;
  const std::string schema_path = (kIatiSchemaDir / "iati-activities-schema.xsd").string();
  xmlSchemaParserCtxtPtr parser = xmlSchemaNewParserCtxt(schema_path.c_str());
  REQUIRE(parser != nullptr);
  xmlSchemaPtr schema = xmlSchemaParse(parser);
  xmlSchemaFreeParserCtxt(parser);
  REQUIRE_MESSAGE(schema != nullptr, "the IATI schema did not load from " << schema_path);
  xmlDocPtr doc = xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "iati.xml", nullptr,
                               XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  if (doc == nullptr) {
    errors.push_back("not well-formed XML");
  } else {
    xmlSchemaValidCtxtPtr valid = xmlSchemaNewValidCtxt(schema);
    xmlSchemaSetValidStructuredErrors(valid, reinterpret_cast<xmlStructuredErrorFunc>(&CollectSchemaError), &errors);
    const int rc = xmlSchemaValidateDoc(valid, doc);
    if (rc != 0 && errors.empty()) errors.push_back("validation failed with code " + std::to_string(rc));
    xmlSchemaFreeValidCtxt(valid);
    xmlFreeDoc(doc);
  }
  xmlSchemaFree(schema);
  std::string joined;
  for (const std::string& e : errors) joined += e + "\n";
  return joined;
}

using Json = nlohmann::json;
using testing::TempDir;
using testing::TestChain;

// The test chain's genesis is 2026-01-01 08:00 Beijing.
constexpr std::uint64_t kJan2nd = 1'767'283'200'000;   // 2026-01-02 00:00:00.000 Beijing
constexpr std::uint64_t kJan3rd = 1'767'369'600'000;   // 2026-01-03 00:00:00.000 Beijing

TEST_CASE("CSV fields with commas quotes and newlines are quoted as RFC 4180 says") {
  CHECK(CsvField("plain") == "plain");
  CHECK(CsvField("") == "");
  CHECK(CsvField("a,b") == "\"a,b\"");
  CHECK(CsvField("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(CsvField("two\nlines") == "\"two\nlines\"");
  CHECK(CsvField("cr\rhere") == "\"cr\rhere\"");
  CHECK(CsvField("张三，李四") == "张三，李四");  // a full-width comma is just text
  // Bad UTF-8 and control characters become U+FFFD; the row stays valid UTF-8.
  CHECK(CsvField(std::string("x\xff", 2)) == "x\xEF\xBF\xBD");
  CHECK(CsvField(std::string("a\0b", 3)) == "a\xEF\xBF\xBD" "b");
  CHECK(CsvHeader().ends_with("\r\n"));
  CHECK(YuanText(12345) == "123.45");
  CHECK(YuanText(5) == "0.05");
  CHECK(YuanText(-5) == "-0.05");
  CHECK(YuanText(100) == "1.00");
}

// Issue 15: a cell a spreadsheet would run as a formula (OWASP CSV injection rule) is made text.
TEST_CASE("CSV text cells starting with a formula character are neutralised and others are not") {
  for (const std::string lead : {"=", "+", "-", "@", "\t", "\r"}) {
    CAPTURE(lead);
    const std::string cell = lead + "1+1";
    const std::string out = CsvTextField(cell);
    CHECK(out == "\"'" + cell + "\"");
  }
  CHECK(CsvTextField("=HYPERLINK(\"http://evil\",\"x\")") == "\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\"");
  // The boundary: the same characters later in the cell, a leading space, and text stay as they were.
  CHECK(CsvTextField("a=1") == "a=1");
  CHECK(CsvTextField(" =1") == " =1");
  CHECK(CsvTextField("张三") == "张三");
  CHECK(CsvTextField("") == "");
  CHECK(CsvTextField("x, y") == "\"x, y\"");
  CHECK(CsvTextField("'=1") == "'=1");  // already text to a spreadsheet
  // The row: text columns are neutralised, the amounts (negative for corrections) are not.
  Movement m;
  m.kind = "correction";
  m.from = "org:a";
  m.to = "donor";
  m.amount_fen = -500;
  m.from_name = "+cmd|' /C calc'!A0";
  m.description = "@SUM(1+1)";
  const std::string row = CsvRow(m);
  CHECK(row.find(",-500,-5.00,") != std::string::npos);
  CHECK(row.find(",\"'+cmd|' /C calc'!A0\",") != std::string::npos);
  // The goods columns (item_code .. region_name) follow the description, empty on a money row;
  // then attested, attested_by, channel and beneficiaries (none recorded: empty).
  CHECK(row.ends_with(",\"'@SUM(1+1)\",,,,,,,,false,,,\r\n"));
}

TEST_CASE("UTF-8 cleaning rejects overlong forms surrogates and XML non-characters") {
  CHECK(CleanUtf8("善流 ok") == "善流 ok");
  CHECK(CleanUtf8("\xC0\xAF") == "\xEF\xBF\xBD\xEF\xBF\xBD");          // overlong '/'
  CHECK(CleanUtf8("\xED\xA0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  CHECK(CleanUtf8("\xEF\xBF\xBF") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // U+FFFF
  CHECK(CleanUtf8("\xF0\x9F\x98\x80") == "\xF0\x9F\x98\x80");          // emoji kept
  CHECK(CleanUtf8("\xE5\x96") == "\xEF\xBF\xBD\xEF\xBF\xBD");          // cut short
}

TEST_CASE("export periods are whole Beijing days with limits") {
  std::string from = "2026-01-02", to = "2026-01-02";
  auto p = ParseExportPeriod(&from, &to);
  REQUIRE(p.ok());
  CHECK(p->begin_ms == kJan2nd);
  CHECK(p->end_ms == kJan3rd);
  to = "2026-12-31";
  from = "2026-01-01";
  CHECK(ParseExportPeriod(&from, &to).ok());  // 365 days
  from = "2024-01-01";
  to = "2024-12-31";
  CHECK(ParseExportPeriod(&from, &to).ok());  // 366 days in a leap year
  to = "2025-01-01";
  CHECK(ParseExportPeriod(&from, &to).status().code() == "invalid_argument");  // 367 days
  for (const char* bad : {"2026-1-02", "2026/01/02", "2026-02-30", "2026-13-01", "abcd-ef-gh", "", "1969-12-31",
                          "2026-01-02T00:00", " 2026-01-02", "+026-01-02"}) {
    INFO(bad);
    std::string f = bad, t = "2026-01-02";
    CHECK(ParseExportPeriod(&f, &t).status().code() == "invalid_argument");
  }
  from = "2026-01-03";
  to = "2026-01-02";
  CHECK(ParseExportPeriod(&from, &to).status().code() == "invalid_argument");  // from > to
  CHECK(ParseExportPeriod(nullptr, &to).status().code() == "invalid_argument");
}

TEST_CASE("the XML writer escapes text and attributes and closes what it opened") {
  XmlWriter w;
  w.Open("a", {{"x", "1 < 2 & \"q\" 'a'"}});
  w.Text("b", {}, "<script>&amp;</script>");
  w.Empty("c", {{"y", "line\nbreak"}});
  w.Open("d");
  const std::string doc = w.Finish();
  CHECK(doc.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"));
  CHECK(doc.find("x=\"1 &lt; 2 &amp; &quot;q&quot; &apos;a&apos;\"") != std::string::npos);
  CHECK(doc.find("<b>&lt;script&gt;&amp;amp;&lt;/script&gt;</b>") != std::string::npos);
  CHECK(doc.find("y=\"line&#10;break\"") != std::string::npos);
  CHECK(doc.find("</d>") != std::string::npos);
  CHECK(doc.ends_with("</a>\n"));
  CHECK(XmlWriter::Escape(std::string("\x01", 1)) == "\xEF\xBF\xBD");
}

// ---------------------------------------------------------------- through the API

class ExportApi {
 public:
  ExportApi() {
    ServerConfig config;
    config.port = 0;
    config.threads = 1;
    server = std::make_unique<Server>(config, chain.ledger(), NodeHooks{});
    REQUIRE(server->Start().ok());
    base = "http://127.0.0.1:" + std::to_string(server->port());
    Build();
  }
  ~ExportApi() { server->Stop(); }

  HttpResponse Get(const std::string& target) {
    auto r = ::shanliu::api::HttpRequest("GET", base + target);
    REQUIRE(r.ok());
    return *r;
  }

  // Day 1 (2026-01-01 Beijing): a project. Last millisecond of 1 January: a donation with a
  // hostile display name. 2 January 00:00: a spend and a transfer. 3 January: a donation.
  void Build() {
    REQUIRE(chain.RegisterOrg("charity-a", pb::ORG_KIND_CHARITY, charity).ok());
    REQUIRE(chain.OpenProject("meals", "charity-a", charity).ok());
    Bytes named = chain.MakeTx(
        [&](pb::TxBody& b) {
          auto* d = b.mutable_donation();
          d->set_to_account("org:charity-a");
          d->set_amount_fen(12'345);
          d->set_donor_ref(std::string(32, 'd'));
          // A formula (OWASP CSV injection) with quotes, a comma and XML specials; line breaks
          // are refused at admission (control_character), so the name is one line.
          d->set_donor_display_name("=HYPERLINK(\"http://x.example\",\"Zhang, Big San\") <&>");
          d->set_channel(pb::DONATION_CHANNEL_BANK_TRANSFER);
          d->set_attesting_bank("bank-1");
        },
        {&chain.bank});
    REQUIRE(chain.CommitBlock({named}, kJan2nd - 1)[0].ok());
    const auto statuses =
        chain.CommitBlock({chain.TransferTx("org:charity-a", "project:meals", 10'000, charity),
                           chain.SpendTx("project:meals", 4'000, charity)},
                          kJan2nd);
    REQUIRE(statuses[0].ok());
    REQUIRE(statuses[1].ok());
    chain.signing_time_ms = kJan3rd;  // signed the day it is sent, more than 24 h after the last block
    REQUIRE(chain.CommitBlock({chain.DonationTx("project:meals", 700, chain.bank, "bank-1")}, kJan3rd + 5)[0].ok());
  }

  static std::vector<std::string> Lines(const std::string& csv) {
    // Splits on CRLF outside quotes.
    std::vector<std::string> out;
    std::string cur;
    bool quoted = false;
    for (std::size_t i = 0; i < csv.size(); ++i) {
      if (csv[i] == '"') quoted = !quoted;
      if (!quoted && csv[i] == '\r' && i + 1 < csv.size() && csv[i + 1] == '\n') {
        out.push_back(cur);
        cur.clear();
        ++i;
        continue;
      }
      cur += csv[i];
    }
    if (!cur.empty()) out.push_back(cur);
    return out;
  }

  TestChain chain;
  crypto::KeyPair charity = testing::TestKey("charity-a");
  std::unique_ptr<Server> server;
  std::string base;
};

TEST_CASE("the movements CSV lists each movement once with quoting and Beijing day boundaries") {
  ExportApi api;
  HttpResponse r = api.Get("/v1/exports/movements.csv?from=2026-01-01&to=2026-01-01");
  REQUIRE(r.status == 200);
  CHECK(r.content_type.starts_with("text/csv"));
  REQUIRE(r.Header("Content-Disposition"));
  CHECK(r.Header("Content-Disposition")->find("shanliu-movements-2026-01-01-2026-01-01.csv") != std::string::npos);
  CHECK(r.Header("X-Next-Cursor") == nullptr);
  auto lines = ExportApi::Lines(r.body);
  REQUIRE(lines.size() == 2);  // header + the donation at 23:59:59.999 on 1 January
  CHECK(lines[0].starts_with("time,height,tx_id,kind,from,to,amount_fen,amount_yuan,project,category,receipt_code"));
  CHECK(lines[1].starts_with("2026-01-01T23:59:59.999+08:00,"));
  CHECK(lines[1].find(",donation,donor,org:charity-a,12345,123.45,,,") != std::string::npos);
  // Issue 15: the donor's formula is neutralised: quoted, with a leading apostrophe.
  CHECK(lines[1].find(",\"'=HYPERLINK(\"\"http://x.example\"\",\"\"Zhang, Big San\"\") <&>\",") != std::string::npos);
  CHECK(lines[1].find(",=HYPERLINK") == std::string::npos);
  CHECK(r.body.substr(0, 3) != "\xEF\xBB\xBF");

  r = api.Get("/v1/exports/movements.csv?from=2026-01-02&to=2026-01-02&bom=true");
  REQUIRE(r.status == 200);
  CHECK(r.body.starts_with("\xEF\xBB\xBF" "time,"));
  lines = ExportApi::Lines(r.body.substr(3));
  REQUIRE(lines.size() == 3);  // the transfer and the spend at 00:00:00.000 on 2 January
  CHECK(lines[1].find(",transfer,org:charity-a,project:meals,10000,100.00,meals,,") != std::string::npos);
  CHECK(lines[2].find(",spend,project:meals,payee:vendor,4000,40.00,meals,material,") != std::string::npos);

  r = api.Get("/v1/exports/movements.csv?from=2026-01-01&to=2026-01-03");
  CHECK(ExportApi::Lines(r.body).size() == 5);
  r = api.Get("/v1/exports/movements.csv?from=2026-01-04&to=2027-01-01");
  REQUIRE(r.status == 200);
  CHECK(ExportApi::Lines(r.body).size() == 1);  // only the header: nothing after the head
}

TEST_CASE("the movements CSV pages with a cursor and filters by organisation") {
  ExportApi api;
  std::vector<std::string> rows;
  std::string target = "/v1/exports/movements.csv?from=2026-01-01&to=2026-01-03&limit=1";
  int pages = 0;
  while (true) {
    HttpResponse r = api.Get(target);
    REQUIRE(r.status == 200);
    auto lines = ExportApi::Lines(r.body);
    REQUIRE(lines.size() <= 2);
    for (std::size_t i = 1; i < lines.size(); ++i) rows.push_back(lines[i]);
    ++pages;
    REQUIRE(pages < 10);
    const std::string* next = r.Header("X-Next-Cursor");
    if (!next) break;
    REQUIRE(r.Header("Link"));
    CHECK(r.Header("Link")->find("cursor=" + *next) != std::string::npos);
    target = "/v1/exports/movements.csv?from=2026-01-01&to=2026-01-03&limit=1&cursor=" + *next;
  }
  CHECK(rows.size() == 4);
  CHECK(rows[0].find(",donation,") != std::string::npos);
  CHECK(rows[3].find(",donation,donor,project:meals,700,") != std::string::npos);

  // The bank attested both donations; the charity's index holds all four movements.
  HttpResponse r = api.Get("/v1/exports/movements.csv?from=2026-01-01&to=2026-01-03&org=bank-1");
  CHECK(ExportApi::Lines(r.body).size() == 3);
  r = api.Get("/v1/exports/movements.csv?from=2026-01-01&to=2026-01-03&org=charity-a&limit=2");
  CHECK(ExportApi::Lines(r.body).size() == 3);
  REQUIRE(r.Header("X-Next-Cursor"));
  r = api.Get("/v1/exports/movements.csv?from=2026-01-01&to=2026-01-03&org=charity-a&limit=2&cursor=" +
              *r.Header("X-Next-Cursor"));
  CHECK(ExportApi::Lines(r.body).size() == 3);
  CHECK(r.Header("X-Next-Cursor") == nullptr);
}

TEST_CASE("bad export requests are typed errors") {
  ExportApi api;
  auto expect = [&](const std::string& target, unsigned status) {
    INFO(target);
    HttpResponse r = api.Get(target);
    CHECK(r.status == status);
    CHECK(r.content_type.starts_with("application/json"));
    CHECK(Json::parse(r.body)["error"]["code"].is_string());
  };
  expect("/v1/exports/movements.csv", 400);
  expect("/v1/exports/movements.csv?from=2026-01-01", 400);
  expect("/v1/exports/movements.csv?from=2026-01-32&to=2026-02-01", 400);
  expect("/v1/exports/movements.csv?from=yesterday&to=2026-02-01", 400);
  expect("/v1/exports/movements.csv?from=2026-02-01&to=2026-01-01", 400);
  expect("/v1/exports/movements.csv?from=2025-01-01&to=2026-01-02", 400);  // too long
  expect("/v1/exports/movements.csv?from=2026-01-01&to=2026-01-02&limit=0", 400);
  expect("/v1/exports/movements.csv?from=2026-01-01&to=2026-01-02&limit=10001", 400);
  expect("/v1/exports/movements.csv?from=2026-01-01&to=2026-01-02&cursor=abc", 400);
  expect("/v1/exports/movements.csv?from=2026-01-01&to=2026-01-02&cursor=999999", 400);
  expect("/v1/exports/movements.csv?from=2026-01-01&to=2026-01-02&bom=yes", 400);
  expect("/v1/exports/movements.csv?from=2026-01-01&to=2026-01-02&org=nobody", 404);
  expect("/v1/exports/iati.xml?from=2026-01-01&to=2026-01-02&bom=true", 400);
  expect("/v1/exports/iati.xml?from=2026-01-01", 400);
}

TEST_CASE("the IATI export parses as XML with activities and typed transactions") {
  ExportApi api;
  HttpResponse r = api.Get("/v1/exports/iati.xml?from=2026-01-01&to=2026-01-03");
  REQUIRE(r.status == 200);
  CHECK(r.content_type.starts_with("application/xml"));
  TempDir dir;
  const auto path = dir.path() / "iati.xml";
  std::ofstream(path) << r.body;
  // Parse back with python3's xml.etree and print a summary the test compares.
  const auto out = dir.path() / "summary.txt";
  const std::string script =
      "import sys, xml.etree.ElementTree as E\n"
      "root = E.parse(sys.argv[1]).getroot()\n"
      "assert root.tag == 'iati-activities' and root.get('version') == '2.03'\n"
      "lines = []\n"
      "for a in root.findall('iati-activity'):\n"
      "    assert a.get('default-currency') == 'CNY'\n"
      "    ident = a.findtext('iati-identifier')\n"
      "    assert ident.startswith(a.find('reporting-org').get('ref') + '-')\n"
      "    for t in a.findall('transaction'):\n"
      "        v = t.find('value')\n"
      "        assert v.get('currency') == 'CNY' and v.get('value-date')\n"
      "        lines.append(ident + ' ' + t.find('transaction-type').get('code') + ' ' + v.text)\n"
      "names = [n.text for n in root.iter('narrative')]\n"
      "assert '=HYPERLINK(\"http://x.example\",\"Zhang, Big San\") <&>' in names, names\n"
      "open(sys.argv[2], 'w').write('\\n'.join(lines))\n";
  const auto script_path = dir.path() / "check.py";
  std::ofstream(script_path) << script;
  const std::string cmd = "python3 " + script_path.string() + " " + path.string() + " " + out.string();
  REQUIRE(std::system(cmd.c_str()) == 0);
  std::ifstream in(out);
  std::string summary((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string charity = "CN-USCC-" + testing::TestCreditCode("52", "charity-a");
  CHECK(summary == charity + "-general-fund 1 123.45\n" +       // donation
                       charity + "-general-fund 3 100.00\n" +   // allocation, sending side
                       charity + "-project-meals 1 100.00\n" +  // allocation, receiving side
                       charity + "-project-meals 4 40.00\n" +   // spending
                       charity + "-project-meals 1 7.00");      // restricted donation

  CHECK(IatiSchemaErrors(r.body) == "");

  // Only the activities one organisation reports; a bank reports none, and a file without an
  // activity would not validate, so that is a typed 404 rather than an empty file.
  r = api.Get("/v1/exports/iati.xml?from=2026-01-01&to=2026-01-03&org=bank-1");
  CHECK(r.status == 404);
  CHECK(Json::parse(r.body)["error"]["code"] == "no_activities");
  // One organisation's file validates too.
  r = api.Get("/v1/exports/iati.xml?from=2026-01-01&to=2026-01-03&org=charity-a");
  REQUIRE(r.status == 200);
  CHECK(r.body.find("-general-fund</iati-identifier>") != std::string::npos);
  CHECK(IatiSchemaErrors(r.body) == "");
}

TEST_CASE("exports list a correction as its own row, the reversed movement, negated in IATI") {
  ExportApi api;
  TestChain& c = api.chain;
  const std::uint64_t jan4th = kJan3rd + 86'400'000;
  c.signing_time_ms = jan4th;
  const Bytes spend = c.SpendTx("project:meals", 1'000, api.charity);
  REQUIRE(c.CommitBlock({spend}, jan4th)[0].ok());
  REQUIRE(c.CommitBlock({c.CorrectionTx(spend, {&api.charity}, "发票重复入账")}, jan4th + 1'000)[0].ok());
  HttpResponse r = api.Get("/v1/exports/movements.csv?from=2026-01-04&to=2026-01-04");
  REQUIRE(r.status == 200);
  const auto lines = ExportApi::Lines(r.body);
  REQUIRE(lines.size() == 3);  // the spend stays as it was; the correction is its own row
  CHECK(lines[1].find(",spend,project:meals,payee:vendor,1000,10.00,meals,material,") != std::string::npos);
  CHECK(lines[2].find(",correction,payee:vendor,project:meals,1000,10.00,meals,material,") != std::string::npos);
  CHECK(lines[2].find("发票重复入账") != std::string::npos);
  r = api.Get("/v1/exports/iati.xml?from=2026-01-04&to=2026-01-04");
  REQUIRE(r.status == 200);
  CHECK(r.body.find(">10.00</value>") != std::string::npos);
  CHECK(r.body.find(">-10.00</value>") != std::string::npos);  // the expenditure reversed
  CHECK(r.body.find("correction ") != std::string::npos);
  CHECK(IatiSchemaErrors(r.body) == "");
}

// Goods on 4 January: 100 bags of rice (lot L-1, valued 500.00 yuan) given to the charity, 40
// handed out in Xihu district to a place whose name is a formula.
void AddGoods(ExportApi& api) {
  TestChain& c = api.chain;
  const std::uint64_t jan4th = kJan3rd + 86'400'000;
  c.signing_time_ms = jan4th;
  const Bytes gift = c.MakeTx(
      [](pb::TxBody& b) {
        auto* d = b.mutable_goods_donation();
        d->set_to_account("org:charity-a");
        d->set_item_code("rice-10kg");
        d->set_unit("袋");
        d->set_quantity(100);
        d->set_value_fen(500'00);
        d->set_donor_ref(std::string(32, 'g'));
        d->set_donor_display_name("-粮油公司");
        d->set_lot_number("L-1");
        d->set_expires_on(20270101);
      },
      {&api.charity});
  const Bytes handed = c.MakeTx(
      [](pb::TxBody& b) {
        auto* d = b.mutable_goods_distribution();
        d->set_from_account("org:charity-a");
        d->set_item_code("rice-10kg");
        d->set_unit("袋");
        d->set_quantity(40);
        d->set_region("330106");
        d->set_place_name("=翠苑安置点");
        d->set_beneficiary_count(40);
      },
      {&api.charity});
  REQUIRE(c.CommitBlock({gift}, jan4th)[0].ok());
  REQUIRE(c.CommitBlock({handed}, jan4th + 1'000)[0].ok());
}

TEST_CASE("exports list goods rows with item unit quantity valued amount lot and region and never an amount") {
  ExportApi api;
  AddGoods(api);
  HttpResponse r = api.Get("/v1/exports/movements.csv?from=2026-01-04&to=2026-01-04");
  REQUIRE(r.status == 200);
  const auto lines = ExportApi::Lines(r.body);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].ends_with(",description,item_code,unit,quantity,value_fen,lot,region,region_name,attested,attested_by,"
                           "channel,beneficiaries"));
  // The money columns stay empty: a spreadsheet summing amount_fen never counts goods as cash.
  CHECK(lines[1].find(",goods_donation,donor,org:charity-a,,,,,") != std::string::npos);
  CHECK(lines[1].find(",\"'-粮油公司\",") != std::string::npos);  // formula-safe donor name
  CHECK(lines[1].ends_with(",rice-10kg,袋,100,50000,L-1,,,false,,goods,"));
  CHECK(lines[2].find(",goods_distribution,org:charity-a,place:330106,,,,,") != std::string::npos);
  CHECK(lines[2].find(",\"'=翠苑安置点\",") != std::string::npos);
  CHECK(lines[2].ends_with(",rice-10kg,袋,40,20000,L-1,330106,浙江省杭州市西湖区,false,,goods,40"));
  // The organisation filter finds goods txs through the same index as money.
  r = api.Get("/v1/exports/movements.csv?from=2026-01-04&to=2026-01-04&org=charity-a");
  CHECK(ExportApi::Lines(r.body).size() == 3);
}

TEST_CASE("exports take only money or only goods and refuse any other filter") {
  ExportApi api;
  AddGoods(api);
  HttpResponse r = api.Get("/v1/exports/movements.csv?from=2026-01-01&to=2026-01-04&only=goods");
  REQUIRE(r.status == 200);
  auto lines = ExportApi::Lines(r.body);
  REQUIRE(lines.size() == 3);
  CHECK(lines[1].find(",goods_donation,") != std::string::npos);
  CHECK(lines[2].find(",goods_distribution,") != std::string::npos);
  r = api.Get("/v1/exports/movements.csv?from=2026-01-01&to=2026-01-04&only=money");
  REQUIRE(r.status == 200);
  lines = ExportApi::Lines(r.body);
  CHECK(lines.size() == 5);  // the four money movements of 1-3 January
  for (const std::string& line : lines) CHECK(line.find(",goods_") == std::string::npos);
  // Paging with a filter: the Link header keeps it.
  r = api.Get("/v1/exports/movements.csv?from=2026-01-01&to=2026-01-04&only=goods&limit=1");
  REQUIRE(r.Header("Link"));
  CHECK(r.Header("Link")->find("only=goods") != std::string::npos);
  r = api.Get("/v1/exports/iati.xml?from=2026-01-01&to=2026-01-04&only=goods");
  REQUIRE(r.status == 200);
  CHECK(IatiSchemaErrors(r.body) == "");
  CHECK(r.body.find("<transaction-type code=\"3\"/>") == std::string::npos);  // the money allocation is left out
  // Nothing but goods in a money-only day: IATI answers no_activities.
  r = api.Get("/v1/exports/iati.xml?from=2026-01-01&to=2026-01-03&only=goods");
  CHECK(r.status == 404);
  const std::pair<const char*, const char*> bad[] = {
      {"only=Goods", "invalid_argument"}, {"only=", "invalid_argument"}, {"only=all", "invalid_argument"},
      {"only=goods%00", "invalid_query"}, {"only=goods&only=money", "invalid_query"}};
  for (const auto& [query, code] : bad) {
    INFO(query);
    r = api.Get(std::string("/v1/exports/movements.csv?from=2026-01-01&to=2026-01-04&") + query);
    CHECK(r.status == 400);
    CHECK(Json::parse(r.body)["error"]["code"] == code);
  }
}

TEST_CASE("shanliu export writes goods rows and takes --only") {
  ExportApi api;
  AddGoods(api);
  TempDir dir;
  const std::string out = (dir.path() / "goods.csv").string();
  testing::CliRun run = testing::RunCli({"export", "--node", api.base, "--from", "2026-01-01", "--to", "2026-01-04",
                                         "--format", "csv", "--out", out, "--only", "goods"});
  REQUIRE_MESSAGE(run.code == 0, run.output);
  CHECK(run.output.find("wrote 2 goods movements") != std::string::npos);
  const auto lines = ExportApi::Lines(ReadFile(out));
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].ends_with(",item_code,unit,quantity,value_fen,lot,region,region_name,attested,attested_by,channel,"
                           "beneficiaries"));
  CHECK(lines[2].ends_with(",rice-10kg,袋,40,20000,L-1,330106,浙江省杭州市西湖区,false,,goods,40"));
  // Both kinds by default; a bad --only is a usage error before any request.
  run = testing::RunCli({"export", "--node", api.base, "--from", "2026-01-01", "--to", "2026-01-04", "--format", "csv",
                         "--out", out});
  REQUIRE_MESSAGE(run.code == 0, run.output);
  CHECK(ExportApi::Lines(ReadFile(out)).size() == 7);
  run = testing::RunCli({"export", "--node", api.base, "--from", "2026-01-01", "--to", "2026-01-04", "--format", "csv",
                         "--out", out, "--only", "cash"});
  CHECK(run.code == 2);
}

TEST_CASE("the IATI export reports goods as in-kind transactions that validate against the schema") {
  ExportApi api;
  AddGoods(api);
  HttpResponse r = api.Get("/v1/exports/iati.xml?from=2026-01-04&to=2026-01-04");
  REQUIRE(r.status == 200);
  CHECK(IatiSchemaErrors(r.body) == "");
  // Incoming in kind (channel 3) at the valued amount, and the distribution as expenditure in kind (4).
  const std::size_t in = r.body.find("<transaction-type code=\"1\"/>");
  const std::size_t out = r.body.find("<transaction-type code=\"4\"/>");
  REQUIRE(in != std::string::npos);
  REQUIRE(out != std::string::npos);
  CHECK(r.body.find(">500.00</value>", in) < out);
  CHECK(r.body.find(">200.00</value>", out) != std::string::npos);
  CHECK(r.body.find("<disbursement-channel code=\"3\"/>") != std::string::npos);
  CHECK(r.body.find("<disbursement-channel code=\"4\"/>") != std::string::npos);
  CHECK(r.body.find("goods_donation ") != std::string::npos);
  CHECK(r.body.find("(in kind): 100 袋 rice-10kg, lot L-1") != std::string::npos);
  CHECK(r.body.find("=翠苑安置点 (330106 浙江省杭州市西湖区)") != std::string::npos);
  // Money-only days carry no in-kind marker.
  r = api.Get("/v1/exports/iati.xml?from=2026-01-01&to=2026-01-03");
  REQUIRE(r.status == 200);
  CHECK(r.body.find("disbursement-channel") == std::string::npos);
}

TEST_CASE("the IATI schema check refuses what the official schema refuses") {
  // The check itself can fail: an activity without its required parts, and a stray element.
  const std::string head = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<iati-activities version=\"2.03\" generated-datetime=\"2026-01-01T00:00:00Z\">";
  // A file with no activity is refused (minOccurs 1): why the export answers no_activities instead.
  CHECK(IatiSchemaErrors(head + "</iati-activities>").find("Missing child element") != std::string::npos);
  CHECK_FALSE(IatiSchemaErrors(head + "<iati-activity><iati-identifier>x</iati-identifier></iati-activity></iati-activities>").empty());
  CHECK_FALSE(IatiSchemaErrors(head + "<not-iati/></iati-activities>").empty());
  CHECK_FALSE(IatiSchemaErrors("<iati-activities").empty());
}

TEST_CASE("the repository's IATI schema is the official copy the project was given") {
  for (const char* name : {"iati-activities-schema.xsd", "iati-common.xsd", "xml.xsd"}) {
    INFO(name);
    const std::string ours = ReadFile(kIatiSchemaDir / name);
    CHECK(ours.size() > 1000);
    // ../shared sits beside the repository on the project's machines; a bare clone has only the copy.
    const auto given = std::filesystem::path(SHANLIU_SOURCE_DIR).parent_path() / "shared" / "iati-2.03" / name;
    if (std::filesystem::exists(given)) CHECK(ours == ReadFile(given));
  }
}

TEST_CASE("OrgActivityFrom lists an organisation's leaves oldest first from a leaf") {
  ExportApi api;
  auto view = api.chain.ledger().Read();
  const std::vector<std::uint64_t> all = view->OrgActivityFrom("charity-a", 0, 100);
  REQUIRE(all.size() >= 4);
  CHECK(std::is_sorted(all.begin(), all.end()));
  std::vector<std::uint64_t> newest_first = view->OrgActivity("charity-a", UINT64_MAX, 100);
  std::reverse(newest_first.begin(), newest_first.end());
  CHECK(all == newest_first);
  const auto tail = view->OrgActivityFrom("charity-a", all[1], 2);
  REQUIRE(tail.size() == 2);
  CHECK(tail[0] == all[1]);
  CHECK(view->OrgActivityFrom("charity-a", all.back() + 1, 10).empty());
  CHECK(view->OrgActivityFrom("charity", 0, 10).empty());  // a prefix of an id is not the id
  CHECK(view->OrgActivityFrom("charity-a", 0, 0).empty());
}

// ---------------------------------------------------------------- issue #21: attestation, channel,
// beneficiaries, per-project, disclosure, hostile names

// Parses `csv` with python3's csv module (RFC 4180, strict UTF-8) and returns the rows as JSON
// arrays of cells: a real CSV reader, not the splitter above, decides what the cells are.
Json ParseCsv(const std::string& csv) {
  TempDir dir;
  const auto in = dir.path() / "in.csv", out = dir.path() / "out.json", script = dir.path() / "parse.py";
  std::ofstream(in, std::ios::binary) << csv;
  std::ofstream(script) << "import csv, json, sys\n"
                           "with open(sys.argv[1], newline='', encoding='utf-8', errors='strict') as f:\n"
                           "    rows = list(csv.reader(f, strict=True))\n"
                           "json.dump(rows, open(sys.argv[2], 'w'))\n";
  const std::string cmd = "python3 " + script.string() + " " + in.string() + " " + out.string();
  if (std::system(cmd.c_str()) != 0) return Json(nullptr);
  return Json::parse(ReadFile(out));
}

// The cell a CSV reader must get back for a text written with CsvTextField.
std::string ExpectedTextCell(std::string_view text) {
  const std::string clean = CleanUtf8(text);
  if (!clean.empty() && std::string_view("=+-@\t\r").find(clean.front()) != std::string_view::npos) return "'" + clean;
  return clean;
}

std::map<std::string, std::string> CsvRecord(const Json& rows, std::size_t i) {
  std::map<std::string, std::string> out;
  for (std::size_t c = 0; c < rows[0].size(); ++c) out[rows[0][c].get<std::string>()] = rows[i][c].get<std::string>();
  return out;
}

TEST_CASE("the movements CSV says whether a movement is attested, its channel and its beneficiaries") {
  ExportApi api;
  AddGoods(api);
  HttpResponse r = api.Get("/v1/exports/movements.csv?from=2026-01-01&to=2026-01-04");
  REQUIRE(r.status == 200);
  const Json rows = ParseCsv(r.body);
  REQUIRE(rows.size() == 7);
  CHECK(r.body.substr(0, r.body.find("\r\n")).ends_with(",region,region_name,attested,attested_by,channel,beneficiaries"));
  for (const Json& row : rows) CHECK(row.size() == rows[0].size());
  auto at = [&](std::size_t i) { return CsvRecord(rows, i); };
  CHECK(at(1)["kind"] == "donation");
  CHECK(at(1)["attested"] == "true");
  CHECK(at(1)["attested_by"] == "bank-1");
  CHECK(at(1)["channel"] == "bank_attested");
  CHECK(at(1)["beneficiaries"] == "");  // a donation records no beneficiaries: empty, never 0
  CHECK(at(2)["kind"] == "transfer");
  CHECK(at(2)["attested"] == "false");
  CHECK(at(2)["attested_by"] == "");
  CHECK(at(2)["channel"] == "ledger_transfer");
  CHECK(at(3)["kind"] == "spend");
  CHECK(at(3)["attested"] == "false");  // the charity alone signed
  CHECK(at(3)["channel"] == "self_reported");
  CHECK(at(3)["beneficiaries"] == "10");
  CHECK(at(5)["kind"] == "goods_donation");
  CHECK(at(5)["attested"] == "false");  // no notary co-signed
  CHECK(at(5)["channel"] == "goods");
  CHECK(at(6)["kind"] == "goods_distribution");
  CHECK(at(6)["beneficiaries"] == "40");
  CHECK(at(6)["channel"] == "goods");
}

// A second charity whose account bank is bank-1: a self-reported donation, a spend co-signed by
// the bank, a spend with no beneficiary count, a refund and the correction of a bank-attested
// donation, all on 5 January.
struct AttestedDay {
  crypto::KeyPair charity_b = testing::TestKey("charity-b");
  Hash256 self_reported{}, cosigned{}, uncounted{}, withdrawn{};
};

AttestedDay AddAttestedDay(ExportApi& api) {
  AttestedDay day;
  TestChain& c = api.chain;
  const std::uint64_t jan5th = kJan3rd + 2 * 86'400'000;
  c.signing_time_ms = 0;  // registered in the block after the head, signed at the head's time
  REQUIRE(c.RegisterOrg("charity-b", pb::ORG_KIND_CHARITY, day.charity_b, {"bank-1"}).ok());
  c.signing_time_ms = jan5th;
  const Bytes own = c.DonationTx("org:charity-b", 5'000, day.charity_b);
  const Bytes attested = c.DonationTx("org:charity-b", 2'000, c.bank, "bank-1");
  REQUIRE(c.CommitBlock({own, attested}, jan5th)[0].ok());
  const Bytes cosigned = c.MakeTx(
      [](pb::TxBody& b) {
        auto* s = b.mutable_spend();
        s->set_from_account("org:charity-b");
        s->set_amount_fen(1'500);
        s->set_category(pb::SPEND_CATEGORY_CASH_AID);
        s->set_payee_kind(pb::PAYEE_KIND_INDIVIDUALS);
        s->set_beneficiary_count(3);
        s->set_description("助学金");
        s->set_occurred_at_ms(kJan3rd);
      },
      {&day.charity_b, &c.bank});
  const Bytes uncounted = c.MakeTx(
      [](pb::TxBody& b) {
        auto* s = b.mutable_spend();
        s->set_from_account("org:charity-b");
        s->set_amount_fen(500);
        s->set_category(pb::SPEND_CATEGORY_ADMIN);
        s->set_payee_kind(pb::PAYEE_KIND_VENDOR);
        s->set_payee_name("打印店");
        s->set_description("打印");
        s->set_occurred_at_ms(kJan3rd);
      },
      {&day.charity_b});
  const auto spent = c.CommitBlock({cosigned, uncounted}, jan5th + 1'000);
  REQUIRE(spent[0].ok());
  REQUIRE(spent[1].ok());
  REQUIRE(c.CommitBlock({c.CorrectionTx(attested, {&c.bank}, "银行重复入账")}, jan5th + 2'000)[0].ok());
  auto id = [](const Bytes& envelope) {
    pb::Tx tx;
    REQUIRE(tx.ParseFromArray(envelope.data(), static_cast<int>(envelope.size())));
    return ledger::TxId(AsBytes(tx.body()));
  };
  day.self_reported = id(own);
  day.cosigned = id(cosigned);
  day.uncounted = id(uncounted);
  day.withdrawn = id(attested);
  return day;
}

TEST_CASE("attested follows the bank signature on donations spends and corrections") {
  ExportApi api;
  const AttestedDay day = AddAttestedDay(api);
  HttpResponse r = api.Get("/v1/exports/movements.csv?from=2026-01-05&to=2026-01-05&org=charity-b");
  REQUIRE(r.status == 200);
  const Json rows = ParseCsv(r.body);
  REQUIRE(rows.size() == 6);
  std::map<std::string, std::map<std::string, std::string>> by_id;
  for (std::size_t i = 1; i < rows.size(); ++i) by_id[CsvRecord(rows, i)["tx_id"]] = CsvRecord(rows, i);
  auto own = by_id[Hex(day.self_reported)];
  CHECK(own["attested"] == "false");
  CHECK(own["channel"] == "self_reported");
  auto cosigned = by_id[Hex(day.cosigned)];
  CHECK(cosigned["attested"] == "true");
  CHECK(cosigned["attested_by"] == "bank-1");
  CHECK(cosigned["channel"] == "bank_attested");
  CHECK(cosigned["beneficiaries"] == "3");
  auto uncounted = by_id[Hex(day.uncounted)];
  CHECK(uncounted["attested"] == "false");
  CHECK(uncounted["beneficiaries"] == "");  // the ledger holds no count for it
  // The correction of the bank-attested gift: the bank authored and signed it.
  const auto correction = std::find_if(by_id.begin(), by_id.end(), [](const auto& e) { return e.second.at("kind") == "correction"; });
  REQUIRE(correction != by_id.end());
  CHECK(correction->second.at("attested") == "true");
  CHECK(correction->second.at("attested_by") == "bank-1");
  CHECK(correction->second.at("channel") == "reversal");
}

TEST_CASE("every export takes a project and refuses a malformed or unknown one") {
  ExportApi api;
  AddGoods(api);
  HttpResponse r = api.Get("/v1/exports/movements.csv?from=2026-01-01&to=2026-01-04&project=meals");
  REQUIRE(r.status == 200);
  Json rows = ParseCsv(r.body);
  REQUIRE(rows.size() == 4);  // the allocation, the spend and the restricted donation
  for (std::size_t i = 1; i < rows.size(); ++i) CHECK(CsvRecord(rows, i)["project"] == "meals");
  CHECK(r.Header("Content-Disposition")->find("-meals") != std::string::npos);
  // With the organisation too, and paged: the Link keeps the project.
  r = api.Get("/v1/exports/movements.csv?from=2026-01-01&to=2026-01-04&org=charity-a&project=meals&limit=1");
  REQUIRE(r.status == 200);
  REQUIRE(r.Header("Link"));
  CHECK(r.Header("Link")->find("project=meals") != std::string::npos);
  // A bank's index holds the attested restricted donation only.
  r = api.Get("/v1/exports/movements.csv?from=2026-01-01&to=2026-01-04&org=bank-1&project=meals");
  CHECK(ParseCsv(r.body).size() == 2);
  r = api.Get("/v1/exports/iati.xml?from=2026-01-01&to=2026-01-04&project=meals");
  REQUIRE(r.status == 200);
  CHECK(IatiSchemaErrors(r.body) == "");
  CHECK(r.body.find("-general-fund</iati-identifier>") == std::string::npos);
  CHECK(r.body.find("-project-meals</iati-identifier>") != std::string::npos);
  r = api.Get("/v1/exports/disclosure.json?from=2026-01-01&to=2026-01-04&project=meals");
  REQUIRE(r.status == 200);
  const Json doc = Json::parse(r.body);
  REQUIRE(doc["rows"].size() == 1);
  CHECK(doc["rows"][0]["project"]["id"] == "meals");

  const std::pair<const char*, unsigned> bad[] = {{"project=nope", 404},     {"project=Meals", 400},
                                                  {"project=ab", 400},       {"project=", 400},
                                                  {"project=meals%26x", 400}, {"project=meals&project=meals", 400}};
  for (const char* path : {"movements.csv", "iati.xml", "disclosure.csv", "disclosure.json"}) {
    for (const auto& [query, status] : bad) {
      INFO(path << " " << query);
      r = api.Get(std::string("/v1/exports/") + path + "?from=2026-01-01&to=2026-01-04&" + query);
      CHECK(r.status == status);
      CHECK(Json::parse(r.body)["error"]["code"].is_string());
    }
  }
}

TEST_CASE("every export takes from and to with inclusive day boundaries and typed range errors") {
  ExportApi api;
  const std::pair<const char*, unsigned> periods[] = {
      {"from=2024-01-01&to=2024-12-31", 200},  // 366 days in a leap year: the longest period
      {"from=2024-01-01&to=2025-01-01", 400},  // 367 days
      {"from=9999-01-01&to=9999-12-31", 200},  // the last year
      {"from=9999-12-31&to=10000-01-01", 400}, {"from=1969-12-31&to=1970-01-01", 400},
      {"from=1970-01-01&to=1970-01-01", 200},  {"from=2026-02-29&to=2026-03-01", 400},
      {"from=2026-01-03&to=2026-01-02", 400},  {"from=2026-1-1&to=2026-01-02", 400},
      {"from=2026-01-01T00:00&to=2026-01-02", 400}, {"from=%2B2026-01-01&to=2026-01-02", 400},
      {"to=2026-01-02", 400},                 {"from=2026-01-01&from=2026-01-01&to=2026-01-02", 400}};
  for (const char* path : {"movements.csv", "iati.xml", "disclosure.csv", "disclosure.json"}) {
    for (const auto& [query, status] : periods) {
      INFO(path << " " << query);
      HttpResponse r = api.Get(std::string("/v1/exports/") + path + "?" + query);
      if (status == 200 && std::string(path) == "iati.xml") {
        CHECK(r.status == 404);  // a quiet period has no activity: no_activities, not a range error
        CHECK(Json::parse(r.body)["error"]["code"] == "no_activities");
        continue;
      }
      CHECK(r.status == status);
      if (status != 200) CHECK(Json::parse(r.body)["error"]["code"].is_string());
    }
  }
  // The day boundary: the donation at 23:59:59.999 on 1 January is in 1 January's disclosure only.
  Json day1 = Json::parse(api.Get("/v1/exports/disclosure.json?from=2026-01-01&to=2026-01-01").body);
  REQUIRE(day1["rows"].size() == 1);
  CHECK(day1["rows"][0]["donations_fen"] == 12'345);
  Json day2 = Json::parse(api.Get("/v1/exports/disclosure.json?from=2026-01-02&to=2026-01-02").body);
  for (const Json& row : day2["rows"]) CHECK(row["donations_fen"] == 0);
  // Disclosure pages take no limit.
  CHECK(api.Get("/v1/exports/disclosure.csv?from=2026-01-01&to=2026-01-02&limit=5").status == 400);
}

TEST_CASE("the disclosure export has one row per organisation and project with figures and their evidence") {
  ExportApi api;
  AddGoods(api);
  HttpResponse r = api.Get("/v1/exports/disclosure.json?from=2026-01-01&to=2026-01-04");
  REQUIRE(r.status == 200);
  CHECK(r.content_type.starts_with("application/json"));
  const Json doc = Json::parse(r.body);
  CHECK(doc["period"]["from"] == "2026-01-01");
  CHECK(doc["period"]["to"] == "2026-01-04");
  REQUIRE(doc["rows"].size() == 2);
  const Json& fund = doc["rows"][0];
  CHECK(fund["organisation"]["id"] == "charity-a");
  CHECK(fund["organisation"]["credit_code"] == testing::TestCreditCode("52", "charity-a"));
  CHECK(fund["project"].is_null());
  CHECK(fund["donations_fen"] == 12'345);
  CHECK(fund["allocated_out_fen"] == 10'000);
  CHECK(fund["income_fen"] == 12'345);  // the allocation is not income
  CHECK(fund["spending_fen"] == 0);
  CHECK(fund["goods_received_value_fen"] == 500'00);
  CHECK(fund["goods_distributed_value_fen"] == 200'00);
  CHECK(fund["beneficiaries"] == 40);
  CHECK(fund["evidence"]["donations"].size() == 1);
  CHECK(fund["evidence"]["beneficiaries"].size() == 1);
  const Json& meals = doc["rows"][1];
  CHECK(meals["project"]["id"] == "meals");
  CHECK(meals["project"]["name_zh"] == "长者食堂");
  CHECK(meals["allocated_in_fen"] == 10'000);
  CHECK(meals["donations_fen"] == 700);
  CHECK(meals["income_fen"] == 700);
  CHECK(meals["spending_fen"] == 4'000);
  CHECK(meals["beneficiaries"] == 10);
  REQUIRE(meals["evidence"]["spending"].size() == 1);
  // Each piece of evidence is a committed tx of the period.
  for (const Json& row : doc["rows"]) {
    for (const auto& [figure, ids] : row["evidence"].items()) {
      for (const Json& id : ids) {
        INFO(figure);
        HttpResponse tx = api.Get("/v1/txs/" + id.get<std::string>());
        REQUIRE(tx.status == 200);
        CHECK(Json::parse(tx.body)["status"] == "committed");
      }
    }
  }
  // The CSV has the same rows, evidence as counts, and parses back as CSV.
  r = api.Get("/v1/exports/disclosure.csv?from=2026-01-01&to=2026-01-04&bom=true");
  REQUIRE(r.status == 200);
  CHECK(r.content_type.starts_with("text/csv"));
  REQUIRE(r.body.starts_with("\xEF\xBB\xBF"));
  const Json rows = ParseCsv(r.body.substr(3));
  REQUIRE(rows.size() == 3);
  auto project = CsvRecord(rows, 2);
  CHECK(project["project_id"] == "meals");
  CHECK(project["income_fen"] == "700");
  CHECK(project["income_yuan"] == "7.00");
  CHECK(project["spending_fen"] == "4000");
  CHECK(project["spending_txs"] == "1");
  CHECK(project["beneficiaries"] == "10");
  CHECK(project["allocated_in_txs"] == "1");
  auto general = CsvRecord(rows, 1);
  CHECK(general["project_id"] == "");
  CHECK(general["org_name"] == fund["organisation"]["name_zh"]);
  CHECK(general["beneficiaries"] == "40");
  // A period with movements but none recording people: beneficiaries stays empty.
  const Json jan1 = ParseCsv(api.Get("/v1/exports/disclosure.csv?from=2026-01-01&to=2026-01-01").body);
  REQUIRE(jan1.size() == 2);
  CHECK(CsvRecord(jan1, 1)["beneficiaries"] == "");
  CHECK(CsvRecord(jan1, 1)["beneficiaries_txs"] == "0");
  CHECK(Json::parse(api.Get("/v1/exports/disclosure.json?from=2026-01-01&to=2026-01-01").body)["rows"][0]["beneficiaries"].is_null());
  // Filters: one organisation, goods only.
  Json goods = Json::parse(api.Get("/v1/exports/disclosure.json?from=2026-01-01&to=2026-01-04&only=goods").body);
  REQUIRE(goods["rows"].size() == 1);
  CHECK(goods["rows"][0]["donations_fen"] == 0);
  CHECK(goods["rows"][0]["goods_received_value_fen"] == 500'00);
  CHECK(Json::parse(api.Get("/v1/exports/disclosure.json?from=2026-01-01&to=2026-01-04&org=bank-1").body)["rows"].empty());
}

TEST_CASE("the disclosure refuses bad paging and filter parameters with typed errors") {
  ExportApi api;
  const std::string base = "/v1/exports/disclosure";
  const std::tuple<const char*, const char*, unsigned, const char*> bad[] = {
      {".csv", "bom=yes", 400, "invalid_argument"},      {".json", "bom=true", 400, "unknown_parameter"},
      {".csv", "limit=10", 400, "unknown_parameter"},    {".json", "cursor=abc", 400, "invalid_argument"},
      {".json", "cursor=999999", 400, "invalid_argument"}, {".csv", "only=cash", 400, "invalid_argument"},
      {".json", "org=nobody", 404, "not_found"},         {".csv", "org=NOBODY", 404, "not_found"},
      {".json", "format=csv", 400, "unknown_parameter"}};
  for (const auto& [ext, query, status, code] : bad) {
    INFO(ext << " " << query);
    HttpResponse r = api.Get(base + ext + "?from=2026-01-01&to=2026-01-03&" + query);
    CHECK(r.status == status);
    CHECK(Json::parse(r.body)["error"]["code"] == code);
  }
  // A cursor inside the period is a page from there: the donation at the first leaf is left out.
  HttpResponse whole = api.Get(base + ".json?from=2026-01-01&to=2026-01-03");
  REQUIRE(whole.status == 200);
  CHECK(whole.Header("X-Next-Cursor") == nullptr);
  CHECK(*whole.Header("X-Row-Count") == "2");  // rows are accounts
  CHECK(whole.Header("Content-Disposition")->find("shanliu-disclosure-2026-01-01-2026-01-03.json") != std::string::npos);
  const Json doc = Json::parse(whole.body);
  const std::string first = doc["rows"][0]["evidence"]["donations"][0];
  auto tx = api.Get("/v1/txs/" + first);
  REQUIRE(tx.status == 200);
  const std::uint64_t leaf = Json::parse(tx.body)["leaf"].get<std::uint64_t>();
  const Json later = Json::parse(api.Get(base + ".json?from=2026-01-01&to=2026-01-03&cursor=" + std::to_string(leaf + 1)).body);
  REQUIRE(later["rows"].size() == 2);
  CHECK(later["rows"][0]["donations_fen"] == 0);
  CHECK(later["rows"][1]["spending_fen"] == 4'000);
}

TEST_CASE("disclosure figures net corrections refunds and grants between organisations") {
  ExportApi api;
  const AttestedDay day = AddAttestedDay(api);
  TestChain& c = api.chain;
  // 6 January: charity-a grants 1 000 fen to charity-b's general fund; charity-b refunds the
  // self-reported donation's remainder.
  const std::uint64_t jan6th = kJan3rd + 3 * 86'400'000;
  c.signing_time_ms = jan6th;
  const Bytes grant = c.TransferTx("org:charity-a", "org:charity-b", 1'000, api.charity);
  const Bytes refund = c.MakeTx(
      [&](pb::TxBody& b) {
        b.mutable_refund()->set_donation_tx_id(std::string(day.self_reported.begin(), day.self_reported.end()));
        b.mutable_refund()->set_reason("捐赠人撤回");
      },
      {&day.charity_b});
  const auto statuses = c.CommitBlock({grant, refund}, jan6th);
  REQUIRE(statuses[0].ok());
  REQUIRE(statuses[1].ok());
  const Json doc = Json::parse(api.Get("/v1/exports/disclosure.json?from=2026-01-05&to=2026-01-06").body);
  std::map<std::string, Json> by_org;
  for (const Json& row : doc["rows"]) by_org[row["organisation"]["id"].get<std::string>()] = row;
  const Json& b = by_org["charity-b"];
  CHECK(b["donations_fen"] == 5'000);  // 5 000 self-reported + 2 000 attested - 2 000 withdrawn
  CHECK(b["evidence"]["donations"].size() == 3);
  CHECK(b["refunded_fen"].get<std::int64_t>() > 0);
  CHECK(b["received_fen"] == 1'000);
  CHECK(b["spending_fen"] == 2'000);
  CHECK(b["beneficiaries"] == 3);
  CHECK(b["income_fen"] == 5'000 - b["refunded_fen"].get<std::int64_t>() + 1'000);
  CHECK(by_org["charity-a"]["granted_out_fen"] == 1'000);
  CHECK(by_org["charity-a"]["income_fen"] == 0);
  // A corrected spend takes its amount and its beneficiaries back.
  const std::uint64_t jan7th = jan6th + 86'400'000;
  c.signing_time_ms = jan7th;
  const Bytes wrong = c.SpendTx("project:meals", 300, api.charity);
  REQUIRE(c.CommitBlock({wrong}, jan7th)[0].ok());
  REQUIRE(c.CommitBlock({c.CorrectionTx(wrong, {&api.charity})}, jan7th + 1'000)[0].ok());
  const Json day7 = Json::parse(api.Get("/v1/exports/disclosure.json?from=2026-01-07&to=2026-01-07").body);
  REQUIRE(day7["rows"].size() == 1);
  CHECK(day7["rows"][0]["spending_fen"] == 0);
  CHECK(day7["rows"][0]["beneficiaries"] == 0);  // recorded, then reversed: 0 with its evidence
  CHECK(day7["rows"][0]["evidence"]["spending"].size() == 2);
}

TEST_CASE("shanliu export takes a project and writes the disclosure summed over pages") {
  ExportApi api;
  AddGoods(api);
  TempDir dir;
  const std::string out = (dir.path() / "meals.csv").string();
  testing::CliRun run = testing::RunCli({"export", "--node", api.base, "--from", "2026-01-01", "--to", "2026-01-04",
                                         "--format", "csv", "--out", out, "--project", "meals"});
  REQUIRE_MESSAGE(run.code == 0, run.output);
  CHECK(run.output.find("wrote 3 movements") != std::string::npos);
  CHECK(ParseCsv(ReadFile(out)).size() == 4);
  const std::string json_out = (dir.path() / "disclosure.json").string();
  run = testing::RunCli({"export", "--node", api.base, "--from", "2026-01-01", "--to", "2026-01-04", "--format",
                         "disclosure", "--out", json_out});
  REQUIRE_MESSAGE(run.code == 0, run.output);
  CHECK(run.output.find("wrote 2 disclosure rows in 1 page(s)") != std::string::npos);
  const Json doc = Json::parse(ReadFile(json_out));
  REQUIRE(doc["rows"].size() == 2);
  CHECK(doc["rows"][1]["spending_fen"] == 4'000);
  const std::string csv_out = (dir.path() / "disclosure.csv").string();
  run = testing::RunCli({"export", "--node", api.base, "--from", "2026-01-01", "--to", "2026-01-04", "--format",
                         "disclosure-csv", "--out", csv_out, "--project", "meals"});
  REQUIRE_MESSAGE(run.code == 0, run.output);
  CHECK(ParseCsv(ReadFile(csv_out)).size() == 2);
  // Bad ids are usage errors before any request; the node's typed error is the CLI's.
  for (const char* bad : {"Meals", "me&als", "ab"}) {
    run = testing::RunCli({"export", "--node", api.base, "--from", "2026-01-01", "--to", "2026-01-04", "--format",
                           "csv", "--out", out, "--project", bad});
    CHECK(run.code == 2);
  }
  run = testing::RunCli({"export", "--node", api.base, "--from", "2026-01-01", "--to", "2026-01-04", "--format",
                         "csv", "--out", out, "--project", "nope"});
  CHECK(run.code == 1);
  CHECK(run.output.find("not_found") != std::string::npos);
  run = testing::RunCli({"export", "--node", api.base, "--from", "2026-01-04", "--to", "2026-01-01", "--format",
                         "disclosure", "--out", json_out});
  CHECK(run.code == 1);
  CHECK(run.output.find("invalid_argument") != std::string::npos);
  run = testing::RunCli({"export", "--node", api.base, "--from", "2026-01-01", "--to", "2026-01-04", "--format",
                         "pdf", "--out", out});
  CHECK(run.code == 2);
}

TEST_CASE("disclosure pages add up by organisation and project to the whole period") {
  // What shanliu export --format disclosure relies on: reading one transaction per page, the
  // rows of all pages summed by key equal the rows of one page that reads everything.
  ExportApi api;
  AddGoods(api);
  AddAttestedDay(api);
  auto view = api.chain.ledger().Read();
  Names names(*view);
  const std::string from = "2026-01-01", to = "2026-01-05";
  ExportScan scan;
  auto period = ParseExportPeriod(&from, &to);
  REQUIRE(period.ok());
  scan.period = *period;
  scan.max_rows = ExportLimits::kMaxScannedTxs;
  auto whole_page = CollectMovements(*view, names, scan);
  REQUIRE(whole_page.ok());
  CHECK_FALSE(whole_page->next_cursor);
  std::map<std::pair<std::string, std::string>, Json> whole;
  for (const DisclosureRow& row : DisclosureRows(*view, names, scan, whole_page->rows)) {
    whole[{row.org_id, row.project_id}] = DisclosureJson(row);
  }
  REQUIRE(whole.size() == 3);
  std::map<std::pair<std::string, std::string>, Json> summed;
  scan.max_scanned = 1;
  int pages = 0;
  while (true) {
    auto page = CollectMovements(*view, names, scan);
    REQUIRE(page.ok());
    ++pages;
    REQUIRE(pages < 100);
    for (const DisclosureRow& row : DisclosureRows(*view, names, scan, page->rows)) {
      Json j = DisclosureJson(row);
      Json& into = summed[{row.org_id, row.project_id}];
      if (into.is_null()) {
        into = j;
        continue;
      }
      for (const auto& [key, value] : j.items()) {
        if (key.ends_with("_fen")) into[key] = into[key].get<std::int64_t>() + value.get<std::int64_t>();
        if (key == "beneficiaries" && value.is_number()) {
          into[key] = (into[key].is_null() ? 0 : into[key].get<std::int64_t>()) + value.get<std::int64_t>();
        }
        if (key == "evidence") {
          for (const auto& [figure, ids] : value.items()) {
            for (const Json& id : ids) into["evidence"][figure].push_back(id);
          }
        }
      }
    }
    if (!page->next_cursor) break;
    scan.cursor = page->next_cursor;
  }
  CHECK(pages > 10);
  CHECK(summed == whole);
}

// Hostile text: every character that could break a CSV or an XML document, formulas, and bytes
// that are not UTF-8. Blocks committed before the control-character rule may hold such text, so
// the writers must cope with all of it, not only with what admission lets in today.
std::string HostileText(std::uint64_t& state) {
  static const std::vector<std::string> pieces = {
      "\"", "\"\"", ",", "\n", "\r", "\r\n", "\t", "<", ">", "&", "&amp;", "'", "]]>", "<!--", "=", "+", "-", "@",
      "=SUM(A1)", "+1", "-1", "@cmd", "\xFF", "\xC3", "\xE2\x82", "\xED\xA0\x80", "\xEF\xBF\xBE", "\x01", "\x7F",
      std::string("\0", 1), "善流", "张三", " ", "a", "\xF0\x9F\x98\x80"};
  auto next = [&] {  // xorshift64: deterministic, so a failure reproduces
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  std::string out;
  const std::size_t n = next() % 8;
  for (std::size_t i = 0; i < n; ++i) out += pieces[next() % pieces.size()];
  return out;
}

TEST_CASE("hostile names never make an invalid CSV and CSV readers get the neutralised text back") {
  std::uint64_t state = 0x9E3779B97F4A7C15ull;
  std::string csv = CsvHeader();
  std::vector<std::vector<std::string>> expected;
  for (int i = 0; i < 300; ++i) {
    Movement m;
    m.time_ms = kJan2nd + static_cast<std::uint64_t>(i);
    m.height = static_cast<std::uint64_t>(i);
    m.kind = i % 3 == 0 ? "goods_distribution" : "donation";
    m.from = HostileText(state);
    m.from_name = HostileText(state);
    m.to = HostileText(state);
    m.to_name = HostileText(state);
    m.description = HostileText(state);
    m.project = HostileText(state);
    m.unit = HostileText(state);
    m.lot = HostileText(state);
    m.region_name = HostileText(state);
    m.attested_by = HostileText(state);
    m.amount_fen = -static_cast<std::int64_t>(i) * 7;
    m.beneficiary_count = static_cast<std::uint32_t>(i % 4);
    csv += CsvRow(m);
    expected.push_back({ExpectedTextCell(m.from), ExpectedTextCell(m.from_name), ExpectedTextCell(m.description),
                        ExpectedTextCell(m.region_name), ExpectedTextCell(m.attested_by)});
  }
  const Json rows = ParseCsv(csv);
  REQUIRE(rows.is_array());
  REQUIRE(rows.size() == expected.size() + 1);
  for (std::size_t i = 0; i < expected.size(); ++i) {
    INFO("row " << i);
    REQUIRE(rows[i + 1].size() == rows[0].size());
    auto r = CsvRecord(rows, i + 1);
    CHECK(r["from"] == expected[i][0]);
    CHECK(r["from_name"] == expected[i][1]);
    CHECK(r["description"] == expected[i][2]);
    CHECK(r["region_name"] == expected[i][3]);
    CHECK(r["attested_by"] == expected[i][4]);
    CHECK(r["amount_fen"] == (i % 3 == 0 ? "" : std::to_string(-static_cast<std::int64_t>(i) * 7)));
    CHECK(r["beneficiaries"] == (i % 4 == 0 ? "" : std::to_string(i % 4)));
    for (const auto& [column, cell] : r) {
      if (column == "amount_fen" || column == "amount_yuan") continue;  // numbers may start with '-'
      INFO(column);
      CHECK((cell.empty() || std::string_view("=+-@\t\r").find(cell.front()) == std::string_view::npos));
    }
  }
  // The disclosure writer too, with hostile organisation and project names.
  std::string disclosure = DisclosureCsvHeader();
  std::vector<std::string> names;
  for (int i = 0; i < 100; ++i) {
    DisclosureRow row;
    row.org_id = HostileText(state);
    row.org_name = HostileText(state);
    row.project_name = HostileText(state);
    row.spending.fen = -i;
    disclosure += DisclosureCsvRow(row);
    names.push_back(ExpectedTextCell(row.project_name));
  }
  const Json drows = ParseCsv(disclosure);
  REQUIRE(drows.size() == names.size() + 1);
  for (std::size_t i = 0; i < names.size(); ++i) {
    REQUIRE(drows[i + 1].size() == drows[0].size());
    CHECK(CsvRecord(drows, i + 1)["project_name"] == names[i]);
    CHECK(CsvRecord(drows, i + 1)["spending_fen"] == std::to_string(-static_cast<int>(i)));
  }
}

TEST_CASE("hostile names in committed txs still give CSV that parses and IATI that validates") {
  ExportApi api;
  TestChain& c = api.chain;
  const std::uint64_t jan4th = kJan3rd + 86'400'000;
  c.signing_time_ms = jan4th;
  // What admission lets in: no control characters, valid UTF-8, and everything else.
  const std::vector<std::string> names = {"\"<script>&amp;\"", "=cmd|' /C calc'!A0", "+1,\"2\"", "-2-", "@SUM(1)",
                                          "a]]>b<!--c-->&#0;", "'单引号' & \"双引号\"", "张三, 李四 <王五>"};
  std::vector<Bytes> txs;
  for (std::size_t i = 0; i < names.size(); ++i) {
    txs.push_back(c.MakeTx(
        [&](pb::TxBody& b) {
          auto* d = b.mutable_donation();
          d->set_to_account(i % 2 ? "project:meals" : "org:charity-a");
          d->set_amount_fen(100 + static_cast<std::int64_t>(i));
          d->set_donor_ref(std::string(32, static_cast<char>('a' + i)));
          d->set_donor_display_name(names[i]);
          d->set_memo(names[names.size() - 1 - i]);
          d->set_channel(pb::DONATION_CHANNEL_MOBILE_PAYMENT);
          d->set_attesting_bank("bank-1");
        },
        {&c.bank}));
  }
  for (const Status& s : c.CommitBlock(txs, jan4th)) REQUIRE(s.ok());
  HttpResponse r = api.Get("/v1/exports/movements.csv?from=2026-01-04&to=2026-01-04");
  REQUIRE(r.status == 200);
  const Json rows = ParseCsv(r.body);
  REQUIRE(rows.size() == names.size() + 1);
  for (std::size_t i = 0; i < names.size(); ++i) {
    CHECK(CsvRecord(rows, i + 1)["from_name"] == ExpectedTextCell(names[i]));
    CHECK(CsvRecord(rows, i + 1)["description"] == ExpectedTextCell(names[names.size() - 1 - i]));
  }
  for (const char* query : {"", "&project=meals", "&org=charity-a", "&org=charity-a&project=meals", "&only=money"}) {
    INFO(query);
    r = api.Get(std::string("/v1/exports/iati.xml?from=2026-01-01&to=2026-01-04") + query);
    REQUIRE(r.status == 200);
    CHECK(IatiSchemaErrors(r.body) == "");
    for (const std::string& name : names) {
      if (std::string(query).find("project") == std::string::npos) CHECK(r.body.find(XmlWriter::Escape(name)) != std::string::npos);
    }
  }
  r = api.Get("/v1/exports/disclosure.csv?from=2026-01-04&to=2026-01-04");
  REQUIRE(r.status == 200);
  CHECK(ParseCsv(r.body).size() == 3);
  // What admission refuses but an old block could hold: written straight into the IATI writer,
  // on the chain's real activities, the document still validates.
  auto view = c.ledger().Read();
  std::uint64_t state = 42;
  std::vector<Movement> movements;
  for (int i = 0; i < 60; ++i) {
    Movement m;
    m.time_ms = kJan2nd;
    m.kind = i % 2 ? "donation" : "spend";
    m.from = i % 2 ? "donor" : "project:meals";
    m.to = i % 2 ? "org:charity-a" : "payee:vendor";
    m.from_name = HostileText(state);
    m.to_name = HostileText(state);
    m.description = HostileText(state);
    m.amount_fen = i;
    movements.push_back(m);
  }
  for (const std::optional<std::string>& project : {std::optional<std::string>(), std::optional<std::string>("meals")}) {
    auto xml = IatiXml(*view, movements, std::nullopt, project);
    REQUIRE(xml);
    CHECK(IatiSchemaErrors(*xml) == "");
  }
}


// ---------------------------------------------------------------- below a state-sync snapshot

// A store restored from a snapshot at S holds block 0, S's header and what the backfill stored:
// block lists skip the rest (as GET /v1/blocks/{h} answers not_backfilled for it) and a period
// search starting among them says not_backfilled instead of reading a block it does not have.
TEST_CASE("block lists and period searches skip or refuse the blocks below a snapshot, as NotHeld says") {
  TestChain source;
  REQUIRE(source.RegisterOrg("charity-a", pb::ORG_KIND_CHARITY, testing::TestKey("charity-a")).ok());
  for (int b = 0; b < 6; ++b) {
    REQUIRE(source.Commit(source.DonationTx("org:charity-a", 100 + b, source.bank, "bank-1")).ok());
  }
  const std::uint64_t snapshot_height = source.ledger().height();
  const auto time_at = [&](std::uint64_t h) { return source.ledger().Read()->Block(h)->header().time_ms(); };
  TempDir dir;
  std::unique_ptr<ledger::Ledger> restored = testing::RestoreSnapshot(source, dir.path());
  REQUIRE(restored->history_base() == snapshot_height);

  SUBCASE("period searches") {
    auto view = restored->Read();
    CHECK(FirstLeafAtOrAfter(*view, time_at(0)) == 0);  // at or before genesis: block 0 is held
    CHECK(FirstLeafAtOrAfter(*view, time_at(snapshot_height) + 1) == view->head().log_size());  // after the head
    CHECK_THROWS_AS(FirstLeafAtOrAfter(*view, time_at(2)), ledger::NotBackfilled);
    CHECK_THROWS_AS(FirstLeafAtOrAfter(*view, time_at(snapshot_height)), ledger::NotBackfilled);
  }

  ServerConfig config;
  config.port = 0;
  config.threads = 1;
  Server server(config, *restored, NodeHooks{});
  REQUIRE(server.Start().ok());
  const std::string base = "http://127.0.0.1:" + std::to_string(server.port());
  const auto get = [&](const std::string& target) {
    auto r = ::shanliu::api::HttpRequest("GET", base + target);
    REQUIRE(r.ok());
    return *r;
  };
  const auto heights = [](const Json& page) {
    std::vector<std::uint64_t> out;
    for (const Json& b : page["blocks"]) out.push_back(b["height"].get<std::uint64_t>());
    return out;
  };

  SUBCASE("nothing backfilled: the list skips 1 .. S and says so") {
    HttpResponse r = get("/v1/blocks");
    REQUIRE(r.status == 200);
    const Json page = Json::parse(r.body);
    CHECK(heights(page) == std::vector<std::uint64_t>{0});
    CHECK(page["not_backfilled"] == Json{{"from_height", 1}, {"to_height", snapshot_height}});
    CHECK(page["next"].is_null());
    CHECK(get("/v1/blocks/2").status == 404);
    CHECK(Json::parse(get("/v1/blocks/" + std::to_string(snapshot_height)).body)["error"]["code"] == "not_backfilled");
    // A period starting among the missing blocks: 404 not_backfilled, never a 500.
    HttpResponse e = get("/v1/exports/movements.csv?from=2026-01-01&to=2026-01-02");
    CHECK(e.status == 404);
    CHECK(Json::parse(e.body)["error"]["code"] == "not_backfilled");
  }
  SUBCASE("part backfilled: the held blocks come back, the rest is still skipped") {
    std::vector<pb::CommittedBlock> blocks;
    for (std::uint64_t h = 1; h <= 3; ++h) blocks.push_back(*source.ledger().Read()->CommittedBlockAt(h));
    REQUIRE(restored->StoreBackfill(blocks).ok());
    const Json page = Json::parse(get("/v1/blocks?limit=3").body);
    CHECK(heights(page) == std::vector<std::uint64_t>{3, 2, 1});
    CHECK(page["not_backfilled"] == Json{{"from_height", 4}, {"to_height", snapshot_height}});
    CHECK(page["next"] == 1);
    const Json rest = Json::parse(get("/v1/blocks?before=1").body);
    CHECK(heights(rest) == std::vector<std::uint64_t>{0});
    CHECK(rest["not_backfilled"].is_null());
    auto view = restored->Read();
    CHECK(FirstLeafAtOrAfter(*view, time_at(2)) == view->Block(2)->first_leaf());
    CHECK_THROWS_AS(FirstLeafAtOrAfter(*view, time_at(5)), ledger::NotBackfilled);
  }
  server.Stop();
}
}  // namespace
}  // namespace shanliu::api::internal
