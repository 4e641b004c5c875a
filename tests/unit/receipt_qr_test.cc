// Receipt QR codes rendered by the node: the SVG is well-formed, its size matches the version
// qrencode chose, its path redraws exactly the module matrix, and the route answers 404 JSON
// for unknown codes. (tests/e2e decodes the served SVG with jsQR in a browser.)
#include <doctest/doctest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>

#include "../../api/src/receipt_qr.h"
#include "shanliu/api/http_client.h"
#include "shanliu/api/server.h"
#include "shanliu/crypto/codec.h"
#include "shanliu/ledger/tx.h"
#include "test_chain.h"

namespace shanliu::api::internal {
namespace {

using Json = nlohmann::json;

// Redraws the SVG's path ("M x y h n v1 h-n z" runs) into a module matrix.
std::vector<std::uint8_t> Redraw(const std::string& svg, int modules) {
  std::vector<std::uint8_t> grid(static_cast<std::size_t>(modules) * modules, 0);
  const std::regex run("M(\\d+) (\\d+)h(\\d+)v1h-(\\d+)z");
  const auto d_at = svg.find(" d=\"");
  REQUIRE(d_at != std::string::npos);
  const std::string d = svg.substr(d_at + 4, svg.find('"', d_at + 4) - d_at - 4);
  std::size_t covered = 0;
  for (auto it = std::sregex_iterator(d.begin(), d.end(), run); it != std::sregex_iterator(); ++it) {
    const int x = std::stoi((*it)[1]) - kQrQuietZone, y = std::stoi((*it)[2]) - kQrQuietZone;
    const int n = std::stoi((*it)[3]);
    CHECK(n == std::stoi((*it)[4]));
    REQUIRE(x >= 0);
    REQUIRE(y >= 0);
    REQUIRE(x + n <= modules);
    REQUIRE(y < modules);
    for (int i = 0; i < n; ++i) grid[static_cast<std::size_t>(y) * modules + x + i] = 1;
    covered += it->length();
  }
  CHECK(covered == d.size());  // nothing in the path but runs
  return grid;
}

bool PythonParses(const std::string& svg) {
  testing::TempDir dir;
  std::ofstream(dir.path() / "qr.svg") << svg;
  const std::string cmd = "python3 -c \"import sys, xml.etree.ElementTree as E; r = E.parse(sys.argv[1]).getroot(); "
                          "assert r.tag == '{http://www.w3.org/2000/svg}svg'\" " + (dir.path() / "qr.svg").string();
  return std::system(cmd.c_str()) == 0;
}

TEST_CASE("a receipt link encodes with error correction M and redraws exactly from the SVG path") {
  const std::string url = "http://127.0.0.1:8080/r/" + std::string(52, 'a');
  auto qr = EncodeQr(url);
  REQUIRE(qr.ok());
  CHECK(qr->version >= 1);
  CHECK(qr->version <= 40);
  CHECK(qr->width == 17 + 4 * qr->version);
  // 77 bytes at level M need version 5 (84 bytes of 8-bit data).
  CHECK(qr->version == 5);
  const std::string svg = QrSvg(*qr, "label <&> \"x\"");
  CHECK(PythonParses(svg));
  const int total = qr->width + 2 * kQrQuietZone;
  CHECK(svg.find("viewBox=\"0 0 " + std::to_string(total) + " " + std::to_string(total) + "\"") != std::string::npos);
  CHECK(svg.find("data-qr-modules=\"" + std::to_string(qr->width) + "\"") != std::string::npos);
  CHECK(svg.find("shape-rendering=\"crispEdges\"") != std::string::npos);
  CHECK(svg.find("label &lt;&amp;&gt; &quot;x&quot;") != std::string::npos);
  CHECK(Redraw(svg, qr->width) == qr->dark);
  // Finder pattern: the top-left 7x7 ring is dark, its inner ring light.
  for (int i = 0; i < 7; ++i) {
    CHECK(qr->Dark(i, 0));
    CHECK(qr->Dark(0, i));
  }
  CHECK_FALSE(qr->Dark(1, 1));
  CHECK(qr->Dark(3, 3));
}

TEST_CASE("QR text limits are typed errors") {
  CHECK(EncodeQr("").status().code() == "invalid_argument");
  CHECK(EncodeQr(std::string(kMaxQrTextBytes + 1, 'x')).status().code() == "invalid_argument");
  CHECK(EncodeQr(std::string("a\0b", 3)).status().code() == "invalid_argument");
  CHECK(EncodeQr(std::string(kMaxQrTextBytes, 'x')).ok());
}

TEST_CASE("GET /v1/receipts/{code}/qr.svg encodes the explorer link and 404s unknown codes") {
  testing::TestChain chain;
  const Bytes donation = chain.DonationTx("org:federation", 5'000, chain.bank, "bank-1");
  REQUIRE(chain.Commit(donation).ok());
  const Hash256 id = chain.Decode(donation).id;
  const std::string code = crypto::ToBase32(id);

  ServerConfig config;
  config.port = 0;
  config.threads = 1;
  Server server(config, chain.ledger(), NodeHooks{});
  REQUIRE(server.Start().ok());
  const std::string base = "http://127.0.0.1:" + std::to_string(server.port());

  auto r = ::shanliu::api::HttpRequest("GET", base + "/v1/receipts/" + code + "/qr.svg");
  REQUIRE(r.ok());
  CHECK(r->status == 200);
  CHECK(r->content_type == "image/svg+xml");
  CHECK(PythonParses(r->body));
  // No public_url configured: the documented default, the node's own listen address and port.
  auto expected = EncodeQr(base + "/r/" + code);
  REQUIRE(expected.ok());
  CHECK(Redraw(r->body, expected->width) == expected->dark);
  CHECK(r->body.find(code.substr(0, 12)) != std::string::npos);

  // A 12-character prefix works too; unknown and malformed codes are JSON errors.
  r = ::shanliu::api::HttpRequest("GET", base + "/v1/receipts/" + code.substr(0, 12) + "/qr.svg");
  REQUIRE(r.ok());
  CHECK(r->status == 200);
  for (const auto& [target, status] : std::vector<std::pair<std::string, unsigned>>{
           {"/v1/receipts/" + std::string(52, 'a') + "/qr.svg", 404u},
           {"/v1/receipts/not-a-code!/qr.svg", 400u}}) {
    INFO(target);
    r = ::shanliu::api::HttpRequest("GET", base + target);
    REQUIRE(r.ok());
    CHECK(r->status == status);
    CHECK(r->content_type.starts_with("application/json"));
    CHECK(Json::parse(r->body)["error"]["code"].is_string());
  }
  server.Stop();
}

// The link as the bytes of a raw request with chosen headers would get it.
std::string RawQr(std::uint16_t port, const std::string& target, const std::string& headers) {
  namespace net = boost::asio;
  namespace http = boost::beast::http;
  net::io_context io;
  net::ip::tcp::socket socket(io);
  socket.connect({net::ip::make_address("127.0.0.1"), port});
  const std::string request = "GET " + target + " HTTP/1.1\r\n" + headers + "Connection: close\r\n\r\n";
  net::write(socket, net::buffer(request));
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(socket, buffer, res);
  REQUIRE(res.result_int() == 200);
  // The body depends on no request header but the content coding asked for.
  CHECK(std::string(res[http::field::vary]).find("Host") == std::string::npos);
  return res.body();
}

// Issue 15: qr.svg trusted the Host header, so anyone could get a receipt QR code that leads to
// a site of their own. The link now comes from api.public_url only.
TEST_CASE("the receipt QR link comes from public_url and never from Host or X-Forwarded-Proto") {
  testing::TestChain chain;
  const Bytes donation = chain.DonationTx("org:federation", 5'000, chain.bank, "bank-1");
  REQUIRE(chain.Commit(donation).ok());
  const std::string code = crypto::ToBase32(chain.Decode(donation).id);

  ServerConfig config;
  config.port = 0;
  config.threads = 1;
  config.public_url = "https://shanliu.example.org/explorer/";  // trailing slashes are dropped
  Server server(config, chain.ledger(), NodeHooks{});
  REQUIRE(server.Start().ok());
  auto expected = EncodeQr("https://shanliu.example.org/explorer/r/" + code);
  REQUIRE(expected.ok());
  const std::string target = "/v1/receipts/" + code + "/qr.svg";
  for (const std::string& headers : {std::string("Host: evil.example\r\n"),
                                    std::string("Host: evil.example\r\nX-Forwarded-Proto: http\r\n"),
                                    std::string("Host: bad host!\r\n"),
                                    std::string("Host: shanliu.example.org\r\nX-Forwarded-Host: evil.example\r\n")}) {
    CAPTURE(headers);
    const std::string svg = RawQr(server.port(), target, headers);
    CHECK(Redraw(svg, expected->width) == expected->dark);
  }
  server.Stop();
}

TEST_CASE("public_url must be an absolute http or https base without query or credentials") {
  testing::TestChain chain;
  for (const std::string good : {"http://a.example", "https://a.example:8443", "https://a.example/path/to/",
                                 "http://192.0.2.1:8080", "http://[2001:db8::1]:80/x"}) {
    CAPTURE(good);
    ServerConfig config;
    config.port = 0;
    config.public_url = good;
    Server server(config, chain.ledger(), NodeHooks{});
    CHECK(server.Start().ok());
    server.Stop();
  }
  const std::vector<std::string> bads = {"ftp://a.example", "a.example", "https://", "https://user:pw@a.example",
                                "https://a.example/?q=1", "https://a.example/#x", "https://a b.example",
                                "https://a.example/\x1b", "https://a.example:", "https://a.example:123456",
                                "https://[::1", "javascript:alert(1)", "https://a.example/" + std::string(300, 'p')};
  for (const std::string& bad : bads) {
    CAPTURE(bad);
    ServerConfig config;
    config.port = 0;
    config.public_url = bad;
    Server server(config, chain.ledger(), NodeHooks{});
    CHECK(server.Start().code() == "invalid_config");
  }
}

}  // namespace
}  // namespace shanliu::api::internal
