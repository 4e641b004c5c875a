// Exports: CSV quoting, period parsing and boundaries, paging, the XML writer, and IATI
// documents that parse back (python3's xml.etree) with the expected structure.
#include <doctest/doctest.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlschemas.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "../../api/src/exports.h"
#include "shanliu/api/http_client.h"
#include "shanliu/api/server.h"
#include "cli_run.h"
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
  // The goods columns (item_code .. region_name) follow the description, empty on a money row.
  CHECK(row.ends_with(",\"'@SUM(1+1)\",,,,,,,\r\n"));
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
  CHECK(lines[0].ends_with(",description,item_code,unit,quantity,value_fen,lot,region,region_name"));
  // The money columns stay empty: a spreadsheet summing amount_fen never counts goods as cash.
  CHECK(lines[1].find(",goods_donation,donor,org:charity-a,,,,,") != std::string::npos);
  CHECK(lines[1].find(",\"'-粮油公司\",") != std::string::npos);  // formula-safe donor name
  CHECK(lines[1].ends_with(",rice-10kg,袋,100,50000,L-1,,"));
  CHECK(lines[2].find(",goods_distribution,org:charity-a,place:330106,,,,,") != std::string::npos);
  CHECK(lines[2].find(",\"'=翠苑安置点\",") != std::string::npos);
  CHECK(lines[2].ends_with(",rice-10kg,袋,40,20000,L-1,330106,浙江省杭州市西湖区"));
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
  CHECK(lines[0].ends_with(",item_code,unit,quantity,value_fen,lot,region,region_name"));
  CHECK(lines[2].ends_with(",rice-10kg,袋,40,20000,L-1,330106,浙江省杭州市西湖区"));
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

}  // namespace
}  // namespace shanliu::api::internal
