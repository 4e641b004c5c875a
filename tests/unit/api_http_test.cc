// The API server's transport against hostile and unusual clients: slow clients, limits,
// pipelining, connection caps, static files and path traversal, the event stream, and Stop().
#include <doctest/doctest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <unistd.h>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "../../api/src/base64.h"
#include "shanliu/api/http_client.h"
#include "shanliu/api/server.h"
#include "shanliu/crypto/keys.h"
#include "shanliu/ledger/block.h"
#include "shanliu/ledger/ledger.h"
#include "shanliu/ledger/registry_codes.h"
#include "shanliu/ledger/tx.h"

namespace shanliu::api {
namespace {

namespace fs = std::filesystem;
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using Json = nlohmann::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr const char* kChainId = "shanliu-http-test";

struct TempDir {
  TempDir() {
    std::random_device rd;
    path = fs::temp_directory_path() / ("shanliu-http-test-" + std::to_string(rd()) + std::to_string(rd()));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  fs::path path;
};

void WriteFile(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

// A ledger with only the genesis (the bureau validates); blocks of organisation registrations
// can be committed to drive the event stream.
class Chain {
 public:
  Chain() {
    crypto::Seed seed{};
    seed.fill(7);
    bureau_ = crypto::KeyPairFromSeed(seed);
    genesis_.chain_id = kChainId;
    genesis_.genesis_time_ms = 1'740'758'400'000;
    genesis_.validators.push_back({bureau_.public_key, 1, "bureau"});
    genesis_.organisations.push_back(
        {"bureau", pb::ORG_KIND_BUREAU, "民政局", "Bureau", "11330100MB0000000N", {bureau_.public_key}, {}, ""});
    ledger::LedgerOptions options;
    options.sync_writes = false;
    auto opened = ledger::Ledger::Open(dir_.path / "ledger", genesis_, options);
    REQUIRE(opened.ok());
    ledger = std::move(*opened);
  }

  std::uint64_t CommitRegistration(const std::string& org_id, std::uint8_t key_seed) {
    crypto::Seed seed{};
    seed.fill(key_seed);
    const crypto::KeyPair key = crypto::KeyPairFromSeed(seed);
    pb::TxBody body;
    body.set_chain_id(kChainId);
    body.set_expires_at_height(ledger->height() + 10);
    body.set_expires_at_ms(ledger->head().time_ms() + genesis_.params.max_tx_expiry_ms);
    body.set_nonce(key_seed);
    auto* r = body.mutable_register_org();
    r->set_org_id(org_id);
    r->set_kind(pb::ORG_KIND_CHARITY);
    r->set_name_zh("慈善会");
    r->set_credit_code(ledger::MakeCreditCode("53", "330106", key_seed));
    r->add_public_keys(std::string(key.public_key.begin(), key.public_key.end()));
    std::vector<const crypto::KeyPair*> signers = {&bureau_};
    auto decoded = ledger::DecodeTx(ledger::BuildTx(body, signers), kChainId);
    REQUIRE(decoded.ok());
    std::vector<ledger::DecodedTx> txs = {*decoded};
    auto built = ledger->BuildBlock(txs, genesis_.genesis_time_ms + 1000 * (ledger->height() + 1), 0);
    REQUIRE(built.rejected.empty());
    const std::uint64_t height = built.executed.block.header().height();
    pb::CommitCertificate cert;
    cert.set_height(height);
    cert.set_block_hash(std::string(built.executed.hash.begin(), built.executed.hash.end()));
    const auto sig = crypto::SignRaw(
        bureau_.secret_key, ledger::VoteSignBytes(kChainId, ledger::VoteType::kPrecommit, height, 0, built.executed.hash));
    auto* s = cert.add_signatures();
    s->set_validator_index(0);
    s->set_signature(std::string(sig.begin(), sig.end()));
    REQUIRE(ledger->Commit(built.executed, cert).ok());
    return height;
  }

 private:
  TempDir dir_;  // outlives the ledger that lives in it
  crypto::KeyPair bureau_;
  ledger::Genesis genesis_;

 public:
  std::unique_ptr<ledger::Ledger> ledger;
};

struct Fixture {
  explicit Fixture(ServerConfig config = {}) {
    config.port = 0;
    NodeHooks hooks;
    hooks.submit = [](std::vector<Bytes> envelopes) {
      return std::vector<SubmitResult>(envelopes.size(), SubmitResult{Hash256{}, Status::Error("malformed", "test")});
    };
    server = std::make_unique<Server>(config, *chain.ledger, hooks);
    REQUIRE(server->Start().ok());
    base = "http://127.0.0.1:" + std::to_string(server->port());
  }
  ~Fixture() { server->Stop(); }

  Chain chain;
  std::unique_ptr<Server> server;
  std::string base;
};

// A client that sends raw bytes and reads with Beast, every read bounded by a deadline.
class RawClient {
 public:
  explicit RawClient(std::uint16_t port) : stream_(io_) {
    stream_.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  }

  void Send(std::string_view bytes) { net::write(stream_.socket(), net::buffer(bytes.data(), bytes.size())); }

  // Sends as much as the server takes within the deadline; false if it stopped taking it.
  bool TrySend(std::string_view bytes, std::chrono::milliseconds timeout) {
    beast::error_code result;
    stream_.expires_after(timeout);
    net::async_write(stream_, net::buffer(bytes.data(), bytes.size()),
                     [&](beast::error_code ec, std::size_t) { result = ec; });
    Run();
    return !result;
  }

  http::response<http::string_body> Read(bool head_request = false, std::chrono::milliseconds timeout = 5s) {
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 << 20);
    if (head_request) parser.skip(true);
    beast::error_code result;
    stream_.expires_after(timeout);
    http::async_read(stream_, buffer_, parser, [&](beast::error_code ec, std::size_t) { result = ec; });
    Run();
    REQUIRE_MESSAGE(!result, result.message());
    return parser.release();
  }

  // True if the server closes the connection within `timeout` (input before that is discarded).
  bool ClosedWithin(std::chrono::milliseconds timeout) {
    stream_.expires_after(timeout);
    bool closed = false;
    std::function<void()> read_more = [&] {
      stream_.async_read_some(net::buffer(scratch_), [&](beast::error_code ec, std::size_t n) {
        discarded_ += n;
        if (!ec) return read_more();
        closed = ec == net::error::eof || ec == net::error::connection_reset;
      });
    };
    read_more();
    Run();
    return closed;
  }

  beast::tcp_stream& stream() { return stream_; }
  beast::flat_buffer& buffer() { return buffer_; }
  // Bytes ClosedWithin read and threw away: what the server sent that no Read took.
  std::size_t discarded() const { return discarded_; }
  void Run() {
    io_.restart();
    io_.run();
  }

 private:
  net::io_context io_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::array<char, 4096> scratch_{};
  std::size_t discarded_ = 0;
};

Json BodyJson(const std::string& body) {
  Json j = Json::parse(body, nullptr, false);
  REQUIRE_FALSE(j.is_discarded());
  return j;
}

std::string ErrorCode(const std::string& body) { return BodyJson(body)["error"]["code"]; }

// ---------------------------------------------------------------- slow clients and limits

TEST_CASE("a client that sends half a header and stalls is cut off without holding up others") {
  ServerConfig config;
  config.header_timeout_ms = 300;
  config.request_timeout_ms = 600;
  config.threads = 1;  // even a single I/O thread keeps serving
  Fixture f(config);

  RawClient stalled(f.server->port());
  stalled.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n");
  RawClient dripping(f.server->port());
  RawClient slow_body(f.server->port());
  slow_body.Send("POST /v1/txs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"tx\"");

  // Behaviour, not speed: while the three hold their connections, the single I/O thread answers
  // every other request, and each of the three is closed without a byte of answer.
  for (int i = 0; i < 5; ++i) {
    dripping.TrySend("G", 100ms);  // one byte at a time: the header deadline is absolute
    std::this_thread::sleep_for(80ms);
    auto r = HttpRequest("GET", f.base + "/healthz", "", "application/json", 2'000);
    REQUIRE(r.ok());
    CHECK(r->status == 200);
  }
  CHECK(stalled.ClosedWithin(2s));
  CHECK(dripping.ClosedWithin(2s));
  CHECK(slow_body.ClosedWithin(2s));
  for (RawClient* c : {&stalled, &dripping, &slow_body}) CHECK(c->discarded() == 0);
}

TEST_CASE("bodies and headers over the limits get 413 and 431") {
  ServerConfig config;
  config.max_body_bytes = 1024;
  config.max_header_bytes = 2048;
  Fixture f(config);

  auto r = HttpRequest("POST", f.base + "/v1/txs", std::string(5'000, ' '), "application/json");
  REQUIRE(r.ok());
  CHECK(r->status == 413);
  CHECK(ErrorCode(r->body) == "too_large");

  // A large declared body on a GET, refused before it is read.
  RawClient get_body(f.server->port());
  get_body.Send("GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n");
  auto res = get_body.Read();
  CHECK(res.result_int() == 413);
  CHECK_FALSE(res.keep_alive());

  // A chunked body that grows past the limit.
  RawClient chunked(f.server->port());
  chunked.Send("POST /v1/txs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
  const std::string chunk = "400\r\n" + std::string(1024, 'a') + "\r\n";
  chunked.Send(chunk);
  chunked.TrySend(chunk, 1s);
  CHECK(chunked.Read().result_int() == 413);

  RawClient big_header(f.server->port());
  big_header.Send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Filler: " + std::string(4'000, 'f') + "\r\n\r\n");
  res = big_header.Read();
  CHECK(res.result_int() == 431);
  CHECK(ErrorCode(res.body()) == "header_too_large");

  // The server is unharmed.
  r = HttpRequest("GET", f.base + "/healthz");
  REQUIRE(r.ok());
  CHECK(r->status == 200);
}

TEST_CASE("keep-alive connections answer pipelined requests in order") {
  Fixture f;
  RawClient client(f.server->port());
  client.Send(
      "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /v1/stats HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /v1/no-such-thing HTTP/1.1\r\nHost: x\r\n\r\n"
      "HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  auto a = client.Read();
  CHECK(a.result_int() == 200);
  CHECK(BodyJson(a.body())["status"] == "ok");
  auto b = client.Read();
  CHECK(b.result_int() == 200);
  CHECK(BodyJson(b.body()).contains("stats"));
  auto c = client.Read();
  CHECK(c.result_int() == 404);
  CHECK(c.keep_alive());
  auto d = client.Read(/*head_request=*/true);
  CHECK(d.result_int() == 200);
  CHECK(d[http::field::content_length] == std::to_string(a.body().size()));
  CHECK(d.body().empty());

  client.Send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  auto e = client.Read();
  CHECK(e.result_int() == 200);
  CHECK_FALSE(e.keep_alive());
  CHECK(client.ClosedWithin(2s));
}

TEST_CASE("Expect 100-continue and malformed requests and absolute targets") {
  Fixture f;
  RawClient cont(f.server->port());
  const std::string body = R"({"tx": "AAAA"})";
  cont.Send("POST /v1/txs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: " +
            std::to_string(body.size()) + "\r\n\r\n");
  auto interim = cont.Read();
  CHECK(interim.result() == http::status::continue_);
  cont.Send(body);
  auto done = cont.Read();
  CHECK(done.result_int() == 200);
  CHECK(BodyJson(done.body())["results"][0]["status"] == "rejected");

  RawClient garbage(f.server->port());
  garbage.Send("HELLO THERE\r\n\r\n");
  auto res = garbage.Read();
  CHECK(res.result_int() == 400);
  CHECK(ErrorCode(res.body()) == "bad_request");
  CHECK(garbage.ClosedWithin(3s));

  RawClient absolute(f.server->port());
  absolute.Send("GET http://example.com/healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(absolute.Read().result_int() == 400);
}

TEST_CASE("connections beyond max_connections are answered 503") {
  ServerConfig config;
  config.max_connections = 2;
  Fixture f(config);
  RawClient one(f.server->port()), two(f.server->port());
  for (RawClient* c : {&one, &two}) {
    c->Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(c->Read().result_int() == 200);
  }
  auto r = HttpRequest("GET", f.base + "/healthz");
  REQUIRE(r.ok());
  CHECK(r->status == 503);
  CHECK(ErrorCode(r->body) == "unavailable");
  one.Send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  CHECK(one.Read().result_int() == 200);
  CHECK(one.ClosedWithin(2s));
  one.stream().close();  // the server lingers until the client closes too (at most 2 s)
  bool served = false;
  for (int i = 0; i < 100 && !served; ++i) {  // the freed slot is reusable once the close is seen
    r = HttpRequest("GET", f.base + "/healthz");
    served = r.ok() && r->status == 200;
    if (!served) std::this_thread::sleep_for(20ms);
  }
  CHECK(served);
}

// Issue 15: a Transfer-Encoding other than chunked made the server read the body as the next
// request (request smuggling). RFC 9112 6.3: 400 and close, and the "body" is never answered.
TEST_CASE("a Transfer-Encoding other than exactly chunked is answered 400 and the connection closed") {
  Fixture f;
  const std::string smuggled = "GET /v1/stats HTTP/1.1\r\nHost: x\r\n\r\n";
  for (const std::string coding : {"Transfer-Encoding: gzip\r\n", "Transfer-Encoding: identity\r\n",
                                   "Transfer-Encoding: chunked, chunked\r\n", "Transfer-Encoding: gzip, chunked\r\n",
                                   "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
                                   "Transfer-Encoding: \r\n", "Transfer-Encoding: xchunked\r\n"}) {
    CAPTURE(coding);
    RawClient client(f.server->port());
    client.Send("POST /v1/txs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + coding + "\r\n" + smuggled);
    auto res = client.Read();
    CHECK(res.result_int() == 400);
    CHECK(ErrorCode(res.body()) == "bad_request");
    CHECK_FALSE(res.keep_alive());
    CHECK(client.ClosedWithin(3s));
    // No second response: the smuggled request was never served.
    CHECK(client.buffer().size() == 0);
    CHECK(client.discarded() == 0);
  }
  // HTTP/1.0 has no transfer codings (RFC 9112 6.1): any Transfer-Encoding there is faulty framing.
  RawClient old(f.server->port());
  old.Send("GET /healthz HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
  CHECK(old.Read().result_int() == 400);
  CHECK(old.ClosedWithin(3s));

  // The boundary that passes: exactly "chunked", in any letter case, with surrounding spaces.
  for (const std::string coding : {"chunked", "Chunked", " CHUNKED "}) {
    CAPTURE(coding);
    RawClient client(f.server->port());
    const std::string body = R"({"tx": "AAAA"})";
    std::ostringstream chunk;
    chunk << std::hex << body.size() << "\r\n" << body << "\r\n0\r\n\r\n";
    client.Send("POST /v1/txs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding:" + coding +
                "\r\n\r\n" + chunk.str() + "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    auto res = client.Read();
    CHECK(res.result_int() == 200);
    CHECK(BodyJson(res.body())["results"][0]["status"] == "rejected");
    CHECK(res.keep_alive());
    CHECK(client.Read().result_int() == 200);  // the next request on the connection is its own
  }
}

// Issue 15 (part 4): one client address may not take every connection slot.
TEST_CASE("connections beyond max_connections_per_ip from one address are answered 503") {
  ServerConfig config;
  config.max_connections_per_ip = 2;
  Fixture f(config);
  RawClient one(f.server->port()), two(f.server->port());
  for (RawClient* c : {&one, &two}) {
    c->Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(c->Read().result_int() == 200);  // the boundary: the limit itself is served
  }
  RawClient three(f.server->port());
  auto refused = three.Read();
  CHECK(refused.result_int() == 503);
  CHECK(ErrorCode(refused.body()) == "unavailable");
  CHECK(BodyJson(refused.body())["error"]["message"].get<std::string>().find("your address") != std::string::npos);
  CHECK(three.ClosedWithin(3s));
  three.stream().close();
  // Closing one frees its slot for the same address.
  one.stream().close();
  bool served = false;
  for (int i = 0; i < 100 && !served; ++i) {
    auto r = HttpRequest("GET", f.base + "/healthz");
    served = r.ok() && r->status == 200;
    if (!served) std::this_thread::sleep_for(20ms);
  }
  CHECK(served);
}

TEST_CASE("max_connections_per_ip 0 means no per-address cap") {
  ServerConfig config;
  config.max_connections_per_ip = 0;
  Fixture f(config);
  std::vector<std::unique_ptr<RawClient>> clients;
  for (int i = 0; i < 8; ++i) {
    clients.push_back(std::make_unique<RawClient>(f.server->port()));
    clients.back()->Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(clients.back()->Read().result_int() == 200);
  }
}

// A Tx envelope whose donor name is not UTF-8 (spliced in: protobuf will not serialise it).
std::string EnvelopeWithBadUtf8() {
  pb::TxBody body;
  body.set_chain_id(kChainId);
  body.set_expires_at_height(10);
  body.set_expires_at_ms(1);
  auto* d = body.mutable_donation();
  d->set_to_account("org:bureau");
  d->set_amount_fen(100);
  d->set_donor_display_name("QQQQ");
  std::string bytes = body.SerializeAsString();
  bytes.replace(bytes.find("QQQQ"), 4, "\xff\xfe\xc0\x80");
  pb::Tx tx;
  tx.set_body(bytes);
  auto* sig = tx.add_sigs();
  sig->set_public_key(std::string(32, 'k'));
  sig->set_sig(std::string(64, 's'));
  return tx.SerializeAsString();
}

// Captures what this process writes to stderr (fd 2) while in scope.
class StderrCapture {
 public:
  StderrCapture() : file_(std::tmpfile()), saved_(dup(2)) {
    REQUIRE(file_ != nullptr);
    std::fflush(stderr);
    dup2(fileno(file_), 2);
  }
  ~StderrCapture() { Restore(); }
  std::string Restore() {
    if (saved_ < 0) return text_;
    std::fflush(stderr);
    dup2(saved_, 2);
    close(saved_);
    saved_ = -1;
    std::rewind(file_);
    for (int c; (c = std::fgetc(file_)) != EOF;) text_ += static_cast<char>(c);
    std::fclose(file_);
    return text_;
  }

 private:
  std::FILE* file_;
  int saved_;
  std::string text_;
};

// Issue 15: invalid UTF-8 in a string field made protobuf write a stderr line per request (1 MB
// per 5 requests, anonymously). Now the API finds it first: 400 invalid_utf8, nothing submitted,
// nothing logged.
TEST_CASE("a submitted tx with a string field that is not UTF-8 is 400 invalid_utf8 and logs nothing") {
  ServerConfig config;
  config.threads = 1;
  Fixture f(config);
  const std::string envelope = EnvelopeWithBadUtf8();
  StderrCapture capture;
  for (int i = 0; i < 20; ++i) {
    auto r = HttpRequest("POST", f.base + "/v1/txs", envelope, "application/x-protobuf");
    REQUIRE(r.ok());
    CHECK(r->status == 400);
    CHECK(ErrorCode(r->body) == "invalid_utf8");
    CHECK(BodyJson(r->body)["error"]["message"].get<std::string>().find("donor_display_name") != std::string::npos);
  }
  // In a JSON batch the item is named; a valid-UTF-8 item before it is not submitted either.
  const Json batch = {{"txs", {"AAAA", internal::EncodeBase64(AsBytes(envelope))}}};
  auto r = HttpRequest("POST", f.base + "/v1/txs", batch.dump(), "application/json");
  REQUIRE(r.ok());
  CHECK(r->status == 400);
  CHECK(ErrorCode(r->body) == "invalid_utf8");
  CHECK(BodyJson(r->body)["error"]["message"].get<std::string>().starts_with("txs[1]: "));
  const std::string logged = capture.Restore();
  CHECK_MESSAGE(logged.empty(), logged.substr(0, 300));
  // The boundary: a well-formed envelope is submitted (the test hook rejects it, with 200).
  r = HttpRequest("POST", f.base + "/v1/txs", std::string("\x0a\x00", 2), "application/x-protobuf");
  REQUIRE(r.ok());
  CHECK(r->status == 200);
}

// ---------------------------------------------------------------- static files

TEST_CASE("static explorer files have content types and an SPA fallback and no way out of the directory") {
  TempDir outside;
  const fs::path root = outside.path / "dist";
  WriteFile(root / "index.html", "<!doctype html><title>善流</title>");
  WriteFile(root / "assets" / "app-1234.js", "console.log('hi')");
  WriteFile(root / "assets" / "style.css", "body{}");
  WriteFile(root / "logo.svg", "<svg/>");
  WriteFile(root / ".env", "SECRET=1");
  WriteFile(outside.path / "secret.txt", "TOP SECRET");
  fs::create_symlink(outside.path / "secret.txt", root / "link.txt");
  fs::create_directory_symlink(outside.path, root / "escape");

  ServerConfig config;
  config.explorer_dir = root;
  Fixture f(config);
  auto get = [&](const std::string& target, const std::string& method = "GET") {
    auto r = HttpRequest(method, f.base + target);
    REQUIRE(r.ok());
    CHECK(r->body.find("TOP SECRET") == std::string::npos);
    return *r;
  };

  auto r = get("/");
  CHECK(r.status == 200);
  CHECK(r.content_type == "text/html; charset=utf-8");
  CHECK(r.body.find("善流") != std::string::npos);
  r = get("/assets/app-1234.js");
  CHECK(r.status == 200);
  CHECK(r.content_type == "text/javascript; charset=utf-8");
  CHECK(get("/assets/style.css").content_type == "text/css; charset=utf-8");
  CHECK(get("/logo.svg").content_type == "image/svg+xml");
  r = get("/r/abcdefghijklmnop");  // a client-side route
  CHECK(r.status == 200);
  CHECK(r.body.find("善流") != std::string::npos);
  CHECK(get("/assets/missing.js").status == 404);
  CHECK(get("/.env").status == 404);
  CHECK(get("/link.txt").status == 404);
  CHECK(get("/escape/secret.txt").status == 404);

  for (const std::string target : {"/../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E/secret.txt",
                                   "/assets/..%2f..%2fsecret.txt", "/assets/%2e%2e%2f%2e%2e%2fsecret.txt",
                                   "/assets/../../secret.txt", "/./index.html", "/assets%5c..%5c..%5csecret.txt",
                                   "/%00", "/%zz", "/c:/secret.txt"}) {
    INFO(target);
    r = get(target);
    CHECK(r.status == 400);
    CHECK(ErrorCode(r.body) == "invalid_path");
  }
  r = get("//" + outside.path.string() + "/secret.txt");  // an absolute path stays inside the root
  CHECK(r.status == 404);
  r = get("/index.html", "POST");
  CHECK(r.status == 405);
}

// One request with the given extra header lines ("Name: value\r\n"), on a fresh connection.
http::response<http::string_body> RawGet(std::uint16_t port, const std::string& target, const std::string& headers,
                                         const std::string& method = "GET") {
  RawClient client(port);
  client.Send(method + " " + target + " HTTP/1.1\r\nHost: x\r\n" + headers + "Connection: close\r\n\r\n");
  return client.Read(/*head_request=*/method == "HEAD");
}

std::string Field(const http::response<http::string_body>& r, http::field name) {
  return std::string(r[name]);
}

TEST_CASE("documents are served under /documents/ without a fallback, sandboxed, and never from outside their folder") {
  TempDir outside;
  const fs::path explorer = outside.path / "dist";
  const fs::path docs = outside.path / "documents";
  WriteFile(explorer / "index.html", "<!doctype html><title>善流</title>");
  WriteFile(docs / "charity-a" / "2025-annual-report.txt", "年度报告");
  WriteFile(docs / "page.html", "<script>alert(1)</script>");
  WriteFile(docs / ".hidden.txt", "no");
  WriteFile(outside.path / "secret.txt", "TOP SECRET");
  fs::create_symlink(outside.path / "secret.txt", docs / "link.txt");

  ServerConfig config;
  config.explorer_dir = explorer;
  config.documents_dir = docs;
  Fixture f(config);
  auto get = [&](const std::string& target) {
    auto r = RawGet(f.server->port(), target, "");
    CHECK(r.body().find("TOP SECRET") == std::string::npos);
    return r;
  };
  auto r = get("/documents/charity-a/2025-annual-report.txt");
  CHECK(r.result_int() == 200);
  CHECK(r.body() == "年度报告");
  CHECK(Field(r, http::field::content_type) == "text/plain; charset=utf-8");
  CHECK(Field(r, http::field::cache_control) == "no-cache");
  CHECK(std::string(r["Content-Security-Policy"]) == "sandbox; default-src 'none'");
  // HTML is sandboxed: it cannot run script on the explorer's origin.
  r = get("/documents/page.html");
  CHECK(r.result_int() == 200);
  CHECK(std::string(r["Content-Security-Policy"]).starts_with("sandbox"));
  // No index.html fallback for extension-less or missing paths; hidden files and links out are 404.
  CHECK(get("/documents/charity-a/missing").result_int() == 404);
  CHECK(get("/documents/charity-a/missing.txt").result_int() == 404);
  CHECK(get("/documents/").result_int() == 404);
  CHECK(get("/documents/.hidden.txt").result_int() == 404);
  CHECK(get("/documents/link.txt").result_int() == 404);
  for (const std::string target : {"/documents/../secret.txt", "/documents/%2e%2e/secret.txt",
                                   "/documents/charity-a/..%2f..%2fsecret.txt", "/documents/%00"}) {
    INFO(target);
    r = get(target);
    CHECK(r.result_int() == 400);
    CHECK(ErrorCode(r.body()) == "invalid_path");
  }
  // The explorer is untouched: its routes still fall back to index.html, without the sandbox.
  r = get("/documentsx");
  CHECK(r.result_int() == 200);
  CHECK(r.body().find("善流") != std::string::npos);
  CHECK(std::string(r["Content-Security-Policy"]).empty());
}

TEST_CASE("without a documents folder /documents/ paths are the explorer's") {
  TempDir outside;
  WriteFile(outside.path / "dist" / "index.html", "<!doctype html><title>善流</title>");
  ServerConfig config;
  config.explorer_dir = outside.path / "dist";
  Fixture f(config);
  auto r = RawGet(f.server->port(), "/documents/a.txt", "");
  CHECK(r.result_int() == 404);
  CHECK(std::string(r["Content-Security-Policy"]).empty());
}

TEST_CASE("static files are sent precompressed by Accept-Encoding with Vary and year-long caching for hashed assets") {
  TempDir dir;
  const fs::path root = dir.path / "dist";
  const std::string js(4000, 'a');
  WriteFile(root / "assets" / "app-1234.js", js);
  WriteFile(root / "assets" / "app-1234.js.gz", "GZ-SIBLING");
  WriteFile(root / "assets" / "app-1234.js.br", "BR-SIBLING");
  WriteFile(root / "assets" / "only-gz-77.js", js);
  WriteFile(root / "assets" / "only-gz-77.js.gz", "GZ-ONLY");
  WriteFile(root / "assets" / "logo-9.png", std::string(4000, 'p'));
  WriteFile(root / "assets" / "logo-9.png.gz", "PNG-GZ");  // never used: images are not compressible
  WriteFile(root / "index.html", "<!doctype html><title>善流</title>" + std::string(3000, ' '));
  ServerConfig config;
  config.explorer_dir = root;
  Fixture f(config);
  const auto port = f.server->port();

  auto r = RawGet(port, "/assets/app-1234.js", "Accept-Encoding: gzip, deflate, br, zstd\r\n");
  CHECK(r.result_int() == 200);
  CHECK(r.body() == "BR-SIBLING");
  CHECK(Field(r, http::field::content_encoding) == "br");
  CHECK(Field(r, http::field::vary) == "Accept-Encoding");
  CHECK(Field(r, http::field::content_type) == "text/javascript; charset=utf-8");
  CHECK(Field(r, http::field::cache_control) == "public, max-age=31536000, immutable");

  r = RawGet(port, "/assets/app-1234.js", "Accept-Encoding: gzip\r\n");
  CHECK(r.body() == "GZ-SIBLING");
  CHECK(Field(r, http::field::content_encoding) == "gzip");
  r = RawGet(port, "/assets/app-1234.js", "Accept-Encoding: br;q=0.2, gzip;q=0.9\r\n");
  CHECK(r.body() == "GZ-SIBLING");
  r = RawGet(port, "/assets/only-gz-77.js", "Accept-Encoding: br\r\n");
  CHECK(r.body().size() < js.size());  // no .br sibling: compressed on the fly
  CHECK(Field(r, http::field::content_encoding) == "br");

  // No header, identity only, q=0 everywhere, malformed: the plain file, still with Vary.
  for (const std::string header : {"", "Accept-Encoding: identity\r\n", "Accept-Encoding: gzip;q=0, br;q=0\r\n",
                                   "Accept-Encoding: *;q=0\r\n", "Accept-Encoding: gzip;q=7\r\n",
                                   "Accept-Encoding: @@@, br\r\n", "Accept-Encoding: \r\n"}) {
    INFO(header);
    r = RawGet(port, "/assets/app-1234.js", header);
    CHECK(r.result_int() == 200);
    CHECK(r.body() == js);
    CHECK(Field(r, http::field::content_encoding).empty());
    CHECK(Field(r, http::field::vary) == "Accept-Encoding");
  }

  r = RawGet(port, "/assets/logo-9.png", "Accept-Encoding: gzip\r\n");
  CHECK(r.body() == std::string(4000, 'p'));
  CHECK(Field(r, http::field::content_encoding).empty());

  // HEAD: the headers and length a GET would have had, no body.
  r = RawGet(port, "/assets/app-1234.js", "Accept-Encoding: br\r\n", "HEAD");
  CHECK(r.result_int() == 200);
  CHECK(Field(r, http::field::content_encoding) == "br");
  CHECK(Field(r, http::field::content_length) == std::to_string(std::string("BR-SIBLING").size()));

  // Ranges are not supported: the whole representation, never a partial compressed one.
  r = RawGet(port, "/assets/app-1234.js", "Accept-Encoding: gzip\r\nRange: bytes=0-3\r\n");
  CHECK(r.result_int() == 200);
  CHECK(r.body() == "GZ-SIBLING");
  CHECK(Field(r, http::field::content_range).empty());

  // index.html (and the SPA fallback) is revalidated on every visit; compressed on the fly.
  for (const std::string target : {"/", "/r/abcdefghijkl"}) {
    r = RawGet(port, target, "Accept-Encoding: gzip\r\n");
    CHECK(r.result_int() == 200);
    CHECK(Field(r, http::field::cache_control) == "no-cache");
    CHECK(Field(r, http::field::content_encoding) == "gzip");
    CHECK(r.body().size() < 3000);
  }
}

TEST_CASE("large JSON is compressed on the fly and small JSON and errors are not") {
  Fixture f;
  const auto port = f.server->port();
  auto plain = RawGet(port, "/v1/openapi.json", "");
  REQUIRE(plain.result_int() == 200);
  REQUIRE(plain.body().size() > 1024);
  CHECK(Field(plain, http::field::content_encoding).empty());
  CHECK(Field(plain, http::field::vary) == "Accept-Encoding");
  for (const std::string coding : {"gzip", "br"}) {
    auto r = RawGet(port, "/v1/openapi.json", "Accept-Encoding: " + coding + "\r\n");
    CHECK(r.result_int() == 200);
    CHECK(Field(r, http::field::content_encoding) == coding);
    CHECK(Field(r, http::field::cache_control) == "no-cache");
    CHECK(r.body().size() * 2 < plain.body().size());
    auto head = RawGet(port, "/v1/openapi.json", "Accept-Encoding: " + coding + "\r\n", "HEAD");
    CHECK(Field(head, http::field::content_length) == std::to_string(r.body().size()));
  }
  auto small = RawGet(port, "/healthz", "Accept-Encoding: gzip\r\n");
  CHECK(Field(small, http::field::content_encoding).empty());
  auto error = RawGet(port, "/v1/nothing-here", "Accept-Encoding: gzip\r\n");
  CHECK(error.result_int() == 404);
  CHECK(Field(error, http::field::content_encoding).empty());
  CHECK_FALSE(BodyJson(error.body()).is_discarded());
}

TEST_CASE("without an explorer directory non-API paths are 404 JSON") {
  Fixture f;
  auto r = HttpRequest("GET", f.base + "/index.html");
  REQUIRE(r.ok());
  CHECK(r->status == 404);
  CHECK(ErrorCode(r->body) == "not_found");
}

// ---------------------------------------------------------------- event stream and stop

// Reads a chunked event stream, collecting the chunk payloads as they arrive.
class StreamReader {
 public:
  explicit StreamReader(RawClient& client) : client_(client) {
    parser_.body_limit(boost::none);
    parser_.on_chunk_body(on_chunk_);  // the parser keeps a reference to the callback
  }

  http::response<http::string_body>& header() { return parser_.get(); }
  bool done() const { return parser_.is_done(); }
  const std::string& text() const { return text_; }

  // Reads until `needle` has arrived (true), the message ends, or the deadline passes.
  bool WaitFor(const std::string& needle, std::chrono::milliseconds timeout = 5s) {
    const auto deadline = Clock::now() + timeout;
    while (text_.find(needle) == std::string::npos) {
      if (parser_.is_done() || Clock::now() >= deadline) return false;
      beast::error_code result;
      client_.stream().expires_at(deadline);
      http::async_read_some(client_.stream(), client_.buffer(), parser_,
                            [&](beast::error_code ec, std::size_t) { result = ec; });
      client_.Run();
      if (result) return text_.find(needle) != std::string::npos;
    }
    return true;
  }

  bool ReadHeader() {
    beast::error_code result;
    client_.stream().expires_after(5s);
    http::async_read_header(client_.stream(), client_.buffer(), parser_,
                            [&](beast::error_code ec, std::size_t) { result = ec; });
    client_.Run();
    return !result;
  }

  bool WaitForEnd(std::chrono::milliseconds timeout) {
    WaitFor("\x01never", timeout);
    return parser_.is_done();
  }

 private:
  RawClient& client_;
  std::string text_;
  std::function<std::size_t(std::uint64_t, beast::string_view, beast::error_code&)> on_chunk_ =
      [this](std::uint64_t, beast::string_view body, beast::error_code&) {
        text_.append(body.data(), body.size());
        return body.size();
      };
  http::response_parser<http::string_body> parser_;
};

TEST_CASE("the event stream sends the head and each committed block and heartbeats and ends on Stop") {
  ServerConfig config;
  config.sse_heartbeat_ms = 150;
  config.max_sse_clients = 1;
  Fixture f(config);

  RawClient client(f.server->port());
  client.Send("GET /v1/stream HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n");
  StreamReader stream(client);
  REQUIRE(stream.ReadHeader());
  CHECK(stream.header().result_int() == 200);
  CHECK(stream.header()[http::field::content_type] == "text/event-stream; charset=utf-8");
  REQUIRE(stream.WaitFor("event: head\n"));
  CHECK(stream.text().find("\"height\":0") != std::string::npos);

  // A second subscriber is over the limit.
  auto second = HttpRequest("GET", f.base + "/v1/stream");
  REQUIRE(second.ok());
  CHECK(second->status == 503);

  const std::uint64_t h1 = f.chain.CommitRegistration("charity-one", 11);
  f.server->NotifyCommitted(h1);
  const std::uint64_t h2 = f.chain.CommitRegistration("charity-two", 12);
  f.server->NotifyCommitted(h2);
  REQUIRE(stream.WaitFor("id: 2\nevent: block\n"));
  const std::string& text = stream.text();
  const std::string prefix = "id: 1\nevent: block\ndata: ";
  const auto first = text.find(prefix);
  REQUIRE(first != std::string::npos);
  CHECK(first < text.find("id: 2\n"));
  const std::size_t data_start = first + prefix.size();
  const std::string data = text.substr(data_start, text.find('\n', data_start) - data_start);
  const Json event = BodyJson(data);
  CHECK(event["height"] == 1);
  CHECK(event["tx_count"] == 1);
  CHECK(event["block_hash"].get<std::string>().size() == 64);
  CHECK(event["time_ms"].is_number());
  CHECK(stream.WaitFor(": heartbeat\n\n"));

  std::thread stopper([&] { f.server->Stop(); });
  CHECK(stream.WaitForEnd(3s));  // the final chunk arrives: a clean end, not a reset
  stopper.join();
  CHECK(client.ClosedWithin(2s));
}

TEST_CASE("Stop closes idle keep-alive connections and is idempotent and the server cannot restart") {
  Fixture f;
  RawClient idle(f.server->port());
  idle.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(idle.Read().result_int() == 200);
  f.server->Stop();
  CHECK(idle.ClosedWithin(1s));
  f.server->Stop();
  CHECK_FALSE(f.server->Start().ok());
  CHECK_FALSE(HttpRequest("GET", f.base + "/healthz", "", "application/json", 1'000).ok());
}

TEST_CASE("bad configurations and busy ports are reported by Start") {
  Chain chain;
  ServerConfig config;
  config.port = 0;
  config.threads = 0;
  Server zero_threads(config, *chain.ledger, {});
  CHECK(zero_threads.Start().code() == "invalid_config");
  config.threads = 1;
  config.listen_address = "not-an-address";
  Server bad_address(config, *chain.ledger, {});
  CHECK(bad_address.Start().code() == "invalid_config");

  config.listen_address = "127.0.0.1";
  Server first(config, *chain.ledger, {});
  REQUIRE(first.Start().ok());
  config.port = first.port();
  Server second(config, *chain.ledger, {});
  CHECK(second.Start().code() == "io_error");
}

}  // namespace
}  // namespace shanliu::api
