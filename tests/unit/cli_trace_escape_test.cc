// Issue 15: C0 control characters in ledger text reached the terminal through `shanliu trace`.
// Admission refuses them now, but blocks from before may hold some, so the CLI escapes what it
// prints. A canned node answer (one HTTP exchange on loopback) carries hostile names; the real
// CLI's output must hold none of their control bytes.
#include <doctest/doctest.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "cli_run.h"
#include "shanliu/ledger/text.h"

namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;
using nlohmann::json;

// Answers each request on one listening socket with `body` until `requests` were served.
class CannedNode {
 public:
  CannedNode(std::string body, int requests) : acceptor_(io_, {net::ip::make_address("127.0.0.1"), 0}) {
    thread_ = std::thread([this, body = std::move(body), requests] {
      for (int i = 0; i < requests; ++i) {
        tcp::socket socket(io_);
        boost::system::error_code ec;
        acceptor_.accept(socket, ec);
        if (ec) return;
        boost::beast::flat_buffer buffer;
        http::request<http::string_body> req;
        http::read(socket, buffer, req, ec);
        if (ec) continue;
        http::response<http::string_body> res(http::status::ok, 11);
        res.set(http::field::content_type, "application/json");
        res.body() = body;
        res.keep_alive(false);
        res.prepare_payload();
        http::write(socket, res, ec);
      }
    });
  }
  ~CannedNode() { thread_.join(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()); }

 private:
  net::io_context io_;
  tcp::acceptor acceptor_;
  std::thread thread_;
};

TEST_CASE("shanliu trace escapes control characters in ledger text instead of sending them to the terminal") {
  const std::string esc = "\x1b[2J\x1b]0;pwned\x07";  // clear the screen, set the window title
  json tx = {{"kind", "spend"},         {"time_ms", 1'767'225'600'000},   {"category", "material"},
             {"payee_name", "V" + esc}, {"description", "line1\nFORGED"}, {"payee_kind", "vendor"}};
  json answer = {
      {"donation",
       {{"code", std::string(52, 'a')}, {"amount_fen", 100}, {"time_ms", 1'767'225'600'000},
        {"donor_display_name", "donor" + esc}, {"memo", "m\xc2\x9b" "31m"}, {"account", "org:x"},
        {"to", {{"name_zh", "\x7f" "org"}}}}},
      {"trace",
       {{"amount_fen", 100},
        {"nodes", json::array({{{"fate", "spent"}, {"amount_fen", 100}, {"account", "org:x"}, {"tx", tx}}})}}}};
  CannedNode node(answer.dump(), 1);
  const auto run = shanliu::testing::RunCli({"trace", std::string(52, 'a'), "--node", node.url()});
  INFO(run.output);
  CHECK(run.code == 0);
  // Nothing from the ledger text drives the terminal: no ESC, BEL, DEL or C1 byte, and the
  // forged line break is not a line of its own.
  CHECK(run.output.find('\x1b') == std::string::npos);
  CHECK(run.output.find('\x07') == std::string::npos);
  CHECK(run.output.find('\x7f') == std::string::npos);
  CHECK(run.output.find("\xc2\x9b") == std::string::npos);
  CHECK(run.output.find("\nFORGED") == std::string::npos);
  // The text is still there, visibly escaped.
  CHECK(run.output.find("donor\\x1b[2J") != std::string::npos);
  CHECK(run.output.find("line1\\x0aFORGED") != std::string::npos);
  CHECK(run.output.find("m\\u009b31m") != std::string::npos);
  CHECK(run.output.find("\\x7forg") != std::string::npos);
}

}  // namespace
